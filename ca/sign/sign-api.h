/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Routes of the Account CA (sign-api.c): POST /1.0/sign and POST
 * /1.0/renew.
 */
#pragma once

#include "ca/core/config.h"
#include "ca/core/http.h"
#include "ca/core/issuer.h"
#include "ca/core/store.h"
#include "ca/core/trust.h"

#define SIGN_PATH "/1.0/sign"
#define RENEW_PATH "/1.0/renew"

/* Sets up the Account CA (sign_ca_new(): x5c provisioners of cfg with
 * their roots from trust, the jti table) and registers its routes.
 * Borrowed arguments must outlive the server; the Account CA is freed by
 * a shutdown hook. Logs configuration errors; returns 0 or -errno. */
int sign_routes_register(http_server *srv, store *st, issuer *iss, const ca_trust *trust, const ca_config *cfg,
                         int dirfd);
