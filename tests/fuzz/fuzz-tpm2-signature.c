/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for tpm2_signature_unmarshal(), tpm2_signature_to_der() and
 * tpm2_signature_verify(): any bytes as a TPMT_SIGNATURE, verified against
 * a fixed ECC P-256 key (the AK of tests/unit/data/tpm2) and a fixed RSA
 * key. Nothing random may verify; an accepted structure must marshal back
 * to the same bytes.
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

static EVP_PKEY *ec_key, *rsa_key;

static void keys_free(void) {
        EVP_PKEY_free(ec_key);
        EVP_PKEY_free(rsa_key);
}

static void keys_init(void) {
        TPMT_PUBLIC p;

        if (ec_key)
                return;
        if (tpm2_public_unmarshal(ak_ecc, sizeof(ak_ecc), &p) < 0 ||
            tpm2_public_to_pkey(&p, &ec_key) < 0)
                abort();
        rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
        if (!rsa_key)
                abort();
        atexit(keys_free);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const uint8_t msg[] = "deviceid fuzz message";
        _cleanup_free_ uint8_t *der = NULL, *m = NULL;
        size_t der_len = 0, mlen = 0;
        TPMT_SIGNATURE s;
        int nid;

        keys_init();
        if (tpm2_signature_unmarshal(data, size, &s) < 0)
                return 0;
        if (tpm2_signature_marshal(&s, &m, &mlen) < 0 || mlen != size || memcmp(m, data, size) != 0)
                abort();
        (void) tpm2_signature_to_der(&s, &der, &der_len, &nid);
        if (tpm2_signature_verify(ec_key, &s, msg, sizeof(msg)) == 0 ||
            tpm2_signature_verify(rsa_key, &s, msg, sizeof(msg)) == 0)
                abort();
        return 0;
}
