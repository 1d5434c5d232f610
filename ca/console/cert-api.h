/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Admin API routes beyond the inventory, for the same callers
 * (admin-auth.h):
 *   GET  /admin/certificates                 search (q, device, ca, state, limit, offset)
 *   GET  /admin/certificates/SERIAL          one certificate, with PEM, SANs, TPM
 *   POST /admin/certificates/SERIAL/revoke   revoke with a reason
 *   GET  /admin/overview                     counts, CA certificates, endpoints
 *   GET  /admin/audit                        the audit log (q, before, limit)
 */
#pragma once

#include "ca/core/config.h"
#include "ca/core/http.h"
#include "ca/core/issuer.h"
#include "ca/core/store.h"

/* Borrowed arguments must outlive the server. Returns 0 or -errno. */
int cert_api_register(http_server *srv, store *st, issuer *iss, const ca_config *cfg);
