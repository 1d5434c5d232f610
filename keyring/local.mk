# SPDX-License-Identifier: Apache-2.0
# keyring/: the kernel-keyring agent, the only code that calls keyutils.
# libkeyring.a is linked by the enrollment side, deviceidctl and fsd.

noinst_LIBRARIES += keyring/libkeyring.a
keyring_libkeyring_a_SOURCES = \
	keyring/keyring.h \
	keyring/payload.h keyring/payload.c \
	keyring/keyring.c \
	keyring/notify.c
keyring_libkeyring_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(KEYUTILS_CFLAGS)

# Link line for anything that uses the keyring (put before $(COMMON_LIBS)).
KEYRING_LIBS = keyring/libkeyring.a $(KEYUTILS_LIBS)

EXTRA_DIST += docs/keyring.md
