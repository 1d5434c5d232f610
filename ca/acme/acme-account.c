/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ACME accounts (RFC 8555 sections 7.3.1-7.3.6): newAccount (with
 * onlyReturnExisting), account update and deactivation, the orders list,
 * and keyChange with its nested JWS.
 */
#include "acme-handlers.h"
#include "acme-reply.h"
#include "crypto.h"
#include "jwk.h"
#include "log.h"
#include "time-util.h"

static json_object *account_json(const acme_ctx *c, const acme_account_row *a) {
        _cleanup_json_ json_object *o = json_object_new_object(), *contact = NULL;
        _cleanup_free_ char *orders = acme_url(c, "account", a->id, "orders");

        if (!o || !orders)
                return NULL;
        if (json_parse(a->contact, strlen(a->contact), 64 * 1024, &contact) < 0)
                contact = json_object_new_array();
        if (!contact || json_add_string(o, "status", a->status) < 0 ||
            json_add_object(o, "contact", TAKE_PTR(contact)) < 0 || json_add_string(o, "orders", orders) < 0)
                return NULL;
        return TAKE_PTR(o);
}

static http_response *reply_account(acme_ctx *c, unsigned status, const acme_account_row *a) {
        _cleanup_json_ json_object *o = account_json(c, a);
        _cleanup_free_ char *loc = acme_url(c, "account", a->id, NULL);
        http_response *r;

        if (!o || !loc)
                return NULL;
        r = acme_reply_json(c, status, o);
        if (r && http_response_add_header(r, "Location", loc) < 0) {
                http_response_free(r);
                return NULL;
        }
        return r;
}

http_response *acme_handle_new_account(acme_ctx *c) {
        _cleanup_(acme_new_account_done) acme_new_account na = {};
        _cleanup_(acme_account_row_done) acme_account_row existing = {}, a = {};
        _cleanup_json_ json_object *jwk = NULL;
        _cleanup_free_ char *thumb = NULL, *jwk_text = NULL, *contact = NULL, *id = NULL;
        int r;

        r = acme_authenticate(c, ACME_AUTH_JWK);
        if (r < 0)
                return acme_reply_error(c, r);
        r = acme_parse_new_account(c->jws->payload, c->jws->payload_len, &na, &c->problem);
        if (r < 0)
                return acme_reply_error(c, r);

        r = jwk_thumbprint_b64(c->key, &thumb);
        if (r < 0)
                return acme_reply_error(c, r);
        r = acme_db_account_by_thumbprint(c->srv->st, c->prov->name, thumb, &existing);
        if (r >= 0)
                /* RFC 8555 section 7.3.1: the existing account, 200, Location. */
                return reply_account(c, 200, &existing);
        if (r != -ENOENT)
                return acme_reply_error(c, r);
        if (na.only_return_existing) {
                (void) acme_problem_set(&c->problem, ACME_ERR_ACCOUNT_DOES_NOT_EXIST,
                                        "No account exists for this key.");
                return acme_reply_problem(c);
        }

        {
                char client[RATE_LIMIT_ADDR_KEY_MAX];
                unsigned wait;

                rate_limit_address_key(c->req->remote_addr, client);
                wait = rate_limiter_take(c->srv->new_account_per_address, client, now_monotonic_ms());

                if (wait > 0)
                        return acme_reply_rate_limited(c, wait, "new accounts from this address");
        }
        if (jwk_from_pkey(c->key, &jwk) < 0 || json_to_string_dup(jwk, &jwk_text) < 0 ||
            acme_contacts_to_json(&na.contact, &contact) < 0 || acme_id_new(&id) < 0)
                return acme_reply_error(c, -ENOMEM);
        a = (acme_account_row) {
                .id = TAKE_PTR(id),
                .provisioner = strdup(c->prov->name),
                .status = strdup("valid"),
                .jwk = TAKE_PTR(jwk_text),
                .thumbprint = TAKE_PTR(thumb),
                .contact = TAKE_PTR(contact),
                .created = (int64_t) acme_now(),
        };
        if (!a.provisioner || !a.status)
                return acme_reply_error(c, -ENOMEM);
        r = acme_db_account_insert(c->srv->st, &a);
        if (r == -EEXIST) {
                /* Lost a race with the same key: answer like the winner. */
                r = acme_db_account_by_thumbprint(c->srv->st, c->prov->name, a.thumbprint, &existing);
                if (r >= 0)
                        return reply_account(c, 200, &existing);
        }
        if (r < 0)
                return acme_reply_error(c, r);
        log_info("ACME provisioner \"%s\": new account \"%s\".", c->prov->name, a.id);
        return reply_account(c, 201, &a);
}

static http_response *reply_orders(acme_ctx *c) {
        _cleanup_json_ json_object *o = json_object_new_object(), *arr = json_object_new_array();
        char **ids = NULL;
        int r;

        if (!o || !arr)
                return NULL;
        r = acme_db_account_order_ids(c->srv->st, c->account.id, &ids);
        if (r < 0)
                return acme_reply_error(c, r);
        for (size_t i = 0; ids[i]; i++) {
                _cleanup_free_ char *u = acme_url(c, "order", ids[i], NULL);

                if (!u || json_object_array_add(arr, json_object_new_string(u)) < 0) {
                        acme_strv_free(ids);
                        return NULL;
                }
        }
        acme_strv_free(ids);
        if (json_add_object(o, "orders", TAKE_PTR(arr)) < 0)
                return NULL;
        return acme_reply_json(c, 200, o);
}

