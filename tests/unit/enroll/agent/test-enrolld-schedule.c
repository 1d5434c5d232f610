/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of deviceid-enrolld's renewal planner
 * (enroll/agent/enrolld-schedule.c): the plan (what is due, whether a
 * round runs, when to wake) for fixed states, configurations and times;
 * a failed round retried renews only what it has not renewed;
 * due times with and without backdating, backoff growth, cap and jitter
 * bounds, sleep bounds. Fixed vectors.
 */
#include <stdio.h>

#include "enroll/agent/enrolld-schedule.h"
#include "macro.h"
#include "tests/unit/tap.h"

static void test_due(void) {
        /* 24 h certificate obtained at issue: due after 0.66 of it. */
        is_int(enrolld_due_time(1000, 1000 + 86400, 1000, 0.66), 1000 + 57024, "24h at 0.66");
        /* Backdated by 60 s, 5 min lifetime from issue: count from when we got it. */
        is_int(enrolld_due_time(940, 1240, 1000, 0.1), 1024, "backdated: from obtained");
        is_int(enrolld_due_time(940, 1240, 0, 0.1), 970, "unknown obtained: from notBefore");
        is_int(enrolld_due_time(1000, 1000, 1000, 0.5), 1000, "zero lifetime: due at once");
        is_int(enrolld_due_time(1000, 900, 0, 0.5), 1000, "negative lifetime: due at once");
        is_int(enrolld_due_time(0, 1000, 2000, 0.5), 2000, "obtained after expiry: due at once");
        is_int(enrolld_due_time(0, 100, 0, 0.95), 95, "0.95");
}

static void test_backoff(void) {
        /* retry_min 5 s, retry_max 600 s: the step doubles; jitter takes
         * at most a quarter off, never below retry_min. */
        static const struct {
                unsigned failures;
                uint64_t lo, hi;
        } v[] = {
                { 1, 5000, 5000 },     { 2, 7500, 10000 },    { 3, 15000, 20000 },   { 4, 30000, 40000 },
                { 5, 60000, 80000 },   { 6, 120000, 160000 }, { 7, 240000, 320000 }, { 8, 450000, 600000 },
                { 9, 450000, 600000 }, { 64, 450000, 600000 },
        };
        static const uint32_t rnds[] = { 0, 1, 12345, 0x7fffffff, 0xffffffff };

        is_int(enrolld_backoff_ms(0, 5, 600, 42), 0, "no failure: no delay");
        for (size_t i = 0; i < ELEMENTSOF(v); i++)
                for (size_t j = 0; j < ELEMENTSOF(rnds); j++) {
                        uint64_t d = enrolld_backoff_ms(v[i].failures, 5, 600, rnds[j]);
                        char what[64];

                        snprintf(what, sizeof(what), "failures %u rnd %u in bounds", v[i].failures, rnds[j]);
                        if (!ok(d >= v[i].lo && d <= v[i].hi, what))
                                printf("# got %llu\n", (unsigned long long) d);
                }
        is_int(enrolld_backoff_ms(2, 5, 600, 0), 7500, "rnd 0: lowest");
        is_int(enrolld_backoff_ms(2, 5, 600, 2500), 10000, "rnd = span: highest");
        is_int(enrolld_backoff_ms(2, 5, 600, 2501), 7500, "rnd wraps modulo the span");
        is_int(enrolld_backoff_ms(3, 1, 3, 0), 2250, "capped at retry_max, jittered");
        is_int(enrolld_backoff_ms(5, 10, 10, 999), 10000, "min = max: no jitter");
        is_int(enrolld_backoff_ms(1, 0, 0, 7), 1000, "zero bounds clamp to 1 s");
}

static void test_sleep(void) {
        is_int(enrolld_sleep_ms(1000, 0, 60), 60000, "nothing scheduled: check_interval");
        is_int(enrolld_sleep_ms(1000, 500, 60), 0, "overdue: no sleep");
        is_int(enrolld_sleep_ms(1000, 1000, 60), 0, "due now: no sleep");
        is_int(enrolld_sleep_ms(1000, 3500, 60), 2500, "until due");
        is_int(enrolld_sleep_ms(1000, 1000 + 3600000, 60), 60000, "bounded by check_interval");
}

