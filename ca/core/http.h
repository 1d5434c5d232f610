/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CA's HTTPS front end over libmicrohttpd: a TLS listener (GnuTLS
 * inside MHD), a router keyed on method + exact path or path prefix, and
 * small request/response types so that handlers are plain synchronous
 * functions: they read an http_request and return an http_response.
 *
 * Threading: a few event-loop threads (epoll) read and write every
 * connection; handlers run on a fixed pool of worker threads (the
 * connection waits, suspended, meanwhile), so a handler may block (a
 * database write, a signature) without holding up other clients as long
 * as workers are free, and must be thread-safe. Connections are capped in
 * all and per client address, and deadlines that no dripping client can
 * push back close a connection whose TLS handshake and headers take too
 * long, and a request that takes too long in all (http-guard.h). Bodies are read completely before the handler runs and
 * are capped (http_server_config.max_body, default HTTP_MAX_BODY_DEFAULT):
 * a larger body gets 413 without the handler ever seeing it.  The 413 comes
 * before the body when the client asked for 100 Continue or announced more
 * than 1 MiB, and after the (discarded) body otherwise, so that an ordinary
 * client reads the answer instead of a reset connection. A route may raise
 * its limit (http_server_set_body_limit()); a body past the default one
 * then holds one of HTTP_LARGE_BODIES slots until its request completes,
 * and without a free slot it is read, dropped and answered 503: body
 * memory stays under max_connections x HTTP_MAX_BODY_DEFAULT plus
 * HTTP_LARGE_BODIES x the largest raised limit.
 *
 * A 503 answer (a service busy or its database unreachable) always carries
 * Retry-After: the handler's, or a default of a few seconds.
 *
 * Shutdown: http_server_run() returns on SIGTERM/SIGINT after it stopped
 * accepting, let every request already being handled finish and send its
 * response, and ran the shutdown hooks (last registered first).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http-response.h"
#include "http-router.h"
#include "macro.h"

#define HTTP_MAX_BODY_DEFAULT (64 * 1024)
/* Requests at a time whose body is over HTTP_MAX_BODY_DEFAULT (on a route
 * with a raised limit, http_server_set_body_limit()); more get 503. */
#define HTTP_LARGE_BODIES 16

typedef struct http_server http_server;

/* One request, valid only during the handler call. All strings are
 * NUL-terminated and borrowed. */
typedef struct http_request {
        const char *method;        /* "GET", "POST", "HEAD", ... */
        const char *path;          /* URL path without the query string */
        const char *route_rest;    /* prefix routes: the part of path after
                                    * the registered prefix ("" if none);
                                    * exact routes: "" */
        const uint8_t *body;       /* NUL-terminated for convenience; len excludes it */
        size_t body_len;
        /* TLS client certificate chain as sent by the peer (leaf first),
         * DER; n_client_certs == 0 if the client sent none. NOT verified:
         * a handler that authenticates by it must verify it itself
         * (http_request_client_chain() gives OpenSSL objects). */
        size_t n_client_certs;
        const uint8_t *const *client_cert_der;
        const size_t *client_cert_len;
        const char *remote_addr;   /* textual peer address, no port */
        void *_priv;               /* internal */
} http_request;

/* Value of a request header, case-insensitive name; NULL if absent. */
const char *http_request_header(const http_request *req, const char *name);
/* Value of a query-string argument; NULL if absent. */
const char *http_request_query(const http_request *req, const char *name);
/* The media type of Content-Type without parameters, lower-cased into buf
 * (e.g. "application/jose+json"); NULL if absent or longer than size-1. */
const char *http_request_content_type(const http_request *req, char *buf, size_t size);

typedef struct http_server_config {
        const char *listen;      /* "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" (all addresses) */
        /* TLS server chain, PEM (leaf first), and key; both NULL: a plain
         * HTTP server (no client certificates then), e.g. for CRLs and OCSP,
         * which relying parties fetch without TLS. */
        const char *cert_pem;
        const char *key_pem;
        /* PEM roots to request client certificates for; NULL: the server
         * never asks for one. A client without a certificate is still
         * accepted (the admin API refuses it, ACME does not care). */
        const char *client_ca_pem;
        size_t max_body;         /* 0: HTTP_MAX_BODY_DEFAULT */
        /* Event-loop threads; 0: HTTP_IO_THREADS_DEFAULT. */
        unsigned io_threads;
        /* Worker threads that run the handlers (each keeps its database
         * connection); 0: HTTP_WORKERS_DEFAULT. */
        unsigned workers;
        /* Connections in all and per client address; 0: the defaults. */
        unsigned max_connections, connections_per_address;
        /* Deadlines in milliseconds (0: the defaults): TLS handshake and
         * request headers, counted from the accept or, on a kept-alive
         * connection, from the end of the request before (so it is also
         * how long an idle connection is kept); and a request in all. */
        uint64_t header_timeout_ms, request_timeout_ms;
} http_server_config;

