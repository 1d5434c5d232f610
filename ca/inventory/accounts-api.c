/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin API's accounts and device tags (admin-api.h): JSON in and out,
 * over the admin client certificate, as the device routes.
 */
#include <inttypes.h>

#include "accounts.h"
#include "admin-api.h"
#include "log.h"

#define ACCOUNTS_JSON_MAX (16 * 1024)

static store *the_store;
static const ca_config *the_cfg;

static http_response *db_error(int r, const char *what) {
        if (r == -EBUSY)
                return http_response_error(503, "database busy, retry");
        log_error_errno(r, "Admin API: failed to %s: %m", what);
        return http_response_error(500, "internal error");
}

/* A JSON array of at most max strings into v (borrowed from the object);
 * a missing member gives none. -EINVAL otherwise. */
static int string_array(json_object *o, const char *key, size_t max, const char **v, size_t *ret_n) {
        json_object *arr = NULL;
        size_t n;

        if (json_get_array_opt(o, key, &arr) < 0)
                return -EINVAL;
        *ret_n = 0;
        if (!arr)
                return 0;
        n = json_object_array_length(arr);
        if (n > max)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(arr, i);
                if (!json_object_is_type(e, json_type_string))
                        return -EINVAL;
                v[i] = json_object_get_string(e);
        }
        *ret_n = n;
        return 0;
}

static http_response *account_response(unsigned status, const account *a, int revoked) {
        _cleanup_json_ json_object *o = NULL;

        if (account_to_json(a, &o) < 0)
                return NULL;
        if (revoked >= 0 && json_add_int64(o, "revoked_certificates", revoked) < 0)
                return NULL;
        return http_response_json(status, o, NULL);
}

static http_response *handle_list(const http_request *req, void *userdata) {
        _cleanup_json_ json_object *o = json_object_new_object(), *arr = json_object_new_array();
        http_response *resp = NULL;
        account *v = NULL;
        size_t n = 0;
        int r;

        if (!admin_ok(req, &resp))
                return resp;
        if (!o || !arr)
                return NULL;
        r = accounts_list(the_store, &v, &n);
        if (r < 0)
                return db_error(r, "list accounts");
        for (size_t i = 0; i < n; i++) {
                json_object *a = NULL;
                if (r >= 0 && (r = account_to_json(&v[i], &a)) >= 0 && json_object_array_add(arr, a) < 0) {
                        json_object_put(a);
                        r = -ENOMEM;
                }
                account_done(&v[i]);
        }
        free(v);
        if (r < 0 || json_add_object(o, "accounts", TAKE_PTR(arr)) < 0)
                return NULL;
        return http_response_json(200, o, NULL);
}

static http_response *handle_add(const http_request *req, void *userdata) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_(account_done) account a = {};
        _cleanup_free_ char *why = NULL, *location = NULL;
        const char *name = NULL, *sub = NULL, *lifetime = NULL, *key = NULL, *devices_all = NULL;
        const char *sans[ACCOUNT_MAX_SANS], *devices[ACCOUNT_MAX_TAGS];
        size_t n_sans = 0, n_devices = 0;
        http_response *resp = NULL;
        char buf[64];
        const char *ct;
        int r;

        if (!admin_ok(req, &resp))
                return resp;
        ct = http_request_content_type(req, buf, sizeof(buf));
        if (!ct || !streq(ct, "application/json"))
                return http_response_error(415, "Content-Type must be application/json");
        if (json_parse_object((const char *) req->body, req->body_len, ACCOUNTS_JSON_MAX, &o) < 0)
                return http_response_error(400, "malformed JSON: a JSON object is required");
        json_object_object_foreach(o, k, val) {
                (void) val;
                if (!streq(k, "name") && !streq(k, "sub") && !streq(k, "sans") && !streq(k, "lifetime") &&
                    !streq(k, "key") && !streq(k, "devices"))
                        return http_response_error(400, "unknown member in the account object");
        }
        if (json_get_string_opt(o, "name", &name) < 0 || json_get_string_opt(o, "sub", &sub) < 0 ||
            json_get_string_opt(o, "lifetime", &lifetime) < 0 || json_get_string_opt(o, "key", &key) < 0)
                return http_response_error(400, "name, sub, lifetime and key must be strings");
        if (!name)
                return http_response_error(400, "the account needs a \"name\"");
        if (string_array(o, "sans", ACCOUNT_MAX_SANS, sans, &n_sans) < 0)
                return http_response_error(400, "\"sans\" must be an array of at most 16 strings");
        if (json_get_string_opt(o, "devices", &devices_all) >= 0 && devices_all) {
                devices[0] = devices_all;
                n_devices = 1;
        } else if (string_array(o, "devices", ACCOUNT_MAX_TAGS, devices, &n_devices) < 0)
                return http_response_error(400, "\"devices\" must be \"all\" or an array of at most 16 \"tag:TAG\"");

        r = account_build(name, sub, (char *const *) sans, n_sans, lifetime, key, (char *const *) devices, n_devices,
                          the_cfg, &a, &why);
        if (r == -EINVAL)
                return http_response_error(400, why ?: "invalid account");
        if (r < 0)
                return NULL;
        r = accounts_add(the_store, &a, &why);
        if (r == -EEXIST)
                return http_response_error(409, "an account of this name already exists");
        if (r == -EINVAL)
                return http_response_error(400, why ?: "invalid account");
        if (r < 0)
                return db_error(r, "add an account");
        log_info("Admin API: added account \"%s\".", name);
        account_done(&a);
        r = accounts_get(the_store, name, &a);
        if (r < 0)
                return db_error(r, "read an account");
        resp = account_response(201, &a, -1);
        if (resp && (asprintf(&location, "/admin/accounts/%s", a.name) < 0 ||
                     http_response_add_header(resp, "Location", location) < 0)) {
                http_response_free(resp);
                return NULL;
        }
        return resp;
}

