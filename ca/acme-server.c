/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ACME server's front: acme_routes_register() (ca/acme-hook.h), the
 * router for /acme/<provisioner>/..., request authentication (RFC 8555
 * section 6: JWS, nonce, url, account), the directory and newNonce, and
 * the response helpers that put Replay-Nonce and Link rel="index" on
 * every answer.
 */
#include <stdarg.h>
#include <time.h>

#include <ctype.h>

#include "acme.h"
#include "b64.h"
#include "crypto.h"
#include "http-client.h"
#include "jwk.h"
#include "log.h"

uint64_t acme_now(void) {
        return (uint64_t) time(NULL);
}

int acme_id_new(char **ret) {
        return crypto_random_b64url(16, ret);
}

char *acme_url(const acme_ctx *c, const char *kind, const char *id, const char *suffix) {
        char *s;

        if (asprintf(&s, "%s%s%s%s%s%s", c->base, kind, id ? "/" : "", id ?: "", suffix ? "/" : "",
                     suffix ?: "") < 0)
                return NULL;
        return s;
}

int acme_add_header_fmt(http_response *r, const char *name, const char *fmt, ...) {
        _cleanup_free_ char *v = NULL;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&v, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        return http_response_add_header(r, name, v);
}

/* ---- responses ---- */

http_response *acme_reply(acme_ctx *c, http_response *r) {
        char nonce[ACME_NONCE_STRLEN + 1];

        if (!r)
                return NULL;
        if (acme_nonce_issue(c->srv->nonces, acme_now(), nonce) < 0 ||
            http_response_add_header(r, "Replay-Nonce", nonce) < 0 ||
            (c->base && acme_add_header_fmt(r, "Link", "<%sdirectory>;rel=\"index\"", c->base) < 0)) {
                http_response_free(r);
                return NULL;
        }
        return r;
}

http_response *acme_reply_json(acme_ctx *c, unsigned status, json_object *o) {
        if (!o)
                return NULL;
        return acme_reply(c, http_response_json(status, o, "application/json"));
}

http_response *acme_reply_problem(acme_ctx *c) {
        _cleanup_json_ json_object *o = acme_problem_to_json(&c->problem);

        if (!o)
                return NULL;
        if (c->problem.type == ACME_ERR_BAD_SIGNATURE_ALGORITHM) {
                json_object *algs = json_object_new_array();

                if (!algs)
                        return NULL;
                json_object_array_add(algs, json_object_new_string("ES256"));
                json_object_array_add(algs, json_object_new_string("ES384"));
                json_object_array_add(algs, json_object_new_string("RS256"));
                if (json_add_object(o, "algorithms", algs) < 0)
                        return NULL;
        }
        log_debug("ACME %s %s: %s: %s", c->req->method, c->req->path,
                  acme_error_name(c->problem.type), c->problem.detail);
        return acme_reply(c, http_response_json(acme_problem_http_status(&c->problem), o,
                                                 "application/problem+json"));
}

http_response *acme_reply_error(acme_ctx *c, int r) {
        if (r == -EBUSY) {
                /* The database is busy or unreachable: come back later
                 * (the HTTP layer adds Retry-After to every 503). */
                log_info("ACME request %s \"%s\": database busy or unreachable, answered 503.", c->req->method,
                         c->req->path);
                (void) acme_problem_set_status(&c->problem, ACME_ERR_SERVER_INTERNAL, 503,
                                               "The database is busy or unreachable; retry later.");
        } else if (r != -EPROTO) {
                log_error_errno(r, "ACME request %s \"%s\" failed: %m", c->req->method, c->req->path);
                (void) acme_problem_set(&c->problem, ACME_ERR_SERVER_INTERNAL, "Internal error.");
        }
        return acme_reply_problem(c);
}

/* ---- authentication ---- */

bool acme_is_post_as_get(const acme_ctx *c) {
        return c->jws && c->jws->payload_len == 0;
}

