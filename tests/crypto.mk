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
	tests/unit/test-crypto \
	tests/unit/test-x509
TESTS += \
	tests/unit/test-crypto \
	tests/unit/test-x509

tests_unit_test_crypto_SOURCES = tests/unit/test-crypto.c
tests_unit_test_crypto_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_test_crypto_LDADD = $(COMMON_LIBS)

tests_unit_test_x509_SOURCES = tests/unit/test-x509.c
tests_unit_test_x509_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_test_x509_LDADD = $(COMMON_LIBS)
