# SPDX-License-Identifier: Apache-2.0
# common/: the shared core used by the agent and the CA.

noinst_LIBRARIES += common/libcommon.a
common_libcommon_a_SOURCES = \
	common/macro.h \
	common/log.c common/log.h \
	common/b64.c common/b64.h \
	common/duration.c common/duration.h \
	common/json.c common/json.h \
	common/crypto.c common/crypto-sig.c common/crypto.h \
	common/signer.c common/signer.h \
	common/x509.c common/x509-tpm.c common/x509-internal.h common/x509.h \
	common/jwk.c common/jwk.h \
	common/jws.c common/jws.h
common_libcommon_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JSONC_CFLAGS)

# Link line for anything that uses libcommon.a.
COMMON_LIBS = common/libcommon.a $(OPENSSL_LIBS) $(JSONC_LIBS)

include common/tpm2.mk
