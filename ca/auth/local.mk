# SPDX-License-Identifier: Apache-2.0
# ca/auth/: who calls the admin API, by admin certificate or console
# session (see ca/auth/README.md).

noinst_LIBRARIES += ca/auth/libcaauth.a
ca_auth_libcaauth_a_SOURCES = \
	ca/auth/cookie.c ca/auth/cookie.h \
	ca/auth/session.c ca/auth/session.h \
	ca/auth/admin-auth.c ca/auth/admin-auth.h
ca_auth_libcaauth_a_CFLAGS = $(CA_CORE_CFLAGS)
CA_AUTH_LIBS = ca/auth/libcaauth.a $(CA_CORE_LIBS)
EXTRA_DIST += ca/auth/README.md
