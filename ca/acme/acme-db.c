/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ACME objects in the CA store (module "acme"); see acme-db.h. SQL is
 * kept portable (store.h rules) so the PostgreSQL backend can run it.
 */
#include "acme-db.h"
#include "log.h"

static const store_migration acme_migrations[] = {
        { 1,
          "CREATE TABLE acme_accounts ("
          " id TEXT PRIMARY KEY,"
          " provisioner TEXT NOT NULL,"
          " status TEXT NOT NULL,"
          " jwk TEXT NOT NULL,"
          " thumbprint TEXT NOT NULL,"
          " contact TEXT NOT NULL,"
          " created INTEGER NOT NULL,"
          " UNIQUE (provisioner, thumbprint));"
          "CREATE TABLE acme_orders ("
          " id TEXT PRIMARY KEY,"
          " account_id TEXT NOT NULL REFERENCES acme_accounts(id),"
          " provisioner TEXT NOT NULL,"
          " status TEXT NOT NULL,"
          " expires INTEGER NOT NULL,"
          " identifiers TEXT NOT NULL,"
          " error TEXT,"
          " cert_id TEXT,"
          " created INTEGER NOT NULL);"
          "CREATE INDEX acme_orders_account ON acme_orders(account_id);"
          "CREATE TABLE acme_authz ("
          " id TEXT PRIMARY KEY,"
          " order_id TEXT NOT NULL REFERENCES acme_orders(id),"
          " account_id TEXT NOT NULL REFERENCES acme_accounts(id),"
          " seq INTEGER NOT NULL,"
          " id_type TEXT NOT NULL,"
          " id_value TEXT NOT NULL,"
          " wildcard INTEGER NOT NULL,"
          " status TEXT NOT NULL,"
          " expires INTEGER NOT NULL);"
          "CREATE INDEX acme_authz_order ON acme_authz(order_id);"
          "CREATE TABLE acme_challenges ("
          " id TEXT PRIMARY KEY,"
          " authz_id TEXT NOT NULL REFERENCES acme_authz(id),"
          " seq INTEGER NOT NULL,"
          " type TEXT NOT NULL,"
          " token TEXT NOT NULL,"
          " status TEXT NOT NULL,"
          " validated INTEGER NOT NULL,"
          " error TEXT,"
          " attempts INTEGER NOT NULL,"
          " next_attempt INTEGER NOT NULL);"
          "CREATE INDEX acme_challenges_authz ON acme_challenges(authz_id);"
          "CREATE TABLE acme_certs ("
          " id TEXT PRIMARY KEY,"
          " order_id TEXT NOT NULL REFERENCES acme_orders(id),"
          " account_id TEXT NOT NULL REFERENCES acme_accounts(id),"
          " serial TEXT NOT NULL,"
          " chain_pem TEXT NOT NULL,"
          " created INTEGER NOT NULL);" },
        /* device-attest-01: the key each order's TPM attested, and the
         * inventory device it belongs to (finalize issues for that key
         * only, linked to that device). */
        { 2,
          "CREATE TABLE acme_attested_keys ("
          " order_id TEXT PRIMARY KEY REFERENCES acme_orders(id),"
          " authz_id TEXT NOT NULL REFERENCES acme_authz(id),"
          " device_id INTEGER NOT NULL,"
          " public_key BLOB NOT NULL,"
          " created INTEGER NOT NULL);" },
        /* Several instances: a challenge's validation attempt is claimed
         * by one worker until claimed_until (Unix seconds; 0: free). */
        { 3,
          "ALTER TABLE acme_challenges ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;"
          "CREATE INDEX acme_challenges_due ON acme_challenges (status, next_attempt);" },
};

int acme_db_migrate(store *st) {
        int r = store_migrate(st, "acme", acme_migrations, ELEMENTSOF(acme_migrations));
        return r < 0 ? r : 0;
}

