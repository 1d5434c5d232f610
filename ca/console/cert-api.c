/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Certificates, overview and audit routes of the admin API (cert-api.h).
 * Every change is recorded in the audit log in its own transaction.
 */
#include <inttypes.h>

#include "ca/auth/admin-auth.h"
#include "ca/core/audit.h"
#include "ca/core/certificates.h"
#include "ca/core/query.h"
#include "ca/inventory/devices.h"
#include "cert-api.h"
#include "cert-search.h"
#include "log.h"
#include "x509.h"

#define REVOKE_JSON_MAX 1024

static struct {
        store *st;
        issuer *iss;
        const ca_config *cfg;
} the_api; /* one server per process */

static http_response *db_error(int r, const char *what) {
        if (r == -EBUSY)
                return http_response_error(503, "database busy, retry");
        log_error_errno(r, "Admin API: failed to %s: %m", what);
        return http_response_error(500, "internal error");
}

static http_response *method_not_allowed(const char *allow) {
        http_response *resp = http_response_error(405, "method not allowed");

        if (resp)
                (void) http_response_add_header(resp, "Allow", allow);
        return resp;
}

static http_response *handle_list(const http_request *req, void *userdata) {
        _cleanup_json_ json_object *o = json_object_new_object(), *arr = json_object_new_array();
        http_response *resp = NULL;
        audit_actor who;
        const char *state = http_request_query(req, "state"), *ca = http_request_query(req, "ca");
        uint64_t limit, offset, device_id = 0;
        cert_query q = { .q = http_request_query(req, "q"), .now = time(NULL) };
        cert_row *v = NULL;
        size_t n = 0, total = 0;
        int r;

        if (!admin_authorize(req, &who, NULL, &resp))
                return resp;
        if (!o || !arr)
                return NULL;
        if (query_parse_count(http_request_query(req, "limit"), 50, CERT_LIST_MAX, &limit) < 0 ||
            query_parse_count(http_request_query(req, "offset"), 0, INT32_MAX, &offset) < 0 ||
            query_parse_count(http_request_query(req, "device"), 0, INT64_MAX, &device_id) < 0)
                return http_response_error(400, "limit must be 0 to 500; offset and device are counts");
        q.state = state && *state ? cert_state_from_string(state) : CERT_STATE_ANY;
        if (q.state < 0)
                return http_response_error(400, "state must be valid, revoked, expired or any");
        if (ca && *ca) {
                if (ca_kind_from_string(ca) < 0)
                        return http_response_error(400, "ca must be attestation, agent or account");
                q.ca = ca_kind_to_string(ca_kind_from_string(ca));
        }
        q.limit = (size_t) limit;
        q.offset = (size_t) offset;
        q.device_id = (int64_t) device_id;
        r = certificates_search(the_api.st, &q, &v, &n, &total);
        if (r == -EINVAL)
                return http_response_error(400, "invalid search text");
        if (r < 0)
                return db_error(r, "list certificates");
        for (size_t i = 0; i < n && r >= 0; i++) {
                json_object *c = NULL;
                r = cert_row_to_json(&v[i], q.now, &c);
                if (r >= 0 && json_object_array_add(arr, c) < 0) {
                        json_object_put(c);
                        r = -ENOMEM;
                }
        }
        cert_rows_free(v, n);
        if (r < 0 || json_add_object(o, "certificates", TAKE_PTR(arr)) < 0 ||
            json_add_int64(o, "total", (int64_t) total) < 0)
                return NULL;
        return http_response_json(200, o, NULL);
}

static const char *san_type_name(x509_san_type t) {
        switch (t) {
        case X509_SAN_DNS:
                return "dns";
        case X509_SAN_IP:
                return "ip";
        case X509_SAN_URI:
                return "uri";
        case X509_SAN_EMAIL:
                return "email";
        case X509_SAN_PERMANENT_ID:
                return "permanent-identifier";
        case X509_SAN_TPM_DEVICE:
                return "tpm";
        }
        return "other";
}

/* PEM, SANs and the TPM (a TCG directoryName, in AK and EK certificates)
 * of a stored certificate. */
