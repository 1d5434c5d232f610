/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin API (admin-api.h):
 *   GET    /admin/devices               list
 *   POST   /admin/devices               add (JSON object)
 *   POST   /admin/devices/import        bulk import (JSON array or text/csv)
 *   GET    /admin/devices/ID            show
 *   DELETE /admin/devices/ID            remove (revokes)
 *   POST   /admin/devices/ID/disable    disable (revokes)
 *   POST   /admin/devices/ID/enable     enable
 *   POST   /admin/devices/ID/tags       add/remove tags (accounts-api.c)
 *   /admin/accounts...                  accounts (accounts-api.c)
 * Every request must carry the admin client certificate.
 */
#include <inttypes.h>
#include <openssl/x509v3.h>

#include "accounts.h"
#include "admin-api.h"
#include "devices.h"
#include "inventory.h"
#include "log.h"
#include "x509.h"

#define ADMIN_JSON_MAX (64 * 1024)

typedef struct admin_ctx {
        store *st;
        const ca_anchors *roots;
} admin_ctx;

static admin_ctx the_admin; /* one server per process */

int admin_check_chain(STACK_OF(X509) *chain, const ca_anchors *roots) {
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        bool from_root = false, admin = false;
        X509 *leaf;
        int r;

        if (!chain || sk_X509_num(chain) < 1)
                return -EACCES;
        r = x509_chain_verify_stack(chain, roots->anchors, 0, true);
        if (r < 0)
                return -EACCES;
        /* Admin certificates come straight from the root; anything an
         * intermediate issued (ACME, devices) is never an admin. */
        leaf = sk_X509_value(chain, 0);
        for (int i = 0; i < sk_X509_num(roots->anchors); i++)
                from_root = from_root || X509_check_issued(sk_X509_value(roots->anchors, i), leaf) == X509_V_OK;
        if (!from_root)
                return -EPERM;
        r = x509_cert_get_sans(leaf, &sans);
        if (r < 0)
                return -EPERM;
        for (size_t i = 0; i < sans->n; i++)
                if (sans->items[i].type == X509_SAN_URI && streq(sans->items[i].value, CA_ADMIN_URI))
                        admin = true;
        return admin ? 0 : -EPERM;
}

bool admin_ok(const http_request *req, http_response **ret) {
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        int r;

        r = http_request_client_chain(req, &chain);
        if (r == -ENOMEM) {
                *ret = NULL;
                return false;
        }
        r = r < 0 ? -EACCES : admin_check_chain(chain, the_admin.roots);
        if (r == 0)
                return true;
        if (r == -EPERM) {
                log_info("Admin API: %s %s from %s refused: client certificate is not the admin's.", req->method,
                         req->path, req->remote_addr);
                *ret = http_response_error(403, "client certificate is not an admin certificate");
                return false;
        }
        log_info("Admin API: %s %s from %s refused: no valid client certificate.", req->method, req->path,
                 req->remote_addr);
        *ret = http_response_error(401, "an admin client certificate is required");
        if (*ret)
                (void) http_response_add_header(*ret, "WWW-Authenticate", "Mutual");
        return false;
}

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

static http_response *store_error(int r, const char *what) {
        switch (r) {
        case -ENOENT:
                return http_response_error(404, "no such device");
        case -EEXIST:
                return http_response_error(409, "a device with this EK is already in the inventory");
        case -EBUSY:
                return http_response_error(503, "database busy, retry");
        default:
                log_error_errno(r, "Admin API: failed to %s: %m", what);
                return http_response_error(500, "internal error");
        }
}

static http_response *handle_list(const http_request *req, void *userdata) {
        _cleanup_json_ json_object *o = json_object_new_object(), *arr = json_object_new_array();
        http_response *resp = NULL;
        device *v = NULL;
        size_t n = 0;
        int r;

        if (!admin_ok(req, &resp))
                return resp;
        if (!o || !arr)
                return NULL;
        r = devices_list(the_admin.st, &v, &n);
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
        if (r < 0 || json_add_object(o, "devices", TAKE_PTR(arr)) < 0)
                return NULL;
        return http_response_json(200, o, NULL);
}

