/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The revocation service of deviceid-ca: CRLs and the OCSP responder,
 * served over plain HTTP (a second server, without TLS) on
 * [revocation] http_port:
 *
 *   GET  /crl/{attestation,agent,account}.crl   DER CRL of that CA
 *   GET  /crl/root.crl                          the root's CRL (when root.key is present)
 *   POST /ocsp                                  OCSP request in the body
 *   GET  /ocsp/BASE64                           OCSP request in the path (RFC 6960 A.1)
 *
 * A worker thread keeps the CRLs fresh: it re-signs a CA's CRL (with the
 * next CRL number) at most crl_delay after a revocation is seen and every
 * crl_resign anyway, and renews the delegated OCSP responders. Revocations
 * are seen two ways: the certificates table's hook (certificates.h) wakes
 * the worker at once for revocations of this process, and every crl_delay
 * the worker compares the revoked counts of the table, which catches
 * revocations by any process on the database (`deviceid-ca device
 * disable`, `cert revoke`). Either way the CA's cached good OCSP answers
 * are dropped before its CRL is re-signed.
 */
#pragma once

#include "ca/core/config.h"
#include "ca/core/http.h"
#include "ca/core/issuer.h"
#include "ca/core/store.h"

typedef struct revoke_service revoke_service;

/* Sets the service up: the CAs of iss, root.key from dirfd if present
 * (for the root's CRL), the intervals of cfg; signs the first CRLs and
 * makes the responders. Logs what fails. */
int revoke_service_new(const ca_config *cfg, store *st, issuer *iss, int dirfd, revoke_service **ret);
/* Listens on `listen` (plain HTTP) and starts the worker. */
int revoke_service_start(revoke_service *s, const char *listen);
unsigned revoke_service_port(const revoke_service *s);
/* Stops the worker and the server (in-flight requests finish). Idempotent. */
void revoke_service_stop(revoke_service *s);
void revoke_service_free(revoke_service *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(revoke_service *, revoke_service_free);

/* The plain-HTTP handler of the service, for tests and benchmarks that
 * drive it without a socket: the response to an OCSP request body. */
http_response *revoke_ocsp_answer(revoke_service *s, const uint8_t *der, size_t len);
