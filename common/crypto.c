/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys: generation of the key types deviceid supports, detection of a
 * key's type, PEM (PKCS#8 / SPKI) and DER SPKI encodings in memory, and
 * public key comparison. The signature primitives live in crypto-sig.c.
 */
#include <limits.h>
#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include "crypto.h"
#include "log.h"

static const struct {
        const char *name;
        const char *alias;
} key_type_names[_CRYPTO_KEY_TYPE_MAX] = {
        [CRYPTO_KEY_EC_P256] = { "ec256", "p256" },
        [CRYPTO_KEY_EC_P384] = { "ec384", "p384" },
        [CRYPTO_KEY_RSA_2048] = { "rsa2048", NULL },
        [CRYPTO_KEY_RSA_3072] = { "rsa3072", NULL },
        [CRYPTO_KEY_RSA_4096] = { "rsa4096", NULL },
};

crypto_key_type crypto_key_type_from_string(const char *s) {
        if (!s)
                return CRYPTO_KEY_INVALID;
        for (int t = 0; t < _CRYPTO_KEY_TYPE_MAX; t++)
                if (streq(s, key_type_names[t].name) || streq_ptr(s, key_type_names[t].alias))
                        return (crypto_key_type) t;
        return CRYPTO_KEY_INVALID;
}

const char *crypto_key_type_to_string(crypto_key_type t) {
        if (t < 0 || t >= _CRYPTO_KEY_TYPE_MAX)
                return NULL;
        return key_type_names[t].name;
}

crypto_key_type crypto_key_type_of(EVP_PKEY *pkey) {
        char group[64];
        int nid;

        if (!pkey)
                return CRYPTO_KEY_INVALID;

        switch (EVP_PKEY_get_base_id(pkey)) {
        case EVP_PKEY_EC:
                if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), NULL) != 1) {
                        log_debug("EC key without a named group: %s", crypto_last_error());
                        return CRYPTO_KEY_INVALID;
                }
                nid = OBJ_sn2nid(group);
                if (nid == NID_undef)
                        nid = EC_curve_nist2nid(group);
                if (nid == NID_X9_62_prime256v1)
                        return CRYPTO_KEY_EC_P256;
                if (nid == NID_secp384r1)
                        return CRYPTO_KEY_EC_P384;
                log_debug("EC group \"%s\" is not supported.", group);
                return CRYPTO_KEY_INVALID;
        case EVP_PKEY_RSA:
                switch (EVP_PKEY_get_bits(pkey)) {
                case 2048:
                        return CRYPTO_KEY_RSA_2048;
                case 3072:
                        return CRYPTO_KEY_RSA_3072;
                case 4096:
                        return CRYPTO_KEY_RSA_4096;
                }
                log_debug("RSA modulus of %d bits is not supported.", EVP_PKEY_get_bits(pkey));
                return CRYPTO_KEY_INVALID;
        default:
                log_debug("Key algorithm \"%s\" is not supported.",
                          OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
                return CRYPTO_KEY_INVALID;
        }
}

int crypto_key_generate(crypto_key_type t, EVP_PKEY **ret) {
        EVP_PKEY *pkey;

        if (!ret)
                return -EINVAL;
        switch (t) {
        case CRYPTO_KEY_EC_P256:
                pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
                break;
        case CRYPTO_KEY_EC_P384:
                pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
                break;
        case CRYPTO_KEY_RSA_2048:
                pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
                break;
        case CRYPTO_KEY_RSA_3072:
                pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 3072);
                break;
        case CRYPTO_KEY_RSA_4096:
                pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 4096);
                break;
        default:
                return -EINVAL;
        }
        if (!pkey)
                return log_debug_errno(EIO, "Generating a %s key failed: %s",
                                       crypto_key_type_to_string(t), crypto_last_error());
        *ret = pkey;
        return 0;
}

/* Never prompt for a passphrase: encrypted PEM simply fails to load. */
static int no_password_cb(char *buf _unused_, int size _unused_, int rwflag _unused_,
                          void *u _unused_) {
        return -1;
}

int crypto_bio_from_mem(const void *buf, size_t len, BIO **ret) {
        BIO *bio;

        if (len > INT_MAX)
                return -E2BIG;
        bio = BIO_new_mem_buf(buf, (int) len);
        if (!bio)
                return -ENOMEM;
        *ret = bio;
        return 0;
}

int crypto_key_from_pem(const char *pem, size_t len, EVP_PKEY **ret) {
        _cleanup_bio_ BIO *bio = NULL;
        EVP_PKEY *pkey;
        int r;

        if (!pem || !ret)
                return -EINVAL;
        r = crypto_bio_from_mem(pem, len, &bio);
        if (r < 0)
                return r;
        pkey = PEM_read_bio_PrivateKey(bio, NULL, no_password_cb, NULL);
        if (!pkey) {
                (void) crypto_last_error(); /* drop "no start line" */
                BIO_free_all(TAKE_PTR(bio));
                r = crypto_bio_from_mem(pem, len, &bio);
                if (r < 0)
                        return r;
                pkey = PEM_read_bio_PUBKEY(bio, NULL, no_password_cb, NULL);
        }
        if (!pkey)
                return log_debug_errno(EBADMSG, "No private or public key in PEM: %s",
                                       crypto_last_error());
        *ret = pkey;
        return 0;
}

