/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Certificates and CSRs: build a CSR with DNS, IP, URI and
 * PermanentIdentifier (RFC 4043, otherName 1.3.6.1.5.5.7.8.3) SANs signed
 * through a signer (so a TPM key can sign it), parse certificates and
 * chains from PEM/DER, read their SANs back, and verify chains.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto.h"
#include "signer.h"

#define OID_PERMANENT_IDENTIFIER "1.3.6.1.5.5.7.8.3"

typedef enum x509_san_type {
        X509_SAN_DNS,
        X509_SAN_IP,       /* value is the textual address, v4 or v6 */
        X509_SAN_URI,
        X509_SAN_EMAIL,
        X509_SAN_PERMANENT_ID, /* value = identifierValue, assigner optional */
} x509_san_type;

typedef struct x509_san {
        x509_san_type type;
        char *value;
        char *assigner; /* dotted OID or NULL; PermanentIdentifier only */
} x509_san;

typedef struct x509_san_list {
        x509_san *items;
        size_t n;
} x509_san_list;

void x509_san_list_free(x509_san_list *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(x509_san_list *, x509_san_list_free);

/* Builds a DER PKCS#10 CSR for the signer's public key, subject CN = cn
 * (NULL: empty subject), with the given SANs (may be none), signed with the
 * signer's default digest. */
int x509_csr_build(signer *s, const char *cn, const x509_san *sans, size_t n_sans, uint8_t **ret_der,
                   size_t *ret_len);

/* Parses a DER CSR (at most max_len bytes) and checks its self-signature;
 * -EBADMSG if malformed or the signature does not verify. */
int x509_csr_parse_der(const uint8_t *der, size_t len, size_t max_len, X509_REQ **ret);
int x509_csr_parse_pem(const char *pem, size_t len, size_t max_len, X509_REQ **ret);
/* SANs requested by the CSR (extensionRequest), possibly none. */
int x509_csr_get_sans(X509_REQ *req, x509_san_list **ret);
/* Subject CN as a malloc'ed UTF-8 string, or -ENOENT. */
int x509_csr_get_cn(X509_REQ *req, char **ret);

int x509_cert_from_der(const uint8_t *der, size_t len, X509 **ret);
int x509_cert_from_pem(const char *pem, size_t len, X509 **ret);
/* All certificates in a PEM bundle, in file order; -ENOENT if none,
 * -E2BIG if more than max_certs. */
int x509_chain_from_pem(const char *pem, size_t len, size_t max_certs, STACK_OF(X509) **ret);
int x509_cert_to_der(X509 *cert, uint8_t **ret, size_t *ret_len);
int x509_cert_to_pem(X509 *cert, char **ret);
/* Concatenated PEM of every certificate in order. */
int x509_chain_to_pem(STACK_OF(X509) *chain, char **ret);

int x509_cert_get_sans(X509 *cert, x509_san_list **ret);
int x509_cert_get_cn(X509 *cert, char **ret);
int x509_cert_get_validity(X509 *cert, time_t *ret_not_before, time_t *ret_not_after);

/* Verifies leaf up to one of roots, using untrusted as intermediates (may be
 * NULL), at time `at` (0 = now). If purpose_clientauth, the leaf must be
 * valid for TLS client authentication. 0 if it verifies; -EBADMSG with the
 * reason at debug if not. */
int x509_chain_verify(X509 *leaf, STACK_OF(X509) *untrusted, STACK_OF(X509) *roots, time_t at,
                      bool purpose_clientauth);
