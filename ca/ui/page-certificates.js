// SPDX-License-Identifier: Apache-2.0
// Certificates: search by serial, name, device or account; filter by state
// and issuing CA; page; look at one; revoke with a reason.
import { get, post, query } from './api.js';
import { badge, clear, confirmDialog, field, formatTime, h, pager, table } from './dom.js';

const PAGE = 25;
const state = { q: '', state: '', ca: '', offset: 0 };

const REASONS = ['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation',
  'privilegeWithdrawn'];

export async function revokeCertificate(cert) {
  const reason = h('select', { name: 'reason' }, REASONS.map((r) => h('option', { value: r }, r)));
  const f = field('Reason', reason);
  const chosen = await confirmDialog({
    title: 'Revoke certificate',
    body: `Revoke certificate ${cert.serial}${cert.subject ? ` (${cert.subject})` : ''}? This cannot be undone.`,
    confirm: 'Revoke',
    extra: f.row,
    collect: () => reason.value,
  });
  if (!chosen) return null;
  return post(`/admin/certificates/${encodeURIComponent(cert.serial)}/revoke`, { reason: chosen });
}

// Rows of certificates with a Revoke button each; reload() after a change.
export function certificateRows(certs, reload, { showDevice = true } = {}) {
  return certs.map((c) => {
    const actions = h('div', { class: 'row-actions' });
    const details = h('tr', { hidden: true }, h('td', { colspan: showDevice ? 8 : 7 }));
    const show = h('button', { type: 'button', class: 'link', 'aria-expanded': 'false' }, c.serial);
    show.addEventListener('click', async () => {
      const open = details.hidden;
      details.hidden = !open;
      show.setAttribute('aria-expanded', String(open));
      if (!open) return;
      const cell = clear(details.firstChild);
      try {
        const d = await get(`/admin/certificates/${encodeURIComponent(c.serial)}`);
        cell.append(h('dl', { class: 'facts' },
          h('dt', {}, 'Names'), h('dd', {}, (d.sans || []).map((s) => h('div', { class: 'mono' }, `${s.type}: ${s.value || ''}`))),
          d.tpm ? [h('dt', {}, 'TPM'), h('dd', {}, `${d.tpm.manufacturer || '?'} ${d.tpm.model || '?'} ${d.tpm.version || '?'}`)] : null,
          h('dt', {}, 'PEM'), h('dd', {}, h('pre', {}, d.pem || '-'))));
      } catch (e) {
        cell.append(h('p', { class: 'field-error', role: 'alert' }, e.message));
      }
    });
    if (c.state === 'valid') {
      actions.append(h('button', {
        type: 'button',
        class: 'danger',
        'aria-label': `Revoke certificate ${c.serial}`,
        onclick: async () => {
          try {
            if (await revokeCertificate(c)) reload();
          } catch (e) {
            actions.append(h('p', { class: 'field-error', role: 'alert' }, e.message));
          }
        },
      }, 'Revoke'));
    }
    const row = h('tr', {},
      h('td', { class: 'mono' }, show),
      h('td', {}, c.ca),
      h('td', {}, c.subject || '-'),
      showDevice ? h('td', {}, c.device_id ? h('a', { href: `#/devices/${c.device_id}` }, c.device_name || `device ${c.device_id}`) : '-') : null,
      h('td', {}, c.account || '-'),
      h('td', {}, formatTime(c.not_after)),
      h('td', {}, badge(c.state), c.revocation_reason ? h('span', { class: 'hint' }, ` ${c.revocation_reason}`) : null),
      h('td', {}, actions));
    return [row, details];
  });
}

export async function render(root) {
  const list = h('div', {});
  const listError = h('p', { class: 'field-error', role: 'alert' });

  async function load() {
    listError.textContent = '';
    let r;
    try {
      r = await get(`/admin/certificates${query({ q: state.q, state: state.state, ca: state.ca, limit: PAGE, offset: state.offset })}`);
    } catch (e) {
      listError.textContent = e.message;
      return;
    }
    clear(list).append(
      table('Certificates', ['Serial', 'CA', 'Subject', 'Device', 'Account', 'Expires', 'State', 'Actions'],
        certificateRows(r.certificates, load)),
      pager({ offset: state.offset, limit: PAGE, total: r.total, count: r.certificates.length,
        onPage: (o) => { state.offset = o; load(); } }));
  }

  const search = h('input', { type: 'search', name: 'q', value: state.q, maxlength: 256 });
  const st = h('select', { name: 'state' }, ['', 'valid', 'revoked', 'expired'].map((s) => h('option', { value: s }, s || 'any')));
  const ca = h('select', { name: 'ca' }, ['', 'attestation', 'agent', 'account'].map((s) => h('option', { value: s }, s || 'any')));
  st.value = state.state;
  ca.value = state.ca;
  const form = h('form', { class: 'inline', role: 'search' },
    field('Search serial, name, device or account', search).row,
    field('State', st).row,
    field('Issued by', ca).row,
    h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Search')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    Object.assign(state, { q: search.value.trim(), state: st.value, ca: ca.value, offset: 0 });
    load();
  });
  root.append(h('h1', {}, 'Certificates'), form, listError, list);
  await load();
}
