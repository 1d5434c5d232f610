# SPDX-License-Identifier: Apache-2.0
# ca/revoke/: CRLs and the OCSP responder (see ca/revoke/README.md).

noinst_LIBRARIES += ca/revoke/libcarevoke.a
ca_revoke_libcarevoke_a_SOURCES = \
	ca/revoke/crl.c ca/revoke/crl.h \
	ca/revoke/crl-number.c ca/revoke/crl-number.h \
	ca/revoke/ocsp-req.c ca/revoke/ocsp-req.h \
	ca/revoke/ocsp-resp.c ca/revoke/ocsp-resp.h \
	ca/revoke/ocsp-cache.c ca/revoke/ocsp-cache.h \
	ca/revoke/responder.c ca/revoke/responder.h \
	ca/revoke/revoke.c ca/revoke/revoke.h \
	ca/revoke/cert-cli.c ca/revoke/cert-cli.h
ca_revoke_libcarevoke_a_CFLAGS = $(CA_CORE_CFLAGS)
CA_REVOKE_LIBS = ca/revoke/libcarevoke.a $(CA_CORE_LIBS)
EXTRA_DIST += ca/revoke/README.md
