# SPDX-License-Identifier: Apache-2.0
# ca/acme/: the ACME server (RFC 8555) and its challenge types in
# ca/acme/challenges/ (see ca/acme/README.md). http-01 fetches through the
# common HTTP client; device-attest-01 parses CBOR and checks TPM
# structures with common/libtpm2util.a.

noinst_LIBRARIES += ca/acme/libcaacme.a
ca_acme_libcaacme_a_SOURCES = \
	ca/acme/acme-hook.h \
	ca/acme/acme-problem.c ca/acme/acme-problem.h \
	ca/acme/acme-nonce.c ca/acme/acme-nonce.h \
	ca/acme/acme-nonce-pool.c \
	ca/acme/acme-payload.c ca/acme/acme-payload.h \
	ca/acme/acme-keychange.c \
	ca/acme/acme-db.c ca/acme/acme-db.h \
	ca/acme/acme-policy.c ca/acme/acme-policy.h \
	ca/acme/acme-context.c ca/acme/acme-context.h \
	ca/acme/acme-reply.c ca/acme/acme-reply.h \
	ca/acme/acme-validate.c ca/acme/acme-validate.h \
	ca/acme/acme-purge.c ca/acme/acme-purge.h \
	ca/acme/acme-csr.c ca/acme/acme-csr.h \
	ca/acme/acme-device.c ca/acme/acme-device.h \
	ca/acme/acme-handlers.h \
	ca/acme/acme-account.c \
	ca/acme/acme-order.c \
	ca/acme/acme-authz.c \
	ca/acme/acme-cert.c \
	ca/acme/acme-server.c \
	ca/acme/challenges/challenge.c ca/acme/challenges/challenge.h \
	ca/acme/challenges/challenge-http.c \
	ca/acme/challenges/challenge-dns.c \
	ca/acme/challenges/challenge-dns-txt.c ca/acme/challenges/challenge-dns-txt.h \
	ca/acme/challenges/challenge-tlsalpn.c ca/acme/challenges/challenge-tlsalpn.h \
	ca/acme/challenges/challenge-device-attest.c \
	ca/acme/challenges/device-attest.c ca/acme/challenges/device-attest.h \
	ca/acme/challenges/device-attest-verify.c
ca_acme_libcaacme_a_CFLAGS = $(CA_CORE_CFLAGS) $(CBOR_CFLAGS) $(TSS2_CFLAGS)
CA_ACME_LIBS = ca/acme/libcaacme.a $(CA_POSTURE_LIBS) $(TPM2UTIL_LIBS) $(HTTP_CLIENT_LIBS) $(CA_INVENTORY_LIBS) $(CBOR_LIBS)

# Documentation of the ACME server (its man page section is in docs/deviceid-ca.8).
EXTRA_DIST += docs/acme.md
EXTRA_DIST += ca/acme/README.md ca/acme/challenges/README.md
