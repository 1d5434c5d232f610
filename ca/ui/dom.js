// SPDX-License-Identifier: Apache-2.0
// DOM helpers of the deviceid-ca console. Everything the console shows is
// built with these: text goes in as text nodes (never parsed as markup),
// so data from devices, imports and certificates cannot become markup.

// h('button', {class: 'x', onclick: fn}, 'text', child...) -> element.
// Attributes are set with setAttribute (on* keys become event listeners);
// children are nodes or strings (as text); null, undefined and false are
// skipped; arrays are flattened.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// Unix seconds -> "2026-12-03 12:50 UTC".
export function formatTime(t) {
  if (t === undefined || t === null) return '-';
  const d = new Date(t * 1000);
  return d.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');
}

let idCounter = 0;
export function uid(prefix) {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

// A labelled form field: returns {row, input, error}. The error element is
// tied to the input by aria-describedby and shows API errors next to it.
export function field(label, input, hint) {
  const id = input.id || uid('f');
  input.id = id;
  const error = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert' });
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  input.setAttribute('aria-describedby', [hintEl ? hintEl.id : null, error.id].filter(Boolean).join(' '));
  const row = h('div', { class: 'field' }, h('label', { for: id }, label), input, hintEl, error);
  return { row, input, error };
}

export function showError(errorEl, message) {
  errorEl.textContent = message || '';
  const input = errorEl.id ? document.getElementById(errorEl.id.replace(/-error$/, '')) : null;
  if (input) {
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

// A modal confirmation. Resolves to the value of the chosen button (the
// form's extra controls are read by `collect` when given), or null for
// Cancel or Escape. Focus starts on Cancel, so Enter alone does nothing
// destructive.
export function confirmDialog({ title, body, confirm, danger = true, extra = null, collect = null }) {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const ok = h('button', { type: 'submit', class: danger ? 'danger' : 'primary' }, confirm);
    const form = h('form', { method: 'dialog' },
      h('h2', { id: titleId }, title),
      h('p', {}, body),
      extra,
      h('div', { class: 'actions' }, cancel, ok));
    const dlg = h('dialog', { 'aria-labelledby': titleId }, form);
    let result = null;
    cancel.addEventListener('click', () => dlg.close());
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      result = collect ? collect() : true;
      dlg.close();
    });
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(result);
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    cancel.focus();
  });
}

// "Showing 1-50 of 120" with Previous / Next buttons.
export function pager({ offset, limit, total, count, onPage }) {
  const prev = h('button', { type: 'button', class: 'secondary', disabled: offset <= 0 }, 'Previous page');
  const next = h('button', { type: 'button', class: 'secondary', disabled: offset + count >= total }, 'Next page');
  prev.addEventListener('click', () => onPage(Math.max(0, offset - limit)));
  next.addEventListener('click', () => onPage(offset + limit));
  const text = total === 0 ? 'Nothing found.' : `Showing ${offset + 1}\u2013${offset + count} of ${total}`;
  return h('nav', { class: 'pager', 'aria-label': 'Pages' }, h('p', { 'aria-live': 'polite' }, text), prev, next);
}

export function table(caption, headers, rows) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', {},
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows)));
}

// A device's tags as small labels, or '-'.
export function tagList(tags) {
  if (!Array.isArray(tags) || !tags.length) return '-';
  return h('ul', { class: 'tags' }, tags.map((t) => h('li', { class: 'tag' }, t)));
}

export function badge(state) {
  return h('span', { class: `badge badge-${state}` }, state);
}
