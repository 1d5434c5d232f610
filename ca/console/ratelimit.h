/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A limit on failed attempts per client (console sign-ins): each client
 * key may fail `burst` times at once, then once per `interval_ms`
 * (a generic cell rate algorithm: one "theoretical arrival time" per key).
 * A client over its limit is refused before its attempt is even looked
 * at, with the time to wait. The table holds at most max_keys clients;
 * when full, a key whose limit has fully recovered is reused, and if none
 * has, the key closest to recovery is. Thread-safe (one mutex); times are
 * passed in, so the logic is tested with fixed vectors.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#define RATELIMIT_KEY_MAX 48

typedef struct ratelimit ratelimit;

int ratelimit_new(unsigned burst, uint64_t interval_ms, size_t max_keys, ratelimit **ret);
void ratelimit_free(ratelimit *rl);
DEFINE_TRIVIAL_CLEANUP_FUNC(ratelimit *, ratelimit_free);

/* 0 if key may attempt now, otherwise the milliseconds to wait. */
uint64_t ratelimit_check(ratelimit *rl, const char *key, uint64_t now_ms);
/* Counts one failure of key. */
void ratelimit_fail(ratelimit *rl, const char *key, uint64_t now_ms);

/* The key of a client address: an IPv4 address as it is, an IPv6 address
 * by its /64 prefix (one host usually owns a whole /64), anything else
 * as it is, cut to fit. Writes a NUL-terminated key into buf
 * (RATELIMIT_KEY_MAX bytes). */
void ratelimit_key_for_address(const char *addr, char buf[static RATELIMIT_KEY_MAX]);
