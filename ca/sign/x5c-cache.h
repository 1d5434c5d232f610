/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verified device chains of X5C tokens, so that a device sending token
 * after token is not parsed and verified anew each time: the x5c header's
 * certificates as parsed, keyed by a SHA-256 of the header's x5c strings,
 * with what verified them (the trust anchors, an opaque pointer) and a time until which
 * the verification holds (the leaf's notAfter, at most a few minutes on).
 * What the store knows (the certificate revoked, the device disabled or
 * removed) is checked for every request by the caller, never cached.
 * Bounded: a fixed number of slots, a new entry replaces the one in its
 * slot. Thread-safe.
 */
#pragma once

#include <stdint.h>
#include <time.h>
#include <openssl/x509.h>

#include "macro.h"

#define X5C_CACHE_SLOTS 128
#define X5C_CACHE_TTL 300 /* seconds an entry is trusted at most */

typedef struct x5c_cache x5c_cache;

int x5c_cache_new(x5c_cache **ret);
void x5c_cache_free(x5c_cache *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(x5c_cache *, x5c_cache_free);

/* The chain cached under digest and still valid at now, as a new stack
 * holding new references (the caller frees it), and what verified it into
 * *ret_verifier; NULL if none. */
STACK_OF(X509) *x5c_cache_get(x5c_cache *c, const uint8_t digest[32], time_t now, const void **ret_verifier);
/* Caches chain (new references are taken) as verified by verifier (only
 * compared, e.g. the trust anchors used) until `until`. 0 or -ENOMEM. */
int x5c_cache_put(x5c_cache *c, const uint8_t digest[32], STACK_OF(X509) *chain, const void *verifier,
                  time_t until);
/* Forgets the chain under digest, if cached. */
void x5c_cache_drop(x5c_cache *c, const uint8_t digest[32]);
