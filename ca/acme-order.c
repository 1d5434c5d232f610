/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ACME orders and what hangs off them (RFC 8555 sections 7.1.3-7.1.6,
 * 7.4-7.6): newOrder, order and authorization views, challenge
 * responses, finalize, certificate download and revokeCert.
 */
#include "acme.h"
#include "crypto.h"
#include "issuer.h"
#include "log.h"
#include "time-util.h"
#include "x509.h"

const char *acme_order_effective_status(const acme_order_row *o, uint64_t now) {
        if ((streq(o->status, "pending") || streq(o->status, "ready")) && (int64_t) now > o->expires)
                return "invalid";
        return o->status;
}

const char *acme_authz_effective_status(const acme_authz_row *a, uint64_t now) {
        if (streq(a->status, "pending") && (int64_t) now > a->expires)
                return "expired";
        return a->status;
}

static unsigned provisioner_id_mask(const ca_provisioner *p) {
        unsigned mask = 0;

        /* A device provisioner proves permanent identifiers only, and only
         * a device provisioner may (acme_device_attest_setup() keeps
         * device-attest-01 apart from other challenges). */
        if (acme_provisioner_is_device(p))
                return ACME_ID_MASK(ACME_ID_PERMANENT);

        for (char **t = p->challenges; t && *t; t++) {
                const challenge_type *ct = challenge_type_find(*t);

                if (ct)
                        mask |= ct->id_mask;
        }
        return mask & ~ACME_ID_MASK(ACME_ID_PERMANENT);
}

static int add_header(http_response *r, const char *name, const char *value) {
        return http_response_add_header(r, name, value);
}

static http_response *with_header(http_response *r, const char *name, const char *value) {
        if (r && (!value || add_header(r, name, value) < 0)) {
                http_response_free(r);
                return NULL;
        }
        return r;
}

static http_response *retry_after(http_response *r, unsigned seconds) {
        char v[16];

        (void) snprintf(v, sizeof(v), "%u", seconds);
        return with_header(r, "Retry-After", v);
}

static http_response *problem(acme_ctx *c, acme_error e, const char *detail) {
        (void) acme_problem_set(&c->problem, e, "%s", detail);
        return acme_reply_problem(c);
}

/* ---- views ---- */

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
        if (o->error) {
                json_object *err = NULL;

                if (json_parse(o->error, strlen(o->error), 64 * 1024, &err) >= 0 &&
                    json_add_object(obj, "error", err) < 0)
                        return NULL;
        }
        return TAKE_PTR(obj);
}

static http_response *reply_order(acme_ctx *c, unsigned status, const acme_order_row *o) {
        _cleanup_json_ json_object *obj = order_json(c, o);
        _cleanup_free_ char *loc = acme_url(c, "order", o->id, NULL);
        const char *st = acme_order_effective_status(o, acme_now());
        http_response *r;

        if (!obj)
                return acme_reply_error(c, -ENOMEM);
        r = with_header(acme_reply_json(c, status, obj), "Location", loc);
        if (streq(st, "pending") || streq(st, "processing"))
                r = retry_after(r, ACME_RETRY_AFTER);
        return r;
}

static json_object *chall_json(acme_ctx *c, const acme_chall_row *ch) {
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_free_ char *u = acme_url(c, "chall", ch->id, NULL);
        char when[FORMAT_TIME_MAX];

        if (!o || !u || json_add_string(o, "type", ch->type) < 0 || json_add_string(o, "url", u) < 0 ||
            json_add_string(o, "status", ch->status) < 0 || json_add_string(o, "token", ch->token) < 0)
                return NULL;
        if (ch->validated) {
                (void) format_time((time_t) ch->validated, when);
                if (json_add_string(o, "validated", when) < 0)
                        return NULL;
        }
        if (ch->error) {
                json_object *err = NULL;

                if (json_parse(ch->error, strlen(ch->error), 64 * 1024, &err) >= 0 &&
                    json_add_object(o, "error", err) < 0)
                        return NULL;
        }
        return TAKE_PTR(o);
}

