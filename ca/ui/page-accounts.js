// SPDX-License-Identifier: Apache-2.0
// Accounts: the certificates devices hold for one purpose each (Wi-Fi,
// VPN, ...), defined at the CA (docs/accounts.md). A paged, searchable
// list; add, edit, delete with confirmation; and a live preview of the
// names a chosen device would get, from the CA itself
// (POST /admin/account-preview renders them with the code issuance uses).
// A CA without the accounts API (the session's "features") says so.
import { del, get, hasFeature, post, put, query } from './api.js';
import { clear, confirmDialog, field, h, pager, showError, table, tagList } from './dom.js';

const PAGE = 25;
const PREVIEW_DELAY = 250; // ms after the last keystroke
const state = { q: '', offset: 0 };

// 86400 -> "24h": the shortest duration the API reads back.
export function formatLifetime(s) {
  if (s % 86400 === 0) return `${s / 86400}d`;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

function lines(text) {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

// "all", or the tags an account targets, as the API's "devices".
function devicesValue(text) {
  const words = text.split(/[\s,;]+/).filter((t) => t !== '');
  if (!words.length || (words.length === 1 && words[0] === 'all')) return 'all';
  return words.map((t) => (t.startsWith('tag:') ? t : `tag:${t}`));
}

function devicesText(devices) {
  if (!Array.isArray(devices)) return 'all';
  return devices.map((d) => d.replace(/^tag:/, '')).join(' ');
}

// The form for a new account or an edit of one, with the preview.
function accountForm(onSaved) {
  const key = h('select', { name: 'key' },
    h('option', { value: 'software' }, 'software (kept in the kernel keyring)'),
    h('option', { value: 'tpm' }, 'tpm (a key in the TPM)'));
  const fields = {
    name: field('Name', h('input', { name: 'name', maxlength: 63, autocomplete: 'off', spellcheck: 'false', required: true }),
      'a-z, 0-9, "_" and "-": the file name on the device (/run/deviceid/NAME.pem). It cannot be changed later.'),
    sub: field('Subject template (optional)', h('input', { name: 'sub', maxlength: 253, autocomplete: 'off', spellcheck: 'false' }),
      'The certificate\'s CN; default the account\'s name. Variables: {name} {serial} {owner} {ek_uri} {id}.'),
    sans: field('SAN templates (optional)', h('textarea', { name: 'sans', rows: 3, spellcheck: 'false', autocomplete: 'off' }),
      'One per line, up to 16: DNS names, email addresses, URIs or IP addresses, with the same variables.'),
    lifetime: field('Lifetime (optional)', h('input', { name: 'lifetime', maxlength: 32, autocomplete: 'off' }),
      'A duration such as 24h or 90m, at least 5m; default 24h or the CA\'s maximum if lower.'),
    key: field('Key', key),
    devices: field('Devices', h('input', { name: 'devices', maxlength: 600, autocomplete: 'off', value: 'all' }),
      '"all", or tags separated by spaces: the account targets devices carrying any of them.'),
  };
  const formError = h('p', { class: 'field-error', role: 'alert' });
  const done = h('p', { class: 'success', role: 'status' });
  const title = h('h2', { id: 'account-form-title' }, 'Add an account');
  const submit = h('button', { type: 'submit' }, 'Add account');
  const cancel = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Cancel editing');
  let editing = null;

  // The preview: a device to render the names for, and what it would get.
  const find = h('input', { type: 'search', name: 'preview-q', maxlength: 256, autocomplete: 'off' });
  const device = h('select', { name: 'preview-device' });
  const previewFields = {
    find: field('Find a device for the preview', find),
    device: field('Preview for device', device),
  };
  const output = h('div', { id: 'account-preview', class: 'preview', 'aria-live': 'polite' });

  function body() {
    const b = { devices: devicesValue(fields.devices.input.value) };
    if (!editing) b.name = fields.name.input.value.trim();
    const sub = fields.sub.input.value.trim();
    if (sub) b.sub = sub;
    b.sans = lines(fields.sans.input.value);
    const lifetime = fields.lifetime.input.value.trim();
    if (lifetime) b.lifetime = lifetime;
    b.key = key.value;
    return b;
  }

  function clearErrors() {
    for (const f of [...Object.values(fields), ...Object.values(previewFields)]) showError(f.error, '');
    formError.textContent = '';
    previewError = null;
  }

  function showAt(where, message) {
    const f = (where && Object.hasOwn(fields, where) && fields[where]) ||
      (where && Object.hasOwn(previewFields, where) && previewFields[where]) || null;
    if (f) showError(f.error, message);
    else formError.textContent = message;
    return f;
  }

  async function loadDevices() {
    let r;
    try {
      r = await get(`/admin/devices${query({ q: find.value.trim(), limit: 100 })}`);
    } catch (e) {
      showError(previewFields.find.error, e.message);
      return;
    }
    showError(previewFields.find.error, '');
    const before = device.value;
    clear(device).append(...r.devices.map((d) =>
      h('option', { value: d.id }, `${d.name || '(no name)'} - device ${d.id}`)));
    if (!r.devices.length) device.append(h('option', { value: '' }, 'no device found'));
    if (r.devices.some((d) => String(d.id) === before)) device.value = before;
    schedulePreview();
  }

  let seq = 0;
  let timer = null;
  let previewError = null; // the field the last preview marked, if any
  async function preview() {
    const mine = ++seq;
    if (!device.value) {
      clear(output).append(h('p', {}, 'Choose a device to see the names it would get.'));
      return;
    }
    const b = body();
    if (editing) b.name = editing;
    if (!b.name) {
      clear(output).append(h('p', {}, 'Give the account a name to see the names this device would get.'));
      return;
    }
    let r;
    try {
      r = await post('/admin/account-preview', { device: Number(device.value), account: b });
    } catch (e) {
      if (mine !== seq) return;
      clear(output);
      if (e.field === 'device') {
        showAt('device', e.message);
        previewError = 'device';
      } else output.append(h('p', { class: 'field-error' }, e.message));
      return;
    }
    if (mine !== seq) return; // a newer preview is on its way
    // Its own mark goes; an error from saving stays until the next save.
    if (previewError) showAt(previewError, '');
    previewError = null;
    clear(output);
    if (r.error) {
      // What issuance would refuse, next to the field at fault.
      if (r.field && (Object.hasOwn(fields, r.field) || Object.hasOwn(previewFields, r.field))) {
        showAt(r.field, r.error);
        previewError = r.field;
      }
      output.append(h('p', { class: 'field-error', id: 'account-preview-error' }, `No certificate: ${r.error}`));
      return;
    }
    if (!r.targeted) {
      output.append(h('p', { class: 'notice', id: 'account-preview-untargeted' },
        'This account does not target this device: it gets no certificate. If it did, the names would be:'));
    }
    output.append(h('dl', { class: 'facts' },
      h('dt', {}, 'Subject (CN)'), h('dd', { id: 'account-preview-sub', class: 'mono' }, r.sub),
      h('dt', {}, 'SANs'),
      h('dd', {}, r.sans.length
        ? h('ul', { id: 'account-preview-sans', class: 'plain' }, r.sans.map((s) => h('li', { class: 'mono' }, s)))
        : 'none')));
  }

  function schedulePreview() {
    clearTimeout(timer);
    timer = setTimeout(preview, PREVIEW_DELAY);
  }

  const form = h('form', { novalidate: true, id: 'account-form' },
    Object.values(fields).map((f) => f.row),
    h('section', { class: 'preview-panel', 'aria-labelledby': 'preview-title' },
      h('h3', { id: 'preview-title' }, 'Preview'),
      previewFields.find.row, previewFields.device.row, output),
    formError,
    h('div', { class: 'actions' }, submit, cancel),
    done);

  function reset() {
    const chosen = device.value;
    const found = find.value;
    editing = null;
    form.reset();
    device.value = chosen;
    find.value = found;
    fields.name.input.removeAttribute('readonly');
    title.textContent = 'Add an account';
    submit.textContent = 'Add account';
    cancel.hidden = true;
    clearErrors();
    schedulePreview();
  }

  function edit(a) {
    reset();
    editing = a.name;
    fields.name.input.value = a.name;
    fields.name.input.setAttribute('readonly', '');
    fields.sub.input.value = a.sub;
    fields.sans.input.value = a.sans.join('\n');
    fields.lifetime.input.value = formatLifetime(a.lifetime);
    key.value = a.key;
    fields.devices.input.value = devicesText(a.devices);
    title.textContent = `Edit account ${a.name}`;
    submit.textContent = 'Save changes';
    cancel.hidden = false;
    done.textContent = '';
    fields.sub.input.focus();
    title.scrollIntoView({ block: 'start' });
    schedulePreview();
  }

  for (const f of Object.values(fields)) {
    f.input.addEventListener('input', schedulePreview);
    f.input.addEventListener('change', schedulePreview);
  }
  device.addEventListener('change', schedulePreview);
  let findTimer = null;
  find.addEventListener('input', () => {
    clearTimeout(findTimer);
    findTimer = setTimeout(loadDevices, PREVIEW_DELAY);
  });
  cancel.addEventListener('click', () => {
    done.textContent = '';
    reset();
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors();
    done.textContent = '';
    const b = body();
    if (!editing && !b.name) {
      showAt('name', 'Give the account a name.');
      fields.name.input.focus();
      return;
    }
    try {
      if (editing) {
        const r = await put(`/admin/accounts/${encodeURIComponent(editing)}`, b);
        const name = editing;
        reset();
        done.textContent = `Saved account ${name}; ${r.revoked_certificates} certificate(s) revoked.`;
      } else {
        const r = await post('/admin/accounts', b);
        reset();
        done.textContent = `Added account ${r.name}.`;
      }
      onSaved();
    } catch (e) {
      const f = showAt(e.field, e.message);
      if (f) f.input.focus();
    }
  });

  return { form, title, edit, loadDevices };
}

function accountRow(a, onEdit, onDelete) {
  return h('tr', {},
    h('td', { class: 'account-name' }, a.name),
    h('td', { class: 'mono' }, a.sub),
    h('td', { class: 'mono' }, a.sans.length ? h('ul', { class: 'plain' }, a.sans.map((s) => h('li', {}, s))) : '-'),
    h('td', {}, Array.isArray(a.devices) ? tagList(a.devices.map((d) => d.replace(/^tag:/, ''))) : 'all'),
    h('td', {}, a.key),
    h('td', {}, formatLifetime(a.lifetime)),
    h('td', {}, h('div', { class: 'row-actions' },
      h('button', { type: 'button', class: 'secondary', 'aria-label': `Edit account ${a.name}`, onclick: () => onEdit(a) }, 'Edit'),
      h('button', { type: 'button', class: 'danger', 'aria-label': `Delete account ${a.name}`, onclick: () => onDelete(a) }, 'Delete'))));
}

export async function render(root) {
  root.append(h('h1', {}, 'Accounts'));
  if (!hasFeature('accounts')) {
    root.append(h('p', { class: 'notice', id: 'accounts-unavailable' },
      'Accounts are not available on this CA: it has no accounts API. ' +
      'Devices get their account certificates through the x5c provisioner as configured in ca.conf.'));
    return;
  }
  const list = h('div', { id: 'account-list' });
  const listError = h('p', { class: 'field-error', role: 'alert' });
  const listDone = h('p', { class: 'success', role: 'status' });

  async function remove(a) {
    listDone.textContent = '';
    listError.textContent = '';
    const ok = await confirmDialog({
      title: 'Delete account',
      body: `Delete account "${a.name}"? Every certificate issued for it is revoked, and devices withdraw it at their next check.`,
      confirm: 'Delete',
    });
    if (!ok) return;
    try {
      const r = await del(`/admin/accounts/${encodeURIComponent(a.name)}`);
      listDone.textContent = `Deleted account ${a.name}; ${r.revoked_certificates} certificate(s) revoked.`;
      load();
    } catch (e) {
      listError.textContent = e.message;
    }
  }

  const editor = accountForm(() => load());

  async function load() {
    let r;
    try {
      r = await get(`/admin/accounts${query({ q: state.q, limit: PAGE, offset: state.offset })}`);
    } catch (e) {
      listError.textContent = e.message;
      return;
    }
    if (!r.accounts.length && state.offset > 0 && r.total > 0) {
      state.offset = Math.max(0, r.total - PAGE);
      load();
      return;
    }
    clear(list).append(
      table('Accounts', ['Name', 'Subject', 'SANs', 'Devices', 'Key', 'Lifetime', 'Actions'],
        r.accounts.map((a) => accountRow(a, editor.edit, remove))),
      pager({ offset: state.offset, limit: PAGE, total: r.total, count: r.accounts.length,
        onPage: (o) => { state.offset = o; load(); } }));
  }

  const search = h('input', { type: 'search', name: 'q', value: state.q, maxlength: 256 });
  const searchForm = h('form', { class: 'inline', role: 'search' },
    field('Search name, subject or SAN template', search).row,
    h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Search')));
  searchForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.q = search.value.trim();
    state.offset = 0;
    load();
  });

  root.append(searchForm, listError, listDone, list,
    h('section', { class: 'panel', 'aria-labelledby': 'account-form-title' }, editor.title, editor.form));
  await load();
  await editor.loadDevices();
}
