/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deviceid-enrolld: keeps the device certificate and the configured
 * account certificates fresh (design.md steps 5-7) on top of the
 * enrollment steps of enroll.h. One thread, one loop: a round renews what
 * is due and publishes only what changed, then the daemon sleeps in
 * sigtimedwait() until the earliest due time, a retry, check_interval, or
 * a signal (SIGTERM/SIGINT: exit 0; SIGHUP: re-read the configuration;
 * SIGUSR1: renew everything now). Failures keep what is published (the
 * keyring drops entries at expiry) and are logged once per change of
 * state. A TPM context a failed call broke is re-opened before the next
 * round (tpm-recover.h); at start a raw TPM is cleared of what a killed
 * predecessor left. Under systemd, WATCHDOG=1 only while the loop makes
 * progress. Behaviour and decisions: deviceid-enrolld(8).
 */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "crypto.h"
#include "enroll/agent/accounts.h"
#include "enroll/agent/enroll.h"
#include "enroll/agent/enrolld-config.h"
#include "enroll/agent/enrolld-report.h"
#include "enroll/agent/enrolld-schedule.h"
#include "enroll/tpm/tpm-recover.h"
#include "keyring/writer.h"
#include "log.h"
#include "time-util.h"
#include "x509.h"

#define ENROLLD_DEFAULT_CONFIG "/etc/deviceid/enrolld.conf"
#define ENROLLD_NOTIFY_TIMEOUT_MS 10000
/* Consecutive failed rounds with the TPM unusable before it is logged at
 * error: a hiccup mends itself at the next attempt, this does not. */
#define ENROLLD_TPM_UNUSABLE_ROUNDS 3

typedef struct enrolld {
        const char *config_path;
        enrolld_config *cfg;
        enroll_ca ca;
        tpm_ctx *tpm;
        keyring *k;
        enroll_device dev;
        bool have_dev;
        time_t dev_obtained;
        bool dev_forced;        /* SIGUSR1 asked for a renewal not done yet */
        agent_accounts acc;     /* what to hold (the configuration's or the CA's list) and what is held */
        bool roots_current;
        unsigned failures;      /* consecutive failed rounds */
        uint64_t retry_at_ms;   /* when failures > 0 */
        bool removed;           /* the CA says the device is disabled/unknown */
        bool notify_pending;    /* deviceid-fsd has not confirmed a reload since the last change */
        bool round_failed;      /* a step of this round failed already */
        bool round_tpm_failed;  /* ... and the TPM was the cause */
        unsigned tpm_failures;  /* consecutive failed rounds with the TPM failing */
        uint64_t watchdog_usec; /* WatchdogSec= of the unit, 0 if none */
        char *last_failure;     /* the message last logged, NULL when fine */
        const char *current;    /* the account a step works on; NULL: the device */
        enrolld_report report;  /* for deviceidctl status (enrolld-report.h) */
        char status[256];
        char status_sent[256];  /* sd_notify only on change: never block on a slow reader */
} enrolld;

static void enrolld_done(enrolld *d) {
        enrolld_config_free(d->cfg);
        enroll_ca_done(&d->ca);
        enroll_device_done(&d->dev);
        agent_accounts_done(&d->acc);
        tpm_unref(d->tpm);
        keyring_close(d->k);
        free(d->last_failure);
        enrolld_report_done(&d->report);
}

static tpm_key_alg device_alg(const enrolld *d) {
        return d->cfg->device_rsa ? TPM_KEY_RSA_2048 : TPM_KEY_ECC_P256;
}

static bool terminating(void) {
        sigset_t pending;

        return sigpending(&pending) == 0 && (sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1);
}

static int load_config(const char *path, enrolld_config **ret) {
        _cleanup_free_ char *buf = NULL, *err = NULL;
        size_t len;
        int r;

        r = read_file_at(AT_FDCWD, path, ENROLLD_CONFIG_MAX_SIZE, &buf, &len);
        if (r < 0)
                return log_error_errno(r, "Failed to read the configuration \"%s\": %m", path);
        r = enrolld_config_parse(buf, len, ret, &err);
        if (r < 0)
                return log_error_errno(r, "Invalid configuration \"%s\": %s", path, err ?: "out of memory");
        return 0;
}

