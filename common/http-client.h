/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deviceid's HTTP client: the only code that calls libcurl, used by the
 * agent's Attestation CA, ACME and /1.0/sign clients and by the CA's
 * http-01 validator. One request per call, no state kept between calls,
 * HTTPS only unless the caller allows plain HTTP explicitly, redirects
 * followed only when the caller asks, by hand, each target checked. The
 * server is verified against trust anchors given in memory (PEM) or, when
 * none are given, the system store. Every transfer has a connect and a
 * total timeout, and the response body is capped: a server cannot make
 * the caller hang or grow without bound. Proxies named by the usual
 * environment variables (https_proxy, no_proxy) are honoured, as curl
 * does, unless the caller turns them off.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

#define HTTP_CLIENT_MAX_BODY_DEFAULT (256u * 1024u)
#define HTTP_CLIENT_CONNECT_TIMEOUT_DEFAULT 10 /* seconds */
#define HTTP_CLIENT_TIMEOUT_DEFAULT 60         /* seconds, whole transfer */
/* Size of the buffer that receives an error text (curl's or ours). */
#define HTTP_CLIENT_ERROR_MAX 256

/* A redirect target, as the redirect_ok callback sees it. */
typedef struct http_client_target {
        const char *url;    /* absolute */
        const char *scheme; /* "http" or "https" */
        const char *host;
        unsigned port;      /* the scheme's default when the URL names none */
} http_client_target;

typedef struct http_client_request {
        /* "GET", "POST" or "HEAD"; NULL means POST if body is set, else GET. */
        const char *method;
        const char *url;
        /* Request body (POST only) and its media type (NULL:
         * "application/json"). The body is not copied: it must live until
         * the call returns, and the caller may erase it afterwards. */
        const void *body;
        size_t body_len;
        const char *content_type;
        /* Extra request headers as "Name: value" strings, NULL-terminated
         * (may be NULL). A header holding CR or LF is refused (-EINVAL). */
        const char *const *headers;
        /* Names of response headers to hand back (case-insensitive),
         * NULL-terminated (may be NULL). Content-Type is always returned. */
        const char *const *capture;
        /* PEM trust anchors for the server certificate, used instead of
         * (not in addition to) the system store; NULL: the system store. */
        const char *root_pem;
        /* Permit http:// URLs. The agent never sets this but in tests; the
         * CA's http-01 validator must (RFC 8555 section 8.3). */
        bool allow_http;
        /* Do not verify the server's certificate. Only for the http-01
         * validator following a redirect to https, where the key
         * authorization, not the certificate, proves control (as Let's
         * Encrypt does). */
        bool skip_verify;
        /* Ignore the proxy environment variables. */
        bool no_proxy;
        /* User-Agent; NULL: "deviceid/VERSION". */
        const char *user_agent;
        /* Timeouts in seconds, per request (each redirect gets its own),
         * and the body cap in bytes; 0: the defaults. */
        unsigned connect_timeout_sec;
        unsigned timeout_sec;
        size_t max_body;
        /* Redirects (3xx with a Location) to follow, at most; 0: none, the
         * 3xx is the response. Each target must pass the scheme rule above
         * and redirect_ok (if not NULL) with redirect_userdata. The body
         * is not sent again: redirects are for GET and HEAD. */
        unsigned max_redirects;
        bool (*redirect_ok)(const http_client_target *target, void *userdata);
        void *redirect_userdata;
        /* Set to true (by another thread) to abort the transfer soon. */
        const atomic_bool *cancel;
} http_client_request;

typedef struct http_client_header {
        char *name;  /* as the caller spelt it in `capture` */
        char *value; /* leading and trailing blanks removed */
} http_client_header;

typedef struct http_client_response {
        long status;        /* 100..599 */
        char *content_type; /* NULL if the server sent none */
        char *body;         /* never NULL; NUL-terminated, the NUL not counted */
        size_t body_len;
        http_client_header *headers; /* captured headers that were present */
        size_t n_headers;
} http_client_response;

void http_client_response_free(http_client_response *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(http_client_response *, http_client_response_free);

/* The value of a captured response header (case-insensitive name), or
 * NULL if absent or not captured. Borrowed from r. */
const char *http_client_response_header(const http_client_response *r, const char *name);

/* True if the media type of a Content-Type value is `type` (compared
 * case-insensitively, parameters such as "; charset=utf-8" ignored).
 * NULL is never a match. Pure. */
bool http_client_media_type_is(const char *content_type, const char *type);

/* libcurl's global initialisation, once per process (also done by the
 * first http_client_perform()): call it before starting threads that
 * make requests. 0 or -EIO. */
int http_client_global_init(void);

/* Performs one request (and the redirects the request allows). Any HTTP
 * status counts as success here (the caller decides what a 4xx means);
 * *ret is then the response, owned by the caller. On failure *ret is
 * untouched and the return value says why:
 *   -EINVAL           bad request fields, malformed URL, root_pem holding
 *                     no usable certificate;
 *   -EPROTONOSUPPORT  scheme other than https (or http when allowed);
 *   -ENXIO            host name does not resolve;
 *   -ECONNREFUSED, -EHOSTUNREACH, -ENETUNREACH  no TCP connection;
 *   -ETIMEDOUT        connect or total timeout expired;
 *   -EKEYREJECTED     the server certificate does not verify (trust
 *                     anchors, host name);
 *   -EPROTO           TLS handshake or HTTP protocol failure;
 *   -ECONNRESET       connection broken, or closed without a response;
 *   -EBADMSG          malformed HTTP response;
 *   -EMSGSIZE         response body larger than the cap;
 *   -ELOOP            more redirects than max_redirects;
 *   -EPERM            a redirect target refused (scheme, redirect_ok);
 *   -ECANCELED        *cancel became true;
 *   -ENOMEM, -EIO     anything else.
 * error (may be NULL; HTTP_CLIENT_ERROR_MAX bytes) receives curl's own
 * text (or ours) on failure, "" on success; it is also logged at debug. */
int http_client_perform(const http_client_request *req, http_client_response **ret, char *error);
