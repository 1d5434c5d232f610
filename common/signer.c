/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The signer abstraction (signer.h) and its software implementation over
 * an OpenSSL private key.
 */
#include <openssl/err.h>

#include "crypto.h"
#include "log.h"
#include "signer.h"

struct signer {
        const signer_ops *ops;
        void *userdata;
        EVP_PKEY *pub;
};

int signer_new(const signer_ops *ops, void *userdata, EVP_PKEY *pub, signer **ret) {
        signer *s;

        if (!ops || !ops->sign_digest || !pub || !ret)
                return -EINVAL;
        if (crypto_key_type_of(pub) == CRYPTO_KEY_INVALID)
                return -EOPNOTSUPP;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (EVP_PKEY_up_ref(pub) != 1) {
                free(s);
                return -ENOMEM;
        }
        s->ops = ops;
        s->userdata = userdata;
        s->pub = pub;
        *ret = s;
        return 0;
}

void signer_free(signer *s) {
        if (!s)
                return;
        if (s->ops->free_userdata)
                s->ops->free_userdata(s->userdata);
        EVP_PKEY_free(s->pub);
        free(s);
}

EVP_PKEY *signer_public_key(const signer *s) {
        return s->pub;
}

int signer_default_md(const signer *s) {
        return crypto_key_type_of(s->pub) == CRYPTO_KEY_EC_P384 ? NID_sha384 : NID_sha256;
}

int signer_sign_digest(signer *s, int md_nid, const uint8_t *digest, size_t digest_len,
                       uint8_t **ret_sig, size_t *ret_sig_len) {
        if (!s || !digest || !ret_sig || !ret_sig_len)
                return -EINVAL;
        if (EVP_MD_get_size(EVP_get_digestbynid(md_nid)) != (int) digest_len)
                return -EINVAL;
        return s->ops->sign_digest(s->userdata, md_nid, digest, digest_len, ret_sig, ret_sig_len);
}

int signer_sign(signer *s, int md_nid, const void *data, size_t len, uint8_t **ret_sig,
                size_t *ret_sig_len) {
        uint8_t digest[EVP_MAX_MD_SIZE];
        size_t dlen;
        int r;

        r = crypto_digest(md_nid, data, len, digest, &dlen);
        if (r < 0)
                return r;
        return signer_sign_digest(s, md_nid, digest, dlen, ret_sig, ret_sig_len);
}

/* ---- software keys ---- */

static int evp_sign_digest(void *userdata, int md_nid, const uint8_t *digest, size_t digest_len,
                           uint8_t **ret_sig, size_t *ret_sig_len) {
        EVP_PKEY *pkey = userdata;
        _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = NULL;
        _cleanup_free_ uint8_t *sig = NULL;
        size_t len = 0;

        ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
        if (!ctx)
                return -ENOMEM;
        if (EVP_PKEY_sign_init(ctx) <= 0 ||
            EVP_PKEY_CTX_set_signature_md(ctx, EVP_get_digestbynid(md_nid)) <= 0)
                return log_debug_errno(EINVAL, "Signing setup failed: %s", crypto_last_error());
        if (EVP_PKEY_base_id(pkey) == EVP_PKEY_RSA &&
            EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0)
                return log_debug_errno(EINVAL, "RSA padding setup failed: %s", crypto_last_error());
        if (EVP_PKEY_sign(ctx, NULL, &len, digest, digest_len) <= 0)
                return log_debug_errno(EIO, "Signing failed: %s", crypto_last_error());
        sig = malloc(len);
        if (!sig)
                return -ENOMEM;
        if (EVP_PKEY_sign(ctx, sig, &len, digest, digest_len) <= 0)
                return log_debug_errno(EIO, "Signing failed: %s", crypto_last_error());
        *ret_sig = TAKE_PTR(sig);
        *ret_sig_len = len;
        return 0;
}

static void evp_free(void *userdata) {
        EVP_PKEY_free(userdata);
}

static const signer_ops evp_ops = {
        .sign_digest = evp_sign_digest,
        .free_userdata = evp_free,
};

int signer_new_evp(EVP_PKEY *pkey, signer **ret) {
        int r;

        if (!pkey || !ret)
                return -EINVAL;
        if (crypto_key_is_private(pkey) <= 0)
                return -EINVAL;
        /* The contract says -EINVAL for an unsupported type (P-521, RSA-1024),
         * which signer_new would report as -EOPNOTSUPP. */
        if (crypto_key_type_of(pkey) == CRYPTO_KEY_INVALID)
                return -EINVAL;
        if (EVP_PKEY_up_ref(pkey) != 1)
                return -ENOMEM;
        /* The private key doubles as the public key: OpenSSL uses only the
         * public half when we ask for it. */
        r = signer_new(&evp_ops, pkey, pkey, ret);
        if (r < 0)
                EVP_PKEY_free(pkey);
        return r;
}
