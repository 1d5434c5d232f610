/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cache of signed "good" OCSP responses, by issuing CA, CertID hash
 * algorithm and serial. An entry is reused until it expires (the caller
 * picks, well before the response's nextUpdate) or until a revocation
 * touches its CA: ocsp_cache_invalidate() bumps the CA's generation, and
 * entries of an older generation are dead. A response computed from the
 * database is stored only if no invalidation happened since its lookup
 * began (ocsp_cache_generation() before, ocsp_cache_put() after), so a
 * revocation racing with a lookup never leaves a stale "good" behind.
 * Thread-safe; bounded (OCSP_CACHE_MAX entries, then emptied).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "macro.h"

#define OCSP_CACHE_MAX 65536

typedef struct ocsp_cache ocsp_cache;

int ocsp_cache_new(size_t n_cas, ocsp_cache **ret);
void ocsp_cache_free(ocsp_cache *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(ocsp_cache *, ocsp_cache_free);

uint64_t ocsp_cache_generation(ocsp_cache *c, size_t ca);
void ocsp_cache_invalidate(ocsp_cache *c, size_t ca);

/* A copy of the cached response (malloc'ed) if one is live at `now`:
 * 1; else 0. -ENOMEM. */
int ocsp_cache_get(ocsp_cache *c, size_t ca, int hash_nid, const char *serial, time_t now, uint8_t **ret,
                   size_t *ret_len);
/* Stores a copy unless the CA's generation moved past gen. 0 or -ENOMEM. */
int ocsp_cache_put(ocsp_cache *c, size_t ca, int hash_nid, const char *serial, const uint8_t *der, size_t len,
                   time_t expires, uint64_t gen);
size_t ocsp_cache_size(ocsp_cache *c);
