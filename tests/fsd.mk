# SPDX-License-Identifier: Apache-2.0
# Unit tests (tests/unit/fsd/) and fuzz target of fsd.

FSD_UNIT_TESTS = \
	tests/unit/fsd/test-table \
	tests/unit/fsd/test-store \
	tests/unit/fsd/test-config \
	tests/unit/fsd/test-initstate
check_PROGRAMS += $(FSD_UNIT_TESTS) tests/fuzz/fuzz-fsd-config tests/fuzz/fuzz-fsd-initstate
TESTS += $(FSD_UNIT_TESTS) tests/fuzz/fuzz-fsd-config tests/fuzz/fuzz-fsd-initstate

EXTRA_DIST += tests/unit/fsd/fsd-entries.h

tests_unit_fsd_test_table_SOURCES = tests/unit/fsd/test-table.c
tests_unit_fsd_test_table_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_unit_fsd_test_table_LDADD = $(FSD_CORE_LIBS) $(KEYRING_READER_LIBS) $(COMMON_JSON_LIBS)

tests_unit_fsd_test_store_SOURCES = tests/unit/fsd/test-store.c
tests_unit_fsd_test_store_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_unit_fsd_test_store_LDADD = $(FSD_CORE_LIBS) $(KEYRING_READER_LIBS) $(COMMON_JSON_LIBS)

tests_unit_fsd_test_config_SOURCES = tests/unit/fsd/test-config.c
tests_unit_fsd_test_config_CFLAGS = $(AM_CFLAGS)
tests_unit_fsd_test_config_LDADD = $(FSD_CORE_LIBS) $(KEYRING_READER_LIBS) $(COMMON_JSON_LIBS)

tests_fuzz_fuzz_fsd_config_SOURCES = tests/fuzz/fuzz-fsd-config.c $(FUZZER_MAIN)
tests_fuzz_fuzz_fsd_config_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_fsd_config_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_fsd_config_LDADD = $(FSD_CORE_LIBS) $(KEYRING_READER_LIBS) $(COMMON_JSON_LIBS)

tests_unit_fsd_test_initstate_SOURCES = tests/unit/fsd/test-initstate.c
tests_unit_fsd_test_initstate_CFLAGS = $(AM_CFLAGS)
tests_unit_fsd_test_initstate_LDADD = $(FSD_CORE_LIBS) $(KEYRING_READER_LIBS) $(COMMON_JSON_LIBS)

tests_fuzz_fuzz_fsd_initstate_SOURCES = tests/fuzz/fuzz-fsd-initstate.c $(FUZZER_MAIN)
tests_fuzz_fuzz_fsd_initstate_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_fsd_initstate_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_fsd_initstate_LDADD = $(FSD_CORE_LIBS) $(KEYRING_READER_LIBS) $(COMMON_JSON_LIBS)
