# SPDX-License-Identifier: Apache-2.0
# ACME server sources (owned by the ACME part); sets CA_ACME_SOURCES,
# which ca/local.mk links into deviceid-ca.

# The pure cores, also linked into the unit tests and fuzz targets.
CA_ACME_PURE_SOURCES = \
	ca/acme-problem.c ca/acme-problem.h \
	ca/acme-nonce.c ca/acme-nonce.h \
	ca/acme-payload.c ca/acme-payload.h \
	ca/acme-keychange.c \
	ca/challenge-dns-txt.c ca/challenge-dns-txt.h \
	ca/device-attest.c ca/device-attest.h \
	ca/device-attest-verify.c

CA_ACME_SOURCES += \
	$(CA_ACME_PURE_SOURCES) \
	ca/acme.h \
	ca/acme-server.c \
	ca/acme-nonce-pool.c \
	ca/acme-account.c \
	ca/acme-order.c \
	ca/acme-csr.c \
	ca/acme-db.c ca/acme-db.h \
	ca/acme-validate.c \
	ca/challenge.c ca/challenge.h \
	ca/challenge-http.c \
	ca/challenge-dns.c \
	ca/challenge-tlsalpn.c ca/challenge-tlsalpn.h \
	ca/challenge-device-attest.c \
	ca/acme-device.c

# Documentation of the ACME server (its man page section is in docs/deviceid-ca.8).
EXTRA_DIST += docs/acme.md
