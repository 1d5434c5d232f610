/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for jws_parse_flattened() and jws_verify(): parse with every
 * algorithm allowed, then verify with the key from the header's "jwk" (as
 * an ACME server does for newAccount) and with a fixed P-256 key.
 */
#include <stdint.h>
#include <stdlib.h>

#include "crypto.h"
#include "jwk.h"
#include "jws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 7515 appendix A.3 public key. */
static const char fixed_jwk[] =
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
        "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(jws_freep) jws *j = NULL;
        _cleanup_pkey_ EVP_PKEY *header_key = NULL, *fixed = NULL;
        _cleanup_json_ json_object *fixed_o = NULL;
        json_object *jwk;

        if (jws_parse_flattened((const char *) data, size, JWS_MAX_SIZE, JWS_ALG_ALL, &j) < 0)
                return 0;
        if (json_get_object_opt(j->header, "jwk", &jwk) > 0 && jwk_to_pkey(jwk, &header_key) >= 0)
                (void) jws_verify(j, header_key);
        if (json_parse_object(fixed_jwk, strlen(fixed_jwk), sizeof(fixed_jwk), &fixed_o) < 0 ||
            jwk_to_pkey(fixed_o, &fixed) < 0)
                abort();
        (void) jws_verify(j, fixed);
        return 0;
}
