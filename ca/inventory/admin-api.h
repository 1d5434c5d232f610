/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin HTTP API under /admin/ (device inventory), authenticated by
 * the admin client certificate that init creates.
 */
#pragma once

#include <openssl/x509.h>

#include "ca/core/http.h"
#include "ca/core/store.h"
#include "ca/core/trust.h"

#define ADMIN_IMPORT_MAX_BODY (4 * 1024 * 1024)

/* The identity every admin client certificate carries (URI SAN); init
 * issues the certificate, the admin API checks it. */
#define CA_ADMIN_URI "urn:deviceid-ca:admin"

/* Registers the /admin/ routes. roots are what admin certificates must
 * chain to, the CA root (ca_trust_root(); borrowed, must outlive the
 * server). */
int admin_api_register(http_server *srv, store *st, const ca_anchors *roots);

/* Checks a client chain for the admin identity: 0 if the leaf was issued
 * directly by one of roots' anchors, is valid for client authentication
 * now, and carries the URI SAN CA_ADMIN_URI; -EACCES if there is no chain
 * or it does not verify (401), -EPERM if it verifies but is not the admin
 * (403). */
int admin_check_chain(STACK_OF(X509) *chain, const ca_anchors *roots);
