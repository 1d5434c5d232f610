/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin API's accounts (accounts-api.h).
 */
#include <inttypes.h>

#include "accounts-api.h"
#include "accounts.h"
#include "ca/auth/admin-auth.h"
#include "ca/core/audit.h"
#include "log.h"

#define ACCOUNTS_JSON_MAX (16 * 1024)

static store *the_store;
static const ca_config *the_cfg;

/* Ends a change begun with store_begin(): with r >= 0 records the audit
 * entry and commits both, else rolls back. r or the error. */
static int finish_change(int r, const audit_actor *who, const char *action, const char *name, int revoked) {
        _cleanup_json_ json_object *detail = NULL;
        char target[96];
        int k;

        if (r < 0) {
                (void) store_rollback(the_store);
                return r;
        }
        detail = json_object_new_object();
        k = detail ? 0 : -ENOMEM;
        if (k >= 0 && revoked >= 0)
                k = json_add_int64(detail, "revoked_certificates", revoked);
        snprintf(target, sizeof(target), "account %s", name);
        if (k >= 0)
                k = audit_record(the_store, who, action, target, detail);
        if (k < 0) {
                (void) store_rollback(the_store);
                return k;
        }
        k = store_commit(the_store);
        return k < 0 ? k : r;
}

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
        audit_actor who;
        account *v = NULL;
        size_t n = 0;
        int r;

        if (!admin_authorize(req, &who, NULL, &resp))
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
        audit_actor who;
        char buf[64];
        const char *ct;
        int r;

        if (!admin_authorize(req, &who, NULL, &resp))
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
        r = store_begin(the_store);
        if (r < 0)
                return db_error(r, "add an account");
        r = accounts_add(the_store, &a, &why);
        r = finish_change(r, &who, "account.add", name, -1);
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
        audit_actor who;
        int r;

        if (!admin_authorize(req, &who, NULL, &resp))
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
                int revoked;

                r = store_begin(the_store);
                if (r < 0)
                        return db_error(r, "remove an account");
                r = revoked = accounts_remove(the_store, name);
                r = finish_change(r, &who, "account.remove", name, revoked);
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
