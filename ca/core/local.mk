# SPDX-License-Identifier: Apache-2.0
# ca/core/: what every CA service stands on (see ca/core/README.md).

noinst_LIBRARIES += ca/core/libcacore.a
ca_core_libcacore_a_SOURCES = \
	ca/core/http.c ca/core/http.h \
	ca/core/http-guard.c ca/core/http-guard.h \
	ca/core/http-workers.c ca/core/http-workers.h \
	ca/core/http-router.c ca/core/http-router.h \
	ca/core/http-response.c ca/core/http-response.h \
	ca/core/store.c ca/core/store.h ca/core/store-backend.h \
	ca/core/store-sqlite.c \
	ca/core/store-pg.c ca/core/store-sql.c ca/core/store-sql.h \
	ca/core/config.c ca/core/config.h \
	ca/core/cert-build.c ca/core/cert-build.h \
	ca/core/certificates.c ca/core/certificates.h \
	ca/core/issuer.c ca/core/issuer.h \
	ca/core/trust.c ca/core/trust.h \
	ca/core/san-name.c ca/core/san-name.h \
	ca/core/ca-dir.c ca/core/ca-dir.h \
	ca/core/audit.c ca/core/audit.h \
	ca/core/query.c ca/core/query.h \
	ca/core/rate-limit.c ca/core/rate-limit.h \
	ca/core/refusal.h
CA_CORE_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JSONC_CFLAGS) $(MHD_CFLAGS) \
	$(GNUTLS_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) $(SYSTEMD_CFLAGS)
ca_core_libcacore_a_CFLAGS = $(CA_CORE_CFLAGS)
CA_CORE_LIBS = ca/core/libcacore.a $(CONF_LIBS) $(COMMON_LIBS) $(MHD_LIBS) $(GNUTLS_LIBS) \
	$(SQLITE_LIBS) $(PQ_LIBS) $(SYSTEMD_LIBS) -lpthread
EXTRA_DIST += ca/core/README.md
