/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the CSR parsers: any bytes as a DER CSR through
 * x509_csr_parse_der(), and, since the self-signature check stops most
 * mutations early, the same bytes decoded without that check so the CN and
 * SAN readers (PermanentIdentifier included) see hostile structures too.
 * A CSR that parses must round-trip through DER and PEM unchanged. The
 * same bytes go through x509_csr_read_der() (the fast path for P-256
 * CSRs), which must agree with x509_csr_parse_der(): the same verdict and,
 * for a CSR both take, the same key, DER, CN and SANs.
 */
#include <stdint.h>
#include <stdlib.h>

#include "x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_names(X509_REQ *req) {
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        _cleanup_free_ char *cn = NULL;

        if (x509_csr_get_sans(req, &sans) == 0) {
                for (size_t i = 0; i < sans->n; i++)
                        if (!sans->items[i].value)
                                abort(); /* contract: never NULL when parsed */
                (void) x509_san_list_contains(sans, X509_SAN_PERMANENT_ID, "x");
        }
        (void) x509_csr_get_cn(req, &cn);
}

static bool same_sans(const x509_san_list *a, const x509_san_list *b) {
        if (a->n != b->n)
                return false;
        for (size_t i = 0; i < a->n; i++)
                if (a->items[i].type != b->items[i].type || !streq(a->items[i].value, b->items[i].value) ||
                    !streq_ptr(a->items[i].assigner, b->items[i].assigner))
                        return false;
        return true;
}

/* x509_csr_read_der() against the general parse (req, or NULL with
 * verdict r_req). */
static void compare_read(const uint8_t *data, size_t size, X509_REQ *req, int r_req) {
        _cleanup_(x509_csr_freep) x509_csr *c = NULL;
        _cleanup_(x509_san_list_freep) x509_san_list *sa = NULL, *sb = NULL;
        _cleanup_free_ char *cna = NULL, *cnb = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        const uint8_t *d;
        size_t dl, len;
        int a, b;

        if (x509_csr_read_der(data, size, 16 * 1024, &c) != r_req)
                abort();
        if (r_req < 0)
                return;
        if (EVP_PKEY_eq(x509_csr_public_key(c), X509_REQ_get0_pubkey(req)) != 1)
                abort();
        d = x509_csr_der(c, &dl);
        if (x509_csr_to_der(req, &der, &len) < 0 || len != dl || memcmp(d, der, len) != 0)
                abort();
        a = x509_csr_cn(c, &cna);
        b = x509_csr_get_cn(req, &cnb);
        if (a != b || (a == 0 && !streq(cna, cnb)))
                abort();
        a = x509_csr_sans(c, &sa);
        b = x509_csr_get_sans(req, &sb);
        if (a != b || (a == 0 && !same_sans(sa, sb)))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(X509_REQ_freep) X509_REQ *req = NULL, *unchecked = NULL, *again = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        _cleanup_free_ char *pem = NULL;
        const unsigned char *p = data;
        size_t len;
        int r;

        if (size < LONG_MAX) {
                unchecked = d2i_X509_REQ(NULL, &p, (long) size);
                if (unchecked)
                        read_names(unchecked);
        }

        r = x509_csr_parse_der(data, size, 16 * 1024, &req);
        compare_read(data, size, req, r);
        if (r < 0)
                return 0;
        read_names(req);
        if (x509_csr_to_der(req, &der, &len) < 0 || len != size || memcmp(der, data, size) != 0)
                abort();
        if (x509_csr_der_to_pem(der, len, &pem) < 0)
                abort();
        if (x509_csr_parse_pem(pem, strlen(pem), 16 * 1024, &again) < 0)
                abort();
        return 0;
}
