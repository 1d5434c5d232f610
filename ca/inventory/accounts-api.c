/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin API's accounts (accounts-api.h).
 */
#include <inttypes.h>
#include <string.h>

#include "accounts-api.h"
#include "accounts.h"
#include "ca/auth/admin-auth.h"
#include "ca/core/audit.h"
#include "ca/core/query.h"
#include "log.h"

#define ACCOUNTS_JSON_MAX (16 * 1024)
#define ACCOUNTS_PAGE_MAX 500

static store *the_store;
static const ca_config *the_cfg;

/* Ends a change begun with store_begin(): with r >= 0 records the audit
 * entry and commits both, else rolls back. r or the error. */
static int finish_change(int r, const audit_actor *who, const char *action, const char *name, int revoked) {
        _cleanup_json_ json_object *detail = NULL;
        char target[96];

        detail = r >= 0 ? json_object_new_object() : NULL;
        if (r >= 0 && (!detail || (revoked >= 0 && json_add_int64(detail, "revoked_certificates", revoked) < 0)))
                r = -ENOMEM;
        snprintf(target, sizeof(target), "account %s", name);
        return audit_finish(the_store, r, who, action, target, detail);
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

/* {"status", "message", "field"}: the error shape of every route, with
 * the member of the account object it is about when known, so a form can
 * show it next to that field. */
static http_response *error_at(unsigned status, const char *message, const char *field) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!field)
                return http_response_error(status, message);
        if (!o || json_add_int64(o, "status", status) < 0 || json_add_string(o, "message", message) < 0 ||
            json_add_string(o, "field", field) < 0)
                return NULL;
        return http_response_json(status, o, NULL);
}

static http_response *account_response(unsigned status, const account *a, int revoked) {
        _cleanup_json_ json_object *o = NULL;

        if (account_to_json(a, &o) < 0)
                return NULL;
        if (revoked >= 0 && json_add_int64(o, "revoked_certificates", revoked) < 0)
                return NULL;
        return http_response_json(status, o, NULL);
}

/* The request's JSON object, or NULL with the refusal in *resp. */
static json_object *request_object(const http_request *req, http_response **resp) {
        json_object *o = NULL;
        char buf[64];
        const char *ct;

        ct = http_request_content_type(req, buf, sizeof(buf));
        if (!ct || !streq(ct, "application/json")) {
                *resp = http_response_error(415, "Content-Type must be application/json");
                return NULL;
        }
        if (json_parse_object((const char *) req->body, req->body_len, ACCOUNTS_JSON_MAX, &o) < 0) {
                *resp = http_response_error(400, "malformed JSON: a JSON object is required");
                return NULL;
        }
        return o;
}

/* An account from its JSON object (as POST /admin/accounts takes it);
 * name, when given, is the account's (from the path) and the object's
 * "name", if any, must be the same. 0; -EINVAL with the reason in
 * *ret_why (malloc'ed) and the member it is about in *ret_field (or
 * NULL); -ENOMEM. */
static int account_from_object(json_object *o, const char *name, account *ret, char **ret_why,
                               const char **ret_field) {
        const char *oname = NULL, *sub = NULL, *lifetime = NULL, *key = NULL, *devices_all = NULL;
        const char *sans[ACCOUNT_MAX_SANS], *devices[ACCOUNT_MAX_TAGS];
        const char *why = NULL, *field = NULL;
        size_t n_sans = 0, n_devices = 0;
        int r;

        *ret_why = NULL;
        *ret_field = NULL;
        json_object_object_foreach(o, k, val) {
                (void) val;
                if (!streq(k, "name") && !streq(k, "sub") && !streq(k, "sans") && !streq(k, "lifetime") &&
                    !streq(k, "key") && !streq(k, "devices") && !streq(k, "created_at"))
                        why = "unknown member in the account object";
        }
        if (!why && (json_get_string_opt(o, "name", &oname) < 0 || json_get_string_opt(o, "sub", &sub) < 0 ||
                     json_get_string_opt(o, "lifetime", &lifetime) < 0 || json_get_string_opt(o, "key", &key) < 0))
                why = "name, sub, lifetime and key must be strings";
        if (!why && name && oname && !streq(name, oname))
                why = "an account cannot be renamed: remove it and add another", field = "name";
        name = name ?: oname;
        if (!why && !name)
                why = "the account needs a \"name\"", field = "name";
        if (!why && string_array(o, "sans", ACCOUNT_MAX_SANS, sans, &n_sans) < 0)
                why = "\"sans\" must be an array of at most 16 strings", field = "sans";
        if (!why && json_get_string_opt(o, "devices", &devices_all) >= 0 && devices_all) {
                devices[0] = devices_all;
                n_devices = 1;
        } else if (!why && string_array(o, "devices", ACCOUNT_MAX_TAGS, devices, &n_devices) < 0)
                why = "\"devices\" must be \"all\" or an array of at most 16 \"tag:TAG\"", field = "devices";
        if (why) {
                *ret_why = strdup(why);
                *ret_field = field;
                return *ret_why ? -EINVAL : -ENOMEM;
        }
        r = account_build(name, sub, (char *const *) sans, n_sans, lifetime, key, (char *const *) devices, n_devices,
                          the_cfg, ret, ret_why);
        if (r == -EINVAL) {
                if (!*ret_why && !(*ret_why = strdup("invalid account")))
                        return -ENOMEM;
                *ret_field = account_why_field(*ret_why);
        }
        return r;
}

