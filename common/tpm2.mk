# SPDX-License-Identifier: Apache-2.0
# Pure TPM structure helpers shared by the agent and the CA (no TPM access):
# marshalling via tss2-mu, Name computation, attestation checks,
# MakeCredential. Owned by the TPM layer.
