/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys under the SRK: attestation keys, device and account keys. A
 * tpm_key is a key's blobs (TPM2B_PUBLIC, TPM2B_PRIVATE wrapped by the
 * SRK) and its public key; it holds no TPM handle. Defined in tpm-key.c,
 * key files in tpm-pem.c, the signer in tpm-signer.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "enroll/tpm/tpm.h"
#include "signer.h"

/* "ecc256"/"p256"/"ec256" and "rsa2048" (-EINVAL otherwise). */
int tpm_key_alg_from_string(const char *s);
const char *tpm_key_alg_to_string(tpm_key_alg alg);

void tpm_key_free(tpm_key *k);
static inline void tpm_key_freep(tpm_key **k) {
        tpm_key_free(*k);
}

/* The public key (borrowed, valid as long as k). */
EVP_PKEY *tpm_key_public_key(const tpm_key *k);
/* The TPMT_PUBLIC structure (borrowed). */
const TPMT_PUBLIC *tpm_key_public(const tpm_key *k);
/* The marshalled TPMT_PUBLIC, no size prefix (the AK `public` of
 * protocols.md 1, the `pubArea` of 2); malloc'ed. */
int tpm_key_public_area(const tpm_key *k, uint8_t **ret, size_t *ret_len);
/* The key's Name (nameAlg || SHA-256(TPMT_PUBLIC)). */
int tpm_key_name(const tpm_key *k, TPM2B_NAME *ret);
/* true for restricted signing keys (AKs). */
bool tpm_key_is_restricted(const tpm_key *k);

/* Saves / restores a key as its two marshalled blobs, TPM2B_PUBLIC and
 * TPM2B_PRIVATE with their size prefixes (as tpm2_create -u/-r write them).
 * Restoring parses only (-EBADMSG if truncated or trailing bytes; -EPERM
 * unless it is a sign | fixedTPM | fixedParent key that is not a storage
 * key); the TPM checks the private part at the next load (a blob of
 * another TPM or parent: -EBADE / -EINVAL then). */
int tpm_key_to_blobs(const tpm_key *k, uint8_t **ret_pub, size_t *ret_pub_len, uint8_t **ret_priv,
                     size_t *ret_priv_len);
int tpm_key_from_blobs(const uint8_t *pub, size_t pub_len, const uint8_t *priv, size_t priv_len,
                       tpm_key **ret);

/* The key as a `TSS2 PRIVATE KEY` PEM (OID 2.23.133.10.1.3, emptyAuth
 * TRUE, parent 0x40000001), as OpenSSL's tpm2 provider loads it; and back
 * (also files written by tpm2-openssl): -EBADMSG for anything malformed
 * or another parent, -EOPNOTSUPP for a key that needs an auth value,
 * -EPERM if it is not a signing key. */
int tpm_key_to_pem(const tpm_key *k, char **ret, size_t *ret_len);
int tpm_key_from_pem(const char *pem, size_t len, tpm_key **ret);

/* Output of TPM2_CertifyCreation of an AK by itself (protocols.md 1
 * `params`), all without size prefixes; malloc'ed. */
typedef struct tpm_ak_params {
        uint8_t *public;      size_t public_len;      /* TPMT_PUBLIC */
        uint8_t *create_data; size_t create_data_len; /* TPMS_CREATION_DATA */
        uint8_t *attest;      size_t attest_len;      /* TPMS_ATTEST (ATTEST_CREATION) */
        uint8_t *signature;   size_t signature_len;   /* TPMT_SIGNATURE */
} tpm_ak_params;
void tpm_ak_params_done(tpm_ak_params *p);

/* Creates an attestation key under the SRK: restricted | sign | fixedTPM |
 * fixedParent | sensitiveDataOrigin | userWithAuth | noDA, nameAlg
 * SHA-256, ECDSA-SHA256 on P-256 or RSASSA-SHA256 RSA-2048; then has it
 * certify its own creation (empty qualifying data). *ret_params may be
 * NULL. Returns 0 or -errno; on failure nothing is written. */
int tpm_ak_create(tpm_ctx *t, tpm_key_alg alg, tpm_key **ret_ak, tpm_ak_params *ret_params);

/* Creates a device or account key under the SRK: sign | fixedTPM |
 * fixedParent | sensitiveDataOrigin | userWithAuth | noDA, NOT restricted,
 * nameAlg SHA-256, ECDSA-SHA256 P-256 or RSASSA-SHA256 RSA-2048
 * (protocols.md 2). */
int tpm_key_create(tpm_ctx *t, tpm_key_alg alg, tpm_key **ret);

/* TPM2_Certify(object = key, signHandle = ak, qualifyingData): returns
 * the TPMS_ATTEST (`certInfo`) and TPMT_SIGNATURE (`sig`) bytes, no size
 * prefixes, malloc'ed. qualifying may be up to 64 bytes (32 in ACME). */
int tpm_key_certify(tpm_ctx *t, const tpm_key *key, const tpm_key *ak, const uint8_t *qualifying,
                    size_t qualifying_len, uint8_t **ret_attest, size_t *ret_attest_len,
                    uint8_t **ret_sig, size_t *ret_sig_len);

/* TPM2_Sign of a digest with a non-restricted key; the signature in signer
 * format (ECDSA DER, RSA PKCS#1 v1.5). Our keys have a fixed SHA-256
 * scheme; keys with a NULL scheme (e.g. made by tpm2-openssl) are signed
 * with ECDSA / RSASSA and SHA-256 or SHA-384. -EOPNOTSUPP for a digest the
 * key's scheme does not allow, -EINVAL if digest_len does not match. */
int tpm_key_sign_digest(tpm_ctx *t, const tpm_key *key, int md_nid, const uint8_t *digest,
                        size_t digest_len, uint8_t **ret_sig, size_t *ret_sig_len);

/* A signer (common/signer.h) over a TPM key: it keeps a reference to t
 * and a copy of the key's blobs, and loads and flushes the key on every
 * signature. */
int tpm_key_signer(tpm_ctx *t, const tpm_key *key, signer **ret);
