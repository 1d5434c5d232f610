/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store module "revoke": CRL numbers, which only grow (RFC 5280
 * 5.2.3), one counter per CRL issuer, and an index that keeps the
 * revoked-certificate queries of the CRL signer cheap.
 */
#pragma once

#include <stdint.h>

#include "ca/core/store.h"

/* Applies the module's migrations (after certificates_store_migrate()). */
int revoke_store_migrate(store *st);

/* The next CRL number of issuer `name` ("agent", "root", ...), from 1;
 * stored before it is returned, so a number is never handed out twice. */
int crl_number_next(store *st, const char *name, uint64_t *ret);
