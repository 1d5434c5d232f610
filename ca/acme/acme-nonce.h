/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replay nonces (RFC 8555 section 6.5): single use and expiring, with
 * bounded memory. A nonce is base64url(seq || 8 random bytes); a ring of
 * `capacity` slots remembers the random part, issue time and use of the
 * last `capacity` nonces, so an old nonce pushed out of the ring is simply
 * refused like an expired one. Thread-safe (one mutex). Time comes from
 * the caller, so tests drive the clock.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#define ACME_NONCE_STRLEN 22 /* base64url of 16 bytes */

typedef struct acme_nonce_pool acme_nonce_pool;

/* capacity: number of outstanding nonces remembered (> 0); lifetime in
 * seconds (> 0). Returns 0 or -errno. */
int acme_nonce_pool_new(size_t capacity, uint64_t lifetime, acme_nonce_pool **ret);
void acme_nonce_pool_free(acme_nonce_pool *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(acme_nonce_pool *, acme_nonce_pool_free);

/* Issues a nonce at time now (seconds); ret gets ACME_NONCE_STRLEN chars
 * and a NUL. Returns 0 or -errno (randomness failure). */
int acme_nonce_issue(acme_nonce_pool *p, uint64_t now, char ret[ACME_NONCE_STRLEN + 1]);

/* Consumes a nonce: 0 if it was issued by this pool, not used before and
 * not expired (it is now used); -EBADMSG if it is not a nonce of ours;
 * -ESTALE if used, expired or forgotten. */
int acme_nonce_consume(acme_nonce_pool *p, const char *nonce, uint64_t now);
