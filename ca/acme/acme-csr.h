/* SPDX-License-Identifier: Apache-2.0 */
/*
 * finalize's CSR policy for ordinary provisioners (acme-csr.c; device
 * provisioners: acme-device.h), pure.
 */
#pragma once

#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "acme-payload.h"
#include "acme-problem.h"

/* The names requested (SAN DNS/IP and a CN) must be exactly the order's
 * identifiers; the key must be a supported type and not the account key.
 * *ret_cn: CN for the certificate (malloc'ed, may be NULL). 0 or -EPROTO
 * (badCSR) or -errno. */
int acme_csr_check(X509_REQ *csr, const acme_identifier *ids, size_t n_ids, EVP_PKEY *account_key,
                   char **ret_cn, acme_problem *p);
/* The order's identifiers from its stored JSON (acme_order_row.identifiers). */
int acme_identifiers_from_json(const char *text, acme_identifier **ret, size_t *ret_n);