void acme_strv_free(char **v) {
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

/* strdup of a column, "" never NULL for NOT NULL columns; NULL for SQL NULL. */
static int col_dup(store_stmt *s, int col, char **ret) {
        const char *t = store_column_text(s, col);

        if (!t) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(t);
        return *ret ? 0 : -ENOMEM;
}

static int step_one(store_stmt *s) {
        int r = store_step(s);

        if (r < 0)
                return r;
        return r == 0 ? -ENOENT : 0;
}

/* ---- accounts ---- */

void acme_account_row_done(acme_account_row *a) {
        free(a->id);
        free(a->provisioner);
        free(a->status);
        free(a->jwk);
        free(a->thumbprint);
        free(a->contact);
        *a = (acme_account_row) {};
}

int acme_db_account_insert(store *st, const acme_account_row *a) {
        int r = store_run(st,
                          "INSERT INTO acme_accounts (id, provisioner, status, jwk, thumbprint, contact, created)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?)",
                          "tttttti", a->id, a->provisioner, a->status,
                          a->jwk, a->thumbprint, a->contact, (int64_t) a->created);
        return r < 0 ? r : 0;
}

#define ACCOUNT_COLS "id, provisioner, status, jwk, thumbprint, contact, created"

static int account_from_row(store_stmt *s, acme_account_row *ret) {
        _cleanup_(acme_account_row_done) acme_account_row a = {};

        if (col_dup(s, 0, &a.id) < 0 || col_dup(s, 1, &a.provisioner) < 0 ||
            col_dup(s, 2, &a.status) < 0 || col_dup(s, 3, &a.jwk) < 0 ||
            col_dup(s, 4, &a.thumbprint) < 0 || col_dup(s, 5, &a.contact) < 0)
                return -ENOMEM;
        if (!a.id || !a.status || !a.jwk || !a.thumbprint || !a.contact)
                return -EIO;
        a.created = store_column_int64(s, 6);
        *ret = a;
        a = (acme_account_row) {};
        return 0;
}

static int account_query(store *st, const char *sql, const char *p1, const char *p2,
                         acme_account_row *ret) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        int r;

        r = store_prepare(st, sql, &s);
        if (r < 0)
                return r;
        r = store_bind(s, "tt", p1, p2);
        if (r < 0)
                return r;
        r = step_one(s);
        if (r < 0)
                return r;
        return account_from_row(s, ret);
}

int acme_db_account_get(store *st, const char *provisioner, const char *id, acme_account_row *ret) {
        return account_query(st, "SELECT " ACCOUNT_COLS " FROM acme_accounts WHERE provisioner = ? AND id = ?",
                             provisioner, id, ret);
}

int acme_db_account_by_thumbprint(store *st, const char *provisioner, const char *thumbprint,
                                  acme_account_row *ret) {
        return account_query(st,
                             "SELECT " ACCOUNT_COLS " FROM acme_accounts WHERE provisioner = ? AND thumbprint = ?",
                             provisioner, thumbprint, ret);
}

int acme_db_account_set_contact(store *st, const char *id, const char *contact_json) {
        int r = store_run(st, "UPDATE acme_accounts SET contact = ? WHERE id = ?", "tt", contact_json, id);
        return r < 0 ? r : (r == 0 ? -ENOENT : 0);
}

int acme_db_account_deactivate(store *st, const char *id) {
        bool in_tx = false;
        int r;

        r = store_begin(st);
        if (r < 0)
                return r;
        in_tx = true;
        r = store_run(st, "UPDATE acme_accounts SET status = 'deactivated' WHERE id = ?", "t", id);
        if (r >= 0)
                r = store_run(st,
                              "UPDATE acme_authz SET status = 'deactivated' WHERE account_id = ? AND status = 'pending'",
                              "t", id);
        if (r >= 0)
                r = store_run(st,
                              "UPDATE acme_orders SET status = 'invalid' WHERE account_id = ? AND status IN ('pending', 'ready')",
                              "t", id);
        if (r >= 0)
                r = store_commit(st);
        if (r >= 0)
                in_tx = false;
        store_rollback_unless_committed(st, &in_tx);
        return r < 0 ? r : 0;
}

