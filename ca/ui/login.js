// SPDX-License-Identifier: Apache-2.0
// The sign-in page: the login link carries its one-time token in the URL
// fragment (never sent to a server, not logged); it is taken out of the
// address bar at once and traded for a session cookie.
import { post } from './api.js';

async function signIn() {
  const status = document.getElementById('status');
  const error = document.getElementById('error');
  const help = document.getElementById('help');
  const token = window.location.hash.replace(/^#/, '');
  window.history.replaceState(null, '', window.location.pathname);
  if (!token) {
    status.textContent = 'This page needs a sign-in link.';
    help.hidden = false;
    return;
  }
  try {
    await post('/admin/session', { token });
    status.textContent = 'Signed in.';
    window.location.replace('/ui/#/overview');
  } catch (e) {
    status.textContent = 'Not signed in.';
    error.textContent = e.message;
    help.hidden = false;
  }
}

signIn();
