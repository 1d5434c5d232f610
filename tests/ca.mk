# SPDX-License-Identifier: Apache-2.0
# Unit tests and fuzz targets of ca (the deviceid-ca service): config
# parsing, import parsers and EK URIs, store/issuer/inventory.

CA_TEST_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/ca $(OPENSSL_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS)

# ---- unit tests ----
check_PROGRAMS += \
	tests/unit/test-ca-config \
	tests/unit/test-ca-import \
	tests/unit/test-store \
	tests/unit/test-store-sql \
	tests/unit/test-ca-issuer \
	tests/unit/test-ca-http
TESTS += \
	tests/unit/test-ca-config \
	tests/unit/test-ca-import \
	tests/unit/test-store \
	tests/unit/test-store-sql \
	tests/unit/test-ca-issuer \
	tests/unit/test-ca-http
# The database of the storage tests (SQLite here; test_ca_store.py runs
# them on PostgreSQL too).
EXTRA_DIST += tests/unit/test-db.h

tests_unit_test_ca_config_SOURCES = tests/unit/test-ca-config.c
tests_unit_test_ca_config_CFLAGS = $(CA_TEST_CFLAGS)
tests_unit_test_ca_config_LDADD = $(CA_LIBS)

tests_unit_test_ca_import_SOURCES = tests/unit/test-ca-import.c
tests_unit_test_ca_import_CFLAGS = $(CA_TEST_CFLAGS)
tests_unit_test_ca_import_LDADD = $(CA_LIBS)

tests_unit_test_store_SOURCES = tests/unit/test-store.c
tests_unit_test_store_CFLAGS = $(CA_TEST_CFLAGS)
tests_unit_test_store_LDADD = $(CA_LIBS)

tests_unit_test_store_sql_SOURCES = tests/unit/test-store-sql.c ca/store-sql.c
tests_unit_test_store_sql_CFLAGS = $(CA_TEST_CFLAGS)
tests_unit_test_store_sql_LDADD = $(COMMON_LIBS)

tests_unit_test_ca_issuer_SOURCES = tests/unit/test-ca-issuer.c
tests_unit_test_ca_issuer_CFLAGS = $(CA_TEST_CFLAGS)
tests_unit_test_ca_issuer_LDADD = $(CA_LIBS)

tests_unit_test_ca_http_SOURCES = tests/unit/test-ca-http.c
tests_unit_test_ca_http_CFLAGS = $(CA_TEST_CFLAGS) $(CURL_CFLAGS)
tests_unit_test_ca_http_LDADD = $(CA_LIBS) $(CURL_LIBS)

# ---- fuzz targets (seeds in tests/fuzz/corpus/<target>/) ----
check_PROGRAMS += \
	tests/fuzz/fuzz-ca-config \
	tests/fuzz/fuzz-ca-import-json \
	tests/fuzz/fuzz-ca-import-csv
TESTS += \
	tests/fuzz/fuzz-ca-config \
	tests/fuzz/fuzz-ca-import-json \
	tests/fuzz/fuzz-ca-import-csv

tests_fuzz_fuzz_ca_config_SOURCES = tests/fuzz/fuzz-ca-config.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_config_CFLAGS = $(CA_TEST_CFLAGS)
tests_fuzz_fuzz_ca_config_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_config_LDADD = $(CA_LIBS)

tests_fuzz_fuzz_ca_import_json_SOURCES = tests/fuzz/fuzz-ca-import-json.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_import_json_CFLAGS = $(CA_TEST_CFLAGS)
tests_fuzz_fuzz_ca_import_json_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_import_json_LDADD = $(CA_LIBS)

tests_fuzz_fuzz_ca_import_csv_SOURCES = tests/fuzz/fuzz-ca-import-csv.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_import_csv_CFLAGS = $(CA_TEST_CFLAGS)
tests_fuzz_fuzz_ca_import_csv_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_import_csv_LDADD = $(CA_LIBS)
