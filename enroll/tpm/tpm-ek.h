/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The endorsement key: read from its persistent handle or recreated from
 * the TCG default template, its certificate from NV, and its EK URI
 * (protocols.md 0).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "enroll/tpm/tpm.h"

typedef struct tpm_ek {
        tpm_ek_type type;
        /* The persistent handle the EK was read from, or 0 when it was
         * recreated from the template (then flushed at once). */
        TPM2_HANDLE handle;
        TPM2B_PUBLIC public;
        EVP_PKEY *pkey;
        /* DER EK certificate from NV, or NULL if the TPM has none. */
        uint8_t *cert;
        size_t cert_len;
} tpm_ek;

/* "rsa2048" / "ecc256" / "ecc384" and back (-EINVAL). */
const char *tpm_ek_type_to_string(tpm_ek_type type);
int tpm_ek_type_from_string(const char *s);

/* The EK of this type: the persistent one if its handle holds an object
 * of that type, else recreated from the TCG default template (transient,
 * flushed before returning). Its certificate is read from NV if present
 * (absence is not an error). *ret is freed with tpm_ek_free(). */
int tpm_ek_read(tpm_ctx *t, tpm_ek_type type, tpm_ek **ret);

/* The device's EK by the rule of protocols.md 0: the persistent RSA EK,
 * else a persistent ECC EK (P-256, then P-384), else the RSA EK recreated
 * from its template, else the ECC P-256 one. */
int tpm_ek_default(tpm_ctx *t, tpm_ek **ret);

void tpm_ek_free(tpm_ek *ek);
static inline void tpm_ek_freep(tpm_ek **ek) {
        tpm_ek_free(*ek);
}

/* "urn:ek:sha256:..." of the EK (protocols.md 0); malloc'ed. */
int tpm_ek_uri(const tpm_ek *ek, char **ret);
