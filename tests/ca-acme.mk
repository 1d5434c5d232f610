# SPDX-License-Identifier: Apache-2.0
# Unit tests and fuzz targets of the ACME server (ca/acme/, with its
# challenge types in ca/acme/challenges/). Included from tests/local.mk.

ACME_TEST_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS)

EXTRA_DIST += tests/unit/data/acme

# device-attest-01's pure core (libcbor, tpm2util).
DEVICE_ATTEST_TEST_CFLAGS = $(ACME_TEST_CFLAGS) $(CBOR_CFLAGS) $(TSS2_CFLAGS)

# ---- unit tests ----
check_PROGRAMS += \
	tests/unit/ca/acme/test-acme-policy \
	tests/unit/ca/acme/test-acme-payload \
	tests/unit/ca/acme/test-acme-nonce \
	tests/unit/ca/acme/challenges/test-challenge \
	tests/unit/ca/acme/test-acme-db \
	tests/unit/ca/acme/challenges/test-device-attest
TESTS += \
	tests/unit/ca/acme/test-acme-policy \
	tests/unit/ca/acme/test-acme-payload \
	tests/unit/ca/acme/test-acme-nonce \
	tests/unit/ca/acme/challenges/test-challenge \
	tests/unit/ca/acme/test-acme-db \
	tests/unit/ca/acme/challenges/test-device-attest

tests_unit_ca_acme_test_acme_policy_SOURCES = tests/unit/ca/acme/test-acme-policy.c
tests_unit_ca_acme_test_acme_policy_CFLAGS = $(ACME_TEST_CFLAGS)
tests_unit_ca_acme_test_acme_policy_LDADD = $(CA_ACME_LIBS)

tests_unit_ca_acme_test_acme_payload_SOURCES = tests/unit/ca/acme/test-acme-payload.c
tests_unit_ca_acme_test_acme_payload_CFLAGS = $(ACME_TEST_CFLAGS)
tests_unit_ca_acme_test_acme_payload_LDADD = $(CA_ACME_LIBS)

tests_unit_ca_acme_test_acme_nonce_SOURCES = tests/unit/ca/acme/test-acme-nonce.c
tests_unit_ca_acme_test_acme_nonce_CFLAGS = $(ACME_TEST_CFLAGS)
tests_unit_ca_acme_test_acme_nonce_LDADD = $(CA_ACME_LIBS)

tests_unit_ca_acme_challenges_test_challenge_SOURCES = tests/unit/ca/acme/challenges/test-challenge.c
tests_unit_ca_acme_challenges_test_challenge_CFLAGS = $(ACME_TEST_CFLAGS)
tests_unit_ca_acme_challenges_test_challenge_LDADD = $(CA_ACME_LIBS)

tests_unit_ca_acme_test_acme_db_SOURCES = tests/unit/ca/acme/test-acme-db.c
tests_unit_ca_acme_test_acme_db_CFLAGS = $(ACME_TEST_CFLAGS)
tests_unit_ca_acme_test_acme_db_LDADD = $(CA_ACME_LIBS)

tests_unit_ca_acme_challenges_test_device_attest_SOURCES = tests/unit/ca/acme/challenges/test-device-attest.c
tests_unit_ca_acme_challenges_test_device_attest_CFLAGS = $(DEVICE_ATTEST_TEST_CFLAGS)
tests_unit_ca_acme_challenges_test_device_attest_LDADD = $(CA_ACME_LIBS)

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

tests_fuzz_fuzz_ca_acme_payload_SOURCES = tests/fuzz/fuzz-ca-acme-payload.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_acme_payload_CFLAGS = $(ACME_TEST_CFLAGS)
tests_fuzz_fuzz_ca_acme_payload_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_acme_payload_LDADD = $(CA_ACME_LIBS)

tests_fuzz_fuzz_ca_acme_keychange_SOURCES = tests/fuzz/fuzz-ca-acme-keychange.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_acme_keychange_CFLAGS = $(ACME_TEST_CFLAGS)
tests_fuzz_fuzz_ca_acme_keychange_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_acme_keychange_LDADD = $(CA_ACME_LIBS)

tests_fuzz_fuzz_ca_acme_dns_SOURCES = tests/fuzz/fuzz-ca-acme-dns.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_acme_dns_CFLAGS = $(ACME_TEST_CFLAGS)
tests_fuzz_fuzz_ca_acme_dns_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_acme_dns_LDADD = $(CA_ACME_LIBS)

tests_fuzz_fuzz_ca_device_attest_SOURCES = tests/fuzz/fuzz-ca-device-attest.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_device_attest_CFLAGS = $(DEVICE_ATTEST_TEST_CFLAGS)
tests_fuzz_fuzz_ca_device_attest_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_device_attest_LDADD = $(CA_ACME_LIBS)
