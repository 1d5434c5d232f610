# SPDX-License-Identifier: Apache-2.0
# Unit tests (tests/unit/common/) and the fuzz target of the base of
# common/: time, durations (libbase.a), the INI scaffold (libconf.a), and
# of the HTTP client (libhttpclient.a). The other common/ modules have
# their fragments: jose.mk, crypto.mk, tpm2util.mk.

COMMON_BASE_TESTS = \
	tests/unit/common/test-time-util \
	tests/unit/common/test-duration \
	tests/unit/common/test-conf
check_PROGRAMS += $(COMMON_BASE_TESTS)
TESTS += $(COMMON_BASE_TESTS)

tests_unit_common_test_time_util_SOURCES = tests/unit/common/test-time-util.c tests/unit/tap.h
tests_unit_common_test_time_util_LDADD = $(COMMON_BASE_LIBS)

tests_unit_common_test_duration_SOURCES = tests/unit/common/test-duration.c tests/unit/tap.h
tests_unit_common_test_duration_LDADD = $(COMMON_BASE_LIBS)

tests_unit_common_test_conf_SOURCES = tests/unit/common/test-conf.c tests/unit/tap.h
tests_unit_common_test_conf_LDADD = $(CONF_LIBS)

# Seeds in tests/fuzz/corpus/fuzz-conf/.
check_PROGRAMS += tests/fuzz/fuzz-conf
TESTS += tests/fuzz/fuzz-conf
tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz-conf.c $(FUZZER_MAIN)
tests_fuzz_fuzz_conf_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_conf_LDADD = $(CONF_LIBS) $(COMMON_BASE_LIBS)

# The HTTP client against a TLS server in a thread on loopback, with
# certificates made at run time from the fixed keys of tests/unit/data/crypto.
check_PROGRAMS += tests/unit/common/test-http-client
TESTS += tests/unit/common/test-http-client
tests_unit_common_test_http_client_SOURCES = tests/unit/common/test-http-client.c
tests_unit_common_test_http_client_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(CURL_CFLAGS) \
	-DCRYPTO_TESTDATA='"$(abs_top_srcdir)/tests/unit/data/crypto"'
tests_unit_common_test_http_client_LDADD = $(HTTP_CLIENT_LIBS) $(COMMON_LIBS)