static bool matches(const account *a, const char *q) {
        if (!q || !*q)
                return true;
        if (strcasestr(a->name, q) || strcasestr(a->sub, q))
                return true;
        for (size_t i = 0; i < a->n_sans; i++)
                if (strcasestr(a->sans[i], q))
                        return true;
        return false;
}

static http_response *handle_list(const http_request *req, void *userdata) {
        _cleanup_json_ json_object *o = json_object_new_object(), *arr = json_object_new_array();
        const char *q = http_request_query(req, "q"), *limit_s = http_request_query(req, "limit"),
                   *offset_s = http_request_query(req, "offset");
        http_response *resp = NULL;
        uint64_t limit, offset;
        audit_actor who;
        account *v = NULL;
        size_t n = 0, total = 0;
        int r;

        if (!admin_authorize(req, &who, NULL, &resp))
                return resp;
        if (!o || !arr)
                return NULL;
        if (q && strlen(q) > QUERY_SEARCH_MAX)
                return http_response_error(400, "the search text is too long");
        /* No limit: every account (what `account list` shows). */
        if (query_parse_count(limit_s, 0, ACCOUNTS_PAGE_MAX, &limit) < 0 ||
            query_parse_count(offset_s, 0, INT32_MAX, &offset) < 0)
                return http_response_error(400, "limit must be 0 to 500, offset a count");
        r = accounts_list(the_store, &v, &n);
        if (r < 0)
                return db_error(r, "list accounts");
        for (size_t i = 0; i < n; i++) {
                json_object *a = NULL;
                bool shown = matches(&v[i], q);

                if (shown && total >= offset && (!limit_s || total < offset + limit) && r >= 0 &&
                    (r = account_to_json(&v[i], &a)) >= 0 && json_object_array_add(arr, a) < 0) {
                        json_object_put(a);
                        r = -ENOMEM;
                }
                if (shown)
                        total++;
                account_done(&v[i]);
        }
        free(v);
        if (r < 0 || json_add_object(o, "accounts", TAKE_PTR(arr)) < 0 ||
            json_add_int64(o, "total", (int64_t) total) < 0)
                return NULL;
        return http_response_json(200, o, NULL);
}

static http_response *handle_add(const http_request *req, void *userdata) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_(account_done) account a = {};
        _cleanup_free_ char *why = NULL, *location = NULL, *name = NULL;
        const char *field = NULL;
        http_response *resp = NULL;
        audit_actor who;
        int r;

        if (!admin_authorize(req, &who, NULL, &resp))
                return resp;
        o = request_object(req, &resp);
        if (!o)
                return resp;
        r = account_from_object(o, NULL, &a, &why, &field);
        if (r == -EINVAL)
                return error_at(400, why, field);
        if (r < 0)
                return NULL;
        free(why);
        why = NULL;
        name = strdup(a.name);
        if (!name)
                return NULL;
        r = store_begin(the_store);
        if (r < 0)
                return db_error(r, "add an account");
        r = accounts_add(the_store, &a, &why);
        r = finish_change(r, &who, "account.add", name, -1);
        if (r == -EEXIST)
                return error_at(409, "an account of this name already exists", "name");
        if (r == -EINVAL)
                return error_at(400, why ?: "invalid account", account_why_field(why));
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

