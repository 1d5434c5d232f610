/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Attestation CA over HTTPS (attest-api.h, attest.h):
 *   POST /attestation/attest   {tpmInfo, ek, ekCerts, params} -> 201 {credential, secret}
 *   POST /attestation/secret   {secret}                       -> 201 {chain}
 * Both want an X-Request-Id UUID and a JSON body (a Content-Type, if
 * sent, must be application/json); the /secret of a challenge carries the
 * X-Request-Id of its /attest. Errors
 * are {"status": N, "message": "..."}, as step-ca's /1.0 API answers.
 * Each handler checks the headers, hands the body to attest_ca, and logs
 * the outcome once: refusals and issued certificates at info.
 */
#include "attest-api.h"
#include "attest.h"
#include "ca/core/rate-limit.h"
#include "log.h"
#include "time-util.h"
#include "x509.h"

typedef struct attest_api {
        attest_ca *ca;
        issuer *iss;
        rate_limiter *per_address; /* /attest requests per client address */
} attest_api;

/* A refusal that says when to come back (429, 503). */
static http_response *retry_after(http_response *resp, unsigned seconds) {
        char v[16];

        (void) snprintf(v, sizeof(v), "%u", seconds);
        if (resp && http_response_add_header(resp, "Retry-After", v) < 0) {
                http_response_free(resp);
                return NULL;
        }
        return resp;
}

static http_response *refused_typed(const http_request *req, const char *request_id, unsigned status,
                                    const char *message, const char *type) {
        _cleanup_json_ json_object *o = NULL;

        log_info("Attestation CA: %s from %s (X-Request-Id %s) refused: %s", req->path, req->remote_addr,
                 request_id ?: "none", message);
        if (!type)
                return http_response_error(status, message);
        /* The usual error shape plus the problem type the agent acts on
         * (ca/core/refusal.h). */
        o = json_object_new_object();
        if (!o || json_object_object_add(o, "status", json_object_new_int((int) status)) < 0 ||
            json_add_string(o, "message", message) < 0 || json_add_string(o, "type", type) < 0)
                return NULL;
        return http_response_json(status, o, NULL);
}

static http_response *refused(const http_request *req, const char *request_id, unsigned status,
                              const char *message) {
        return refused_typed(req, request_id, status, message, NULL);
}

static http_response *failed(const http_request *req, const char *request_id, int r) {
        if (r == -ENOMEM)
                return NULL;
        if (r == -EBUSY)
                return retry_after(refused(req, request_id, 503, "database busy or unreachable, retry later"), 1);
        if (r == -ENOSPC || r == -EROFS)
                return retry_after(refused(req, request_id, 503, "the CA cannot write its database now, retry later"),
                                   30);
        log_error_errno(r, "Attestation CA: %s (X-Request-Id %s) failed: %m", req->path, request_id);
        return http_response_error(500, "internal error");
}

/* Content-Type and X-Request-Id, the same for both routes. Returns true
 * with the lower-cased id in request_id, or false with the answer in *ret. */
static bool check_headers(const http_request *req, char request_id[ATTEST_REQUEST_ID_LEN + 1],
                          http_response **ret) {
        const char *ct, *id;
        char buf[64];

        /* A missing Content-Type is let through (the body must parse as
         * JSON anyway): step's attestation client has been seen to send
         * none. A declared one must be JSON. */
        ct = http_request_content_type(req, buf, sizeof(buf));
        if (http_request_header(req, "Content-Type") && (!ct || !streq(ct, "application/json"))) {
                *ret = refused(req, NULL, 415, "Content-Type must be application/json");
                return false;
        }
        id = http_request_header(req, "X-Request-Id");
        if (!id) {
                *ret = refused(req, NULL, 400, "the X-Request-Id header (a UUID) is required");
                return false;
        }
        if (attest_request_id_parse(id, request_id) < 0) {
                *ret = refused(req, NULL, 400,
                               "X-Request-Id must be a UUID: 36 characters, hex digits grouped 8-4-4-4-12");
                return false;
        }
        return true;
}

