/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for jws_parse_compact() and jws_verify(): parse with every
 * algorithm allowed and verify against a fixed P-256 key and a fixed RSA
 * key (the RFC 7515 appendix A.3 and A.2 public keys), so both signature
 * paths see hostile input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "crypto.h"
#include "jwk.h"
#include "jws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fixed_jwks[] = {
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
        "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}",
        "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26"
        "mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47s"
        "oMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTB"
        "QY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW"
        "9gb54h4FRWyuXpoQ\"}",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(jws_freep) jws *j = NULL;

        if (jws_parse_compact((const char *) data, size, JWS_MAX_SIZE, JWS_ALG_ALL, &j) < 0)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(fixed_jwks); i++) {
                _cleanup_json_ json_object *o = NULL;
                _cleanup_pkey_ EVP_PKEY *k = NULL;

                if (json_parse_object(fixed_jwks[i], strlen(fixed_jwks[i]), 4096, &o) < 0 ||
                    jwk_to_pkey(o, &k) < 0)
                        abort();
                (void) jws_verify(j, k);
        }
        return 0;
}