int acme_db_account_set_key(store *st, const char *id, const char *jwk, const char *thumbprint) {
        int r = store_run(st, "UPDATE acme_accounts SET jwk = ?, thumbprint = ? WHERE id = ?", "ttt", jwk,
                          thumbprint, id);
        return r < 0 ? r : (r == 0 ? -ENOENT : 0);
}

/* ---- orders ---- */

void acme_order_row_done(acme_order_row *o) {
        free(o->id);
        free(o->account_id);
        free(o->provisioner);
        free(o->status);
        free(o->identifiers);
        free(o->error);
        free(o->cert_id);
        *o = (acme_order_row) {};
}

void acme_authz_row_done(acme_authz_row *a) {
        free(a->id);
        free(a->order_id);
        free(a->account_id);
        free(a->id_type);
        free(a->id_value);
        free(a->status);
        *a = (acme_authz_row) {};
}

void acme_authz_rows_free(acme_authz_row *a, size_t n) {
        for (size_t i = 0; a && i < n; i++)
                acme_authz_row_done(&a[i]);
        free(a);
}

void acme_chall_row_done(acme_chall_row *c) {
        free(c->id);
        free(c->authz_id);
        free(c->type);
        free(c->token);
        free(c->status);
        free(c->error);
        *c = (acme_chall_row) {};
}

void acme_chall_rows_free(acme_chall_row *c, size_t n) {
        for (size_t i = 0; c && i < n; i++)
                acme_chall_row_done(&c[i]);
        free(c);
}

int acme_db_order_create(store *st, const acme_order_row *o, const acme_authz_row *authz,
                         size_t n_authz, const acme_chall_row *challs, size_t n_challs) {
        bool in_tx = false;
        int r;

        r = store_begin(st);
        if (r < 0)
                return r;
        in_tx = true;
        r = store_run(st,
                      "INSERT INTO acme_orders (id, account_id, provisioner, status, expires, identifiers, error, cert_id, created)"
                      " VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?)",
                      "ttttiti", o->id, o->account_id, o->provisioner, o->status, (int64_t) o->expires,
                      o->identifiers, (int64_t) o->created);
        for (size_t i = 0; r >= 0 && i < n_authz; i++)
                r = store_run(st,
                              "INSERT INTO acme_authz (id, order_id, account_id, seq, id_type, id_value, wildcard, status, expires)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              "tttittiti", authz[i].id, o->id, o->account_id, (int64_t) i, authz[i].id_type,
                              authz[i].id_value, (int64_t) authz[i].wildcard, authz[i].status,
                              (int64_t) authz[i].expires);
        for (size_t i = 0; r >= 0 && i < n_challs; i++)
                r = store_run(st,
                              "INSERT INTO acme_challenges (id, authz_id, seq, type, token, status, validated, error, attempts, next_attempt)"
                              " VALUES (?, ?, ?, ?, ?, ?, 0, NULL, 0, 0)",
                              "ttittt", challs[i].id, challs[i].authz_id, (int64_t) i, challs[i].type,
                              challs[i].token, challs[i].status);
        if (r >= 0)
                r = store_commit(st);
        if (r >= 0)
                in_tx = false;
        store_rollback_unless_committed(st, &in_tx);
        return r < 0 ? r : 0;
}

int acme_db_purge(store *st, int64_t before) {
        /* Children first: the foreign keys are enforced. */
#define PURGED_ORDERS "SELECT id FROM acme_orders WHERE expires < ? AND id NOT IN (SELECT order_id FROM acme_certs)"
        static const char *const steps[] = {
                "DELETE FROM acme_challenges WHERE authz_id IN (SELECT id FROM acme_authz WHERE order_id IN (" PURGED_ORDERS "))",
                "DELETE FROM acme_attested_keys WHERE order_id IN (" PURGED_ORDERS ")",
                "DELETE FROM acme_authz WHERE order_id IN (" PURGED_ORDERS ")",
                "DELETE FROM acme_orders WHERE id IN (" PURGED_ORDERS ")",
        };
#undef PURGED_ORDERS
        bool in_tx = false;
        int r = 0;

        r = store_begin(st);
        if (r < 0)
                return r;
        in_tx = true;
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(steps); i++)
                r = store_run(st, steps[i], "i", before);
        if (r >= 0) {
                int k = store_commit(st);

                if (k < 0)
                        r = k;
                else
                        in_tx = false;
        }
        store_rollback_unless_committed(st, &in_tx);
        return r;
}

