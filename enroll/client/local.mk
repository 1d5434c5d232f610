# SPDX-License-Identifier: Apache-2.0
# enroll/client/: the agent's CA clients over the HTTP client of common/
# (the only libcurl user): the Attestation CA exchange, ACME with
# device-attest-01, /1.0/sign and the account list, with their pure wire
# parsers.

noinst_LIBRARIES += enroll/client/libclient.a
enroll_client_libclient_a_SOURCES = \
	enroll/client/failure.c enroll/client/failure.h \
	enroll/client/url.c enroll/client/url.h \
	enroll/client/identity-check.c enroll/client/identity-check.h \
	enroll/client/attest-wire.c enroll/client/attest-wire.h \
	enroll/client/attest-client.c enroll/client/attest-client.h \
	enroll/client/acme-wire.c enroll/client/acme-wire.h \
	enroll/client/acme-client.c enroll/client/acme-client.h \
	enroll/client/device-attest-client.c enroll/client/device-attest-client.h \
	enroll/client/posture-client.c enroll/client/posture-client.h \
	enroll/client/sign-client.c enroll/client/sign-client.h \
	enroll/client/accounts-client.c enroll/client/accounts-client.h
enroll_client_libclient_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JSONC_CFLAGS) $(TSS2_CFLAGS) \
	$(CBOR_CFLAGS)

# Link line for anything that uses the clients (put before $(COMMON_LIBS)).
ENROLL_CLIENT_LIBS = enroll/client/libclient.a $(TPM_LIBS) $(HTTP_CLIENT_LIBS) $(CBOR_LIBS)

EXTRA_DIST += enroll/client/README.md
