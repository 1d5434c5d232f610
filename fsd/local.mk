# SPDX-License-Identifier: Apache-2.0
# fsd/: deviceid-fsd, the read-only FUSE filesystem under /run/deviceid.
# libfsd.a holds the pure core (name table, inode store, config parser,
# takeover state)
# shared by the daemon, its unit tests and its fuzz target. What fsd/ may
# include: fsd/README.md.

noinst_LIBRARIES += fsd/libfsd.a
fsd_libfsd_a_SOURCES = \
	fsd/table.c fsd/table.h \
	fsd/store.c fsd/store.h \
	fsd/config.c fsd/config.h \
	fsd/initstate.c fsd/initstate.h
fsd_libfsd_a_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)

# Link line for the pure core (put before $(KEYRING_READER_LIBS) $(COMMON_JSON_LIBS)).
FSD_CORE_LIBS = fsd/libfsd.a $(CONF_LIBS)

sbin_PROGRAMS += fsd/deviceid-fsd
fsd_deviceid_fsd_SOURCES = \
	fsd/main.c \
	fsd/fsd.c fsd/fsd.h \
	fsd/ops.c \
	fsd/notify.c fsd/notify.h \
	fsd/control.c fsd/control.h \
	fsd/reload.c fsd/reload.h \
	fsd/mount.c fsd/mount.h \
	fsd/holder.c fsd/holder.h \
	fsd/takeover.c fsd/takeover.h
fsd_deviceid_fsd_CFLAGS = $(AM_CFLAGS) $(FUSE_CFLAGS) $(JSONC_CFLAGS) $(SYSTEMD_CFLAGS) -pthread
# No OpenSSL: the keyring's reader side and the JSON part of common/ only.
fsd_deviceid_fsd_LDADD = $(FSD_CORE_LIBS) $(KEYRING_READER_LIBS) $(COMMON_JSON_LIBS) $(FUSE_LIBS) $(SYSTEMD_LIBS) -lpthread

dist_man_MANS += docs/deviceid-fsd.8
EXTRA_DIST += docs/fsd.md fsd/README.md
