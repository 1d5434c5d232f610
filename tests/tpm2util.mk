# SPDX-License-Identifier: Apache-2.0
# Unit tests, fuzz targets and test tool of the pure TPM helpers
# (common/libtpm2util.a).

EXTRA_DIST += tests/unit/data/tpm2

TPM2UTIL_TEST_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(TSS2_CFLAGS) \
	-DTPM2_TESTDATA='"$(abs_top_srcdir)/tests/unit/data/tpm2"'
TPM2UTIL_TEST_LIBS = $(TPM2UTIL_LIBS) $(COMMON_LIBS)

check_PROGRAMS += tests/unit/test-tpm2util
TESTS += tests/unit/test-tpm2util
tests_unit_test_tpm2util_SOURCES = tests/unit/test-tpm2util.c
tests_unit_test_tpm2util_CFLAGS = $(TPM2UTIL_TEST_CFLAGS)
tests_unit_test_tpm2util_LDADD = $(TPM2UTIL_TEST_LIBS)

# Check-only wrapper for tests/integration/test_tpm2util.py.
check_PROGRAMS += tests/unit/tpm2util-tool
tests_unit_tpm2util_tool_SOURCES = tests/unit/tpm2util-tool.c
tests_unit_tpm2util_tool_CFLAGS = $(TPM2UTIL_TEST_CFLAGS)
tests_unit_tpm2util_tool_LDADD = $(TPM2UTIL_TEST_LIBS)
