// SPDX-License-Identifier: Apache-2.0
// The console's shell: who is signed in, the navigation, and a router from
// the URL fragment (#/devices, #/devices/7, ...) to the page modules.
import { loadSession, signOut } from './api.js';
import { clear, h } from './dom.js';
import * as overview from './page-overview.js';
import * as devices from './page-devices.js';
import * as device from './page-device.js';
import * as certificates from './page-certificates.js';
import * as audit from './page-audit.js';
import * as accounts from './page-accounts.js';

const routes = [
  [/^#\/overview$/, overview, 'Overview'],
  [/^#\/devices$/, devices, 'Devices'],
  [/^#\/devices\/(\d+)$/, device, 'Device'],
  [/^#\/certificates$/, certificates, 'Certificates'],
  [/^#\/accounts$/, accounts, 'Accounts'],
  [/^#\/audit$/, audit, 'Audit log'],
];

const main = document.getElementById('main');

function showSignedOut(message) {
  clear(document.getElementById('who'));
  document.getElementById('nav').hidden = true;
  clear(main).append(
    h('h1', {}, 'Not signed in'),
    h('p', { role: 'alert' }, message || 'Sign in with a link from the CA.'),
    h('p', {}, 'Make a one-time sign-in link on the CA host and open it in this browser:'),
    h('pre', {}, 'deviceid-ca admin login-link --dir /var/lib/deviceid-ca'));
}

function markCurrent(hash) {
  for (const a of document.querySelectorAll('#nav a')) {
    const target = a.getAttribute('href');
    if (hash === target || hash.startsWith(`${target}/`)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

let renderSeq = 0;

async function route() {
  const hash = window.location.hash || '#/overview';
  const match = routes.find(([re]) => re.test(hash));
  if (!match) {
    window.location.replace('#/overview');
    return;
  }
  const [re, page, title] = match;
  const params = hash.match(re).slice(1);
  markCurrent(hash);
  document.title = `${title} - deviceid CA console`;
  const seq = ++renderSeq;
  const container = h('div', {});
  try {
    await page.render(container, params);
  } catch (e) {
    container.append(h('p', { class: 'field-error', role: 'alert' }, `Could not load this page: ${e.message}`));
  }
  if (seq !== renderSeq) return; // a newer navigation won
  clear(main).append(container);
  main.focus({ preventScroll: true });
}

function showWho(session) {
  const who = clear(document.getElementById('who'));
  if (session.kind === 'session') {
    const button = h('button', { type: 'button' }, 'Sign out');
    button.addEventListener('click', async () => {
      try {
        await signOut();
      } finally {
        showSignedOut('You signed out.');
      }
    });
    who.append(h('span', {}, `Signed in as ${session.name}`), button);
  } else {
    who.append(h('span', {}, `Admin certificate ${session.name}`));
  }
}

async function start() {
  let session;
  try {
    session = await loadSession();
  } catch (e) {
    showSignedOut(e.status === 401 ? 'Your session has ended or you have not signed in.' : e.message);
    return;
  }
  showWho(session);
  window.addEventListener('deviceid-signed-out', (ev) => showSignedOut(ev.detail));
  window.addEventListener('hashchange', route);
  await route();
}

start();
