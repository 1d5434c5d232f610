# SPDX-License-Identifier: Apache-2.0
# ca/sign/: the Account CA, /1.0/sign and /1.0/renew (protocols.md 3; see
# ca/sign/README.md).

noinst_LIBRARIES += ca/sign/libcasign.a
ca_sign_libcasign_a_SOURCES = \
	ca/sign/sign.c ca/sign/sign.h \
	ca/sign/sign-api.c ca/sign/sign-api.h \
	ca/sign/sign-account.c ca/sign/sign-account.h \
	ca/sign/sign-req.c ca/sign/sign-req.h \
	ca/sign/x5c-token.c ca/sign/x5c-token.h \
	ca/sign/x5c-cache.c ca/sign/x5c-cache.h
ca_sign_libcasign_a_CFLAGS = $(CA_CORE_CFLAGS)
CA_SIGN_LIBS = ca/sign/libcasign.a $(CA_POSTURE_LIBS) $(CA_INVENTORY_LIBS)
EXTRA_DIST += ca/sign/README.md
