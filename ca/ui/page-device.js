// SPDX-License-Identifier: Apache-2.0
// One device: its identity, the TPM (from its newest AK certificate), its
// status with disable/enable/remove, its tags, its posture
// (device-posture.js), and the certificates issued to it (device and
// account certificates) with revoke.
import { get, put, query } from './api.js';
import { badge, clear, field, formatTime, h, pager, showError, table, tagList } from './dom.js';
import { changeDevice, splitTags } from './page-devices.js';
import { certificateRows } from './page-certificates.js';
import { postureSection } from './device-posture.js';

const PAGE = 25;

async function tpmInfo(id) {
  const r = await get(`/admin/certificates${query({ device: id, ca: 'attestation', limit: 1 })}`);
  if (!r.certificates.length) return null;
  const c = await get(`/admin/certificates/${encodeURIComponent(r.certificates[0].serial)}`);
  return c.tpm || null;
}

function tagsForm(dev) {
  const shown = h('div', { id: 'device-tags' }, tagList(dev.tags));
  const f = field('Set the tags', h('input', { name: 'tags', maxlength: 600, autocomplete: 'off',
    value: (dev.tags || []).join(' ') }), 'Separated by spaces or commas; empty removes them all.');
  const done = h('p', { class: 'success', role: 'status' });
  const form = h('form', { class: 'inline', novalidate: true }, f.row,
    h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Save tags')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError(f.error, '');
    done.textContent = '';
    try {
      const d = await put(`/admin/devices/${dev.id}/tags`, { tags: splitTags(f.input.value) });
      clear(shown).append(tagList(d.tags));
      f.input.value = (d.tags || []).join(' ');
      done.textContent = 'Tags saved.';
    } catch (e) {
      showError(f.error, e.message);
      f.input.focus();
    }
  });
  return h('div', {}, shown, form, done);
}

export async function render(root, [id]) {
  const dev = await get(`/admin/devices/${id}`);
  const tpm = await tpmInfo(id).catch(() => null);
  const newest = await get(`/admin/certificates${query({ device: id, limit: 1 })}`);
  const certs = h('div', {});
  const actionError = h('p', { class: 'field-error', role: 'alert' });
  let offset = 0;

  async function loadCerts() {
    const r = await get(`/admin/certificates${query({ device: id, limit: PAGE, offset })}`);
    clear(certs).append(
      table('Certificates of this device', ['Serial', 'CA', 'Subject', 'Account', 'Expires', 'State', 'Actions'],
        certificateRows(r.certificates, loadCerts, { showDevice: false })),
      pager({ offset, limit: PAGE, total: r.total, count: r.certificates.length,
        onPage: (o) => { offset = o; loadCerts(); } }));
  }

  const act = async (action) => {
    actionError.textContent = '';
    try {
      const r = await changeDevice(dev, action);
      if (!r) return;
      if (action === 'remove') window.location.hash = '#/devices';
      else window.dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (e) {
      actionError.textContent = e.message;
    }
  };
  const last = newest.certificates[0];
  const posture = await postureSection(dev, dev.name ? `"${dev.name}" (device ${dev.id})` : `device ${dev.id}`);
  root.append(
    h('p', {}, h('a', { href: '#/devices' }, 'All devices')),
    h('h1', {}, dev.name ? `Device ${dev.id}: ${dev.name}` : `Device ${dev.id}`),
    h('dl', { class: 'facts', id: 'device-facts' },
      h('dt', {}, 'Status'), h('dd', {}, badge(dev.status)),
      h('dt', {}, 'EK URI'), h('dd', { class: 'mono' }, dev.ek_uri),
      h('dt', {}, 'Name'), h('dd', {}, dev.name || '-'),
      h('dt', {}, 'Serial'), h('dd', {}, dev.serial || '-'),
      h('dt', {}, 'Owner'), h('dd', {}, dev.owner || '-'),
      h('dt', {}, 'EK public key'), h('dd', {}, dev.ek_pub ? 'registered' : 'not registered'),
      h('dt', {}, 'EK certificate'), h('dd', {}, dev.ek_cert ? 'registered' : 'not registered'),
      h('dt', {}, 'TPM manufacturer'), h('dd', {}, tpm ? tpm.manufacturer || '-' : 'not known until the device attests'),
      h('dt', {}, 'TPM model'), h('dd', {}, tpm ? tpm.model || '-' : '-'),
      h('dt', {}, 'TPM firmware'), h('dd', {}, tpm ? tpm.version || '-' : '-'),
      h('dt', {}, 'Last contact'), h('dd', {}, last ? `${formatTime(last.created_at)} (${last.ca} certificate issued)` : 'never'),
      h('dt', {}, 'Added'), h('dd', {}, formatTime(dev.created_at)),
      h('dt', {}, 'Changed'), h('dd', {}, formatTime(dev.updated_at))),
    h('div', { class: 'actions' },
      dev.status === 'active'
        ? h('button', { type: 'button', class: 'secondary', onclick: () => act('disable') }, 'Disable device')
        : h('button', { type: 'button', class: 'secondary', onclick: () => act('enable') }, 'Enable device'),
      h('button', { type: 'button', class: 'danger', onclick: () => act('remove') }, 'Remove device')),
    actionError,
    h('h2', {}, 'Tags'),
    tagsForm(dev),
    posture,
    h('h2', {}, 'Certificates'),
    certs);
  await loadCerts();
}
