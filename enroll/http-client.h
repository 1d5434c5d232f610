/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's HTTPS client: the only part of the agent that calls libcurl.
 * One request per call, no state kept between calls, no redirects
 * followed, HTTPS only unless the caller allows plain HTTP explicitly.
 * The server is verified against trust anchors given in memory (PEM) or,
 * when none are given, the system store. Every transfer has a connect and
 * a total timeout, and the response body is capped: a server cannot make
 * the agent hang or grow without bound. Proxies named by the usual
 * environment variables (https_proxy, no_proxy) are honoured, as curl does.
 *
 * Used by the Attestation CA client (attest-client.c) and meant for the
 * ACME and /1.0/sign clients as well.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

#define HTTP_CLIENT_MAX_BODY_DEFAULT (256u * 1024u)
#define HTTP_CLIENT_CONNECT_TIMEOUT_DEFAULT 10 /* seconds */
#define HTTP_CLIENT_TIMEOUT_DEFAULT 60         /* seconds, whole transfer */
/* Size of the buffer that receives an error text (curl's or ours). */
#define HTTP_CLIENT_ERROR_MAX 256

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
        /* Permit http:// URLs. Never set this for anything but tests. */
        bool allow_http;
        /* Timeouts in seconds and the body cap in bytes; 0: the defaults. */
        unsigned connect_timeout_sec;
        unsigned timeout_sec;
        size_t max_body;
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

/* Performs one request. Any HTTP status counts as success here (the
 * caller decides what a 4xx means); *ret is then the response, owned by
 * the caller. On failure *ret is untouched and the return value says why:
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
 *   -ENOMEM, -EIO     anything else.
 * error (may be NULL; HTTP_CLIENT_ERROR_MAX bytes) receives curl's own
 * text (or ours) on failure, "" on success; it is also logged at debug. */
int http_client_perform(const http_client_request *req, http_client_response **ret, char *error);
