/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for tpm2_attest_unmarshal() and
 * tpm2_creation_data_unmarshal(): any bytes as a TPMS_ATTEST and as a
 * TPMS_CREATION_DATA. Accepted structures must marshal back to the same
 * bytes.
 */
#include <stdint.h>
#include <stdlib.h>

#include "macro.h"
#include "tpm2util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ uint8_t *m = NULL, *m2 = NULL;
        TPMS_CREATION_DATA cd;
        size_t mlen = 0;
        TPMS_ATTEST a;

        if (tpm2_attest_unmarshal(data, size, &a) >= 0) {
                if (tpm2_attest_marshal(&a, &m, &mlen) < 0 || mlen != size ||
                    memcmp(m, data, size) != 0)
                        abort();
        }
        if (tpm2_creation_data_unmarshal(data, size, &cd) >= 0) {
                if (tpm2_creation_data_marshal(&cd, &m2, &mlen) < 0 || mlen != size ||
                    memcmp(m2, data, size) != 0)
                        abort();
        }
        return 0;
}
