/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The signer abstraction: "something that holds a private key and signs a
 * digest". JWS/JWT, CSR building and anything else that signs goes through
 * it, so a key in the TPM (enroll/tpm.h provides a signer for TPM keys) and a
 * software key (signer_new_evp) are used the same way.
 *
 * Signature formats are those of X.509/OpenSSL: ECDSA as a DER
 * ECDSA-Sig-Value, RSA as PKCS#1 v1.5 bytes. The JWS layer converts ECDSA
 * to raw r||s itself.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

typedef struct signer signer;

typedef struct signer_ops {
        /* Signs a digest made with the hash named by md_nid (NID_sha256,
         * NID_sha384). Returns 0 and a malloc'ed signature, or -errno. */
        int (*sign_digest)(void *userdata, int md_nid, const uint8_t *digest, size_t digest_len,
                           uint8_t **ret_sig, size_t *ret_sig_len);
        /* Releases userdata; may be NULL. */
        void (*free_userdata)(void *userdata);
} signer_ops;

/* Creates a signer from ops. pub is the public half; the signer takes its own
 * reference. On failure userdata is NOT released. Returns 0 or -errno. */
int signer_new(const signer_ops *ops, void *userdata, EVP_PKEY *pub, signer **ret);

/* Software signer over an OpenSSL private key (EC P-256/P-384, RSA); takes
 * its own reference to pkey. Returns 0 or -errno (-EINVAL: not a private key
 * of a supported type). */
int signer_new_evp(EVP_PKEY *pkey, signer **ret);

/* Public key of the signer; borrowed, valid as long as the signer. */
EVP_PKEY *signer_public_key(const signer *s);

/* Digest nid a signature with this key should use by default:
 * NID_sha384 for P-384, NID_sha256 otherwise. */
int signer_default_md(const signer *s);

int signer_sign_digest(signer *s, int md_nid, const uint8_t *digest, size_t digest_len,
                       uint8_t **ret_sig, size_t *ret_sig_len);

/* Hashes data with md_nid and signs the digest. */
int signer_sign(signer *s, int md_nid, const void *data, size_t len, uint8_t **ret_sig,
                size_t *ret_sig_len);

void signer_free(signer *s);
static inline void signer_freep(signer **s) {
        signer_free(*s);
}
