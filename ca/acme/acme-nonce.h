/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replay nonces (RFC 8555 section 6.5), good once in the whole fleet: a
 * nonce issued by one CA instance is accepted once by any instance.
 *
 * Issuing stores nothing: a nonce is base64url(issued || random || mac),
 * issued a big-endian u64 of Unix seconds, random 8 bytes, mac the first
 * 16 bytes of HMAC-SHA-256(key, issued || random), under a key that all
 * instances share (kept in the database, made by the first instance).
 * So a flood of newNonce requests costs no storage, and a nonce nobody
 * issued is refused by its MAC alone.
 *
 * Consuming records the nonce in a table of used nonces under a primary
 * key: of two requests with one nonce, at one instance or two, exactly
 * one inserts it. A nonce is refused after its lifetime by its issue time
 * alone, so used nonces are purged once they expire.
 *
 * The pure part (acme_nonce_encode, acme_nonce_check) is acme-nonce.c;
 * the pool over the store is acme-nonce-pool.c. Time comes from the
 * caller, so tests drive the clock.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "ca/core/store.h"

#define ACME_NONCE_STRLEN 43 /* base64url of 32 bytes */
#define ACME_NONCE_KEY_LEN 32
/* A nonce issued up to this many seconds "in the future" is accepted:
 * instances' clocks differ a little. */
#define ACME_NONCE_CLOCK_SKEW 30

/* The nonce of (issued, random) under key: ACME_NONCE_STRLEN characters
 * and a NUL into ret. 0 or -errno. */
int acme_nonce_encode(const uint8_t key[ACME_NONCE_KEY_LEN], uint64_t issued, uint64_t random,
                      char ret[ACME_NONCE_STRLEN + 1]);

/* Checks a nonce's form, MAC and age at time now: 0 if it is ours and
 * neither older than lifetime seconds nor issued more than
 * ACME_NONCE_CLOCK_SKEW seconds ahead of now, with *ret_expires (may be
 * NULL) the second from which it is refused; -EBADMSG if it is not a
 * nonce of ours; -ESTALE if it expired. Says nothing about use. */
int acme_nonce_check(const uint8_t key[ACME_NONCE_KEY_LEN], const char *nonce, uint64_t now, uint64_t lifetime,
                     uint64_t *ret_expires);

typedef struct acme_nonce_pool acme_nonce_pool;

/* Applies the "acme_nonce" migrations to st, loads the shared key (making
 * it if this is the first instance) and returns a pool issuing nonces
 * good for lifetime (> 0) seconds. st is borrowed and must outlive the
 * pool. 0 or -errno. */
int acme_nonce_pool_new(store *st, uint64_t lifetime, acme_nonce_pool **ret);
void acme_nonce_pool_free(acme_nonce_pool *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(acme_nonce_pool *, acme_nonce_pool_free);

/* Issues a nonce at time now; no database access. 0 or -errno. */
int acme_nonce_issue(acme_nonce_pool *p, uint64_t now, char ret[ACME_NONCE_STRLEN + 1]);

/* Consumes a nonce: 0 if it is ours, unexpired and was never consumed
 * (at any instance); it is recorded as used. -EBADMSG if it is not ours,
 * -ESTALE if expired or used; other -errno from the store (-EBUSY: the
 * database is busy or unreachable, nothing was decided). Thread-safe. */
int acme_nonce_consume(acme_nonce_pool *p, const char *nonce, uint64_t now);
