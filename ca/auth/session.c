/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Login links and console sessions (session.h).
 */
#include <inttypes.h>

#include "crypto.h"
#include "session.h"

#define TOUCH_INTERVAL 60     /* seconds between last_seen_at updates */
#define PURGE_GRACE 86400     /* used or expired links are kept a day */

static const store_migration console_migrations[] = {
        { 1,
          "CREATE TABLE console_login_links ("
          " token_hash TEXT PRIMARY KEY,"
          " label TEXT NOT NULL,"
          " created_at INTEGER NOT NULL,"
          " expires_at INTEGER NOT NULL,"
          " used_at INTEGER);"
          "CREATE TABLE console_sessions ("
          " id_hash TEXT PRIMARY KEY,"
          " label TEXT NOT NULL,"
          " csrf TEXT NOT NULL,"
          " remote_addr TEXT,"
          " created_at INTEGER NOT NULL,"
          " expires_at INTEGER NOT NULL,"
          " last_seen_at INTEGER NOT NULL)" },
};

int console_store_migrate(store *st) {
        int r = store_migrate(st, "console", console_migrations, ELEMENTSOF(console_migrations));
        return r < 0 ? r : 0;
}

bool console_label_valid(const char *label) {
        size_t n;

        if (!label)
                return false;
        n = strlen(label);
        if (n == 0 || n > CONSOLE_LABEL_MAX)
                return false;
        for (const char *p = label; *p; p++)
                if (*p < 0x20 || *p > 0x7e)
                        return false;
        return true;
}

static uint64_t lifetime_of(const console_limits *lim) {
        return lim && lim->lifetime ? lim->lifetime : CONSOLE_SESSION_LIFETIME_DEFAULT;
}

static uint64_t idle_of(const console_limits *lim) {
        return lim && lim->idle ? lim->idle : CONSOLE_SESSION_IDLE_DEFAULT;
}

/* SHA-256 of a secret as lowercase hex: what the tables keep. */
static int hash_hex(const char *s, size_t len, char ret[static 65]) {
        static const char hex[] = "0123456789abcdef";
        uint8_t d[32];
        int r;

        r = crypto_sha256(s, len, d);
        if (r < 0)
                return r;
        for (size_t i = 0; i < sizeof(d); i++) {
                ret[2 * i] = hex[d[i] >> 4];
                ret[2 * i + 1] = hex[d[i] & 15];
        }
        ret[64] = '\0';
        return 0;
}

static int new_token(char **ret) {
        _cleanup_free_ char *t = NULL;
        int r;

        r = crypto_random_b64url(CONSOLE_TOKEN_BYTES, &t);
        if (r < 0)
                return r;
        if (!console_token_valid(t, strlen(t)))
                return -EIO;
        *ret = TAKE_PTR(t);
        return 0;
}

int console_link_create(store *st, const audit_actor *who, const char *label, uint64_t ttl, char **ret_token,
                        time_t *ret_expires) {
        _cleanup_free_ char *token = NULL;
        _cleanup_json_ json_object *detail = NULL;
        char hash[65];
        time_t now = time(NULL), expires;
        bool in_tx = false;
        int r;

        if (!console_label_valid(label) || ttl == 0 || ttl > CONSOLE_LINK_TTL_MAX)
                return -EINVAL;
        r = new_token(&token);
        if (r < 0)
                return r;
        r = hash_hex(token, strlen(token), hash);
        if (r < 0)
                return r;
        expires = now + (time_t) ttl;
        detail = json_object_new_object();
        if (!detail || json_add_string(detail, "label", label) < 0 ||
            json_add_int64(detail, "expires_at", (int64_t) expires) < 0)
                return -ENOMEM;

        r = store_begin(st);
        if (r < 0)
                return r;
        in_tx = true;
        r = store_run(st,
                      "INSERT INTO console_login_links (token_hash, label, created_at, expires_at)"
                      " VALUES (?, ?, ?, ?)",
                      "ttii", hash, label, (int64_t) now, (int64_t) expires);
        if (r >= 0)
                r = audit_record(st, who, "login-link.create", NULL, detail);
        if (r >= 0)
                r = store_commit(st);
        if (r >= 0)
                in_tx = false;
        store_rollback_unless_committed(st, &in_tx);
        if (r < 0)
                return r;
        *ret_token = TAKE_PTR(token);
        *ret_expires = expires;
        return 0;
}

/* Inside the caller's transaction: checks and marks the link. */
static int link_take(store *s, const char *hash, time_t now, char label[static CONSOLE_LABEL_MAX + 1]) {
        _cleanup_(store_stmt_freep) store_stmt *st = NULL;
        int r;

        r = store_prepare(s, "SELECT label, expires_at, used_at FROM console_login_links WHERE token_hash = ?", &st);
        if (r < 0)
                return r;
        r = store_bind(st, "t", hash);
        if (r < 0)
                return r;
        r = store_step(st);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        if (!store_column_is_null(st, 2))
                return -EALREADY;
        if (store_column_int64(st, 1) <= (int64_t) now)
                return -ETIME;
        snprintf(label, CONSOLE_LABEL_MAX + 1, "%s", store_column_text(st, 0) ?: "");
        store_stmt_free(TAKE_PTR(st));
        r = store_run(s, "UPDATE console_login_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL", "it",
                      (int64_t) now, hash);
        if (r < 0)
                return r;
        return r == 1 ? 0 : -EALREADY;
}