int acme_db_order_get(store *st, const char *provisioner, const char *id, acme_order_row *ret) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        _cleanup_(acme_order_row_done) acme_order_row o = {};
        int r;

        r = store_prepare(st,
                          provisioner ? "SELECT id, account_id, provisioner, status, expires, identifiers, error, cert_id, created"
                                        " FROM acme_orders WHERE provisioner = ? AND id = ?"
                                      : "SELECT id, account_id, provisioner, status, expires, identifiers, error, cert_id, created"
                                        " FROM acme_orders WHERE id = ?",
                          &s);
        if (r < 0)
                return r;
        r = provisioner ? store_bind(s, "tt", provisioner, id) : store_bind(s, "t", id);
        if (r < 0)
                return r;
        r = step_one(s);
        if (r < 0)
                return r;
        if (col_dup(s, 0, &o.id) < 0 || col_dup(s, 1, &o.account_id) < 0 ||
            col_dup(s, 2, &o.provisioner) < 0 || col_dup(s, 3, &o.status) < 0 ||
            col_dup(s, 5, &o.identifiers) < 0 || col_dup(s, 6, &o.error) < 0 ||
            col_dup(s, 7, &o.cert_id) < 0)
                return -ENOMEM;
        if (!o.id || !o.account_id || !o.status || !o.identifiers)
                return -EIO;
        o.expires = store_column_int64(s, 4);
        o.created = store_column_int64(s, 8);
        *ret = o;
        o = (acme_order_row) {};
        return 0;
}

static int query_ids(store *st, const char *sql, const char *param, char ***ret) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        char **v = NULL;
        size_t n = 0;
        int r;

        r = store_prepare(st, sql, &s);
        if (r < 0)
                return r;
        if (param) {
                r = store_bind(s, "t", param);
                if (r < 0)
                        return r;
        }
        for (;;) {
                char **nv;

                r = store_step(s);
                if (r <= 0)
                        break;
                nv = realloc(v, (n + 2) * sizeof(char *));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                v[n + 1] = NULL;
                if (col_dup(s, 0, &v[n]) < 0 || !v[n]) {
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        if (r < 0) {
                if (v)
                        v[n] = NULL;
                acme_strv_free(v);
                return r;
        }
        if (!v) {
                v = calloc(1, sizeof(char *));
                if (!v)
                        return -ENOMEM;
        }
        *ret = v;
        return 0;
}

int acme_db_order_authz_ids(store *st, const char *order_id, char ***ret) {
        return query_ids(st, "SELECT id FROM acme_authz WHERE order_id = ? ORDER BY seq", order_id, ret);
}

int acme_db_account_order_ids(store *st, const char *account_id, char ***ret) {
        return query_ids(st, "SELECT id FROM acme_orders WHERE account_id = ? ORDER BY created, id",
                         account_id, ret);
}


int acme_db_order_transition(store *st, const char *id, const char *from, const char *to,
                             const char *error) {
        int r = store_run(st, "UPDATE acme_orders SET status = ?, error = ? WHERE id = ? AND status = ?",
                          "tttt", to, error, id, from);
        return r < 0 ? r : (r > 0 ? 1 : 0);
}

int acme_db_order_set_cert(store *st, const char *id, const char *cert_id) {
        int r = store_run(st, "UPDATE acme_orders SET cert_id = ? WHERE id = ?", "tt", cert_id, id);
        return r < 0 ? r : (r == 0 ? -ENOENT : 0);
}

/* ---- authorizations and challenges ---- */

int acme_db_authz_get(store *st, const char *id, acme_authz_row *ret) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        _cleanup_(acme_authz_row_done) acme_authz_row a = {};
        int r;

        r = store_prepare(st,
                          "SELECT id, order_id, account_id, id_type, id_value, wildcard, status, expires"
                          " FROM acme_authz WHERE id = ?",
                          &s);
        if (r < 0)
                return r;
        r = store_bind(s, "t", id);
        if (r < 0)
                return r;
        r = step_one(s);
        if (r < 0)
                return r;
        if (col_dup(s, 0, &a.id) < 0 || col_dup(s, 1, &a.order_id) < 0 ||
            col_dup(s, 2, &a.account_id) < 0 || col_dup(s, 3, &a.id_type) < 0 ||
            col_dup(s, 4, &a.id_value) < 0 || col_dup(s, 6, &a.status) < 0)
                return -ENOMEM;
        if (!a.id || !a.order_id || !a.account_id || !a.id_type || !a.id_value || !a.status)
                return -EIO;
        a.wildcard = store_column_int64(s, 5) != 0;
        a.expires = store_column_int64(s, 7);
        *ret = a;
        a = (acme_authz_row) {};
        return 0;
}

