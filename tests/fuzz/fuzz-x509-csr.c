/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the CSR parsers: any bytes as a DER CSR through
 * x509_csr_parse_der(), and, since the self-signature check stops most
 * mutations early, the same bytes decoded without that check so the CN and
 * SAN readers (PermanentIdentifier included) see hostile structures too.
 * A CSR that parses must round-trip through DER and PEM unchanged.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(X509_REQ_freep) X509_REQ *req = NULL, *unchecked = NULL, *again = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        _cleanup_free_ char *pem = NULL;
        const unsigned char *p = data;
        size_t len;

        if (size < LONG_MAX) {
                unchecked = d2i_X509_REQ(NULL, &p, (long) size);
                if (unchecked)
                        read_names(unchecked);
        }

        if (x509_csr_parse_der(data, size, 16 * 1024, &req) < 0)
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
