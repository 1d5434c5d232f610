/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON Web Signature (RFC 7515) in the two serializations deviceid needs:
 * flattened JSON (ACME requests, RFC 8555 section 6.2) and compact (JWTs:
 * the X5C one-time token). Algorithms ES256, ES384 (raw r||s signatures,
 * RFC 7518 section 3.4) and RS256. Signing goes through a signer, so TPM
 * keys sign the same way as software keys.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "signer.h"

typedef enum jws_alg {
        JWS_ALG_ES256 = 1 << 0,
        JWS_ALG_ES384 = 1 << 1,
        JWS_ALG_RS256 = 1 << 2,
} jws_alg;
#define JWS_ALG_ALL (JWS_ALG_ES256 | JWS_ALG_ES384 | JWS_ALG_RS256)

/* Upper bound on any JWS we parse; callers may pass smaller limits. */
#define JWS_MAX_SIZE (1024 * 1024) /* ACME challenge answers carry event logs */

const char *jws_alg_to_string(jws_alg a);
/* -EINVAL for unknown names, including "none" and HS*. */
int jws_alg_from_string(const char *s, jws_alg *ret);
/* The algorithm a key signs with: ES256 for P-256, ES384 for P-384, RS256 for RSA. */
int jws_alg_for_key(EVP_PKEY *pkey, jws_alg *ret);

/* Signs payload (len bytes; "" for ACME POST-as-GET) with the signer. The
 * protected header is "alg" (chosen from the signer's key with
 * jws_alg_for_key, written first) followed by the members of `header`
 * (may be NULL; it is not modified; an "alg" in it must name the same
 * algorithm, else -EINVAL). Flattened: *ret is {"protected","payload",
 * "signature"}, malloc'ed. -EOPNOTSUPP if the key has no algorithm here;
 * signer errors are passed through. */
int jws_sign_flattened(signer *s, json_object *header, const void *payload, size_t len, char **ret);
/* Compact: *ret is "b64(header).b64(payload).b64(sig)". */
int jws_sign_compact(signer *s, json_object *header, const void *payload, size_t len, char **ret);

typedef struct jws {
        json_object *header;  /* decoded protected header (owned) */
        jws_alg alg;          /* from the header, validated */
        uint8_t *payload;     /* decoded payload, NUL-terminated (owned) */
        size_t payload_len;
        char *signing_input;  /* "protected.payload" as received (owned) */
        size_t signing_input_len;
        uint8_t *signature;   /* decoded signature (owned) */
        size_t signature_len;
} jws;

void jws_free(jws *j);
DEFINE_TRIVIAL_CLEANUP_FUNC(jws *, jws_free);

/* Parses without verifying. Refuses input above max_len or JWS_MAX_SIZE
 * (-E2BIG), malformed structure or base64url (-EBADMSG), unknown members in
 * the flattened form ("header" unprotected members are refused: ACME forbids
 * them; so is the general "signatures" form), a protected header that is
 * not a JSON object, lacks a string "alg" or has "crit" (-EBADMSG), an
 * empty signature (-EBADMSG), and algorithms outside `allowed`, including
 * "none" and HS* (-EPROTONOSUPPORT). *ret is written only on success. */
int jws_parse_flattened(const char *buf, size_t len, size_t max_len, jws_alg allowed, jws **ret);
int jws_parse_compact(const char *buf, size_t len, size_t max_len, jws_alg allowed, jws **ret);

/* Verifies the signature with key; the key must match the header's alg
 * (EC curve, RSA >= 2048 bits). 0 if valid, -EBADMSG if not (also when the
 * key does not fit the alg, or an ECDSA signature is not exactly 64/96
 * bytes of r||s). */
int jws_verify(const jws *j, EVP_PKEY *key);
