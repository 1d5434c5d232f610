// SPDX-License-Identifier: Apache-2.0
// Devices: search and filter the inventory (text, status, tag, the
// verdict of the newest posture report), page
// through it, add one device, import a CSV or JSON file (all or nothing),
// disable, enable or remove with confirmation.
import { get, post, del, query } from './api.js';
import { badge, clear, confirmDialog, field, h, pager, showError, table, tagList } from './dom.js';

const PAGE = 25;
const state = { q: '', status: '', tag: '', posture: '', offset: 0 };

// Which form field an API message is about, so it shows next to it.
function fieldFor(message) {
  const m = message.toLowerCase();
  if (m.includes('name')) return 'name';
  if (m.includes('serial')) return 'serial';
  if (m.includes('owner')) return 'owner';
  if (m.includes('tag')) return 'tags';
  if (m.includes('ek') || m.includes('exactly one')) return 'identity';
  return 'form';
}

export async function changeDevice(dev, action) {
  const label = dev.name ? `"${dev.name}" (device ${dev.id})` : `device ${dev.id}`;
  const texts = {
    disable: ['Disable device', `Disable ${label}? Every certificate issued to it is revoked now; it cannot enroll until enabled again.`, 'Disable'],
    enable: ['Enable device', `Enable ${label}? It may enroll again; certificates revoked before stay revoked.`, 'Enable'],
    remove: ['Remove device', `Remove ${label} from the inventory? Every certificate issued to it is revoked.`, 'Remove'],
  };
  const [title, body, confirm] = texts[action];
  const ok = await confirmDialog({ title, body, confirm, danger: action !== 'enable' });
  if (!ok) return null;
  if (action === 'remove') return del(`/admin/devices/${dev.id}`);
  return post(`/admin/devices/${dev.id}/${action}`, '', 'text/plain');
}

export function splitTags(text) {
  return text.split(/[\s,;]+/).filter((t) => t !== '');
}

function addForm(onAdded) {
  const kind = h('select', { name: 'kind' },
    h('option', { value: 'ek_uri' }, 'EK URI'),
    h('option', { value: 'ek_pub' }, 'EK public key (PEM)'),
    h('option', { value: 'ek_cert' }, 'EK certificate (PEM)'));
  const identity = h('textarea', { name: 'identity', rows: 3, spellcheck: 'false', autocomplete: 'off' });
  const file = h('input', { type: 'file', accept: '.pem,.crt,.cer,.txt' });
  const fields = {
    kind: field('Identify the TPM by', kind),
    identity: field('EK URI, public key or certificate', identity,
      'urn:ek:sha256:... as deviceidctl identity prints it, or PEM text.'),
    file: field('or load the PEM from a file', file),
    name: field('Name (optional)', h('input', { name: 'name', maxlength: 256 })),
    serial: field('Serial (optional)', h('input', { name: 'serial', maxlength: 256 })),
    owner: field('Owner (optional)', h('input', { name: 'owner', maxlength: 256 })),
    tags: field('Tags (optional)', h('input', { name: 'tags', maxlength: 600, autocomplete: 'off' }),
      'Separated by spaces or commas: letters, digits, ".", "_" and "-", up to 16.'),
  };
  const formError = h('p', { class: 'field-error', role: 'alert' });
  const done = h('p', { class: 'success', role: 'status' });
  file.addEventListener('change', async () => {
    if (file.files.length) identity.value = (await file.files[0].text()).trim();
  });
  const form = h('form', { novalidate: true },
    Object.values(fields).map((f) => f.row),
    formError,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Add device')),
    done);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    for (const f of Object.values(fields)) showError(f.error, '');
    formError.textContent = '';
    done.textContent = '';
    const value = identity.value.trim();
    if (!value) {
      showError(fields.identity.error, 'Give the EK URI, public key or certificate.');
      identity.focus();
      return;
    }
    const body = { [kind.value]: value };
    for (const k of ['name', 'serial', 'owner']) {
      const v = fields[k].input.value.trim();
      if (v) body[k] = v;
    }
    const tags = splitTags(fields.tags.input.value);
    if (tags.length) body.tags = tags;
    try {
      const dev = await post('/admin/devices', body);
      form.reset();
      done.textContent = `Added device ${dev.id}.`;
      onAdded();
    } catch (e) {
      const where = fieldFor(e.message);
      if (where === 'form') formError.textContent = e.message;
      else {
        showError(fields[where].error, e.message);
        fields[where].input.focus();
      }
    }
  });
  return form;
}