static int load_ca(const enrolld_config *c, enroll_ca *ret) {
        const char *what = NULL, *path = NULL;
        int r = enroll_ca_load(c->ca_url, c->ca_root, ret, &what);
        enroll_roles roles = {
                .attest_url = c->attest_url, .attest_root = c->attest_root,
                .acme_directory = c->acme_directory, .acme_root = c->acme_root,
                .account_url = c->account_url, .account_root = c->account_root,
                .account_issuer = c->account_issuer, .account_provisioner = c->account_provisioner,
        };

        if (r < 0 && streq_ptr(what, "read"))
                return log_error_errno(r, "Failed to read the CA root \"%s\": %m", c->ca_root);
        if (r < 0 && streq_ptr(what, "parse"))
                return log_error_errno(r, "The CA root \"%s\" is not a PEM certificate bundle: %m", c->ca_root);
        if (r < 0)
                return log_error_errno(r, "The CA URL \"%s\" is not https://HOST[:PORT]: %m", c->ca_url);
        r = enroll_ca_set_roles(ret, &roles, &path);
        ret->posture_pcrs = c->posture_pcrs;
        if (r < 0 && path)
                return log_error_errno(r, "Failed to read \"%s\" as a PEM certificate bundle: %m", path);
        if (r < 0)
                return log_error_errno(r, "A CA role's URL is not https://: %m");
        return 0;
}

/* Restart recovery: the device identity the keyring holds, if it is
 * still ours (loads in this TPM, matches its certificate). */
static void adopt_device(enrolld *d) {
        _cleanup_(keyring_entry_freep) keyring_entry *e = NULL;
        enroll_device dev = {};
        char na[FORMAT_TIME_MAX];
        int r;

        r = keyring_get(d->k, "device", &e);
        if (r == -ENOENT)
                return;
        if (r >= 0)
                r = enroll_device_from_entry(d->tpm, e, &dev);
        if (r < 0) {
                log_notice_errno(r, "Not reusing the device certificate in the keyring (%m); enrolling anew.");
                return;
        }
        enroll_device_done(&d->dev);
        d->dev = dev;
        d->have_dev = true;
        d->dev_obtained = e->published;
        (void) format_time(dev.cert.not_after, na);
        log_info("Reusing the device certificate in the keyring (generation %llu, valid until %s).",
                 (unsigned long long) e->generation, na);
}

/* The accounts to hold: the configuration's (those the keyring holds
 * that fit are reused; entries of accounts no longer configured are left
 * alone: they expire), or, with the CA's list, what the last list said
 * until the next one. */
static void adopt_accounts(enrolld *d) {
        _cleanup_(keyring_entry_freep) keyring_entry *roots = NULL;

        if (!enrolld_config_uses_account_list(d->cfg)) {
                if (agent_accounts_set(&d->acc, d->k, d->cfg->accounts, d->cfg->n_accounts, false) < 0)
                        log_oom();
        } else if (!d->acc.from_ca) {
                if (agent_accounts_set(&d->acc, d->k, NULL, 0, true) < 0)
                        log_oom();
        }
        d->roots_current = keyring_get(d->k, "roots", &roots) >= 0 && roots->chain_len == d->ca.roots.pem_len &&
                           memcmp(roots->chain_pem, d->ca.roots.pem, d->ca.roots.pem_len) == 0;
}

/* Tells deviceid-fsd that the keyring changed (what: "Published",
 * "Withdrawn"; NULL for a retry). Until it confirms a reload, the run
 * loop asks again at every wake-up: a mount that missed one notice would
 * otherwise list the old entries until the next change. No fsd listening
 * is logged at debug, a failed reload at warning, each once per change. */
static void notify_fsd(enrolld *d, const char *what) {
        int k = keyring_notify_readers(NULL, ENROLLD_NOTIFY_TIMEOUT_MS);
        bool first = what != NULL;

        if (k >= 0) {
                if (!first)
                        log_info("deviceid-fsd confirmed the reload.");
                d->notify_pending = false;
                return;
        }
        d->notify_pending = true;
        if (!first)
                return;
        if (k == -ENOENT || k == -ECONNREFUSED)
                log_debug_errno(k, "%s; no deviceid-fsd listening (%m), asking again at each wake-up.", what);
        else
                log_warning_errno(k, "%s, but deviceid-fsd did not confirm the reload: %m; asking again at each wake-up.",
                                  what);
}

