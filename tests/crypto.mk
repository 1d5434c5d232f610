# SPDX-License-Identifier: Apache-2.0
# Unit tests and fuzz targets of crypto: keys, CSRs, certificates and the
# software signer (common/crypto.c, x509.c, signer.c).

CRYPTO_TEST_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) \
	-DCRYPTO_TESTDATA='"$(abs_top_srcdir)/tests/unit/data/crypto"'

# Fixed vectors made once by generate.sh (see there).
EXTRA_DIST += \
	tests/unit/crypto-testdata.h \
	tests/unit/data/crypto

# ---- unit tests ----
check_PROGRAMS += \
	tests/unit/common/test-crypto \
	tests/unit/common/test-x509 \
	tests/unit/common/test-x509-csr-read \
	tests/unit/common/test-signer
TESTS += \
	tests/unit/common/test-crypto \
	tests/unit/common/test-x509 \
	tests/unit/common/test-x509-csr-read \
	tests/unit/common/test-signer

tests_unit_common_test_crypto_SOURCES = tests/unit/common/test-crypto.c
tests_unit_common_test_crypto_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_common_test_crypto_LDADD = $(COMMON_LIBS)

tests_unit_common_test_x509_SOURCES = tests/unit/common/test-x509.c
tests_unit_common_test_x509_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_common_test_x509_LDADD = $(COMMON_LIBS)

tests_unit_common_test_x509_csr_read_SOURCES = tests/unit/common/test-x509-csr-read.c
tests_unit_common_test_x509_csr_read_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_common_test_x509_csr_read_LDADD = $(COMMON_LIBS)

tests_unit_common_test_signer_SOURCES = tests/unit/common/test-signer.c
tests_unit_common_test_signer_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_common_test_signer_LDADD = $(COMMON_LIBS)

# ---- fuzz targets (seeds in tests/fuzz/corpus/<target>/) ----
check_PROGRAMS += \
	tests/fuzz/fuzz-x509-csr \
	tests/fuzz/fuzz-x509-pem
TESTS += \
	tests/fuzz/fuzz-x509-csr \
	tests/fuzz/fuzz-x509-pem

tests_fuzz_fuzz_x509_csr_SOURCES = tests/fuzz/fuzz-x509-csr.c $(FUZZER_MAIN)
tests_fuzz_fuzz_x509_csr_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_fuzz_fuzz_x509_csr_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_x509_csr_LDADD = $(COMMON_LIBS)

tests_fuzz_fuzz_x509_pem_SOURCES = tests/fuzz/fuzz-x509-pem.c $(FUZZER_MAIN)
tests_fuzz_fuzz_x509_pem_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_fuzz_fuzz_x509_pem_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_x509_pem_LDADD = $(COMMON_LIBS)
