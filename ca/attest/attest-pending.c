/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pending-activation table (attest-pending.h) in the CA store, module
 * "attest". An add runs in one transaction under the table's lock, so the
 * bounds hold with several instances adding at once (entries are ordered
 * by a sequence number drawn in that transaction);
 * a take is one DELETE ... RETURNING, so of two /secret requests for one
 * challenge exactly one gets it.
 */
#include "attest-pending.h"
#include "log.h"

struct attest_pending {
        store *st;
        size_t max, per_device, per_address;
};

static const store_migration attest_migrations[] = {
        { 1,
          "CREATE TABLE attest_pending ("
          " request_id TEXT PRIMARY KEY,"
          " ek_uri TEXT NOT NULL,"
          " device_id INTEGER NOT NULL,"
          " secret_sha256 BLOB NOT NULL,"
          " ak_pub BLOB NOT NULL,"
          " manufacturer INTEGER NOT NULL,"
          " model TEXT NOT NULL,"
          " firmware INTEGER NOT NULL,"
          " expires INTEGER NOT NULL);"
          "CREATE INDEX attest_pending_ek ON attest_pending (ek_uri);"
          "CREATE INDEX attest_pending_expires ON attest_pending (expires);" },
        /* The client address (key) of each entry, and the order of arrival,
         * for the bounds that drop the oldest entry. */
        { 2,
          "ALTER TABLE attest_pending ADD COLUMN addr TEXT NOT NULL DEFAULT '';"
          "ALTER TABLE attest_pending ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;"
          "CREATE INDEX attest_pending_addr ON attest_pending (addr);" },
};

void attest_activation_free(attest_activation *a) {
        if (!a)
                return;
        free(a->ek_uri);
        free(a->model);
        EVP_PKEY_free(a->ak_pub);
        erase_and_free(a, sizeof(*a));
}

int attest_pending_new(store *st, size_t max, size_t per_device, size_t per_address, attest_pending **ret) {
        attest_pending *p;
        int r;

        if (!st || max == 0 || per_device == 0 || per_address == 0 || !ret)
                return -EINVAL;
        r = store_migrate(st, "attest", attest_migrations, ELEMENTSOF(attest_migrations));
        if (r < 0)
                return r;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->st = st;
        p->max = max;
        p->per_device = per_device;
        p->per_address = per_address;
        *ret = p;
        return 0;
}

void attest_pending_free(attest_pending *p) {
        free(p);
}

static int64_t count(store *st, const char *sql, const char *types, const char *text, int64_t now) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        int r;

        r = store_prepare(st, sql, &s);
        if (r >= 0 && types)
                r = text ? store_bind(s, types, text, now) : store_bind(s, types, now);
        if (r >= 0)
                r = store_step(s);
        if (r < 0)
                return r;
        return r > 0 ? store_column_int64(s, 0) : 0;
}

/* The bounds of an add: which entries each counts. */
static const char *const bounds[] = {
        "ek_uri = ? AND addr = ?", /* one device from one address */
        "addr = ?",                /* one address */
        "1 = 1",                   /* the table */
};

static int bind_bound(store_stmt *s, size_t b, const attest_activation *a, int64_t now, int64_t extra, bool with_extra) {
        switch (b) {
        case 0:
                return with_extra ? store_bind(s, "ttii", a->ek_uri, a->addr, now, extra)
                                  : store_bind(s, "tti", a->ek_uri, a->addr, now);
        case 1:
                return with_extra ? store_bind(s, "tii", a->addr, now, extra) : store_bind(s, "ti", a->addr, now);
        default:
                return with_extra ? store_bind(s, "ii", now, extra) : store_bind(s, "i", now);
        }
}

/* Unexpired entries within bound b, or -errno. */
static int64_t count_bound(store *st, size_t b, const attest_activation *a, int64_t now) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        _cleanup_free_ char *sql = NULL;
        int r;

        if (asprintf(&sql, "SELECT COUNT(*) FROM attest_pending WHERE %s AND expires > ?", bounds[b]) < 0)
                return -ENOMEM;
        r = store_prepare(st, sql, &s);
        if (r >= 0)
                r = bind_bound(s, b, a, now, 0, false);
        if (r >= 0)
                r = store_step(s);
        if (r < 0)
                return r;
        return r > 0 ? store_column_int64(s, 0) : 0;
}

/* Deletes the n oldest unexpired entries within bound b; returns how many
 * went, or -errno. */
static int drop_oldest(store *st, size_t b, const attest_activation *a, int64_t now, int64_t n) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        _cleanup_free_ char *sql = NULL;
        int r;

        if (asprintf(&sql,
                     "DELETE FROM attest_pending WHERE request_id IN (SELECT request_id FROM attest_pending"
                     " WHERE %s AND expires > ? ORDER BY seq LIMIT ?)",
                     bounds[b]) < 0)
                return -ENOMEM;
        r = store_prepare(st, sql, &s);
        if (r >= 0)
                r = bind_bound(s, b, a, now, n, true);
        if (r >= 0)
                r = store_step(s);
        return r < 0 ? r : (int) n;
}

