# SPDX-License-Identifier: Apache-2.0
# Device posture (docs/posture.md): the quote verifier and the claim of
# common/, the CA's policies and store. Included from tests/local.mk.

EXTRA_DIST += tests/unit/data/posture

check_PROGRAMS += tests/unit/common/test-posture tests/unit/ca/posture/test-posture-ca
TESTS += tests/unit/common/test-posture tests/unit/ca/posture/test-posture-ca
tests_unit_common_test_posture_SOURCES = tests/unit/common/test-posture.c
tests_unit_common_test_posture_CFLAGS = $(TPM2UTIL_TEST_CFLAGS) $(JSONC_CFLAGS) \
	-DPOSTURE_TESTDATA='"$(abs_top_srcdir)/tests/unit/data/posture"'
tests_unit_common_test_posture_LDADD = $(TPM2UTIL_TEST_LIBS)
tests_unit_ca_posture_test_posture_ca_SOURCES = tests/unit/ca/posture/test-posture-ca.c
tests_unit_ca_posture_test_posture_ca_CFLAGS = $(CA_TEST_CFLAGS)
tests_unit_ca_posture_test_posture_ca_LDADD = $(CA_POSTURE_LIBS)

check_PROGRAMS += tests/fuzz/fuzz-posture tests/fuzz/fuzz-tpm2-eventlog tests/fuzz/fuzz-ca-posture-pcr-file
TESTS += tests/fuzz/fuzz-posture tests/fuzz/fuzz-tpm2-eventlog tests/fuzz/fuzz-ca-posture-pcr-file
tests_fuzz_fuzz_posture_SOURCES = tests/fuzz/fuzz-posture.c $(FUZZER_MAIN)
tests_fuzz_fuzz_posture_CFLAGS = $(TPM2UTIL_TEST_CFLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_posture_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_posture_LDADD = $(TPM2UTIL_TEST_LIBS)
tests_fuzz_fuzz_ca_posture_pcr_file_SOURCES = tests/fuzz/fuzz-ca-posture-pcr-file.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_posture_pcr_file_CFLAGS = $(CA_TEST_CFLAGS)
tests_fuzz_fuzz_ca_posture_pcr_file_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_posture_pcr_file_LDADD = $(CA_POSTURE_LIBS)
tests_fuzz_fuzz_tpm2_eventlog_SOURCES = tests/fuzz/fuzz-tpm2-eventlog.c $(FUZZER_MAIN)
tests_fuzz_fuzz_tpm2_eventlog_CFLAGS = $(TPM2UTIL_TEST_CFLAGS)
tests_fuzz_fuzz_tpm2_eventlog_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_tpm2_eventlog_LDADD = $(TPM2UTIL_TEST_LIBS)
