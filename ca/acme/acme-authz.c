/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ACME authorizations and challenges (RFC 8555 sections 7.1.4, 7.5): the
 * authorization view and its deactivation, the challenge view, and the
 * client's response to a challenge: validated at once for a synchronous
 * type; otherwise queued for the validator, and answered once its first
 * attempt is over or after the provisioner's challenge_wait_ms, whichever
 * comes first (RFC 8555 section 7.5.1: "valid" at once when it can be,
 * "processing" with a Retry-After otherwise).
 */
#include "acme-handlers.h"
#include "acme-policy.h"
#include "acme-reply.h"
#include "acme-validate.h"
#include "time-util.h"

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
        if (acme_json_add_error(o, ch->error) < 0)
                return NULL;
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

                return streq(st, "pending") ? acme_reply_retry_after(resp, ACME_RETRY_AFTER) : resp;
        }
}

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
                        return acme_reply_problemf(c, ACME_ERR_MALFORMED, "Only {\"status\": \"deactivated\"} is accepted.");
                if (!streq(a.status, "pending") && !streq(a.status, "valid"))
                        return acme_reply_problemf(c, ACME_ERR_MALFORMED, "The authorization cannot be deactivated.");
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
        r = acme_reply_header(acme_reply_json(c, 200, o), "Link", link);
        if (streq(ch->status, "processing")) {
                int64_t wait = ch->next_attempt - (int64_t) acme_now();

                r = acme_reply_retry_after(r, wait > 0 ? (unsigned) wait : ACME_RETRY_AFTER);
        } else if (streq(ch->status, "pending"))
                r = acme_reply_retry_after(r, ACME_RETRY_AFTER);
        return r;
}

/* A synchronous type (device-attest-01) is validated now, with the
 * client's payload, and its outcome is final; *ch is read back. A payload
 * the type finds malformed is -EPROTO with c->problem set, and changes
 * nothing. */
static int run_sync_challenge(acme_ctx *c, const challenge_type *ct, acme_chall_row *ch, const acme_authz_row *a,
                              json_object *payload) {
        _cleanup_json_ json_object *err = NULL;
        _cleanup_free_ char *err_text = NULL, *cid = NULL;
        acme_problem p = {};
        int r, k;

        k = acme_challenge_run(c->srv, c->prov, ct, a, ch, c->key, payload, &p);
        if (k == -EPROTO) {
                /* A malformed payload: the client's problem, nothing recorded. */
                c->problem = p;
                return k;
        }
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

        r = acme_authenticate(c, ACME_AUTH_KID | ACME_AUTH_CHALLENGE);
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
                return acme_reply_retry_after(acme_reply_problem(c), 10);
        }
        /* Of two responses, at one instance or two, one starts it; the
         * other answers with the state it finds. */
        r = acme_db_chall_start(c->srv->st, ch.id, (int64_t) acme_now());
        if (r > 0)
                r = acme_validator_run(c->srv->validator, ch.id, acme_provisioner_challenge_wait_ms(c->prov));
        if (r >= 0) {
                _cleanup_free_ char *cid = TAKE_PTR(ch.id);

                acme_chall_row_done(&ch);
                r = acme_db_chall_get(c->srv->st, cid, &ch);
        }
        if (r < 0)
                return acme_reply_error(c, r);
        return reply_chall(c, &ch);
}
