/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCSP response building (ocsp-resp.h) on OpenSSL's OCSP API.
 */
#include "crypto.h"
#include "log.h"
#include "ocsp-resp.h"

static int response_to_der(OCSP_RESPONSE *resp, uint8_t **ret, size_t *ret_len) {
        unsigned char *der = NULL;
        int len = i2d_OCSP_RESPONSE(resp, &der);

        if (len <= 0)
                return -ENOMEM;
        *ret = malloc((size_t) len);
        if (!*ret) {
                OPENSSL_free(der);
                return -ENOMEM;
        }
        memcpy(*ret, der, (size_t) len);
        *ret_len = (size_t) len;
        OPENSSL_free(der);
        return 0;
}

int ocsp_response_error(int status, uint8_t **ret, size_t *ret_len) {
        OCSP_RESPONSE *resp;
        int r;

        if (status == OCSP_RESPONSE_STATUS_SUCCESSFUL)
                return -EINVAL;
        resp = OCSP_response_create(status, NULL);
        if (!resp)
                return -ENOMEM;
        r = response_to_der(resp, ret, ret_len);
        OCSP_RESPONSE_free(resp);
        return r;
}

int ocsp_response_sign(const ocsp_query *q, const ocsp_answer *answers, X509 *responder, EVP_PKEY *key,
                       X509 *ca_cert, time_t now, uint64_t validity, uint8_t **ret, size_t *ret_len) {
        STACK_OF(X509) *extra = NULL;
        OCSP_BASICRESP *bs = NULL;
        OCSP_RESPONSE *resp = NULL;
        ASN1_TIME *this_update = NULL, *next_update = NULL;
        int r = -ENOMEM;

        bs = OCSP_BASICRESP_new();
        this_update = ASN1_TIME_set(NULL, now);
        next_update = ASN1_TIME_set(NULL, now + (time_t) validity);
        if (!bs || !this_update || !next_update)
                goto out;
        for (size_t i = 0; i < q->n; i++) {
                const ocsp_answer *a = &answers[i];
                ASN1_TIME *rev = NULL;

                if (a->status == V_OCSP_CERTSTATUS_REVOKED) {
                        rev = ASN1_TIME_set(NULL, a->revoked_at);
                        if (!rev)
                                goto out;
                }
                OCSP_SINGLERESP *single =
                        OCSP_basic_add1_status(bs, q->items[i].id, a->status,
                                               a->reason > 0 ? a->reason : OCSP_REVOKED_STATUS_NOSTATUS, rev,
                                               this_update, next_update);
                ASN1_TIME_free(rev);
                if (!single)
                        goto out;
        }
        if (q->has_nonce && OCSP_copy_nonce(bs, q->req) <= 0)
                goto out;
        if (ca_cert) {
                extra = sk_X509_new_null();
                if (!extra || !sk_X509_push(extra, ca_cert))
                        goto out;
        }
        if (!OCSP_basic_sign(bs, responder, key,
                             crypto_key_type_of(key) == CRYPTO_KEY_EC_P384 ? EVP_sha384() : EVP_sha256(), extra, 0)) {
                log_debug("ocsp: signing failed: %s", crypto_last_error());
                r = -EINVAL;
                goto out;
        }
        resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
        if (!resp)
                goto out;
        r = response_to_der(resp, ret, ret_len);
out:
        sk_X509_free(extra); /* borrowed certificates: OCSP_basic_sign took its own references */
        OCSP_RESPONSE_free(resp);
        OCSP_BASICRESP_free(bs);
        ASN1_TIME_free(this_update);
        ASN1_TIME_free(next_update);
        return r;
}
