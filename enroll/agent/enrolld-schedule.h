/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The renewal planner of deviceid-enrolld, pure and unit-tested with
 * fixed vectors (tests/unit/enroll/agent/test-enrolld-schedule.c):
 * enrolld_plan() takes what the daemon holds, the configuration and the
 * time, and says what is due and when to wake; under it, the arithmetic
 * of due times, backoff and sleeps. The daemon (enrolld.c) does the I/O,
 * the signals and the logging, and decides nothing of this itself. Times
 * are seconds since the epoch; delays and wake times are milliseconds.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "enroll/agent/enrolld-config.h"

/* One certificate the daemon holds (the device's or an account's). */
typedef struct enrolld_held {
        bool have;
        time_t not_before, not_after;
        time_t obtained; /* when we got it (publication time when adopted) */
        /* A renewal was asked for (SIGUSR1) and this certificate is not
         * renewed yet; a new certificate comes without it. */
        bool forced;
} enrolld_held;

/* The daemon's state as far as planning goes. */
typedef struct enrolld_state {
        enrolld_held device;
        enrolld_held accounts[ENROLLD_CONFIG_MAX_ACCOUNTS]; /* as cfg->accounts */
        unsigned failures;    /* consecutive failed rounds */
        uint64_t retry_at_ms; /* when failures > 0: the next try */
} enrolld_state;

typedef struct enrolld_plan {
        /* Run a round now: no failure pending, or its retry time has come. */
        bool round;
        /* What that round renews: what is not held, what is due (now >=
         * its due time), what is forced. Nothing else: a certificate
         * renewed by a round that failed later is not renewed again when
         * the round is retried. */
        bool device;
        bool accounts[ENROLLD_CONFIG_MAX_ACCOUNTS];
        /* The earliest due time of the device and the configured accounts
         * (an account not held counts as due at 1 ms); 0 when there is
         * none. */
        uint64_t next_due_ms;
        /* How long to sleep from now before planning again: until the
         * retry time while failing, else until next_due_ms, at most
         * check_interval. */
        uint64_t sleep_ms;
} enrolld_plan;

/* The plan at now_ms (ms since the epoch) for state s under cfg
 * (renew_at, check_interval, n_accounts). Pure. */
void enrolld_plan_make(const enrolld_state *s, const enrolld_config *cfg, uint64_t now_ms, enrolld_plan *ret);

/* The moment a certificate valid from not_before to not_after, obtained
 * at `obtained`, is due for renewal: start + renew_at * (not_after -
 * start), rounded down, where start = max(not_before, obtained). Counting
 * from when we got it, not from a backdated not_before, keeps a short
 * certificate from being due the moment it arrives. A remaining lifetime
 * <= 0 is due at once: start. */
time_t enrolld_due_time(time_t not_before, time_t not_after, time_t obtained, double renew_at);

/* The delay before retry number `failures` (1 = after the first failure):
 * base = retry_min * 2^(failures-1), capped at retry_max (seconds), then
 * jittered down by up to a quarter, never below retry_min: a value in
 * [max(retry_min, base * 3/4), base] seconds, in ms, chosen by rnd (any
 * 32 random bits; equal rnd gives equal delays). failures 0 gives 0. */
uint64_t enrolld_backoff_ms(unsigned failures, uint64_t retry_min, uint64_t retry_max, uint32_t rnd);

/* How long to sleep at `now` (ms since the epoch) until `wake` (ms since
 * the epoch; 0 = nothing scheduled), at most check_interval seconds and
 * at least 0. */
uint64_t enrolld_sleep_ms(uint64_t now_ms, uint64_t wake_ms, uint64_t check_interval);
