/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Admin API authentication (admin-auth.h): the client certificate check,
 * the console session cookie, the cross-site and anti-CSRF checks.
 */
#include <strings.h>
#include <openssl/crypto.h>

#include "admin-auth.h"
#include "log.h"
#include "x509.h"

static struct {
        store *st;
        const ca_anchors *roots;
        console_limits limits;
} the_auth; /* one server per process */

void admin_auth_setup(store *st, const ca_anchors *roots, const console_limits *lim) {
        the_auth.st = st;
        the_auth.roots = roots;
        the_auth.limits = lim ? *lim : (console_limits) {};
}

const console_limits *admin_auth_limits(void) {
        return &the_auth.limits;
}

int admin_check_chain(STACK_OF(X509) *chain, const ca_anchors *roots) {
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        bool from_root = false, admin = false;
        X509 *leaf;
        int r;

        if (!chain || sk_X509_num(chain) < 1 || !roots)
                return -EACCES;
        r = x509_chain_verify_stack(chain, roots->anchors, 0, true);
        if (r < 0)
                return -EACCES;
        /* Admin certificates come straight from the root; anything an
         * intermediate issued (ACME, devices) is never an admin. */
        leaf = sk_X509_value(chain, 0);
        for (int i = 0; i < sk_X509_num(roots->anchors); i++)
                from_root = from_root || X509_check_issued(sk_X509_value(roots->anchors, i), leaf) == X509_V_OK;
        if (!from_root)
                return -EPERM;
        r = x509_cert_get_sans(leaf, &sans);
        if (r < 0)
                return -EPERM;
        for (size_t i = 0; i < sans->n; i++)
                if (sans->items[i].type == X509_SAN_URI && streq(sans->items[i].value, CA_ADMIN_URI))
                        admin = true;
        return admin ? 0 : -EPERM;
}

int admin_auth_cookie(const http_request *req, const char **ret, size_t *ret_len) {
        const char *h = http_request_header(req, "Cookie");

        if (!h)
                return -ENOENT;
        return console_cookie_find(h, strlen(h), CONSOLE_COOKIE_NAME, ret, ret_len);
}

static bool method_changes(const char *m) {
        return !streq(m, "GET") && !streq(m, "HEAD");
}

/* A browser's word that the request comes from another site. */
static bool cross_site(const http_request *req) {
        const char *site = http_request_header(req, "Sec-Fetch-Site");
        const char *origin = http_request_header(req, "Origin");
        const char *host = http_request_header(req, "Host");

        if (site && !streq(site, "same-origin") && !streq(site, "none"))
                return true;
        if (origin) {
                if (!host || strncasecmp(origin, "https://", 8) != 0 || strcasecmp(origin + 8, host) != 0)
                        return true;
        }
        return false;
}

static http_response *refuse(unsigned status, const char *message) {
        http_response *r = http_response_error(status, message);

        if (r && status == 401)
                (void) http_response_add_header(r, "WWW-Authenticate", "Mutual");
        return r;
}

static int certificate_actor(STACK_OF(X509) *chain, const http_request *req, audit_actor *who) {
        _cleanup_free_ char *serial = NULL;
        int r;

        r = x509_cert_serial_hex(sk_X509_value(chain, 0), &serial);
        if (r < 0)
                return r;
        *who = (audit_actor) { .kind = AUDIT_ACTOR_CERTIFICATE };
        audit_actor_set_name(who, serial);
        snprintf(who->remote, sizeof(who->remote), "%s", req->remote_addr ?: "");
        return 0;
}

bool admin_authorize(const http_request *req, audit_actor *ret_who, console_session *ret_session,
                     http_response **ret_resp) {
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        console_session sess = {};
        const char *cookie = NULL, *csrf;
        size_t cookie_len = 0;
        int cert = -EACCES, r;

        *ret_resp = NULL;
        if (method_changes(req->method) && cross_site(req)) {
                log_info("Admin API: %s %s from %s refused: a cross-site request.", req->method, req->path,
                         req->remote_addr);
                *ret_resp = refuse(403, "cross-site request refused");
                return false;
        }

        r = http_request_client_chain(req, &chain);
        if (r == -ENOMEM)
                return false;
        if (r >= 0)
                cert = admin_check_chain(chain, the_auth.roots);
        if (cert == -ENOMEM)
                return false;
        if (cert == 0) {
                if (certificate_actor(chain, req, ret_who) < 0)
                        return false;
                if (ret_session)
                        *ret_session = (console_session) {};
                return true;
        }

        r = admin_auth_cookie(req, &cookie, &cookie_len);
        if (r == -ENOENT) {
                if (cert == -EPERM) {
                        log_info("Admin API: %s %s from %s refused: client certificate is not the admin's.",
                                 req->method, req->path, req->remote_addr);
                        *ret_resp = refuse(403, "client certificate is not an admin certificate");
                        return false;
                }
                log_info("Admin API: %s %s from %s refused: no valid client certificate or session.", req->method,
                         req->path, req->remote_addr);
                *ret_resp = refuse(401, "an admin client certificate or a console session is required");
                return false;
        }
        if (r >= 0)
                r = console_session_lookup(the_auth.st, cookie, cookie_len, &the_auth.limits, &sess);
        if (r == -EBUSY) {
                *ret_resp = http_response_error(503, "database busy, retry");
                return false;
        }
        if (r == -ETIME || r == -ENOENT || r == -EINVAL) {
                log_info("Admin API: %s %s from %s refused: %s console session.", req->method, req->path,
                         req->remote_addr, r == -ETIME ? "an expired" : "an unknown");
                *ret_resp = refuse(401, r == -ETIME ? "the console session has expired; sign in again"
                                                    : "no such console session; sign in again");
                return false;
        }
        if (r < 0) {
                log_error_errno(r, "Admin API: failed to look up a console session: %m");
                *ret_resp = http_response_error(500, "internal error");
                return false;
        }
        if (method_changes(req->method)) {
                csrf = http_request_header(req, ADMIN_CSRF_HEADER);
                if (!csrf || strlen(csrf) != strlen(sess.csrf) ||
                    CRYPTO_memcmp(csrf, sess.csrf, strlen(sess.csrf)) != 0) {
                        log_info("Admin API: %s %s from %s refused: session %s without its anti-CSRF token.",
                                 req->method, req->path, req->remote_addr, sess.short_id);
                        *ret_resp = refuse(403, "the " ADMIN_CSRF_HEADER " header is missing or wrong");
                        return false;
                }
        }
        *ret_who = (audit_actor) { .kind = AUDIT_ACTOR_SESSION };
        audit_actor_set_name(ret_who, sess.label);
        memcpy(ret_who->session, sess.short_id, sizeof(ret_who->session));
        snprintf(ret_who->remote, sizeof(ret_who->remote), "%s", req->remote_addr ?: "");
        if (ret_session)
                *ret_session = sess;
        return true;
}
