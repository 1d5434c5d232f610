/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Delegated OCSP responders (responder.h).
 */
#include <openssl/evp.h>

#include "ca/core/cert-build.h"
#include "crypto.h"
#include "log.h"
#include "responder.h"

static int hashes(X509 *ca, const EVP_MD *md, uint8_t *name_out, uint8_t *key_out, unsigned want) {
        unsigned n1 = 0, n2 = 0;

        if (!X509_NAME_digest(X509_get_subject_name(ca), md, name_out, &n1) ||
            !X509_pubkey_digest(ca, md, key_out, &n2) || n1 != want || n2 != want)
                return -EINVAL;
        return 0;
}

int responder_init(responder *r, X509 *ca_cert, EVP_PKEY *ca_key, const char *ca_name) {
        int q;

        *r = (responder) { .ca_cert = ca_cert, .ca_key = ca_key };
        pthread_mutex_init(&r->lock, NULL);
        if (asprintf(&r->cn, "deviceid %s CA OCSP responder", ca_name) < 0) {
                r->cn = NULL;
                return -ENOMEM;
        }
        q = hashes(ca_cert, EVP_sha1(), r->name_sha1, r->key_sha1, 20);
        if (q >= 0)
                q = hashes(ca_cert, EVP_sha256(), r->name_sha256, r->key_sha256, 32);
        return q;
}

void responder_done(responder *r) {
        if (!r)
                return;
        X509_free(r->cert);
        EVP_PKEY_free(r->key);
        free(r->cn);
        pthread_mutex_destroy(&r->lock);
        *r = (responder) {};
}

bool responder_matches(const responder *r, const ocsp_query_item *item) {
        if (item->hash_nid == NID_sha1)
                return memcmp(item->name_hash, r->name_sha1, 20) == 0 && memcmp(item->key_hash, r->key_sha1, 20) == 0;
        if (item->hash_nid == NID_sha256)
                return memcmp(item->name_hash, r->name_sha256, 32) == 0 &&
                       memcmp(item->key_hash, r->key_sha256, 32) == 0;
        return false;
}

int responder_renew(responder *r, uint64_t lifetime, time_t now) {
        _cleanup_pkey_ EVP_PKEY *key = NULL;
        _cleanup_x509_ X509 *cert = NULL;
        bool need;
        int q;

        pthread_mutex_lock(&r->lock);
        need = !r->cert || now >= r->renew_at;
        pthread_mutex_unlock(&r->lock);
        if (!need)
                return 0;

        q = crypto_key_generate(CRYPTO_KEY_EC_P256, &key);
        if (q < 0)
                return q;
        cert_profile p = {
                .lifetime = lifetime,
                .key_usage = CERT_KU_DIGITAL_SIGNATURE,
                .ext_key_usage = CERT_EKU_OCSP_SIGNING,
                .path_len = -1,
                .ocsp_nocheck = true,
        };
        q = cert_create(r->ca_cert, r->ca_key, key, r->cn, NULL, 0, &p, &cert);
        if (q < 0)
                return q;

        pthread_mutex_lock(&r->lock);
        X509_free(r->cert);
        EVP_PKEY_free(r->key);
        r->cert = TAKE_PTR(cert);
        r->key = TAKE_PTR(key);
        r->renew_at = now + (time_t) (lifetime / 2);
        pthread_mutex_unlock(&r->lock);
        return 1;
}

int responder_get(responder *r, X509 **ret_cert, EVP_PKEY **ret_key) {
        int q = -ENOENT;

        pthread_mutex_lock(&r->lock);
        if (r->cert && X509_up_ref(r->cert)) {
                if (EVP_PKEY_up_ref(r->key)) {
                        *ret_cert = r->cert;
                        *ret_key = r->key;
                        q = 0;
                } else {
                        X509_free(r->cert);
                        q = -ENOMEM;
                }
        }
        pthread_mutex_unlock(&r->lock);
        return q;
}
