/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Certificates and CSRs: build a CSR with DNS, IP, URI,
 * PermanentIdentifier (RFC 4043, otherName 1.3.6.1.5.5.7.8.3) and TPM
 * device (TCG directoryName) SANs signed through a signer (so a TPM key can
 * sign it), parse certificates and chains from PEM/DER, read their SANs
 * back, and verify chains. The module's one header; its files: x509-san.c
 * (SANs and the CN), x509-tpm.c (the TCG TPM name), x509-csr.c (CSRs),
 * x509-csr-read.c (CSRs read for issuance),
 * x509-cert.c (certificates), x509-verify.c (chains).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto.h"
#include "signer.h"

#define OID_PERMANENT_IDENTIFIER "1.3.6.1.5.5.7.8.3"
/* TCG attribute types describing a TPM (TCG EK Credential Profile 2.0). */
#define OID_TCG_AT_TPM_MANUFACTURER "2.23.133.2.1"
#define OID_TCG_AT_TPM_MODEL "2.23.133.2.2"
#define OID_TCG_AT_TPM_VERSION "2.23.133.2.3"
/* Longest attribute value we build or accept (the profile's STRMAX). */
#define X509_TPM_ATTR_MAX 255

typedef enum x509_san_type {
        X509_SAN_DNS,
        X509_SAN_IP,       /* value is the textual address, v4 or v6 */
        X509_SAN_URI,
        X509_SAN_EMAIL,
        X509_SAN_PERMANENT_ID, /* value = identifierValue, assigner optional */
        X509_SAN_TPM_DEVICE,   /* directoryName with the TCG TPM attributes, in tpm */
} x509_san_type;

/* The TPM a certificate speaks for, as the TCG EK Credential Profile puts
 * it in a directoryName SAN (EK and AK certificates): one RDN per
 * attribute, each a UTF8String. */
typedef struct x509_tpm_attrs {
        char *manufacturer; /* tcg-at-tpmManufacturer: "id:" + 8 hex digits */
        char *model;        /* tcg-at-tpmModel: the vendor's model string */
        char *version;      /* tcg-at-tpmVersion: "id:" + 8 hex digits */
} x509_tpm_attrs;

/* For PermanentIdentifier: building, a NULL value omits identifierValue
 * (then assigner is required); parsing, an absent identifierValue reads as
 * "" so value is never NULL in a parsed list.
 * For TPM_DEVICE: building, value is ignored and all three attributes are
 * required (printable ASCII, 1 to X509_TPM_ATTR_MAX bytes); parsing, value
 * is "" and an attribute the name does not hold is NULL (a directoryName
 * holding none of the three is skipped like other directoryNames). */
typedef struct x509_san {
        x509_san_type type;
        char *value;
        char *assigner; /* dotted OID or NULL; PermanentIdentifier only */
        x509_tpm_attrs tpm; /* TPM_DEVICE only */
} x509_san;

/* Fills *ret for a TPM as the TCG profile spells it: manufacturer "id:"
 * + 8 uppercase hex digits of TPM_PT_MANUFACTURER, the model string as
 * given, version "id:" + 8 uppercase hex digits of `version` (firmware
 * major << 16 | minor, as Attestation CAs put it). The strings are
 * malloc'ed (free with x509_tpm_attrs_done); -EINVAL if model is not 1 to
 * X509_TPM_ATTR_MAX bytes of printable ASCII. */
int x509_tpm_attrs_from_tpm(uint32_t manufacturer, const char *model, uint32_t version,
                            x509_tpm_attrs *ret);
/* Frees the three strings and clears *a; NULL is fine. */
void x509_tpm_attrs_done(x509_tpm_attrs *a);

typedef struct x509_san_list {
        x509_san *items;
        size_t n;
} x509_san_list;

