# SPDX-License-Identifier: Apache-2.0
# Unit tests and fuzz targets of the admin API's callers and the web
# console (ca/auth/, ca/console/, with the audit log and list queries of
# ca/core/): cookie and token parsers, the sign-in limiter, file names,
# CRL reason names, login links, sessions and the audit log on SQLite.

check_PROGRAMS += tests/unit/ca/console/test-console
TESTS += tests/unit/ca/console/test-console

tests_unit_ca_console_test_console_SOURCES = tests/unit/ca/console/test-console.c
tests_unit_ca_console_test_console_CFLAGS = $(CA_TEST_CFLAGS)
tests_unit_ca_console_test_console_LDADD = $(CA_CONSOLE_LIBS)

# ---- fuzz targets (seeds in tests/fuzz/corpus/<target>/) ----
check_PROGRAMS += tests/fuzz/fuzz-ca-console-cookie
TESTS += tests/fuzz/fuzz-ca-console-cookie

tests_fuzz_fuzz_ca_console_cookie_SOURCES = tests/fuzz/fuzz-ca-console-cookie.c $(FUZZER_MAIN)
tests_fuzz_fuzz_ca_console_cookie_CFLAGS = $(CA_TEST_CFLAGS)
tests_fuzz_fuzz_ca_console_cookie_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_ca_console_cookie_LDADD = $(CA_CONSOLE_LIBS)
