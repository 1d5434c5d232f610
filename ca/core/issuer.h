/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CA directory's key material and certificate issuance. issuer_load()
 * reads the root and the three intermediates (Attestation CA, Agent CA,
 * Account CA) with their keys (which must be 0600); issuer_issue() signs a
 * certificate for a public key with one of them, from a profile (lifetime,
 * key usage, extended key usage, CA flag), records it in the store
 * (table certificates: serial, issuing CA, device/account link,
 * validity, revocation state, DER) and returns it with its chain.
 *
 * Which intermediate serves what: "attestation" signs AK certificates;
 * "agent" signs every certificate issued through an ACME provisioner
 * (device identities for "agents", server/client certificates for "acme");
 * "account" signs /1.0/sign certificates. issuer_ca_from_string() also
 * accepts "acme" as a name of the Agent CA.
 *
 * Serial numbers are 128 random bits (positive, lowercase hex in the
 * store). The issuer is thread-safe: its keys are read-only after load and
 * the store gives each thread its own connection.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "crypto.h"
#include "store.h"
#include "x509.h"

typedef enum ca_kind {
        CA_ATTESTATION,
        CA_AGENT,
        CA_ACCOUNT,
        _CA_KIND_MAX,
        CA_KIND_INVALID = -EINVAL,
} ca_kind;

/* "attestation", "agent" (or "acme"), "account". */
ca_kind ca_kind_from_string(const char *s);
const char *ca_kind_to_string(ca_kind k);

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
};

typedef struct cert_profile {
        uint64_t lifetime;      /* seconds from not_before */
        time_t not_before;      /* 0: now minus a small backdate for clock skew */
        unsigned key_usage;     /* CERT_KU_* */
        unsigned ext_key_usage; /* CERT_EKU_*; 0: no EKU extension */
        bool is_ca;
        int path_len;           /* CA only; -1: unlimited */
} cert_profile;

/* Default profile for an end-entity key: digitalSignature (+
 * keyEncipherment for RSA keys), the given EKUs, the lifetime. Pure. */
cert_profile cert_profile_leaf(EVP_PKEY *key, unsigned ext_key_usage, uint64_t lifetime);

typedef struct issue_request {
        ca_kind ca;
        EVP_PKEY *public_key;     /* subject key (only the public part is used) */
        const char *subject_cn;   /* NULL: empty subject */
        const x509_san *sans;     /* may be 0 */
        size_t n_sans;
        cert_profile profile;
        int64_t device_id;        /* inventory link, 0 for none */
        const char *account;      /* free-form owner reference (ACME account id), or NULL */
} issue_request;

typedef struct issued_cert {
        char *serial;             /* lowercase hex */
        X509 *cert;
        char *chain_pem;          /* leaf, then the issuing intermediate */
        time_t not_after;
} issued_cert;
void issued_cert_done(issued_cert *c);

typedef struct issuer issuer;

/* Loads DIR's root.pem, {attestation,agent,account}-ca.pem/.key (keys must
 * not be group/other accessible: -EPERM) relative to dirfd; st may be NULL
 * for an issuer that only signs (init). Returns 0 or -errno, logging what
 * is wrong. */
int issuer_load(int dirfd, store *st, issuer **ret);
void issuer_free(issuer *i);
DEFINE_TRIVIAL_CLEANUP_FUNC(issuer *, issuer_free);

/* Borrowed certificates. */
X509 *issuer_root(const issuer *i);
X509 *issuer_ca_cert(const issuer *i, ca_kind k);
/* PEM of the root (borrowed). */
const char *issuer_root_pem(const issuer *i);

/* Builds, signs, and (if the issuer has a store) records a certificate in
 * one statement; joins the caller's transaction if there is one. Fills
 * *ret (free with issued_cert_done). Returns 0 or -errno (-EINVAL for an
 * unusable request). */
int issuer_issue(issuer *i, const issue_request *req, issued_cert *ret);

/* The signing primitive under issuer_issue(), also used by init: a new
 * certificate for subject_key, signed by issuer_key as issuer_cert (NULL:
 * self-signed, subject_cn required), with a random serial, the profile's
 * extensions (basicConstraints and keyUsage critical, EKU, SKI, AKI) and
 * the SANs (critical when the subject is empty). notAfter is clamped to
 * the issuer's. Returns 0 or -errno. */
int cert_create(X509 *issuer_cert, EVP_PKEY *issuer_key, EVP_PKEY *subject_key, const char *subject_cn,
                const x509_san *sans, size_t n_sans, const cert_profile *p, X509 **ret);
/* Loads a private key file relative to dirfd, refusing one that group or
 * others may access (-EPERM) or that is not a regular file. Logs. */
int issuer_load_key(int dirfd, const char *name, EVP_PKEY **ret);

/* issuer_issue() for a PKCS#10 request: the CSR's key, its subject CN
 * (if any) and its requested SANs (at least one of the two). The caller
 * has already checked the CSR's signature (x509_csr_parse_*) and decided
 * that the names may be issued. Returns 0 or -errno. */
int issuer_issue_csr(issuer *i, ca_kind ca, X509_REQ *csr, const cert_profile *profile, int64_t device_id,
                     const char *account, issued_cert *ret);

/* Revocation. Reasons are RFC 5280 CRLReason codes (0 unspecified,
 * 1 keyCompromise, 4 superseded, 5 cessationOfOperation, ...).
 * By serial: 0 if revoked now, -EALREADY if it already was, -ENOENT if
 * unknown. By device: number of certificates newly revoked. */
int issuer_revoke_serial(issuer *i, const char *serial, int reason);
int issuer_revoke_device(issuer *i, int64_t device_id, int reason);
/* The same as issuer_revoke_device() for callers without an issuer (the
 * inventory); joins the caller's transaction. */
int certificates_revoke_device(store *st, int64_t device_id, int reason);

#define CRL_REASON_UNSPECIFIED 0
#define CRL_REASON_KEY_COMPROMISE 1
#define CRL_REASON_SUPERSEDED 4
#define CRL_REASON_CESSATION_OF_OPERATION 5

typedef struct issued_info {
        char *serial;
        char *ca;          /* "agent", ... */
        int64_t device_id; /* 0 if none */
        char *account;     /* NULL if none */
        time_t not_before, not_after;
        bool revoked;
        time_t revoked_at; /* 0 if not revoked */
        int reason;
        uint8_t *der;
        size_t der_len;
} issued_info;
void issued_info_done(issued_info *c);
/* Looks a certificate up by serial (hex, any case, leading zeros
 * ignored); -ENOENT if unknown. */
int issuer_lookup(issuer *i, const char *serial, issued_info *ret);

/* Schema of the certificates table (store module "ca"), applied by the
 * server and the CLI at start. */
int issuer_store_migrate(store *st);
