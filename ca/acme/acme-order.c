/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ACME orders (RFC 8555 sections 7.1.3, 7.4): newOrder (which challenges
 * each identifier gets is acme_challenges_for()'s decision), the order
 * view, and finalize with its issuance.
 */
#include "acme-csr.h"
#include "acme-device.h"
#include "acme-handlers.h"
#include "acme-policy.h"
#include "acme-reply.h"
#include "ca/inventory/devices.h"
#include "log.h"
#include "time-util.h"
#include "x509.h"

static json_object *order_json(acme_ctx *c, const acme_order_row *o) {
        _cleanup_json_ json_object *obj = json_object_new_object(), *ids = NULL, *authzs = json_object_new_array();
        _cleanup_free_ char *fin = acme_url(c, "order", o->id, "finalize");
        char **authz_ids = NULL, when[FORMAT_TIME_MAX];
        int r;

        if (!obj || !authzs || !fin)
                return NULL;
        if (json_parse(o->identifiers, strlen(o->identifiers), 256 * 1024, &ids) < 0)
                return NULL;
        r = acme_db_order_authz_ids(c->srv->st, o->id, &authz_ids);
        if (r < 0)
                return NULL;
        for (size_t i = 0; authz_ids[i]; i++) {
                _cleanup_free_ char *u = acme_url(c, "authz", authz_ids[i], NULL);

                if (!u || json_object_array_add(authzs, json_object_new_string(u)) < 0) {
                        acme_strv_free(authz_ids);
                        return NULL;
                }
        }
        acme_strv_free(authz_ids);
        (void) format_time((time_t) o->expires, when);
        if (json_add_string(obj, "status", acme_order_effective_status(o, acme_now())) < 0 ||
            json_add_string(obj, "expires", when) < 0 ||
            json_add_object(obj, "identifiers", TAKE_PTR(ids)) < 0 ||
            json_add_object(obj, "authorizations", TAKE_PTR(authzs)) < 0 ||
            json_add_string(obj, "finalize", fin) < 0)
                return NULL;
        if (o->cert_id) {
                _cleanup_free_ char *cu = acme_url(c, "cert", o->cert_id, NULL);

                if (!cu || json_add_string(obj, "certificate", cu) < 0)
                        return NULL;
        }
        if (acme_json_add_error(obj, o->error) < 0)
                return NULL;
        return TAKE_PTR(obj);
}

static http_response *reply_order(acme_ctx *c, unsigned status, const acme_order_row *o) {
        _cleanup_json_ json_object *obj = order_json(c, o);
        _cleanup_free_ char *loc = acme_url(c, "order", o->id, NULL);
        const char *st = acme_order_effective_status(o, acme_now());
        http_response *r;

        if (!obj)
                return acme_reply_error(c, -ENOMEM);
        r = acme_reply_header(acme_reply_json(c, status, obj), "Location", loc);
        if (streq(st, "pending") || streq(st, "processing"))
                r = acme_reply_retry_after(r, ACME_RETRY_AFTER);
        return r;
}

/* ---- newOrder ---- */

/* The order row of a new order, with its identifiers as requested
 * ([{type, value}] JSON text); it owns its strings. */
static int order_row_new(const acme_ctx *c, const acme_new_order *no, uint64_t now, acme_order_row *ret) {
        _cleanup_json_ json_object *ids = json_object_new_array();
        _cleanup_(acme_order_row_done) acme_order_row o = {
                .account_id = strdup(c->account.id),
                .provisioner = strdup(c->prov->name),
                .status = strdup("pending"),
                .expires = (int64_t) (now + ACME_ORDER_LIFETIME),
                .created = (int64_t) now,
        };
        int r;

        if (!ids || !o.account_id || !o.provisioner || !o.status)
                return -ENOMEM;
        for (size_t i = 0; i < no->n_ids; i++) {
                json_object *j = json_object_new_object();

                if (!j || json_object_array_add(ids, j) < 0) {
                        json_object_put(j);
                        return -ENOMEM;
                }
                if (json_add_string(j, "type", acme_id_type_to_string(no->ids[i].type)) < 0 ||
                    json_add_string(j, "value", no->ids[i].value) < 0)
                        return -ENOMEM;
        }
        r = json_to_string_dup(ids, &o.identifiers);
        if (r >= 0)
                r = acme_id_new(&o.id);
        if (r < 0)
                return r;
        *ret = o;
        o = (acme_order_row) {};
        return 0;
}

/* The pending authorization of one identifier (wildcard: its "*." is
 * dropped from the value); it owns its strings. */
static int authz_row_new(const acme_identifier *id, bool wildcard, uint64_t now, acme_authz_row *ret) {
        _cleanup_(acme_authz_row_done) acme_authz_row a = {
                .id_type = strdup(acme_id_type_to_string(id->type)),
                .id_value = strdup(id->value + (wildcard ? 2 : 0)),
                .wildcard = wildcard,
                .status = strdup("pending"),
                .expires = (int64_t) (now + ACME_ORDER_LIFETIME),
        };
        int r;

        if (!a.id_type || !a.id_value || !a.status)
                return -ENOMEM;
        r = acme_id_new(&a.id);
        if (r < 0)
                return r;
        *ret = a;
        a = (acme_authz_row) {};
        return 0;
}

/* A pending challenge of type ct for authorization authz_id, with a fresh
 * token; it owns its strings. */
static int chall_row_new(const char *authz_id, const challenge_type *ct, acme_chall_row *ret) {
        _cleanup_(acme_chall_row_done) acme_chall_row ch = {
                .authz_id = strdup(authz_id),
                .type = strdup(ct->name),
                .status = strdup("pending"),
        };
        int r;

        if (!ch.authz_id || !ch.type || !ch.status)
                return -ENOMEM;
        r = acme_id_new(&ch.id);
        if (r >= 0)
                r = challenge_token_new(&ch.token);
        if (r < 0)
                return r;
        *ret = ch;
        ch = (acme_chall_row) {};
        return 0;
}

/* [limits] new_order_per_account and new_order_per_address: 0, or the
 * seconds to wait. */
static int check_rate(acme_ctx *c) {
        uint64_t now_ms = now_monotonic_ms();
        unsigned wait = rate_limiter_take(c->srv->new_order_per_account, c->account.id, now_ms);
        char client[RATE_LIMIT_ADDR_KEY_MAX];

        rate_limit_address_key(c->req->remote_addr, client);
        if (wait == 0)
                wait = rate_limiter_take(c->srv->new_order_per_address, client, now_ms);
        return (int) wait; /* at most CA_RATE_MAX_PER */
}

/* Identifiers this provisioner could never issue for are refused now, not
 * after the client has spent a challenge on them: a type no challenge of
 * the provisioner proves, and for device-attest-01 a device (EK URI) that
 * is not in the inventory or not active. 0, -EPROTO (rejectedIdentifier)
 * or -errno. */
static int check_identifiers(acme_ctx *c, const acme_new_order *no) {
        for (size_t i = 0; i < no->n_ids; i++) {
                const acme_identifier *id = &no->ids[i];
                bool wildcard = id->type == ACME_ID_DNS && strncmp(id->value, "*.", 2) == 0;
                const challenge_type *offer[ACME_MAX_CHALLENGES];
                _cleanup_(device_done) device d = {};
                int r;

                if (acme_challenges_for(c->prov, id->type, wildcard, offer) == 0)
                        return acme_problem_set(&c->problem, ACME_ERR_REJECTED_IDENTIFIER,
                                                "No challenge of this provisioner can prove \"%.253s\".", id->value);
                if (id->type != ACME_ID_PERMANENT)
                        continue;
                r = devices_get_by_ek_uri(c->srv->st, id->value, &d);
                /* Typed so that the device's agent withdraws what it holds
                 * (docs/revocation.md). */
                if (r == -ENOENT)
                        return acme_problem_set(&c->problem, ACME_ERR_DEVICE_REMOVED,
                                                "\"%.253s\" is not a device in the inventory.", id->value);
                if (r < 0)
                        return r;
                if (d.status != DEVICE_ACTIVE)
                        return acme_problem_set(&c->problem, ACME_ERR_DEVICE_DISABLED,
                                                "The device \"%.253s\" is disabled in the inventory.", id->value);
        }
        return 0;
}

http_response *acme_handle_new_order(acme_ctx *c) {
        _cleanup_(acme_new_order_done) acme_new_order no = {};
        _cleanup_(acme_order_row_done) acme_order_row o = {};
        acme_authz_row *authz = NULL;
        acme_chall_row *challs = NULL;
        size_t n_authz = 0, n_challs = 0;
        uint64_t now = acme_now();
        http_response *resp = NULL;
        int r;

        r = acme_authenticate(c, ACME_AUTH_KID);
        if (r >= 0)
                r = acme_parse_new_order(c->jws->payload, c->jws->payload_len, acme_provisioner_id_mask(c->prov),
                                         &no, &c->problem);
        if (r < 0)
                return acme_reply_error(c, r);
        r = check_rate(c);
        if (r > 0)
                return acme_reply_rate_limited(c, (unsigned) r, "new orders");
        r = check_identifiers(c, &no);
        if (r < 0)
                return acme_reply_error(c, r);

        authz = calloc(no.n_ids, sizeof(*authz));
        challs = calloc(no.n_ids * ACME_MAX_CHALLENGES, sizeof(*challs));
        r = authz && challs ? order_row_new(c, &no, now, &o) : -ENOMEM;
        for (size_t i = 0; r >= 0 && i < no.n_ids; i++) {
                const acme_identifier *id = &no.ids[i];
                bool wildcard = id->type == ACME_ID_DNS && strncmp(id->value, "*.", 2) == 0;
                const challenge_type *offer[ACME_MAX_CHALLENGES];
                size_t n_offer = acme_challenges_for(c->prov, id->type, wildcard, offer);

                if (n_offer == 0) {
                        r = acme_problem_set(&c->problem, ACME_ERR_REJECTED_IDENTIFIER,
                                             "No challenge of this provisioner can prove \"%.253s\".", id->value);
                        break;
                }
                r = authz_row_new(id, wildcard, now, &authz[n_authz]);
                if (r < 0)
                        break;
                n_authz++;
                for (size_t k = 0; r >= 0 && k < n_offer; k++) {
                        r = chall_row_new(authz[i].id, offer[k], &challs[n_challs]);
                        if (r >= 0)
                                n_challs++;
                }
        }
        if (r >= 0)
                r = acme_db_order_create(c->srv->st, &o, authz, n_authz, challs, n_challs);
        if (r >= 0) {
                log_debug("ACME provisioner \"%s\": account \"%s\" created order \"%s\".", c->prov->name,
                          c->account.id, o.id);
                resp = reply_order(c, 201, &o);
        }
        acme_authz_rows_free(authz, n_authz);
        acme_chall_rows_free(challs, n_challs);
        if (r < 0)
                return acme_reply_error(c, r);
        return resp;
}

/* ---- order and finalize ---- */

static int load_order(acme_ctx *c, const char *id, acme_order_row *o) {
        int r = acme_db_order_get(c->srv->st, c->prov->name, id, o);

        if (r == -ENOENT)
                return acme_problem_set_status(&c->problem, ACME_ERR_MALFORMED, 404, "No such order.");
        if (r < 0)
                return r;
        if (!streq(o->account_id, c->account.id))
                return acme_problem_set(&c->problem, ACME_ERR_UNAUTHORIZED, "The order belongs to another account.");
        return 0;
}

static int sans_from_identifiers(const acme_identifier *ids, size_t n, x509_san **ret) {
        x509_san *s = calloc(n ? n : 1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                s[i].type = ids[i].type == ACME_ID_IP          ? X509_SAN_IP
                            : ids[i].type == ACME_ID_PERMANENT ? X509_SAN_PERMANENT_ID
                                                               : X509_SAN_DNS;
                s[i].value = ids[i].value;
        }
        *ret = s;
        return 0;
}

static int finalize_issue(acme_ctx *c, acme_order_row *o, X509_REQ *csr, const acme_identifier *ids,
                          size_t n_ids, const char *cn, int64_t device_id) {
        _cleanup_free_ x509_san *sans = NULL;
        _cleanup_free_ char *cert_id = NULL;
        issued_cert ic = {};
        issue_request ir;
        EVP_PKEY *pub = X509_REQ_get0_pubkey(csr);
        bool in_tx = false;
        int r;

        r = sans_from_identifiers(ids, n_ids, &sans);
        if (r < 0)
                return r;
        if (device_id > 0) {
                /* A device identity (protocols.md section 2): the EK URI as
                 * PermanentIdentifier and as URI, for TLS client auth. */
                x509_san *s2 = reallocarray(sans, 2, sizeof(*sans));

                if (!s2)
                        return -ENOMEM;
                sans = s2;
                sans[0] = (x509_san) { .type = X509_SAN_PERMANENT_ID, .value = ids[0].value };
                sans[1] = (x509_san) { .type = X509_SAN_URI, .value = ids[0].value };
                n_ids = 2;
        }
        r = acme_id_new(&cert_id);
        if (r < 0)
                return r;
        ir = (issue_request) {
                .ca = CA_AGENT,
                .public_key = pub,
                .subject_cn = cn,
                .sans = sans,
                .n_sans = n_ids,
                .profile = device_id > 0
                                   ? cert_profile_leaf(pub, CERT_EKU_CLIENT_AUTH,
                                                       c->srv->cfg->lifetime_agent ?: 30 * 24 * 3600)
                                   : cert_profile_leaf(pub, acme_provisioner_ekus(c->prov),
                                                       c->srv->cfg->lifetime_acme ?: 90 * 24 * 3600),
                .device_id = device_id,
                .account = c->account.id,
        };

        r = store_begin(c->srv->st);
        if (r < 0)
                return r;
        in_tx = true;
        /* The transition is the lock: of two racing finalize requests
         * only one moves the order out of "ready". */
        r = acme_db_order_transition(c->srv->st, o->id, "ready", "processing", NULL);
        if (r == 0)
                r = acme_problem_set(&c->problem, ACME_ERR_ORDER_NOT_READY, "The order is not ready.");
        if (r >= 0 && device_id > 0)
                r = acme_device_hold_active(c, device_id);
        if (r >= 0)
                r = issuer_issue(c->srv->iss, &ir, &ic);
        if (r >= 0)
                r = acme_db_cert_insert(c->srv->st, cert_id, o->id, c->account.id, ic.serial, ic.chain_pem,
                                        (int64_t) acme_now());
        if (r >= 0)
                r = acme_db_order_set_cert(c->srv->st, o->id, cert_id);
        if (r >= 0)
                r = acme_db_order_transition(c->srv->st, o->id, "processing", "valid", NULL);
        if (r >= 0)
                r = store_commit(c->srv->st);
        if (r >= 0)
                in_tx = false;
        store_rollback_unless_committed(c->srv->st, &in_tx);
        if (r >= 0) {
                log_info("ACME provisioner \"%s\": order \"%s\" issued certificate %s.", c->prov->name, o->id,
                         ic.serial);
                free(o->status);
                o->status = strdup("valid");
                free(o->cert_id);
                o->cert_id = TAKE_PTR(cert_id);
                if (!o->status)
                        r = -ENOMEM;
        }
        issued_cert_done(&ic);
        return r < 0 ? r : 0;
}

http_response *acme_handle_order(acme_ctx *c, const char *id, bool finalize) {
        _cleanup_(acme_order_row_done) acme_order_row o = {};
        _cleanup_free_ uint8_t *der = NULL;
        _cleanup_free_ char *cn = NULL;
        acme_identifier *ids = NULL;
        size_t der_len, n_ids = 0;
        X509_REQ *csr = NULL;
        int64_t device_id = 0;
        int r;

        r = acme_authenticate(c, ACME_AUTH_KID);
        if (r >= 0)
                r = load_order(c, id, &o);
        if (r < 0)
                return acme_reply_error(c, r);
        if (!finalize) {
                if (!acme_is_post_as_get(c))
                        return acme_reply_problemf(c, ACME_ERR_MALFORMED, "Orders are read with POST-as-GET.");
                return reply_order(c, 200, &o);
        }

        /* Parse first: a malformed request is malformed whatever the state. */
        r = acme_parse_finalize(c->jws->payload, c->jws->payload_len, &der, &der_len, &c->problem);
        if (r < 0)
                return acme_reply_error(c, r);
        if (!streq(acme_order_effective_status(&o, acme_now()), "ready"))
                return acme_reply_problemf(c, ACME_ERR_ORDER_NOT_READY, "The order is not ready to be finalized.");
        r = x509_csr_parse_der(der, der_len, ACME_MAX_CSR_DER, &csr);
        if (r == -ENOMEM)
                return acme_reply_error(c, r);
        if (r < 0)
                return acme_reply_problemf(c, ACME_ERR_BAD_CSR, "The CSR does not parse or its signature does not verify.");
        r = acme_identifiers_from_json(o.identifiers, &ids, &n_ids);
        if (r >= 0 && acme_provisioner_is_device(c->prov))
                r = acme_device_csr_check(c, &o, csr, ids, n_ids, &device_id, &cn);
        else if (r >= 0)
                r = acme_csr_check(csr, ids, n_ids, c->key, &cn, &c->problem);
        if (r >= 0)
                r = finalize_issue(c, &o, csr, ids, n_ids, cn, device_id);
        X509_REQ_free(csr);
        acme_identifiers_free(ids, n_ids);
        if (r < 0)
                return acme_reply_error(c, r);
        return reply_order(c, 200, &o);
}
