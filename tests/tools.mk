# SPDX-License-Identifier: Apache-2.0
# tests/tools/: programs that assert nothing. The pytest suites
# (tests/integration) and the benchmarks run them to drive our code
# against real peers (swtpm, the kernel keyring, openssl, a CA
# directory); none is installed.

TOOLS_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)

# Built with `make` (not only `make check`) so that pytest and bench/ can
# run alone: device and account certificates from a CA directory, by the
# CA's own issuing code.
noinst_PROGRAMS += tests/tools/ca-issue
tests_tools_ca_issue_SOURCES = tests/tools/ca-issue.c
tests_tools_ca_issue_CFLAGS = $(CA_TEST_CFLAGS)
tests_tools_ca_issue_LDADD = $(CA_LIBS)

# The TPM layer from the command line, against swtpm
# (tests/integration/test_tpm*.py and the agent fixtures).
check_PROGRAMS += tests/tools/tpm-cli
tests_tools_tpm_cli_SOURCES = tests/tools/tpm-cli.c
tests_tools_tpm_cli_CFLAGS = $(TOOLS_CFLAGS) $(TSS2_CFLAGS)
tests_tools_tpm_cli_LDADD = $(TPM_LIBS) $(COMMON_LIBS)

# The pure TPM helpers from the command line (tests/integration/test_tpm2util.py).
check_PROGRAMS += tests/tools/tpm2util-tool
tests_tools_tpm2util_tool_SOURCES = tests/tools/tpm2util-tool.c
tests_tools_tpm2util_tool_CFLAGS = $(TOOLS_CFLAGS) $(TSS2_CFLAGS)
tests_tools_tpm2util_tool_LDADD = $(TPM2UTIL_LIBS) $(COMMON_LIBS)

# CSRs, names and chain checks against the openssl CLI
# (tests/integration/test_x509_openssl.py).
check_PROGRAMS += tests/tools/x509-tool
tests_tools_x509_tool_SOURCES = tests/tools/x509-tool.c
tests_tools_x509_tool_CFLAGS = $(TOOLS_CFLAGS)
tests_tools_x509_tool_LDADD = $(COMMON_LIBS)

# A keyring reader/publisher (tests/integration/fixtures/keyring.py), and
# the same tool with every keyutils call wrapped at link time so that it
# can SIGKILL itself before the Nth one ($DEVICEID_TEST_KILL_AT).
check_PROGRAMS += tests/tools/keyring-tool tests/tools/keyring-kill
tests_tools_keyring_tool_SOURCES = tests/tools/keyring-tool.c
tests_tools_keyring_tool_CFLAGS = $(TOOLS_CFLAGS) $(KEYUTILS_CFLAGS)
tests_tools_keyring_tool_LDADD = $(KEYRING_LIBS) $(COMMON_LIBS)
tests_tools_keyring_kill_SOURCES = tests/tools/keyring-tool.c tests/tools/keyring-killwrap.c
tests_tools_keyring_kill_CFLAGS = $(TOOLS_CFLAGS) $(KEYUTILS_CFLAGS)
tests_tools_keyring_kill_LDFLAGS = $(AM_LDFLAGS) \
	-Wl,--wrap=add_key -Wl,--wrap=keyctl_search -Wl,--wrap=keyctl_read \
	-Wl,--wrap=keyctl_read_alloc -Wl,--wrap=keyctl_describe_alloc -Wl,--wrap=keyctl_setperm \
	-Wl,--wrap=keyctl_set_timeout -Wl,--wrap=keyctl_link -Wl,--wrap=keyctl_unlink \
	-Wl,--wrap=keyctl_revoke -Wl,--wrap=keyctl_invalidate
tests_tools_keyring_kill_LDADD = $(KEYRING_LIBS) $(COMMON_LIBS)
