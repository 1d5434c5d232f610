/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The route table of the HTTP server (http-router.h).
 */
#include "http-router.h"
#include "macro.h"

void http_router_done(http_router *r) {
        for (size_t i = 0; i < r->n_routes; i++) {
                free(r->routes[i].method);
                free(r->routes[i].path);
        }
        free(r->routes);
        for (size_t i = 0; i < r->n_limits; i++)
                free(r->limits[i].prefix);
        free(r->limits);
        *r = (http_router) {};
}

int http_router_add(http_router *r, const char *method, const char *path, bool prefix, http_handler handler,
                    void *userdata) {
        http_route *n;

        if (!path || path[0] != '/' || !handler)
                return -EINVAL;
        n = realloc(r->routes, (r->n_routes + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        r->routes = n;
        n = &r->routes[r->n_routes];
        *n = (http_route) { .prefix = prefix, .handler = handler, .userdata = userdata };
        n->path = strdup(path);
        n->method = method ? strdup(method) : NULL;
        if (!n->path || (method && !n->method)) {
                free(n->path);
                free(n->method);
                return -ENOMEM;
        }
        r->n_routes++;
        return 0;
}

int http_router_set_body_limit(http_router *r, const char *prefix, size_t max_body) {
        http_body_limit *l;

        if (!prefix || prefix[0] != '/' || max_body == 0)
                return -EINVAL;
        l = realloc(r->limits, (r->n_limits + 1) * sizeof(*l));
        if (!l)
                return -ENOMEM;
        r->limits = l;
        l[r->n_limits].prefix = strdup(prefix);
        if (!l[r->n_limits].prefix)
                return -ENOMEM;
        l[r->n_limits++].max = max_body;
        return 0;
}

size_t http_router_body_limit(const http_router *r, const char *path, size_t default_max) {
        size_t best = 0, max = default_max;

        for (size_t i = 0; i < r->n_limits; i++) {
                size_t n = strlen(r->limits[i].prefix);
                if (n > best && strncmp(path, r->limits[i].prefix, n) == 0) {
                        best = n;
                        max = r->limits[i].max;
                }
        }
        return max;
}

const http_route *http_router_find(const http_router *r, const char *method, const char *path, bool *ret_path_known,
                                   char *allow, size_t allow_size) {
        const http_route *best = NULL;
        size_t best_len = 0;
        bool best_exact = false;

        *ret_path_known = false;
        allow[0] = '\0';
        for (size_t i = 0; i < r->n_routes; i++) {
                const http_route *rt = &r->routes[i];
                size_t len = strlen(rt->path);
                bool match = rt->prefix ? strncmp(path, rt->path, len) == 0 : streq(path, rt->path);

                if (!match)
                        continue;
                if (rt->method && !streq(rt->method, method)) {
                        *ret_path_known = true;
                        if (strlen(allow) + strlen(rt->method) + 3 < allow_size) {
                                if (allow[0])
                                        strcat(allow, ", ");
                                strcat(allow, rt->method);
                        }
                        continue;
                }
                if (!rt->prefix) {
                        if (!best_exact) {
                                best = rt;
                                best_exact = true;
                        }
                        continue;
                }
                if (!best_exact && len > best_len) {
                        best = rt;
                        best_len = len;
                }
        }
        return best;
}