#define HTTP_IO_THREADS_DEFAULT 2
#define HTTP_WORKERS_DEFAULT 8
#define HTTP_MAX_CONNECTIONS_DEFAULT 512
#define HTTP_CONNECTIONS_PER_ADDRESS_DEFAULT 64
#define HTTP_HEADER_TIMEOUT_MS_DEFAULT (5 * 1000)
#define HTTP_REQUEST_TIMEOUT_MS_DEFAULT (30 * 1000)

/* Creates a server (not yet listening). The config strings are copied.
 * Returns 0 or -errno. */
int http_server_new(const http_server_config *cfg, http_server **ret);
void http_server_free(http_server *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(http_server *, http_server_free);

/* Registers a handler. method NULL matches any method (the handler then
 * answers 405 itself where needed). With prefix=false the path must match
 * exactly; with prefix=true every path starting with `path` matches and the
 * remainder is in req->route_rest. Exact routes win over prefixes, longer
 * prefixes over shorter ones. A path matched only under other methods gets
 * 405 with Allow; no match gets 404. Must be called before
 * http_server_start(). Returns 0 or -errno. */
int http_server_route(http_server *s, const char *method, const char *path, bool prefix,
                      http_handler handler, void *userdata);

/* True if a request for method and path would reach a handler (what the
 * web console asks to find out which optional APIs this server has). */
bool http_server_has_route(const http_server *s, const char *method, const char *path);

/* Raises (or lowers) the body limit for paths starting with prefix, e.g.
 * a bulk import endpoint; the longest matching prefix wins. Returns 0 or
 * -errno. */
int http_server_set_body_limit(http_server *s, const char *prefix, size_t max_body);

/* The 413 for a body over the limit under prefix: body as content_type
 * (e.g. a problem document), instead of the default error shape. One
 * prefix; a later call replaces it. Before http_server_start(). 0 or
 * -errno. */
int http_server_set_too_large(http_server *s, const char *prefix, const char *content_type, const char *body);

/* Runs fn(userdata) once when the server stops, after the last in-flight
 * request completed (e.g. to stop background validation threads), or,
 * for a server that never ran, when it is freed. Hooks run
 * last-registered first. Returns 0 or -ENOMEM. */
int http_server_add_shutdown_hook(http_server *s, void (*fn)(void *userdata), void *userdata);

/* Blocks SIGTERM and SIGINT in the calling thread (so every thread created
 * from now on inherits that and only http_server_run() sees them), binds
 * and starts serving in background threads. Returns 0 or -errno
 * (-EADDRINUSE, -EINVAL for a bad listen address or TLS material). */
int http_server_start(http_server *s);
/* The port actually bound (useful with port 0), after start. */
unsigned http_server_port(const http_server *s);

/* Sends sd_notify READY=1, waits for SIGTERM or SIGINT (or
 * http_server_stop()), then stops gracefully as described above and sends
 * STOPPING=1. Returns 0 or -errno. Call from the thread that called
 * http_server_start(). */
int http_server_run(http_server *s);
/* Stops gracefully from any thread (what http_server_run does on SIGTERM). */
void http_server_stop(http_server *s);
/* For a second server that is started but never run (another server's
 * http_server_run() owns the signals): stops accepting, lets in-flight
 * requests finish, runs its shutdown hooks, stops. Call from a shutdown
 * hook of the server that runs. Idempotent. */
void http_server_shutdown(http_server *s);

/* Parses the client chain of req into OpenSSL objects (leaf first);
 * -ENOENT if the client sent no certificate. Declared here so that
 * handlers need no GnuTLS. */
#include <openssl/x509.h>
int http_request_client_chain(const http_request *req, STACK_OF(X509) **ret);
