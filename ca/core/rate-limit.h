/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request rate limits: one token bucket per key (a client address, an ACME
 * account), refilled at `count` tokens per `per` seconds up to `count`, so
 * a client may burst to `count` and then keeps to the average. The table
 * of keys is bounded: when it is full, the key that has waited longest
 * since its last request is forgotten (a forgotten key starts full again,
 * which only ever errs towards letting a request through).
 *
 * Thread-safe: every call takes the limiter's mutex. Pure otherwise: the
 * caller passes the clock.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* A rate as ca.conf writes it: "COUNT/DURATION", e.g. "100/1h", "20/90s";
 * "0" or "off" turn the limit off (count 0). */
typedef struct ca_rate {
        uint32_t count;
        uint64_t per; /* seconds, > 0 when count > 0 */
} ca_rate;

#define CA_RATE_MAX_COUNT 1000000
#define CA_RATE_MAX_PER (30 * 24 * 3600)
#define RATE_LIMIT_MAX_KEYS 16384

/* Parses "COUNT/DURATION" (COUNT 1..CA_RATE_MAX_COUNT, DURATION as
 * duration.h, 1 s..30 d), "0" or "off". 0 or -EINVAL. */
int ca_rate_parse(const char *s, ca_rate *ret);

typedef struct rate_limiter rate_limiter;

/* The key that stands for a client address in the per-address limits:
 * an IPv6 address by its /64 (a host is commonly given a whole /64, and
 * could otherwise rotate through it), anything else as it is, cut to fit
 * buf. */
#define RATE_LIMIT_ADDR_KEY_MAX 64
void rate_limit_address_key(const char *addr, char buf[static RATE_LIMIT_ADDR_KEY_MAX]);

/* A limiter of rate (count 0: every request passes) remembering at most
 * max_keys keys (> 0). 0, -EINVAL or -ENOMEM. */
int rate_limiter_new(ca_rate rate, size_t max_keys, rate_limiter **ret);
void rate_limiter_free(rate_limiter *rl);
DEFINE_TRIVIAL_CLEANUP_FUNC(rate_limiter *, rate_limiter_free);

/* Takes a token for key at time now_ms (milliseconds, monotonic). Returns
 * 0 if the request may go on, or the seconds (>= 1) until a token is
 * there: the Retry-After of the refusal. NULL rl or key: 0. */
unsigned rate_limiter_take(rate_limiter *rl, const char *key, uint64_t now_ms);