/* The CA took the device away (disabled, or removed from the inventory):
 * its entry and every account's leave the keyring, so that nothing it
 * revoked is served, and deviceid-fsd is told. The number removed. */
static size_t withdraw(enrolld *d, const char *msg) {
        size_t n = 0;
        int k;

        for (size_t i = 0; i <= d->acc.n; i++) {
                const char *name = i < d->acc.n ? d->acc.v[i].spec.name : NULL;

                k = keyring_remove(d->k, name ?: "device");
                if (k < 0 && k != -ENOENT)
                        log_warning_errno(k, "Failed to withdraw \"%s\" from the keyring: %m", name ?: "device");
                n += k >= 0;
                if (name)
                        d->acc.v[i].held.have = false;
                enrolld_report_note(&d->report, name, ENROLLD_ENTRY_WITHDRAWN, msg);
        }
        enroll_device_done(&d->dev);
        d->have_dev = false;
        if (n > 0)
                notify_fsd(d, "Withdrawn");
        return n;
}

/* Notes a failed step: shown by deviceidctl status, logged when the
 * message differs from the last one, then the round stops. */
static int note_failure(enrolld *d, int r, const enroll_failure *failure) {
        _cleanup_free_ char *msg = NULL;
        bool removed = enroll_failure_is_removed(r, failure);
        enroll_failure f = *failure;
        /* A CA refusing the device is for the operator: at error (a TPM
         * that stays unusable is said at error by after_round()). */
        bool must_act = f.who && f.e.kind == CLIENT_FAIL_REFUSED && !d->current;
        size_t withdrawn = 0;

        if (f.e.kind == CLIENT_FAIL_TPM || tpm_broken(d->tpm))
                d->round_tpm_failed = true;
        /* The TPM's own words: which call failed, with what code. */
        if (f.e.kind == CLIENT_FAIL_TPM && !f.e.detail[0] && tpm_last_error(d->tpm))
                (void) snprintf(f.e.detail, sizeof(f.e.detail), "%s", tpm_last_error(d->tpm));
        (void) enroll_failure_format(r, &f, d->ca.root_path, tpm_tcti(d->tpm), &msg);
        if (!msg)
                return log_oom();
        enrolld_report_note(&d->report, d->current,
                            f.who && f.e.kind == CLIENT_FAIL_REFUSED ? ENROLLD_ENTRY_REFUSED : ENROLLD_ENTRY_FAILING,
                            msg);
        /* Only the first failure of a round counts: with the CA down,
         * the steps after it fail the same way. */
        if (d->round_failed)
                return r;
        d->round_failed = true;
        if (removed)
                withdrawn = withdraw(d, msg);
        if (!streq_ptr(msg, d->last_failure) || withdrawn > 0) {
                if (removed)
                        log_error("%s. The CA disabled or removed this device: withdrew %zu entries from the keyring "
                                  "(device and accounts); checking again every %llus, a device enabled again gets "
                                  "its certificates back.",
                                  msg, withdrawn, (unsigned long long) d->cfg->retry_max);
                else
                        log_full(must_act ? LOG_ERR : LOG_WARNING,
                                 "%s. Keeping the current certificates; retrying with backoff.", msg);
                free(d->last_failure);
                d->last_failure = TAKE_PTR(msg);
        }
        d->removed = removed;
        return r;
}

static int publish_failure(enrolld *d, int r, const char *name) {
        enroll_failure f = { .e = { .kind = CLIENT_FAIL_LOCAL, .step = "publish into the keyring" }, .name = name };

        return note_failure(d, r, &f);
}

