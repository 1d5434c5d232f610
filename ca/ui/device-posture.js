// SPDX-License-Identifier: Apache-2.0
// The Posture section of a device's page (docs/posture.md): the newest
// report (when, for which provisioner or account, its verdict, the facts
// the machine stated, each check passed or failed), the earlier reports,
// when the baseline was taken, and accepting the newest report's PCR
// values as the baseline (POST /admin/devices/ID/posture/accept, audited).
import { get, post } from './api.js';
import { badge, clear, confirmDialog, formatTime, h, table, uid } from './dom.js';

const FACTS = [
  ['os', 'OS'],
  ['osVersion', 'OS version'],
  ['kernel', 'Kernel'],
  ['secureBoot', 'Secure Boot'],
  ['diskEncryption', 'Disk encryption'],
  ['agent', 'Agent version'],
];

// Report JSON comes from devices: anything but a string is shown as '-'.
function str(v) {
  return typeof v === 'string' && v !== '' ? v : '-';
}

function checksOf(report) {
  return Array.isArray(report.checks) ? report.checks.filter((c) => c && typeof c === 'object') : [];
}

// "pcrs (PCR 7 differs from the baseline); secureBoot (...)", or '-'.
function failedChecks(report) {
  const failed = checksOf(report).filter((c) => !c.passed)
    .map((c) => (c.detail ? `${str(c.check)} (${str(c.detail)})` : str(c.check)));
  return failed.length ? failed.join('; ') : '-';
}

function verdictBadge(verdict) {
  return badge(verdict);
}

function baselineRow(baseline) {
  return [h('dt', {}, 'Baseline taken'),
    h('dd', { id: 'posture-baseline' }, baseline ? formatTime(baseline.recordedAt) : 'none')];
}

function lastReport(report, baseline) {
  const facts = report.facts && typeof report.facts === 'object' ? report.facts : {};
  return h('div', {},
    h('dl', { class: 'facts', id: 'posture-last' },
      baselineRow(baseline),
      h('dt', {}, 'Last report'), h('dd', {}, formatTime(report.at)),
      h('dt', {}, 'For'), h('dd', {}, str(report.account)),
      h('dt', {}, 'Verdict'), h('dd', {}, verdictBadge(report.passed ? 'pass' : 'fail')),
      h('dt', {}, 'Failed checks'), h('dd', { id: 'posture-failed' }, failedChecks(report)),
      FACTS.map(([key, label]) => [h('dt', {}, label), h('dd', {}, str(facts[key]))])),
    table('Checks of the last posture report', ['Check', 'Result', 'Detail'],
      checksOf(report).map((c) => h('tr', {},
        h('td', { class: 'mono' }, str(c.check)),
        h('td', {}, verdictBadge(c.passed ? 'pass' : 'fail')),
        h('td', {}, str(c.detail))))));
}

function history(reports) {
  return table('Posture reports, newest first', ['Time', 'For', 'Verdict', 'Failed checks'],
    reports.map((r) => h('tr', {},
      h('td', {}, formatTime(r.at)),
      h('td', {}, str(r.account)),
      h('td', {}, verdictBadge(r.passed ? 'pass' : 'fail')),
      h('td', {}, failedChecks(r)))));
}

// The section, filled in from GET /admin/devices/ID/posture; label names
// the device in the confirmation.
export async function postureSection(dev, label) {
  const body = h('div', { id: 'device-posture' });
  const errorId = uid('posture-error');
  const error = h('p', { class: 'field-error', id: errorId, role: 'alert' });
  const done = h('p', { class: 'success', role: 'status' });

  const accept = h('button', { type: 'button', class: 'secondary', 'aria-describedby': errorId },
    'Accept current values as baseline');
  let newest = null;

  function fill(p) {
    const reports = Array.isArray(p.reports) ? p.reports : [];
    newest = reports[0] || null;
    clear(body).append(...(newest
      ? [lastReport(newest, p.baseline), h('h3', {}, 'Recent reports'), history(reports),
        h('div', { class: 'actions' }, accept)]
      : [h('dl', { class: 'facts' }, baselineRow(p.baseline)),
        h('p', {}, 'No posture report: the device has not obtained a certificate under a posture policy.')]));
  }

  accept.addEventListener('click', async () => {
    error.textContent = '';
    done.textContent = '';
    const ok = await confirmDialog({
      title: 'Accept the posture baseline',
      body: `The PCR values of the last report of ${label} (${formatTime(newest.at)}) become its baseline: `
        + 'later reports are compared with them. Do this after a planned firmware, boot loader or kernel update.',
      confirm: 'Accept as baseline',
      danger: false,
    });
    if (ok) {
      try {
        fill(await post(`/admin/devices/${dev.id}/posture/accept`, '', 'text/plain'));
        done.textContent = 'The values of the last report are the baseline now.';
      } catch (e) {
        error.textContent = e.message;
      }
    }
    accept.focus();
  });

  try {
    fill(await get(`/admin/devices/${dev.id}/posture`));
  } catch (e) {
    clear(body).append(h('p', { class: 'field-error', role: 'alert' }, `Posture not available: ${e.message}`));
  }
  return h('section', { 'aria-labelledby': 'posture-title' },
    h('h2', { id: 'posture-title' }, 'Posture'), body, error, done);
}
