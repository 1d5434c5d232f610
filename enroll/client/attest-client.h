/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device side of the Attestation CA exchange (protocols.md 1): an AK
 * certificate by credential activation (attest-client.c), over the TPM
 * layer, the HTTP client and the pure wire formats of attest-wire.h. The
 * issued chain must pass identity_check_chain() (identity-check.h).
 *
 * Errors are -errno. The library logs at debug only; attest_client_enroll
 * hands back what failed in a client_failure (failure.h) for the caller
 * to report once.
 */
#pragma once

#include <openssl/x509.h>

#include "cert-bundle.h"
#include "enroll/client/failure.h"
#include "enroll/tpm/tpm-key.h"

typedef struct attest_client_result {
        tpm_key *ak;            /* the AK the certificate is for */
        STACK_OF(X509) *chain;  /* AK certificate first, then intermediates */
        char *ek_uri;           /* this TPM's EK URI */
} attest_client_result;
/* Frees everything and zeroes *r; safe on a zeroed struct. */
void attest_client_result_done(attest_client_result *r);

/* Enrolls an AK with the Attestation CA at base_url (e.g.
 * "https://ca.example:8443/attestation"): reads the TPM info and default
 * EK, creates an AK of type ak_alg, POSTs {base}/attest, activates the
 * credential in the TPM, POSTs the recovered secret to {base}/secret
 * (both with one random X-Request-Id) and checks the returned chain with
 * identity_check_chain (IDENTITY_CERT_AK) against roots, which also
 * anchor TLS (may be NULL: system store, and no chain verification).
 * The recovered secret is erased after use.
 *
 * Returns 0 and fills *ret (owned by the caller), or -errno with *error
 * (may be NULL) saying where and why; *ret is untouched then. Errno
 * values: those of tpm.h for CLIENT_FAIL_TPM, of http_client_perform()
 * for CLIENT_FAIL_CONNECT; -EACCES for REFUSED; -EBADMSG / -E2BIG /
 * -EMSGSIZE / -EPROTO for RESPONSE, and -EBADE when the TPM finds the
 * credential was not made for this AK and EK; those of
 * identity_check_chain for CHECK. */
int attest_client_enroll(tpm_ctx *t, const char *base_url, const cert_bundle *roots, tpm_key_alg ak_alg,
                         attest_client_result *ret, client_failure *error);