static int renew_device(enrolld *d, bool *changed) {
        _cleanup_(enroll_device_done) enroll_device dev = {};
        enroll_failure f = {};
        uint64_t gen = 0;
        char na[FORMAT_TIME_MAX];
        int r;

        d->current = NULL;
        r = enroll_device_enroll(d->tpm, &d->ca, device_alg(d), &dev, &f);
        if (r < 0)
                return note_failure(d, r, &f);
        r = enroll_publish_device(d->k, &dev, &gen);
        if (r < 0)
                return publish_failure(d, r, NULL);
        (void) format_time(dev.cert.not_after, na);
        log_info("%s the device certificate for \"%s\" (generation %llu, valid until %s).",
                 d->have_dev ? "Renewed" : "Enrolled", dev.ek_uri, (unsigned long long) gen, na);
        enroll_device_done(&d->dev);
        d->dev = dev;
        dev = (enroll_device) {};
        d->have_dev = true;
        d->dev_obtained = time(NULL);
        d->dev_forced = false;
        enrolld_report_note(&d->report, NULL, ENROLLD_ENTRY_VALID, NULL);
        *changed = true;
        return 0;
}

static int renew_account(enrolld *d, size_t i, bool *changed) {
        _cleanup_(enroll_account_done) enroll_account a = {};
        const sign_client_account *spec = &d->acc.v[i].spec;
        enroll_failure f = {};
        uint64_t gen = 0;
        char na[FORMAT_TIME_MAX];
        int r;

        d->current = spec->name;
        r = enroll_account_issue(d->tpm, &d->ca, &d->dev, spec, device_alg(d), &a, &f);
        if (r < 0)
                return note_failure(d, r, &f);
        r = enroll_publish_account(d->k, spec->name, &a, &gen);
        if (r < 0)
                return publish_failure(d, r, spec->name);
        (void) format_time(a.cert.not_after, na);
        log_info("%s account \"%s\" (generation %llu, valid until %s).", d->acc.v[i].held.have ? "Renewed" : "Issued",
                 spec->name, (unsigned long long) gen, na);
        d->acc.v[i].held = (enrolld_held) { .have = true, .not_before = a.cert.not_before, .not_after = a.cert.not_after,
                                       .obtained = time(NULL) };
        enrolld_report_note(&d->report, spec->name, ENROLLD_ENTRY_VALID, NULL);
        *changed = true;
        return 0;
}

/* An entry that vanished from the keyring (removed by hand, keyring
 * recreated) is published again: the device from memory, accounts anew. */
static void check_keyring(enrolld *d, bool *changed) {
        _cleanup_(keyring_entry_freep) keyring_entry *e = NULL;

        if (d->have_dev && keyring_get(d->k, "device", &e) == -ENOENT && d->dev.cert.not_after > time(NULL)) {
                if (enroll_publish_device(d->k, &d->dev, NULL) >= 0) {
                        log_notice("The device entry was missing from the keyring; published it again.");
                        *changed = true;
                }
        }
        for (size_t i = 0; i < d->cfg->n_accounts; i++) {
                _cleanup_(keyring_entry_freep) keyring_entry *a = NULL;

                if (d->acc.v[i].held.have && keyring_get(d->k, d->acc.v[i].spec.name, &a) == -ENOENT)
                        d->acc.v[i].held.have = false;
        }
        if (d->roots_current) {
                _cleanup_(keyring_entry_freep) keyring_entry *r = NULL;

                if (keyring_get(d->k, "roots", &r) == -ENOENT)
                        d->roots_current = false;
        }
}

/* The plan for what the daemon holds now (enrolld-schedule.h). */
static void plan(const enrolld *d, uint64_t now_ms, enrolld_plan *ret) {
        enrolld_state s = {
                .device = { .have = d->have_dev, .not_before = d->dev.cert.not_before,
                            .not_after = d->dev.cert.not_after, .obtained = d->dev_obtained,
                            .forced = d->dev_forced },
                .failures = d->failures,
                .retry_at_ms = d->retry_at_ms,
        };

        /* The planner counts the accounts held: the configuration's or
         * those of the CA's list. */
        enrolld_config c = *d->cfg;

        c.n_accounts = d->acc.n;
        for (size_t i = 0; i < d->acc.n; i++)
                s.accounts[i] = d->acc.v[i].held;
        enrolld_plan_make(&s, &c, now_ms, ret);
}

/* Writes the state file: p at the start of a round (what it renews is
 * "renewing"), NULL when it ended with r. */
