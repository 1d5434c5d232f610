/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for tpm2_public_unmarshal() and everything that reads a
 * TPMT_PUBLIC: Name, OpenSSL key, strength, EK scheme and EK policy. An
 * accepted structure must marshal back to the very same bytes and have the
 * same Name computed both ways.
 */
#include <stdint.h>
#include <stdlib.h>

#include "crypto.h"
#include "tpm2util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_pkey_ EVP_PKEY *k = NULL;
        _cleanup_free_ uint8_t *m = NULL;
        TPM2B_NAME n1, n2;
        TPMT_PUBLIC p;
        tpm2_ek_scheme s;
        tpm2_ek_policy pol;
        size_t mlen = 0;
        TPM2B_PUBLIC p2b;

        (void) tpm2b_public_unmarshal(data, size, &p2b);
        if (tpm2_public_unmarshal(data, size, &p) < 0)
                return 0;
        if (tpm2_public_marshal(&p, &m, &mlen) < 0 || mlen != size || memcmp(m, data, size) != 0)
                abort();
        if (tpm2_public_name(&p, &n1) >= 0) {
                if (tpm2_public_name_from_bytes(data, size, &n2) < 0 || n1.size != n2.size ||
                    memcmp(n1.name, n2.name, n1.size) != 0)
                        abort();
        }
        (void) tpm2_public_to_pkey(&p, &k);
        (void) tpm2_public_check_strength(&p);
        (void) tpm2_ek_scheme_from_public(&p, &s);
        (void) tpm2_ek_policy_of(&p, &pol);
        return 0;
}
