/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ACME server's front: acme_routes_register() (acme-hook.h) sets up
 * the shared state (nonces, the validation workers) and the router for
 * /acme/<provisioner>/..., which answers the directory and newNonce itself
 * and hands everything else to a handler (acme-handlers.h). Calls go one
 * way: this file calls the handlers, the handlers call the layers below
 * (context, replies, policy, validation, the store), never this file.
 */
#include <ctype.h>

#include "acme-handlers.h"
#include "acme-hook.h"
#include "acme-policy.h"
#include "acme-purge.h"
#include "acme-reply.h"
#include "acme-validate.h"
#include "http-client.h"
#include "log.h"

/* ---- directory and nonces ---- */

static http_response *handle_directory(acme_ctx *c) {
        _cleanup_json_ json_object *o = json_object_new_object(), *meta = json_object_new_object();
        static const struct {
                const char *key, *path;
        } entries[] = {
                { "newNonce", "new-nonce" },   { "newAccount", "new-account" },
                { "newOrder", "new-order" },   { "revokeCert", "revoke-cert" },
                { "keyChange", "key-change" },
        };

        if (!o || !meta)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(entries); i++) {
                _cleanup_free_ char *u = acme_url(c, entries[i].path, NULL, NULL);

                if (!u || json_add_string(o, entries[i].key, u) < 0)
                        return NULL;
        }
        if (json_add_bool(meta, "externalAccountRequired", false) < 0 ||
            json_add_object(o, "meta", TAKE_PTR(meta)) < 0)
                return NULL;
        return acme_reply_json(c, 200, o);
}

static http_response *handle_new_nonce(acme_ctx *c) {
        /* RFC 8555 section 7.2: HEAD 200, GET 204, never cached. */
        return acme_reply(c, http_response_new(streq(c->req->method, "HEAD") ? 200 : 204));
}

/* ---- routing ---- */

static bool host_valid(const char *h) {
        size_t n = h ? strlen(h) : 0;

        if (n == 0 || n > 255)
                return false;
        for (const char *p = h; *p; p++)
                if (!(isalnum((unsigned char) *p) || strchr(".-:[]_", *p)))
                        return false;
        return true;
}

static http_response *method_not_allowed(acme_ctx *c, const char *allow) {
        http_response *r;

        (void) acme_problem_set_status(&c->problem, ACME_ERR_MALFORMED, 405,
                                       "Method %s is not allowed here (RFC 8555 section 6.3: use POST-as-GET).",
                                       c->req->method);
        r = acme_reply_problem(c);
        if (r && http_response_add_header(r, "Allow", allow) < 0) {
                http_response_free(r);
                return NULL;
        }
        return r;
}

static http_response *route(acme_ctx *c, const char *rest) {
        const char *m = c->req->method;
        bool post = streq(m, "POST");
        const char *slash;
        char kind[16];
        size_t kl;

        if (streq(rest, "directory"))
                return streq(m, "GET") || streq(m, "HEAD") ? handle_directory(c) : method_not_allowed(c, "GET");
        if (streq(rest, "new-nonce"))
                return streq(m, "GET") || streq(m, "HEAD") ? handle_new_nonce(c)
                                                           : method_not_allowed(c, "GET, HEAD");

        if (!post) {
                if (streq(rest, "new-account") || streq(rest, "new-order") || streq(rest, "revoke-cert") ||
                    streq(rest, "key-change") || strchr(rest, '/'))
                        return method_not_allowed(c, "POST");
                goto not_found;
        }
        if (streq(rest, "new-account"))
                return acme_handle_new_account(c);
        if (streq(rest, "new-order"))
                return acme_handle_new_order(c);
        if (streq(rest, "revoke-cert"))
                return acme_handle_revoke(c);
        if (streq(rest, "key-change"))
                return acme_handle_key_change(c);

        slash = strchr(rest, '/');
        if (!slash)
                goto not_found;
        kl = (size_t) (slash - rest);
        if (kl >= sizeof(kind))
                goto not_found;
        memcpy(kind, rest, kl);
        kind[kl] = '\0';
        {
                _cleanup_free_ char *id = strdup(slash + 1);
                char *sub;

                if (!id)
                        return NULL;
                sub = strchr(id, '/');
                if (sub)
                        *sub++ = '\0';
                if (*id == '\0' || strlen(id) > 64)
                        goto not_found;
                if (streq(kind, "account") && (!sub || streq(sub, "orders")))
                        return acme_handle_account(c, id, sub != NULL);
                if (streq(kind, "order") && (!sub || streq(sub, "finalize")))
                        return acme_handle_order(c, id, sub != NULL);
                if (sub)
                        goto not_found;
                if (streq(kind, "authz"))
                        return acme_handle_authz(c, id);
                if (streq(kind, "chall"))
                        return acme_handle_challenge(c, id);
                if (streq(kind, "cert"))
                        return acme_handle_cert(c, id);
        }
not_found:
        (void) acme_problem_set_status(&c->problem, ACME_ERR_MALFORMED, 404, "No such ACME resource.");
        return acme_reply_problem(c);
}