static int add_tx(attest_pending *p, const attest_activation *a, const uint8_t *ak, size_t ak_len, time_t now) {
        const size_t limits[] = { p->per_device, p->per_address, p->max };
        int64_t n, seq;
        int r, dropped = 0;

        r = store_lock(p->st, "attest_pending", true);
        if (r < 0)
                return r;
        n = count(p->st, "SELECT COUNT(*) FROM attest_pending WHERE request_id = ? AND expires > ?", "ti",
                  a->request_id, now);
        if (n != 0)
                return n < 0 ? (int) n : -EEXIST;
        for (size_t b = 0; b < ELEMENTSOF(bounds); b++) {
                n = count_bound(p->st, b, a, now);
                if (n < 0)
                        return (int) n;
                if ((size_t) n >= limits[b]) {
                        r = drop_oldest(p->st, b, a, now, n - (int64_t) limits[b] + 1);
                        if (r < 0)
                                return r;
                        dropped += r;
                }
        }
        seq = count(p->st, "SELECT COALESCE(MAX(seq), 0) + 1 FROM attest_pending", NULL, NULL, 0);
        if (seq < 0)
                return (int) seq;
        r = store_run(p->st,
                      "INSERT INTO attest_pending (request_id, ek_uri, device_id, secret_sha256, ak_pub,"
                      " manufacturer, model, firmware, expires, addr, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      "ttibbitiiti", a->request_id, a->ek_uri, a->device_id, a->secret_sha256,
                      sizeof(a->secret_sha256), ak, ak_len, (int64_t) a->manufacturer, a->model,
                      (int64_t) a->firmware, (int64_t) a->expires, a->addr, seq);
        return r < 0 ? r : dropped;
}

int attest_pending_add(attest_pending *p, const attest_activation *a, time_t now) {
        _cleanup_free_ uint8_t *ak = NULL;
        size_t ak_len = 0;
        int r;

        if (!p || !a || !a->ek_uri || !a->request_id[0] || !a->ak_pub || !a->model)
                return -EINVAL;
        r = crypto_pubkey_to_der(a->ak_pub, &ak, &ak_len);
        if (r < 0)
                return r;
        /* The expired entries go first, in a statement of their own. */
        r = store_run(p->st, "DELETE FROM attest_pending WHERE expires <= ?", "i", (int64_t) now);
        if (r < 0)
                return r;
        r = store_begin(p->st);
        if (r < 0)
                return r;
        r = add_tx(p, a, ak, ak_len, now);
        if (r >= 0) {
                int k = store_commit(p->st);

                return k < 0 ? k : r;
        }
        (void) store_rollback(p->st);
        return r;
}

static int activation_from_row(store_stmt *s, const char *request_id, attest_activation **ret) {
        _cleanup_(attest_activation_freep) attest_activation *a = NULL;
        const void *blob;
        size_t n = 0;
        int r;

        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        snprintf(a->request_id, sizeof(a->request_id), "%s", request_id);
        a->ek_uri = strdup(store_column_text(s, 0) ?: "");
        a->model = strdup(store_column_text(s, 5) ?: "");
        if (!a->ek_uri || !a->model)
                return -ENOMEM;
        a->device_id = store_column_int64(s, 1);
        blob = store_column_blob(s, 2, &n);
        if (!blob || n != sizeof(a->secret_sha256))
                return -EIO;
        memcpy(a->secret_sha256, blob, n);
        blob = store_column_blob(s, 3, &n);
        if (!blob)
                return -EIO;
        r = crypto_pubkey_from_der(blob, n, &a->ak_pub);
        if (r < 0)
                return r == -ENOMEM ? r : -EIO;
        a->manufacturer = (uint32_t) store_column_int64(s, 4);
        a->firmware = (uint32_t) store_column_int64(s, 6);
        a->expires = (time_t) store_column_int64(s, 7);
        *ret = TAKE_PTR(a);
        return 0;
}

int attest_pending_take(attest_pending *p, const char *request_id, time_t now, attest_activation **ret) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        _cleanup_(attest_activation_freep) attest_activation *a = NULL;
        int r;

        if (!p || !request_id || !ret || strlen(request_id) > ATTEST_REQUEST_ID_LEN)
                return -EINVAL;
        r = store_prepare(p->st,
                          "DELETE FROM attest_pending WHERE request_id = ?"
                          " RETURNING ek_uri, device_id, secret_sha256, ak_pub, manufacturer, model, firmware, expires",
                          &s);
        if (r >= 0)
                r = store_bind(s, "t", request_id);
        if (r >= 0)
                r = store_step(s);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        r = activation_from_row(s, request_id, &a);
        if (r < 0)
                return r;
        if (now >= a->expires)
                return -ETIME;
        *ret = TAKE_PTR(a);
        return 0;
}

int64_t attest_pending_count(attest_pending *p) {
        if (!p)
                return -EINVAL;
        return count(p->st, "SELECT COUNT(*) FROM attest_pending", NULL, NULL, 0);
}
