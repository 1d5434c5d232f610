# SPDX-License-Identifier: Apache-2.0
# Account CA (ca/sign/): unit tests and fuzz targets. Included from
# tests/local.mk.

check_PROGRAMS += tests/unit/ca/sign/test-x5c-token tests/unit/ca/sign/test-sign-req
TESTS += tests/unit/ca/sign/test-x5c-token tests/unit/ca/sign/test-sign-req
tests_unit_ca_sign_test_x5c_token_SOURCES = tests/unit/ca/sign/test-x5c-token.c tests/unit/ca/sign/x5c-testdata.h
tests_unit_ca_sign_test_x5c_token_CFLAGS = $(CA_TEST_CFLAGS)
tests_unit_ca_sign_test_x5c_token_LDADD = $(CA_SIGN_LIBS)
tests_unit_ca_sign_test_sign_req_SOURCES = tests/unit/ca/sign/test-sign-req.c
tests_unit_ca_sign_test_sign_req_CFLAGS = $(CA_TEST_CFLAGS)
tests_unit_ca_sign_test_sign_req_LDADD = $(CA_SIGN_LIBS)

check_PROGRAMS += tests/fuzz/fuzz-ca-x5c-token tests/fuzz/fuzz-ca-sign-req
TESTS += tests/fuzz/fuzz-ca-x5c-token tests/fuzz/fuzz-ca-sign-req
tests_fuzz_fuzz_ca_x5c_token_SOURCES = tests/fuzz/fuzz-ca-x5c-token.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_x5c_token_CFLAGS = $(CA_TEST_CFLAGS)
tests_fuzz_fuzz_ca_x5c_token_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_x5c_token_LDADD = $(CA_SIGN_LIBS)
tests_fuzz_fuzz_ca_sign_req_SOURCES = tests/fuzz/fuzz-ca-sign-req.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_sign_req_CFLAGS = $(CA_TEST_CFLAGS)
tests_fuzz_fuzz_ca_sign_req_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_sign_req_LDADD = $(CA_SIGN_LIBS)
EXTRA_DIST += tests/unit/data/x5c/gen-vectors.py