int console_link_redeem(store *st, const char *token, const console_limits *lim, const char *remote,
                        char **ret_cookie, console_session *ret) {
        _cleanup_free_ char *cookie = NULL, *csrf = NULL;
        _cleanup_json_ json_object *detail = NULL;
        char link_hash[65], id_hash[65];
        console_session sess = {};
        audit_actor who = { .kind = AUDIT_ACTOR_SESSION };
        time_t now = time(NULL);
        bool in_tx = false;
        int r;

        if (!token || !console_token_valid(token, strlen(token)))
                return -ENOENT;
        r = hash_hex(token, strlen(token), link_hash);
        if (r < 0)
                return r;
        r = new_token(&cookie);
        if (r >= 0)
                r = new_token(&csrf);
        if (r >= 0)
                r = hash_hex(cookie, strlen(cookie), id_hash);
        if (r < 0)
                return r;

        sess.created_at = now;
        sess.expires_at = now + (time_t) lifetime_of(lim);
        memcpy(sess.short_id, id_hash, 16);
        snprintf(sess.csrf, sizeof(sess.csrf), "%s", csrf);

        r = store_begin(st);
        if (r < 0)
                return r;
        in_tx = true;
        r = link_take(st, link_hash, now, sess.label);
        if (r >= 0)
                r = store_run(st,
                              "INSERT INTO console_sessions (id_hash, label, csrf, remote_addr, created_at, expires_at,"
                              " last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                              "ttttiii", id_hash, sess.label, csrf, remote && *remote ? remote : NULL, (int64_t) now,
                              (int64_t) sess.expires_at, (int64_t) now);
        if (r >= 0) {
                audit_actor_set_name(&who, sess.label);
                memcpy(who.session, sess.short_id, sizeof(who.session));
                snprintf(who.remote, sizeof(who.remote), "%s", remote ?: "");
                detail = json_object_new_object();
                if (!detail || json_add_int64(detail, "expires_at", (int64_t) sess.expires_at) < 0)
                        r = -ENOMEM;
        }
        if (r >= 0)
                r = audit_record(st, &who, "session.login", NULL, detail);
        if (r >= 0)
                r = store_commit(st);
        if (r >= 0)
                in_tx = false;
        store_rollback_unless_committed(st, &in_tx);
        if (r < 0)
                return r;
        *ret_cookie = TAKE_PTR(cookie);
        *ret = sess;
        return 0;
}

int console_session_lookup(store *s, const char *cookie, size_t cookie_len, const console_limits *lim,
                           console_session *ret) {
        _cleanup_(store_stmt_freep) store_stmt *st = NULL;
        console_session sess = {};
        char id_hash[65];
        time_t now = time(NULL), expires, last_seen;
        int r;

        if (!console_token_valid(cookie, cookie_len))
                return -ENOENT;
        r = hash_hex(cookie, cookie_len, id_hash);
        if (r < 0)
                return r;
        r = store_prepare(s,
                          "SELECT label, csrf, created_at, expires_at, last_seen_at FROM console_sessions"
                          " WHERE id_hash = ?",
                          &st);
        if (r < 0)
                return r;
        r = store_bind(st, "t", id_hash);
        if (r < 0)
                return r;
        r = store_step(st);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        snprintf(sess.label, sizeof(sess.label), "%s", store_column_text(st, 0) ?: "");
        snprintf(sess.csrf, sizeof(sess.csrf), "%s", store_column_text(st, 1) ?: "");
        sess.created_at = (time_t) store_column_int64(st, 2);
        expires = (time_t) store_column_int64(st, 3);
        last_seen = (time_t) store_column_int64(st, 4);
        store_stmt_free(TAKE_PTR(st));
        /* The session's own expiry, but never past what the lifetime
         * allows now (a shorter lifetime configured since applies). */
        if (expires > sess.created_at + (time_t) lifetime_of(lim))
                expires = sess.created_at + (time_t) lifetime_of(lim);
        sess.expires_at = expires;
        memcpy(sess.short_id, id_hash, 16);
        if (now >= expires || now - last_seen >= (time_t) idle_of(lim)) {
                (void) store_run(s, "DELETE FROM console_sessions WHERE id_hash = ?", "t", id_hash);
                return -ETIME;
        }
        if (now - last_seen >= TOUCH_INTERVAL)
                (void) store_run(s, "UPDATE console_sessions SET last_seen_at = ? WHERE id_hash = ?", "it",
                                 (int64_t) now, id_hash);
        *ret = sess;
        return 0;
}

int console_session_end(store *st, const char *cookie, size_t cookie_len, const audit_actor *who) {
        char id_hash[65];
        bool in_tx = false;
        int r;

        if (!console_token_valid(cookie, cookie_len))
                return -ENOENT;
        r = hash_hex(cookie, cookie_len, id_hash);
        if (r < 0)
                return r;
        r = store_begin(st);
        if (r < 0)
                return r;
        in_tx = true;
        r = store_run(st, "DELETE FROM console_sessions WHERE id_hash = ?", "t", id_hash);
        if (r == 0)
                r = -ENOENT;
        if (r >= 0)
                r = audit_record(st, who, "session.logout", NULL, NULL);
        if (r >= 0)
                r = store_commit(st);
        if (r >= 0)
                in_tx = false;
        store_rollback_unless_committed(st, &in_tx);
        return r < 0 ? r : 0;
}

int console_purge(store *st, const console_limits *lim) {
        time_t now = time(NULL);
        int a, b;

        a = store_run(st, "DELETE FROM console_sessions WHERE expires_at <= ? OR last_seen_at <= ?", "ii",
                      (int64_t) now, (int64_t) (now - (time_t) idle_of(lim)));
        if (a < 0)
                return a;
        b = store_run(st,
                      "DELETE FROM console_login_links WHERE expires_at <= ? OR (used_at IS NOT NULL AND used_at <= ?)",
                      "ii", (int64_t) (now - PURGE_GRACE), (int64_t) (now - PURGE_GRACE));
        if (b < 0)
                return b;
        return a + b;
}
