/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TPM2_ActivateCredential with an attestation key and the EK
 * (protocols.md 1).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "enroll/tpm/tpm-ek.h"
#include "enroll/tpm/tpm-key.h"

/* TPM2_ActivateCredential (protocols.md 1): credential is the
 * TPM2B_ID_OBJECT and secret the TPM2B_ENCRYPTED_SECRET, both with their
 * 2-byte size prefixes, as the Attestation CA sends them. Loads the AK,
 * satisfies the EK policy (PolicySecret(TPM_RH_ENDORSEMENT), plus
 * PolicyOR for high-range templates) and returns the recovered secret
 * (malloc'ed; erase_and_free it). -EBADE/-EACCES if the credential was not
 * made for this AK and EK. */
int tpm_activate_credential(tpm_ctx *t, const tpm_key *ak, const tpm_ek *ek,
                            const uint8_t *credential, size_t credential_len, const uint8_t *secret,
                            size_t secret_len, uint8_t **ret, size_t *ret_len);
