/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Certificate search and reason names (certificates.h).
 */
#include <inttypes.h>

#include "ca/core/query.h"
#include "cert-search.h"

static const char *const state_names[_CERT_STATE_MAX] = {
        [CERT_STATE_ANY] = "any",
        [CERT_STATE_VALID] = "valid",
        [CERT_STATE_REVOKED] = "revoked",
        [CERT_STATE_EXPIRED] = "expired",
};

/* RFC 5280 section 5.3.1; 7 is not used. */
cert_state cert_state_from_string(const char *s) {
        for (int i = 0; s && i < _CERT_STATE_MAX; i++)
                if (streq(s, state_names[i]))
                        return (cert_state) i;
        return CERT_STATE_INVALID;
}

const char *cert_state_to_string(cert_state s) {
        return s >= 0 && s < _CERT_STATE_MAX ? state_names[s] : NULL;
}

void cert_rows_free(cert_row *v, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(v[i].serial);
                free(v[i].ca);
                free(v[i].account);
                free(v[i].subject);
                free(v[i].device_name);
        }
        free(v);
}

cert_state cert_row_state(const cert_row *c, time_t now) {
        if (c->revoked)
                return CERT_STATE_REVOKED;
        return c->not_after <= now ? CERT_STATE_EXPIRED : CERT_STATE_VALID;
}

#define CERT_WHERE                                                                                          \
        " FROM certificates c LEFT JOIN devices d ON d.id = c.device_id"                                 \
        " WHERE (CAST(? AS TEXT) IS NULL OR LOWER(c.serial) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(c.subject, '')) LIKE ? ESCAPE '\\'" \
        " OR LOWER(COALESCE(c.account, '')) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(d.name, '')) LIKE ? ESCAPE '\\'" \
        " OR LOWER(COALESCE(d.ek_uri, '')) LIKE ? ESCAPE '\\')"                                          \
        " AND (CAST(? AS TEXT) IS NULL OR c.serial = ?)"                                                                \
        " AND (? = 0 OR c.device_id = ?)"                                                                 \
        " AND (CAST(? AS TEXT) IS NULL OR c.ca = ?)"                                                                    \
        " AND (? = 0 OR (? = 1 AND c.revoked = 0 AND c.not_after > ?) OR (? = 2 AND c.revoked = 1)"      \
        " OR (? = 3 AND c.revoked = 0 AND c.not_after <= ?))"

static int bind_where(store_stmt *st, const cert_query *q, const char *like) {
        int64_t state = q->state;

        return store_bind(st, "ttttttttiittiiiiii", like, like, like, like, like, like, q->serial, q->serial,
                          q->device_id, q->device_id,
                          q->ca, q->ca, state, state, (int64_t) q->now, state, state, (int64_t) q->now);
}

static char *dup_col(store_stmt *st, int col, bool *oom) {
        const char *s = store_column_text(st, col);
        char *c;

        if (!s)
                return NULL;
        c = strdup(s);
        if (!c)
                *oom = true;
        return c;
}

static int count_matches(store *s, const cert_query *q, const char *like, size_t *ret) {
        _cleanup_(store_stmt_freep) store_stmt *st = NULL;
        int r;

        r = store_prepare(s, "SELECT COUNT(*)" CERT_WHERE, &st);
        if (r < 0)
                return r;
        r = bind_where(st, q, like);
        if (r < 0)
                return r;
        r = store_step(st);
        if (r < 0)
                return r;
        *ret = r > 0 ? (size_t) store_column_int64(st, 0) : 0;
        return 0;
}

int certificates_search(store *s, const cert_query *q, cert_row **ret, size_t *ret_n, size_t *ret_total) {
        _cleanup_(store_stmt_freep) store_stmt *st = NULL;
        _cleanup_free_ char *like = NULL;
        cert_row *v = NULL;
        size_t n = 0, total = 0;
        int r;

        if (q->limit > CERT_LIST_MAX || q->state < 0 || q->state >= _CERT_STATE_MAX)
                return -EINVAL;
        if (q->q && *q->q) {
                r = query_like_contains(q->q, &like);
                if (r < 0)
                        return r;
        }
        r = count_matches(s, q, like, &total);
        if (r < 0)
                return r;
        if (q->limit > 0) {
                r = store_prepare(s,
                                  "SELECT c.serial, c.ca, c.device_id, c.account, c.subject, c.not_before, c.not_after,"
                                  " c.revoked, c.revoked_at, c.revocation_reason, c.created_at, d.name" CERT_WHERE
                                  " ORDER BY c.created_at DESC, c.serial LIMIT ? OFFSET ?",
                                  &st);
                if (r < 0)
                        return r;
                r = bind_where(st, q, like);
                if (r >= 0)
                        r = store_bind_int64(st, 19, (int64_t) q->limit);
                if (r >= 0)
                        r = store_bind_int64(st, 20, (int64_t) q->offset);
                if (r < 0)
                        return r;
                while ((r = store_step(st)) > 0) {
                        cert_row *nv = realloc(v, (n + 1) * sizeof(*v));
                        bool oom = false;

                        if (!nv) {
                                r = -ENOMEM;
                                break;
                        }
                        v = nv;
                        v[n] = (cert_row) {
                                .serial = dup_col(st, 0, &oom),
                                .ca = dup_col(st, 1, &oom),
                                .device_id = store_column_int64(st, 2),
                                .account = dup_col(st, 3, &oom),
                                .subject = dup_col(st, 4, &oom),
                                .not_before = (time_t) store_column_int64(st, 5),
                                .not_after = (time_t) store_column_int64(st, 6),
                                .revoked = store_column_int64(st, 7) != 0,
                                .revoked_at = (time_t) store_column_int64(st, 8),
                                .reason = (int) store_column_int64(st, 9),
                                .created_at = (time_t) store_column_int64(st, 10),
                                .device_name = dup_col(st, 11, &oom),
                        };
                        n++;
                        if (oom || !v[n - 1].serial || !v[n - 1].ca) {
                                r = -ENOMEM;
                                break;
                        }
                }
                if (r < 0) {
                        cert_rows_free(v, n);
                        return r;
                }
        }
        *ret = v;
        *ret_n = n;
        if (ret_total)
                *ret_total = total;
        return 0;
}

int cert_row_to_json(const cert_row *c, time_t now, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "serial", c->serial);
        if (r >= 0)
                r = json_add_string(o, "ca", c->ca);
        if (r >= 0)
                r = json_add_string(o, "state", cert_state_to_string(cert_row_state(c, now)));
        if (r >= 0 && c->device_id > 0)
                r = json_add_int64(o, "device_id", c->device_id);
        if (r >= 0 && c->device_name)
                r = json_add_string(o, "device_name", c->device_name);
        if (r >= 0 && c->account)
                r = json_add_string(o, "account", c->account);
        if (r >= 0 && c->subject)
                r = json_add_string(o, "subject", c->subject);
        if (r >= 0)
                r = json_add_int64(o, "not_before", (int64_t) c->not_before);
        if (r >= 0)
                r = json_add_int64(o, "not_after", (int64_t) c->not_after);
        if (r >= 0)
                r = json_add_int64(o, "created_at", (int64_t) c->created_at);
        if (r >= 0 && c->revoked) {
                r = json_add_int64(o, "revoked_at", (int64_t) c->revoked_at);
                if (r >= 0 && crl_reason_to_string(c->reason))
                        r = json_add_string(o, "revocation_reason", crl_reason_to_string(c->reason));
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}
