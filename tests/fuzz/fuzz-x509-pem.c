/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the certificate parsers: any bytes as a PEM bundle
 * through x509_chain_from_pem() (with a small certificate limit) and as one
 * DER certificate through x509_cert_from_der(). Every certificate that
 * parses has its CN, SANs and validity read, and must round-trip through
 * DER and PEM.
 */
#include <stdint.h>
#include <stdlib.h>

#include "x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(X509 *cert) {
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        _cleanup_free_ char *cn = NULL, *pem = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        _cleanup_x509_ X509 *back = NULL;
        time_t nb, na;
        size_t len;

        if (x509_cert_get_sans(cert, &sans) == 0)
                for (size_t i = 0; i < sans->n; i++)
                        if (!sans->items[i].value)
                                abort();
        (void) x509_cert_get_cn(cert, &cn);
        (void) x509_cert_get_validity(cert, &nb, &na);
        if (x509_cert_to_der(cert, &der, &len) < 0)
                return; /* OpenSSL may refuse to re-encode what it decoded */
        if (x509_cert_from_der(der, len, &back) < 0 || X509_cmp(cert, back) != 0)
                abort();
        if (x509_cert_to_pem(cert, &pem) < 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        _cleanup_x509_ X509 *single = NULL;
        _cleanup_free_ char *pem = NULL;

        if (x509_chain_from_pem((const char *) data, size, 4, &chain) == 0) {
                if (sk_X509_num(chain) < 1 || sk_X509_num(chain) > 4)
                        abort();
                for (int i = 0; i < sk_X509_num(chain); i++)
                        exercise(sk_X509_value(chain, i));
                if (x509_chain_to_pem(chain, &pem) < 0)
                        abort();
        }
        if (x509_cert_from_der(data, size, &single) == 0)
                exercise(single);
        return 0;
}
