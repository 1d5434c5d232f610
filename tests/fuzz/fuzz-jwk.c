/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for jwk_to_pkey(): any JSON text as a JWK. A key that is
 * accepted must export, thumbprint, and import back to the same key.
 */
#include <stdint.h>
#include <stdlib.h>

#include "crypto.h"
#include "jwk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_json_ json_object *o = NULL, *exported = NULL;
        _cleanup_pkey_ EVP_PKEY *k = NULL, *back = NULL;
        _cleanup_free_ char *tp = NULL;

        if (json_parse_object((const char *) data, size, 16 * 1024, &o) < 0)
                return 0;
        if (jwk_to_pkey(o, &k) < 0)
                return 0;
        if (jwk_from_pkey(k, &exported) < 0 || jwk_thumbprint_b64(k, &tp) < 0)
                abort();
        if (jwk_to_pkey(exported, &back) < 0 || EVP_PKEY_eq(k, back) != 1)
                abort();
        return 0;
}
