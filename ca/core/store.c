/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQLite backend of the storage interface (store.h): per-thread
 * connections found through a pthread key, nested transactions as
 * savepoints, errors mapped to -errno once, here.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include <sqlite3.h>

#include "log.h"
#include "store.h"

#define STORE_BUSY_TIMEOUT_MS 10000

typedef struct store_conn {
        store *owner;
        sqlite3 *db;
        unsigned depth; /* transaction nesting */
        struct store_conn *next;
} store_conn;

struct store {
        char *path;
        pthread_key_t key;
        pthread_mutex_t lock; /* protects conns */
        store_conn *conns;
};

struct store_stmt {
        sqlite3_stmt *stmt;
        store_conn *conn;
};

static int sqlite_to_errno(int rc) {
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_ROW:
        case SQLITE_DONE:
                return 0;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_CONSTRAINT:
                switch (rc) {
                case SQLITE_CONSTRAINT_UNIQUE:
                case SQLITE_CONSTRAINT_PRIMARYKEY:
                        return -EEXIST;
                case SQLITE_CONSTRAINT_FOREIGNKEY:
                        return -ENOENT;
                default:
                        return -EINVAL;
                }
        case SQLITE_TOOBIG:
                return -E2BIG;
        case SQLITE_ERROR:
        case SQLITE_RANGE:
        case SQLITE_MISMATCH:
                return -EINVAL;
        case SQLITE_CANTOPEN:
                return -ENOENT;
        case SQLITE_PERM:
        case SQLITE_AUTH:
                return -EACCES;
        case SQLITE_READONLY:
                return -EROFS;
        case SQLITE_FULL:
                return -ENOSPC;
        default:
                return -EIO;
        }
}

static void conn_close(store_conn *c) {
        if (!c)
                return;
        if (c->db)
                sqlite3_close_v2(c->db);
        free(c);
}

/* Thread exit: detach this thread's connection from the store and close it. */
static void conn_destructor(void *p) {
        store_conn *c = p;
        store *s = c->owner;

        pthread_mutex_lock(&s->lock);
        for (store_conn **i = &s->conns; *i; i = &(*i)->next)
                if (*i == c) {
                        *i = c->next;
                        break;
                }
        pthread_mutex_unlock(&s->lock);
        conn_close(c);
}

static int conn_open(store *s, store_conn **ret) {
        store_conn *c;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->owner = s;
        r = sqlite3_open_v2(s->path, &c->db,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
        if (r != SQLITE_OK) {
                log_debug("sqlite: cannot open \"%s\": %s", s->path,
                          c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(r));
                r = sqlite_to_errno(r);
                conn_close(c);
                return r ?: -EIO;
        }
        sqlite3_extended_result_codes(c->db, 1);
        sqlite3_busy_timeout(c->db, STORE_BUSY_TIMEOUT_MS);
        /* SQLite-specific session setup lives here, not in callers' SQL. */
        r = sqlite3_exec(c->db,
                         "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;",
                         NULL, NULL, NULL);
        if (r != SQLITE_OK) {
                log_debug("sqlite: setup of \"%s\" failed: %s", s->path, sqlite3_errmsg(c->db));
                r = sqlite_to_errno(r);
                conn_close(c);
                return r ?: -EIO;
        }
        *ret = c;
        return 0;
}

/* The calling thread's connection, opened on first use. */
static int conn_get(store *s, store_conn **ret) {
        store_conn *c = pthread_getspecific(s->key);
        int r;

        if (c) {
                *ret = c;
                return 0;
        }
        r = conn_open(s, &c);
        if (r < 0)
                return r;
        r = pthread_setspecific(s->key, c);
        if (r != 0) {
                conn_close(c);
                return -r;
        }
        pthread_mutex_lock(&s->lock);
        c->next = s->conns;
        s->conns = c;
        pthread_mutex_unlock(&s->lock);
        *ret = c;
        return 0;
}

int store_open(const char *url, store **ret) {
        _cleanup_free_ char *path = NULL;
        store *s;
        store_conn *c;
        int r;

        if (!url || !*url)
                return -EINVAL;
        if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
                return -EOPNOTSUPP;
        if (strncmp(url, "sqlite:", 7) == 0)
                url += 7;
        if (!*url)
                return -EINVAL;
        path = strdup(url);
        if (!path)
                return -ENOMEM;

        /* Create the file 0600 ourselves: SQLite would use the umask. */
        {
                _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0)
                        return negative_errno();
        }

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->path = TAKE_PTR(path);
        pthread_mutex_init(&s->lock, NULL);
        r = pthread_key_create(&s->key, conn_destructor);
        if (r != 0) {
                free(s->path);
                free(s);
                return -r;
        }
        /* Open the first connection now so that errors show at open time. */
        r = conn_get(s, &c);
        if (r < 0) {
                store_close(s);
                return r;
        }
        *ret = s;
        return 0;
}

