# SPDX-License-Identifier: Apache-2.0
# Unit tests and fuzz targets of jose: base64, JSON helpers, JWK, JWS
# (common/b64.c, json.c, jwk.c, jws.c).

JOSE_TEST_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JSONC_CFLAGS)

# ---- unit tests ----
check_PROGRAMS += \
	tests/unit/common/test-b64 \
	tests/unit/common/test-json \
	tests/unit/common/test-jwk \
	tests/unit/common/test-jws
TESTS += \
	tests/unit/common/test-b64 \
	tests/unit/common/test-json \
	tests/unit/common/test-jwk \
	tests/unit/common/test-jws

tests_unit_common_test_b64_SOURCES = tests/unit/common/test-b64.c
tests_unit_common_test_b64_CFLAGS = $(JOSE_TEST_CFLAGS)
tests_unit_common_test_b64_LDADD = $(COMMON_LIBS)

tests_unit_common_test_json_SOURCES = tests/unit/common/test-json.c
tests_unit_common_test_json_CFLAGS = $(JOSE_TEST_CFLAGS)
tests_unit_common_test_json_LDADD = $(COMMON_LIBS)

tests_unit_common_test_jwk_SOURCES = tests/unit/common/test-jwk.c
tests_unit_common_test_jwk_CFLAGS = $(JOSE_TEST_CFLAGS)
tests_unit_common_test_jwk_LDADD = $(COMMON_LIBS)

tests_unit_common_test_jws_SOURCES = tests/unit/common/test-jws.c
tests_unit_common_test_jws_CFLAGS = $(JOSE_TEST_CFLAGS)
tests_unit_common_test_jws_LDADD = $(COMMON_LIBS)

# ---- fuzz targets (seeds in tests/fuzz/corpus/<target>/) ----
check_PROGRAMS += \
	tests/fuzz/fuzz-b64 \
	tests/fuzz/fuzz-json \
	tests/fuzz/fuzz-jwk \
	tests/fuzz/fuzz-jws-flattened \
	tests/fuzz/fuzz-jws-compact
TESTS += \
	tests/fuzz/fuzz-b64 \
	tests/fuzz/fuzz-json \
	tests/fuzz/fuzz-jwk \
	tests/fuzz/fuzz-jws-flattened \
	tests/fuzz/fuzz-jws-compact

tests_fuzz_fuzz_b64_SOURCES = tests/fuzz/fuzz-b64.c $(FUZZER_MAIN)
tests_fuzz_fuzz_b64_CFLAGS = $(JOSE_TEST_CFLAGS)
tests_fuzz_fuzz_b64_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_b64_LDADD = $(COMMON_LIBS)

tests_fuzz_fuzz_json_SOURCES = tests/fuzz/fuzz-json.c $(FUZZER_MAIN)
tests_fuzz_fuzz_json_CFLAGS = $(JOSE_TEST_CFLAGS)
tests_fuzz_fuzz_json_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_json_LDADD = $(COMMON_LIBS)

tests_fuzz_fuzz_jwk_SOURCES = tests/fuzz/fuzz-jwk.c $(FUZZER_MAIN)
tests_fuzz_fuzz_jwk_CFLAGS = $(JOSE_TEST_CFLAGS)
tests_fuzz_fuzz_jwk_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_jwk_LDADD = $(COMMON_LIBS)

tests_fuzz_fuzz_jws_flattened_SOURCES = tests/fuzz/fuzz-jws-flattened.c $(FUZZER_MAIN)
tests_fuzz_fuzz_jws_flattened_CFLAGS = $(JOSE_TEST_CFLAGS)
tests_fuzz_fuzz_jws_flattened_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_jws_flattened_LDADD = $(COMMON_LIBS)

tests_fuzz_fuzz_jws_compact_SOURCES = tests/fuzz/fuzz-jws-compact.c $(FUZZER_MAIN)
tests_fuzz_fuzz_jws_compact_CFLAGS = $(JOSE_TEST_CFLAGS)
tests_fuzz_fuzz_jws_compact_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_jws_compact_LDADD = $(COMMON_LIBS)
