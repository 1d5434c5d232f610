/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-01 (RFC 8555 section 8.3; IP identifiers per RFC 8738): fetch
 * http://<identifier>:<port>/.well-known/acme-challenge/<token> and
 * compare the body with the key authorization, over the common HTTP
 * client (common/http-client.h, the only module that calls libcurl).
 * Redirects are followed (at most 5), only to http on the provisioner's
 * http-01 port or https on 443, as Let's Encrypt does; the body is capped;
 * every attempt has timeouts; proxies are never used.
 */
#include "challenge.h"
#include "http-client.h"
#include "log.h"

#define HTTP01_MAX_BODY 4096
#define HTTP01_MAX_REDIRECTS 5

static bool redirect_ok(const http_client_target *t, void *userdata) {
        const unsigned *http_port = userdata;

        return (streq(t->scheme, "http") && t->port == *http_port) || (streq(t->scheme, "https") && t->port == 443);
}

static int http01_validate(const challenge_ctx *ctx, json_object *payload, acme_problem *problem) {
        _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
        _cleanup_free_ char *url = NULL;
        unsigned port = ctx->provisioner && ctx->provisioner->http01_port ? ctx->provisioner->http01_port : 80;
        char error[HTTP_CLIENT_ERROR_MAX];
        int r;

        if (ctx->id_type == ACME_ID_IP && strchr(ctx->id_value, ':'))
                r = asprintf(&url, "http://[%s]:%u/.well-known/acme-challenge/%s", ctx->id_value, port,
                             ctx->token);
        else
                r = asprintf(&url, "http://%s:%u/.well-known/acme-challenge/%s", ctx->id_value, port,
                             ctx->token);
        if (r < 0)
                return -ENOMEM;

        r = http_client_perform(&(http_client_request) {
                                        .method = "GET",
                                        .url = url,
                                        .allow_http = true,
                                        /* Let's Encrypt does not check certificates on an
                                         * https redirect target either: the key
                                         * authorization is what proves control. */
                                        .skip_verify = true,
                                        .no_proxy = true,
                                        .user_agent = "deviceid-ca ACME validation",
                                        .connect_timeout_sec = CHALLENGE_CONNECT_TIMEOUT,
                                        .timeout_sec = CHALLENGE_TOTAL_TIMEOUT,
                                        .max_body = HTTP01_MAX_BODY,
                                        .max_redirects = HTTP01_MAX_REDIRECTS,
                                        .redirect_ok = redirect_ok,
                                        .redirect_userdata = &port,
                                        .cancel = ctx->cancel,
                                },
                                &resp, error);
        if (r == -ECANCELED || r == -ENOMEM)
                return r;
        if (r == -EMSGSIZE)
                r = acme_problem_set(problem, ACME_ERR_INCORRECT_RESPONSE, "Response from %s is larger than %d bytes.",
                                     url, HTTP01_MAX_BODY);
        else if (r == -ENXIO)
                r = acme_problem_set(problem, ACME_ERR_DNS, "Cannot resolve \"%s\": %s", ctx->id_value, error);
        else if (r < 0)
                r = acme_problem_set(problem, ACME_ERR_CONNECTION, "Fetching %s failed: %s", url, error);
        else if (resp->status != 200)
                r = acme_problem_set(problem, ACME_ERR_INCORRECT_RESPONSE, "%s answered with status %ld.", url,
                                     resp->status);
        else {
                /* RFC 8555 section 8.3: ignore trailing whitespace. */
                while (resp->body_len > 0 && strchr(" \t\r\n", resp->body[resp->body_len - 1]))
                        resp->body[--resp->body_len] = '\0';
                if (resp->body_len != strlen(resp->body) || !streq(resp->body, ctx->key_authorization))
                        r = acme_problem_set(problem, ACME_ERR_INCORRECT_RESPONSE,
                                             "The key authorization at %s does not match.", url);
                else
                        r = 1;
        }
        return r == -EPROTO ? 0 : r;
}

const challenge_type challenge_http01 = {
        .name = "http-01",
        .id_mask = ACME_ID_MASK(ACME_ID_DNS) | ACME_ID_MASK(ACME_ID_IP),
        .wildcard_ok = false,
        .sync = false,
        .validate = http01_validate,
};
