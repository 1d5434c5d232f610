/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of deviceid-enrolld's renewal arithmetic
 * (enroll/enrolld-schedule.c): due times with and without backdating,
 * backoff growth, cap and jitter bounds, sleep bounds. Fixed vectors.
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

int main(void) {
        test_due();
        test_backoff();
        test_sleep();
        return tap_done();
}
