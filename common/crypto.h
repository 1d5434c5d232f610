/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OpenSSL helpers shared by the agent and the CA: key generation, PEM/DER
 * conversion in memory, digests and randomness. Only common/ touches
 * OpenSSL EVP directly; everything here returns 0 or -errno and logs
 * OpenSSL's own message at debug.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY_CTX *, EVP_PKEY_CTX_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MD_CTX *, EVP_MD_CTX_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509 *, X509_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_REQ *, X509_REQ_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_CRL *, X509_CRL_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(BIO *, BIO_free_all);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_STORE *, X509_STORE_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_STORE_CTX *, X509_STORE_CTX_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(ASN1_OBJECT *, ASN1_OBJECT_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(BIGNUM *, BN_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(GENERAL_NAMES *, GENERAL_NAMES_free);

/* A stack of certificates, leaf first where order matters. */
void x509_stack_free(STACK_OF(X509) *sk);
DEFINE_TRIVIAL_CLEANUP_FUNC(STACK_OF(X509) *, x509_stack_free);

#define _cleanup_pkey_ _cleanup_(EVP_PKEY_freep)
#define _cleanup_x509_ _cleanup_(X509_freep)
#define _cleanup_x509_stack_ _cleanup_(x509_stack_freep)
#define _cleanup_bio_ _cleanup_(BIO_free_allp)

typedef enum crypto_key_type {
        CRYPTO_KEY_EC_P256,
        CRYPTO_KEY_EC_P384,
        CRYPTO_KEY_RSA_2048,
        CRYPTO_KEY_RSA_3072,
        CRYPTO_KEY_RSA_4096,
        _CRYPTO_KEY_TYPE_MAX,
        CRYPTO_KEY_INVALID = -EINVAL,
} crypto_key_type;

/* "ec256"/"p256", "ec384"/"p384", "rsa2048", "rsa3072", "rsa4096" (case
 * sensitive); CRYPTO_KEY_INVALID for anything else or NULL. to_string gives
 * the first name, or NULL for a value out of range. */
crypto_key_type crypto_key_type_from_string(const char *s);
const char *crypto_key_type_to_string(crypto_key_type t);
/* The type of an existing key (private or public), or CRYPTO_KEY_INVALID if
 * unsupported: other curves, other RSA sizes, RSA-PSS, Ed25519, NULL. */
crypto_key_type crypto_key_type_of(EVP_PKEY *pkey);

/* Generates a fresh key of type t in memory. -EINVAL for an invalid t. */
int crypto_key_generate(crypto_key_type t, EVP_PKEY **ret);

/* Loads a private key (PKCS#8 or traditional PEM) or, failing that, a public
 * key (SPKI PEM) from the first matching PEM block in memory; never prompts
 * (encrypted keys fail). -EBADMSG if neither, -E2BIG if len > INT_MAX. The
 * type is not checked: use crypto_key_type_of(). */
int crypto_key_from_pem(const char *pem, size_t len, EVP_PKEY **ret);
/* Private key as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"),
 * NUL-terminated, *ret_len excluding the NUL (ret_len may be NULL); the
 * buffer should be erased with erase_and_free(*ret, *ret_len). -EINVAL for a
 * key without a private part. */
int crypto_key_to_pem_pkcs8(EVP_PKEY *pkey, char **ret, size_t *ret_len);
/* SPKI PEM ("BEGIN PUBLIC KEY"), NUL-terminated, malloc'ed. */
int crypto_pubkey_to_pem(EVP_PKEY *pkey, char **ret);
/* DER SubjectPublicKeyInfo, malloc'ed. from_der refuses trailing data
 * (-EBADMSG) and does not check the type. */
int crypto_pubkey_to_der(EVP_PKEY *pkey, uint8_t **ret, size_t *ret_len);
int crypto_pubkey_from_der(const uint8_t *der, size_t len, EVP_PKEY **ret);
/* 1 if both keys have the same public part (a private key equals its own
 * public half), 0 if not (including different types); -EINVAL on NULL. */
int crypto_pubkey_equal(EVP_PKEY *a, EVP_PKEY *b);
/* 1 if pkey holds a private part, 0 if public only, -EOPNOTSUPP if it is
 * neither EC nor RSA, -EINVAL on NULL. */
int crypto_key_is_private(EVP_PKEY *pkey);

/* Digest by NID (NID_sha256, NID_sha384, NID_sha1 for legacy only). */
int crypto_digest(int md_nid, const void *data, size_t len, uint8_t *ret, size_t *ret_len);
static inline int crypto_sha256(const void *data, size_t len, uint8_t ret[32]) {
        return crypto_digest(NID_sha256, data, len, ret, NULL);
}
/* HMAC-SHA-256 (RFC 2104) of data under key. 0 or -errno. */
int crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len, uint8_t ret[32]);
int crypto_random(void *buf, size_t len);
/* N (1-64) random bytes as unpadded base64url: identifiers and tokens. */
int crypto_random_b64url(size_t n, char **ret);

/* Verifies a signature in signer_ops format (ECDSA DER, RSA PKCS#1 v1.5)
 * over a digest. 0 if valid, -EBADMSG if not. */
int crypto_verify_digest(EVP_PKEY *pub, int md_nid, const uint8_t *digest, size_t digest_len,
                         const uint8_t *sig, size_t sig_len);

/* ECDSA signature conversions: DER ECDSA-Sig-Value <-> raw r||s where each
 * half is field_len bytes (32 for P-256, 48 for P-384). */
int crypto_ecdsa_der_to_raw(const uint8_t *der, size_t der_len, size_t field_len, uint8_t **ret,
                            size_t *ret_len);
int crypto_ecdsa_raw_to_der(const uint8_t *raw, size_t raw_len, uint8_t **ret, size_t *ret_len);
/* The same from r and s of any length up to 66 bytes each (as a TPM gives them). */
int crypto_ecdsa_rs_to_der(const uint8_t *r, size_t r_len, const uint8_t *s, size_t s_len, uint8_t **ret,
                           size_t *ret_len);

/* OpenSSL's error queue as one string for a debug log; clears the queue.
 * Returns a static buffer. */
const char *crypto_last_error(void);

/* A read-only memory BIO over len bytes of buf (not copied: buf must
 * outlive it). -E2BIG over INT_MAX bytes, -ENOMEM. */
int crypto_bio_from_mem(const void *buf, size_t len, BIO **ret);
/* A memory BIO's contents as a NUL-terminated malloc'ed string (*ret_len,
 * if not NULL, without the NUL). -EIO if it is empty. */
int crypto_bio_to_string(BIO *bio, char **ret, size_t *ret_len);
