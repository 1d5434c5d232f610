/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Building and signing one X.509 v2 CRL (RFC 5280 section 5): the issuing
 * CA's name, thisUpdate and nextUpdate, one entry per revoked serial with
 * its revocation date and reason code (absent for "unspecified", as 5.3.1
 * asks), and the CRL Number and Authority Key Identifier extensions. No
 * store: the caller feeds the entries and picks the number.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <openssl/x509.h>

#include "macro.h"

typedef struct crl_builder crl_builder;

/* A builder for a CRL of issuer (borrowed; it must outlive the builder). */
int crl_builder_new(X509 *issuer, crl_builder **ret);
void crl_builder_free(crl_builder *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(crl_builder *, crl_builder_free);

/* Adds a revoked serial: hex (no sign, at most 40 bytes), the time of
 * revocation, an RFC 5280 reason code (0-10 but 7). -EINVAL for a bad
 * serial or reason. */
int crl_builder_add(crl_builder *b, const char *serial_hex, time_t revoked_at, int reason);
size_t crl_builder_count(const crl_builder *b);

/* Signs with key (the issuer's) as CRL number `number`, valid from
 * this_update to next_update; *ret is the DER (malloc'ed). The builder
 * can be signed only once. Returns 0 or -errno. */
int crl_builder_sign(crl_builder *b, EVP_PKEY *key, uint64_t number, time_t this_update, time_t next_update,
                     uint8_t **ret, size_t *ret_len);
