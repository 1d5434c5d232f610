/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the credential parsers: input is TPM2B_ID_OBJECT ||
 * TPM2B_ENCRYPTED_SECRET (tpm2_makecredential's file without its 8-byte
 * header). Both are parsed with tpm2b_*_unmarshal(), the blob is unwrapped
 * under a fixed seed, and the pair goes through the software activation
 * with a fixed ECC P-256 EK (the key the seeds were made for) and a fixed
 * RSA EK.
 */
#include <stdint.h>
#include <stdlib.h>
#include <openssl/pem.h>

#include "crypto.h"
#include "tpm2util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tests/unit/data/tpm2/softek-ecc.key, a test key only. */
static const char ek_pem[] =
        "-----BEGIN PRIVATE KEY-----\n"
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1oglzdefeEVWyDJ/\n"
        "Z8xUi/hzqnoJDry4HdiF16Ek59yhRANCAASyL5S/Yg5nDp/4tl9zLswhd16r1aGs\n"
        "i+gIQdPI9p+mNtcHVPX/JDE4S/thDK7uMvksjOL8rCV9SlLuShr7xqAC\n"
        "-----END PRIVATE KEY-----\n";

/* Name of tests/unit/data/tpm2/ak-ecc.pub, which the seeds were made for. */
static const uint8_t ak_name[34] = {
        0x00, 0x0b, 0x98, 0x5d, 0xe2, 0x41, 0xa3, 0x38, 0x62, 0x54, 0xfb, 0x35,
        0xd4, 0x8c, 0x3a, 0xcf, 0x96, 0x56, 0x79, 0xff, 0xbd, 0xa3, 0x88, 0x85,
        0xd4, 0x54, 0xc5, 0x10, 0x40, 0x98, 0x34, 0x07, 0xd7, 0x7d,
};

static EVP_PKEY *ec_ek, *rsa_ek;

static void keys_free(void) {
        EVP_PKEY_free(ec_ek);
        EVP_PKEY_free(rsa_ek);
}

static void keys_init(void) {
        BIO *bio;

        if (ec_ek)
                return;
        bio = BIO_new_mem_buf(ek_pem, -1);
        ec_ek = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
        rsa_ek = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
        if (!ec_ek || !rsa_ek)
                abort();
        atexit(keys_free);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const tpm2_ek_scheme scheme = { TPM2_ALG_SHA256, 128 };
        static const uint8_t seed[32] = { 1, 2, 3 };
        TPM2B_ENCRYPTED_SECRET es;
        TPM2B_ID_OBJECT id;
        size_t idlen;

        keys_init();
        if (size < 2)
                return 0;
        idlen = 2 + (size_t) (data[0] << 8 | data[1]);
        if (idlen > size)
                idlen = size;
        (void) tpm2b_id_object_unmarshal(data, idlen, &id);
        (void) tpm2b_encrypted_secret_unmarshal(data + idlen, size - idlen, &es);

        for (int i = 0; i < 3; i++) {
                _cleanup_free_ uint8_t *out = NULL;
                size_t out_len = 0;
                int r;

                if (i == 0)
                        r = tpm2_credential_unwrap(&scheme, seed, sizeof(seed), ak_name,
                                                   sizeof(ak_name), data, idlen, &out, &out_len);
                else
                        r = tpm2_activate_credential_soft(i == 1 ? ec_ek : rsa_ek, NULL, ak_name,
                                                          sizeof(ak_name), data, idlen,
                                                          data + idlen, size - idlen, &out,
                                                          &out_len);
                if (r >= 0 && (out_len == 0 || out_len > 64))
                        abort();
        }
        return 0;
}
