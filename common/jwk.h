/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON Web Keys (RFC 7517/7518) for EC P-256, P-384 and RSA public keys,
 * and the RFC 7638 thumbprint that ACME key authorizations use.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "json.h"

/* Public JWK with the required members only (kty, crv, x, y / kty, n, e). */
int jwk_from_pkey(EVP_PKEY *pkey, json_object **ret);
/* Public key from a JWK; refuses unknown kty/crv, private members, wrong
 * coordinate lengths, points not on the curve, RSA below 2048 bits. */
int jwk_to_pkey(json_object *jwk, EVP_PKEY **ret);
/* The RFC 7638 canonical JSON (required members, sorted, no whitespace). */
int jwk_thumbprint_json(EVP_PKEY *pkey, char **ret);
/* SHA-256 of the canonical JSON. */
int jwk_thumbprint(EVP_PKEY *pkey, uint8_t ret[32]);
/* Same, base64url without padding, malloc'ed. */
int jwk_thumbprint_b64(EVP_PKEY *pkey, char **ret);