static http_response *reply_authz(acme_ctx *c, const acme_authz_row *a) {
        _cleanup_json_ json_object *o = json_object_new_object(), *id = json_object_new_object(),
                                   *arr = json_object_new_array();
        acme_chall_row *ch = NULL;
        size_t n = 0;
        const char *st = acme_authz_effective_status(a, acme_now());
        char when[FORMAT_TIME_MAX];
        int r;

        if (!o || !id || !arr)
                return NULL;
        r = acme_db_authz_challenges(c->srv->st, a->id, &ch, &n);
        if (r < 0)
                return acme_reply_error(c, r);
        for (size_t i = 0; i < n; i++) {
                /* RFC 8555 section 7.1.4: a valid authorization lists the
                 * challenge that was used; keep them all otherwise. */
                json_object *cj;

                if (streq(st, "valid") && !streq(ch[i].status, "valid"))
                        continue;
                cj = chall_json(c, &ch[i]);
                if (!cj || json_object_array_add(arr, cj) < 0) {
                        json_object_put(cj);
                        acme_chall_rows_free(ch, n);
                        return NULL;
                }
        }
        acme_chall_rows_free(ch, n);
        (void) format_time((time_t) a->expires, when);
        if (json_add_string(id, "type", a->id_type) < 0 || json_add_string(id, "value", a->id_value) < 0 ||
            json_add_object(o, "identifier", TAKE_PTR(id)) < 0 || json_add_string(o, "status", st) < 0 ||
            json_add_string(o, "expires", when) < 0 ||
            json_add_object(o, "challenges", TAKE_PTR(arr)) < 0)
                return NULL;
        if (a->wildcard && json_add_bool(o, "wildcard", true) < 0)
                return NULL;
        {
                http_response *resp = acme_reply_json(c, 200, o);

                return streq(st, "pending") ? retry_after(resp, ACME_RETRY_AFTER) : resp;
        }
}

/* ---- newOrder ---- */

