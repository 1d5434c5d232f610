# SPDX-License-Identifier: Apache-2.0
# enroll/tpm/: the TPM layer of the agent (tpm2-tss ESAPI), libtpm.a.

noinst_LIBRARIES += enroll/tpm/libtpm.a
enroll_tpm_libtpm_a_SOURCES = \
	enroll/tpm/tpm-internal.h \
	enroll/tpm/tpm-rc.c enroll/tpm/tpm-rc.h \
	enroll/tpm/tpm.c enroll/tpm/tpm.h \
	enroll/tpm/tpm-esys.c \
	enroll/tpm/tpm-info.c enroll/tpm/tpm-info.h \
	enroll/tpm/tpm-templates.c \
	enroll/tpm/tpm-ek.c enroll/tpm/tpm-ek.h \
	enroll/tpm/tpm-key.c enroll/tpm/tpm-key.h \
	enroll/tpm/tpm-pem.c \
	enroll/tpm/tpm-signer.c \
	enroll/tpm/tpm-activate.c enroll/tpm/tpm-activate.h \
	enroll/tpm/tpm-recover.c enroll/tpm/tpm-recover.h \
	enroll/tpm/tpm-quote.c enroll/tpm/tpm-quote.h
enroll_tpm_libtpm_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(TSS2_CFLAGS)

# Link line for anything that uses the TPM layer (put before $(COMMON_LIBS)).
TPM_LIBS = enroll/tpm/libtpm.a $(TPM2UTIL_LIBS) $(TSS2_LIBS)

EXTRA_DIST += docs/tpm.md enroll/README.md enroll/tpm/README.md