const char *acme_account_id_from_url(const acme_ctx *c, const char *url) {
        size_t n = strlen(c->base);
        const char *id;

        if (!url || strncmp(url, c->base, n) != 0 || strncmp(url + n, "account/", 8) != 0)
                return NULL;
        id = url + n + 8;
        if (*id == '\0' || strchr(id, '/'))
                return NULL;
        return id;
}

int acme_authenticate(acme_ctx *c, unsigned flags) {
        json_object *jwk_obj = NULL, *kid_obj = NULL, *tmp;
        const char *nonce, *url;
        char ctype[64];
        jws_alg key_alg;
        int r;

        if (!http_request_content_type(c->req, ctype, sizeof(ctype)) ||
            !streq(ctype, "application/jose+json"))
                return acme_problem_set_status(&c->problem, ACME_ERR_MALFORMED, 415,
                                               "Content-Type must be application/jose+json.");
        if (c->req->body_len > ACME_MAX_JWS)
                return acme_problem_set_status(&c->problem, ACME_ERR_MALFORMED, 413,
                                               "Request body is larger than %d bytes.", ACME_MAX_JWS);

        r = jws_parse_flattened((const char *) c->req->body, c->req->body_len, ACME_MAX_JWS, JWS_ALG_ALL,
                                &c->jws);
        if (r == -ENOMEM)
                return r;
        if (r == -EPROTONOSUPPORT)
                return acme_problem_set(&c->problem, ACME_ERR_BAD_SIGNATURE_ALGORITHM,
                                        "The JWS algorithm is not one of ES256, ES384, RS256.");
        if (r < 0)
                return acme_problem_set(&c->problem, ACME_ERR_MALFORMED, "The request is not a valid flattened JWS.");

        (void) json_object_object_get_ex(c->jws->header, "jwk", &jwk_obj);
        (void) json_object_object_get_ex(c->jws->header, "kid", &kid_obj);
        if (!!jwk_obj == !!kid_obj)
                return acme_problem_set(&c->problem, ACME_ERR_MALFORMED,
                                        "The JWS header must have exactly one of \"jwk\" and \"kid\".");
        if (jwk_obj && !(flags & ACME_AUTH_JWK))
                return acme_problem_set(&c->problem, ACME_ERR_MALFORMED,
                                        "This resource needs a \"kid\", not a \"jwk\".");
        if (kid_obj && !(flags & ACME_AUTH_KID))
                return acme_problem_set(&c->problem, ACME_ERR_MALFORMED,
                                        "This resource needs a \"jwk\", not a \"kid\".");
        if (json_object_object_get_ex(c->jws->header, "x5c", &tmp) ||
            json_object_object_get_ex(c->jws->header, "jku", &tmp) ||
            json_object_object_get_ex(c->jws->header, "x5u", &tmp))
                return acme_problem_set(&c->problem, ACME_ERR_MALFORMED, "Unsupported JWS key parameter.");

        /* Nonce (RFC 8555 section 6.5): missing, unknown or reused -> badNonce. */
        if (json_get_string(c->jws->header, "nonce", &nonce) < 0)
                return acme_problem_set(&c->problem, ACME_ERR_BAD_NONCE, "The JWS header has no \"nonce\".");
        r = acme_nonce_consume(c->srv->nonces, nonce, acme_now());
        if (r == -EBADMSG || r == -ESTALE)
                return acme_problem_set(&c->problem, ACME_ERR_BAD_NONCE, "The nonce is unknown, used or expired.");
        if (r < 0)
                return r;

        /* url (section 6.4): exactly the URL this request went to. */
        if (json_get_string(c->jws->header, "url", &url) < 0)
                return acme_problem_set(&c->problem, ACME_ERR_MALFORMED, "The JWS header has no \"url\".");
        if (!streq(url, c->url))
                return acme_problem_set(&c->problem, ACME_ERR_UNAUTHORIZED,
                                        "The JWS \"url\" does not match the request URL.");

        if (jwk_obj) {
                r = jwk_to_pkey(jwk_obj, &c->key);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return acme_problem_set(&c->problem, ACME_ERR_BAD_PUBLIC_KEY,
                                                "The JWK is not a supported public key.");
        } else {
                _cleanup_json_ json_object *stored = NULL;
                const char *kid, *id;

                if (!json_object_is_type(kid_obj, json_type_string))
                        return acme_problem_set(&c->problem, ACME_ERR_MALFORMED, "\"kid\" must be a string.");
                kid = json_object_get_string(kid_obj);
                id = acme_account_id_from_url(c, kid);
                if (!id)
                        return acme_problem_set(&c->problem, ACME_ERR_ACCOUNT_DOES_NOT_EXIST,
                                                "\"kid\" is not an account URL of this server.");
                r = acme_db_account_get(c->srv->st, c->prov->name, id, &c->account);
                if (r == -ENOENT)
                        return acme_problem_set(&c->problem, ACME_ERR_ACCOUNT_DOES_NOT_EXIST,
                                                "No account at \"%.200s\".", kid);
                if (r < 0)
                        return r;
                c->has_account = true;
                if (!streq(c->account.status, "valid"))
                        return acme_problem_set(&c->problem, ACME_ERR_UNAUTHORIZED, "The account is %s.",
                                                c->account.status);
                r = json_parse_object(c->account.jwk, strlen(c->account.jwk), 64 * 1024, &stored);
                if (r >= 0)
                        r = jwk_to_pkey(stored, &c->key);
                if (r < 0)
                        return r;
        }

        if (jws_alg_for_key(c->key, &key_alg) < 0 || key_alg != c->jws->alg)
                return acme_problem_set(&c->problem, ACME_ERR_BAD_SIGNATURE_ALGORITHM,
                                        "The JWS algorithm does not fit the key.");
        r = jws_verify(c->jws, c->key);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return acme_problem_set(&c->problem, ACME_ERR_MALFORMED, "The JWS signature does not verify.");
        return 0;
}

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

