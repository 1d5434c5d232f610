# SPDX-License-Identifier: Apache-2.0
# Unit tests and the fuzz target of the agent's Attestation CA client
# (enroll/client/attest-*.c, identity-check.c). Certificates for the checks
# are made at run time from the fixed keys of tests/unit/data/crypto.

ATTEST_TEST_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JSONC_CFLAGS) $(TSS2_CFLAGS) \
	-DCRYPTO_TESTDATA='"$(abs_top_srcdir)/tests/unit/data/crypto"'
ATTEST_TEST_LIBS = $(ENROLL_CLIENT_LIBS) $(COMMON_LIBS)

EXTRA_DIST += tests/unit/cert-builder.h

check_PROGRAMS += tests/unit/enroll/client/test-attest-client
TESTS += tests/unit/enroll/client/test-attest-client

tests_unit_enroll_client_test_attest_client_SOURCES = tests/unit/enroll/client/test-attest-client.c
tests_unit_enroll_client_test_attest_client_CFLAGS = $(ATTEST_TEST_CFLAGS)
tests_unit_enroll_client_test_attest_client_LDADD = $(ATTEST_TEST_LIBS)

# Fuzz target of the response parsers (seeds in tests/fuzz/corpus/fuzz-attest-client/).
check_PROGRAMS += tests/fuzz/fuzz-attest-client
TESTS += tests/fuzz/fuzz-attest-client
tests_fuzz_fuzz_attest_client_SOURCES = tests/fuzz/fuzz-attest-client.c $(FUZZER_MAIN)
tests_fuzz_fuzz_attest_client_CFLAGS = $(ATTEST_TEST_CFLAGS)
tests_fuzz_fuzz_attest_client_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_attest_client_LDADD = $(ATTEST_TEST_LIBS)

# The pure parts of the ACME, device-attest-01 and /1.0/sign clients
# (enroll/client/acme-wire.c, device-attest-client.c, sign-client.c).
check_PROGRAMS += tests/unit/enroll/client/test-enroll-clients
TESTS += tests/unit/enroll/client/test-enroll-clients
tests_unit_enroll_client_test_enroll_clients_SOURCES = tests/unit/enroll/client/test-enroll-clients.c
tests_unit_enroll_client_test_enroll_clients_CFLAGS = $(ATTEST_TEST_CFLAGS) $(CBOR_CFLAGS)
tests_unit_enroll_client_test_enroll_clients_LDADD = $(ATTEST_TEST_LIBS)

# Fuzz targets of the ACME and /1.0/sign response parsers (seeds in
# tests/fuzz/corpus/fuzz-acme-client/ and fuzz-sign-client/).
check_PROGRAMS += tests/fuzz/fuzz-acme-client tests/fuzz/fuzz-sign-client
TESTS += tests/fuzz/fuzz-acme-client tests/fuzz/fuzz-sign-client
tests_fuzz_fuzz_acme_client_SOURCES = tests/fuzz/fuzz-acme-client.c $(FUZZER_MAIN)
tests_fuzz_fuzz_acme_client_CFLAGS = $(ATTEST_TEST_CFLAGS)
tests_fuzz_fuzz_acme_client_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_acme_client_LDADD = $(ATTEST_TEST_LIBS)
tests_fuzz_fuzz_sign_client_SOURCES = tests/fuzz/fuzz-sign-client.c $(FUZZER_MAIN)
tests_fuzz_fuzz_sign_client_CFLAGS = $(ATTEST_TEST_CFLAGS)
tests_fuzz_fuzz_sign_client_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_sign_client_LDADD = $(ATTEST_TEST_LIBS)

# The ACME protocol client against a scripted server: http_client_perform
# is replaced at link time.
check_PROGRAMS += tests/unit/enroll/client/test-acme-client
TESTS += tests/unit/enroll/client/test-acme-client
tests_unit_enroll_client_test_acme_client_SOURCES = tests/unit/enroll/client/test-acme-client.c
tests_unit_enroll_client_test_acme_client_CFLAGS = $(ATTEST_TEST_CFLAGS)
tests_unit_enroll_client_test_acme_client_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=http_client_perform
tests_unit_enroll_client_test_acme_client_LDADD = $(ATTEST_TEST_LIBS)

# The account list client (enroll/client/accounts-client.c): the parser,
# its limits and its fuzz target (seeds in tests/fuzz/corpus/fuzz-accounts-client/).
check_PROGRAMS += tests/unit/enroll/client/test-accounts-client tests/fuzz/fuzz-accounts-client
TESTS += tests/unit/enroll/client/test-accounts-client tests/fuzz/fuzz-accounts-client
tests_unit_enroll_client_test_accounts_client_SOURCES = tests/unit/enroll/client/test-accounts-client.c
tests_unit_enroll_client_test_accounts_client_CFLAGS = $(ATTEST_TEST_CFLAGS)
tests_unit_enroll_client_test_accounts_client_LDADD = $(ATTEST_TEST_LIBS)
tests_fuzz_fuzz_accounts_client_SOURCES = tests/fuzz/fuzz-accounts-client.c $(FUZZER_MAIN)
tests_fuzz_fuzz_accounts_client_CFLAGS = $(ATTEST_TEST_CFLAGS)
tests_fuzz_fuzz_accounts_client_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_accounts_client_LDADD = $(ATTEST_TEST_LIBS)
