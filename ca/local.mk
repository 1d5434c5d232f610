# SPDX-License-Identifier: Apache-2.0
# ca/: rules for this folder (see the top-level Makefile.am).
# deviceid-ca, the CA service. ca/acme.mk (owned by the ACME part) sets
# CA_ACME_SOURCES, which is linked into the same binary and provides
# acme_routes_register() (ca/acme-hook.h).

CA_ACME_SOURCES =
include ca/acme.mk

noinst_LIBRARIES += ca/libca.a
ca_libca_a_SOURCES = \
	ca/http.c ca/http.h \
	ca/store.c ca/store.h ca/store-backend.h \
	ca/store-sqlite.c \
	ca/store-pg.c ca/store-sql.c ca/store-sql.h \
	ca/config.c ca/config.h \
	ca/issuer.c ca/issuer.h \
	ca/devices.c ca/devices.h \
	ca/import.c ca/import.h \
	ca/attest-req.c ca/attest-req.h \
	ca/attest-pending.c ca/attest-pending.h \
	ca/x5c-token.c ca/x5c-token.h \
	ca/sign-req.c ca/sign-req.h \
	ca/sign.c ca/sign.h ca/refusal.h \
	ca/acme-hook.h
ca_libca_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JSONC_CFLAGS) $(MHD_CFLAGS) \
	$(GNUTLS_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(SYSTEMD_CFLAGS)

CA_LIBS = ca/libca.a $(CONF_LIBS) $(COMMON_LIBS) $(MHD_LIBS) $(GNUTLS_LIBS) $(SQLITE_LIBS) \
	$(PQ_LIBS) $(SYSTEMD_LIBS) -lpthread

# The Attestation CA (AK certificates, protocols.md 1): its logic needs
# the pure TPM helpers (common/libtpm2util.a); its request parsers and
# pending-activation table are in libca.a above.
CA_ATTEST_SOURCES = \
	ca/attest.c ca/attest.h \
	ca/attest-api.c

bin_PROGRAMS += ca/deviceid-ca
ca_deviceid_ca_SOURCES = \
	ca/main.c ca/cli.h \
	ca/init.c \
	ca/serve.c \
	ca/device-cli.c \
	ca/admin-api.c ca/admin-api.h \
	ca/sign-api.c ca/sign-api.h \
	$(CA_ATTEST_SOURCES) \
	$(CA_ACME_SOURCES)
ca_deviceid_ca_CFLAGS = $(ca_libca_a_CFLAGS) $(CBOR_CFLAGS) $(TSS2_CFLAGS)
ca_deviceid_ca_LDADD = $(TPM2UTIL_LIBS) $(HTTP_CLIENT_LIBS) $(CA_LIBS) $(CBOR_LIBS)


dist_man_MANS += docs/deviceid-ca.8
EXTRA_DIST += docs/ca.md
