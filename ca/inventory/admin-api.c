/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin API (admin-api.h):
 *   GET    /admin/devices               list (q, status, tag, posture, limit, offset)
 *   POST   /admin/devices               add (JSON object)
 *   POST   /admin/devices/import        bulk import (JSON array or text/csv)
 *   GET    /admin/devices/ID            show
 *   DELETE /admin/devices/ID            remove (revokes)
 *   POST   /admin/devices/ID/disable    disable (revokes)
 *   POST   /admin/devices/ID/enable     enable
 *   PUT    /admin/devices/ID/tags       replace the tags ({"tags": [...]}); revokes the
 *                                       certificates of accounts that no longer target it
 * Every request must carry the admin client certificate or a console
 * session (ca/auth/admin-auth.h); every change is recorded in the audit
 * log in the transaction that makes it.
 */
#include <inttypes.h>

#include "accounts.h"
#include "admin-api.h"
#include "ca/auth/admin-auth.h"
#include "ca/core/audit.h"
#include "ca/core/query.h"
#include "devices.h"
#include "posture-store.h"
#include "inventory.h"
#include "log.h"

#define ADMIN_JSON_MAX (64 * 1024)

typedef struct admin_ctx {
        store *st;
} admin_ctx;

static admin_ctx the_admin; /* one server per process */

static bool content_type_is(const http_request *req, const char *want) {
        char buf[64];
        const char *ct = http_request_content_type(req, buf, sizeof(buf));
        return ct && streq(ct, want);
}

static http_response *device_response(unsigned status, const device *d, int revoked) {
        _cleanup_json_ json_object *o = NULL;

        if (device_to_json(d, &o) < 0)
                return NULL;
        if (revoked >= 0 && json_add_int64(o, "revoked_certificates", revoked) < 0)
                return NULL;
        return http_response_json(status, o, NULL);
}

/* 503 that says when to retry. */
static http_response *unavailable(const char *message, const char *retry_after) {
        http_response *resp = http_response_error(503, message);

        if (resp && http_response_add_header(resp, "Retry-After", retry_after) < 0) {
                http_response_free(resp);
                return NULL;
        }
        return resp;
}

static http_response *store_error(int r, const char *what) {
        switch (r) {
        case -ENOENT:
                return http_response_error(404, "no such device");
        case -EEXIST:
                return http_response_error(409, "a device with this EK is already in the inventory");
        case -EBUSY:
                return unavailable("database busy or unreachable, retry later", "1");
        case -ENOSPC:
        case -EROFS:
                log_warning_errno(r, "Admin API: failed to %s: %m", what);
                return unavailable("the CA cannot write its database now, retry later", "30");
        default:
                log_error_errno(r, "Admin API: failed to %s: %m", what);
                return http_response_error(500, "internal error");
        }
}

static int finish_change(int r, const audit_actor *who, const char *action, const char *target,
                         json_object *detail) {
        return audit_finish(the_admin.st, r, who, action, target, detail);
}

static int device_detail(const device *d, int revoked, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "ek_uri", d->ek_uri);
        if (r >= 0 && d->name)
                r = json_add_string(o, "name", d->name);
        if (r >= 0 && d->tags)
                r = json_add_string(o, "tags", d->tags);
        if (r >= 0 && revoked >= 0)
                r = json_add_int64(o, "revoked_certificates", revoked);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

