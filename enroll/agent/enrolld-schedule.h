/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The renewal arithmetic of deviceid-enrolld, pure and unit-tested
 * (tests/unit/test-enrolld-schedule.c): when a certificate is due, how
 * long to back off after failures, and how long to sleep. Times are
 * seconds since the epoch; delays are milliseconds.
 */
#pragma once

#include <stdint.h>
#include <time.h>

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
