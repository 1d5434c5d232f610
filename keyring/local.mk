# SPDX-License-Identifier: Apache-2.0
# keyring/: the kernel-keyring agent, the only code that calls keyutils.
# What it owns and may include: keyring/README.md.
#
# The reader (get, list; no OpenSSL): what deviceid-fsd links.
noinst_LIBRARIES += keyring/libkeyring-reader.a
keyring_libkeyring_reader_a_SOURCES = \
	keyring/keyring.h keyring/internal.h \
	keyring/payload.h keyring/payload.c \
	keyring/reader.c
keyring_libkeyring_reader_a_CFLAGS = $(AM_CFLAGS) $(KEYUTILS_CFLAGS)
KEYRING_READER_LIBS = keyring/libkeyring-reader.a $(KEYUTILS_LIBS)

# The writer (publish with its checks, remove, notify the readers): the
# enrollment side and deviceidctl.
noinst_LIBRARIES += keyring/libkeyring.a
keyring_libkeyring_a_SOURCES = \
	keyring/writer.h keyring/writer.c \
	keyring/notify.c
keyring_libkeyring_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(KEYUTILS_CFLAGS)

# Link line for anything that writes the keyring (put before $(COMMON_LIBS)).
KEYRING_LIBS = keyring/libkeyring.a $(KEYRING_READER_LIBS)

EXTRA_DIST += docs/keyring.md keyring/README.md
