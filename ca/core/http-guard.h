/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Deadlines of the CA's connections that a dripping client cannot push
 * back: the inactivity timeout of libmicrohttpd restarts at every byte, so
 * a client sending one byte every few seconds would hold its connection
 * for ever. A guard keeps, for each open connection, when its current
 * request began (the connection's accept, or the end of the request
 * before it on a kept-alive connection) and whether its headers have
 * arrived; a sweeping thread shuts down (shutdown(2), which the event loop
 * then sees as the peer's end) every connection past
 *   - header_timeout without complete headers (TLS handshake included;
 *     also an idle kept-alive connection), or
 *   - request_timeout in all (headers, body, handler and the answer).
 * Knows nothing of HTTP itself: http.c calls it at the right moments.
 */
#pragma once

#include <stdint.h>

#include "macro.h"

typedef struct http_guard http_guard;
typedef struct http_guard_conn http_guard_conn;

/* Starts the sweeping thread. Timeouts in milliseconds, both > 0. */
int http_guard_new(uint64_t header_timeout_ms, uint64_t request_timeout_ms, http_guard **ret);
/* Stops the sweeper. Connections still registered are forgotten, not
 * closed. */
void http_guard_free(http_guard *g);
DEFINE_TRIVIAL_CLEANUP_FUNC(http_guard *, http_guard_free);

/* A new connection on socket fd; NULL when out of memory (the connection
 * then goes unguarded but for the inactivity timeout). */
http_guard_conn *http_guard_add(http_guard *g, int fd);
/* The request's headers have arrived. */
void http_guard_headers_done(http_guard *g, http_guard_conn *c);
/* The request was answered: the next one's clock starts now. */
void http_guard_request_done(http_guard *g, http_guard_conn *c);
/* The connection is being closed (before its socket is): forgets c. */
void http_guard_remove(http_guard *g, http_guard_conn *c);

/* Connections shut down for a deadline since the start (for logs and
 * tests). */
uint64_t http_guard_reaped(http_guard *g);