static http_response *handle_add(const http_request *req, void *userdata) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_(device_done) device d = {};
        _cleanup_free_ uint8_t *pub = NULL, *cert = NULL;
        http_response *resp = NULL;
        const char *ek_uri = NULL, *ek_pub = NULL, *ek_cert = NULL, *name = NULL, *serial = NULL,
                   *owner = NULL, *why = NULL;
        size_t pub_len = 0, cert_len = 0;
        char location[64];
        int r;

        if (!admin_ok(req, &resp))
                return resp;
        if (!content_type_is(req, "application/json"))
                return http_response_error(415, "Content-Type must be application/json");
        r = json_parse_object((const char *) req->body, req->body_len, ADMIN_JSON_MAX, &o);
        if (r < 0)
                return http_response_error(400, "malformed JSON: a JSON object is required");
        json_object_object_foreach(o, key, val) {
                (void) val;
                if (!streq(key, "ek_uri") && !streq(key, "ek_pub") && !streq(key, "ek_cert") &&
                    !streq(key, "name") && !streq(key, "serial") && !streq(key, "owner"))
                        return http_response_error(400, "unknown member in the device object");
        }
        if (json_get_string_opt(o, "ek_uri", &ek_uri) < 0 || json_get_string_opt(o, "ek_pub", &ek_pub) < 0 ||
            json_get_string_opt(o, "ek_cert", &ek_cert) < 0 || json_get_string_opt(o, "name", &name) < 0 ||
            json_get_string_opt(o, "serial", &serial) < 0 || json_get_string_opt(o, "owner", &owner) < 0)
                return http_response_error(400, "device members must be strings");

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
                .ek_cert_len = cert_len, .name = name, .serial = serial, .owner = owner,
        };
        r = device_from_spec(&spec, &d, &why);
        if (r == -EINVAL)
                return http_response_error(400, why ?: "invalid device");
        if (r < 0)
                return NULL;
        r = devices_add(the_admin.st, &d);
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
        _cleanup_json_ json_object *o = NULL;
        http_response *resp = NULL;
        import_format fmt;
        int r;

        if (!admin_ok(req, &resp))
                return resp;
        if (content_type_is(req, "application/json"))
                fmt = IMPORT_JSON;
        else if (content_type_is(req, "text/csv"))
                fmt = IMPORT_CSV;
        else
                return http_response_error(415, "Content-Type must be application/json or text/csv");
        r = inventory_import(the_admin.st, (const char *) req->body, req->body_len, fmt, &error);
        if (r == -ENOMEM)
                return NULL;
        if (r == -EBUSY)
                return http_response_error(503, "database busy, retry");
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

static http_response *handle_device(const http_request *req, void *userdata) {
        _cleanup_(device_done) device d = {};
        http_response *resp = NULL;
        const char *action;
        int64_t id;
        int r, revoked;

        if (!admin_ok(req, &resp))
                return resp;
        if (parse_id_path(req->route_rest, &id, &action) < 0)
                return http_response_error(404, "not found");

        if (streq(action, "")) {
                if (streq(req->method, "GET")) {
                        r = devices_get(the_admin.st, id, &d);
                        return r < 0 ? store_error(r, "read a device") : device_response(200, &d, -1);
                }
                if (streq(req->method, "DELETE")) {
                        r = devices_get(the_admin.st, id, &d);
                        if (r < 0)
                                return store_error(r, "read a device");
                        revoked = devices_remove(the_admin.st, id);
                        if (revoked < 0)
                                return store_error(revoked, "remove a device");
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
                revoked = devices_set_status(the_admin.st, id, disable ? DEVICE_DISABLED : DEVICE_ACTIVE);
                if (revoked < 0)
                        return store_error(revoked, "change a device");
                r = devices_get(the_admin.st, id, &d);
                if (r < 0)
                        return store_error(r, "read a device");
                log_info("Admin API: %s device %" PRId64 ", %d certificate(s) revoked.",
                         disable ? "disabled" : "enabled", id, revoked);
                return device_response(200, &d, revoked);
        }
        if (streq(action, "tags"))
                return accounts_api_device_tags(req, the_admin.st, id);
        return http_response_error(404, "not found");
}

int admin_api_register(http_server *srv, store *st, const ca_anchors *roots, const ca_config *cfg) {
        int r;

        the_admin = (admin_ctx) { .st = st, .roots = roots };
        r = http_server_route(srv, "GET", "/admin/devices", false, handle_list, NULL);
        if (r >= 0)
                r = http_server_route(srv, "POST", "/admin/devices", false, handle_add, NULL);
        if (r >= 0)
                r = http_server_route(srv, "POST", "/admin/devices/import", false, handle_import, NULL);
        if (r >= 0)
                r = http_server_route(srv, NULL, "/admin/devices/", true, handle_device, NULL);
        if (r >= 0)
                r = http_server_set_body_limit(srv, "/admin/devices/import", ADMIN_IMPORT_MAX_BODY);
        if (r >= 0)
                r = accounts_api_register(srv, st, cfg);
        return r;
}
