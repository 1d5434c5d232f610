/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ACME protocol, client side (acme-client.h): nonce bookkeeping, JWS
 * requests, and the order steps, over http-client.h. Bodies are read by
 * the pure acme-wire.c. Logs at debug only; failures go into the
 * client_failure for the caller to report once.
 */
#include <time.h>

#include "crypto.h"
#include "enroll/client/acme-client.h"
#include "http-client.h"
#include "jwk.h"
#include "jws.h"
#include "log.h"
#include "signer.h"
#include "time-util.h"

#define ACME_CONNECT_TIMEOUT 10
#define ACME_TIMEOUT 30

struct acme_client {
        char *directory_url;
        char *root_pem;
        acme_directory dir;
        EVP_PKEY *key;
        signer *signer;
        char *kid;   /* account URL once the account exists */
        char *nonce; /* newest Replay-Nonce, unused */
};

void acme_client_free(acme_client *c) {
        if (!c)
                return;
        free(c->directory_url);
        free(c->root_pem);
        acme_directory_done(&c->dir);
        signer_free(c->signer);
        EVP_PKEY_free(c->key);
        free(c->kid);
        free(c->nonce);
        free(c);
}

EVP_PKEY *acme_client_account_key(const acme_client *c) {
        return c ? c->key : NULL;
}

static int fail(client_failure *e, client_failure_kind kind, const char *step, int r,
                const char *detail) {
        return client_fail(e, kind, "ACME", step, r, detail);
}

/* Failure of a body parser: LOCAL for -ENOMEM, else RESPONSE. */
static int fail_parse(client_failure *e, const char *step, int r, const char *what) {
        return fail(e, r == -ENOMEM ? CLIENT_FAIL_LOCAL : CLIENT_FAIL_RESPONSE, step, r,
                    r == -E2BIG ? "the response exceeds a limit" : what);
}

/* One HTTP exchange; keeps the Replay-Nonce. Any status is returned. */
static int acme_http(acme_client *c, const char *method, const char *url, const char *body,
                     const char *accept, const char *step, http_client_response **ret,
                     client_failure *e) {
        _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
        static const char *const capture[] = { "Replay-Nonce", "Location", "Retry-After", NULL };
        const char *headers[] = { accept, NULL };
        const http_client_request req = {
                .method = method,
                .url = url,
                .body = body,
                .body_len = body ? strlen(body) : 0,
                .content_type = "application/jose+json",
                .headers = accept ? headers : NULL,
                .capture = capture,
                .root_pem = c->root_pem,
                .connect_timeout_sec = ACME_CONNECT_TIMEOUT,
                .timeout_sec = ACME_TIMEOUT,
                .max_body = ACME_MAX_RESPONSE,
        };
        char text[HTTP_CLIENT_ERROR_MAX] = "";
        const char *nonce;
        int r;

        (void) snprintf(e->url, sizeof(e->url), "%s", url);
        r = http_client_perform(&req, &resp, text);
        if (r < 0)
                return client_fail_transport(e, "ACME", step, r, text);

        nonce = http_client_response_header(resp, "Replay-Nonce");
        if (nonce && nonce[0] && strlen(nonce) <= ACME_MAX_TOKEN) {
                char *n = strdup(nonce);

                if (!n)
                        return fail(e, CLIENT_FAIL_LOCAL, step, -ENOMEM, NULL);
                free(c->nonce);
                c->nonce = n;
        }
        *ret = TAKE_PTR(resp);
        return 0;
}

/* Turns a status >= 400 into REFUSED with the problem's detail. */
static int fail_status(client_failure *e, const char *step, const http_client_response *resp) {
        _cleanup_(acme_problem_done) acme_problem p = {};
        char detail[sizeof(e->detail)];

        e->status = resp->status;
        if (resp->status < 400) {
                (void) snprintf(detail, sizeof(detail), "unexpected HTTP status %ld", resp->status);
                return fail(e, CLIENT_FAIL_RESPONSE, step, -EPROTO, detail);
        }
        (void) client_failure_problem(resp->body, resp->body_len, e->problem);
        if (acme_parse_problem(resp->body, resp->body_len, &p) >= 0) {
                const char *name = strncmp(p.type, ACME_ERROR_PREFIX, strlen(ACME_ERROR_PREFIX)) == 0
                                           ? p.type + strlen(ACME_ERROR_PREFIX)
                                           : p.type;
                (void) snprintf(detail, sizeof(detail), "%s%s%s", name, p.detail[0] ? ": " : "", p.detail);
        } else {
                _cleanup_free_ char *m = NULL;

                (void) client_failure_message(resp->body, resp->body_len, &m, NULL);
                (void) snprintf(detail, sizeof(detail), "%s", m ?: "");
        }
        return fail(e, CLIENT_FAIL_REFUSED, step, -EACCES, detail);
}

