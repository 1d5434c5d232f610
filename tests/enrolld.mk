# SPDX-License-Identifier: Apache-2.0
# Unit tests and the fuzz target of deviceid-enrolld's pure parts.

check_PROGRAMS += tests/unit/enroll/agent/test-enroll-ca tests/unit/enroll/agent/test-enrolld-config tests/unit/enroll/agent/test-enrolld-schedule tests/fuzz/fuzz-enrolld-config
TESTS += tests/unit/enroll/agent/test-enroll-ca tests/unit/enroll/agent/test-enrolld-config tests/unit/enroll/agent/test-enrolld-schedule tests/fuzz/fuzz-enrolld-config

ENROLLD_TEST_LIBS = $(AGENT_LIBS) $(ENROLL_CLIENT_LIBS) $(KEYRING_LIBS) $(COMMON_LIBS)

tests_unit_enroll_agent_test_enroll_ca_SOURCES = tests/unit/enroll/agent/test-enroll-ca.c tests/unit/tap.h tests/unit/crypto-testdata.h
tests_unit_enroll_agent_test_enroll_ca_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(TSS2_CFLAGS) \
	-DCRYPTO_TESTDATA='"$(abs_top_srcdir)/tests/unit/data/crypto"'
tests_unit_enroll_agent_test_enroll_ca_LDADD = $(ENROLLD_TEST_LIBS)

tests_unit_enroll_agent_test_enrolld_config_SOURCES = tests/unit/enroll/agent/test-enrolld-config.c tests/unit/tap.h
tests_unit_enroll_agent_test_enrolld_config_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(TSS2_CFLAGS)
tests_unit_enroll_agent_test_enrolld_config_LDADD = $(ENROLLD_TEST_LIBS)

tests_unit_enroll_agent_test_enrolld_schedule_SOURCES = tests/unit/enroll/agent/test-enrolld-schedule.c tests/unit/tap.h
tests_unit_enroll_agent_test_enrolld_schedule_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_enroll_agent_test_enrolld_schedule_LDADD = enroll/agent/libagent.a

tests_fuzz_fuzz_enrolld_config_SOURCES = tests/fuzz/fuzz-enrolld-config.c $(FUZZER_MAIN)
tests_fuzz_fuzz_enrolld_config_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(TSS2_CFLAGS)
tests_fuzz_fuzz_enrolld_config_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_enrolld_config_LDADD = $(ENROLLD_TEST_LIBS)
