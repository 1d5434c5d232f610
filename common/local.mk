# SPDX-License-Identifier: Apache-2.0
# common/: the shared core used by the agent, the filesystem and the CA.

# The base: libc only. Whatever must not pull in OpenSSL (deviceid-fsd)
# links $(COMMON_BASE_LIBS) alone.
noinst_LIBRARIES += common/libbase.a
common_libbase_a_SOURCES = \
	common/macro.h \
	common/log.c common/log.h \
	common/duration.c common/duration.h \
	common/time-util.c common/time-util.h
common_libbase_a_CFLAGS = $(AM_CFLAGS)
COMMON_BASE_LIBS = common/libbase.a

# The INI scaffold of the three configuration parsers (libinih).
noinst_LIBRARIES += common/libconf.a
common_libconf_a_SOURCES = common/conf.c common/conf.h
common_libconf_a_CFLAGS = $(AM_CFLAGS) $(INIH_CFLAGS)
CONF_LIBS = common/libconf.a $(INIH_LIBS)

# JSON and base64 (json-c, no OpenSSL): what deviceid-fsd needs beyond
# the base links $(COMMON_JSON_LIBS) alone.
noinst_LIBRARIES += common/libjson.a
common_libjson_a_SOURCES = \
	common/b64.c common/b64.h \
	common/json.c common/json.h
common_libjson_a_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
COMMON_JSON_LIBS = common/libjson.a $(COMMON_BASE_LIBS) $(JSONC_LIBS)

# Crypto and certificates (OpenSSL).
noinst_LIBRARIES += common/libcommon.a
common_libcommon_a_SOURCES = \
	common/crypto.c common/crypto-sig.c common/crypto.h \
	common/signer.c common/signer.h \
	common/x509.h common/x509-internal.h \
	common/x509-san.c common/x509-csr.c common/x509-csr-read.c common/x509-cert.c common/x509-verify.c common/x509-tpm.c \
	common/cert-bundle.c common/cert-bundle.h \
	common/jwk.c common/jwk.h \
	common/jws.c common/jws.h
common_libcommon_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JSONC_CFLAGS)

# The HTTP client, the only code that calls libcurl (the agent's clients,
# the CA's http-01 validator). Put before $(COMMON_LIBS).
noinst_LIBRARIES += common/libhttpclient.a
common_libhttpclient_a_SOURCES = common/http-client.c common/http-client.h
common_libhttpclient_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS)
HTTP_CLIENT_LIBS = common/libhttpclient.a $(CURL_LIBS)

# Link line for anything that uses libcommon.a (it includes JSON and the base).
COMMON_LIBS = common/libcommon.a common/libjson.a $(COMMON_BASE_LIBS) $(OPENSSL_LIBS) $(JSONC_LIBS)

include common/tpm2.mk
