/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who calls the admin API: the admin client certificate (issued directly
 * by the root, clientAuth, URI SAN CA_ADMIN_URI) or a console session
 * cookie. Every admin route asks admin_authorize() first.
 *
 * A state-changing request (any method but GET and HEAD) is also refused
 * when a browser says it comes from another site (Sec-Fetch-Site other than
 * same-origin or none, or an Origin that is not this server), whatever
 * its credentials: a browser may present an installed admin certificate
 * on its own. A session must in addition echo its anti-CSRF token in the
 * X-CSRF-Token header.
 */
#pragma once

#include <stdbool.h>
#include <openssl/x509.h>

#include "ca/core/audit.h"
#include "ca/core/http.h"
#include "ca/core/store.h"
#include "ca/core/trust.h"
#include "session.h"

#define ADMIN_CSRF_HEADER "X-CSRF-Token"

/* The identity every admin client certificate carries (URI SAN); init
 * issues the certificate, admin_check_chain() checks it. */
#define CA_ADMIN_URI "urn:deviceid-ca:admin"

/* The store, the roots admin certificates chain to (ca_trust_root()) and
 * the session limits used by admin_authorize() (borrowed, must outlive the
 * server). Call before the server starts. */
void admin_auth_setup(store *st, const ca_anchors *roots, const console_limits *lim);

/* Checks a client chain for the admin identity: 0 if the leaf was issued
 * directly by one of roots' anchors, is valid for client authentication
 * now, and carries the URI SAN CA_ADMIN_URI; -EACCES if there is no chain
 * or it does not verify (401), -EPERM if it verifies but is not the admin
 * (403). */
int admin_check_chain(STACK_OF(X509) *chain, const ca_anchors *roots);

/* True if the request may use the admin API; then *ret_who says who (for
 * the audit log) and, for a session, *ret_session (may be NULL) holds it.
 * Otherwise false with the refusal in *ret_resp (NULL: out of memory). */
bool admin_authorize(const http_request *req, audit_actor *ret_who, console_session *ret_session,
                     http_response **ret_resp);

/* The session cookie's value in the request: 0, or -ENOENT/-EINVAL. */
int admin_auth_cookie(const http_request *req, const char **ret, size_t *ret_len);

/* The session limits given to admin_auth_setup(). */
const console_limits *admin_auth_limits(void);