static int add_cert_content(json_object *o, const issued_info *info) {
        _cleanup_x509_ X509 *cert = NULL;
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        _cleanup_free_ char *pem = NULL;
        _cleanup_json_ json_object *arr = json_object_new_array();
        int r;

        if (!arr)
                return -ENOMEM;
        r = x509_cert_from_der(info->der, info->der_len, &cert);
        if (r < 0)
                return 0; /* a row whose DER does not parse: show the row only */
        r = x509_cert_to_pem(cert, &pem);
        if (r >= 0)
                r = json_add_string(o, "pem", pem);
        if (r >= 0 && x509_cert_get_sans(cert, &sans) >= 0)
                for (size_t i = 0; i < sans->n && r >= 0; i++) {
                        const x509_san *s = &sans->items[i];
                        json_object *e = json_object_new_object();

                        if (!e || json_add_string(e, "type", san_type_name(s->type)) < 0 ||
                            (s->value && json_add_string(e, "value", s->value) < 0) ||
                            json_object_array_add(arr, e) < 0) {
                                json_object_put(e);
                                return -ENOMEM;
                        }
                        if (s->type == X509_SAN_TPM_DEVICE) {
                                json_object *t = json_object_new_object();
                                if (!t || (s->tpm.manufacturer && json_add_string(t, "manufacturer", s->tpm.manufacturer) < 0) ||
                                    (s->tpm.model && json_add_string(t, "model", s->tpm.model) < 0) ||
                                    (s->tpm.version && json_add_string(t, "version", s->tpm.version) < 0)) {
                                        json_object_put(t);
                                        return -ENOMEM;
                                }
                                r = json_add_object(o, "tpm", t);
                        }
                }
        if (r >= 0)
                r = json_add_object(o, "sans", TAKE_PTR(arr));
        return r;
}

static int cert_json(const char *serial, bool content, json_object **ret) {
        _cleanup_json_ json_object *o = NULL;
        issued_info info = {};
        cert_row *v = NULL;
        size_t n = 0;
        time_t now = time(NULL);
        int r;

        r = certificates_lookup(the_api.st, serial, &info);
        if (r < 0)
                return r;
        cert_query q = { .serial = info.serial, .limit = 1, .now = now };
        r = certificates_search(the_api.st, &q, &v, &n, NULL);
        if (r >= 0 && n == 0)
                r = -ENOENT;
        if (r >= 0)
                r = cert_row_to_json(&v[0], now, &o);
        if (r >= 0 && content)
                r = add_cert_content(o, &info);
        cert_rows_free(v, n);
        issued_info_done(&info);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

static http_response *handle_revoke(const http_request *req, const char *serial, const audit_actor *who) {
        _cleanup_json_ json_object *body = NULL, *o = NULL, *detail = NULL;
        const char *reason_s = "unspecified";
        char ct[64], target[96];
        int reason, r;

        if (req->body_len > 0) {
                const char *t = http_request_content_type(req, ct, sizeof(ct));
                if (!t || !streq(t, "application/json"))
                        return http_response_error(415, "Content-Type must be application/json");
                if (json_parse_object((const char *) req->body, req->body_len, REVOKE_JSON_MAX, &body) < 0)
                        return http_response_error(400, "malformed JSON: a JSON object is required");
                json_object_object_foreach(body, key, val) {
                        (void) val;
                        if (!streq(key, "reason"))
                                return http_response_error(400, "unknown member in the revocation object");
                }
                if (json_get_string_opt(body, "reason", &reason_s) < 0)
                        return http_response_error(400, "reason must be a string");
        }
        reason = crl_reason_from_string(reason_s);
        if (reason < 0)
                return http_response_error(400, "reason must be one of unspecified, keyCompromise, affiliationChanged,"
                                                " superseded, cessationOfOperation, privilegeWithdrawn");
        r = store_begin(the_api.st);
        if (r < 0)
                return db_error(r, "revoke a certificate");
        r = certificates_revoke_serial(the_api.st, serial, reason);
        if (r >= 0)
                r = cert_json(serial, false, &o);
        if (r >= 0) {
                const char *s = NULL;
                (void) json_get_string(o, "serial", &s);
                snprintf(target, sizeof(target), "certificate %s", s ?: serial);
                detail = json_object_new_object();
                if (!detail || json_add_string(detail, "reason", reason_s) < 0)
                        r = -ENOMEM;
        }
        if (r >= 0)
                r = audit_record(the_api.st, who, "certificate.revoke", target, detail);
        if (r >= 0)
                r = store_commit(the_api.st);
        else
                (void) store_rollback(the_api.st);
        if (r == -ENOENT)
                return http_response_error(404, "no such certificate");
        if (r == -EALREADY)
                return http_response_error(409, "the certificate is already revoked");
        if (r < 0)
                return db_error(r, "revoke a certificate");
        log_info("Admin API: revoked certificate %s (%s).", serial, reason_s);
        return http_response_json(200, o, NULL);
}

/* /admin/certificates/SERIAL[/revoke] */
static http_response *handle_cert(const http_request *req, void *userdata) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ char *serial = NULL;
        http_response *resp = NULL;
        audit_actor who;
        const char *slash;
        int r;

        if (!admin_authorize(req, &who, NULL, &resp))
                return resp;
        slash = strchr(req->route_rest, '/');
        serial = strndup(req->route_rest, slash ? (size_t) (slash - req->route_rest) : strlen(req->route_rest));
        if (!serial)
                return NULL;
        if (!*serial || strlen(serial) > 64)
                return http_response_error(404, "no such certificate");
        if (!slash) {
                if (!streq(req->method, "GET") && !streq(req->method, "HEAD"))
                        return method_not_allowed("GET");
                r = cert_json(serial, true, &o);
                if (r == -ENOENT)
                        return http_response_error(404, "no such certificate");
                if (r < 0)
                        return db_error(r, "read a certificate");
                return http_response_json(200, o, NULL);
        }
        if (!streq(slash, "/revoke"))
                return http_response_error(404, "not found");
        if (!streq(req->method, "POST"))
                return method_not_allowed("POST");
        return handle_revoke(req, serial, &who);
}

