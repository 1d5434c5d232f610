/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP server's route table (http.c keeps one): which handler a
 * (method, path) goes to, what to answer when none does (404, or 405 with
 * the methods that path takes), and the body limit of a path. Pure: no
 * I/O, no locking (filled before the server starts, read-only after).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct http_request http_request;   /* http.h */
typedef struct http_response http_response; /* http-response.h */

/* Handlers return a response they created (ownership passes to the server)
 * or NULL, which is answered with 500. */
typedef http_response *(*http_handler)(const http_request *req, void *userdata);

typedef struct http_route {
        char *method; /* NULL: any */
        char *path;
        bool prefix;
        http_handler handler;
        void *userdata;
} http_route;

typedef struct http_body_limit {
        char *prefix;
        size_t max;
} http_body_limit;

typedef struct http_router {
        http_route *routes;
        size_t n_routes;
        http_body_limit *limits;
        size_t n_limits;
} http_router;

/* Frees what the table holds and clears it. */
void http_router_done(http_router *r);

/* As http_server_route() and http_server_set_body_limit(). 0, -EINVAL or
 * -ENOMEM. */
int http_router_add(http_router *r, const char *method, const char *path, bool prefix, http_handler handler,
                    void *userdata);
int http_router_set_body_limit(http_router *r, const char *prefix, size_t max_body);

/* The route for (method, path): an exact route first, else the longest
 * matching prefix; NULL if none. Then *ret_path_known says whether some
 * route takes the path under another method (405 rather than 404), and
 * allow lists those methods ("GET, DELETE"; cut to fit allow_size). */
const http_route *http_router_find(const http_router *r, const char *method, const char *path, bool *ret_path_known,
                                   char *allow, size_t allow_size);

/* The body limit for path: that of the longest matching prefix, else
 * default_max. */
size_t http_router_body_limit(const http_router *r, const char *path, size_t default_max);
