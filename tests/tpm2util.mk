# SPDX-License-Identifier: Apache-2.0
# Unit tests and fuzz targets of the pure TPM helpers
# (common/libtpm2util.a).

EXTRA_DIST += tests/unit/data/tpm2

TPM2UTIL_TEST_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(TSS2_CFLAGS) \
	-DTPM2_TESTDATA='"$(abs_top_srcdir)/tests/unit/data/tpm2"'
TPM2UTIL_TEST_LIBS = $(TPM2UTIL_LIBS) $(COMMON_LIBS)

check_PROGRAMS += tests/unit/common/test-tpm2util
TESTS += tests/unit/common/test-tpm2util
tests_unit_common_test_tpm2util_SOURCES = tests/unit/common/test-tpm2util.c
tests_unit_common_test_tpm2util_CFLAGS = $(TPM2UTIL_TEST_CFLAGS)
tests_unit_common_test_tpm2util_LDADD = $(TPM2UTIL_TEST_LIBS)

# Fuzz targets, one per parser entry point (seeds in tests/fuzz/corpus/<target>/,
# made from tests/unit/data/tpm2).
TPM2UTIL_FUZZERS = \
	tests/fuzz/fuzz-tpm2-public \
	tests/fuzz/fuzz-tpm2-attest \
	tests/fuzz/fuzz-tpm2-signature \
	tests/fuzz/fuzz-tpm2-credential \
	tests/fuzz/fuzz-tpm2-check
check_PROGRAMS += $(TPM2UTIL_FUZZERS)
TESTS += $(TPM2UTIL_FUZZERS)

tests_fuzz_fuzz_tpm2_public_SOURCES = tests/fuzz/fuzz-tpm2-public.c $(FUZZER_MAIN)
tests_fuzz_fuzz_tpm2_public_CFLAGS = $(TPM2UTIL_TEST_CFLAGS)
tests_fuzz_fuzz_tpm2_public_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_tpm2_public_LDADD = $(TPM2UTIL_TEST_LIBS)

tests_fuzz_fuzz_tpm2_attest_SOURCES = tests/fuzz/fuzz-tpm2-attest.c $(FUZZER_MAIN)
tests_fuzz_fuzz_tpm2_attest_CFLAGS = $(TPM2UTIL_TEST_CFLAGS)
tests_fuzz_fuzz_tpm2_attest_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_tpm2_attest_LDADD = $(TPM2UTIL_TEST_LIBS)

tests_fuzz_fuzz_tpm2_signature_SOURCES = tests/fuzz/fuzz-tpm2-signature.c $(FUZZER_MAIN)
tests_fuzz_fuzz_tpm2_signature_CFLAGS = $(TPM2UTIL_TEST_CFLAGS)
tests_fuzz_fuzz_tpm2_signature_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_tpm2_signature_LDADD = $(TPM2UTIL_TEST_LIBS)

tests_fuzz_fuzz_tpm2_credential_SOURCES = tests/fuzz/fuzz-tpm2-credential.c $(FUZZER_MAIN)
tests_fuzz_fuzz_tpm2_credential_CFLAGS = $(TPM2UTIL_TEST_CFLAGS)
tests_fuzz_fuzz_tpm2_credential_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_tpm2_credential_LDADD = $(TPM2UTIL_TEST_LIBS)

tests_fuzz_fuzz_tpm2_check_SOURCES = tests/fuzz/fuzz-tpm2-check.c $(FUZZER_MAIN)
tests_fuzz_fuzz_tpm2_check_CFLAGS = $(TPM2UTIL_TEST_CFLAGS)
tests_fuzz_fuzz_tpm2_check_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_tpm2_check_LDADD = $(TPM2UTIL_TEST_LIBS)
