/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What x509.c and x509-tpm.c share and nobody else needs: the TCG TPM
 * directoryName as a GeneralName, built and parsed.
 */
#pragma once

#include <openssl/x509v3.h>

#include "x509.h"

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
