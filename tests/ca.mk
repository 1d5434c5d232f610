# SPDX-License-Identifier: Apache-2.0
# Unit tests and fuzz targets of the CA's core and inventory (ca/core/,
# ca/inventory/): config parsing, store, issuer, trust anchors, the HTTP
# server and its route table; import parsers, EK URIs, the devices table.

CA_TEST_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS)
# The database of the storage tests: SQLite here; test_ca_store.py runs
# them on PostgreSQL too (tests/unit/ca/test-db.h).
EXTRA_DIST += tests/unit/ca/ca-test.h tests/unit/ca/test-db.h

# ---- unit tests: ca/core ----
check_PROGRAMS += \
	tests/unit/ca/core/test-config \
	tests/unit/ca/core/test-store \
	tests/unit/ca/core/test-store-sql \
	tests/unit/ca/core/test-issuer \
	tests/unit/ca/core/test-http-router \
	tests/unit/ca/core/test-http \
	tests/unit/ca/core/test-rate-limit
TESTS += \
	tests/unit/ca/core/test-rate-limit \
	tests/unit/ca/core/test-config \
	tests/unit/ca/core/test-store \
	tests/unit/ca/core/test-store-sql \
	tests/unit/ca/core/test-issuer \
	tests/unit/ca/core/test-http-router \
	tests/unit/ca/core/test-http

tests_unit_ca_core_test_config_SOURCES = tests/unit/ca/core/test-config.c
tests_unit_ca_core_test_config_CFLAGS = $(CA_TEST_CFLAGS)
tests_unit_ca_core_test_config_LDADD = $(CA_CORE_LIBS)

tests_unit_ca_core_test_store_SOURCES = tests/unit/ca/core/test-store.c
tests_unit_ca_core_test_store_CFLAGS = $(CA_TEST_CFLAGS)
tests_unit_ca_core_test_store_LDADD = $(CA_CORE_LIBS)

tests_unit_ca_core_test_store_sql_SOURCES = tests/unit/ca/core/test-store-sql.c
tests_unit_ca_core_test_store_sql_CFLAGS = $(CA_TEST_CFLAGS)
tests_unit_ca_core_test_store_sql_LDADD = $(CA_CORE_LIBS)

tests_unit_ca_core_test_rate_limit_SOURCES = tests/unit/ca/core/test-rate-limit.c
tests_unit_ca_core_test_rate_limit_CFLAGS = $(CA_TEST_CFLAGS)
tests_unit_ca_core_test_rate_limit_LDADD = $(CA_CORE_LIBS)

tests_unit_ca_core_test_issuer_SOURCES = tests/unit/ca/core/test-issuer.c
tests_unit_ca_core_test_issuer_CFLAGS = $(CA_TEST_CFLAGS)
tests_unit_ca_core_test_issuer_LDADD = $(CA_CORE_LIBS)

tests_unit_ca_core_test_http_router_SOURCES = tests/unit/ca/core/test-http-router.c
tests_unit_ca_core_test_http_router_CFLAGS = $(CA_TEST_CFLAGS)
tests_unit_ca_core_test_http_router_LDADD = $(CA_CORE_LIBS)

tests_unit_ca_core_test_http_SOURCES = tests/unit/ca/core/test-http.c
tests_unit_ca_core_test_http_CFLAGS = $(CA_TEST_CFLAGS) $(CURL_CFLAGS)
tests_unit_ca_core_test_http_LDADD = $(CA_CORE_LIBS) $(CURL_LIBS)

# ---- unit tests: ca/inventory ----
check_PROGRAMS += \
	tests/unit/ca/inventory/test-import \
	tests/unit/ca/inventory/test-devices \
	tests/unit/ca/inventory/test-accounts
TESTS += \
	tests/unit/ca/inventory/test-import \
	tests/unit/ca/inventory/test-devices \
	tests/unit/ca/inventory/test-accounts

tests_unit_ca_inventory_test_import_SOURCES = tests/unit/ca/inventory/test-import.c
tests_unit_ca_inventory_test_import_CFLAGS = $(CA_TEST_CFLAGS)
tests_unit_ca_inventory_test_import_LDADD = $(CA_INVENTORY_LIBS)

tests_unit_ca_inventory_test_devices_SOURCES = tests/unit/ca/inventory/test-devices.c
tests_unit_ca_inventory_test_devices_CFLAGS = $(CA_TEST_CFLAGS)
tests_unit_ca_inventory_test_devices_LDADD = $(CA_INVENTORY_LIBS)

tests_unit_ca_inventory_test_accounts_SOURCES = tests/unit/ca/inventory/test-accounts.c
tests_unit_ca_inventory_test_accounts_CFLAGS = $(CA_TEST_CFLAGS)
tests_unit_ca_inventory_test_accounts_LDADD = $(CA_INVENTORY_LIBS)

# ---- fuzz targets (seeds in tests/fuzz/corpus/<target>/) ----
check_PROGRAMS += \
	tests/fuzz/fuzz-ca-config \
	tests/fuzz/fuzz-ca-import-json \
	tests/fuzz/fuzz-ca-import-csv \
	tests/fuzz/fuzz-ca-account-template
TESTS += \
	tests/fuzz/fuzz-ca-config \
	tests/fuzz/fuzz-ca-import-json \
	tests/fuzz/fuzz-ca-import-csv \
	tests/fuzz/fuzz-ca-account-template

tests_fuzz_fuzz_ca_config_SOURCES = tests/fuzz/fuzz-ca-config.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_config_CFLAGS = $(CA_TEST_CFLAGS)
tests_fuzz_fuzz_ca_config_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_config_LDADD = $(CA_CORE_LIBS)

tests_fuzz_fuzz_ca_import_json_SOURCES = tests/fuzz/fuzz-ca-import-json.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_import_json_CFLAGS = $(CA_TEST_CFLAGS)
tests_fuzz_fuzz_ca_import_json_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_import_json_LDADD = $(CA_INVENTORY_LIBS)

tests_fuzz_fuzz_ca_import_csv_SOURCES = tests/fuzz/fuzz-ca-import-csv.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_import_csv_CFLAGS = $(CA_TEST_CFLAGS)
tests_fuzz_fuzz_ca_import_csv_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_import_csv_LDADD = $(CA_INVENTORY_LIBS)

tests_fuzz_fuzz_ca_account_template_SOURCES = tests/fuzz/fuzz-ca-account-template.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_account_template_CFLAGS = $(CA_TEST_CFLAGS)
tests_fuzz_fuzz_ca_account_template_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_account_template_LDADD = $(CA_INVENTORY_LIBS)