static http_response *dispatch(const http_request *req, void *userdata) {
        _cleanup_(acme_ctx_done) acme_ctx c = { .srv = userdata, .req = req };
        const char *rest = req->route_rest, *slash, *host;
        _cleanup_free_ char *prov = NULL;

        slash = strchr(rest, '/');
        prov = slash ? strndup(rest, (size_t) (slash - rest)) : NULL;
        if (slash && !prov)
                return NULL;
        c.prov = prov ? ca_config_provisioner(c.srv->cfg, prov) : NULL;
        if (!c.prov || !streq_ptr(c.prov->type, "acme")) {
                (void) acme_problem_set_status(&c.problem, ACME_ERR_MALFORMED, 404, "No such ACME provisioner.");
                return acme_reply_problem(&c);
        }

        host = http_request_header(req, "Host");
        if (!host_valid(host)) {
                (void) acme_problem_set(&c.problem, ACME_ERR_MALFORMED, "Missing or invalid Host header.");
                return acme_reply_problem(&c);
        }
        if (asprintf(&c.base, "https://%s/acme/%s/", host, prov) < 0) {
                c.base = NULL;
                return NULL;
        }
        if (asprintf(&c.url, "https://%s%s", host, req->path) < 0) {
                c.url = NULL;
                return NULL;
        }
        return route(&c, slash + 1);
}

/* Every answer of the ACME server is an ACME one: a handler that ran out
 * of memory (NULL) gets a fixed problem document rather than the HTTP
 * server's generic 500. */
static http_response *acme_dispatch(const http_request *req, void *userdata) {
        static const char oom[] = "{\"type\":\"" ACME_ERROR_URN_PREFIX "serverInternal\","
                                  "\"detail\":\"Out of memory.\",\"status\":500}";
        http_response *resp = dispatch(req, userdata);

        if (resp)
                return resp;
        resp = http_response_new(500);
        if (resp && http_response_set_body(resp, oom, sizeof(oom) - 1, "application/problem+json") < 0) {
                http_response_free(resp);
                return NULL;
        }
        return resp;
}

static void acme_server_shutdown(void *userdata) {
        acme_server *s = userdata;

        atomic_store(&s->stopping, true);
        acme_validator_stop(s->validator);
        s->validator = NULL;
        acme_purger_stop(s->purger);
        s->purger = NULL;
        acme_nonce_pool_free(s->nonces);
        s->nonces = NULL;
        rate_limiter_free(s->new_account_per_address);
        rate_limiter_free(s->new_order_per_account);
        rate_limiter_free(s->new_order_per_address);
        posture_policies_free(s->postures);
        free(s);
}

