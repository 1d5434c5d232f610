/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for acme_key_change_parse() (ca/acme/acme-keychange.c): any
 * bytes as the payload of a keyChange request, i.e. the inner JWS, with
 * the outer url fixed to https://localhost/acme/acme/key-change (the url
 * the seeds were signed for).
 */
#include <stdint.h>
#include <stdlib.h>

#include "ca/acme/acme-payload.h"
#include "crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_pkey_ EVP_PKEY *key = NULL;
        acme_key_change kc = {};
        acme_problem p = {};

        if (acme_key_change_parse(data, size, "https://localhost/acme/acme/key-change", &key, &kc, &p) == 0) {
                if (!key || !kc.account || !kc.old_key)
                        abort();
                acme_key_change_done(&kc);
        }
        return 0;
}