static void report(enrolld *d, const enrolld_plan *p, int r) {
        enrolld_held dev = { .have = d->have_dev, .not_before = d->dev.cert.not_before,
                             .not_after = d->dev.cert.not_after, .obtained = d->dev_obtained };

        for (size_t i = 0; p && i <= d->acc.n; i++)
                if (i < d->acc.n ? p->accounts[i] : p->device)
                        enrolld_report_note(&d->report, i < d->acc.n ? d->acc.v[i].spec.name : NULL,
                                            ENROLLD_ENTRY_RENEWING, NULL);
        enrolld_report_publish(&d->report, &dev, &d->acc, d->cfg->renew_at, p != NULL, r < 0 ? d->retry_at_ms : 0,
                               r < 0 ? d->last_failure : NULL);
}

/* Tells systemd's watchdog that the loop makes progress (a round or a
 * step of one completed, the loop woke on time); nothing else does, so
 * a loop wedged anywhere ends in a restart (WatchdogSec= of the unit). */
static void watchdog_ping(const enrolld *d) {
        if (d->watchdog_usec > 0)
                (void) sd_notify(0, "WATCHDOG=1");
}

/* A TPM context a failed call broke is re-opened before the round uses
 * it (on a raw TPM, with the leftovers flushed). -errno if it cannot be. */
static int recover_tpm(enrolld *d) {
        unsigned flushed = 0;
        int r;

        r = tpm_recover(d->tpm, &flushed);
        if (r > 0)
                log_notice("Re-opened the TPM via \"%s\" after a failure%s.", tpm_tcti(d->tpm),
                           flushed > 0 ? "; flushed what was left in it" : "");
        if (r < 0) {
                enroll_failure f = { .e = { .kind = CLIENT_FAIL_TPM, .step = "re-open the TPM" } };

                (void) snprintf(f.e.detail, sizeof(f.e.detail), "after %s", tpm_last_error(d->tpm) ?: "a failure");
                return note_failure(d, r, &f);
        }
        return 0;
}

/* One round: renews what the plan says is due, publishes, tells fsd
 * once. 0, or the -errno of the step that failed. */
static int enrolld_round(enrolld *d) {
        time_t now = time(NULL);
        bool changed = false;
        enrolld_plan p;
        int r = 0;

        d->round_failed = d->round_tpm_failed = false;
        d->current = NULL;
        r = recover_tpm(d);
        if (r < 0)
                return r;
        check_keyring(d, &changed);
        plan(d, (uint64_t) now * 1000, &p);
        report(d, &p, 0);
        if (p.device) {
                r = renew_device(d, &changed);
                watchdog_ping(d);
                /* A device certificate still valid keeps serving /1.0/sign. */
                if (r < 0 && (!d->have_dev || d->dev.cert.not_after <= now || d->removed))
                        goto out;
        }
        if (!d->roots_current) {
                int k = enroll_publish_roots(d->k, &d->ca);

                if (k < 0) {
                        r = publish_failure(d, k, "roots");
                        goto out;
                }
                d->roots_current = changed = true;
        }
        if (enrolld_config_uses_account_list(d->cfg) && d->have_dev) {
                /* What the CA lists now; new accounts are due at once. */
                enroll_failure lf = {};
                int k = agent_accounts_refresh(&d->acc, d->k, &d->ca, &d->dev, &changed, &lf);

                if (k == -EKEYREVOKED) {
                        r = note_failure(d, k, &lf);
                        goto out;
                }
                if (k < 0) {
                        r = log_oom();
                        goto out;
                }
                plan(d, (uint64_t) now * 1000, &p);
        }
        for (size_t i = 0; i < d->acc.n && !terminating(); i++) {
                int k;

                if (!p.accounts[i])
                        continue;
                k = renew_account(d, i, &changed);
                watchdog_ping(d);
                if (k < 0 && r >= 0)
                        r = k;
                if (k < 0 && (d->removed || !d->have_dev))
                        break;
        }
out:
        if (changed)
                notify_fsd(d, "Published");
        return r;
}

