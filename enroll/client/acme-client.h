/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's RFC 8555 ACME client (protocols.md 2 and 4), over
 * http-client.h and the pure parsers of acme-wire.h: directory, nonces
 * (newNonce, Replay-Nonce reuse, one retry on badNonce), newAccount,
 * flattened JWS with jwk then kid, newOrder, authorizations, challenge
 * answers, bounded polling, finalize and certificate download
 * (acme-client.c).
 *
 * The ACME account is throwaway: its P-256 key is generated in memory when
 * the client is created and dies with it. deviceid's authority is the TPM
 * attestation, not the account, so nothing is lost by making a new one per
 * enrollment (a long-running agent may later keep it in the keyring).
 *
 * Failures are reported in a client_failure (failure.h), the one failure
 * record of all the agent's CA clients, so deviceidctl reports them the
 * same way (kinds CONNECT, REFUSED, RESPONSE, LOCAL). Every acme_client_*
 * call takes one (never NULL) and fills it on failure: the URL, the HTTP
 * status, and for REFUSED the problem's type name and detail. Library code
 * logs at debug only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "enroll/client/acme-wire.h"
#include "enroll/client/failure.h"

typedef struct acme_client acme_client;

/* Fetches the directory at directory_url (https:// only) trusting root_pem
 * (NULL: the system store; the string is copied) and generates the
 * throwaway P-256 account key. No account exists yet. */
int acme_client_new(const char *directory_url, const char *root_pem, acme_client **ret,
                    client_failure *e);
void acme_client_free(acme_client *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(acme_client *, acme_client_free);

/* The account key (borrowed). */
EVP_PKEY *acme_client_account_key(const acme_client *c);

/* newAccount with termsOfServiceAgreed; afterwards requests carry kid. */
int acme_client_new_account(acme_client *c, client_failure *e);

/* newOrder for one identifier. *ret_url is the order URL (Location). */
int acme_client_new_order(acme_client *c, const char *id_type, const char *id_value, acme_order *ret,
                          char **ret_url, client_failure *e);

/* POST-as-GET of an authorization. */
int acme_client_get_authorization(acme_client *c, const char *url, acme_authorization *ret,
                                  client_failure *e);

/* POSTs payload (JSON text) to a challenge URL, then polls the challenge
 * while it is pending or processing. Returns 0 with the final challenge
 * (valid or invalid: the caller decides), or -errno. */
int acme_client_answer_challenge(acme_client *c, const char *url, const char *payload,
                                 acme_challenge *ret, client_failure *e);

/* Polls the order until its status is not pending/processing (for
 * `until_ready`: until not pending). */
int acme_client_poll_order(acme_client *c, const char *order_url, bool until_ready, acme_order *ret,
                           client_failure *e);

/* Finalizes with a DER CSR and polls until valid; -EPROTO (RESPONSE) if
 * the order ends invalid. *ret is the valid order. */
int acme_client_finalize(acme_client *c, const acme_order *order, const char *order_url,
                         const uint8_t *csr_der, size_t csr_len, acme_order *ret, client_failure *e);

/* Downloads the certificate chain (PEM, leaf first) of a valid order. */
int acme_client_download(acme_client *c, const char *cert_url, char **ret_pem, size_t *ret_len,
                         client_failure *e);