int acme_db_authz_set_status(store *st, const char *id, const char *status) {
        int r = store_run(st, "UPDATE acme_authz SET status = ? WHERE id = ?", "tt", status, id);
        return r < 0 ? r : (r == 0 ? -ENOENT : 0);
}

#define CHALL_COLS "id, authz_id, type, token, status, validated, error, attempts, next_attempt"

static int chall_from_row(store_stmt *s, acme_chall_row *ret) {
        acme_chall_row c = {};

        if (col_dup(s, 0, &c.id) < 0 || col_dup(s, 1, &c.authz_id) < 0 || col_dup(s, 2, &c.type) < 0 ||
            col_dup(s, 3, &c.token) < 0 || col_dup(s, 4, &c.status) < 0 || col_dup(s, 6, &c.error) < 0 ||
            !c.id || !c.authz_id || !c.type || !c.token || !c.status) {
                acme_chall_row_done(&c);
                return -ENOMEM;
        }
        c.validated = store_column_int64(s, 5);
        c.attempts = store_column_int64(s, 7);
        c.next_attempt = store_column_int64(s, 8);
        *ret = c;
        return 0;
}

int acme_db_authz_challenges(store *st, const char *authz_id, acme_chall_row **ret, size_t *ret_n) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        acme_chall_row *v = NULL;
        size_t n = 0;
        int r;

        r = store_prepare(st, "SELECT " CHALL_COLS " FROM acme_challenges WHERE authz_id = ? ORDER BY seq", &s);
        if (r < 0)
                return r;
        r = store_bind(s, "t", authz_id);
        if (r < 0)
                return r;
        for (;;) {
                acme_chall_row *nv;

                r = store_step(s);
                if (r <= 0)
                        break;
                nv = realloc(v, (n + 1) * sizeof(*v));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                r = chall_from_row(s, &v[n]);
                if (r < 0)
                        break;
                n++;
        }
        if (r < 0) {
                acme_chall_rows_free(v, n);
                return r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int acme_db_chall_get(store *st, const char *id, acme_chall_row *ret) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        int r;

        r = store_prepare(st, "SELECT " CHALL_COLS " FROM acme_challenges WHERE id = ?", &s);
        if (r < 0)
                return r;
        r = store_bind(s, "t", id);
        if (r < 0)
                return r;
        r = step_one(s);
        if (r < 0)
                return r;
        return chall_from_row(s, ret);
}

int acme_db_chall_update(store *st, const acme_chall_row *c) {
        int r = store_run(st,
                          "UPDATE acme_challenges SET status = ?, error = ?, attempts = ?, next_attempt = ?, validated = ?,"
                          " claimed_until = 0 WHERE id = ?",
                          "ttiiit", c->status, c->error, (int64_t) c->attempts, (int64_t) c->next_attempt,
                          (int64_t) c->validated, c->id);
        return r < 0 ? r : (r == 0 ? -ENOENT : 0);
}

