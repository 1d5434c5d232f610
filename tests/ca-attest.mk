# SPDX-License-Identifier: Apache-2.0
# Unit test and fuzz target of the Attestation CA (ca/attest/): request
# parsers, pending activations, and the exchange with the swtpm vectors
# of tests/unit/data/tpm2. Included from tests/local.mk.

CA_ATTEST_TEST_CFLAGS = $(CA_TEST_CFLAGS) $(TSS2_CFLAGS) \
	-DTPM2_TESTDATA='"$(abs_top_srcdir)/tests/unit/data/tpm2"'

check_PROGRAMS += tests/unit/ca/attest/test-attest
TESTS += tests/unit/ca/attest/test-attest
tests_unit_ca_attest_test_attest_SOURCES = tests/unit/ca/attest/test-attest.c
tests_unit_ca_attest_test_attest_CFLAGS = $(CA_ATTEST_TEST_CFLAGS)
tests_unit_ca_attest_test_attest_LDADD = $(CA_ATTEST_LIBS)

check_PROGRAMS += tests/fuzz/fuzz-ca-attest-req
TESTS += tests/fuzz/fuzz-ca-attest-req
tests_fuzz_fuzz_ca_attest_req_SOURCES = tests/fuzz/fuzz-ca-attest-req.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_attest_req_CFLAGS = $(CA_TEST_CFLAGS)
tests_fuzz_fuzz_ca_attest_req_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_attest_req_LDADD = $(CA_ATTEST_LIBS)