static http_response *handle_account(const http_request *req, void *userdata) {
        _cleanup_(account_done) account a = {};
        http_response *resp = NULL;
        const char *name = req->route_rest;
        int r;

        if (!admin_ok(req, &resp))
                return resp;
        if (!account_name_is_valid(name))
                return http_response_error(404, "no such account");
        r = accounts_get(the_store, name, &a);
        if (r == -ENOENT)
                return http_response_error(404, "no such account");
        if (r < 0)
                return db_error(r, "read an account");
        if (streq(req->method, "GET"))
                return account_response(200, &a, -1);
        if (streq(req->method, "DELETE")) {
                r = accounts_remove(the_store, name);
                if (r == -ENOENT)
                        return http_response_error(404, "no such account");
                if (r < 0)
                        return db_error(r, "remove an account");
                log_info("Admin API: removed account \"%s\", %d certificate(s) revoked.", name, r);
                return account_response(200, &a, r);
        }
        resp = http_response_error(405, "method not allowed");
        if (resp)
                (void) http_response_add_header(resp, "Allow", "GET, DELETE");
        return resp;
}

http_response *accounts_api_device_tags(const http_request *req, store *st, int64_t device_id) {
        _cleanup_json_ json_object *o = NULL, *out = NULL;
        const char *add[ACCOUNT_MAX_TAGS], *del[ACCOUNT_MAX_TAGS];
        size_t n_add = 0, n_del = 0;
        char **tags = NULL;
        size_t n_tags = 0;
        json_object *arr;
        int r, revoked = 0;

        if (!streq(req->method, "POST")) {
                http_response *resp = http_response_error(405, "method not allowed");
                if (resp)
                        (void) http_response_add_header(resp, "Allow", "POST");
                return resp;
        }
        if (json_parse_object((const char *) req->body, req->body_len, ACCOUNTS_JSON_MAX, &o) < 0)
                return http_response_error(400, "malformed JSON: a JSON object is required");
        json_object_object_foreach(o, k, val) {
                (void) val;
                if (!streq(k, "add") && !streq(k, "remove"))
                        return http_response_error(400, "unknown member (want \"add\" and/or \"remove\")");
        }
        if (string_array(o, "add", ACCOUNT_MAX_TAGS, add, &n_add) < 0 ||
            string_array(o, "remove", ACCOUNT_MAX_TAGS, del, &n_del) < 0)
                return http_response_error(400, "\"add\" and \"remove\" must be arrays of at most 16 tags");
        for (size_t i = 0; i < n_add; i++)
                if (!account_tag_is_valid(add[i]))
                        return http_response_error(400, "invalid tag (want [A-Za-z0-9][A-Za-z0-9_.-]*, at most 63 bytes)");
        for (size_t i = 0; i < n_del; i++)
                if (!account_tag_is_valid(del[i]))
                        return http_response_error(400, "invalid tag (want [A-Za-z0-9][A-Za-z0-9_.-]*, at most 63 bytes)");
        r = store_begin(st);
        if (r < 0)
                return db_error(r, "change tags");
        if (n_add > 0)
                r = device_tags_change(st, device_id, true, (char *const *) add, n_add);
        if (r >= 0 && n_del > 0 && (r = device_tags_change(st, device_id, false, (char *const *) del, n_del)) >= 0)
                revoked = r;
        if (r >= 0)
                r = store_commit(st);
        else
                (void) store_rollback(st);
        if (r == -ENOENT)
                return http_response_error(404, "no such device");
        if (r == -E2BIG)
                return http_response_error(400, "a device carries at most 16 tags");
        if (r < 0)
                return db_error(r, "change tags");
        r = device_tags_get(st, device_id, &tags, &n_tags);
        if (r < 0)
                return db_error(r, "read tags");
        out = json_object_new_object();
        arr = json_object_new_array();
        for (size_t i = 0; i < n_tags; i++) {
                if (arr)
                        (void) json_object_array_add(arr, json_object_new_string(tags[i]));
                free(tags[i]);
        }
        free(tags);
        if (!out || !arr || json_add_object(out, "tags", arr) < 0 ||
            json_add_int64(out, "revoked_certificates", revoked) < 0)
                return NULL;
        log_info("Admin API: changed the tags of device %" PRId64 ", %d account certificate(s) revoked.", device_id,
                 revoked);
        return http_response_json(200, out, NULL);
}

int accounts_api_register(http_server *srv, store *st, const ca_config *cfg) {
        int r;

        the_store = st;
        the_cfg = cfg;
        r = http_server_route(srv, "GET", "/admin/accounts", false, handle_list, NULL);
        if (r >= 0)
                r = http_server_route(srv, "POST", "/admin/accounts", false, handle_add, NULL);
        if (r >= 0)
                r = http_server_route(srv, NULL, "/admin/accounts/", true, handle_account, NULL);
        return r;
}