static void after_round(enrolld *d, int r) {
        uint64_t now = now_realtime_ms();
        uint32_t rnd = 0;

        if (r >= 0) {
                if (d->last_failure)
                        log_info("Renewal works again; every certificate is current.");
                free(d->last_failure);
                d->last_failure = NULL;
                d->failures = 0;
                d->tpm_failures = 0;
                d->removed = false;
                char at[FORMAT_TIME_MAX];
                enrolld_plan p;

                plan(d, now, &p);
                (void) format_time((time_t) (p.next_due_ms / 1000), at);
                snprintf(d->status, sizeof(d->status), "Certificates current; next renewal at %s", at);
                report(d, NULL, r);
                return;
        }
        if (d->failures < 64)
                d->failures++;
        /* A TPM that stays unusable is for the operator: said once, at error. */
        d->tpm_failures = d->round_tpm_failed ? d->tpm_failures + 1 : 0;
        if (d->tpm_failures == ENROLLD_TPM_UNUSABLE_ROUNDS)
                log_error("The TPM via \"%s\" has failed %u rounds in a row (%s): certificates are not renewed "
                          "until it works again; retrying with backoff.",
                          tpm_tcti(d->tpm), d->tpm_failures, tpm_last_error(d->tpm) ?: "?");
        (void) crypto_random(&rnd, sizeof(rnd));
        d->retry_at_ms = now + (d->removed ? d->cfg->retry_max * 1000
                                           : enrolld_backoff_ms(d->failures, d->cfg->retry_min, d->cfg->retry_max, rnd));
        snprintf(d->status, sizeof(d->status), "%s",
                 d->removed ? "Device disabled or removed at the CA: certificates withdrawn; retrying"
                 : d->tpm_failures >= ENROLLD_TPM_UNUSABLE_ROUNDS
                         ? "TPM unusable, keeping the current certificates; retrying with backoff"
                         : "Renewal failing, keeping the current certificates; retrying with backoff");
        report(d, NULL, r);
}

static int reload(enrolld *d) {
        _cleanup_(enrolld_config_freep) enrolld_config *c = NULL;
        _cleanup_(enroll_ca_done) enroll_ca ca = {};
        int r;

        r = load_config(d->config_path, &c);
        if (r >= 0)
                r = load_ca(c, &ca);
        if (r < 0) {
                log_warning("Keeping the previous configuration.");
                return r;
        }
        enrolld_config_free(d->cfg);
        d->cfg = TAKE_PTR(c);
        enroll_ca_done(&d->ca);
        d->ca = ca;
        ca = (enroll_ca) {};
        adopt_accounts(d);
        if (enrolld_config_uses_account_list(d->cfg))
                log_info("Configuration \"%s\" reloaded (accounts from the Account CA's list).", d->config_path);
        else
                log_info("Configuration \"%s\" reloaded (%zu accounts).", d->config_path, d->cfg->n_accounts);
        return 0;
}

static void help(FILE *f) {
        fprintf(f,
                "Usage: deviceid-enrolld [--config FILE] [--foreground]\n\n"
                "Keeps the device certificate and the account certificates of FILE\n"
                "(default %s) fresh in the kernel keyring.\n\n"
                "  --config FILE   the configuration (deviceid-enrolld(8))\n"
                "  --foreground    do not detach (implied under systemd)\n"
                "  --help          this text\n",
                ENROLLD_DEFAULT_CONFIG);
}

static int detach(void) {
        pid_t pid = fork();
        int fd;

        if (pid < 0)
                return -errno;
        if (pid > 0)
                _exit(0);
        if (setsid() < 0)
                return -errno;
        fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (fd >= 0) {
                (void) dup2(fd, STDIN_FILENO);
                (void) dup2(fd, STDOUT_FILENO);
                safe_close(fd);
        }
        return 0;
}

