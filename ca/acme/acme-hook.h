/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seam between the CA server (ca/serve.c) and the ACME server: serve
 * calls acme_routes_register() once, after the store is migrated for "ca"
 * and before the HTTP server starts. The ACME module (ca/acme*.c, which
 * implements this function) registers its routes under /acme/, runs its
 * own store_migrate(st, "acme", ...), and registers a shutdown hook with
 * http_server_add_shutdown_hook() for any background work it starts.
 * dirfd is the CA directory (files named in ca.conf are relative to
 * it; read during the call only). All pointers outlive the server. Returns 0 or -errno (serve then exits).
 */
#pragma once

#include "ca/core/config.h"
#include "ca/core/http.h"
#include "ca/core/issuer.h"
#include "ca/core/store.h"

int acme_routes_register(http_server *srv, int dirfd, store *st, issuer *iss, const ca_config *cfg);