static http_response *handle_list(const http_request *req, void *userdata) {
        _cleanup_json_ json_object *o = json_object_new_object(), *arr = json_object_new_array();
        http_response *resp = NULL;
        audit_actor who;
        const char *status = http_request_query(req, "status"), *q = http_request_query(req, "q");
        const char *limit_s = http_request_query(req, "limit"), *offset_s = http_request_query(req, "offset");
        const char *tag = http_request_query(req, "tag"), *posture = http_request_query(req, "posture");
        device_query dq = { .q = q, .status = -1, .tag = tag && *tag ? tag : NULL };
        uint64_t limit, offset;
        device *v = NULL;
        size_t n = 0, total = 0;
        int r;

        if (!admin_authorize(req, &who, NULL, &resp))
                return resp;
        if (!o || !arr)
                return NULL;
        if (status && !streq(status, "") && !streq(status, "any")) {
                if (streq(status, "active"))
                        dq.status = DEVICE_ACTIVE;
                else if (streq(status, "disabled"))
                        dq.status = DEVICE_DISABLED;
                else
                        return http_response_error(400, "status must be active, disabled or any");
        }
        if (posture && !streq(posture, "") && !streq(posture, "any")) {
                dq.posture = device_posture_from_string(posture);
                if (dq.posture == DEVICE_POSTURE_UNKNOWN)
                        return http_response_error(400, "posture must be pass, fail, none or any");
        }
        /* Without paging parameters or filters: the whole inventory, as
         * before paging existed. */
        if (query_parse_count(limit_s, (q || dq.status >= 0 || dq.tag || dq.posture || offset_s) ? 50 : 0, DEVICE_LIST_MAX, &limit) < 0 ||
            query_parse_count(offset_s, 0, INT32_MAX, &offset) < 0)
                return http_response_error(400, "limit must be 0 to 500, offset a count");
        if (q && strlen(q) > QUERY_SEARCH_MAX)
                return http_response_error(400, "search text too long");
        if (dq.tag && strlen(dq.tag) > DEVICE_TAG_MAX)
                return http_response_error(400, "tag too long");
        if (limit == 0 && !limit_s && !dq.tag && !dq.posture) {
                r = devices_list(the_admin.st, &v, &n);
                total = n;
        } else {
                dq.limit = (size_t) limit;
                dq.offset = (size_t) offset;
                r = devices_search(the_admin.st, &dq, &v, &n, &total);
        }
        if (r == -EINVAL)
                return http_response_error(400, "invalid search text or tag");
        if (r < 0)
                return store_error(r, "list devices");
        for (size_t i = 0; i < n; i++) {
                json_object *d = NULL;
                if (r >= 0 && (r = device_to_json(&v[i], &d)) >= 0 && json_object_array_add(arr, d) < 0) {
                        json_object_put(d);
                        r = -ENOMEM;
                }
                device_done(&v[i]);
        }
        free(v);
        if (r < 0 || json_add_object(o, "devices", TAKE_PTR(arr)) < 0 ||
            json_add_int64(o, "total", (int64_t) total) < 0)
                return NULL;
        return http_response_json(200, o, NULL);
}

static http_response *handle_add(const http_request *req, void *userdata) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_(device_done) device d = {};
        _cleanup_free_ uint8_t *pub = NULL, *cert = NULL;
        _cleanup_free_ char *tags = NULL;
        http_response *resp = NULL;
        json_object *tags_v;
        const char *ek_uri = NULL, *ek_pub = NULL, *ek_cert = NULL, *name = NULL, *serial = NULL,
                   *owner = NULL, *why = NULL;
        size_t pub_len = 0, cert_len = 0;
        char location[64], target[48] = "";
        _cleanup_json_ json_object *detail = NULL;
        audit_actor who;
        int r;

        if (!admin_authorize(req, &who, NULL, &resp))
                return resp;
        if (!content_type_is(req, "application/json"))
                return http_response_error(415, "Content-Type must be application/json");
        r = json_parse_object((const char *) req->body, req->body_len, ADMIN_JSON_MAX, &o);
        if (r < 0)
                return http_response_error(400, "malformed JSON: a JSON object is required");
        json_object_object_foreach(o, key, val) {
                (void) val;
                if (!streq(key, "ek_uri") && !streq(key, "ek_pub") && !streq(key, "ek_cert") &&
                    !streq(key, "name") && !streq(key, "serial") && !streq(key, "owner") && !streq(key, "tags"))
                        return http_response_error(400, "unknown member in the device object");
        }
        if (json_get_string_opt(o, "ek_uri", &ek_uri) < 0 || json_get_string_opt(o, "ek_pub", &ek_pub) < 0 ||
            json_get_string_opt(o, "ek_cert", &ek_cert) < 0 || json_get_string_opt(o, "name", &name) < 0 ||
            json_get_string_opt(o, "serial", &serial) < 0 || json_get_string_opt(o, "owner", &owner) < 0)
                return http_response_error(400, "device members must be strings");
        if (json_object_object_get_ex(o, "tags", &tags_v) && tags_v) {
                r = device_tags_from_json(tags_v, &tags);
                if (r == -EINVAL)
                        return http_response_error(400, "invalid tags: a list of at most 16 tags is required");
                if (r < 0)
                        return NULL;
        }

        /* ek_pub / ek_cert: PEM text or standard base64 DER, as in imports. */
        if (ek_pub) {
                if (strstr(ek_pub, "-----BEGIN ")) {
                        pub = (uint8_t *) strdup(ek_pub);
                        pub_len = strlen(ek_pub);
                } else if (b64_decode(B64_STD, ek_pub, strlen(ek_pub), ADMIN_JSON_MAX, &pub, &pub_len) < 0)
                        return http_response_error(400, "ek_pub is neither PEM nor base64 DER");
                if (!pub)
                        return NULL;
        }
        if (ek_cert) {
                if (strstr(ek_cert, "-----BEGIN ")) {
                        cert = (uint8_t *) strdup(ek_cert);
                        cert_len = strlen(ek_cert);
                } else if (b64_decode(B64_STD, ek_cert, strlen(ek_cert), ADMIN_JSON_MAX, &cert, &cert_len) < 0)
                        return http_response_error(400, "ek_cert is neither PEM nor base64 DER");
                if (!cert)
                        return NULL;
        }
        device_spec spec = {
                .ek_uri = ek_uri, .ek_pub = pub, .ek_pub_len = pub_len, .ek_cert = cert,
                .ek_cert_len = cert_len, .name = name, .serial = serial, .owner = owner, .tags = tags,
        };
        r = device_from_spec(&spec, &d, &why);
        if (r == -EINVAL)
                return http_response_error(400, why ?: "invalid device");
        if (r < 0)
                return NULL;
        r = store_begin(the_admin.st);
        if (r < 0)
                return store_error(r, "add a device");
        r = devices_add(the_admin.st, &d);
        if (r >= 0) {
                snprintf(target, sizeof(target), "device %" PRId64, d.id);
                r = device_detail(&d, -1, &detail);
        }
        r = finish_change(r, &who, "device.add", target, detail);
        if (r < 0)
                return store_error(r, "add a device");
        log_info("Admin API: added device %" PRId64 " \"%s\".", d.id, d.ek_uri);
        resp = device_response(201, &d, -1);
        snprintf(location, sizeof(location), "/admin/devices/%" PRId64, d.id);
        if (resp && http_response_add_header(resp, "Location", location) < 0) {
                http_response_free(resp);
                return NULL;
        }
        return resp;
}

