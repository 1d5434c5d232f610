/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The web console's routes:
 *   GET    /ui/...           the console's files (files.h) and the CA
 *                            certificates to download (/ui/root.pem, ...)
 *   POST   /admin/session    sign in with a login link's token
 *   GET    /admin/session    who is signed in, and the anti-CSRF token
 *   DELETE /admin/session    sign out
 * Every response of the console carries a strict Content-Security-Policy
 * (scripts and styles from this origin only, no framing, no inline
 * script), X-Content-Type-Options: nosniff and X-Frame-Options: DENY.
 * Failed sign-ins are limited per client address (ratelimit.h).
 */
#pragma once

#include "ca/auth/session.h"
#include "ca/core/http.h"
#include "ca/core/issuer.h"
#include "ca/core/store.h"
#include "ca/core/trust.h"

#define CONSOLE_SIGNIN_BURST 5            /* failed sign-ins at once */
#define CONSOLE_SIGNIN_INTERVAL_MS 12000  /* then one per 12 s */
#define CONSOLE_SIGNIN_CLIENTS 4096       /* addresses tracked */

typedef struct console_options {
        const char *ui_dir;  /* NULL or missing: /ui/ answers 404 */
        console_limits limits;
        const ca_anchors *admin_roots; /* what admin certificates chain to (borrowed) */
} console_options;

/* Applies the sessions' schema, sets up the admin API's caller check
 * (admin_auth_setup()), loads the console's files and registers the
 * routes. Returns 0 or -errno
 * (a ui_dir that exists but cannot be loaded is an error; logs). */
int console_register(http_server *srv, store *st, issuer *iss, const console_options *opts);