int acme_routes_register(http_server *srv, store *st, issuer *iss, const ca_trust *trust, const ca_config *cfg,
                         int dirfd) {
        _cleanup_free_ char *error = NULL;
        const ca_provisioner *bad;
        const char *other;
        acme_server *s;
        int r;

        if (acme_provisioners_check(cfg, &bad, &other) < 0) {
                if (streq(other, "client_auth"))
                        return log_error_errno(-EINVAL, "Provisioner \"%s\": client_auth must be \"true\" or \"false\".",
                                               bad->name);
                return log_error_errno(-EINVAL, "Provisioner \"%s\": device-attest-01 cannot be combined with \"%s\".",
                                       bad->name, other);
        }
        r = acme_db_migrate(st);
        if (r < 0)
                return log_error_errno(r, "Failed to migrate the ACME tables: %m");
        /* Before the validator threads start (http-01 uses libcurl). */
        r = http_client_global_init();
        if (r < 0)
                return log_error_errno(r, "Failed to initialise libcurl: %m");

        s = calloc(1, sizeof(*s));
        if (!s)
                return log_oom();
        s->st = st;
        s->iss = iss;
        s->cfg = cfg;
        s->trust = trust;
        r = posture_policies_load(dirfd, cfg, &s->postures, &error);
        if (r < 0) {
                acme_server_shutdown(s);
                return log_error_errno(r, "Invalid posture policy in ca.conf: %s", error ?: strerror(-r));
        }
        r = acme_nonce_pool_new(st, ACME_NONCE_LIFETIME, &s->nonces);
        if (r >= 0)
                r = rate_limiter_new(cfg->limits.new_account_per_address, RATE_LIMIT_MAX_KEYS,
                                     &s->new_account_per_address);
        if (r >= 0)
                r = rate_limiter_new(cfg->limits.new_order_per_account, RATE_LIMIT_MAX_KEYS, &s->new_order_per_account);
        if (r >= 0)
                r = rate_limiter_new(cfg->limits.new_order_per_address, RATE_LIMIT_MAX_KEYS, &s->new_order_per_address);
        if (r < 0) {
                acme_server_shutdown(s);
                return log_error_errno(r, "Failed to set up the ACME server: %m");
        }
        /* Half the HTTP workers at most wait on a challenge POST. */
        r = acme_validator_start(s, 4, cfg->threads / 2, &s->validator);
        if (r < 0) {
                acme_server_shutdown(s);
                return log_error_errno(r, "Failed to start the ACME validation workers: %m");
        }
        r = acme_purger_start(st, cfg->limits.purge_interval, cfg->limits.purge_after, &s->purger);
        if (r < 0) {
                acme_server_shutdown(s);
                return log_error_errno(r, "Failed to start the ACME purge thread: %m");
        }
        r = http_server_add_shutdown_hook(srv, acme_server_shutdown, s);
        if (r < 0) {
                acme_server_shutdown(s);
                return log_oom();
        }
        r = http_server_set_too_large(srv, "/acme/", "application/problem+json",
                                      "{\"type\":\"" ACME_ERROR_URN_PREFIX "malformed\","
                                      "\"detail\":\"The request body is too large.\",\"status\":413}");
        if (r < 0)
                return log_error_errno(r, "Failed to register the ACME routes: %m");
        /* Room for a TCG event log in device-attest-01 answers. */
        for (size_t i = 0; r >= 0 && i < cfg->n_provisioners; i++) {
                const ca_provisioner *p = &cfg->provisioners[i];
                _cleanup_free_ char *prefix = NULL;
                bool attest = false;

                for (char **t = p->challenges; t && *t; t++)
                        attest = attest || streq(*t, "device-attest-01");
                if (!streq_ptr(p->type, "acme") || !attest)
                        continue;
                if (asprintf(&prefix, "/acme/%s/chall/", p->name) < 0)
                        return log_oom();
                r = http_server_set_body_limit(srv, prefix, ACME_MAX_CHALLENGE_JWS);
        }
        if (r >= 0)
                r = http_server_route(srv, NULL, "/acme/", true, acme_dispatch, s);
        if (r < 0)
                return log_error_errno(r, "Failed to register the ACME routes: %m");
        return 0;
}