static void acme_ctx_done(acme_ctx *c) {
        free(c->base);
        free(c->url);
        jws_free(c->jws);
        EVP_PKEY_free(c->key);
        acme_account_row_done(&c->account);
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

static http_response *acme_dispatch(const http_request *req, void *userdata) {
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

static void acme_server_shutdown(void *userdata) {
        acme_server *s = userdata;

        atomic_store(&s->stopping, true);
        acme_validator_stop(s->validator);
        s->validator = NULL;
        acme_nonce_pool_free(s->nonces);
        s->nonces = NULL;
        acme_attest_roots_free(s->attest_roots, s->cfg->n_provisioners);
        free(s);
}

int acme_routes_register(http_server *srv, int dirfd, store *st, issuer *iss, const ca_config *cfg) {
        acme_server *s;
        int r;

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
        r = acme_device_attest_setup(dirfd, cfg, iss, &s->attest_roots);
        if (r < 0) {
                free(s);
                return r;
        }
        r = acme_nonce_pool_new(st, ACME_NONCE_LIFETIME, &s->nonces);
        if (r < 0) {
                acme_attest_roots_free(s->attest_roots, cfg->n_provisioners);
                free(s);
                return log_error_errno(r, "Failed to create the nonce pool: %m");
        }
        r = acme_validator_start(s, 4, &s->validator);
        if (r < 0) {
                acme_nonce_pool_free(s->nonces);
                acme_attest_roots_free(s->attest_roots, cfg->n_provisioners);
                free(s);
                return log_error_errno(r, "Failed to start the ACME validation workers: %m");
        }
        r = http_server_add_shutdown_hook(srv, acme_server_shutdown, s);
        if (r < 0) {
                acme_server_shutdown(s);
                return log_oom();
        }
        r = http_server_route(srv, NULL, "/acme/", true, acme_dispatch, s);
        if (r < 0)
                return log_error_errno(r, "Failed to register the ACME routes: %m");
        return 0;
}
