/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the files of the x509 module (x509-san.c, x509-csr.c,
 * x509-csr-read.c, x509-cert.c, x509-verify.c, x509-tpm.c) share and nobody else needs.
 */
#pragma once

#include <openssl/x509v3.h>

#include "x509.h"

static inline void x509_openssl_freep(void *p) {
        OPENSSL_free(*(void **) p);
}

/* The SANs of the name types x509_san_type knows, in order; other types
 * (directoryNames without TPM attributes, registeredID, foreign
 * otherNames, ...) are skipped. -EBADMSG for a malformed name. Free *ret
 * with x509_san_list_free(). (x509-san.c) */
int x509_sans_from_general_names(const GENERAL_NAMES *gens, x509_san_list **ret);

/* The CN of a subject as a malloc'ed UTF-8 string; -ENOENT if none,
 * -EBADMSG if two or holding a NUL. (x509-san.c) */
int x509_name_get_cn(const X509_NAME *name, char **ret);

/* A directoryName GeneralName holding the three TPM attributes of *a (one
 * RDN each, UTF8String, in manufacturer/model/version order). -EINVAL if
 * an attribute is missing, empty, longer than X509_TPM_ATTR_MAX or not
 * printable ASCII. The caller frees *ret with GENERAL_NAME_free(). */
int x509_tpm_name_encode(const x509_tpm_attrs *a, GENERAL_NAME **ret);

/* Reads the TPM attributes out of a directoryName: -ENOENT if it holds
 * none of them (not a TPM name), -EBADMSG if one appears twice or its
 * value is not a string convertible to UTF-8 of at most X509_TPM_ATTR_MAX
 * bytes without NUL. Attributes of other types are ignored; absent ones
 * are NULL. *ret is written only on success. */
int x509_tpm_name_decode(const X509_NAME *name, x509_tpm_attrs *ret);

/* The DER of the first PEM block of pem, which must be a CSR ("CERTIFICATE
 * REQUEST" or "NEW CERTIFICATE REQUEST") without headers; the text is
 * bounded by max_len (the DER's limit) before anything is decoded. *ret is
 * malloc'ed. -E2BIG, -EBADMSG. (x509-csr.c) */
int x509_csr_pem_to_der(const char *pem, size_t len, size_t max_len, uint8_t **ret, size_t *ret_len);

/* The SANs of a subjectAltName among exts (NULL: none), as
 * x509_csr_get_sans() returns them. (x509-csr.c) */
int x509_sans_from_extensions(const STACK_OF(X509_EXTENSION) *exts, x509_san_list **ret);
