# SPDX-License-Identifier: Apache-2.0
# enroll/ctl/: deviceidctl, the administrator's tool on the device; every
# verb in its own file.

bin_PROGRAMS += enroll/deviceidctl
enroll_deviceidctl_SOURCES = \
	enroll/ctl/deviceidctl.c enroll/ctl/ctl.h \
	enroll/ctl/ctl-identity.c \
	enroll/ctl/ctl-attest.c \
	enroll/ctl/ctl-enroll.c \
	enroll/ctl/ctl-keyring.c \
	enroll/ctl/ctl-status.c
enroll_deviceidctl_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JSONC_CFLAGS) $(TSS2_CFLAGS)
enroll_deviceidctl_LDADD = $(AGENT_LIBS) $(ENROLL_CLIENT_LIBS) $(KEYRING_LIBS) $(COMMON_LIBS)

dist_man_MANS += docs/deviceidctl.8
EXTRA_DIST += enroll/ctl/README.md