http_response *acme_handle_account(acme_ctx *c, const char *id, bool orders) {
        _cleanup_(acme_account_update_done) acme_account_update u = {};
        int r;

        r = acme_authenticate(c, ACME_AUTH_KID);
        if (r < 0)
                return acme_reply_error(c, r);
        if (!streq(c->account.id, id)) {
                (void) acme_problem_set(&c->problem, ACME_ERR_UNAUTHORIZED,
                                        "The JWS \"kid\" is not this account.");
                return acme_reply_problem(c);
        }
        if (orders) {
                if (!acme_is_post_as_get(c)) {
                        (void) acme_problem_set(&c->problem, ACME_ERR_MALFORMED, "Use POST-as-GET.");
                        return acme_reply_problem(c);
                }
                return reply_orders(c);
        }
        if (acme_is_post_as_get(c))
                return reply_account(c, 200, &c->account);

        r = acme_parse_account_update(c->jws->payload, c->jws->payload_len, &u, &c->problem);
        if (r < 0)
                return acme_reply_error(c, r);
        if (u.contact.present) {
                _cleanup_free_ char *contact = NULL;

                r = acme_contacts_to_json(&u.contact, &contact);
                if (r >= 0)
                        r = acme_db_account_set_contact(c->srv->st, id, contact);
                if (r < 0)
                        return acme_reply_error(c, r);
                free(c->account.contact);
                c->account.contact = TAKE_PTR(contact);
        }
        if (u.deactivate) {
                char *s = strdup("deactivated");

                if (!s)
                        return NULL;
                r = acme_db_account_deactivate(c->srv->st, id);
                if (r < 0) {
                        free(s);
                        return acme_reply_error(c, r);
                }
                free(c->account.status);
                c->account.status = s;
                log_info("ACME provisioner \"%s\": account \"%s\" deactivated.", c->prov->name, id);
        }
        return reply_account(c, 200, &c->account);
}

/* RFC 8555 section 7.3.5: the outer JWS (kid, old key) carries an inner
 * JWS signed by the new key with the same url, a jwk and no nonce. */
http_response *acme_handle_key_change(acme_ctx *c) {
        _cleanup_(acme_key_change_done) acme_key_change kc = {};
        _cleanup_pkey_ EVP_PKEY *new_key = NULL, *old_key = NULL;
        _cleanup_(acme_account_row_done) acme_account_row other = {};
        _cleanup_json_ json_object *new_jwk = NULL;
        _cleanup_free_ char *thumb = NULL, *jwk_text = NULL, *self = NULL;
        int r;

        r = acme_authenticate(c, ACME_AUTH_KID);
        if (r < 0)
                return acme_reply_error(c, r);

        r = acme_key_change_parse(c->jws->payload, c->jws->payload_len, c->url, &new_key, &kc, &c->problem);
        if (r < 0)
                return acme_reply_error(c, r);
        self = acme_url(c, "account", c->account.id, NULL);
        if (!self)
                return NULL;
        if (!streq(kc.account, self)) {
                (void) acme_problem_set(&c->problem, ACME_ERR_MALFORMED,
                                        "\"account\" is not the account of the outer JWS.");
                return acme_reply_problem(c);
        }
        if (jwk_to_pkey(kc.old_key, &old_key) < 0 || crypto_pubkey_equal(old_key, c->key) != 1) {
                (void) acme_problem_set(&c->problem, ACME_ERR_UNAUTHORIZED,
                                        "\"oldKey\" is not the current account key.");
                return acme_reply_problem(c);
        }

        if (jwk_thumbprint_b64(new_key, &thumb) < 0 || jwk_from_pkey(new_key, &new_jwk) < 0 ||
            json_to_string_dup(new_jwk, &jwk_text) < 0)
                return acme_reply_error(c, -ENOMEM);
        r = acme_db_account_by_thumbprint(c->srv->st, c->prov->name, thumb, &other);
        if (r >= 0 || r == -ENOENT) {
                if (r >= 0)
                        r = -EEXIST;
                else
                        r = acme_db_account_set_key(c->srv->st, c->account.id, jwk_text, thumb);
        }
        if (r == -EEXIST) {
                _cleanup_free_ char *loc = NULL;
                http_response *resp;

                if (!other.id && acme_db_account_by_thumbprint(c->srv->st, c->prov->name, thumb, &other) < 0)
                        return acme_reply_error(c, -EIO);
                loc = acme_url(c, "account", other.id, NULL);
                (void) acme_problem_set_status(&c->problem, ACME_ERR_MALFORMED, 409,
                                               "The new key is already the key of an account.");
                resp = acme_reply_problem(c);
                if (resp && (!loc || http_response_add_header(resp, "Location", loc) < 0)) {
                        http_response_free(resp);
                        return NULL;
                }
                return resp;
        }
        if (r < 0)
                return acme_reply_error(c, r);
        log_info("ACME provisioner \"%s\": account \"%s\" changed its key.", c->prov->name, c->account.id);
        return reply_account(c, 200, &c->account);
}
