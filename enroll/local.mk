# SPDX-License-Identifier: Apache-2.0
# enroll/: the enrollment side of the agent, and deviceidctl.

# The agent's network clients, over the HTTP client of common/ (the only
# libcurl user): the Attestation CA exchange (pure wire formats + the
# exchange), ACME, device-attest-01 and /1.0/sign.
noinst_LIBRARIES += enroll/libenroll.a
enroll_libenroll_a_SOURCES = \
	enroll/attest-client.c enroll/attest-client.h \
	enroll/attest-wire.c \
	enroll/client-error.c \
	enroll/acme-client.c enroll/acme-client.h \
	enroll/acme-wire.c \
	enroll/device-attest-client.c enroll/device-attest-client.h \
	enroll/sign-client.c enroll/sign-client.h \
	enroll/enroll.c enroll/enroll.h
enroll_libenroll_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JSONC_CFLAGS) $(TSS2_CFLAGS) \
	$(CBOR_CFLAGS)

# Link line for anything that uses libenroll.a (put before $(COMMON_LIBS)).
ENROLL_CLIENT_LIBS = enroll/libenroll.a $(ENROLL_LIBS) $(HTTP_CLIENT_LIBS) $(CBOR_LIBS)

bin_PROGRAMS += enroll/deviceidctl
enroll_deviceidctl_SOURCES = \
	enroll/deviceidctl.c enroll/ctl.h \
	enroll/ctl-identity.c \
	enroll/ctl-attest.c \
	enroll/ctl-enroll.c \
	keyring/ctl-keyring.c
enroll_deviceidctl_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JSONC_CFLAGS) $(TSS2_CFLAGS)
enroll_deviceidctl_LDADD = $(ENROLL_CLIENT_LIBS) $(KEYRING_LIBS) $(COMMON_LIBS)

# Filled in by the TPM layer (enroll/tpm.mk) and the keyring agent (keyring/local.mk).
include enroll/tpm.mk

dist_man_MANS += docs/deviceidctl.8

# The enrollment daemon: the shared enrollment steps of enroll.h, its
# configuration parser and renewal arithmetic (pure, in libenrolld.a for
# the unit tests and the fuzz target), and the loop.
noinst_LIBRARIES += enroll/libenrolld.a
enroll_libenrolld_a_SOURCES = \
	enroll/enrolld-config.c enroll/enrolld-config.h \
	enroll/enrolld-schedule.c enroll/enrolld-schedule.h
enroll_libenrolld_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(TSS2_CFLAGS)
ENROLLD_CORE_LIBS = enroll/libenrolld.a $(CONF_LIBS)

sbin_PROGRAMS += enroll/deviceid-enrolld
enroll_deviceid_enrolld_SOURCES = enroll/enrolld.c
enroll_deviceid_enrolld_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JSONC_CFLAGS) $(TSS2_CFLAGS) $(SYSTEMD_CFLAGS)
enroll_deviceid_enrolld_LDADD = $(ENROLLD_CORE_LIBS) $(ENROLL_CLIENT_LIBS) $(KEYRING_LIBS) $(COMMON_LIBS) \
	$(SYSTEMD_LIBS) -lm

dist_man_MANS += docs/deviceid-enrolld.8
