/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Account certificates from the Account CA (protocols.md 3): an X5C
 * one-time token signed by the device key (through its signer, so by the
 * TPM) and POST /1.0/sign with a CSR for the account key.
 *
 *  - pure: the --account specification, the audience, the claims, the
 *    request body and the response parser (limits; fuzzed by
 *    tests/fuzz/fuzz-sign-client.c);
 *  - sign_client_sign: one request over http-client.h.
 *
 * Errors are -errno; failures of the exchange go into a
 * client_failure (failure.h) for the caller to report once.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>

#include "cert-bundle.h"
#include "enroll/client/failure.h"
#include "enroll/client/posture-client.h"
#include "signer.h"

#define SIGN_CLIENT_PROVISIONER "devices"
#define SIGN_CLIENT_TOKEN_LIFETIME 300 /* seconds */
#define SIGN_CLIENT_MAX_RESPONSE (128u * 1024u)
#define SIGN_CLIENT_MAX_CHAIN 8u
#define SIGN_CLIENT_MAX_PEM (16u * 1024u) /* one certificate PEM */
#define SIGN_CLIENT_MAX_SUB 64u
#define SIGN_CLIENT_MAX_SANS 16u
#define SIGN_CLIENT_MAX_SAN 253u

/* One --account NAME[:SUB[:SAN,...]][:tpm]. */
typedef struct sign_client_account {
        char *name;   /* keyring entry name (keyring_account_name_is_valid) */
        char *sub;    /* the CN; defaults to name */
        char **sans;  /* 0..SIGN_CLIENT_MAX_SANS; none: the CA's default [sub] */
        size_t n_sans;
        bool tpm;     /* key in the TPM (TSS2 blob) instead of software PKCS#8 */
        char *provisioner; /* the X5C provisioner (token iss); NULL: SIGN_CLIENT_PROVISIONER */
} sign_client_account;
void sign_client_account_done(sign_client_account *a);

/* Parses the specification. A trailing ":tpm" field selects a TPM key;
 * empty SUB means name; SANs are comma-separated, non-empty, printable
 * ASCII without ':' ',' or blanks, at most SIGN_CLIENT_MAX_SAN bytes.
 * NAME must be a valid keyring account name. -EINVAL for anything else,
 * -E2BIG above the limits. Pure. */
int sign_client_parse_account_spec(const char *spec, sign_client_account *ret);

/* "https://HOST[:PORT]/1.0/sign#x5c/PROVISIONER" from a CA base URL
 * ("https://HOST[:PORT]", an optional trailing '/', no path). -EINVAL
 * otherwise. Pure. */
int sign_client_audience(const char *ca_url, const char *provisioner, char **ret);

/* The claims: iss = provisioner, aud, sub, sans (omitted when n_sans is
 * 0), iat = nbf = now, exp = now + SIGN_CLIENT_TOKEN_LIFETIME, jti, and
 * cnf {"x5rt#S256": csr_thumb} when csr_thumb is not NULL. Pure. */
int sign_client_build_claims(const char *provisioner, const char *aud, const char *sub,
                             char *const *sans, size_t n_sans, const char *jti, time_t now,
                             const char *csr_thumb, char **ret);

/* 64 lowercase hex characters from 32 random bytes. */
int sign_client_new_jti(char ret[static 65]);

/* The compact JWS: header {"alg", "typ":"JWT", "kid", "x5c":[std b64 DER
 * of every certificate of x5c, 1..4]} over claims, signed by s. */
int sign_client_build_token(signer *s, STACK_OF(X509) *x5c, const char *kid, const char *claims,
                            char **ret);

/* {"csr": PEM, "ott": token, "eventlog"?: std base64 of the TCG event log
 * the token's posture report names by digest (docs/posture.md)},
 * malloc'ed. */
int sign_client_build_request(const char *csr_pem, const char *ott, const uint8_t *eventlog, size_t eventlog_len,
                              char **ret);

/* Parses a 201 body {"crt": PEM, "ca": PEM, "certChain": [PEM, ...]}:
 * the chain is crt followed by certChain[1..] (certChain[0] must be crt),
 * or by ca when certChain is absent. Each PEM at most SIGN_CLIENT_MAX_PEM
 * bytes, at most SIGN_CLIENT_MAX_CHAIN certificates, body at most
 * SIGN_CLIENT_MAX_RESPONSE (-E2BIG); -EBADMSG for anything malformed. */
int sign_client_parse_response(const char *body, size_t len, STACK_OF(X509) **ret);

/* One account certificate: builds a CSR (CN = sub, the SANs) signed by
 * `account`, a token signed by `device` (iss = the account's provisioner)
 * with x5c = device_chain (the device certificate and its intermediates)
 * and the CSR bound by cnf, POSTs {ca_url}/1.0/sign (TLS anchored by
 * tls_roots, may be NULL) and checks the answer: leaf key = the account
 * key, and the chain verifies to issuer when given (the root the
 * Account CA's certificates chain to, such as deviceid-ca's
 * account-root.pem), else each certificate of it is signed by the next
 * (the CA is the one TLS authenticated). With posture (may be NULL),
 * the token carries the "deviceid/posture" claim (posture-client.h).
 * 0 and *ret_chain (leaf first; the caller's), or -errno with *e
 * filled. */
int sign_client_sign(const char *ca_url, const cert_bundle *tls_roots, const cert_bundle *issuer, signer *device,
                     STACK_OF(X509) *device_chain, const sign_client_account *acct, signer *account,
                     const posture_source *posture, cert_bundle *ret, client_failure *e);
