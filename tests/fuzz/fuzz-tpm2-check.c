/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the attestation verdicts: input is four chunks, each a
 * u16 big-endian length then bytes: (public, createData, attest, sig) for
 * tpm2_check_creation(), and the same chunks as (pubArea, -, certInfo, sig)
 * for tpm2_check_certify() under the fixed AK of tests/unit/data/tpm2 with
 * extraData 00ff55aa. Seeds are the real swtpm structures.
 */
#include <stdint.h>
#include <stdlib.h>

#include "crypto.h"
#include "tpm2util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* TPMT_PUBLIC of tests/unit/data/tpm2/ak-ecc.pub. */
static const uint8_t ak_ecc[88] = {
        0x00, 0x23, 0x00, 0x0b, 0x00, 0x05, 0x04, 0x72, 0x00, 0x00, 0x00, 0x10,
        0x00, 0x18, 0x00, 0x0b, 0x00, 0x03, 0x00, 0x10, 0x00, 0x20, 0xbc, 0x5d,
        0x0c, 0x96, 0x06, 0x89, 0x44, 0x45, 0xa2, 0xe8, 0x10, 0x0c, 0x4f, 0x18,
        0x36, 0x8f, 0x56, 0x93, 0x7a, 0xe3, 0xae, 0xdb, 0x72, 0x4c, 0x00, 0xb6,
        0x78, 0x05, 0xb2, 0x56, 0xb7, 0x02, 0x00, 0x20, 0x30, 0xe1, 0xc4, 0x8e,
        0xec, 0x00, 0x53, 0x88, 0x8e, 0xc6, 0xbb, 0x49, 0x90, 0xe1, 0x32, 0x7b,
        0xb6, 0xb1, 0xb5, 0xe4, 0x0e, 0x21, 0xd7, 0x07, 0x78, 0xec, 0xf8, 0x32,
        0x9a, 0x03, 0xd9, 0xb5,
};

static EVP_PKEY *ak;

static void ak_free(void) {
        EVP_PKEY_free(ak);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const uint8_t extra[4] = { 0x00, 0xff, 0x55, 0xaa };
        const uint8_t *chunk[4];
        size_t len[4], off = 0;
        const char *why = NULL;

        if (!ak) {
                TPMT_PUBLIC p;
                if (tpm2_public_unmarshal(ak_ecc, sizeof(ak_ecc), &p) < 0 ||
                    tpm2_public_to_pkey(&p, &ak) < 0)
                        abort();
                atexit(ak_free);
        }
        for (int i = 0; i < 4; i++) {
                if (size - off < 2)
                        return 0;
                len[i] = (size_t) (data[off] << 8 | data[off + 1]);
                off += 2;
                if (len[i] > size - off)
                        return 0;
                chunk[i] = data + off;
                off += len[i];
        }

        {
                _cleanup_pkey_ EVP_PKEY *k = NULL;
                TPM2B_NAME n;
                int r = tpm2_check_creation(chunk[0], len[0], chunk[1], len[1], chunk[2], len[2],
                                            chunk[3], len[3], &k, &n, &why);
                if ((r >= 0) != (k != NULL) || (r < 0 && !why && r != -ENOMEM))
                        abort();
        }
        {
                _cleanup_pkey_ EVP_PKEY *k = NULL;
                int r = tpm2_check_certify(ak, chunk[0], len[0], chunk[2], len[2], chunk[3], len[3],
                                           extra, sizeof(extra), &k, &why);
                if ((r >= 0) != (k != NULL) || (r < 0 && !why && r != -ENOMEM))
                        abort();
        }
        return 0;
}
