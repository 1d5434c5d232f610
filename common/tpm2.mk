# SPDX-License-Identifier: Apache-2.0
# Pure TPM structure helpers shared by the agent and the CA (no TPM access):
# marshalling via tss2-mu, Name computation, attestation checks,
# MakeCredential. Owned by the TPM layer.

noinst_LIBRARIES += common/libtpm2util.a
common_libtpm2util_a_SOURCES = \
	common/tpm2util.h \
	common/tpm2-internal.h \
	common/tpm2-mu.c \
	common/tpm2-key.c \
	common/tpm2-check.c \
	common/tpm2-cred.c \
	common/tpm2-info.c \
	common/tpm2-policy.c \
	common/tpm2-quote.c common/tpm2-eventlog.c common/tpm2quote.h \
	common/posture.c common/posture.h
common_libtpm2util_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(TSS2_CFLAGS) $(JSONC_CFLAGS)

# Link line for anything that uses libtpm2util.a (put before $(COMMON_LIBS)).
TPM2UTIL_LIBS = common/libtpm2util.a $(TSS2_LIBS)
