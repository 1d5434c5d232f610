/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The console's routes (console-api.h): static files, CA certificate
 * downloads, sign-in, session and sign-out.
 */
#include <inttypes.h>

#include "ca/auth/admin-auth.h"
#include "console-api.h"
#include "files.h"
#include "log.h"
#include "ratelimit.h"
#include "time-util.h"
#include "x509.h"

#define SESSION_JSON_MAX 1024

static const char *const security_headers[][2] = {
        { "Content-Security-Policy",
          "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self';"
          " object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'" },
        { "X-Content-Type-Options", "nosniff" },
        { "X-Frame-Options", "DENY" },
        { "Referrer-Policy", "no-referrer" },
        { "Cross-Origin-Opener-Policy", "same-origin" },
        { "Cross-Origin-Resource-Policy", "same-origin" },
};

static struct {
        http_server *srv;
        store *st;
        issuer *iss;
        console_files *files;
        ratelimit *signin;
        console_limits limits;
} the_console; /* one server per process */

/* Adds the console's security headers; frees and returns NULL on OOM. */
static http_response *secure(http_response *resp) {
        if (!resp)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(security_headers); i++)
                if (http_response_add_header(resp, security_headers[i][0], security_headers[i][1]) < 0) {
                        http_response_free(resp);
                        return NULL;
                }
        return resp;
}

static http_response *text_error(unsigned status, const char *message) {
        return secure(http_response_text(status, message));
}

static http_response *pem_download(const char *name, X509 *cert) {
        _cleanup_(http_response_freep) http_response *resp = http_response_new(200);
        char *pem = NULL;
        char disp[96];

        if (!resp || x509_cert_to_pem(cert, &pem) < 0)
                return NULL;
        snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", name);
        if (http_response_take_body(resp, pem, strlen(pem), "application/x-pem-file") < 0 ||
            http_response_add_header(resp, "Content-Disposition", disp) < 0)
                return NULL;
        return secure(TAKE_PTR(resp));
}

/* A CA certificate by file name: root.pem, attestation-ca.pem, ... */
static X509 *ca_cert_named(const char *name) {
        if (streq(name, "root.pem"))
                return issuer_root(the_console.iss);
        for (ca_kind k = 0; k < _CA_KIND_MAX; k++) {
                char n[32];
                snprintf(n, sizeof(n), "%s-ca.pem", ca_kind_to_string(k));
                if (streq(name, n))
                        return issuer_ca_cert(the_console.iss, k);
        }
        return NULL;
}

static http_response *handle_ui(const http_request *req, void *userdata) {
        _cleanup_(http_response_freep) http_response *resp = NULL;
        const char *rest = req->route_rest;
        const console_file *f;
        char name[80];
        X509 *ca;

        if (!streq(req->method, "GET") && !streq(req->method, "HEAD")) {
                resp = text_error(405, "method not allowed");
                if (resp && http_response_add_header(resp, "Allow", "GET, HEAD") < 0)
                        return NULL;
                return TAKE_PTR(resp);
        }
        ca = ca_cert_named(rest);
        if (ca)
                return pem_download(rest, ca);
        if (!the_console.files)
                return text_error(404, "the console is not installed on this server");
        /* "" is the console, "login" the sign-in page: names without an
         * extension are pages. */
        if (!*rest)
                rest = "index";
        if (strlen(rest) > 64)
                return text_error(404, "not found");
        snprintf(name, sizeof(name), strchr(rest, '.') ? "%s" : "%s.html", rest);
        f = console_files_get(the_console.files, name);
        if (!f)
                return text_error(404, "not found");
        resp = http_response_new(200);
        if (!resp || http_response_set_body(resp, f->data, f->len, f->content_type) < 0)
                return NULL;
        return secure(TAKE_PTR(resp));
}

static http_response *handle_ui_root(const http_request *req, void *userdata) {
        http_response *resp = http_response_new(301);

        if (resp && http_response_add_header(resp, "Location", "/ui/") < 0) {
                http_response_free(resp);
                return NULL;
        }
        return secure(resp);
}

static http_response *json_secure(unsigned status, json_object *o) {
        return secure(http_response_json(status, o, NULL));
}

