# SPDX-License-Identifier: Apache-2.0
# Unit tests and fuzz targets of fsd.

check_PROGRAMS += tests/unit/test-fsd-table tests/unit/test-fsd-config tests/fuzz/fuzz-fsd-config
TESTS += tests/unit/test-fsd-table tests/unit/test-fsd-config tests/fuzz/fuzz-fsd-config

tests_unit_test_fsd_table_SOURCES = tests/unit/test-fsd-table.c tests/unit/tap.h
tests_unit_test_fsd_table_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_fsd_table_LDADD = $(FSD_CORE_LIBS) $(KEYRING_LIBS) $(COMMON_LIBS)

tests_unit_test_fsd_config_SOURCES = tests/unit/test-fsd-config.c tests/unit/tap.h
tests_unit_test_fsd_config_CFLAGS = $(AM_CFLAGS)
tests_unit_test_fsd_config_LDADD = $(FSD_CORE_LIBS) $(KEYRING_LIBS) $(COMMON_LIBS)

tests_fuzz_fuzz_fsd_config_SOURCES = tests/fuzz/fuzz-fsd-config.c $(FUZZER_MAIN)
tests_fuzz_fuzz_fsd_config_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_fsd_config_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_fsd_config_LDADD = $(FSD_CORE_LIBS) $(KEYRING_LIBS) $(COMMON_LIBS)