static http_response *handle_import(const http_request *req, void *userdata) {
        _cleanup_free_ char *error = NULL;
        _cleanup_json_ json_object *o = NULL, *detail = NULL;
        http_response *resp = NULL;
        import_format fmt;
        audit_actor who;
        int r;

        if (!admin_authorize(req, &who, NULL, &resp))
                return resp;
        if (content_type_is(req, "application/json"))
                fmt = IMPORT_JSON;
        else if (content_type_is(req, "text/csv"))
                fmt = IMPORT_CSV;
        else
                return http_response_error(415, "Content-Type must be application/json or text/csv");
        r = store_begin(the_admin.st);
        if (r < 0)
                return store_error(r, "import devices");
        r = inventory_import(the_admin.st, (const char *) req->body, req->body_len, fmt, &error);
        if (r >= 0) {
                detail = json_object_new_object();
                if (!detail || json_add_int64(detail, "imported", r) < 0 ||
                    json_add_string(detail, "format", fmt == IMPORT_CSV ? "csv" : "json") < 0)
                        r = -ENOMEM;
        }
        r = finish_change(r, &who, "device.import", NULL, detail);
        if (r == -ENOMEM)
                return NULL;
        if (r == -EBUSY || r == -ENOSPC || r == -EROFS)
                return store_error(r, "import devices");
        if (r < 0)
                return http_response_error(r == -EEXIST ? 409 : 400, error ?: "invalid import file");
        log_info("Admin API: imported %d device(s).", r);
        o = json_object_new_object();
        if (!o || json_add_int64(o, "imported", r) < 0)
                return NULL;
        return http_response_json(200, o, NULL);
}

/* "/admin/devices/" + "ID" or "ID/ACTION". */
static int parse_id_path(const char *rest, int64_t *ret_id, const char **ret_action) {
        char *end;
        long long v;

        if (!*rest || *rest < '0' || *rest > '9')
                return -EINVAL;
        errno = 0;
        v = strtoll(rest, &end, 10);
        if (errno != 0 || v <= 0)
                return -EINVAL;
        if (*end == '\0')
                *ret_action = "";
        else if (*end == '/' && end[1])
                *ret_action = end + 1;
        else
                return -EINVAL;
        *ret_id = v;
        return 0;
}