int crypto_bio_to_string(BIO *bio, char **ret, size_t *ret_len) {
        BUF_MEM *mem = NULL;
        char *s;

        BIO_get_mem_ptr(bio, &mem);
        if (!mem || mem->length == 0)
                return -EIO;
        s = malloc(mem->length + 1);
        if (!s)
                return -ENOMEM;
        memcpy(s, mem->data, mem->length);
        s[mem->length] = '\0';
        *ret = s;
        if (ret_len)
                *ret_len = mem->length;
        return 0;
}

int crypto_key_to_pem_pkcs8(EVP_PKEY *pkey, char **ret, size_t *ret_len) {
        _cleanup_bio_ BIO *bio = NULL;

        if (!pkey || !ret)
                return -EINVAL;
        if (crypto_key_is_private(pkey) <= 0)
                return -EINVAL;
        /* BIO_s_secmem: the buffer is wiped when the BIO is freed. */
        bio = BIO_new(BIO_s_secmem());
        if (!bio)
                return -ENOMEM;
        if (PEM_write_bio_PKCS8PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1)
                return log_debug_errno(EIO, "Encoding the private key failed: %s",
                                       crypto_last_error());
        return crypto_bio_to_string(bio, ret, ret_len);
}

int crypto_pubkey_to_pem(EVP_PKEY *pkey, char **ret) {
        _cleanup_bio_ BIO *bio = NULL;

        if (!pkey || !ret)
                return -EINVAL;
        bio = BIO_new(BIO_s_mem());
        if (!bio)
                return -ENOMEM;
        if (PEM_write_bio_PUBKEY(bio, pkey) != 1)
                return log_debug_errno(EIO, "Encoding the public key failed: %s",
                                       crypto_last_error());
        return crypto_bio_to_string(bio, ret, NULL);
}

int crypto_pubkey_to_der(EVP_PKEY *pkey, uint8_t **ret, size_t *ret_len) {
        _cleanup_free_ uint8_t *der = NULL;
        uint8_t *p;
        int n;

        if (!pkey || !ret || !ret_len)
                return -EINVAL;
        n = i2d_PUBKEY(pkey, NULL);
        if (n <= 0)
                return log_debug_errno(EIO, "Encoding the public key failed: %s",
                                       crypto_last_error());
        der = malloc((size_t) n);
        if (!der)
                return -ENOMEM;
        p = der;
        if (i2d_PUBKEY(pkey, &p) != n)
                return log_debug_errno(EIO, "Encoding the public key failed: %s",
                                       crypto_last_error());
        *ret = TAKE_PTR(der);
        *ret_len = (size_t) n;
        return 0;
}

int crypto_pubkey_from_der(const uint8_t *der, size_t len, EVP_PKEY **ret) {
        const unsigned char *p = der;
        EVP_PKEY *pkey;

        if (!der || !ret)
                return -EINVAL;
        if (len == 0 || len > LONG_MAX)
                return -EBADMSG;
        pkey = d2i_PUBKEY(NULL, &p, (long) len);
        if (!pkey)
                return log_debug_errno(EBADMSG, "Malformed SubjectPublicKeyInfo: %s",
                                       crypto_last_error());
        if (p != der + len) {
                EVP_PKEY_free(pkey);
                return log_debug_errno(EBADMSG, "Trailing data after SubjectPublicKeyInfo.");
        }
        *ret = pkey;
        return 0;
}

int crypto_pubkey_equal(EVP_PKEY *a, EVP_PKEY *b) {
        if (!a || !b)
                return -EINVAL;
        /* EVP_PKEY_eq compares parameters and the public key only, so a
         * private key equals its own public half. -1/-2 mean "different
         * type" and "cannot compare": both are "not equal" to us. */
        if (EVP_PKEY_eq(a, b) == 1)
                return 1;
        (void) crypto_last_error();
        return 0;
}

int crypto_key_is_private(EVP_PKEY *pkey) {
        _cleanup_(BN_freep) BIGNUM *bn = NULL;
        const char *param;

        if (!pkey)
                return -EINVAL;
        switch (EVP_PKEY_get_base_id(pkey)) {
        case EVP_PKEY_EC:
                param = OSSL_PKEY_PARAM_PRIV_KEY;
                break;
        case EVP_PKEY_RSA:
                param = OSSL_PKEY_PARAM_RSA_D;
                break;
        default:
                return -EOPNOTSUPP;
        }
        if (EVP_PKEY_get_bn_param(pkey, param, &bn) == 1 && bn)
                return 1;
        (void) crypto_last_error();
        return 0;
}