/* A 24 h certificate obtained at issue at `at`: due at at + 57024 (0.66). */
#define DAY_CERT(at) ((enrolld_held) { .have = true, .not_before = (at), .not_after = (at) + 86400, .obtained = (at) })

static void test_plan(void) {
        const enrolld_config cfg = { .n_accounts = 2, .renew_at = 0.66, .check_interval = 60 };
        const uint64_t t0 = 1000000;          /* seconds */
        const uint64_t due0 = (t0 + 57024) * 1000; /* ms */
        enrolld_state s = {};
        enrolld_plan p;

        /* Nothing held: a round, everything due, accounts count as due at 1 ms. */
        enrolld_plan_make(&s, &cfg, t0 * 1000, &p);
        ok(p.round && p.device && p.accounts[0] && p.accounts[1], "nothing held: a round renews everything");
        ok(!p.accounts[2], "accounts beyond the configured ones are not due");
        is_int(p.next_due_ms, 1, "nothing held: next due at once");
        is_int(p.sleep_ms, 0, "nothing held: no sleep");

        /* Everything held and fresh: no renewal, wake at the earliest due time. */
        s.device = DAY_CERT(t0);
        s.accounts[0] = DAY_CERT(t0 + 100);
        s.accounts[1] = DAY_CERT(t0 + 50);
        enrolld_plan_make(&s, &cfg, t0 * 1000 + 5000, &p);
        ok(p.round, "no failure: a round may run");
        ok(!p.device && !p.accounts[0] && !p.accounts[1], "all fresh: nothing due");
        is_int(p.next_due_ms, due0, "next due: the device's");
        is_int(p.sleep_ms, 60000, "far off: check_interval");
        enrolld_plan_make(&s, &cfg, due0 - 1500, &p);
        is_int(p.sleep_ms, 1500, "close: until the due time");

        /* The device due, accounts not yet. */
        enrolld_plan_make(&s, &cfg, due0, &p);
        ok(p.device && !p.accounts[0] && !p.accounts[1], "at its due time: the device only");
        is_int(p.sleep_ms, 0, "due now: no sleep");
        enrolld_plan_make(&s, &cfg, (t0 + 50 + 57024) * 1000, &p);
        ok(p.device && !p.accounts[0] && p.accounts[1], "later: the device and the second account");

        /* An account missing from the keyring is due now, whatever else. */
        s.accounts[0].have = false;
        enrolld_plan_make(&s, &cfg, t0 * 1000 + 5000, &p);
        ok(!p.device && p.accounts[0] && !p.accounts[1], "account not held: due");
        is_int(p.next_due_ms, 1, "account not held: next due at once");
        s.accounts[0] = DAY_CERT(t0 + 100);

        /* Forced (SIGUSR1): everything, fresh or not. */
        s.device.forced = s.accounts[0].forced = s.accounts[1].forced = true;
        enrolld_plan_make(&s, &cfg, t0 * 1000 + 5000, &p);
        ok(p.device && p.accounts[0] && p.accounts[1], "forced: everything due");
        is_int(p.next_due_ms, due0, "forced: next due unchanged");
        s.device.forced = s.accounts[0].forced = s.accounts[1].forced = false;

        /* Failing: no round before the retry time; sleep until it. */
        s.failures = 2;
        s.retry_at_ms = t0 * 1000 + 7500;
        enrolld_plan_make(&s, &cfg, t0 * 1000, &p);
        ok(!p.round, "failing: no round before the retry time");
        is_int(p.sleep_ms, 7500, "failing: sleep until the retry");
        enrolld_plan_make(&s, &cfg, t0 * 1000 + 7500, &p);
        ok(p.round, "failing: a round at the retry time");
        s.retry_at_ms = t0 * 1000 + 3600000;
        enrolld_plan_make(&s, &cfg, t0 * 1000, &p);
        is_int(p.sleep_ms, 60000, "failing, far retry: check_interval");

        /* A device not held while accounts are: the accounts' due time. */
        s = (enrolld_state) { .accounts = { DAY_CERT(t0), DAY_CERT(t0) } };
        enrolld_plan_make(&s, &cfg, t0 * 1000, &p);
        ok(p.device && !p.accounts[0], "device not held: due");
        is_int(p.next_due_ms, due0, "device not held: next due is the accounts'");

        /* No accounts configured, device held. */
        {
                const enrolld_config none = { .renew_at = 0.5, .check_interval = 10 };

                s = (enrolld_state) { .device = DAY_CERT(t0) };
                enrolld_plan_make(&s, &none, t0 * 1000, &p);
                ok(!p.device, "renew_at 0.5: fresh at issue");
                is_int(p.next_due_ms, (t0 + 43200) * 1000, "renew_at 0.5: due at half the lifetime");
                is_int(p.sleep_ms, 10000, "check_interval 10 s");
        }
}