int acme_db_chall_start(store *st, const char *id, int64_t now) {
        int r = store_run(st,
                          "UPDATE acme_challenges SET status = 'processing', attempts = 0, next_attempt = ?,"
                          " claimed_until = 0, error = NULL WHERE id = ? AND status = 'pending'",
                          "it", now, id);
        return r < 0 ? r : (r > 0 ? 1 : 0);
}

int acme_db_chall_claim(store *st, const char *id, int64_t now, int64_t until) {
        int r = store_run(st,
                          "UPDATE acme_challenges SET claimed_until = ? WHERE id = ? AND status = 'processing'"
                          " AND next_attempt <= ? AND claimed_until <= ?",
                          "itii", until, id, now, now);
        return r < 0 ? r : (r > 0 ? 1 : 0);
}

int acme_db_chall_release(store *st, const char *id) {
        int r = store_run(st, "UPDATE acme_challenges SET claimed_until = 0 WHERE id = ?", "t", id);
        return r < 0 ? r : 0;
}

int acme_db_chall_due(store *st, int64_t now, unsigned max, char ***ret) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        char **v;
        size_t n = 0;
        int r;

        v = calloc(max + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        r = store_prepare(st,
                          "SELECT id FROM acme_challenges WHERE status = 'processing' AND next_attempt <= ?"
                          " AND claimed_until <= ? ORDER BY next_attempt LIMIT ?",
                          &s);
        if (r >= 0)
                r = store_bind(s, "iii", now, now, (int64_t) max);
        while (r >= 0 && n < max && (r = store_step(s)) > 0)
                if (col_dup(s, 0, &v[n++]) < 0 || !v[n - 1])
                        r = -ENOMEM;
        if (r < 0) {
                acme_strv_free(v);
                return r;
        }
        *ret = v;
        return 0;
}

static int chall_finish_tx(store *st, const char *chall_id, bool valid, const char *error_json,
                           int64_t now) {
        _cleanup_(acme_chall_row_done) acme_chall_row c = {};
        _cleanup_(acme_authz_row_done) acme_authz_row a = {};
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        _cleanup_free_ char *lock = NULL;
        int r;

        /* Find the order, lock it, then read again what the lock guards. */
        r = acme_db_chall_get(st, chall_id, &c);
        if (r >= 0)
                r = acme_db_authz_get(st, c.authz_id, &a);
        if (r < 0)
                return r;
        if (asprintf(&lock, "acme-order:%s", a.order_id) < 0)
                return -ENOMEM;
        r = store_lock(st, lock, true);
        if (r < 0)
                return r;
        acme_chall_row_done(&c);
        acme_authz_row_done(&a);
        r = acme_db_chall_get(st, chall_id, &c);
        if (r < 0)
                return r;
        if (!streq(c.status, "pending") && !streq(c.status, "processing"))
                return 0;
        r = acme_db_authz_get(st, c.authz_id, &a);
        if (r < 0)
                return r;
        if (!streq(a.status, "pending")) {
                /* Decided by another challenge (or deactivated) meanwhile:
                 * settle this challenge, touch nothing else. */
                r = store_run(st, "UPDATE acme_challenges SET status = ?, error = ?, validated = ? WHERE id = ?",
                              "ttit", valid ? "valid" : "invalid", valid ? NULL : error_json,
                              valid ? now : (int64_t) 0, chall_id);
                return r < 0 ? r : 0;
        }

        r = store_run(st, "UPDATE acme_challenges SET status = ?, error = ?, validated = ? WHERE id = ?",
                      "ttit", valid ? "valid" : "invalid", valid ? NULL : error_json,
                      valid ? now : (int64_t) 0, chall_id);
        if (r < 0)
                return r;
        r = acme_db_authz_set_status(st, a.id, valid ? "valid" : "invalid");
        if (r < 0)
                return r;
        if (!valid) {
                r = acme_db_order_transition(st, a.order_id, "pending", "invalid", error_json);
                return r < 0 ? r : 1;
        }

        r = store_prepare(st, "SELECT COUNT(*) FROM acme_authz WHERE order_id = ? AND status <> 'valid'", &s);
        if (r < 0)
                return r;
        r = store_bind(s, "t", a.order_id);
        if (r < 0)
                return r;
        r = step_one(s);
        if (r < 0)
                return r;
        if (store_column_int64(s, 0) == 0) {
                r = acme_db_order_transition(st, a.order_id, "pending", "ready", NULL);
                if (r < 0)
                        return r;
        }
        return 1;
}

