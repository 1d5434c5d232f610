/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The storage interface's front (store.h): picks the backend from the URL
 * and dispatches to it (store-backend.h); parameter lists, store_run and
 * the schema migrations are written once here, on top of the backend
 * calls, so both backends apply them the same way.
 */
#include <stdarg.h>
#include <time.h>

#include "log.h"
#include "store-backend.h"

static bool is_pg_url(const char *url) {
        return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
}

int store_open(const char *url, store **ret) {
        if (!url || !*url || !ret)
                return -EINVAL;
        if (is_pg_url(url))
                return store_pg_open(url, ret);
        if (strstr(url, "://"))
                return -EPROTONOSUPPORT;
        if (strncmp(url, "sqlite:", 7) == 0)
                url += 7;
        if (!*url)
                return -EINVAL;
        return store_sqlite_open(url, ret);
}

int store_url_for_log(const char *url, char **ret) {
        const char *scheme_end, *at, *colon, *end;

        if (!url)
                return -EINVAL;
        scheme_end = strstr(url, "://");
        if (scheme_end) {
                /* userinfo ends at the last '@' before the path or query. */
                end = scheme_end + 3 + strcspn(scheme_end + 3, "/?");
                at = NULL;
                for (const char *p = scheme_end + 3; p < end; p++)
                        if (*p == '@')
                                at = p;
                colon = at ? memchr(scheme_end + 3, ':', (size_t) (at - (scheme_end + 3))) : NULL;
                if (colon) {
                        if (asprintf(ret, "%.*s:***%s", (int) (colon - url), url, at) < 0)
                                return -ENOMEM;
                        return 0;
                }
        }
        /* A password given as a query parameter is masked too. */
        {
                const char *pw = strstr(url, "password=");

                if (pw && (pw == url || pw[-1] == '?' || pw[-1] == '&' || pw[-1] == ' ')) {
                        const char *rest = pw + 9 + strcspn(pw + 9, "& ");
                        if (asprintf(ret, "%.*s***%s", (int) (pw + 9 - url), url, rest) < 0)
                                return -ENOMEM;
                        return 0;
                }
        }
        *ret = strdup(url);
        return *ret ? 0 : -ENOMEM;
}

void store_close(store *s) {
        if (s)
                s->ops->close(s);
}

int store_begin(store *s) {
        return s->ops->begin(s);
}

int store_commit(store *s) {
        return s->ops->commit(s, true);
}

int store_commit_nowait(store *s) {
        return s->ops->commit(s, false);
}

int store_rollback(store *s) {
        return s->ops->rollback(s);
}

void store_rollback_unless_committed(store *s, bool *in_tx) {
        if (*in_tx) {
                (void) store_rollback(s);
                *in_tx = false;
        }
}

int store_lock(store *s, const char *name, bool exclusive) {
        if (!name || !*name)
                return -EINVAL;
        return s->ops->lock(s, name, exclusive);
}

int store_exec(store *s, const char *sql) {
        return s->ops->exec(s, sql);
}

int store_prepare(store *s, const char *sql, store_stmt **ret) {
        return s->ops->prepare(s, sql, ret);
}

void store_stmt_free(store_stmt *st) {
        if (st)
                st->ops->stmt_free(st);
}

int store_bind_text(store_stmt *st, int idx, const char *text) {
        if (!text)
                return st->ops->bind_null(st, idx);
        return st->ops->bind_text(st, idx, text);
}

int store_bind_int64(store_stmt *st, int idx, int64_t v) {
        return st->ops->bind_int64(st, idx, v);
}

int store_bind_blob(store_stmt *st, int idx, const void *data, size_t len) {
        if (!data)
                return st->ops->bind_null(st, idx);
        return st->ops->bind_blob(st, idx, data, len);
}

int store_bind_null(store_stmt *st, int idx) {
        return st->ops->bind_null(st, idx);
}

