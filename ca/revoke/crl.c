/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CRL building and signing (crl.h) on OpenSSL's X509_CRL API.
 */
#include <openssl/bn.h>
#include <openssl/x509v3.h>

#include "crl.h"
#include "crypto.h"
#include "log.h"

#define CRL_SERIAL_HEX_MAX 80

struct crl_builder {
        X509 *issuer;
        X509_CRL *crl;
        size_t n;
        bool signed_;
};

int crl_builder_new(X509 *issuer, crl_builder **ret) {
        crl_builder *b;

        if (!issuer)
                return -EINVAL;
        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->issuer = issuer;
        b->crl = X509_CRL_new();
        if (!b->crl || !X509_CRL_set_version(b->crl, X509_CRL_VERSION_2) ||
            !X509_CRL_set_issuer_name(b->crl, X509_get_subject_name(issuer))) {
                crl_builder_free(b);
                return -ENOMEM;
        }
        *ret = b;
        return 0;
}

void crl_builder_free(crl_builder *b) {
        if (!b)
                return;
        X509_CRL_free(b->crl);
        free(b);
}

size_t crl_builder_count(const crl_builder *b) {
        return b->n;
}

static int serial_from_hex(const char *hex, ASN1_INTEGER **ret) {
        BIGNUM *bn = NULL;
        size_t len = hex ? strlen(hex) : 0;

        if (len == 0 || len > CRL_SERIAL_HEX_MAX || strspn(hex, "0123456789abcdefABCDEF") != len)
                return -EINVAL;
        if (BN_hex2bn(&bn, hex) != (int) len)
                return -ENOMEM;
        *ret = BN_to_ASN1_INTEGER(bn, NULL);
        BN_free(bn);
        return *ret ? 0 : -ENOMEM;
}

int crl_builder_add(crl_builder *b, const char *serial_hex, time_t revoked_at, int reason) {
        X509_REVOKED *rev = NULL;
        ASN1_INTEGER *serial = NULL;
        ASN1_TIME *t = NULL;
        ASN1_ENUMERATED *e = NULL;
        int r = -ENOMEM;

        if (reason < 0 || reason > 10 || reason == 7 || b->signed_)
                return -EINVAL;
        r = serial_from_hex(serial_hex, &serial);
        if (r < 0)
                return r;
        r = -ENOMEM;
        rev = X509_REVOKED_new();
        t = ASN1_TIME_set(NULL, revoked_at);
        if (!rev || !t || !X509_REVOKED_set_serialNumber(rev, serial) || !X509_REVOKED_set_revocationDate(rev, t))
                goto out;
        if (reason != 0) {
                e = ASN1_ENUMERATED_new();
                if (!e || !ASN1_ENUMERATED_set(e, reason) ||
                    !X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, e, 0, X509V3_ADD_DEFAULT))
                        goto out;
        }
        if (!X509_CRL_add0_revoked(b->crl, rev))
                goto out;
        rev = NULL;
        b->n++;
        r = 0;
out:
        X509_REVOKED_free(rev);
        ASN1_INTEGER_free(serial);
        ASN1_TIME_free(t);
        ASN1_ENUMERATED_free(e);
        return r;
}

static int add_extensions(crl_builder *b, uint64_t number) {
        const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(b->issuer);
        AUTHORITY_KEYID *akid = NULL;
        ASN1_INTEGER *num = NULL;
        int r = -ENOMEM;

        num = ASN1_INTEGER_new();
        if (!num || !ASN1_INTEGER_set_uint64(num, number) ||
            !X509_CRL_add1_ext_i2d(b->crl, NID_crl_number, num, 0, X509V3_ADD_DEFAULT))
                goto out;
        if (ski) {
                akid = AUTHORITY_KEYID_new();
                if (!akid || !(akid->keyid = ASN1_OCTET_STRING_dup(ski)) ||
                    !X509_CRL_add1_ext_i2d(b->crl, NID_authority_key_identifier, akid, 0, X509V3_ADD_DEFAULT))
                        goto out;
        }
        r = 0;
out:
        ASN1_INTEGER_free(num);
        AUTHORITY_KEYID_free(akid);
        return r;
}

int crl_builder_sign(crl_builder *b, EVP_PKEY *key, uint64_t number, time_t this_update, time_t next_update,
                     uint8_t **ret, size_t *ret_len) {
        ASN1_TIME *t1 = NULL, *t2 = NULL;
        unsigned char *der = NULL;
        int len, r = -ENOMEM;

        if (!key || b->signed_ || next_update <= this_update)
                return -EINVAL;
        b->signed_ = true;
        t1 = ASN1_TIME_set(NULL, this_update);
        t2 = ASN1_TIME_set(NULL, next_update);
        if (!t1 || !t2 || !X509_CRL_set1_lastUpdate(b->crl, t1) || !X509_CRL_set1_nextUpdate(b->crl, t2))
                goto out;
        r = add_extensions(b, number);
        if (r < 0)
                goto out;
        r = -ENOMEM;
        if (!X509_CRL_sort(b->crl))
                goto out;
        if (X509_CRL_sign(b->crl, key, crypto_key_type_of(key) == CRYPTO_KEY_EC_P384 ? EVP_sha384() : EVP_sha256()) <= 0) {
                log_debug("crl: signing failed: %s", crypto_last_error());
                r = -EINVAL;
                goto out;
        }
        len = i2d_X509_CRL(b->crl, &der);
        if (len <= 0)
                goto out;
        *ret = malloc((size_t) len);
        if (!*ret)
                goto out;
        memcpy(*ret, der, (size_t) len);
        *ret_len = (size_t) len;
        r = 0;
out:
        OPENSSL_free(der);
        ASN1_TIME_free(t1);
        ASN1_TIME_free(t2);
        return r;
}
