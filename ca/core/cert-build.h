/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Building and signing an X.509 v3 certificate from a profile (lifetime,
 * key usage, extended key usage, CA flag): the signing primitive under the
 * issuer, also used by init for the CA directory's own certificates. No
 * store and no files: keys and certificates in, a certificate out.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "crypto.h"
#include "x509.h"

/* Key usage bits (RFC 5280 4.2.1.3) and extended key usages. */
enum {
        CERT_KU_DIGITAL_SIGNATURE = 1 << 0,
        CERT_KU_KEY_ENCIPHERMENT = 1 << 1,
        CERT_KU_KEY_AGREEMENT = 1 << 2,
        CERT_KU_KEY_CERT_SIGN = 1 << 3,
        CERT_KU_CRL_SIGN = 1 << 4,
};
enum {
        CERT_EKU_SERVER_AUTH = 1 << 0,
        CERT_EKU_CLIENT_AUTH = 1 << 1,
        CERT_EKU_TCG_AIK = 1 << 2, /* 2.23.133.8.3, placed first when set */
        CERT_EKU_OCSP_SIGNING = 1 << 3,
};

typedef struct cert_profile {
        uint64_t lifetime;      /* seconds from not_before */
        time_t not_before;      /* 0: now minus a small backdate for clock skew */
        unsigned key_usage;     /* CERT_KU_* */
        unsigned ext_key_usage; /* CERT_EKU_*; 0: no EKU extension */
        bool is_ca;
        int path_len;           /* CA only; -1: unlimited */
        /* Revocation locations (the hook through which the issuer puts
         * them in every certificate it issues, issuer.h): when set, a CRL
         * Distribution Points extension naming crl_url and an Authority
         * Information Access extension naming ocsp_url (id-ad-ocsp), both
         * plain http:// URLs (RFC 5280 4.2.1.13, 4.2.2.1). Borrowed. */
        const char *crl_url;
        const char *ocsp_url;
        /* id-pkix-ocsp-nocheck (RFC 6960 4.2.2.2.1): for delegated OCSP
         * responder certificates. */
        bool ocsp_nocheck;
        /* The certificate is only encoded and sent, never verified or
         * asked for its key in this process: a named-curve EC subject key
         * is then written without OpenSSL's encoder and decoder (the
         * returned X509's X509_get0_pubkey() is NULL). */
        bool encode_only;
} cert_profile;

/* Default profile for an end-entity key: digitalSignature (+
 * keyEncipherment for RSA keys), the given EKUs, the lifetime. Pure. */
cert_profile cert_profile_leaf(EVP_PKEY *key, unsigned ext_key_usage, uint64_t lifetime);

/* A new certificate for subject_key, signed by issuer_key as issuer_cert
 * (NULL: self-signed, subject_cn required), with a random serial (128
 * bits, positive), the profile's extensions (basicConstraints and keyUsage
 * critical, EKU, SKI, AKI) and the SANs (critical when the subject is
 * empty). notAfter is clamped to the issuer's. Returns 0 or -errno. */
int cert_create(X509 *issuer_cert, EVP_PKEY *issuer_key, EVP_PKEY *subject_key, const char *subject_cn,
                const x509_san *sans, size_t n_sans, const cert_profile *p, X509 **ret);