static int bind_va(store_stmt *st, const char *types, va_list ap) {
        int idx = 1, r;

        for (const char *t = types ?: ""; *t; t++, idx++) {
                switch (*t) {
                case 't':
                        r = store_bind_text(st, idx, va_arg(ap, const char *));
                        break;
                case 'i':
                        r = store_bind_int64(st, idx, va_arg(ap, int64_t));
                        break;
                case 'b': {
                        const void *p = va_arg(ap, const void *);
                        size_t n = va_arg(ap, size_t);
                        r = store_bind_blob(st, idx, p, n);
                        break;
                }
                case 'n':
                        r = store_bind_null(st, idx);
                        break;
                default:
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

int store_bind(store_stmt *st, const char *types, ...) {
        va_list ap;
        int r;

        va_start(ap, types);
        r = bind_va(st, types, ap);
        va_end(ap);
        return r;
}

int store_step(store_stmt *st) {
        return st->ops->step(st);
}

const char *store_column_text(store_stmt *st, int col) {
        return st->ops->column_text(st, col);
}

int64_t store_column_int64(store_stmt *st, int col) {
        return st->ops->column_int64(st, col);
}

const void *store_column_blob(store_stmt *st, int col, size_t *ret_len) {
        return st->ops->column_blob(st, col, ret_len);
}

bool store_column_is_null(store_stmt *st, int col) {
        return st->ops->column_is_null(st, col);
}

int store_run(store *s, const char *sql, const char *types, ...) {
        _cleanup_(store_stmt_freep) store_stmt *st = NULL;
        va_list ap;
        int r;

        r = store_prepare(s, sql, &st);
        if (r < 0)
                return r;
        va_start(ap, types);
        r = bind_va(st, types, ap);
        va_end(ap);
        if (r < 0)
                return r;
        while ((r = store_step(st)) > 0)
                ;
        if (r < 0)
                return r;
        return st->ops->changes(st);
}

static int migration_applied(store *s, const char *module, int version) {
        _cleanup_(store_stmt_freep) store_stmt *st = NULL;
        int r;

        r = store_prepare(s, "SELECT 1 FROM store_migrations WHERE module = ? AND version = ?", &st);
        if (r < 0)
                return r;
        r = store_bind(st, "ti", module, (int64_t) version);
        if (r < 0)
                return r;
        return store_step(st);
}

/* Every migration transaction takes this lock first: two processes
 * starting together on one PostgreSQL database must not both create the
 * bookkeeping table or apply one step. */
#define MIGRATION_LOCK "store_migrate"

static int migrations_table(store *s) {
        int r;

        r = store_begin(s);
        if (r < 0)
                return r;
        r = store_lock(s, MIGRATION_LOCK, true);
        if (r >= 0)
                r = store_exec(s, "CREATE TABLE IF NOT EXISTS store_migrations ("
                                  " module TEXT NOT NULL,"
                                  " version INTEGER NOT NULL,"
                                  " applied_at INTEGER NOT NULL,"
                                  " PRIMARY KEY (module, version))");
        if (r >= 0)
                return store_commit(s);
        (void) store_rollback(s);
        return r;
}

int store_migrate(store *s, const char *module, const store_migration *steps, size_t n) {
        int applied = 0, r;

        for (size_t i = 1; i < n; i++)
                if (steps[i].version <= steps[i - 1].version)
                        return -EINVAL;
        r = migrations_table(s);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n; i++) {
                /* Check inside the locked transaction: two processes
                 * starting together must not both apply a step. */
                r = store_begin(s);
                if (r < 0)
                        return r;
                r = store_lock(s, MIGRATION_LOCK, true);
                if (r >= 0)
                        r = migration_applied(s, module, steps[i].version);
                if (r > 0) {
                        (void) store_rollback(s);
                        continue;
                }
                if (r == 0)
                        r = store_exec(s, steps[i].sql);
                if (r >= 0)
                        r = store_run(s, "INSERT INTO store_migrations (module, version, applied_at) VALUES (?, ?, ?)",
                                      "tii", module, (int64_t) steps[i].version, (int64_t) time(NULL));
                if (r >= 0)
                        r = store_commit(s);
                else
                        (void) store_rollback(s);
                if (r < 0) {
                        log_debug("store: migration %s/%d failed: %d", module, steps[i].version, r);
                        return r;
                }
                applied++;
        }
        return applied;
}
