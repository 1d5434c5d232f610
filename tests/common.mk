# SPDX-License-Identifier: Apache-2.0
# Unit tests of the base of common/ (libbase.a): time, durations.

check_PROGRAMS += tests/unit/test-time-util tests/unit/test-duration
TESTS += tests/unit/test-time-util tests/unit/test-duration

tests_unit_test_time_util_SOURCES = tests/unit/test-time-util.c tests/unit/tap.h
tests_unit_test_time_util_LDADD = $(COMMON_BASE_LIBS)

tests_unit_test_duration_SOURCES = tests/unit/test-duration.c tests/unit/tap.h
tests_unit_test_duration_LDADD = $(COMMON_BASE_LIBS)