http_response *acme_handle_new_order(acme_ctx *c) {
        _cleanup_(acme_new_order_done) acme_new_order no = {};
        _cleanup_json_ json_object *ids_json = json_object_new_array();
        _cleanup_free_ char *ids_text = NULL, *order_id = NULL;
        _cleanup_(acme_order_row_done) acme_order_row o = {};
        acme_authz_row *authz = NULL;
        acme_chall_row *challs = NULL;
        size_t n_challs = 0, n_authz = 0;
        uint64_t now = acme_now();
        http_response *resp = NULL;
        int r;

        r = acme_authenticate(c, ACME_AUTH_KID);
        if (r < 0)
                return acme_reply_error(c, r);
        r = acme_parse_new_order(c->jws->payload, c->jws->payload_len, provisioner_id_mask(c->prov), &no,
                                 &c->problem);
        if (r < 0)
                return acme_reply_error(c, r);

        authz = calloc(no.n_ids, sizeof(*authz));
        challs = calloc(no.n_ids * 8, sizeof(*challs));
        if (!authz || !challs || !ids_json || acme_id_new(&order_id) < 0) {
                r = -ENOMEM;
                goto finish;
        }
        for (size_t i = 0; i < no.n_ids; i++) {
                const acme_identifier *id = &no.ids[i];
                bool wildcard = id->type == ACME_ID_DNS && strncmp(id->value, "*.", 2) == 0;
                json_object *j = json_object_new_object();
                size_t offered = 0;

                if (!j || json_object_array_add(ids_json, j) < 0) {
                        json_object_put(j);
                        r = -ENOMEM;
                        goto finish;
                }
                if (json_add_string(j, "type", acme_id_type_to_string(id->type)) < 0 ||
                    json_add_string(j, "value", id->value) < 0) {
                        r = -ENOMEM;
                        goto finish;
                }
                authz[i] = (acme_authz_row) {
                        .id_type = (char *) acme_id_type_to_string(id->type),
                        .id_value = id->value + (wildcard ? 2 : 0),
                        .wildcard = wildcard,
                        .status = (char *) "pending",
                        .expires = (int64_t) (now + ACME_ORDER_LIFETIME),
                };
                r = acme_id_new(&authz[i].id);
                if (r < 0)
                        goto finish;
                n_authz++;
                for (char **t = c->prov->challenges; t && *t && offered < 8; t++) {
                        const challenge_type *ct = challenge_type_find(*t);

                        if (!challenge_type_applies(ct, id->type, wildcard))
                                continue;
                        challs[n_challs] = (acme_chall_row) {
                                .authz_id = authz[i].id,
                                .type = (char *) ct->name,
                                .status = (char *) "pending",
                        };
                        if (acme_id_new(&challs[n_challs].id) < 0 ||
                            challenge_token_new(&challs[n_challs].token) < 0) {
                                n_challs++;
                                r = -ENOMEM;
                                goto finish;
                        }
                        n_challs++;
                        offered++;
                }
                if (offered == 0) {
                        r = acme_problem_set(&c->problem, ACME_ERR_REJECTED_IDENTIFIER,
                                             "No challenge of this provisioner can prove \"%.253s\".", id->value);
                        goto finish;
                }
        }
        r = json_to_string_dup(ids_json, &ids_text);
        if (r < 0)
                goto finish;
        o = (acme_order_row) {
                .id = TAKE_PTR(order_id),
                .account_id = strdup(c->account.id),
                .provisioner = strdup(c->prov->name),
                .status = strdup("pending"),
                .expires = (int64_t) (now + ACME_ORDER_LIFETIME),
                .identifiers = TAKE_PTR(ids_text),
                .created = (int64_t) now,
        };
        if (!o.account_id || !o.provisioner || !o.status) {
                r = -ENOMEM;
                goto finish;
        }
        r = acme_db_order_create(c->srv->st, &o, authz, n_authz, challs, n_challs);
        if (r < 0)
                goto finish;
        log_debug("ACME provisioner \"%s\": account \"%s\" created order \"%s\".", c->prov->name,
                  c->account.id, o.id);
        resp = reply_order(c, 201, &o);
finish:
        for (size_t i = 0; authz && i < n_authz; i++)
                free(authz[i].id);
        for (size_t i = 0; challs && i < n_challs; i++) {
                free(challs[i].id);
                free(challs[i].token);
        }
        free(authz);
        free(challs);
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
                                   : cert_profile_leaf(pub, CERT_EKU_SERVER_AUTH | CERT_EKU_CLIENT_AUTH,
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
                        return problem(c, ACME_ERR_MALFORMED, "Orders are read with POST-as-GET.");
                return reply_order(c, 200, &o);
        }

        /* Parse first: a malformed request is malformed whatever the state. */
        r = acme_parse_finalize(c->jws->payload, c->jws->payload_len, &der, &der_len, &c->problem);
        if (r < 0)
                return acme_reply_error(c, r);
        if (!streq(acme_order_effective_status(&o, acme_now()), "ready"))
                return problem(c, ACME_ERR_ORDER_NOT_READY, "The order is not ready to be finalized.");
        r = x509_csr_parse_der(der, der_len, ACME_MAX_CSR_DER, &csr);
        if (r == -ENOMEM)
                return acme_reply_error(c, r);
        if (r < 0)
                return problem(c, ACME_ERR_BAD_CSR, "The CSR does not parse or its signature does not verify.");
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

/* ---- authorizations and challenges ---- */

static int load_authz(acme_ctx *c, const char *id, acme_authz_row *a) {
        int r = acme_db_authz_get(c->srv->st, id, a);

        if (r == -ENOENT)
                return acme_problem_set_status(&c->problem, ACME_ERR_MALFORMED, 404, "No such authorization.");
        if (r < 0)
                return r;
        if (!streq(a->account_id, c->account.id))
                return acme_problem_set(&c->problem, ACME_ERR_UNAUTHORIZED,
                                        "The authorization belongs to another account.");
        return 0;
}

http_response *acme_handle_authz(acme_ctx *c, const char *id) {
        _cleanup_(acme_authz_row_done) acme_authz_row a = {};
        _cleanup_(acme_account_update_done) acme_account_update u = {};
        int r;

        r = acme_authenticate(c, ACME_AUTH_KID);
        if (r >= 0)
                r = load_authz(c, id, &a);
        if (r < 0)
                return acme_reply_error(c, r);
        if (!acme_is_post_as_get(c)) {
                /* RFC 8555 section 7.5.2: deactivation. */
                r = acme_parse_account_update(c->jws->payload, c->jws->payload_len, &u, &c->problem);
                if (r < 0)
                        return acme_reply_error(c, r);
                if (!u.deactivate)
                        return problem(c, ACME_ERR_MALFORMED, "Only {\"status\": \"deactivated\"} is accepted.");
                if (!streq(a.status, "pending") && !streq(a.status, "valid"))
                        return problem(c, ACME_ERR_MALFORMED, "The authorization cannot be deactivated.");
                r = acme_db_authz_set_status(c->srv->st, a.id, "deactivated");
                if (r >= 0)
                        r = acme_db_order_transition(c->srv->st, a.order_id, "pending", "invalid", NULL);
                if (r >= 0)
                        r = acme_db_order_transition(c->srv->st, a.order_id, "ready", "invalid", NULL);
                if (r < 0)
                        return acme_reply_error(c, r);
                free(a.status);
                a.status = strdup("deactivated");
                if (!a.status)
                        return NULL;
        }
        return reply_authz(c, &a);
}

static http_response *reply_chall(acme_ctx *c, const acme_chall_row *ch) {
        _cleanup_json_ json_object *o = chall_json(c, ch);
        _cleanup_free_ char *up = acme_url(c, "authz", ch->authz_id, NULL);
        _cleanup_free_ char *link = NULL;
        http_response *r;

        if (!o || !up || asprintf(&link, "<%s>;rel=\"up\"", up) < 0)
                return NULL;
        r = with_header(acme_reply_json(c, 200, o), "Link", link);
        if (streq(ch->status, "processing")) {
                int64_t wait = ch->next_attempt - (int64_t) acme_now();

                r = retry_after(r, wait > 0 ? (unsigned) wait : ACME_RETRY_AFTER);
        } else if (streq(ch->status, "pending"))
                r = retry_after(r, ACME_RETRY_AFTER);
        return r;
}

static int run_sync_challenge(acme_ctx *c, const challenge_type *ct, acme_chall_row *ch,
                              const acme_authz_row *a, json_object *payload) {
        _cleanup_free_ char *keyauth = NULL;
        _cleanup_json_ json_object *err = NULL;
        _cleanup_free_ char *err_text = NULL, *cid = NULL;
        acme_problem p = {};
        challenge_ctx cc;
        int r, k;

        r = challenge_key_authorization(ch->token, c->key, &keyauth);
        if (r < 0)
                return r;
        cc = (challenge_ctx) {
                .type = ct->name,
                .id_type = acme_id_type_from_string(a->id_type),
                .id_value = a->id_value,
                .wildcard = a->wildcard,
                .token = ch->token,
                .key_authorization = keyauth,
                .account_key = c->key,
                .provisioner = c->prov,
                .account_id = c->account.id,
                .order_id = a->order_id,
                .authz_id = a->id,
                .userdata = c->srv,
                .cancel = &c->srv->stopping,
        };
        k = ct->validate(&cc, payload, &p);
        if (k < 0)
                return k;
        if (k == 0) {
                err = acme_problem_to_json(&p);
                if (!err || json_to_string_dup(err, &err_text) < 0)
                        return -ENOMEM;
        }
        r = acme_db_chall_finish(c->srv->st, ch->id, k > 0, err_text, (int64_t) acme_now());
        if (r < 0)
                return r;
        cid = TAKE_PTR(ch->id);
        acme_chall_row_done(ch);
        return acme_db_chall_get(c->srv->st, cid, ch);
}

http_response *acme_handle_challenge(acme_ctx *c, const char *id) {
        _cleanup_(acme_chall_row_done) acme_chall_row ch = {};
        _cleanup_(acme_authz_row_done) acme_authz_row a = {};
        _cleanup_json_ json_object *payload = NULL;
        const challenge_type *ct;
        int r;

        r = acme_authenticate(c, ACME_AUTH_KID);
        if (r < 0)
                return acme_reply_error(c, r);
        r = acme_db_chall_get(c->srv->st, id, &ch);
        if (r == -ENOENT)
                r = acme_problem_set_status(&c->problem, ACME_ERR_MALFORMED, 404, "No such challenge.");
        if (r >= 0)
                r = load_authz(c, ch.authz_id, &a);
        if (r < 0)
                return acme_reply_error(c, r);
        if (acme_is_post_as_get(c))
                return reply_chall(c, &ch);

        r = acme_parse_challenge_payload(c->jws->payload, c->jws->payload_len, &payload, &c->problem);
        if (r < 0)
                return acme_reply_error(c, r);
        /* Responding again, or to a decided authorization, changes nothing. */
        if (!streq(ch.status, "pending") || !streq(acme_authz_effective_status(&a, acme_now()), "pending"))
                return reply_chall(c, &ch);
        ct = challenge_type_find(ch.type);
        if (!ct)
                return acme_reply_error(c, -EINVAL);

        if (ct->sync) {
                r = run_sync_challenge(c, ct, &ch, &a, payload);
                if (r < 0)
                        return acme_reply_error(c, r);
                return reply_chall(c, &ch);
        }

        if (acme_validator_busy(c->srv->validator)) {
                (void) acme_problem_set(&c->problem, ACME_ERR_RATE_LIMITED,
                                        "Too many validations are waiting; try again later.");
                return retry_after(acme_reply_problem(c), 10);
        }
        /* Of two responses, at one instance or two, one starts it. */
        r = acme_db_chall_start(c->srv->st, ch.id, (int64_t) acme_now());
        if (r > 0)
                r = acme_validator_enqueue(c->srv->validator, ch.id, 0);
        if (r >= 0) {
                _cleanup_free_ char *cid = TAKE_PTR(ch.id);

                acme_chall_row_done(&ch);
                r = acme_db_chall_get(c->srv->st, cid, &ch);
        }
        if (r < 0)
                return acme_reply_error(c, r);
        return reply_chall(c, &ch);
}

/* ---- certificates ---- */

http_response *acme_handle_cert(acme_ctx *c, const char *id) {
        _cleanup_free_ char *chain = NULL, *account = NULL;
        int r;

        r = acme_authenticate(c, ACME_AUTH_KID);
        if (r < 0)
                return acme_reply_error(c, r);
        if (!acme_is_post_as_get(c))
                return problem(c, ACME_ERR_MALFORMED, "Certificates are downloaded with POST-as-GET.");
        r = acme_db_cert_get(c->srv->st, id, &chain, &account);
        if (r == -ENOENT)
                r = acme_problem_set_status(&c->problem, ACME_ERR_MALFORMED, 404, "No such certificate.");
        else if (r >= 0 && !streq(account, c->account.id))
                r = acme_problem_set(&c->problem, ACME_ERR_UNAUTHORIZED, "The certificate belongs to another account.");
        if (r < 0)
                return acme_reply_error(c, r);
        {
                http_response *resp = http_response_new(200);

                if (!resp || http_response_set_body(resp, chain, strlen(chain), "application/pem-certificate-chain") < 0) {
                        http_response_free(resp);
                        return NULL;
                }
                return acme_reply(c, resp);
        }
}

http_response *acme_handle_revoke(acme_ctx *c) {
        _cleanup_(acme_revoke_done) acme_revoke rv = {};
        _cleanup_x509_ X509 *cert = NULL;
        _cleanup_free_ char *serial = NULL;
        issued_info info = {};
        int r;

        r = acme_authenticate(c, ACME_AUTH_JWK | ACME_AUTH_KID);
        if (r >= 0)
                r = acme_parse_revoke(c->jws->payload, c->jws->payload_len, &rv, &c->problem);
        if (r < 0)
                return acme_reply_error(c, r);
        r = x509_cert_from_der(rv.cert_der, rv.cert_len, &cert);
        if (r == -ENOMEM)
                return acme_reply_error(c, r);
        if (r < 0)
                return problem(c, ACME_ERR_MALFORMED, "\"certificate\" is not a DER certificate.");
        r = x509_cert_serial_hex(cert, &serial);
        if (r < 0)
                return acme_reply_error(c, r);
        r = issuer_lookup(c->srv->iss, serial, &info);
        if (r == -ENOENT || (r >= 0 && (info.der_len != rv.cert_len || memcmp(info.der, rv.cert_der, rv.cert_len) != 0 ||
                                        !streq_ptr(info.ca, "agent")))) {
                issued_info_done(&info);
                return problem(c, ACME_ERR_UNAUTHORIZED, "The certificate was not issued by this ACME server.");
        }
        if (r < 0)
                return acme_reply_error(c, r);

        if (c->has_account)
                r = streq_ptr(info.account, c->account.id) ? 0 : -EPERM;
        else
                r = crypto_pubkey_equal(X509_get0_pubkey(cert), c->key) == 1 ? 0 : -EPERM;
        if (r < 0) {
                issued_info_done(&info);
                return problem(c, ACME_ERR_UNAUTHORIZED,
                               "Neither the account nor the key may revoke this certificate.");
        }
        if (info.revoked) {
                issued_info_done(&info);
                return problem(c, ACME_ERR_ALREADY_REVOKED, "The certificate is already revoked.");
        }
        issued_info_done(&info);
        r = issuer_revoke_serial(c->srv->iss, serial, rv.reason);
        if (r == -EALREADY)
                return problem(c, ACME_ERR_ALREADY_REVOKED, "The certificate is already revoked.");
        if (r < 0)
                return acme_reply_error(c, r);
        log_info("ACME provisioner \"%s\": certificate %s revoked (reason %d).", c->prov->name, serial, rv.reason);
        return acme_reply(c, http_response_new(200));
}
