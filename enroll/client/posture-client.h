/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The posture report the agent adds to each /1.0/sign token
 * (docs/posture.md): a TPM2_Quote by the device's certified AK over a PCR
 * selection, with qualifying data derived from the token, the PCR values,
 * and the machine's facts (OS, kernel, Secure Boot, root on dm-crypt,
 * agent version). The wire format is common/posture.h.
 */
#pragma once

#include <stdint.h>
#include <openssl/x509.h>

#include "enroll/tpm/tpm-key.h"
#include "json.h"
#include "posture.h"

#define POSTURE_DEFAULT_BANK TPM2_ALG_SHA256
#define POSTURE_DEFAULT_PCRS 0xffu /* PCRs 0-7 */

/* What a report is made from; all borrowed. */
typedef struct posture_source {
        tpm_ctx *tpm;
        const tpm_key *ak;  /* certified by the Attestation CA */
        X509 *ak_cert;
        TPM2_ALG_ID bank;   /* 0: POSTURE_DEFAULT_BANK */
        uint32_t mask;      /* 0: POSTURE_DEFAULT_PCRS */
} posture_source;

/* Reads the facts of this machine: /etc/os-release (or
 * /usr/lib/os-release) ID and VERSION_ID, uname's release, the EFI
 * variable SecureBoot (absent without EFI), whether the root file
 * system's block device is dm-crypt or stands on one, and the agent's
 * version. A fact that cannot be read is left absent. 0 or -ENOMEM. */
int posture_client_facts(posture_facts *ret);

/* The "deviceid/posture" claim for a token with jti, iat and exp: quotes
 * with the AK and adds the facts. When the kernel exposes a TCG event log
 * of at most POSTURE_EVENTLOG_MAX bytes, the claim names it by its
 * SHA-256 ("eventlogSha256") and *ret_log gets its bytes, to send beside
 * the token as member POSTURE_EVENTLOG_MEMBER (NULL when there is none).
 * 0 and *ret, or -errno (TPM errors). */
int posture_client_report(const posture_source *s, const char *jti, int64_t iat, int64_t exp, json_object **ret,
                          uint8_t **ret_log, size_t *ret_log_len);

/* The same report over the given qualifying data (an ACME device-attest-01
 * answer: posture_qualifying_acme()). */
int posture_client_report_qualified(const posture_source *s, const uint8_t q[static 32], json_object **ret,
                                    uint8_t **ret_log, size_t *ret_log_len);
