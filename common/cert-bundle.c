/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The parsed certificate chain (cert-bundle.h).
 */
#include <string.h>

#include "cert-bundle.h"
#include "crypto.h"
#include "x509.h"

static int bundle_fill(STACK_OF(X509) *chain, char *pem, size_t pem_len, cert_bundle *ret) {
        time_t not_before, not_after;
        int r;

        r = x509_cert_get_validity(sk_X509_value(chain, 0), &not_before, &not_after);
        if (r < 0)
                return r;
        *ret = (cert_bundle) {
                .chain = chain,
                .pem = pem,
                .pem_len = pem_len,
                .not_before = not_before,
                .not_after = not_after,
        };
        return 0;
}

int cert_bundle_from_pem(const char *pem, size_t len, size_t max_certs, cert_bundle *ret) {
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        _cleanup_free_ char *copy = NULL;
        int r;

        if (!pem || !ret || memchr(pem, '\0', len))
                return -EINVAL;
        r = x509_chain_from_pem(pem, len, max_certs, &chain);
        if (r == -ENOENT)
                return -EBADMSG;
        if (r < 0)
                return r;
        copy = strndup(pem, len);
        if (!copy)
                return -ENOMEM;
        r = bundle_fill(chain, copy, len, ret);
        if (r < 0)
                return r;
        TAKE_PTR(chain);
        TAKE_PTR(copy);
        return 0;
}

int cert_bundle_from_chain(STACK_OF(X509) **chain, cert_bundle *ret) {
        _cleanup_free_ char *pem = NULL;
        int r;

        if (!chain || !*chain || sk_X509_num(*chain) < 1 || !ret)
                return -EINVAL;
        r = x509_chain_to_pem(*chain, &pem);
        if (r < 0)
                return r;
        r = bundle_fill(*chain, pem, strlen(pem), ret);
        if (r < 0)
                return r;
        TAKE_PTR(pem);
        *chain = NULL;
        return 0;
}

X509 *cert_bundle_leaf(const cert_bundle *b) {
        return b && b->chain && sk_X509_num(b->chain) > 0 ? sk_X509_value(b->chain, 0) : NULL;
}

void cert_bundle_done(cert_bundle *b) {
        if (!b)
                return;
        x509_stack_free(b->chain);
        free(b->pem);
        *b = (cert_bundle) {};
}
