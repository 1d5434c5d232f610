/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin HTTP API under /admin/ (device inventory), authenticated by
 * the admin client certificate that init creates.
 */
#pragma once

#include <openssl/x509.h>

#include "ca/core/config.h"
#include "ca/core/http.h"
#include "ca/core/store.h"
#include "ca/core/trust.h"

#define ADMIN_IMPORT_MAX_BODY (4 * 1024 * 1024)

/* The identity every admin client certificate carries (URI SAN); init
 * issues the certificate, the admin API checks it. */
#define CA_ADMIN_URI "urn:deviceid-ca:admin"

/* Registers the /admin/ routes (devices here, accounts in
 * accounts-api.c). roots are what admin certificates must chain to, the
 * CA root (ca_trust_root()); cfg the configuration (accounts check names
 * and lifetimes against it); both borrowed, must outlive the server. */
int admin_api_register(http_server *srv, store *st, const ca_anchors *roots, const ca_config *cfg);

/* True if the request carries the admin certificate; otherwise false with
 * the refusal in *ret (NULL: out of memory), logged. For every /admin/
 * handler. */
bool admin_ok(const http_request *req, http_response **ret);

/* The account routes (accounts-api.c), registered by admin_api_register():
 *   GET    /admin/accounts          list
 *   POST   /admin/accounts          add: {"name", "sub"?, "sans"?: [..],
 *                                   "lifetime"?: "24h", "key"?: "software"|"tpm",
 *                                   "devices"?: "all" | ["tag:TAG", ...]}
 *   GET    /admin/accounts/NAME     show
 *   DELETE /admin/accounts/NAME     remove (revokes its certificates)
 * and POST /admin/devices/ID/tags {"add"?: [..], "remove"?: [..]}. */
int accounts_api_register(http_server *srv, store *st, const ca_config *cfg);
http_response *accounts_api_device_tags(const http_request *req, store *st, int64_t device_id);

/* Checks a client chain for the admin identity: 0 if the leaf was issued
 * directly by one of roots' anchors, is valid for client authentication
 * now, and carries the URI SAN CA_ADMIN_URI; -EACCES if there is no chain
 * or it does not verify (401), -EPERM if it verifies but is not the admin
 * (403). */
int admin_check_chain(STACK_OF(X509) *chain, const ca_anchors *roots);
