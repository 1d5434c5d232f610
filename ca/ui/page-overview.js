// SPDX-License-Identifier: Apache-2.0
// Overview: counts, the CA certificates to download, service locations.
import { get } from './api.js';
import { formatTime, h, table } from './dom.js';

function card(label, value, href) {
  return h('div', { class: 'card' },
    h('span', { class: 'num' }, String(value)),
    href ? h('a', { href }, label) : label);
}

export async function render(root) {
  const o = await get('/admin/overview');
  const origin = window.location.origin;
  root.append(
    h('h1', {}, 'Overview'),
    h('h2', {}, 'Devices'),
    h('div', { class: 'cards' },
      card('active devices', o.devices.active, '#/devices'),
      card('disabled devices', o.devices.disabled, '#/devices')),
    h('h2', {}, 'Certificates'),
    h('div', { class: 'cards' },
      card('valid', o.certificates.valid, '#/certificates'),
      card('revoked', o.certificates.revoked, '#/certificates'),
      card('expired', o.certificates.expired, '#/certificates')),
    h('h2', {}, 'CA certificates'),
    h('p', {}, 'Clients trust the root; the intermediates sign what this CA issues.'),
    table('CA certificates', ['Certificate', 'Subject', 'Expires', 'SHA-256 (base64url)', 'Download'],
      o.ca_certificates.map((c) => h('tr', {},
        h('td', {}, c.name),
        h('td', {}, c.subject || '-'),
        h('td', {}, formatTime(c.not_after)),
        h('td', { class: 'mono' }, c.sha256),
        h('td', {}, h('a', { href: c.download, download: `${c.name}.pem` }, `${c.name}.pem`))))),
    h('h2', {}, 'Where clients connect'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Attestation CA'), h('dd', { class: 'mono' }, `${origin}/attestation`),
      h('dt', {}, 'Account CA'), h('dd', { class: 'mono' }, `${origin}/1.0/sign`),
      o.acme_directories.map((a) => [
        h('dt', {}, `ACME (${a.provisioner})`), h('dd', { class: 'mono' }, `${origin}${a.directory}`)]),
      h('dt', {}, 'CRL'), h('dd', {}, o.revocation.crl || 'not published by this CA version'),
      h('dt', {}, 'OCSP'), h('dd', {}, o.revocation.ocsp || 'not published by this CA version')));
}