/* GET /admin/devices/ID/posture: the baseline and the last reports;
 * POST /admin/devices/ID/posture/accept: the newest report's PCR values
 * become the baseline (docs/posture.md). */
static http_response *handle_posture(const http_request *req, int64_t id, bool accept, const audit_actor *who,
                                     const char *target) {
        _cleanup_(device_done) device d = {};
        _cleanup_json_ json_object *o = NULL, *detail = NULL;
        http_response *resp;
        int r;

        if (!streq(req->method, accept ? "POST" : "GET")) {
                resp = http_response_error(405, "method not allowed");
                if (resp)
                        (void) http_response_add_header(resp, "Allow", accept ? "POST" : "GET");
                return resp;
        }
        r = devices_get(the_admin.st, id, &d);
        if (r < 0)
                return store_error(r, "read a device");
        if (accept) {
                r = store_begin(the_admin.st);
                if (r < 0)
                        return store_error(r, "accept a posture baseline");
                r = posture_store_accept(the_admin.st, id, time(NULL));
                if (r == -ENOENT) {
                        (void) store_rollback(the_admin.st);
                        return http_response_error(409, "the device has sent no posture report");
                }
                if (r >= 0)
                        r = device_detail(&d, -1, &detail);
                r = finish_change(r, who, "device.posture.accept", target, detail);
                if (r < 0)
                        return store_error(r, "accept a posture baseline");
                log_info("Admin API: device %" PRId64 ": the last posture report is the new baseline.", id);
        }
        r = posture_store_to_json(the_admin.st, id, &o);
        if (r < 0)
                return store_error(r, "read a device's posture");
        return http_response_json(200, o, NULL);
}

/* GET /admin/devices/ID/posture/eventlog/SHA256: a TCG event log the
 * device sent, as its reports name it (lowercase hex of its SHA-256). */
static http_response *handle_eventlog(const http_request *req, int64_t id, const char *sha256) {
        _cleanup_(http_response_freep) http_response *resp = NULL;
        _cleanup_free_ uint8_t *log = NULL;
        size_t len = 0;
        int r;

        if (!streq(req->method, "GET")) {
                resp = http_response_error(405, "method not allowed");
                if (resp)
                        (void) http_response_add_header(resp, "Allow", "GET");
                return TAKE_PTR(resp);
        }
        if (strlen(sha256) != 64 || strspn(sha256, "0123456789abcdef") != 64)
                return http_response_error(404, "not found");
        r = posture_store_eventlog(the_admin.st, id, sha256, &log, &len);
        if (r == -ENOENT)
                return http_response_error(404, "no such event log for this device");
        if (r < 0)
                return store_error(r, "read an event log");
        resp = http_response_new(200);
        if (!resp || http_response_set_body(resp, log, len, "application/octet-stream") < 0)
                return NULL;
        return TAKE_PTR(resp);
}

/* PUT /admin/devices/ID/tags: {"tags": [...]} replaces the device's tags. */
static http_response *handle_tags(const http_request *req, int64_t id, const audit_actor *who, const char *target) {
        _cleanup_(device_done) device d = {};
        _cleanup_json_ json_object *o = NULL, *detail = NULL;
        _cleanup_free_ char *text = NULL, *tags = NULL;
        http_response *resp;
        json_object *v = NULL;
        const char *why = NULL;
        int r, revoked = 0;

        if (!streq(req->method, "PUT")) {
                resp = http_response_error(405, "method not allowed");
                if (resp)
                        (void) http_response_add_header(resp, "Allow", "PUT");
                return resp;
        }
        if (!content_type_is(req, "application/json"))
                return http_response_error(415, "Content-Type must be application/json");
        if (json_parse_object((const char *) req->body, req->body_len, ADMIN_JSON_MAX, &o) < 0 ||
            !json_object_object_get_ex(o, "tags", &v) || json_object_object_length(o) != 1)
                return http_response_error(400, "a JSON object with only \"tags\" is required");
        r = v ? device_tags_from_json(v, &text) : 0;
        if (r == -EINVAL)
                return http_response_error(400, "invalid tags: a list of at most 16 tags is required");
        if (r < 0)
                return NULL;
        r = device_tags_parse(text, &tags, &why);
        if (r == -EINVAL)
                return http_response_error(400, why);
        if (r < 0)
                return NULL;
        r = store_begin(the_admin.st);
        if (r < 0)
                return store_error(r, "tag a device");
        /* Accounts that no longer target the device lose its certificates. */
        r = revoked = accounts_device_set_tags(the_admin.st, id, tags);
        if (r >= 0)
                r = devices_get(the_admin.st, id, &d);
        if (r >= 0)
                r = device_detail(&d, revoked, &detail);
        r = finish_change(r, who, "device.tags", target, detail);
        if (r < 0)
                return store_error(r, "tag a device");
        log_info("Admin API: device %" PRId64 " tagged \"%s\", %d account certificate(s) revoked.", id, tags ?: "",
                 revoked);
        return device_response(200, &d, revoked);
}