/* A forced round where the device failed and the accounts were renewed,
 * retried: only the device is due, at every retry, until it is renewed;
 * then nothing. The same for a device due by the clock. */
static void test_plan_retry(void) {
        const enrolld_config cfg = { .n_accounts = 3, .renew_at = 0.66, .check_interval = 60 };
        const time_t t0 = 2000000;
        const uint64_t due0 = (uint64_t) (t0 + 57024) * 1000;
        enrolld_state s = {
                .device = DAY_CERT(t0),
                .accounts = { DAY_CERT(t0), DAY_CERT(t0), DAY_CERT(t0) },
        };
        enrolld_plan p;

        /* SIGUSR1 at t0 + 100. */
        s.device.forced = s.accounts[0].forced = s.accounts[1].forced = s.accounts[2].forced = true;
        enrolld_plan_make(&s, &cfg, (t0 + 100) * 1000, &p);
        ok(p.round && p.device && p.accounts[0] && p.accounts[1] && p.accounts[2], "forced round: all due");
        /* That round: the device failed, the accounts were renewed at t0 + 101. */
        for (size_t i = 0; i < 3; i++)
                s.accounts[i] = DAY_CERT(t0 + 101);
        s.failures = 1;
        s.retry_at_ms = (t0 + 102) * 1000;
        for (unsigned k = 0; k < 10; k++) {
                char what[64];

                enrolld_plan_make(&s, &cfg, (t0 + 102 + k * 10) * 1000, &p);
                snprintf(what, sizeof(what), "retry %u: the device only", k);
                ok(p.round && p.device && !p.accounts[0] && !p.accounts[1] && !p.accounts[2], what);
                s.failures++;
                s.retry_at_ms = (t0 + 102 + (k + 1) * 10) * 1000;
        }
        /* The device renewed at last: nothing due. */
        s.device = DAY_CERT(t0 + 300);
        s.failures = 0;
        enrolld_plan_make(&s, &cfg, (t0 + 301) * 1000, &p);
        ok(p.round && !p.device && !p.accounts[0] && !p.accounts[1] && !p.accounts[2], "renewed: nothing due");

        /* The device due by the clock and failing: its retries never make
         * a fresh account due. */
        s = (enrolld_state) { .device = DAY_CERT(t0), .accounts = { DAY_CERT(t0 + 1000), DAY_CERT(t0 + 2000) },
                              .failures = 3, .retry_at_ms = due0 + 5000 };
        enrolld_plan_make(&s, &cfg, due0 + 5000, &p);
        ok(p.round && p.device && !p.accounts[0] && !p.accounts[1], "device due by the clock, retried: device only");
        ok(p.accounts[2], "an account not held is due in any round");
}

int main(void) {
        test_due();
        test_backoff();
        test_sleep();
        test_plan();
        test_plan_retry();
        return tap_done();
}
