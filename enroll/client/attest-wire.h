/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Attestation CA wire formats, device side (protocols.md 1): pure
 * builders and parsers of the four JSON bodies of the exchange
 * (attest-wire.c). No I/O; every parser has explicit length limits and a
 * fuzz target (tests/fuzz/fuzz-attest-client.c).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <openssl/x509.h>

#include "enroll/tpm/tpm-ek.h"
#include "enroll/tpm/tpm-info.h"
#include "enroll/tpm/tpm-key.h"

/* Limits on what the CA may send. A response body above
 * ATTEST_CLIENT_MAX_RESPONSE is refused before parsing. The credential and
 * encrypted secret are a few hundred bytes at most (TPM2B_ENCRYPTED_SECRET
 * of an RSA-4096 EK: 514). */
#define ATTEST_CLIENT_MAX_RESPONSE (256u * 1024u)
#define ATTEST_CLIENT_MAX_BLOB 600u
#define ATTEST_CLIENT_MAX_CERTS 8u
#define ATTEST_CLIENT_MAX_CERT_DER (16u * 1024u)

/* The /attest request body of protocols.md 1: tpmInfo from info (version
 * 2, manufacturer_dec, model, firmware), ek = DER SPKI of ek->pkey,
 * ekCerts = [ek->cert] or [] when the TPM has none, params from p (all four
 * members required, non-empty). *ret is a malloc'ed compact JSON string. */
int attest_client_build_attest_request(const tpm_info *info, const tpm_ek *ek,
                                       const tpm_ak_params *p, char **ret);

/* The challenge of a /attest response, both with their 2-byte size
 * prefixes, as tpm_activate_credential() takes them. */
typedef struct attest_challenge {
        uint8_t *credential; /* TPM2B_ID_OBJECT */
        size_t credential_len;
        uint8_t *secret;     /* TPM2B_ENCRYPTED_SECRET */
        size_t secret_len;
} attest_challenge;
/* Frees both buffers and zeroes *c; safe on a zeroed struct. */
void attest_challenge_done(attest_challenge *c);

/* Parses `{"credential": b64, "secret": b64}` (standard base64, padded;
 * other members ignored). Each must decode to at most
 * ATTEST_CLIENT_MAX_BLOB bytes whose first two bytes (big-endian) give the
 * length of the rest, which must be non-zero. -E2BIG if the body is longer
 * than ATTEST_CLIENT_MAX_RESPONSE or a member too long; -EBADMSG for
 * anything malformed (not JSON, not an object, missing member, wrong type,
 * bad base64, size prefix mismatch). *ret is written only on success. */
int attest_client_parse_attest_response(const char *body, size_t len, attest_challenge *ret);

/* `{"secret": "<b64>"}` for the recovered secret (1..64 bytes). The result
 * holds the secret: erase it with erase_and_free(*ret, strlen(*ret)). It is
 * built without json-c so that no unerased copy is left behind. */
int attest_client_build_secret_request(const uint8_t *secret, size_t len, char **ret);

/* Parses `{"chain": [b64 DER, ...]}`: 1..ATTEST_CLIENT_MAX_CERTS entries,
 * each a standard base64 string of at most ATTEST_CLIENT_MAX_CERT_DER bytes
 * that parses as one X.509 certificate. Order is kept (AK certificate
 * first). -E2BIG for too long a body, too many entries or too large an
 * entry; -EBADMSG for anything malformed. *ret is the caller's. */
int attest_client_parse_secret_response(const char *body, size_t len, STACK_OF(X509) **ret);

/* A fresh random (OpenSSL RAND) UUID version 4 in lowercase, for the
 * X-Request-Id header. */
int attest_client_request_id(char ret[static 37]);
