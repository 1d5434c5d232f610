/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Account CA over HTTPS (sign.h), step-ca's /1.0 shapes:
 *   POST /1.0/sign   {csr, ott, notBefore?, notAfter?} -> 201 {crt, ca, certChain}
 *   POST /1.0/renew  (mTLS, empty body)                -> 201 {crt, ca, certChain}
 *   GET  /1.0/accounts (Authorization: Bearer X5C)     -> 200 {accounts: [...]}
 * Errors are {"status": N, "message": "..."}. Each handler hands the
 * request to sign_ca and logs the outcome once: refusals and issued
 * certificates at info.
 */
#include <inttypes.h>

#include "ca/core/http.h"
#include "log.h"
#include "sign-api.h"
#include "sign-req.h"
#include "sign.h"

typedef struct sign_api {
        sign_ca *ca;
        issuer *iss;
} sign_api;

static http_response *refused_typed(const http_request *req, unsigned status, const char *message,
                                    const char *type) {
        _cleanup_json_ json_object *o = NULL;

        log_info("Account CA: %s from %s refused (%u): %s", req->path, req->remote_addr, status, message);
        if (!type)
                return http_response_error(status, message);
        /* The error shape of step-ca's /1.0 endpoints plus a problem type
         * the agent acts on (ca/core/refusal.h). */
        o = json_object_new_object();
        if (!o || json_object_object_add(o, "status", json_object_new_int((int) status)) < 0 ||
            json_add_string(o, "message", message) < 0 || json_add_string(o, "type", type) < 0)
                return NULL;
        return http_response_json(status, o, NULL);
}

static http_response *refused(const http_request *req, unsigned status, const char *message) {
        return refused_typed(req, status, message, NULL);
}

static http_response *failed(const http_request *req, int r) {
        if (r == -ENOMEM)
                return NULL;
        if (r == -EBUSY || r == -ENOSPC || r == -EROFS) {
                /* Rolled back; the client may retry. */
                http_response *resp = refused(req, 503, r == -EBUSY ? "database busy or unreachable, retry later"
                                                                    : "the CA cannot write its database now, retry later");

                if (resp && http_response_add_header(resp, "Retry-After", r == -EBUSY ? "1" : "30") < 0) {
                        http_response_free(resp);
                        return NULL;
                }
                return resp;
        }
        log_error_errno(r, "Account CA: %s from %s failed: %m", req->path, req->remote_addr);
        return http_response_error(500, "internal error");
}

static int add_pem(json_object *arr, const char *pem) {
        json_object *s = json_object_new_string(pem);
        if (!s || json_object_array_add(arr, s) < 0) {
                json_object_put(s);
                return -ENOMEM;
        }
        return 0;
}

static http_response *issued_response(sign_api *api, const sign_result *res) {
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_free_ char *crt = NULL, *ca = NULL;
        json_object *arr = json_object_new_array();

        if (!o || !arr || json_add_object(o, "certChain", arr) < 0)
                return NULL;
        if (x509_cert_to_pem(res->cert.cert, &crt) < 0 ||
            x509_cert_to_pem(issuer_ca_cert(api->iss, CA_ACCOUNT), &ca) < 0)
                return NULL;
        if (json_add_string(o, "crt", crt) < 0 || json_add_string(o, "ca", ca) < 0 || add_pem(arr, crt) < 0 ||
            add_pem(arr, ca) < 0)
                return NULL;
        return http_response_json(201, o, NULL);
}

static http_response *handle_sign(const http_request *req, void *userdata) {
        sign_api *api = userdata;
        _cleanup_(sign_result_done) sign_result res = {};
        sign_refusal ref;
        const char *ct;
        char buf[64];
        int r;

        ct = http_request_content_type(req, buf, sizeof(buf));
        if (!ct || !streq(ct, "application/json"))
                return refused(req, 415, "Content-Type must be application/json");
        r = sign_ca_sign(api->ca, (const char *) req->body, req->body_len, time(NULL), &res, &ref);
        if (r < 0 && ref.status)
                return refused_typed(req, ref.status, ref.message, ref.type);
        if (r < 0)
                return failed(req, r);
        log_info("Account CA: issued %s for \"%s\" to device \"%s\" (provisioner \"%s\", from %s).",
                 res.cert.serial, res.subject, res.device_ek_uri, res.provisioner, req->remote_addr);
        return issued_response(api, &res);
}

static http_response *handle_renew(const http_request *req, void *userdata) {
        sign_api *api = userdata;
        _cleanup_(sign_result_done) sign_result res = {};
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        sign_refusal ref;
        int r;

        if (req->body_len > 0)
                return refused(req, 400, "/1.0/renew takes an empty body");
        r = http_request_client_chain(req, &chain);
        if (r < 0 && r != -ENOENT)
                return refused(req, 400, "the TLS client certificate chain is malformed");
        r = sign_ca_renew(api->ca, chain, time(NULL), &res, &ref);
        if (r < 0 && ref.status)
                return refused_typed(req, ref.status, ref.message, ref.type);
        if (r < 0)
                return failed(req, r);
        log_info("Account CA: renewed as %s for \"%s\" of device \"%s\" (from %s).", res.cert.serial,
                 res.subject ?: "", res.device_ek_uri, req->remote_addr);
        return issued_response(api, &res);
}

static http_response *handle_accounts(const http_request *req, void *userdata) {
        sign_api *api = userdata;
        _cleanup_json_ json_object *o = NULL;
        sign_refusal ref;
        int r;

        r = sign_ca_accounts(api->ca, http_request_header(req, "Authorization"), time(NULL), &o, &ref);
        if (r < 0 && ref.status)
                return refused_typed(req, ref.status, ref.message, ref.type);
        if (r < 0)
                return failed(req, r);
        log_debug("Account CA: account list sent to %s.", req->remote_addr);
        return http_response_json(200, o, NULL);
}

static void api_free(void *userdata) {
        sign_api *api = userdata;

        sign_ca_free(api->ca);
        free(api);
}

int sign_routes_register(http_server *srv, store *st, issuer *iss, const ca_trust *trust, const ca_config *cfg,
                         int dirfd) {
        sign_api *api;
        int r;

        if (!srv || !st || !iss || !trust || !cfg)
                return -EINVAL;
        api = calloc(1, sizeof(*api));
        if (!api)
                return -ENOMEM;
        api->iss = iss;
        r = sign_ca_new(st, iss, trust, cfg, dirfd, &api->ca);
        if (r < 0) {
                free(api);
                return r;
        }
        r = http_server_add_shutdown_hook(srv, api_free, api);
        if (r < 0) {
                api_free(api);
                return r;
        }
        r = http_server_route(srv, "POST", SIGN_PATH, false, handle_sign, api);
        if (r >= 0) /* room for a TCG event log beside the token */
                r = http_server_set_body_limit(srv, SIGN_PATH, SIGN_BODY_MAX);
        if (r >= 0)
                r = http_server_route(srv, "GET", ACCOUNTS_PATH, false, handle_accounts, api);
        if (r < 0)
                return r;
        return http_server_route(srv, "POST", RENEW_PATH, false, handle_renew, api);
}