static int count_devices(int status, int64_t *ret) {
        device_query q = { .status = status };
        device *v = NULL;
        size_t n = 0, total = 0;
        int r = devices_search(the_api.st, &q, &v, &n, &total);

        free(v);
        *ret = (int64_t) total;
        return r;
}

static int count_certs(cert_state state, time_t now, int64_t *ret) {
        cert_query q = { .state = state, .now = now };
        cert_row *v = NULL;
        size_t n = 0, total = 0;
        int r = certificates_search(the_api.st, &q, &v, &n, &total);

        cert_rows_free(v, n);
        *ret = (int64_t) total;
        return r;
}

static int ca_cert_json(const char *name, X509 *c, json_object *arr) {
        _cleanup_free_ char *cn = NULL, *pem = NULL;
        _cleanup_json_ json_object *o = json_object_new_object();
        char url[64];
        uint8_t *der = NULL, fp[32];
        size_t len;
        time_t nb, na;
        int r;

        if (!o)
                return -ENOMEM;
        r = x509_cert_to_der(c, &der, &len);
        if (r < 0)
                return r;
        r = crypto_sha256(der, len, fp);
        free(der);
        if (r < 0)
                return r;
        snprintf(url, sizeof(url), "/ui/%s.pem", name);
        r = json_add_string(o, "name", name);
        if (r >= 0 && x509_cert_get_cn(c, &cn) >= 0)
                r = json_add_string(o, "subject", cn);
        if (r >= 0 && x509_cert_get_validity(c, &nb, &na) >= 0)
                r = json_add_int64(o, "not_after", (int64_t) na);
        if (r >= 0)
                r = json_add_b64(o, "sha256", B64_URL, fp, sizeof(fp));
        if (r >= 0)
                r = json_add_string(o, "download", url);
        if (r >= 0 && x509_cert_to_pem(c, &pem) >= 0)
                r = json_add_string(o, "pem", pem);
        if (r >= 0)
                r = json_object_array_add(arr, TAKE_PTR(o)) < 0 ? -ENOMEM : 0;
        return r;
}