void store_close(store *s) {
        store_conn *c;

        if (!s)
                return;
        pthread_key_delete(s->key);
        pthread_mutex_lock(&s->lock);
        while ((c = s->conns)) {
                s->conns = c->next;
                conn_close(c);
        }
        pthread_mutex_unlock(&s->lock);
        pthread_mutex_destroy(&s->lock);
        free(s->path);
        free(s);
}

/* The last error of db as -errno: a write the file system refused for
 * want of space (an I/O error with ENOSPC or EDQUOT underneath) is
 * -ENOSPC like SQLITE_FULL, so that callers can say "retry later". */
static int db_errno(sqlite3 *db) {
        int rc = sqlite3_extended_errcode(db), e;

        if ((rc & 0xff) == SQLITE_IOERR) {
                e = sqlite3_system_errno(db);
                if (e == ENOSPC || e == EDQUOT)
                        return -ENOSPC;
        }
        return sqlite_to_errno(rc) ?: -EIO;
}

static int conn_exec(store_conn *c, const char *sql) {
        char *err = NULL;
        int r;

        r = sqlite3_exec(c->db, sql, NULL, NULL, &err);
        if (r != SQLITE_OK) {
                log_debug("sqlite: \"%.80s\" failed: %s", sql, err ? err : sqlite3_errstr(r));
                sqlite3_free(err);
                return db_errno(c->db);
        }
        return 0;
}

int store_exec(store *s, const char *sql) {
        store_conn *c;
        int r;

        r = conn_get(s, &c);
        if (r < 0)
                return r;
        return conn_exec(c, sql);
}

int store_begin(store *s) {
        store_conn *c;
        char sp[32];
        int r;

        r = conn_get(s, &c);
        if (r < 0)
                return r;
        if (c->depth == 0)
                /* IMMEDIATE takes the write lock at once, so two writers
                 * never deadlock upgrading their read locks. */
                r = conn_exec(c, "BEGIN IMMEDIATE");
        else {
                snprintf(sp, sizeof(sp), "SAVEPOINT sp%u", c->depth);
                r = conn_exec(c, sp);
        }
        if (r < 0)
                return r;
        c->depth++;
        return 0;
}

int store_commit(store *s) {
        store_conn *c;
        char sp[32];
        int r;

        r = conn_get(s, &c);
        if (r < 0)
                return r;
        if (c->depth == 0)
                return -EINVAL;
        if (c->depth == 1) {
                r = conn_exec(c, "COMMIT");
                if (r < 0) {
                        (void) conn_exec(c, "ROLLBACK");
                        c->depth = 0;
                        return r;
                }
        } else {
                snprintf(sp, sizeof(sp), "RELEASE sp%u", c->depth - 1);
                r = conn_exec(c, sp);
                if (r < 0)
                        return r;
        }
        c->depth--;
        return 0;
}

int store_rollback(store *s) {
        store_conn *c;
        char sp[64];
        int r;

        r = conn_get(s, &c);
        if (r < 0)
                return r;
        if (c->depth == 0)
                return -EINVAL;
        if (c->depth == 1)
                r = conn_exec(c, "ROLLBACK");
        else {
                snprintf(sp, sizeof(sp), "ROLLBACK TO sp%u; RELEASE sp%u", c->depth - 1, c->depth - 1);
                r = conn_exec(c, sp);
        }
        c->depth--;
        return r;
}