static http_response *handle_edit(const http_request *req, const audit_actor *who, const char *name) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_(account_done) account a = {};
        _cleanup_free_ char *why = NULL;
        const char *field = NULL;
        http_response *resp = NULL;
        int r, revoked;

        o = request_object(req, &resp);
        if (!o)
                return resp;
        r = account_from_object(o, name, &a, &why, &field);
        if (r == -EINVAL)
                return error_at(400, why, field);
        if (r < 0)
                return NULL;
        free(why);
        why = NULL;
        r = store_begin(the_store);
        if (r < 0)
                return db_error(r, "change an account");
        r = revoked = accounts_update(the_store, &a, &why);
        r = finish_change(r, who, "account.edit", name, revoked);
        if (r == -ENOENT)
                return http_response_error(404, "no such account");
        if (r == -EINVAL)
                return error_at(400, why ?: "invalid account", account_why_field(why));
        if (r < 0)
                return db_error(r, "change an account");
        log_info("Admin API: changed account \"%s\", %d certificate(s) revoked.", name, r);
        account_done(&a);
        r = accounts_get(the_store, name, &a);
        if (r < 0)
                return db_error(r, "read an account");
        return account_response(200, &a, revoked);
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
        if (streq(req->method, "PUT"))
                return handle_edit(req, &who, name);
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
                (void) http_response_add_header(resp, "Allow", "GET, PUT, DELETE");
        return resp;
}

/* POST /admin/account-preview {"device": ID, "account": {...}}: what the
 * Account CA would give that device for that definition (saved or not),
 * through the code issuance uses (account_targets(), account_render()).
 * A definition or device record that gives no names is an answer, not a
 * failed request: 200 with "error" and "field". Changes nothing. */
static http_response *handle_preview(const http_request *req, void *userdata) {
        _cleanup_json_ json_object *o = NULL, *out = json_object_new_object();
        _cleanup_(account_done) account a = {};
        _cleanup_(device_done) device d = {};
        _cleanup_(account_names_done) account_names nm = {};
        _cleanup_free_ char *why = NULL;
        const char *field = NULL;
        json_object *def = NULL, *sans;
        http_response *resp = NULL;
        audit_actor who;
        int64_t id;
        int r;

        if (!admin_authorize(req, &who, NULL, &resp))
                return resp;
        if (!out)
                return NULL;
        o = request_object(req, &resp);
        if (!o)
                return resp;
        json_object_object_foreach(o, k, val) {
                (void) val;
                if (!streq(k, "device") && !streq(k, "account"))
                        return http_response_error(400, "unknown member in the preview object");
        }
        if (json_get_int64(o, "device", &id) < 0 || id <= 0)
                return error_at(400, "\"device\" must be a device ID", "device");
        if (json_get_object(o, "account", &def) < 0)
                return http_response_error(400, "\"account\" must be an account object");
        r = devices_get(the_store, id, &d);
        if (r == -ENOENT)
                return error_at(404, "no such device", "device");
        if (r < 0)
                return db_error(r, "read a device");
        if (json_add_int64(out, "device", id) < 0)
                return NULL;
        r = account_from_object(def, NULL, &a, &why, &field);
        if (r >= 0) {
                if (json_add_bool(out, "targeted", account_targets(&a, d.tags)) < 0)
                        return NULL;
                r = account_render(&a, &d, &nm, &why);
                field = r == -EINVAL ? account_why_field(why) : NULL;
        }
        if (r == -EINVAL) {
                if (json_add_string(out, "error", why ?: "invalid account") < 0 ||
                    (field && json_add_string(out, "field", field) < 0))
                        return NULL;
                return http_response_json(200, out, NULL);
        }
        if (r < 0)
                return NULL;
        sans = json_object_new_array();
        if (!sans || json_add_object(out, "sans", sans) < 0) /* which takes sans, also on failure */
                return NULL;
        for (size_t i = 0; i < nm.n_sans; i++) {
                json_object *e = json_object_new_string(nm.sans[i]);
                if (!e || json_object_array_add(sans, e) < 0) {
                        json_object_put(e);
                        return NULL;
                }
        }
        if (json_add_string(out, "sub", nm.sub) < 0)
                return NULL;
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
        if (r >= 0)
                r = http_server_route(srv, "POST", "/admin/account-preview", false, handle_preview, NULL);
        return r;
}
