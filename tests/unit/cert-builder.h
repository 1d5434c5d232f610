/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Certificates made at run time for the attest-client and http-client
 * tests: one call per certificate, with exactly the SANs, extended key
 * usage and CA flag a case needs, signed by a fixed test key
 * (tests/unit/data/crypto) or self-signed. Test code only: it aborts on
 * any OpenSSL failure since nothing after it would mean anything.
 */
#pragma once

#include <openssl/x509v3.h>

#include "crypto.h"
#include "x509.h"

typedef struct testcert_spec {
        const char *cn;          /* NULL: empty subject */
        const x509_san *sans;    /* may be none */
        size_t n_sans;
        const char *eku;         /* e.g. "2.23.133.8.3" or "serverAuth"; NULL: none */
        bool ca;
        const char *key_usage;   /* for a leaf, e.g. "critical,digitalSignature"; NULL: none */
        long not_before_offset;  /* seconds from now */
        long not_after_offset;
} testcert_spec;

static inline void testcert_add_ext(X509 *cert, X509 *issuer, int nid, const char *value) {
        X509V3_CTX ctx;
        X509_EXTENSION *ext;

        X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, NULL, NULL, 0);
        ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
        if (!ext || X509_add_ext(cert, ext, -1) != 1) {
                printf("Bail out! cannot add extension %s\n", value);
                exit(1);
        }
        X509_EXTENSION_free(ext);
}

/* A certificate for pub, signed by issuer_key with issuer's name as issuer
 * (issuer NULL: self-issued). Caller frees. */
static inline X509 *testcert_make(EVP_PKEY *pub, X509 *issuer, EVP_PKEY *issuer_key,
                                  const testcert_spec *spec) {
        static long serial = 1000;
        X509 *cert = X509_new();
        X509_NAME *name = X509_NAME_new();
        GENERAL_NAMES *gens = NULL;

        if (!cert || !name || X509_set_version(cert, 2) != 1 ||
            ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++) != 1)
                abort();
        if (spec->cn && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                                   (const unsigned char *) spec->cn, -1, -1, 0) != 1)
                abort();
        if (X509_set_subject_name(cert, name) != 1 ||
            X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name) != 1 ||
            X509_set_pubkey(cert, pub) != 1 ||
            !X509_gmtime_adj(X509_getm_notBefore(cert), spec->not_before_offset ?: -3600) ||
            !X509_gmtime_adj(X509_getm_notAfter(cert), spec->not_after_offset ?: 86400))
                abort();
        X509_NAME_free(name);

        testcert_add_ext(cert, issuer, NID_basic_constraints,
                         spec->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
        if (spec->ca)
                testcert_add_ext(cert, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
        else if (spec->key_usage)
                testcert_add_ext(cert, issuer, NID_key_usage, spec->key_usage);
        if (spec->eku)
                testcert_add_ext(cert, issuer, NID_ext_key_usage, spec->eku);
        if (spec->n_sans > 0) {
                if (x509_sans_to_general_names(spec->sans, spec->n_sans, &gens) < 0 ||
                    X509_add1_ext_i2d(cert, NID_subject_alt_name, gens, spec->cn ? 0 : 1, 0) != 1)
                        abort();
                GENERAL_NAMES_free(gens);
        }
        if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0)
                abort();
        return cert;
}

/* DER of a certificate, malloc'ed. */
static inline uint8_t *testcert_der(X509 *cert, size_t *ret_len) {
        uint8_t *der = NULL;

        if (x509_cert_to_der(cert, &der, ret_len) < 0)
                abort();
        return der;
}
