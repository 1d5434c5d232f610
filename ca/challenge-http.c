/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-01 (RFC 8555 section 8.3; IP identifiers per RFC 8738): fetch
 * http://<identifier>:<port>/.well-known/acme-challenge/<token> and
 * compare the body with the key authorization. The only module that
 * calls libcurl. Redirects are followed by hand (at most 5), only to
 * http on the provisioner's http-01 port or https on 443, as Let's
 * Encrypt does; the body is capped; every attempt has timeouts.
 */
#include <curl/curl.h>

#include "challenge.h"
#include "log.h"

#define HTTP01_MAX_BODY 4096
#define HTTP01_MAX_REDIRECTS 5

int challenge_http_global_init(void) {
        CURLcode c = curl_global_init(CURL_GLOBAL_DEFAULT);

        if (c != CURLE_OK)
                return log_debug_errno(EIO, "curl_global_init: %s", curl_easy_strerror(c));
        return 0;
}

typedef struct body_buf {
        char data[HTTP01_MAX_BODY + 1];
        size_t len;
        bool too_large;
} body_buf;

static size_t body_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
        body_buf *b = userdata;
        size_t n = size * nmemb;

        if (n > HTTP01_MAX_BODY - b->len) {
                b->too_large = true;
                return 0; /* aborts the transfer */
        }
        memcpy(b->data + b->len, ptr, n);
        b->len += n;
        b->data[b->len] = '\0';
        return n;
}

static int xfer_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                         curl_off_t ulnow) {
        const atomic_bool *cancel = clientp;

        return cancel && atomic_load(cancel) ? 1 : 0;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(CURL *, curl_easy_cleanup);
DEFINE_TRIVIAL_CLEANUP_FUNC(CURLU *, curl_url_cleanup);

static void curl_freep(char **p) {
        curl_free(*p);
}

/* Is a redirect target acceptable? Sets *https. */
static bool redirect_allowed(const char *url, unsigned http_port, bool *https) {
        _cleanup_(curl_url_cleanupp) CURLU *u = curl_url();
        _cleanup_(curl_freep) char *scheme = NULL, *port = NULL;
        unsigned p;

        if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
                return false;
        p = (unsigned) strtoul(port, NULL, 10);
        if (streq(scheme, "http") && p == http_port) {
                *https = false;
                return true;
        }
        if (streq(scheme, "https") && p == 443) {
                *https = true;
                return true;
        }
        return false;
}

static int http01_validate(const challenge_ctx *ctx, json_object *payload, acme_problem *problem) {
        _cleanup_free_ char *url = NULL;
        unsigned port = ctx->provisioner && ctx->provisioner->http01_port ? ctx->provisioner->http01_port : 80;
        bool https = false;
        body_buf *body;
        int r;

        if (ctx->id_type == ACME_ID_IP && strchr(ctx->id_value, ':'))
                r = asprintf(&url, "http://[%s]:%u/.well-known/acme-challenge/%s", ctx->id_value, port,
                             ctx->token);
        else
                r = asprintf(&url, "http://%s:%u/.well-known/acme-challenge/%s", ctx->id_value, port,
                             ctx->token);
        if (r < 0)
                return -ENOMEM;

        body = calloc(1, sizeof(*body));
        if (!body)
                return -ENOMEM;

        for (unsigned hop = 0;; hop++) {
                _cleanup_(curl_easy_cleanupp) CURL *c = curl_easy_init();
                char errbuf[CURL_ERROR_SIZE] = "";
                const char *next = NULL;
                long status = 0;
                CURLcode cc;

                if (!c) {
                        r = -ENOMEM;
                        break;
                }
                body->len = 0;
                body->too_large = false;
                (void) curl_easy_setopt(c, CURLOPT_URL, url);
                (void) curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
                (void) curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
                (void) curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long) CHALLENGE_CONNECT_TIMEOUT);
                (void) curl_easy_setopt(c, CURLOPT_TIMEOUT, (long) CHALLENGE_TOTAL_TIMEOUT);
                (void) curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
                (void) curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
                (void) curl_easy_setopt(c, CURLOPT_USERAGENT, "deviceid-ca ACME validation");
                (void) curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
                (void) curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
                (void) curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
                (void) curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
                (void) curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xfer_progress);
                (void) curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *) ctx->cancel);
                (void) curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) HTTP01_MAX_BODY);
                if (https) {
                        /* Let's Encrypt does not check certificates on an
                         * https redirect target either: the key
                         * authorization is what proves control. */
                        (void) curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
                        (void) curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
                }

                cc = curl_easy_perform(c);
                if (cc == CURLE_ABORTED_BY_CALLBACK) {
                        r = -ECANCELED;
                        break;
                }
                if (body->too_large || cc == CURLE_FILESIZE_EXCEEDED) {
                        r = acme_problem_set(problem, ACME_ERR_INCORRECT_RESPONSE,
                                             "Response from %s is larger than %d bytes.", url, HTTP01_MAX_BODY);
                        break;
                }
                if (cc == CURLE_COULDNT_RESOLVE_HOST) {
                        r = acme_problem_set(problem, ACME_ERR_DNS, "Cannot resolve \"%s\": %s",
                                             ctx->id_value, errbuf[0] ? errbuf : curl_easy_strerror(cc));
                        break;
                }
                if (cc != CURLE_OK) {
                        r = acme_problem_set(problem, ACME_ERR_CONNECTION, "Fetching %s failed: %s", url,
                                             errbuf[0] ? errbuf : curl_easy_strerror(cc));
                        break;
                }
                (void) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
                if (status >= 300 && status < 400 &&
                    curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &next) == CURLE_OK && next) {
                        char *n;

                        if (hop >= HTTP01_MAX_REDIRECTS || !redirect_allowed(next, port, &https)) {
                                r = acme_problem_set(problem, ACME_ERR_CONNECTION,
                                                     "Refusing redirect from %s to \"%.200s\".", url, next);
                                break;
                        }
                        n = strdup(next);
                        if (!n) {
                                r = -ENOMEM;
                                break;
                        }
                        free(url);
                        url = n;
                        continue;
                }
                if (status != 200) {
                        r = acme_problem_set(problem, ACME_ERR_INCORRECT_RESPONSE,
                                             "%s answered with status %ld.", url, status);
                        break;
                }
                /* RFC 8555 section 8.3: ignore trailing whitespace. */
                while (body->len > 0 && strchr(" \t\r\n", body->data[body->len - 1]))
                        body->data[--body->len] = '\0';
                if (body->len != strlen(body->data) || !streq(body->data, ctx->key_authorization)) {
                        r = acme_problem_set(problem, ACME_ERR_INCORRECT_RESPONSE,
                                             "The key authorization at %s does not match.", url);
                        break;
                }
                r = 1;
                break;
        }
        free(body);
        return r == -EPROTO ? 0 : r;
}

const challenge_type challenge_http01 = {
        .name = "http-01",
        .id_mask = ACME_ID_MASK(ACME_ID_DNS) | ACME_ID_MASK(ACME_ID_IP),
        .wildcard_ok = false,
        .sync = false,
        .validate = http01_validate,
};