function importForm(onImported) {
  const file = h('input', { type: 'file', name: 'file', accept: '.csv,.json,text/csv,application/json' });
  const f = field('CSV or JSON file', file,
    'Columns or members: ek_uri, ek_pub, ek_cert, name, serial, owner, tags (separated by spaces or semicolons). All records are added, or none.');
  const done = h('p', { class: 'success', role: 'status' });
  const form = h('form', { novalidate: true }, f.row,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Import')), done);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError(f.error, '');
    done.textContent = '';
    if (!file.files.length) {
      showError(f.error, 'Choose a file to import.');
      file.focus();
      return;
    }
    const text = await file.files[0].text();
    const isJson = /\.json$/i.test(file.files[0].name) || text.trimStart().startsWith('[');
    try {
      const r = await post('/admin/devices/import', text, isJson ? 'application/json' : 'text/csv');
      done.textContent = `Imported ${r.imported} device(s).`;
      form.reset();
      onImported();
    } catch (e) {
      showError(f.error, `Nothing was imported: ${e.message}`);
      file.focus();
    }
  });
  return form;
}

function deviceRow(dev, reload) {
  const actions = h('div', { class: 'row-actions' });
  const act = async (action) => {
    try {
      if (await changeDevice(dev, action)) reload();
    } catch (e) {
      actions.append(h('p', { class: 'field-error', role: 'alert' }, e.message));
    }
  };
  const label = dev.name || `device ${dev.id}`;
  if (dev.status === 'active') {
    actions.append(h('button', { type: 'button', class: 'secondary', 'aria-label': `Disable ${label}`, onclick: () => act('disable') }, 'Disable'));
  } else {
    actions.append(h('button', { type: 'button', class: 'secondary', 'aria-label': `Enable ${label}`, onclick: () => act('enable') }, 'Enable'));
  }
  actions.append(h('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${label}`, onclick: () => act('remove') }, 'Remove'));
  return h('tr', {},
    h('td', {}, h('a', { href: `#/devices/${dev.id}` }, String(dev.id))),
    h('td', { class: 'device-name' }, dev.name ? h('a', { href: `#/devices/${dev.id}` }, dev.name) : '-'),
    h('td', { class: 'mono' }, dev.ek_uri),
    h('td', {}, dev.serial || '-'),
    h('td', {}, dev.owner || '-'),
    h('td', {}, tagList(dev.tags)),
    h('td', {}, badge(dev.status)),
    h('td', { class: 'device-posture' }, dev.posture ? badge(dev.posture) : '-'),
    h('td', {}, actions));
}

export async function render(root) {
  const list = h('div', { id: 'device-list' });
  const listError = h('p', { class: 'field-error', role: 'alert' });

  async function load() {
    listError.textContent = '';
    let r;
    try {
      r = await get(`/admin/devices${query({ q: state.q, status: state.status, tag: state.tag, posture: state.posture, limit: PAGE, offset: state.offset })}`);
    } catch (e) {
      listError.textContent = e.message;
      return;
    }
    clear(list).append(
      table('Devices', ['ID', 'Name', 'EK URI', 'Serial', 'Owner', 'Tags', 'Status', 'Posture', 'Actions'],
        r.devices.map((d) => deviceRow(d, load))),
      pager({ offset: state.offset, limit: PAGE, total: r.total, count: r.devices.length,
        onPage: (o) => { state.offset = o; load(); } }));
  }

  const search = h('input', { type: 'search', name: 'q', value: state.q, maxlength: 256 });
  const status = h('select', { name: 'status' },
    h('option', { value: '' }, 'any'),
    h('option', { value: 'active' }, 'active'),
    h('option', { value: 'disabled' }, 'disabled'));
  status.value = state.status;
  const tag = h('input', { type: 'text', name: 'tag', value: state.tag, maxlength: 32, autocomplete: 'off' });
  const posture = h('select', { name: 'posture' },
    h('option', { value: '' }, 'any'),
    h('option', { value: 'pass' }, 'pass'),
    h('option', { value: 'fail' }, 'fail'),
    h('option', { value: 'none' }, 'no report'));
  posture.value = state.posture;
  const searchForm = h('form', { class: 'inline', role: 'search' },
    field('Search name, serial, owner or EK URI', search).row,
    field('Status', status).row,
    field('Tag', tag).row,
    field('Posture (last report)', posture).row,
    h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Search')));
  searchForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.q = search.value.trim();
    state.status = status.value;
    state.tag = tag.value.trim();
    state.posture = posture.value;
    state.offset = 0;
    load();
  });

  root.append(
    h('h1', {}, 'Devices'),
    searchForm, listError, list,
    h('section', { class: 'panel', 'aria-labelledby': 'add-title' },
      h('h2', { id: 'add-title' }, 'Add a device'), addForm(load)),
    h('section', { class: 'panel', 'aria-labelledby': 'import-title' },
      h('h2', { id: 'import-title' }, 'Import devices'), importForm(load)));
  await load();
}
