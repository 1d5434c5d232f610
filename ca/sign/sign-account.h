/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The accounts of the Account CA (docs/accounts.md): each account of the
 * inventory (ca/inventory/accounts.h) is an X5C provisioner of its name
 * whose roots are the Agent CA, and the CA, not the token, decides the
 * certificate: subject and SANs from the account's templates filled in
 * from the device record, key kind and lifetime from its definition.
 * This file holds those decisions for sign.c, and the account list a
 * device asks for (GET /1.0/accounts).
 */
#pragma once

#include <openssl/x509.h>

#include "ca/core/refusal.h"
#include "ca/core/store.h"
#include "ca/inventory/accounts.h"
#include "ca/inventory/devices.h"
#include "json.h"
#include "x5c-token.h"

/* What the account lets this device have: the account (the token's iss)
 * must exist (403 "unknown or removed"), target the device (403) and give
 * it valid names (403 naming the template). 0 and *ret_account,
 * *ret_names; -EPERM with *ref; -errno. */
int sign_account_resolve(store *st, const char *name, const device *dev, account *ret_account,
                         account_names *ret_names, ca_refusal *ref);

/* The token and the CSR may ask only for what the account gives: the
 * token's sub the account's subject, its "sans" (when given) and the
 * CSR's SANs among the account's SANs (or the subject), the CSR's CN (if
 * any) the subject. A CSR asking for validity is the CA's to refuse
 * elsewhere. 0, or -EPERM with a 400 naming the name at fault. */
int sign_account_check_names(const account_names *n, const x5c_token *t, const x509_csr *csr, ca_refusal *ref);

/* The account list of a device: {"accounts": [{"name", "provisioner",
 * "sub", "sans": [..], "key": "software"|"tpm", "lifetime": seconds}]},
 * every account that targets it and gives it valid names (the others are
 * left out and logged). */
int sign_account_list(store *st, const device *dev, json_object **ret);