static http_response *handle_attest(const http_request *req, void *userdata) {
        attest_api *api = userdata;
        _cleanup_(attest_request_done) attest_request areq = {};
        _cleanup_(attest_credential_done) attest_credential cred = {};
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ char *error = NULL;
        char request_id[ATTEST_REQUEST_ID_LEN + 1], client[RATE_LIMIT_ADDR_KEY_MAX];
        http_response *resp = NULL;
        attest_refusal ref;
        unsigned wait;
        int r;

        if (!check_headers(req, request_id, &resp))
                return resp;
        rate_limit_address_key(req->remote_addr, client);
        wait = rate_limiter_take(api->per_address, client, now_monotonic_ms());
        if (wait > 0)
                return retry_after(refused(req, request_id, 429, "too many attestation requests from this address"),
                                   wait);
        r = attest_request_parse((const char *) req->body, req->body_len, &areq, &error);
        if (r == -ENOMEM)
                return NULL;
        if (r < 0)
                return refused(req, request_id, 400, error ?: "malformed request body");

        r = attest_ca_challenge(api->ca, request_id, client, &areq, time(NULL), &cred, &ref);
        if (r < 0 && ref.status)
                return refused_typed(req, request_id, ref.status, ref.message, ref.type);
        if (r < 0)
                return failed(req, request_id, r);

        o = json_object_new_object();
        if (!o || json_add_b64(o, "credential", B64_STD, cred.credential, cred.credential_len) < 0 ||
            json_add_b64(o, "secret", B64_STD, cred.secret, cred.secret_len) < 0)
                return NULL;
        log_info("Attestation CA: sent a credential challenge to \"%s\" at %s (X-Request-Id %s).", cred.ek_uri,
                 req->remote_addr, request_id);
        return http_response_json(201, o, NULL);
}

static int chain_add(json_object *arr, X509 *cert) {
        _cleanup_free_ uint8_t *der = NULL;
        _cleanup_free_ char *b = NULL;
        json_object *s;
        size_t len;
        int r;

        r = x509_cert_to_der(cert, &der, &len);
        if (r < 0)
                return r;
        r = b64_encode(B64_STD, der, len, &b);
        if (r < 0)
                return r;
        s = json_object_new_string(b);
        if (!s || json_object_array_add(arr, s) < 0) {
                json_object_put(s);
                return -ENOMEM;
        }
        return 0;
}

static http_response *handle_secret(const http_request *req, void *userdata) {
        attest_api *api = userdata;
        _cleanup_(issued_cert_done) issued_cert c = {};
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ char *ek_uri = NULL;
        char request_id[ATTEST_REQUEST_ID_LEN + 1];
        http_response *resp = NULL;
        json_object *arr;
        attest_refusal ref;
        int r;

        if (!check_headers(req, request_id, &resp))
                return resp;
        r = attest_ca_activate(api->ca, request_id, (const char *) req->body, req->body_len, time(NULL), &c,
                               &ek_uri, &ref);
        if (r < 0 && ref.status)
                return refused_typed(req, request_id, ref.status, ref.message, ref.type);
        if (r < 0)
                return failed(req, request_id, r);
        log_info("Attestation CA: issued AK certificate %s for \"%s\" (X-Request-Id %s, from %s).", c.serial,
                 ek_uri, request_id, req->remote_addr);

        o = json_object_new_object();
        arr = json_object_new_array();
        if (!o || !arr || json_add_object(o, "chain", arr) < 0)
                return NULL;
        if (chain_add(arr, c.cert) < 0 || chain_add(arr, issuer_ca_cert(api->iss, CA_ATTESTATION)) < 0)
                return NULL;
        return http_response_json(201, o, NULL);
}

static void api_free(void *userdata) {
        attest_api *api = userdata;

        attest_ca_free(api->ca);
        rate_limiter_free(api->per_address);
        free(api);
}

int attest_routes_register(http_server *srv, store *st, issuer *iss, const ca_config *cfg) {
        attest_api *api;
        int r;

        if (!srv || !st || !iss || !cfg)
                return -EINVAL;
        api = calloc(1, sizeof(*api));
        if (!api)
                return -ENOMEM;
        api->iss = iss;
        r = rate_limiter_new(cfg->limits.attest_per_address, RATE_LIMIT_MAX_KEYS, &api->per_address);
        if (r >= 0)
                r = attest_ca_new(st, iss, cfg->lifetime_attestation, &api->ca);
        if (r < 0) {
                api_free(api);
                return r;
        }
        r = http_server_add_shutdown_hook(srv, api_free, api);
        if (r < 0) {
                api_free(api);
                return r;
        }
        r = http_server_route(srv, "POST", ATTEST_PATH_PREFIX "/attest", false, handle_attest, api);
        if (r < 0)
                return r;
        return http_server_route(srv, "POST", ATTEST_PATH_PREFIX "/secret", false, handle_secret, api);
}
