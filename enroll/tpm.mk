# SPDX-License-Identifier: Apache-2.0
# The TPM layer of the agent (tpm2-tss ESAPI): enroll/libtpm.a.

noinst_LIBRARIES += enroll/libtpm.a
enroll_libtpm_a_SOURCES = \
	enroll/tpm.h enroll/tpm-internal.h \
	enroll/tpm.c \
	enroll/tpm-rc.c \
	enroll/tpm-esys.c \
	enroll/tpm-templates.c \
	enroll/tpm-ek.c \
	enroll/tpm-key.c \
	enroll/tpm-activate.c \
	enroll/tpm-signer.c \
	enroll/tpm-pem.c
enroll_libtpm_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(TSS2_CFLAGS)

# Link line for anything that uses the TPM layer (put before $(COMMON_LIBS)).
ENROLL_LIBS = enroll/libtpm.a $(TPM2UTIL_LIBS) $(TSS2_LIBS)

EXTRA_DIST += docs/tpm.md
