/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target of the TPM key-file parsers (enroll/tpm-pem.c): the input is
 * tried as a `TSS2 PRIVATE KEY` PEM, as the DER TPMKey inside it, and, split
 * at its first byte, as a pair of TPM2B_PUBLIC / TPM2B_PRIVATE blobs.
 */
#include "enroll/tpm/tpm-internal.h"
#include "enroll/tpm/tpm-key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const uint8_t *pub, *priv;
        size_t pub_len, priv_len;
        tpm_key *k = NULL;

        if (tpm_key_from_pem((const char *) data, size, &k) >= 0) {
                char *pem = NULL;
                if (tpm_key_to_pem(k, &pem, NULL) >= 0)
                        free(pem);
                tpm_key_free(k);
                k = NULL;
        }
        if (tpm_pem_decode_der(data, size, &pub, &pub_len, &priv, &priv_len) >= 0 &&
            tpm_key_from_blobs(pub, pub_len, priv, priv_len, &k) >= 0) {
                tpm_key_free(k);
                k = NULL;
        }
        if (size > 1) {
                size_t cut = 1 + data[0] % (size - 1);
                if (tpm_key_from_blobs(data + 1, cut - 1, data + cut, size - cut, &k) >= 0)
                        tpm_key_free(k);
        }
        return 0;
}
