# SPDX-License-Identifier: Apache-2.0
# Unit tests and fuzz targets of the ACME server (ca/acme*.c,
# ca/challenge*.c). Included from tests/local.mk.

ACME_TEST_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/ca $(OPENSSL_CFLAGS) $(JSONC_CFLAGS) \
	$(SQLITE_CFLAGS)

# Everything of the challenge layer (challenge.c names all built-in types).
ACME_CHALLENGE_SOURCES = \
	ca/challenge.c ca/challenge-http.c ca/challenge-dns.c ca/challenge-dns-txt.c \
	ca/challenge-tlsalpn.c ca/acme-problem.c ca/acme-payload.c

EXTRA_DIST += tests/unit/data/acme

# device-attest-01's pure core (libcbor, tpm2util).
DEVICE_ATTEST_SOURCES = ca/device-attest.c ca/device-attest-verify.c
DEVICE_ATTEST_TEST_CFLAGS = $(ACME_TEST_CFLAGS) $(CBOR_CFLAGS) $(TSS2_CFLAGS)
DEVICE_ATTEST_TEST_LIBS = $(TPM2UTIL_LIBS) $(COMMON_LIBS) $(CBOR_LIBS)

# ---- unit tests ----
check_PROGRAMS += \
	tests/unit/test-acme-payload \
	tests/unit/test-acme-nonce \
	tests/unit/test-acme-challenge \
	tests/unit/test-acme-db \
	tests/unit/test-ca-device-attest
TESTS += \
	tests/unit/test-acme-payload \
	tests/unit/test-acme-nonce \
	tests/unit/test-acme-challenge \
	tests/unit/test-acme-db \
	tests/unit/test-ca-device-attest

tests_unit_test_acme_payload_SOURCES = tests/unit/test-acme-payload.c \
	ca/acme-problem.c ca/acme-payload.c ca/acme-csr.c
tests_unit_test_acme_payload_CFLAGS = $(ACME_TEST_CFLAGS)
tests_unit_test_acme_payload_LDADD = $(COMMON_LIBS)

tests_unit_test_acme_nonce_SOURCES = tests/unit/test-acme-nonce.c ca/acme-nonce.c ca/acme-nonce-pool.c
tests_unit_test_acme_nonce_CFLAGS = $(ACME_TEST_CFLAGS)
tests_unit_test_acme_nonce_LDADD = $(CA_LIBS)

tests_unit_test_acme_challenge_SOURCES = tests/unit/test-acme-challenge.c $(ACME_CHALLENGE_SOURCES)
tests_unit_test_acme_challenge_CFLAGS = $(ACME_TEST_CFLAGS)
tests_unit_test_acme_challenge_LDADD = $(HTTP_CLIENT_LIBS) $(COMMON_LIBS)

tests_unit_test_acme_db_SOURCES = tests/unit/test-acme-db.c ca/acme-db.c
tests_unit_test_acme_db_CFLAGS = $(ACME_TEST_CFLAGS)
tests_unit_test_acme_db_LDADD = $(CA_LIBS)

tests_unit_test_ca_device_attest_SOURCES = tests/unit/test-ca-device-attest.c $(DEVICE_ATTEST_SOURCES)
tests_unit_test_ca_device_attest_CFLAGS = $(DEVICE_ATTEST_TEST_CFLAGS)
tests_unit_test_ca_device_attest_LDADD = $(DEVICE_ATTEST_TEST_LIBS)

# ---- fuzz targets (seeds in tests/fuzz/corpus/<target>/) ----
check_PROGRAMS += \
	tests/fuzz/fuzz-ca-acme-payload \
	tests/fuzz/fuzz-ca-acme-keychange \
	tests/fuzz/fuzz-ca-acme-dns \
	tests/fuzz/fuzz-ca-device-attest
TESTS += \
	tests/fuzz/fuzz-ca-acme-payload \
	tests/fuzz/fuzz-ca-acme-keychange \
	tests/fuzz/fuzz-ca-acme-dns \
	tests/fuzz/fuzz-ca-device-attest

tests_fuzz_fuzz_ca_acme_payload_SOURCES = tests/fuzz/fuzz-ca-acme-payload.c \
	ca/acme-problem.c ca/acme-payload.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_acme_payload_CFLAGS = $(ACME_TEST_CFLAGS)
tests_fuzz_fuzz_ca_acme_payload_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_acme_payload_LDADD = $(COMMON_LIBS)

tests_fuzz_fuzz_ca_acme_keychange_SOURCES = tests/fuzz/fuzz-ca-acme-keychange.c \
	ca/acme-problem.c ca/acme-payload.c ca/acme-keychange.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_acme_keychange_CFLAGS = $(ACME_TEST_CFLAGS)
tests_fuzz_fuzz_ca_acme_keychange_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_acme_keychange_LDADD = $(COMMON_LIBS)

tests_fuzz_fuzz_ca_acme_dns_SOURCES = tests/fuzz/fuzz-ca-acme-dns.c ca/challenge-dns-txt.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_acme_dns_CFLAGS = $(ACME_TEST_CFLAGS)
tests_fuzz_fuzz_ca_acme_dns_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_acme_dns_LDADD = $(COMMON_LIBS)

tests_fuzz_fuzz_ca_device_attest_SOURCES = tests/fuzz/fuzz-ca-device-attest.c ca/device-attest.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_device_attest_CFLAGS = $(DEVICE_ATTEST_TEST_CFLAGS)
tests_fuzz_fuzz_ca_device_attest_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_device_attest_LDADD = $(COMMON_LIBS) $(CBOR_LIBS)
