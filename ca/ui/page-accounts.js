// SPDX-License-Identifier: Apache-2.0
// Accounts: the accounts devices get certificates for (Wi-Fi, VPN, ...).
// Shown when the CA has the accounts API (GET /admin/accounts, which the
// session's "features" report; docs/accounts.md); a CA without it says so.
import { get, hasFeature } from './api.js';
import { h, table } from './dom.js';

export async function render(root) {
  root.append(h('h1', {}, 'Accounts'));
  if (!hasFeature('accounts')) {
    root.append(h('p', { class: 'notice', id: 'accounts-unavailable' },
      'Accounts are not available on this CA: it has no accounts API. ' +
      'Devices get their account certificates through the x5c provisioner as configured in ca.conf.'));
    return;
  }
  const r = await get('/admin/accounts');
  const accounts = Array.isArray(r.accounts) ? r.accounts : [];
  const keys = [...new Set(accounts.flatMap((a) => Object.keys(a)))]
    .filter((k) => accounts.some((a) => ['string', 'number'].includes(typeof a[k]))).slice(0, 8);
  root.append(table('Accounts', keys, accounts.map((a) => h('tr', {},
    keys.map((k) => h('td', {}, ['string', 'number'].includes(typeof a[k]) ? String(a[k]) : '-'))))));
}
