/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The account list of the Account CA (docs/accounts.md): which accounts
 * this device should hold, asked with GET /1.0/accounts and an X5C token
 * signed by the device key (iss "accounts", aud ".../1.0/accounts", sub
 * the device's EK URI).
 *
 *  - pure: the audience, the claims and the response parser (limits;
 *    fuzzed by tests/fuzz/fuzz-accounts-client.c);
 *  - accounts_client_fetch: one request over http-client.h.
 *
 * Errors are -errno; failures of the exchange go into a client_failure
 * (failure.h) for the caller to report once.
 */
#pragma once

#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>

#include "cert-bundle.h"
#include "enroll/client/failure.h"
#include "macro.h"
#include "enroll/client/sign-client.h"
#include "signer.h"

#define ACCOUNTS_CLIENT_ISS "accounts"
#define ACCOUNTS_CLIENT_MAX_RESPONSE (64u * 1024u)
#define ACCOUNTS_CLIENT_MAX_ACCOUNTS 16u
#define ACCOUNTS_CLIENT_MAX_PROVISIONER 64u
#define ACCOUNTS_CLIENT_MIN_LIFETIME 300
#define ACCOUNTS_CLIENT_MAX_LIFETIME (365 * 86400)

/* The accounts the CA lists, in its order; each with its provisioner set. */
typedef struct accounts_list {
        sign_client_account *v;
        size_t n;
} accounts_list;
void accounts_list_free(accounts_list *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(accounts_list *, accounts_list_free);

/* Parses a 200 body {"accounts": [{"name", "provisioner"?, "sub",
 * "sans"?, "key"?, "lifetime"?}, ...]} with the limits of
 * docs/accounts.md: at most ACCOUNTS_CLIENT_MAX_RESPONSE bytes (-E2BIG),
 * at most ACCOUNTS_CLIENT_MAX_ACCOUNTS accounts (-E2BIG), names valid and
 * unique, sub 1..SIGN_CLIENT_MAX_SUB bytes without control characters,
 * at most SIGN_CLIENT_MAX_SANS SANs of 1..SIGN_CLIENT_MAX_SAN printable
 * ASCII bytes, key "software" or "tpm", lifetime an integer in range.
 * Other members are ignored. Anything else: -EBADMSG with a static
 * reason in *ret_why. *ret is written only on success. Pure. */
int accounts_client_parse(const char *body, size_t len, accounts_list **ret, const char **ret_why);

/* "https://HOST[:PORT]/1.0/accounts" from a CA base URL. Pure. */
int accounts_client_audience(const char *ca_url, char **ret);

/* The device's EK URI: the PermanentIdentifier SAN of its certificate.
 * -ENOENT if it has none. */
int accounts_client_device_ek_uri(X509 *device_cert, char **ret);

/* GET {ca_url}/1.0/accounts with a fresh token signed by device (x5c =
 * device_chain: the device certificate first), TLS anchored by tls_roots
 * (may be NULL: the system store). 0 and *ret, or -errno with *e filled
 * (CLIENT_FAIL_RESPONSE with the parser's reason for a malformed or
 * oversized list). */
int accounts_client_fetch(const char *ca_url, const cert_bundle *tls_roots, signer *device, STACK_OF(X509) *device_chain,
                          accounts_list **ret, client_failure *e);
