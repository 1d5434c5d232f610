# SPDX-License-Identifier: Apache-2.0
# Unit tests and fuzz targets of the TPM layer (enroll/tpm/libtpm.a).

TPM_TEST_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(TSS2_CFLAGS)
TPM_TEST_LIBS = $(TPM_LIBS) $(COMMON_LIBS)

check_PROGRAMS += tests/unit/enroll/tpm/test-tpm-rc tests/unit/enroll/tpm/test-tpm-templates \
	tests/unit/enroll/tpm/test-tpm-pem tests/unit/enroll/tpm/test-tpm-wrap
TESTS += tests/unit/enroll/tpm/test-tpm-rc tests/unit/enroll/tpm/test-tpm-templates \
	tests/unit/enroll/tpm/test-tpm-pem tests/unit/enroll/tpm/test-tpm-wrap

tests_unit_enroll_tpm_test_tpm_rc_SOURCES = tests/unit/enroll/tpm/test-tpm-rc.c
tests_unit_enroll_tpm_test_tpm_rc_CFLAGS = $(TPM_TEST_CFLAGS)
tests_unit_enroll_tpm_test_tpm_rc_LDADD = $(TPM_TEST_LIBS)

tests_unit_enroll_tpm_test_tpm_templates_SOURCES = tests/unit/enroll/tpm/test-tpm-templates.c
tests_unit_enroll_tpm_test_tpm_templates_CFLAGS = $(TPM_TEST_CFLAGS)
tests_unit_enroll_tpm_test_tpm_templates_LDADD = $(TPM_TEST_LIBS)

tests_unit_enroll_tpm_test_tpm_pem_SOURCES = tests/unit/enroll/tpm/test-tpm-pem.c
tests_unit_enroll_tpm_test_tpm_pem_CFLAGS = $(TPM_TEST_CFLAGS)
tests_unit_enroll_tpm_test_tpm_pem_LDADD = $(TPM_TEST_LIBS)

# The flows against a fake ESAPI swapped in at link time.
tests_unit_enroll_tpm_test_tpm_wrap_SOURCES = tests/unit/enroll/tpm/test-tpm-wrap.c
tests_unit_enroll_tpm_test_tpm_wrap_CFLAGS = $(TPM_TEST_CFLAGS)
tests_unit_enroll_tpm_test_tpm_wrap_LDFLAGS = $(AM_LDFLAGS) \
	-Wl,--wrap=Esys_CreatePrimary -Wl,--wrap=Esys_Create -Wl,--wrap=Esys_Load \
	-Wl,--wrap=Esys_FlushContext -Wl,--wrap=Esys_CertifyCreation -Wl,--wrap=Esys_Certify \
	-Wl,--wrap=Esys_Sign -Wl,--wrap=Esys_StartAuthSession -Wl,--wrap=Esys_TRSess_SetAttributes \
	-Wl,--wrap=Esys_PolicySecret -Wl,--wrap=Esys_PolicyOR -Wl,--wrap=Esys_ActivateCredential \
	-Wl,--wrap=Esys_GetCapability
tests_unit_enroll_tpm_test_tpm_wrap_LDADD = $(TPM_TEST_LIBS)

# Fuzz target of the key-file parser.
check_PROGRAMS += tests/fuzz/fuzz-tpm-pem
TESTS += tests/fuzz/fuzz-tpm-pem
tests_fuzz_fuzz_tpm_pem_SOURCES = tests/fuzz/fuzz-tpm-pem.c $(FUZZER_MAIN)
tests_fuzz_fuzz_tpm_pem_CFLAGS = $(TPM_TEST_CFLAGS)
tests_fuzz_fuzz_tpm_pem_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_tpm_pem_LDADD = $(TPM_TEST_LIBS)
