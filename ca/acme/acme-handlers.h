/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The handlers the router of acme-server.c calls, one per ACME resource
 * (acme-account.c, acme-order.c, acme-authz.c, acme-cert.c). Each
 * authenticates the request, acts, and answers once through acme-reply.h.
 */
#pragma once

#include <stdbool.h>

#include "acme-context.h"

/* newAccount; an account, its orders (orders: the /orders list); keyChange. */
http_response *acme_handle_new_account(acme_ctx *c);
http_response *acme_handle_account(acme_ctx *c, const char *id, bool orders);
http_response *acme_handle_key_change(acme_ctx *c);

/* newOrder; an order, or its finalize (finalize: the /finalize URL). */
http_response *acme_handle_new_order(acme_ctx *c);
http_response *acme_handle_order(acme_ctx *c, const char *id, bool finalize);

/* An authorization (and its deactivation); a challenge (and the
 * client's response to it). */
http_response *acme_handle_authz(acme_ctx *c, const char *id);
http_response *acme_handle_challenge(acme_ctx *c, const char *id);

/* Certificate download; revokeCert. */
http_response *acme_handle_cert(acme_ctx *c, const char *id);
http_response *acme_handle_revoke(acme_ctx *c);