static http_response *handle_overview(const http_request *req, void *userdata) {
        _cleanup_json_ json_object *o = json_object_new_object(), *dev = json_object_new_object(),
                                   *certs = json_object_new_object(), *cas = json_object_new_array(),
                                   *acme = json_object_new_array(), *rev = json_object_new_object();
        http_response *resp = NULL;
        audit_actor who;
        int64_t active = 0, disabled = 0, valid = 0, revoked = 0, expired = 0;
        time_t now = time(NULL);
        int r;

        if (!admin_authorize(req, &who, NULL, &resp))
                return resp;
        if (!o || !dev || !certs || !cas || !acme || !rev)
                return NULL;
        r = count_devices(DEVICE_ACTIVE, &active);
        if (r >= 0)
                r = count_devices(DEVICE_DISABLED, &disabled);
        if (r >= 0)
                r = count_certs(CERT_STATE_VALID, now, &valid);
        if (r >= 0)
                r = count_certs(CERT_STATE_REVOKED, now, &revoked);
        if (r >= 0)
                r = count_certs(CERT_STATE_EXPIRED, now, &expired);
        if (r < 0)
                return db_error(r, "count devices and certificates");
        if (json_add_int64(dev, "active", active) < 0 || json_add_int64(dev, "disabled", disabled) < 0 ||
            json_add_int64(certs, "valid", valid) < 0 || json_add_int64(certs, "revoked", revoked) < 0 ||
            json_add_int64(certs, "expired", expired) < 0)
                return NULL;
        r = ca_cert_json("root", issuer_root(the_api.iss), cas);
        for (ca_kind k = 0; k < _CA_KIND_MAX && r >= 0; k++) {
                char name[32];
                snprintf(name, sizeof(name), "%s-ca", ca_kind_to_string(k));
                r = ca_cert_json(name, issuer_ca_cert(the_api.iss, k), cas);
        }
        for (size_t i = 0; i < the_api.cfg->n_provisioners && r >= 0; i++) {
                const ca_provisioner *p = &the_api.cfg->provisioners[i];
                _cleanup_free_ char *url = NULL;
                if (!streq(p->type, "acme"))
                        continue;
                if (asprintf(&url, "/acme/%s/directory", p->name) < 0)
                        return NULL;
                json_object *e = json_object_new_object();
                if (!e || json_add_string(e, "provisioner", p->name) < 0 || json_add_string(e, "directory", url) < 0 ||
                    json_object_array_add(acme, e) < 0) {
                        json_object_put(e);
                        return NULL;
                }
        }
        if (r < 0)
                return NULL;
        /* CRL and OCSP do not exist yet: null until they do. */
        if (json_object_object_add(rev, "crl", NULL) < 0 || json_object_object_add(rev, "ocsp", NULL) < 0)
                return NULL;
        if (json_add_object(o, "devices", TAKE_PTR(dev)) < 0 ||
            json_add_object(o, "certificates", TAKE_PTR(certs)) < 0 ||
            json_add_object(o, "ca_certificates", TAKE_PTR(cas)) < 0 ||
            json_add_object(o, "acme_directories", TAKE_PTR(acme)) < 0 ||
            json_add_object(o, "revocation", TAKE_PTR(rev)) < 0 || json_add_int64(o, "now", (int64_t) now) < 0)
                return NULL;
        return http_response_json(200, o, NULL);
}

static http_response *handle_audit(const http_request *req, void *userdata) {
        _cleanup_json_ json_object *o = json_object_new_object(), *arr = json_object_new_array();
        http_response *resp = NULL;
        audit_actor who;
        uint64_t limit, before;
        audit_entry *v = NULL;
        size_t n = 0;
        int r;

        if (!admin_authorize(req, &who, NULL, &resp))
                return resp;
        if (!o || !arr)
                return NULL;
        if (query_parse_count(http_request_query(req, "limit"), 50, AUDIT_LIST_MAX, &limit) < 0 || limit == 0 ||
            query_parse_count(http_request_query(req, "before"), 0, INT64_MAX, &before) < 0)
                return http_response_error(400, "limit must be 1 to 500, before an entry id");
        audit_query q = { .before_id = (int64_t) before, .limit = (size_t) limit, .q = http_request_query(req, "q") };
        r = audit_list(the_api.st, &q, &v, &n);
        if (r == -EINVAL)
                return http_response_error(400, "invalid search text");
        if (r < 0)
                return db_error(r, "read the audit log");
        for (size_t i = 0; i < n && r >= 0; i++) {
                json_object *e = NULL;
                r = audit_entry_to_json(&v[i], &e);
                if (r >= 0 && json_object_array_add(arr, e) < 0) {
                        json_object_put(e);
                        r = -ENOMEM;
                }
        }
        /* The cursor for the next (older) page, when this one is full. */
        if (r >= 0 && n == limit)
                r = json_add_int64(o, "next_before", v[n - 1].id);
        audit_entries_free(v, n);
        if (r < 0 || json_add_object(o, "entries", TAKE_PTR(arr)) < 0)
                return NULL;
        return http_response_json(200, o, NULL);
}

int cert_api_register(http_server *srv, store *st, issuer *iss, const ca_config *cfg) {
        int r;

        the_api.st = st;
        the_api.iss = iss;
        the_api.cfg = cfg;
        r = http_server_route(srv, "GET", "/admin/certificates", false, handle_list, NULL);
        if (r >= 0)
                r = http_server_route(srv, NULL, "/admin/certificates/", true, handle_cert, NULL);
        if (r >= 0)
                r = http_server_route(srv, "GET", "/admin/overview", false, handle_overview, NULL);
        if (r >= 0)
                r = http_server_route(srv, "GET", "/admin/audit", false, handle_audit, NULL);
        return r;
}
