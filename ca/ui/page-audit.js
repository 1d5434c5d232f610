// SPDX-License-Identifier: Apache-2.0
// Audit log: every change, who made it (an admin certificate, a console
// session, the command line), when, from where; newest first, with search
// and older pages.
import { get, query } from './api.js';
import { clear, field, formatTime, h, table } from './dom.js';

const PAGE = 50;

function who(e) {
  const kinds = { certificate: 'admin certificate', session: 'console', cli: 'command line' };
  const text = `${kinds[e.actor_kind] || e.actor_kind}: ${e.actor}`;
  return e.session ? `${text} (session ${e.session.slice(0, 8)})` : text;
}

export async function render(root) {
  const list = h('div', {});
  const listError = h('p', { class: 'field-error', role: 'alert' });
  const search = h('input', { type: 'search', name: 'q', maxlength: 256 });
  let cursors = [0];

  async function load() {
    listError.textContent = '';
    const before = cursors[cursors.length - 1];
    let r;
    try {
      r = await get(`/admin/audit${query({ q: search.value.trim(), before: before || '', limit: PAGE })}`);
    } catch (e) {
      listError.textContent = e.message;
      return;
    }
    const newer = h('button', { type: 'button', class: 'secondary', disabled: cursors.length < 2 }, 'Newer entries');
    const older = h('button', { type: 'button', class: 'secondary', disabled: !r.next_before }, 'Older entries');
    newer.addEventListener('click', () => { cursors.pop(); load(); });
    older.addEventListener('click', () => { cursors.push(r.next_before); load(); });
    clear(list).append(
      table('Audit log', ['When', 'Who', 'Action', 'Target', 'Detail', 'From'],
        r.entries.map((e) => h('tr', {},
          h('td', {}, formatTime(e.at)),
          h('td', {}, who(e)),
          h('td', { class: 'mono' }, e.action),
          h('td', {}, e.target || '-'),
          h('td', { class: 'mono' }, e.detail ? JSON.stringify(e.detail) : '-'),
          h('td', {}, e.remote_addr || '-')))),
      h('nav', { class: 'pager', 'aria-label': 'Pages' },
        h('p', { 'aria-live': 'polite' }, r.entries.length ? `${r.entries.length} entries` : 'No entries.'), newer, older));
  }

  const form = h('form', { class: 'inline', role: 'search' },
    field('Search who, action or target', search).row,
    h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Search')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    cursors = [0];
    load();
  });
  root.append(h('h1', {}, 'Audit log'),
    h('p', {}, 'The same log as deviceid-ca audit list on the CA host.'),
    form, listError, list);
  await load();
}