/* Frees the list, its items and their strings; NULL is fine. */
void x509_san_list_free(x509_san_list *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(x509_san_list *, x509_san_list_free);
/* True if the list holds a SAN of this type with exactly this value. */
bool x509_san_list_contains(const x509_san_list *l, x509_san_type type, const char *value);

/* Encodes SANs as GeneralNames (for a subjectAltName extension), checking
 * them: DNS/URI/email non-empty printable ASCII, IP a v4 or v6 literal,
 * assigner a dotted OID, TPM attributes as above. -EINVAL on a bad SAN. Caller frees *ret with
 * GENERAL_NAMES_free(). */
int x509_sans_to_general_names(const x509_san *sans, size_t n_sans, GENERAL_NAMES **ret);

/* Builds a DER PKCS#10 CSR for the signer's public key, subject CN = cn
 * (NULL: empty subject; at most 64 bytes), with the given SANs (may be none)
 * in an extensionRequest (the SAN extension is critical when the subject is
 * empty), signed with the signer's default digest: ecdsa-with-SHA256/384
 * or sha256WithRSAEncryption. The TBS is signed through
 * signer_sign_digest() and the result is verified against the signer's
 * public key before it is returned (-EBADMSG if it does not verify).
 * -EINVAL for a bad CN or SAN. *ret_der is malloc'ed. */
int x509_csr_build(signer *s, const char *cn, const x509_san *sans, size_t n_sans, uint8_t **ret_der,
                   size_t *ret_len);
/* DER of a parsed CSR (malloc'ed). */
int x509_csr_to_der(X509_REQ *req, uint8_t **ret, size_t *ret_len);
/* "-----BEGIN CERTIFICATE REQUEST-----" PEM of a DER CSR, NUL-terminated,
 * malloc'ed. The DER is not parsed. */
int x509_csr_der_to_pem(const uint8_t *der, size_t len, char **ret);

/* Parses a DER CSR (at most max_len bytes, else -E2BIG) and checks its
 * self-signature; -EBADMSG if malformed, followed by trailing data, or the
 * signature does not verify. */
int x509_csr_parse_der(const uint8_t *der, size_t len, size_t max_len, X509_REQ **ret);
/* Same for the first PEM block of pem, which must be a CSR ("CERTIFICATE
 * REQUEST" or "NEW CERTIFICATE REQUEST") whose DER is at most max_len. */
int x509_csr_parse_pem(const char *pem, size_t len, size_t max_len, X509_REQ **ret);
/* A CSR read for issuance: its self-signature verified, its key, names and
 * DER at hand. A P-256 key signed with ecdsa-with-SHA256 in strict DER is
 * read without OpenSSL's generic key decoder (the costly part of a CSR);
 * any other CSR through x509_csr_parse_der(), with the same limits and
 * errors. */
typedef struct x509_csr x509_csr;
/* As x509_csr_parse_der() and x509_csr_parse_pem(). */
int x509_csr_read_der(const uint8_t *der, size_t len, size_t max_len, x509_csr **ret);
int x509_csr_read_pem(const char *pem, size_t len, size_t max_len, x509_csr **ret);
void x509_csr_free(x509_csr *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(x509_csr *, x509_csr_free);
/* The subject key, owned by the CSR. */
EVP_PKEY *x509_csr_public_key(const x509_csr *c);
/* The CSR's DER (as x509_csr_to_der() encodes it), owned by the CSR. */
const uint8_t *x509_csr_der(const x509_csr *c, size_t *ret_len);
/* As x509_csr_get_sans() and x509_csr_get_cn(). */
int x509_csr_sans(const x509_csr *c, x509_san_list **ret);
int x509_csr_cn(const x509_csr *c, char **ret);
/* True if the CSR was read without the generic decoder (tests). */
bool x509_csr_read_fast(const x509_csr *c);

/* SANs requested by the CSR (extensionRequest), possibly none (n = 0).
 * DNS, IP, URI, email, PermanentIdentifier and TPM-attribute directoryName
 * names are returned in order; other GeneralName types are skipped.
 * -EBADMSG if the extension is malformed, appears twice, or a name holds
 * NUL/non-ASCII bytes (IA5) or a NUL (UTF8String), or a directoryName
 * repeats a TPM attribute or gives one that is not a string of at most
 * X509_TPM_ATTR_MAX bytes. Free with x509_san_list_free(). */
int x509_csr_get_sans(X509_REQ *req, x509_san_list **ret);
/* Subject CN as a malloc'ed UTF-8 string, or -ENOENT; -EBADMSG if the
 * subject has two CNs or the CN holds a NUL. */
int x509_csr_get_cn(X509_REQ *req, char **ret);

/* One DER certificate, no trailing data; -EBADMSG if malformed. */
int x509_cert_from_der(const uint8_t *der, size_t len, X509 **ret);
/* The first certificate of a PEM text; -EBADMSG if there is none. */
int x509_cert_from_pem(const char *pem, size_t len, X509 **ret);
/* All certificates in a PEM bundle, in file order; -ENOENT if none,
 * -E2BIG if more than max_certs, -EBADMSG if a CERTIFICATE block is
 * malformed. PEM blocks of other types are skipped. */
int x509_chain_from_pem(const char *pem, size_t len, size_t max_certs, STACK_OF(X509) **ret);
int x509_cert_to_der(X509 *cert, uint8_t **ret, size_t *ret_len);
int x509_cert_to_pem(X509 *cert, char **ret);
/* Concatenated PEM of every certificate in order. */
int x509_chain_to_pem(STACK_OF(X509) *chain, char **ret);

/* As x509_csr_get_sans/x509_csr_get_cn, for a certificate. */
int x509_cert_get_sans(X509 *cert, x509_san_list **ret);
int x509_cert_get_cn(X509 *cert, char **ret);
/* notBefore and notAfter as time_t (UTC); either pointer may be NULL. */
int x509_cert_get_validity(X509 *cert, time_t *ret_not_before, time_t *ret_not_after);

/* Verifies leaf up to one of roots, using untrusted as intermediates (may be
 * NULL), at time `at` (0 = now). Roots are trust anchors as given; the chain
 * must end in a self-signed one (no partial chains). If purpose_clientauth,
 * the leaf must carry an extendedKeyUsage naming clientAuth and a keyUsage
 * naming digitalSignature, and pass OpenSSL's TLS client purpose check (CAs
 * in the chain allow the purpose). 0 if it verifies;
 * -EBADMSG with the reason at debug if not. */
int x509_chain_verify(X509 *leaf, STACK_OF(X509) *untrusted, STACK_OF(X509) *roots, time_t at,
                      bool purpose_clientauth);
/* The same for a chain as a server sends it: chain[0] is the leaf, the
 * rest are untrusted intermediates (the stack is not modified). */
int x509_chain_verify_stack(STACK_OF(X509) *chain, STACK_OF(X509) *roots, time_t at, bool purpose_clientauth);

/* The certificate's serial number as lowercase hex without leading zeros
 * (the form deviceid-ca stores and prints); malloc'ed. 0 or -ENOMEM. */
int x509_cert_serial_hex(X509 *cert, char **ret);