int acme_db_chall_finish(store *st, const char *chall_id, bool valid, const char *error_json,
                         int64_t now) {
        bool in_tx = false;
        int r, k;

        r = store_begin(st);
        if (r < 0)
                return r;
        in_tx = true;
        k = chall_finish_tx(st, chall_id, valid, error_json, now);
        r = k;
        if (r >= 0)
                r = store_commit_nowait(st);
        if (r >= 0)
                in_tx = false;
        store_rollback_unless_committed(st, &in_tx);
        return r < 0 ? r : k;
}

/* ---- certificates ---- */

int acme_db_cert_insert(store *st, const char *id, const char *order_id, const char *account_id,
                        const char *serial, const char *chain_pem, int64_t now) {
        int r = store_run(st,
                          "INSERT INTO acme_certs (id, order_id, account_id, serial, chain_pem, created)"
                          " VALUES (?, ?, ?, ?, ?, ?)",
                          "ttttti", id, order_id, account_id, serial, chain_pem, now);
        return r < 0 ? r : 0;
}

int acme_db_cert_get(store *st, const char *id, char **ret_chain, char **ret_account) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        _cleanup_free_ char *chain = NULL, *account = NULL;
        int r;

        r = store_prepare(st, "SELECT chain_pem, account_id FROM acme_certs WHERE id = ?", &s);
        if (r < 0)
                return r;
        r = store_bind(s, "t", id);
        if (r < 0)
                return r;
        r = step_one(s);
        if (r < 0)
                return r;
        if (col_dup(s, 0, &chain) < 0 || col_dup(s, 1, &account) < 0 || !chain || !account)
                return -ENOMEM;
        *ret_chain = TAKE_PTR(chain);
        *ret_account = TAKE_PTR(account);
        return 0;
}

/* ---- attested keys (device-attest-01) ---- */

int acme_db_attested_key_put(store *st, const char *order_id, const char *authz_id, int64_t device_id,
                             const uint8_t *spki, size_t spki_len, int64_t now) {
        int r;

        r = store_run(st,
                      "INSERT INTO acme_attested_keys (order_id, authz_id, device_id, public_key, created)"
                      " VALUES (?, ?, ?, ?, ?) ON CONFLICT (order_id) DO UPDATE SET authz_id = excluded.authz_id,"
                      " device_id = excluded.device_id, public_key = excluded.public_key, created = excluded.created",
                      "ttibi", order_id, authz_id, device_id, spki, spki_len, now);
        return r < 0 ? r : 0;
}

int acme_db_attested_key_get(store *st, const char *order_id, int64_t *ret_device_id, uint8_t **ret_spki,
                             size_t *ret_len) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        const void *blob;
        uint8_t *copy;
        size_t n = 0;
        int r;

        r = store_prepare(st, "SELECT device_id, public_key FROM acme_attested_keys WHERE order_id = ?", &s);
        if (r < 0)
                return r;
        r = store_bind(s, "t", order_id);
        if (r < 0)
                return r;
        r = step_one(s);
        if (r < 0)
                return r;
        blob = store_column_blob(s, 1, &n);
        if (!blob || n == 0)
                return -EIO;
        copy = malloc(n);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, blob, n);
        *ret_device_id = store_column_int64(s, 0);
        *ret_spki = copy;
        *ret_len = n;
        return 0;
}