static int ensure_nonce(acme_client *c, client_failure *e) {
        _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
        int r;

        if (c->nonce)
                return 0;
        r = acme_http(c, "HEAD", c->dir.new_nonce, NULL, NULL, "get a nonce", &resp, e);
        if (r < 0)
                return r;
        if (resp->status != 200 && resp->status != 204)
                return fail_status(e, "get a nonce", resp);
        if (!c->nonce)
                return fail(e, CLIENT_FAIL_RESPONSE, "get a nonce", -EPROTO, "no Replay-Nonce header");
        return 0;
}

static int is_bad_nonce(const http_client_response *resp) {
        _cleanup_(acme_problem_done) acme_problem p = {};

        return resp->status == 400 && acme_parse_problem(resp->body, resp->body_len, &p) >= 0 &&
               streq(p.type, ACME_ERROR_PREFIX "badNonce");
}

/* A signed POST (payload NULL: POST-as-GET). Retries once on badNonce.
 * On success *ret has a status below 400. */
static int acme_post(acme_client *c, const char *url, const char *payload, const char *accept,
                     const char *step, http_client_response **ret, client_failure *e) {
        for (unsigned attempt = 0;; attempt++) {
                _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
                _cleanup_json_ json_object *hdr = json_object_new_object();
                _cleanup_free_ char *body = NULL, *nonce = NULL;
                int r;

                if (!hdr)
                        return fail(e, CLIENT_FAIL_LOCAL, step, -ENOMEM, NULL);
                r = ensure_nonce(c, e);
                if (r < 0)
                        return r;
                nonce = TAKE_PTR(c->nonce); /* each nonce is used once */
                r = json_add_string(hdr, "nonce", nonce);
                if (r >= 0)
                        r = json_add_string(hdr, "url", url);
                if (r >= 0 && c->kid)
                        r = json_add_string(hdr, "kid", c->kid);
                else if (r >= 0) {
                        json_object *jwk = NULL;

                        r = jwk_from_pkey(c->key, &jwk);
                        if (r >= 0)
                                r = json_add_object(hdr, "jwk", jwk);
                }
                if (r >= 0)
                        r = jws_sign_flattened(c->signer, hdr, payload ?: "", payload ? strlen(payload) : 0,
                                               &body);
                if (r < 0)
                        return fail(e, CLIENT_FAIL_LOCAL, step, r, "cannot sign the request");
                r = acme_http(c, "POST", url, body, accept, step, &resp, e);
                if (r < 0)
                        return r;
                if (attempt == 0 && is_bad_nonce(resp)) {
                        log_debug("ACME: badNonce at %s, retrying once.", url);
                        continue;
                }
                if (resp->status < 200 || resp->status >= 300)
                        return fail_status(e, step, resp);
                *ret = TAKE_PTR(resp);
                return 0;
        }
}

static int require_json(const http_client_response *resp, const char *step, client_failure *e) {
        if (!http_client_media_type_is(resp->content_type, "application/json"))
                return fail(e, CLIENT_FAIL_RESPONSE, step, -EPROTO, "the response is not application/json");
        return 0;
}

int acme_client_new(const char *directory_url, const char *root_pem, acme_client **ret,
                    client_failure *e) {
        _cleanup_(acme_client_freep) acme_client *c = NULL;
        _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
        static const char step[] = "read the ACME directory";
        int r;

        *e = (client_failure) {};
        if (!directory_url || strncmp(directory_url, "https://", 8) != 0 || !ret)
                return fail(e, CLIENT_FAIL_LOCAL, step, -EINVAL, "the directory URL must be https://");
        c = calloc(1, sizeof(*c));
        if (!c)
                return fail(e, CLIENT_FAIL_LOCAL, step, -ENOMEM, NULL);
        c->directory_url = strdup(directory_url);
        c->root_pem = root_pem ? strdup(root_pem) : NULL;
        if (!c->directory_url || (root_pem && !c->root_pem))
                return fail(e, CLIENT_FAIL_LOCAL, step, -ENOMEM, NULL);
        r = crypto_key_generate(CRYPTO_KEY_EC_P256, &c->key);
        if (r >= 0)
                r = signer_new_evp(c->key, &c->signer);
        if (r < 0)
                return fail(e, CLIENT_FAIL_LOCAL, "generate the ACME account key", r, NULL);

        r = acme_http(c, "GET", directory_url, NULL, NULL, step, &resp, e);
        if (r < 0)
                return r;
        if (resp->status != 200)
                return fail_status(e, step, resp);
        r = require_json(resp, step, e);
        if (r < 0)
                return r;
        r = acme_parse_directory(resp->body, resp->body_len, &c->dir);
        if (r < 0)
                return fail_parse(e, step, r, "not a directory with newNonce, newAccount and newOrder URLs");
        e->url[0] = '\0';
        *ret = TAKE_PTR(c);
        return 0;
}

