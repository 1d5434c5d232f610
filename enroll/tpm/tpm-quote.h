/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TPM2_Quote by an attestation key over a PCR selection of one bank, with
 * the PCR values it covers (docs/posture.md). The verifier's side is
 * common/tpm2quote.h.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "enroll/tpm/tpm.h"
#include "tpm2quote.h"

/* Quotes the PCRs of mask in bank with ak (restricted: -EPERM otherwise)
 * and qualifying (at most 64 bytes) as extraData, and reads their values.
 * The values are read before the quote and checked against its
 * pcrDigest; a PCR extended in between makes it try again (up to 3
 * times, then -EAGAIN). Returns the TPMS_ATTEST and TPMT_SIGNATURE bytes
 * (no size prefix, malloc'ed) and the values; 0 or -errno. */
int tpm_quote(tpm_ctx *t, const tpm_key *ak, TPM2_ALG_ID bank, uint32_t mask, const uint8_t *qualifying,
              size_t qualifying_len, uint8_t **ret_attest, size_t *ret_attest_len, uint8_t **ret_sig,
              size_t *ret_sig_len, tpm2_pcr_values *ret_pcrs);
