# SPDX-License-Identifier: Apache-2.0
# ca/attest/: the Attestation CA, AK certificates by credential activation
# (protocols.md 1; see ca/attest/README.md). Its checks use the pure TPM
# helpers of common/libtpm2util.a.

noinst_LIBRARIES += ca/attest/libcaattest.a
ca_attest_libcaattest_a_SOURCES = \
	ca/attest/attest.c ca/attest/attest.h \
	ca/attest/attest-api.c ca/attest/attest-api.h \
	ca/attest/attest-req.c ca/attest/attest-req.h \
	ca/attest/attest-pending.c ca/attest/attest-pending.h
ca_attest_libcaattest_a_CFLAGS = $(CA_CORE_CFLAGS) $(TSS2_CFLAGS)
CA_ATTEST_LIBS = ca/attest/libcaattest.a $(TPM2UTIL_LIBS) $(CA_INVENTORY_LIBS)
EXTRA_DIST += ca/attest/README.md
