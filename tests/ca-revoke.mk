# SPDX-License-Identifier: Apache-2.0
# Unit tests and the fuzz target of CRLs and the OCSP responder
# (ca/revoke/, with the revocation parts of ca/core/). Included from
# tests/local.mk.

REVOKE_TEST_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS)

check_PROGRAMS += tests/unit/ca/revoke/test-revoke
TESTS += tests/unit/ca/revoke/test-revoke
tests_unit_ca_revoke_test_revoke_SOURCES = tests/unit/ca/revoke/test-revoke.c
tests_unit_ca_revoke_test_revoke_CFLAGS = $(REVOKE_TEST_CFLAGS)
tests_unit_ca_revoke_test_revoke_LDADD = $(CA_REVOKE_LIBS)

# Seeds in tests/fuzz/corpus/fuzz-ca-ocsp-req/.
check_PROGRAMS += tests/fuzz/fuzz-ca-ocsp-req
TESTS += tests/fuzz/fuzz-ca-ocsp-req
tests_fuzz_fuzz_ca_ocsp_req_SOURCES = tests/fuzz/fuzz-ca-ocsp-req.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_ocsp_req_CFLAGS = $(REVOKE_TEST_CFLAGS)
tests_fuzz_fuzz_ca_ocsp_req_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_ocsp_req_LDADD = $(CA_REVOKE_LIBS)
