/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the HTTP server's route table (http-router.h) with fixed
 * tables: exact routes before prefixes, the longest prefix, methods (405
 * with Allow, 404), body limits by longest prefix, bad registrations.
 */
#include <errno.h>

#include "ca/core/http-router.h"
#include "tests/unit/tap.h"

static http_response *h_a(const http_request *req, void *userdata) {
        return NULL;
}

static http_response *h_b(const http_request *req, void *userdata) {
        return NULL;
}

/* The handler and userdata tag of the route found, "-" for none. */
static const char *found(const http_router *r, const char *method, const char *path, bool *known, char *allow,
                         size_t allow_size) {
        const http_route *rt = http_router_find(r, method, path, known, allow, allow_size);

        return rt ? rt->userdata : "-";
}

static void test_find(void) {
        http_router r = {};
        char allow[64];
        bool known;

        is_ok(http_router_add(&r, "GET", "/health", false, h_a, (void *) "health"), "add exact GET");
        is_ok(http_router_add(&r, "GET", "/admin/devices", false, h_a, (void *) "list"), "add exact GET");
        is_ok(http_router_add(&r, "POST", "/admin/devices", false, h_b, (void *) "add"), "add exact POST");
        is_ok(http_router_add(&r, NULL, "/admin/devices/", true, h_a, (void *) "device"), "add prefix, any method");
        is_ok(http_router_add(&r, NULL, "/acme/", true, h_a, (void *) "acme"), "add prefix");
        is_ok(http_router_add(&r, NULL, "/acme/special/", true, h_b, (void *) "special"), "add longer prefix");
        is_ok(http_router_add(&r, "POST", "/acme/special/exact", false, h_b, (void *) "exact"), "add exact under it");

        is_str(found(&r, "GET", "/health", &known, allow, sizeof(allow)), "health", "exact match");
        is_str(found(&r, "POST", "/admin/devices", &known, allow, sizeof(allow)), "add", "exact match by method");
        is_str(found(&r, "DELETE", "/admin/devices/7", &known, allow, sizeof(allow)), "device",
               "prefix route takes any method");
        is_str(found(&r, "GET", "/acme/p/directory", &known, allow, sizeof(allow)), "acme", "prefix match");
        is_str(found(&r, "GET", "/acme/special/x", &known, allow, sizeof(allow)), "special", "longest prefix wins");
        is_str(found(&r, "POST", "/acme/special/exact", &known, allow, sizeof(allow)), "exact",
               "exact route wins over prefixes");
        is_str(found(&r, "GET", "/acme/special/exact", &known, allow, sizeof(allow)), "special",
               "under another method the prefix takes it");

        is_str(found(&r, "DELETE", "/admin/devices", &known, allow, sizeof(allow)), "-", "no route for DELETE");
        ok(known, "but the path is known (405)");
        is_str(allow, "GET, POST", "Allow lists its methods");
        is_str(found(&r, "POST", "/health", &known, allow, sizeof(allow)), "-", "no POST /health");
        is_str(allow, "GET", "Allow: GET");
        is_str(found(&r, "GET", "/nowhere", &known, allow, sizeof(allow)), "-", "unknown path");
        ok(!known, "is not known (404)");
        is_str(allow, "", "Allow empty");
        is_str(found(&r, "GET", "/healthz", &known, allow, sizeof(allow)), "-", "an exact route is not a prefix");
        {
                char small[7];

                is_str(found(&r, "DELETE", "/admin/devices", &known, small, sizeof(small)), "-", "no route");
                is_str(small, "GET", "Allow is cut to fit, whole methods only");
        }
        http_router_done(&r);
        ok(r.n_routes == 0 && !r.routes, "done clears the table");
}

static void test_limits(void) {
        http_router r = {};

        is_int(http_router_body_limit(&r, "/admin/devices/import", 64), 64, "no limits: the default");
        is_ok(http_router_set_body_limit(&r, "/admin/", 1000), "limit for a prefix");
        is_ok(http_router_set_body_limit(&r, "/admin/devices/import", 4000), "limit for a longer prefix");
        is_int(http_router_body_limit(&r, "/admin/devices/import", 64), 4000, "longest prefix wins");
        is_int(http_router_body_limit(&r, "/admin/devices", 64), 1000, "shorter prefix");
        is_int(http_router_body_limit(&r, "/acme/x", 64), 64, "no match: the default");
        is_err(http_router_set_body_limit(&r, "admin", 10), -EINVAL, "a limit's prefix starts with /");
        is_err(http_router_set_body_limit(&r, "/x", 0), -EINVAL, "a limit is not 0");
        is_err(http_router_add(&r, "GET", "relative", false, h_a, NULL), -EINVAL, "a route's path starts with /");
        is_err(http_router_add(&r, "GET", "/x", false, NULL, NULL), -EINVAL, "a route needs a handler");
        http_router_done(&r);
}

int main(void) {
        test_find();
        test_limits();
        return tap_done();
}
