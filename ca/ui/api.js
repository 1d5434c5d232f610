// SPDX-License-Identifier: Apache-2.0
// The console's only way to the server: the documented admin API, with the
// session cookie (sent by the browser, HttpOnly) and, on every change, the
// anti-CSRF token the session gave us.

let csrfToken = null;
let features = {};

// status: the HTTP status; field: the member of the request the API says
// the error is about ("field" of the error object), when it says.
export class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field || null;
  }
}

async function request(method, path, body, contentType) {
  const headers = {};
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let payload;
  if (body !== undefined) {
    if (typeof body === 'string') {
      payload = body;
      headers['Content-Type'] = contentType || 'text/plain';
    } else {
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
  }
  const resp = await fetch(path, {
    method, headers, body: payload, credentials: 'same-origin', cache: 'no-store', redirect: 'error',
  });
  let data = null;
  const type = resp.headers.get('Content-Type') || '';
  if (resp.status !== 204 && type.startsWith('application/json')) data = await resp.json();
  if (!resp.ok) {
    const message = data && typeof data.message === 'string' ? data.message : `HTTP ${resp.status}`;
    if (resp.status === 401 && path !== '/admin/session') {
      window.dispatchEvent(new CustomEvent('deviceid-signed-out', { detail: message }));
    }
    throw new ApiError(resp.status, message, data && typeof data.field === 'string' ? data.field : null);
  }
  return data;
}

export const get = (path) => request('GET', path);
export const post = (path, body, contentType) => request('POST', path, body, contentType);
export const put = (path, body) => request('PUT', path, body);
export const del = (path) => request('DELETE', path);

// Who is signed in: {kind: "session"|"certificate", name, csrf_token, ...}.
export async function loadSession() {
  const s = await get('/admin/session');
  csrfToken = s.csrf_token || null;
  features = s.features || {};
  return s;
}

// Whether the server has an optional part of the admin API ("accounts").
export function hasFeature(name) {
  return features[name] === true;
}

export async function signOut() {
  await del('/admin/session');
  csrfToken = null;
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