void store_rollback_unless_committed(store *s, bool *in_tx) {
        if (*in_tx) {
                (void) store_rollback(s);
                *in_tx = false;
        }
}

int store_prepare(store *s, const char *sql, store_stmt **ret) {
        store_conn *c;
        store_stmt *st;
        int r;

        r = conn_get(s, &c);
        if (r < 0)
                return r;
        st = calloc(1, sizeof(*st));
        if (!st)
                return -ENOMEM;
        st->conn = c;
        r = sqlite3_prepare_v2(c->db, sql, -1, &st->stmt, NULL);
        if (r != SQLITE_OK) {
                log_debug("sqlite: cannot prepare \"%.80s\": %s", sql, sqlite3_errmsg(c->db));
                free(st);
                return sqlite_to_errno(r) ?: -EIO;
        }
        *ret = st;
        return 0;
}

void store_stmt_free(store_stmt *st) {
        if (!st)
                return;
        sqlite3_finalize(st->stmt);
        free(st);
}

static int bind_result(store_stmt *st, int rc) {
        if (rc == SQLITE_OK)
                return 0;
        log_debug("sqlite: bind failed: %s", sqlite3_errmsg(st->conn->db));
        return sqlite_to_errno(rc) ?: -EIO;
}

int store_bind_text(store_stmt *st, int idx, const char *text) {
        if (!text)
                return store_bind_null(st, idx);
        return bind_result(st, sqlite3_bind_text(st->stmt, idx, text, -1, SQLITE_TRANSIENT));
}

int store_bind_int64(store_stmt *st, int idx, int64_t v) {
        return bind_result(st, sqlite3_bind_int64(st->stmt, idx, v));
}

int store_bind_blob(store_stmt *st, int idx, const void *data, size_t len) {
        if (!data)
                return store_bind_null(st, idx);
        if (len > INT32_MAX)
                return -E2BIG;
        return bind_result(st, sqlite3_bind_blob(st->stmt, idx, data, (int) len, SQLITE_TRANSIENT));
}

int store_bind_null(store_stmt *st, int idx) {
        return bind_result(st, sqlite3_bind_null(st->stmt, idx));
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
        int rc = sqlite3_step(st->stmt);

        if (rc == SQLITE_ROW)
                return 1;
        if (rc == SQLITE_DONE)
                return 0;
        log_debug("sqlite: step of \"%.80s\" failed: %s", sqlite3_sql(st->stmt),
                  sqlite3_errmsg(st->conn->db));
        return db_errno(st->conn->db);
}

const char *store_column_text(store_stmt *st, int col) {
        return (const char *) sqlite3_column_text(st->stmt, col);
}

int64_t store_column_int64(store_stmt *st, int col) {
        return sqlite3_column_int64(st->stmt, col);
}

const void *store_column_blob(store_stmt *st, int col, size_t *ret_len) {
        const void *p = sqlite3_column_blob(st->stmt, col);

        if (ret_len)
                *ret_len = (size_t) sqlite3_column_bytes(st->stmt, col);
        return p;
}

bool store_column_is_null(store_stmt *st, int col) {
        return sqlite3_column_type(st->stmt, col) == SQLITE_NULL;
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
        return sqlite3_changes(st->conn->db);
}

int64_t store_last_insert_id(store *s) {
        store_conn *c;

        if (conn_get(s, &c) < 0)
                return 0;
        return sqlite3_last_insert_rowid(c->db);
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

int store_migrate(store *s, const char *module, const store_migration *steps, size_t n) {
        int applied = 0, r;

        r = store_exec(s, "CREATE TABLE IF NOT EXISTS store_migrations ("
                          " module TEXT NOT NULL,"
                          " version INTEGER NOT NULL,"
                          " applied_at INTEGER NOT NULL,"
                          " PRIMARY KEY (module, version))");
        if (r < 0)
                return r;

        for (size_t i = 0; i < n; i++) {
                if (i > 0 && steps[i].version <= steps[i - 1].version)
                        return -EINVAL;
                /* Check inside the write transaction: two processes
                 * starting together must not both apply a step. */
                r = store_begin(s);
                if (r < 0)
                        return r;
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
