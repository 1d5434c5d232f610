# SPDX-License-Identifier: Apache-2.0
# The TPM layer of the agent (tpm2-tss ESAPI).
ENROLL_LIBS =
