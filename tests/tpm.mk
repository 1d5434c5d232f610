# SPDX-License-Identifier: Apache-2.0
# Unit tests and fuzz targets of the TPM layer (enroll/libtpm.a), and the
# tpm-cli driver the integration tests run against swtpm.

TPM_TEST_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(TSS2_CFLAGS)
TPM_TEST_LIBS = $(ENROLL_LIBS) $(COMMON_LIBS)

# Driver for tests/integration/test_tpm*.py (not a TAP test itself).
check_PROGRAMS += tests/tpm-cli
tests_tpm_cli_SOURCES = tests/unit/test-tpm-cli.c
tests_tpm_cli_CFLAGS = $(TPM_TEST_CFLAGS)
tests_tpm_cli_LDADD = $(TPM_TEST_LIBS)
