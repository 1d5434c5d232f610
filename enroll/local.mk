# SPDX-License-Identifier: Apache-2.0
# enroll/: the enrollment side of the agent, and deviceidctl.

bin_PROGRAMS += enroll/deviceidctl
enroll_deviceidctl_SOURCES = \
	enroll/deviceidctl.c enroll/ctl.h \
	enroll/ctl-identity.c \
	keyring/ctl-keyring.c
enroll_deviceidctl_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JSONC_CFLAGS)
enroll_deviceidctl_LDADD = $(KEYRING_LIBS) $(ENROLL_LIBS) $(COMMON_LIBS)

# Filled in by the TPM layer (enroll/tpm.mk) and the keyring agent (keyring/local.mk).
include enroll/tpm.mk

dist_man_MANS += docs/deviceidctl.8
