# SPDX-License-Identifier: Apache-2.0
# enroll/agent/: the enrollment steps shared by deviceidctl enroll and
# deviceid-enrolld, the daemon's configuration parser and renewal
# arithmetic (pure, in libagent.a for the unit tests and the fuzz
# target), and the daemon itself.

noinst_LIBRARIES += enroll/agent/libagent.a
enroll_agent_libagent_a_SOURCES = \
	enroll/agent/enroll.c enroll/agent/enroll.h \
	enroll/agent/enrolld-config.c enroll/agent/enrolld-config.h \
	enroll/agent/enrolld-schedule.c enroll/agent/enrolld-schedule.h \
	enroll/agent/accounts.c enroll/agent/accounts.h \
	enroll/agent/enrolld-status.c enroll/agent/enrolld-status.h \
	enroll/agent/enrolld-status-file.c enroll/agent/enrolld-status-file.h \
	enroll/agent/enrolld-report.c enroll/agent/enrolld-report.h
enroll_agent_libagent_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JSONC_CFLAGS) $(TSS2_CFLAGS)

# Link line for anything that uses the agent's steps (put before
# $(ENROLL_CLIENT_LIBS) $(KEYRING_LIBS) $(COMMON_LIBS)).
AGENT_LIBS = enroll/agent/libagent.a $(CONF_LIBS)

sbin_PROGRAMS += enroll/deviceid-enrolld
enroll_deviceid_enrolld_SOURCES = enroll/agent/enrolld.c
enroll_deviceid_enrolld_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JSONC_CFLAGS) $(TSS2_CFLAGS) $(SYSTEMD_CFLAGS)
enroll_deviceid_enrolld_LDADD = $(AGENT_LIBS) $(ENROLL_CLIENT_LIBS) $(KEYRING_LIBS) $(COMMON_LIBS) \
	$(SYSTEMD_LIBS) -lm

dist_man_MANS += docs/deviceid-enrolld.8
EXTRA_DIST += enroll/agent/README.md
