/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ACME server's one door (ca/serve.c calls it once, after the store is
 * migrated for "ca" and "inventory" and before the HTTP server starts):
 * acme_routes_register() registers the routes under /acme/, applies the
 * ACME tables' schema (store module "acme"), and registers a shutdown hook
 * with http_server_add_shutdown_hook() for the background validation it
 * starts. trust holds each device provisioner's attestation roots and the
 * Attestation CA; dirfd is the CA directory, for the [posture] sections'
 * pcr_file (read here, once; docs/posture.md). All
 * pointers outlive the server. Returns 0 or -errno (serve then exits).
 */
#pragma once

#include "ca/core/config.h"
#include "ca/core/http.h"
#include "ca/core/issuer.h"
#include "ca/core/store.h"
#include "ca/core/trust.h"

int acme_routes_register(http_server *srv, store *st, issuer *iss, const ca_trust *trust, const ca_config *cfg,
                         int dirfd);
