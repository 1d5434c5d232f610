/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Digests, randomness, signature verification over a digest, ECDSA
 * signature encodings, and OpenSSL error text: the small primitives that
 * the signer, JWS and TPM code share.
 */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "b64.h"
#include "crypto.h"
#include "log.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(ECDSA_SIG *, ECDSA_SIG_free);

const char *crypto_last_error(void) {
        static __thread char buf[512];
        unsigned long e;
        size_t off = 0;

        buf[0] = '\0';
        while ((e = ERR_get_error()) != 0) {
                if (off < sizeof(buf) - 2) {
                        if (off > 0)
                                buf[off++] = ';';
                        ERR_error_string_n(e, buf + off, sizeof(buf) - off);
                        off = strlen(buf);
                }
        }
        return off ? buf : "no OpenSSL error recorded";
}

int crypto_digest(int md_nid, const void *data, size_t len, uint8_t *ret, size_t *ret_len) {
        const EVP_MD *md = EVP_get_digestbynid(md_nid);
        unsigned int n = 0;

        if (!md)
                return -EOPNOTSUPP;
        if (EVP_Digest(data, len, ret, &n, md, NULL) != 1)
                return log_debug_errno(EIO, "Digest failed: %s", crypto_last_error());
        if (ret_len)
                *ret_len = n;
        return 0;
}

int crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len, uint8_t ret[32]) {
        unsigned int n = 0;

        if (key_len > INT_MAX)
                return -EINVAL;
        if (!HMAC(EVP_sha256(), key, (int) key_len, data, len, ret, &n) || n != 32)
                return log_debug_errno(EIO, "HMAC failed: %s", crypto_last_error());
        return 0;
}

int crypto_random(void *buf, size_t len) {
        if (len > INT_MAX)
                return -EINVAL;
        if (RAND_bytes(buf, (int) len) != 1)
                return log_debug_errno(EIO, "RAND_bytes failed: %s", crypto_last_error());
        return 0;
}

int crypto_verify_digest(EVP_PKEY *pub, int md_nid, const uint8_t *digest, size_t digest_len,
                         const uint8_t *sig, size_t sig_len) {
        _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = NULL;
        const EVP_MD *md = EVP_get_digestbynid(md_nid);
        int r;

        if (!md || EVP_MD_get_size(md) != (int) digest_len)
                return -EINVAL;
        ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
        if (!ctx)
                return -ENOMEM;
        if (EVP_PKEY_verify_init(ctx) <= 0 || EVP_PKEY_CTX_set_signature_md(ctx, md) <= 0)
                return log_debug_errno(EINVAL, "Verify setup failed: %s", crypto_last_error());
        if (EVP_PKEY_base_id(pub) == EVP_PKEY_RSA &&
            EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0)
                return log_debug_errno(EINVAL, "RSA padding setup failed: %s", crypto_last_error());
        r = EVP_PKEY_verify(ctx, sig, sig_len, digest, digest_len);
        if (r != 1) {
                log_debug("Signature does not verify: %s", crypto_last_error());
                return -EBADMSG;
        }
        return 0;
}

int crypto_ecdsa_der_to_raw(const uint8_t *der, size_t der_len, size_t field_len, uint8_t **ret,
                            size_t *ret_len) {
        _cleanup_(ECDSA_SIG_freep) ECDSA_SIG *sig = NULL;
        _cleanup_free_ uint8_t *raw = NULL;
        const BIGNUM *r, *s;
        const uint8_t *p = der;

        if (field_len == 0 || field_len > 66 || der_len > LONG_MAX)
                return -EINVAL;
        sig = d2i_ECDSA_SIG(NULL, &p, (long) der_len);
        if (!sig || p != der + der_len)
                return -EBADMSG;
        ECDSA_SIG_get0(sig, &r, &s);
        if ((size_t) BN_num_bytes(r) > field_len || (size_t) BN_num_bytes(s) > field_len)
                return -EBADMSG;
        raw = malloc(field_len * 2);
        if (!raw)
                return -ENOMEM;
        if (BN_bn2binpad(r, raw, (int) field_len) < 0 ||
            BN_bn2binpad(s, raw + field_len, (int) field_len) < 0)
                return -EBADMSG;
        *ret = TAKE_PTR(raw);
        *ret_len = field_len * 2;
        return 0;
}

int crypto_ecdsa_rs_to_der(const uint8_t *r_bytes, size_t r_len, const uint8_t *s_bytes, size_t s_len,
                           uint8_t **ret, size_t *ret_len) {
        _cleanup_(ECDSA_SIG_freep) ECDSA_SIG *sig = NULL;
        _cleanup_(BN_freep) BIGNUM *r = NULL;
        _cleanup_(BN_freep) BIGNUM *s = NULL;
        unsigned char *der = NULL;
        int n;

        /* 66 bytes: a P-521 scalar, the largest curve anyone uses. */
        if (r_len == 0 || s_len == 0 || r_len > 66 || s_len > 66)
                return -EBADMSG;
        r = BN_bin2bn(r_bytes, (int) r_len, NULL);
        s = BN_bin2bn(s_bytes, (int) s_len, NULL);
        if (!r || !s)
                return -ENOMEM;
        sig = ECDSA_SIG_new();
        if (!sig)
                return -ENOMEM;
        if (ECDSA_SIG_set0(sig, r, s) != 1)
                return -ENOMEM;
        r = s = NULL; /* owned by sig now */
        n = i2d_ECDSA_SIG(sig, &der);
        if (n <= 0)
                return -ENOMEM;
        /* Hand out a malloc'ed copy so callers can free() it. */
        *ret = malloc((size_t) n);
        if (!*ret) {
                OPENSSL_free(der);
                return -ENOMEM;
        }
        memcpy(*ret, der, (size_t) n);
        OPENSSL_free(der);
        *ret_len = (size_t) n;
        return 0;
}

int crypto_ecdsa_raw_to_der(const uint8_t *raw, size_t raw_len, uint8_t **ret, size_t *ret_len) {
        if (raw_len == 0 || raw_len % 2 != 0 || raw_len > 132)
                return -EBADMSG;
        return crypto_ecdsa_rs_to_der(raw, raw_len / 2, raw + raw_len / 2, raw_len / 2, ret, ret_len);
}

int crypto_random_b64url(size_t n, char **ret) {
        uint8_t raw[64];
        int r;

        if (n == 0 || n > sizeof(raw))
                return -EINVAL;
        r = crypto_random(raw, n);
        if (r < 0)
                return r;
        return b64_encode(B64_URL, raw, n, ret);
}

void x509_stack_free(STACK_OF(X509) *sk) {
        sk_X509_pop_free(sk, X509_free);
}