static int run(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "config", required_argument, NULL, 'c' },
                { "foreground", no_argument, NULL, 'f' },
                {}
        };
        _cleanup_(enrolld_done) enrolld d = { .config_path = ENROLLD_DEFAULT_CONFIG };
        bool foreground = false, first = true;
        sigset_t mask;
        int c, r;

        while ((c = getopt_long(argc, argv, "hc:f", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help(stdout);
                        return 0;
                case 'c':
                        d.config_path = optarg;
                        break;
                case 'f':
                        foreground = true;
                        break;
                default:
                        help(stderr);
                        return -EINVAL;
                }
        }
        if (optind < argc)
                return log_error_errno(EINVAL, "Unexpected argument \"%s\".", argv[optind]);

        r = load_config(d.config_path, &d.cfg);
        if (r < 0)
                return EX_CONFIG; /* an exit status: the unit's RestartPreventExitStatus= */
        r = load_ca(d.cfg, &d.ca);
        if (r < 0)
                return r;
        r = enrolld_report_init(&d.report);
        if (r < 0)
                return log_oom();
        r = keyring_open(true, &d.k);
        if (r == -EPERM || r == -ENOSYS)
                return log_error_errno(r, "The kernel refuses the keyring system calls (%m): a container must allow "
                                          "add_key, keyctl and request_key (see deviceid-enrolld(8)).");
        if (r < 0)
                return log_error_errno(r, "Failed to open the kernel keyring: %m");
        r = tpm_open(NULL, &d.tpm);
        if (r < 0)
                return log_error_errno(r, "Failed to open the TPM via \"%s\": %m", tpm_tcti_resolve(NULL));
        /* Without a resource manager, what a killed predecessor left
         * loaded stays in the TPM's few slots: ours, as nobody else uses a
         * raw TPM (docs/tpm.md). A resource manager flushes it itself. */
        r = tpm_flush_leftovers(d.tpm);
        if (r > 0)
                log_notice("Flushed %d transient objects and sessions left in the TPM via \"%s\".", r,
                           tpm_tcti(d.tpm));
        else if (r < 0)
                log_warning_errno(r, "Failed to flush what was left in the TPM via \"%s\": %m (%s).",
                                  tpm_tcti(d.tpm), tpm_last_error(d.tpm) ?: "?");
        if (sd_watchdog_enabled(false, &d.watchdog_usec) <= 0)
                d.watchdog_usec = 0;

        if (!foreground && !getenv("NOTIFY_SOCKET")) {
                r = detach();
                if (r < 0)
                        return log_error_errno(r, "Failed to detach: %m");
        }

        /* Signals are taken synchronously: sleeps end at once, rounds
         * check for SIGTERM between steps. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGUSR1);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(errno, "Failed to block signals: %m");

        adopt_device(&d);
        adopt_accounts(&d);

        for (;;) {
                enrolld_plan p;
                struct timespec ts;
                siginfo_t si;
                int sig;

                if (d.notify_pending)
                        notify_fsd(&d, NULL);
                plan(&d, now_realtime_ms(), &p);
                if (p.round) {
                        r = enrolld_round(&d);
                        after_round(&d, r);
                        watchdog_ping(&d);
                        if (first || !streq(d.status, d.status_sent)) {
                                (void) sd_notifyf(0, "%sSTATUS=%s", first ? "READY=1\n" : "", d.status);
                                memcpy(d.status_sent, d.status, sizeof(d.status));
                        }
                        first = false;
                }
                if (terminating())
                        break;
                plan(&d, now_realtime_ms(), &p);
                /* Wake at least twice per watchdog period. */
                if (d.watchdog_usec > 0 && p.sleep_ms > d.watchdog_usec / 2000)
                        p.sleep_ms = d.watchdog_usec / 2000;
                log_debug("Sleeping %llu ms.", (unsigned long long) p.sleep_ms);
                ts = (struct timespec) { .tv_sec = (time_t) (p.sleep_ms / 1000),
                                         .tv_nsec = (long) (p.sleep_ms % 1000) * 1000000 };
                sig = sigtimedwait(&mask, &si, &ts);
                if (sig < 0 && errno != EAGAIN && errno != EINTR)
                        return log_error_errno(errno, "Failed to wait for signals: %m");
                watchdog_ping(&d);
                if (sig == SIGTERM || sig == SIGINT)
                        break;
                if (sig == SIGHUP) {
                        log_info("SIGHUP: re-reading \"%s\".", d.config_path);
                        (void) reload(&d);
                        d.retry_at_ms = 0;
                } else if (sig == SIGUSR1) {
                        log_info("SIGUSR1: renewing every certificate now.");
                        /* Each stays forced until it is renewed, not until
                         * a whole round succeeds. */
                        d.dev_forced = d.have_dev;
                        for (size_t i = 0; i < d.acc.n; i++)
                                d.acc.v[i].held.forced = d.acc.v[i].held.have;
                        d.retry_at_ms = 0;
                }
        }
        (void) sd_notify(0, "STOPPING=1");
        log_info("Stopping.");
        return 0;
}

int main(int argc, char *argv[]) {
        int r;

        log_parse_environment();
        r = run(argc, argv);
        return r < 0 ? 1 : r;
}