static http_response *error_secure(unsigned status, const char *message) {
        return secure(http_response_error(status, message));
}

static int session_json(const audit_actor *who, const console_session *s, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "kind", audit_actor_kind_to_string(who->kind));
        if (r >= 0)
                r = json_add_string(o, "name", who->name);
        if (r >= 0 && who->kind == AUDIT_ACTOR_SESSION) {
                r = json_add_string(o, "session", s->short_id);
                if (r >= 0)
                        r = json_add_string(o, "csrf_token", s->csrf);
                if (r >= 0)
                        r = json_add_int64(o, "expires_at", (int64_t) s->expires_at);
                if (r >= 0)
                        r = json_add_int64(o, "idle_timeout", (int64_t) (the_console.limits.idle ?: CONSOLE_SESSION_IDLE_DEFAULT));
        }
        /* Optional parts of the admin API, so the console shows only what
         * this server has. */
        if (r >= 0) {
                json_object *f = json_object_new_object();
                if (!f || json_add_bool(f, "accounts", http_server_has_route(the_console.srv, "GET", "/admin/accounts")) < 0) {
                        json_object_put(f);
                        return -ENOMEM;
                }
                r = json_add_object(o, "features", f);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

static http_response *signin_refused(const http_request *req, const char *key, unsigned status, const char *message,
                                     const char *why) {
        ratelimit_fail(the_console.signin, key, now_monotonic_ms());
        log_info("Console: sign-in from %s refused: %s.", req->remote_addr, why);
        return error_secure(status, message);
}

static http_response *handle_signin(const http_request *req) {
        _cleanup_json_ json_object *body = NULL, *o = NULL;
        _cleanup_free_ char *cookie = NULL, *set_cookie = NULL;
        _cleanup_(http_response_freep) http_response *resp = NULL;
        console_session sess = {};
        audit_actor who = { .kind = AUDIT_ACTOR_SESSION };
        char key[RATELIMIT_KEY_MAX], ct[64], retry[32];
        const char *token = NULL, *t;
        uint64_t wait;
        int r;

        ratelimit_key_for_address(req->remote_addr, key);
        wait = ratelimit_check(the_console.signin, key, now_monotonic_ms());
        if (wait > 0) {
                log_info("Console: sign-in from %s refused: too many failed sign-ins.", req->remote_addr);
                resp = error_secure(429, "too many failed sign-ins; wait and try again");
                snprintf(retry, sizeof(retry), "%" PRIu64, (wait + 999) / 1000);
                if (!resp || http_response_add_header(resp, "Retry-After", retry) < 0)
                        return NULL;
                return TAKE_PTR(resp);
        }
        t = http_request_content_type(req, ct, sizeof(ct));
        if (!t || !streq(t, "application/json"))
                return error_secure(415, "Content-Type must be application/json");
        if (json_parse_object((const char *) req->body, req->body_len, SESSION_JSON_MAX, &body) < 0 ||
            json_get_string(body, "token", &token) < 0)
                return signin_refused(req, key, 400, "a JSON object with the login link's token is required",
                                      "malformed request");

        r = console_link_redeem(the_console.st, token, &the_console.limits, req->remote_addr, &cookie, &sess);
        switch (r) {
        case -ENOENT:
                return signin_refused(req, key, 401, "this sign-in link is not valid", "unknown token");
        case -EALREADY:
                return signin_refused(req, key, 401, "this sign-in link was already used; ask for a new one",
                                      "link already used");
        case -ETIME:
                return signin_refused(req, key, 401, "this sign-in link has expired; ask for a new one",
                                      "link expired");
        case -EBUSY:
                return error_secure(503, "database busy, retry");
        default:
                if (r < 0) {
                        log_error_errno(r, "Console: failed to sign in: %m");
                        return error_secure(500, "internal error");
                }
        }
        (void) console_purge(the_console.st, &the_console.limits);
        log_info("Console: \"%s\" signed in from %s (session %s).", sess.label, req->remote_addr, sess.short_id);

        audit_actor_set_name(&who, sess.label);
        memcpy(who.session, sess.short_id, sizeof(who.session));
        if (session_json(&who, &sess, &o) < 0)
                return NULL;
        if (asprintf(&set_cookie, CONSOLE_COOKIE_NAME "=%s; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=%" PRId64,
                     cookie, (int64_t) (sess.expires_at - sess.created_at)) < 0)
                return NULL;
        resp = json_secure(201, o);
        if (!resp || http_response_add_header(resp, "Set-Cookie", set_cookie) < 0)
                return NULL;
        return TAKE_PTR(resp);
}

static http_response *clear_cookie(http_response *resp) {
        if (resp && http_response_add_header(resp, "Set-Cookie",
                                             CONSOLE_COOKIE_NAME "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0") < 0) {
                http_response_free(resp);
                return NULL;
        }
        return resp;
}

static http_response *handle_session(const http_request *req, void *userdata) {
        _cleanup_json_ json_object *o = NULL;
        http_response *resp = NULL;
        console_session sess = {};
        audit_actor who;
        const char *cookie;
        size_t cookie_len;
        int r;

        if (streq(req->method, "POST"))
                return handle_signin(req);
        if (!streq(req->method, "GET") && !streq(req->method, "HEAD") && !streq(req->method, "DELETE")) {
                resp = error_secure(405, "method not allowed");
                if (resp && http_response_add_header(resp, "Allow", "GET, POST, DELETE") < 0) {
                        http_response_free(resp);
                        return NULL;
                }
                return resp;
        }
        if (!admin_authorize(req, &who, &sess, &resp))
                return secure(clear_cookie(resp));
        if (streq(req->method, "DELETE")) {
                if (who.kind != AUDIT_ACTOR_SESSION)
                        return error_secure(400, "no console session to end (signed in by certificate)");
                r = admin_auth_cookie(req, &cookie, &cookie_len);
                if (r >= 0)
                        r = console_session_end(the_console.st, cookie, cookie_len, &who);
                if (r < 0 && r != -ENOENT) {
                        log_error_errno(r, "Console: failed to end session %s: %m", sess.short_id);
                        return error_secure(r == -EBUSY ? 503 : 500, "could not end the session, retry");
                }
                log_info("Console: \"%s\" signed out (session %s).", who.name, sess.short_id);
                return clear_cookie(secure(http_response_new(204)));
        }
        if (session_json(&who, &sess, &o) < 0)
                return NULL;
        return json_secure(200, o);
}

static void console_shutdown(void *userdata) {
        console_files_free(TAKE_PTR(the_console.files));
        ratelimit_free(TAKE_PTR(the_console.signin));
}

int console_register(http_server *srv, store *st, issuer *iss, const console_options *opts) {
        int r;

        the_console.srv = srv;
        the_console.st = st;
        the_console.iss = iss;
        the_console.limits = opts->limits;
        r = ratelimit_new(CONSOLE_SIGNIN_BURST, CONSOLE_SIGNIN_INTERVAL_MS, CONSOLE_SIGNIN_CLIENTS,
                          &the_console.signin);
        if (r < 0)
                return log_oom();
        if (opts->ui_dir) {
                r = console_files_load(opts->ui_dir, &the_console.files);
                if (r == -ENOENT)
                        log_notice("No console in \"%s\"; /ui/ serves only the CA certificates.", opts->ui_dir);
                else if (r < 0)
                        return log_error_errno(r, "Failed to load the console from \"%s\": %m", opts->ui_dir);
                else if (!console_files_get(the_console.files, "index.html"))
                        return log_error_errno(-ENOENT, "The console directory \"%s\" has no index.html.",
                                               opts->ui_dir);
                else
                        log_info("Console: %zu files from \"%s\" under /ui/.", console_files_count(the_console.files),
                                 opts->ui_dir);
        }
        r = console_store_migrate(st);
        if (r < 0)
                return log_error_errno(r, "Failed to apply the console's database schema: %m");
        admin_auth_setup(st, opts->admin_roots, &opts->limits);
        r = http_server_add_shutdown_hook(srv, console_shutdown, NULL);
        if (r >= 0)
                r = http_server_route(srv, NULL, "/ui/", true, handle_ui, NULL);
        if (r >= 0)
                r = http_server_route(srv, NULL, "/ui", false, handle_ui_root, NULL);
        if (r >= 0)
                r = http_server_route(srv, NULL, "/admin/session", false, handle_session, NULL);
        return r;
}
