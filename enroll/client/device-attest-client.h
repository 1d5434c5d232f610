/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device certificate by ACME device-attest-01, `tpm` format
 * (protocols.md 2): a fresh device key in the TPM, certified by the AK
 * over SHA-256(keyAuthorization), the attObj that carries the proof, and
 * the order finalized with a CSR the device key signs.
 *
 *  - pure: the attObj (CBOR, libcbor); unit-tested with fixed vectors;
 *  - the order: over acme-client.h and the TPM layer; the issued chain
 *    must pass identity_check_chain() (identity-check.h).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <openssl/x509.h>

#include "cert-bundle.h"
#include "enroll/client/attest-client.h"
#include "enroll/tpm/tpm-key.h"
#include "json.h"

#define DEVICE_ATTEST_MAX_X5C 4u
#define DEVICE_ATTEST_MAX_CHAIN 8u
#define DEVICE_ATTEST_MAX_CHAIN_PEM (64u * 1024u)

/* COSE algorithm of an AK: -7 (ES256) for ECC, -257 (RS256) for RSA;
 * -EOPNOTSUPP otherwise. */
int device_attest_client_cose_alg(const TPMT_PUBLIC *ak_public, int *ret);

/* CBOR map {"fmt": "tpm", "attStmt": {"ver": "2.0", "alg": cose_alg,
 * "x5c": [x5c[0], ...], "sig", "certInfo", "pubArea"}} in that order.
 * x5c: 1..DEVICE_ATTEST_MAX_X5C DER certificates (not parsed here), AK
 * certificate first; the other buffers are non-empty. cose_alg is -7 or
 * -257 (-EINVAL otherwise). *ret is malloc'ed. Pure. */
int device_attest_client_build_attobj(int cose_alg, const uint8_t *const *x5c, const size_t *x5c_len,
                                      size_t n_x5c, const uint8_t *sig, size_t sig_len,
                                      const uint8_t *cert_info, size_t cert_info_len,
                                      const uint8_t *pub_area, size_t pub_area_len, uint8_t **ret,
                                      size_t *ret_len);

/* The challenge answer {"attObj": base64url(attObj)}, with "posture":
 * the report (docs/posture.md) when posture is not NULL (borrowed), and
 * "eventlog": standard base64 of the TCG event log it names by digest
 * when eventlog is not NULL; malloc'ed. */
int device_attest_client_build_payload(const uint8_t *att_obj, size_t len, json_object *posture,
                                       const uint8_t *eventlog, size_t eventlog_len, char **ret);

typedef struct device_attest_client_result {
        tpm_key *key;          /* the device key (blobs; lives in this TPM) */
        cert_bundle cert;      /* device certificate first, PEM as downloaded */
} device_attest_client_result;
void device_attest_client_result_done(device_attest_client_result *r);

/* The whole order at directory_url (e.g. https://ca:8443/acme/agents/
 * directory) for ak->ek_uri: throwaway account, newOrder for the
 * permanent-identifier, the device-attest-01 challenge answered with a new
 * TPM key of key_alg certified by ak->ak (x5c = ak->chain), finalize with
 * a CSR (CN = EK URI) signed by that key, download, and
 * identity_check_chain(IDENTITY_CERT_DEVICE) against roots, which also
 * anchor TLS (may be NULL: then TLS uses the system store and the chain
 * is not verified to a root). The answer carries a posture report by
 * ak->ak over the sha256 PCRs of posture_pcrs (0: POSTURE_DEFAULT_PCRS).
 * 0 and *ret (the caller's), or -errno with *e filled (kinds as in
 * failure.h; a challenge the CA finds invalid is REFUSED). */
int device_attest_client_enroll(tpm_ctx *t, const char *directory_url, const cert_bundle *roots,
                                const attest_client_result *ak, tpm_key_alg key_alg, uint32_t posture_pcrs,
                                device_attest_client_result *ret, client_failure *e);