int acme_client_new_account(acme_client *c, client_failure *e) {
        _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
        static const char step[] = "create the ACME account";
        const char *loc;
        int r;

        r = acme_post(c, c->dir.new_account, "{\"termsOfServiceAgreed\":true}", NULL, step, &resp, e);
        if (r < 0)
                return r;
        loc = http_client_response_header(resp, "Location");
        if ((resp->status != 200 && resp->status != 201) || !loc || !loc[0] || strlen(loc) > ACME_MAX_URL)
                return fail(e, CLIENT_FAIL_RESPONSE, step, -EPROTO, "no account URL (Location) in the answer");
        c->kid = strdup(loc);
        if (!c->kid)
                return fail(e, CLIENT_FAIL_LOCAL, step, -ENOMEM, NULL);
        log_debug("ACME account %s", c->kid);
        return 0;
}

int acme_client_new_order(acme_client *c, const char *id_type, const char *id_value, acme_order *ret,
                          char **ret_url, client_failure *e) {
        _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
        _cleanup_json_ json_object *o = json_object_new_object(), *ids = json_object_new_array(),
                                   *id = json_object_new_object();
        _cleanup_free_ char *payload = NULL, *url = NULL;
        static const char step[] = "create the ACME order";
        const char *loc;
        int r;

        if (!o || !ids || !id)
                return fail(e, CLIENT_FAIL_LOCAL, step, -ENOMEM, NULL);
        r = json_add_string(id, "type", id_type);
        if (r >= 0)
                r = json_add_string(id, "value", id_value);
        if (r >= 0)
                r = json_object_array_add(ids, json_object_get(id)) < 0 ? -ENOMEM : 0;
        if (r >= 0)
                r = json_add_object(o, "identifiers", json_object_get(ids));
        if (r >= 0)
                r = json_to_string_dup(o, &payload);
        if (r < 0)
                return fail(e, CLIENT_FAIL_LOCAL, step, r, NULL);
        r = acme_post(c, c->dir.new_order, payload, NULL, step, &resp, e);
        if (r < 0)
                return r;
        loc = http_client_response_header(resp, "Location");
        if (resp->status != 201 || !loc || !loc[0] || strlen(loc) > ACME_MAX_URL)
                return fail(e, CLIENT_FAIL_RESPONSE, step, -EPROTO, "expected 201 with the order URL (Location)");
        r = require_json(resp, step, e);
        if (r < 0)
                return r;
        url = strdup(loc);
        if (!url)
                return fail(e, CLIENT_FAIL_LOCAL, step, -ENOMEM, NULL);
        r = acme_parse_order(resp->body, resp->body_len, ret);
        if (r < 0)
                return fail_parse(e, step, r, "not an order object");
        *ret_url = TAKE_PTR(url);
        return 0;
}

int acme_client_get_authorization(acme_client *c, const char *url, acme_authorization *ret,
                                  client_failure *e) {
        _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
        static const char step[] = "read the ACME authorization";
        int r;

        r = acme_post(c, url, NULL, NULL, step, &resp, e);
        if (r >= 0)
                r = require_json(resp, step, e);
        if (r < 0)
                return r;
        r = acme_parse_authorization(resp->body, resp->body_len, ret);
        if (r < 0)
                return fail_parse(e, step, r, "not an authorization object");
        return 0;
}

/* How long to wait before the next poll: Retry-After (bounded), else the
 * default; -ETIMEDOUT once the deadline would pass. */
