/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for b64_decode(): every variant on the same bytes. Because
 * the decoder is strict, anything it accepts must re-encode to exactly the
 * input; a difference means two spellings for one value, which aborts.
 */
#include <stdint.h>
#include <stdlib.h>

#include "b64.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const b64_variant variants[] = { B64_STD, B64_URL, B64_URL_PADDED };

        for (size_t i = 0; i < ELEMENTSOF(variants); i++) {
                _cleanup_free_ uint8_t *out = NULL;
                _cleanup_free_ char *again = NULL;
                size_t n = 0;

                if (b64_decode(variants[i], (const char *) data, size, size, &out, &n) < 0)
                        continue;
                if (out[n] != 0 || b64_encode(variants[i], out, n, &again) < 0)
                        abort();
                if (strlen(again) != size || memcmp(again, data, size) != 0)
                        abort();
        }
        return 0;
}
