/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time for every deviceid program: timestamps as RFC 3339 text, and the
 * two clocks in milliseconds (monotonic for timeouts and intervals, wall
 * clock for certificate lifetimes and due times).
 */
#pragma once

#include <stdint.h>
#include <time.h>

/* Bytes format_time() writes at most, the NUL included. */
#define FORMAT_TIME_MAX 32

/* Writes t as RFC 3339 UTC with a 4-digit year, "2026-12-03T09:00:00Z",
 * into buf. 0, or -ERANGE if t falls outside the years 0000 to 9999; buf
 * then holds "@SECONDS" (the number of seconds since the epoch), so it is
 * always a printable string. Pure. */
int format_time(time_t t, char buf[static FORMAT_TIME_MAX]);

/* CLOCK_MONOTONIC in milliseconds: only differences mean anything. */
uint64_t now_monotonic_ms(void);

/* CLOCK_REALTIME in milliseconds since the epoch. */
uint64_t now_realtime_ms(void);