static int poll_wait(const http_client_response *resp, uint64_t deadline_ms) {
        const char *ra = http_client_response_header(resp, "Retry-After");
        unsigned sec;
        uint64_t ms = ACME_POLL_DEFAULT_MS;
        struct timespec ts;

        if (ra && acme_parse_retry_after(ra, &sec) >= 0)
                ms = (uint64_t) (sec > ACME_POLL_MAX_SEC ? ACME_POLL_MAX_SEC : sec ?: 1) * 1000;
        if (now_monotonic_ms() + ms > deadline_ms)
                return -ETIMEDOUT;
        ts = (struct timespec) { .tv_sec = (time_t) (ms / 1000), .tv_nsec = (long) (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
        return 0;
}

int acme_client_answer_challenge(acme_client *c, const char *url, const char *payload,
                                 acme_challenge *ret, client_failure *e) {
        static const char step[] = "answer the ACME challenge";
        uint64_t deadline_ms = now_monotonic_ms() + ACME_POLL_DEADLINE_SEC * 1000ULL;
        int r;

        for (const char *p = payload;; p = NULL) {
                _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
                _cleanup_(acme_challenge_done) acme_challenge ch = {};

                r = acme_post(c, url, p, NULL, step, &resp, e);
                if (r >= 0)
                        r = require_json(resp, step, e);
                if (r < 0)
                        return r;
                r = acme_parse_challenge(resp->body, resp->body_len, &ch);
                if (r < 0)
                        return fail_parse(e, step, r, "not a challenge object");
                if (ch.status != ACME_STATUS_PENDING && ch.status != ACME_STATUS_PROCESSING) {
                        *ret = ch;
                        ch = (acme_challenge) {};
                        return 0;
                }
                if (poll_wait(resp, deadline_ms) < 0)
                        return fail(e, CLIENT_FAIL_RESPONSE, step, -ETIMEDOUT,
                                    "the challenge stayed pending past the deadline");
        }
}

int acme_client_poll_order(acme_client *c, const char *order_url, bool until_ready, acme_order *ret,
                           client_failure *e) {
        static const char step[] = "read the ACME order";
        uint64_t deadline_ms = now_monotonic_ms() + ACME_POLL_DEADLINE_SEC * 1000ULL;
        int r;

        for (;;) {
                _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
                _cleanup_(acme_order_done) acme_order o = {};

                r = acme_post(c, order_url, NULL, NULL, step, &resp, e);
                if (r >= 0)
                        r = require_json(resp, step, e);
                if (r < 0)
                        return r;
                r = acme_parse_order(resp->body, resp->body_len, &o);
                if (r < 0)
                        return fail_parse(e, step, r, "not an order object");
                if (o.status != ACME_STATUS_PENDING &&
                    (until_ready || (o.status != ACME_STATUS_PROCESSING && o.status != ACME_STATUS_READY))) {
                        *ret = o;
                        o = (acme_order) {};
                        return 0;
                }
                if (poll_wait(resp, deadline_ms) < 0)
                        return fail(e, CLIENT_FAIL_RESPONSE, step, -ETIMEDOUT,
                                    "the order did not progress before the deadline");
        }
}

int acme_client_finalize(acme_client *c, const acme_order *order, const char *order_url,
                         const uint8_t *csr_der, size_t csr_len, acme_order *ret, client_failure *e) {
        _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
        _cleanup_(acme_order_done) acme_order o = {};
        _cleanup_json_ json_object *p = json_object_new_object();
        _cleanup_free_ char *payload = NULL;
        static const char step[] = "finalize the ACME order";
        char detail[64];
        int r;

        if (!p)
                return fail(e, CLIENT_FAIL_LOCAL, step, -ENOMEM, NULL);
        r = json_add_b64(p, "csr", B64_URL, csr_der, csr_len);
        if (r >= 0)
                r = json_to_string_dup(p, &payload);
        if (r < 0)
                return fail(e, CLIENT_FAIL_LOCAL, step, r, NULL);
        r = acme_post(c, order->finalize, payload, NULL, step, &resp, e);
        if (r >= 0)
                r = require_json(resp, step, e);
        if (r < 0)
                return r;
        r = acme_parse_order(resp->body, resp->body_len, &o);
        if (r < 0)
                return fail_parse(e, step, r, "not an order object");
        if (o.status == ACME_STATUS_PROCESSING) {
                acme_order_done(&o);
                r = acme_client_poll_order(c, order_url, false, &o, e);
                if (r < 0)
                        return r;
        }
        if (o.status != ACME_STATUS_VALID) {
                (void) snprintf(detail, sizeof(detail), "the order is %s after finalize",
                                acme_status_to_string(o.status));
                return fail(e, CLIENT_FAIL_RESPONSE, step, -EPROTO, detail);
        }
        *ret = o;
        o = (acme_order) {};
        return 0;
}

int acme_client_download(acme_client *c, const char *cert_url, char **ret_pem, size_t *ret_len,
                         client_failure *e) {
        _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
        static const char step[] = "download the certificate";
        int r;

        r = acme_post(c, cert_url, NULL, "Accept: application/pem-certificate-chain", step, &resp, e);
        if (r < 0)
                return r;
        if (resp->status != 200)
                return fail_status(e, step, resp);
        if (!http_client_media_type_is(resp->content_type, "application/pem-certificate-chain"))
                return fail(e, CLIENT_FAIL_RESPONSE, step, -EPROTO,
                            "the response is not application/pem-certificate-chain");
        *ret_len = resp->body_len;
        *ret_pem = TAKE_PTR(resp->body);
        e->url[0] = '\0';
        return 0;
}