static http_response *handle_device(const http_request *req, void *userdata) {
        _cleanup_(device_done) device d = {};
        _cleanup_json_ json_object *detail = NULL;
        http_response *resp = NULL;
        const char *action;
        char target[48];
        audit_actor who;
        int64_t id;
        int r, revoked = 0;

        if (!admin_authorize(req, &who, NULL, &resp))
                return resp;
        if (parse_id_path(req->route_rest, &id, &action) < 0)
                return http_response_error(404, "not found");
        snprintf(target, sizeof(target), "device %" PRId64, id);

        if (streq(action, "")) {
                if (streq(req->method, "GET")) {
                        r = devices_get(the_admin.st, id, &d);
                        return r < 0 ? store_error(r, "read a device") : device_response(200, &d, -1);
                }
                if (streq(req->method, "DELETE")) {
                        r = store_begin(the_admin.st);
                        if (r < 0)
                                return store_error(r, "remove a device");
                        r = devices_get(the_admin.st, id, &d);
                        if (r >= 0)
                                r = revoked = devices_remove(the_admin.st, id);
                        if (r >= 0)
                                r = device_detail(&d, revoked, &detail);
                        r = finish_change(r, &who, "device.remove", target, detail);
                        if (r < 0)
                                return store_error(r, "remove a device");
                        log_info("Admin API: removed device %" PRId64 " \"%s\", %d certificate(s) revoked.", id,
                                 d.ek_uri, revoked);
                        return device_response(200, &d, revoked);
                }
                resp = http_response_error(405, "method not allowed");
                if (resp)
                        (void) http_response_add_header(resp, "Allow", "GET, DELETE");
                return resp;
        }
        if (streq(action, "disable") || streq(action, "enable")) {
                bool disable = streq(action, "disable");

                if (!streq(req->method, "POST")) {
                        resp = http_response_error(405, "method not allowed");
                        if (resp)
                                (void) http_response_add_header(resp, "Allow", "POST");
                        return resp;
                }
                r = store_begin(the_admin.st);
                if (r < 0)
                        return store_error(r, "change a device");
                r = revoked = devices_set_status(the_admin.st, id, disable ? DEVICE_DISABLED : DEVICE_ACTIVE);
                if (r >= 0)
                        r = devices_get(the_admin.st, id, &d);
                if (r >= 0)
                        r = device_detail(&d, disable ? revoked : -1, &detail);
                r = finish_change(r, &who, disable ? "device.disable" : "device.enable", target, detail);
                if (r < 0)
                        return store_error(r, "change a device");
                log_info("Admin API: %s device %" PRId64 ", %d certificate(s) revoked.",
                         disable ? "disabled" : "enabled", id, revoked);
                return device_response(200, &d, revoked);
        }
        if (streq(action, "tags"))
                return handle_tags(req, id, &who, target);
        if (streq(action, "posture") || streq(action, "posture/accept"))
                return handle_posture(req, id, streq(action, "posture/accept"), &who, target);
        if (strncmp(action, "posture/eventlog/", 17) == 0)
                return handle_eventlog(req, id, action + 17);
        return http_response_error(404, "not found");
}

int admin_api_register(http_server *srv, store *st) {
        int r;

        the_admin = (admin_ctx) { .st = st };
        r = http_server_route(srv, "GET", "/admin/devices", false, handle_list, NULL);
        if (r >= 0)
                r = http_server_route(srv, "POST", "/admin/devices", false, handle_add, NULL);
        if (r >= 0)
                r = http_server_route(srv, "POST", "/admin/devices/import", false, handle_import, NULL);
        if (r >= 0)
                r = http_server_route(srv, NULL, "/admin/devices/", true, handle_device, NULL);
        if (r >= 0)
                r = http_server_set_body_limit(srv, "/admin/devices/import", ADMIN_IMPORT_MAX_BODY);
        return r;
}
