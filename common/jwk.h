/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON Web Keys (RFC 7517/7518) for EC P-256, P-384 and RSA public keys,
 * and the RFC 7638 thumbprint that ACME key authorizations use.
 *
 * EC coordinates are always the full field width (32/48 octets), RSA n and
 * e never carry leading zero octets. RSA keys must have 2048..8192 bit
 * moduli. Errors: -EOPNOTSUPP for key types, curves or sizes outside that
 * set, -EBADMSG for malformed or invalid JWKs, -EINVAL for NULL arguments.
 * Outputs are written only on success.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "json.h"

/* Public JWK with the required members only, in RFC 7638 order
 * ({"crv","kty","x","y"} / {"e","kty","n"}); private keys are fine as input,
 * only the public half is exported. *ret is a new object owned by the caller. */
int jwk_from_pkey(EVP_PKEY *pkey, json_object **ret);
/* Public key from a JWK; refuses unknown kty/crv (-EOPNOTSUPP), private
 * members ("d", "p", "q", "dp", "dq", "qi", "oth"), wrong coordinate lengths,
 * points not on the curve (OpenSSL's full EC public-key check), n or e with
 * leading zero octets, an even n or e, e = 1 or e longer than 8 octets
 * (-EBADMSG), RSA below 2048 or above 8192 bits (-EOPNOTSUPP). Other
 * members (alg, kid, use) are ignored. */
int jwk_to_pkey(json_object *jwk, EVP_PKEY **ret);
/* The RFC 7638 canonical JSON (required members, sorted, no whitespace),
 * malloc'ed. */
int jwk_thumbprint_json(EVP_PKEY *pkey, char **ret);
/* SHA-256 of the canonical JSON. */
int jwk_thumbprint(EVP_PKEY *pkey, uint8_t ret[32]);
/* Same, base64url without padding, malloc'ed. */
int jwk_thumbprint_b64(EVP_PKEY *pkey, char **ret);
