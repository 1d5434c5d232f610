/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CA directory's key material and certificate issuance. issuer_load()
 * reads the root and the three intermediates (Attestation CA, Agent CA,
 * Account CA) with their keys (which must be 0600); issuer_issue() signs a
 * certificate for a public key with one of them, from a profile
 * (cert-build.h), records it in the certificates table (certificates.h)
 * and returns it with its chain.
 *
 * Which intermediate serves what: "attestation" signs AK certificates;
 * "agent" signs every certificate issued through an ACME provisioner
 * (device identities for "agents", server/client certificates for "acme");
 * "account" signs /1.0/sign certificates. ca_kind_from_string() also
 * accepts "acme" as a name of the Agent CA.
 *
 * The issuer is thread-safe: its keys are read-only after load and the
 * store gives each thread its own connection.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "cert-build.h"
#include "certificates.h"
#include "crypto.h"
#include "store.h"
#include "x509.h"

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

#define ISSUER_ACCOUNT_ROOT_FILE "account-root.pem"

/* Loads DIR's root.pem, account-root.pem if present, {attestation,agent,account}-ca.pem/.key (keys must
 * not be group/other accessible: -EPERM) relative to dirfd; no root key
 * is ever read. account-ca.pem must be issued by account-root.pem when
 * that exists, else (a directory made before it) by root.pem; st may be NULL
 * for an issuer that only signs. Returns 0 or -errno, logging what is
 * wrong. */
int issuer_load(int dirfd, store *st, issuer **ret);
void issuer_free(issuer *i);
DEFINE_TRIVIAL_CLEANUP_FUNC(issuer *, issuer_free);

/* Borrowed certificates. */
X509 *issuer_root(const issuer *i);
X509 *issuer_ca_cert(const issuer *i, ca_kind k);
/* PEM of the root (borrowed). */
const char *issuer_root_pem(const issuer *i);
/* The root intermediate k chains to: account-root.pem for the Account CA
 * (when the directory has one), root.pem otherwise. Borrowed. */
X509 *issuer_ca_root(const issuer *i, ca_kind k);
/* Whether the directory has the Account CA's own root. */
bool issuer_has_account_root(const issuer *i);
/* The private key of intermediate k (borrowed), for what the CA signs
 * besides certificates: its CRLs and OCSP responder certificates. */
EVP_PKEY *issuer_ca_key(const issuer *i, ca_kind k);

/* The revocation hook: from now on every certificate issuer_issue()
 * signs names base_url/crl/CA.crl in its CRL Distribution Points and
 * base_url/ocsp in its Authority Information Access (cert_profile.crl_url,
 * .ocsp_url), CA being the issuing CA's name (ca_kind_to_string()).
 * base_url is an http:// URL without a trailing slash; NULL turns the
 * extensions off (the default). Call before the issuer is shared between
 * threads. Returns 0 or -EINVAL/-ENOMEM. */
int issuer_set_revocation_base(issuer *i, const char *base_url);
/* The URLs above for CA k (borrowed; NULL without a base). */
const char *issuer_crl_url(const issuer *i, ca_kind k);
const char *issuer_ocsp_url(const issuer *i);

/* Builds, signs, and (if the issuer has a store) records a certificate in
 * one statement; joins the caller's transaction if there is one. Fills
 * *ret (free with issued_cert_done). Returns 0 or -errno (-EINVAL for an
 * unusable request). */
int issuer_issue(issuer *i, const issue_request *req, issued_cert *ret);
/* issuer_issue() in two steps, so that the signing can happen before the
 * caller's transaction and only the record inside it: issuer_make()
 * builds and signs the certificate and fills *ret without touching the
 * store; issuer_record() records it (if the issuer has a store), making
 * it again with a new serial on a serial collision. On an error of
 * issuer_record() the caller still frees *c with issued_cert_done(). */
int issuer_make(issuer *i, const issue_request *req, issued_cert *ret);
int issuer_record(issuer *i, const issue_request *req, issued_cert *c);

/* issuer_issue() for a PKCS#10 request: the CSR's key, its subject CN
 * (if any) and its requested SANs (at least one of the two). The caller
 * has already checked the CSR's signature (x509_csr_parse_*) and decided
 * that the names may be issued. Returns 0 or -errno. */
int issuer_issue_csr(issuer *i, ca_kind ca, X509_REQ *csr, const cert_profile *profile, int64_t device_id,
                     const char *account, issued_cert *ret);

/* Loads a private key file relative to dirfd, refusing one that group or
 * others may access (-EPERM) or that is not a regular file. Logs. */
int issuer_load_key(int dirfd, const char *name, EVP_PKEY **ret);
