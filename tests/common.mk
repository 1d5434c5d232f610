# SPDX-License-Identifier: Apache-2.0
# Unit tests and the fuzz target of the base of common/: time, durations
# (libbase.a) and the INI scaffold (libconf.a).

check_PROGRAMS += tests/unit/test-time-util tests/unit/test-duration tests/unit/test-conf
TESTS += tests/unit/test-time-util tests/unit/test-duration tests/unit/test-conf

tests_unit_test_time_util_SOURCES = tests/unit/test-time-util.c tests/unit/tap.h
tests_unit_test_time_util_LDADD = $(COMMON_BASE_LIBS)

tests_unit_test_duration_SOURCES = tests/unit/test-duration.c tests/unit/tap.h
tests_unit_test_duration_LDADD = $(COMMON_BASE_LIBS)

tests_unit_test_conf_SOURCES = tests/unit/test-conf.c tests/unit/tap.h
tests_unit_test_conf_LDADD = $(CONF_LIBS)

# Seeds in tests/fuzz/corpus/fuzz-conf/.
check_PROGRAMS += tests/fuzz/fuzz-conf
TESTS += tests/fuzz/fuzz-conf
tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz-conf.c $(FUZZER_MAIN)
tests_fuzz_fuzz_conf_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_conf_LDADD = $(CONF_LIBS) $(COMMON_BASE_LIBS)
