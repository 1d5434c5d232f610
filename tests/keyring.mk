# SPDX-License-Identifier: Apache-2.0
# Unit tests and fuzz targets of keyring.

KEYRING_TEST_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(KEYUTILS_CFLAGS) -I$(top_srcdir)/tests/unit

check_PROGRAMS += tests/unit/keyring/test-keyring-payload
TESTS += tests/unit/keyring/test-keyring-payload
tests_unit_keyring_test_keyring_payload_SOURCES = tests/unit/keyring/test-keyring-payload.c
tests_unit_keyring_test_keyring_payload_CFLAGS = $(KEYRING_TEST_CFLAGS)
tests_unit_keyring_test_keyring_payload_LDADD = $(KEYRING_LIBS) $(COMMON_LIBS)

check_PROGRAMS += tests/unit/keyring/test-keyring-notify
TESTS += tests/unit/keyring/test-keyring-notify
tests_unit_keyring_test_keyring_notify_SOURCES = tests/unit/keyring/test-keyring-notify.c
tests_unit_keyring_test_keyring_notify_CFLAGS = $(KEYRING_TEST_CFLAGS)
tests_unit_keyring_test_keyring_notify_LDADD = $(KEYRING_LIBS) $(COMMON_LIBS)

# Against the real kernel keyring, in a keyring of its own.
check_PROGRAMS += tests/unit/keyring/test-keyring-kernel
TESTS += tests/unit/keyring/test-keyring-kernel
tests_unit_keyring_test_keyring_kernel_SOURCES = tests/unit/keyring/test-keyring-kernel.c tests/unit/keyring/test-keyring-vectors.h
tests_unit_keyring_test_keyring_kernel_CFLAGS = $(KEYRING_TEST_CFLAGS)
tests_unit_keyring_test_keyring_kernel_LDADD = $(KEYRING_LIBS) $(COMMON_LIBS)

check_PROGRAMS += tests/fuzz/fuzz-keyring-payload
TESTS += tests/fuzz/fuzz-keyring-payload
tests_fuzz_fuzz_keyring_payload_SOURCES = tests/fuzz/fuzz-keyring-payload.c $(FUZZER_MAIN)
tests_fuzz_fuzz_keyring_payload_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_keyring_payload_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_keyring_payload_LDADD = $(KEYRING_LIBS) $(COMMON_LIBS)
