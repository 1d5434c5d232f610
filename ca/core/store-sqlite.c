/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQLite backend of the storage interface (store.h, store-backend.h):
 * per-thread connections found through a pthread key, write transactions
 * serialised by BEGIN IMMEDIATE, nested transactions as savepoints,
 * errors mapped to -errno once, here.
 *
 * Durable commits, in groups: the database runs in WAL mode with
 * synchronous=NORMAL, so COMMIT appends the transaction's frames to the
 * WAL file without an fsync (SQLite syncs the WAL before a checkpoint
 * copies it, and the database after). store_commit() then waits for an
 * fdatasync of the WAL that began after its COMMIT returned: the first
 * committer to find none under way makes one for everything committed so
 * far, and those that commit meanwhile wait for the next, so one fsync
 * covers a whole group of transactions and none is answered before its
 * frames are on disk. Frames past a torn tail are discarded by SQLite's
 * recovery (each frame is checksummed), never ours. If a checkpoint
 * moved our frames into the database and restarted the WAL, the database
 * was synced first, so they are durable there.
 * (synchronous=FULL would fsync inside every COMMIT, while holding the
 * write lock: one fsync per transaction, never shared.)
 *
 * Checkpoints, off the request path: SQLite's automatic checkpoint would
 * run in the committing thread (its fsyncs in a request's latency), so
 * each connection's WAL hook instead wakes a checkpoint thread of the
 * store, started on first need with a connection of its own, which runs
 * a PASSIVE checkpoint once the WAL holds WAL_CHECKPOINT_FRAMES frames.
 * Should it fall behind (readers pinning old frames), a committer that
 * finds WAL_MAX_FRAMES frames checkpoints itself, so the WAL stays
 * bounded.
 *
 * store_commit_nowait() skips the wait: its frames follow the earlier
 * ones in the WAL, so the next durable commit's fsync covers them.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include <sqlite3.h>

#include "log.h"
#include "store-backend.h"

#define STORE_BUSY_TIMEOUT_MS 10000
#define WAL_CHECKPOINT_FRAMES 4000 /* 16 MiB; SQLite checkpoints at 1000 by default */
#define WAL_MAX_FRAMES 16000       /* 64 MiB of 4 KiB pages */

typedef struct sqlite_store sqlite_store;

/* Prepared statements kept per connection for the next store_prepare()
 * of the same SQL text: parsing and planning a statement costs more than
 * running most of ours. Used by the connection's thread alone. */
#define STMT_CACHE_SIZE 32
#define STMT_CACHE_SQL_MAX 2048 /* longer (built) texts are not kept */

typedef struct cached_stmt {
        char *sql;
        sqlite3_stmt *stmt;
        bool in_use;
} cached_stmt;

typedef struct store_conn {
        sqlite_store *owner;
        sqlite3 *db;
        unsigned depth; /* transaction nesting */
        struct store_conn *next;
        cached_stmt cache[STMT_CACHE_SIZE];
        unsigned cache_next; /* the slot a new text replaces (round robin) */
} store_conn;

struct sqlite_store {
        store base;
        char *path;
        pthread_key_t key;
        pthread_mutex_t lock; /* protects conns */
        store_conn *conns;

        /* Group commit: commits are numbered as they return from COMMIT;
         * synced covers every number up to it. */
        pthread_mutex_t sync_lock;
        pthread_cond_t synced_cond;
        uint64_t committed, synced;
        bool syncing;

        /* The checkpoint thread (see the top of the file). */
        pthread_mutex_t ckpt_lock;
        pthread_cond_t ckpt_cond;
        pthread_t ckpt_thread;
        store_conn *ckpt_conn;
        bool ckpt_started, ckpt_failed, ckpt_wanted, ckpt_stop;
};

typedef struct sqlite_stmt {
        store_stmt base;
        sqlite3_stmt *stmt;
        store_conn *conn;
        cached_stmt *cached; /* NULL: finalized when freed */
} sqlite_stmt;

static const store_ops sqlite_ops;
static void sqlite_close(store *base);

#define STORE(s) ((sqlite_store *) (s))
#define STMT(st) ((sqlite_stmt *) (st))

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
        for (size_t i = 0; i < STMT_CACHE_SIZE; i++) {
                sqlite3_finalize(c->cache[i].stmt);
                free(c->cache[i].sql);
        }
        if (c->db)
                sqlite3_close_v2(c->db);
        free(c);
}

/* Thread exit: detach this thread's connection from the store and close it. */
static void conn_destructor(void *p) {
        store_conn *c = p;
        sqlite_store *s = c->owner;

        pthread_mutex_lock(&s->lock);
        for (store_conn **i = &s->conns; *i; i = &(*i)->next)
                if (*i == c) {
                        *i = c->next;
                        break;
                }
        pthread_mutex_unlock(&s->lock);
        conn_close(c);
}

static void *checkpoint_thread(void *p) {
        sqlite_store *s = p;
        int rc;

        pthread_mutex_lock(&s->ckpt_lock);
        for (;;) {
                while (!s->ckpt_wanted && !s->ckpt_stop)
                        pthread_cond_wait(&s->ckpt_cond, &s->ckpt_lock);
                if (s->ckpt_stop)
                        break;
                s->ckpt_wanted = false;
                pthread_mutex_unlock(&s->ckpt_lock);
                rc = sqlite3_wal_checkpoint_v2(s->ckpt_conn->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
                if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
                        log_debug("sqlite: checkpoint of \"%s\" failed: %s", s->path, sqlite3_errstr(rc));
                pthread_mutex_lock(&s->ckpt_lock);
        }
        pthread_mutex_unlock(&s->ckpt_lock);
        return NULL;
}

static int conn_open(sqlite_store *s, store_conn **ret);

/* Wakes the checkpoint thread, starting it on first use; false if it
 * cannot run (then the caller checkpoints). */
static bool checkpoint_request(sqlite_store *s) {
        bool ok;

        pthread_mutex_lock(&s->ckpt_lock);
        if (!s->ckpt_started && !s->ckpt_failed && !s->ckpt_stop) {
                int r = conn_open(s, &s->ckpt_conn);

                if (r >= 0) {
                        r = -pthread_create(&s->ckpt_thread, NULL, checkpoint_thread, s);
                        if (r < 0)
                                conn_close(TAKE_PTR(s->ckpt_conn));
                }
                if (r < 0) {
                        log_warning_errno(r, "sqlite: no checkpoint thread for \"%s\", checkpointing in requests: %m",
                                          s->path);
                        s->ckpt_failed = true;
                } else
                        s->ckpt_started = true;
        }
        ok = s->ckpt_started;
        if (ok) {
                s->ckpt_wanted = true;
                pthread_cond_signal(&s->ckpt_cond);
        }
        pthread_mutex_unlock(&s->ckpt_lock);
        return ok;
}

static void checkpoint_stop(sqlite_store *s) {
        pthread_mutex_lock(&s->ckpt_lock);
        s->ckpt_stop = true;
        pthread_cond_signal(&s->ckpt_cond);
        pthread_mutex_unlock(&s->ckpt_lock);
        if (s->ckpt_started)
                (void) pthread_join(s->ckpt_thread, NULL);
        conn_close(TAKE_PTR(s->ckpt_conn));
}

/* After each COMMIT, with the WAL's size in frames (sqlite3_wal_hook(),
 * in place of the automatic checkpoint). */
static int wal_hook(void *p, sqlite3 *db, const char *name, int frames) {
        sqlite_store *s = p;

        if (frames < WAL_CHECKPOINT_FRAMES)
                return SQLITE_OK;
        if (frames >= WAL_MAX_FRAMES || !checkpoint_request(s))
                (void) sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        return SQLITE_OK;
}

static int conn_open(sqlite_store *s, store_conn **ret) {
        store_conn *c = NULL;
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
                         "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;"
                         /* A page cache per connection (one per thread)
                          * of 128 KiB instead of 2 MiB: the kernel's page
                          * cache holds the database anyway. */
                         "PRAGMA cache_size=-128;",
                         NULL, NULL, NULL);
        if (r != SQLITE_OK) {
                log_debug("sqlite: setup of \"%s\" failed: %s", s->path, sqlite3_errmsg(c->db));
                r = sqlite_to_errno(r);
                conn_close(c);
                return r ?: -EIO;
        }
        (void) sqlite3_wal_hook(c->db, wal_hook, s);
        *ret = c;
        return 0;
}

/* The calling thread's connection, opened on first use. */
static int conn_get(sqlite_store *s, store_conn **ret) {
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

int store_sqlite_open(const char *path, store **ret) {
        sqlite_store *s;
        store_conn *c = NULL;
        int r;

        if (!path || !*path)
                return -EINVAL;
        /* Create the file 0600 ourselves: SQLite would use the umask. */
        {
                _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0)
                        return negative_errno();
        }

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->base.ops = &sqlite_ops;
        s->path = strdup(path);
        if (!s->path) {
                free(s);
                return -ENOMEM;
        }
        pthread_mutex_init(&s->lock, NULL);
        pthread_mutex_init(&s->sync_lock, NULL);
        pthread_cond_init(&s->synced_cond, NULL);
        pthread_mutex_init(&s->ckpt_lock, NULL);
        pthread_cond_init(&s->ckpt_cond, NULL);
        r = pthread_key_create(&s->key, conn_destructor);
        if (r != 0) {
                free(s->path);
                free(s);
                return -r;
        }
        /* Open the first connection now so that errors show at open time. */
        r = conn_get(s, &c);
        if (r < 0) {
                sqlite_close(&s->base);
                return r;
        }
        *ret = &s->base;
        return 0;
}

static void sqlite_close(store *base) {
        sqlite_store *s = STORE(base);
        store_conn *c = NULL;

        checkpoint_stop(s);
        pthread_key_delete(s->key);
        pthread_mutex_lock(&s->lock);
        while ((c = s->conns)) {
                s->conns = c->next;
                conn_close(c);
        }
        pthread_mutex_unlock(&s->lock);
        pthread_mutex_destroy(&s->lock);
        pthread_mutex_destroy(&s->sync_lock);
        pthread_cond_destroy(&s->synced_cond);
        pthread_mutex_destroy(&s->ckpt_lock);
        pthread_cond_destroy(&s->ckpt_cond);
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

static int sqlite_exec(store *s, const char *sql) {
        store_conn *c = NULL;
        int r;

        r = conn_get(STORE(s), &c);
        if (r < 0)
                return r;
        return conn_exec(c, sql);
}

static int sqlite_begin(store *s) {
        store_conn *c = NULL;
        char sp[32];
        int r;

        r = conn_get(STORE(s), &c);
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

/* fdatasync of the WAL through this connection's handle on it (every
 * connection's handle is the same file); SQLite's VFS also syncs the
 * directory once after creating the WAL. */
static int wal_sync(store_conn *c) {
        sqlite3_file *f = NULL;
        int rc;

        rc = sqlite3_file_control(c->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &f);
        if (rc != SQLITE_OK || !f || !f->pMethods)
                return -EIO;
        rc = f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
        if (rc != SQLITE_OK) {
                log_debug("sqlite: fsync of the WAL of \"%s\" failed: %s", c->owner->path, sqlite3_errstr(rc));
                return sqlite_to_errno(rc) ?: -EIO;
        }
        return 0;
}

/* After a COMMIT returned: waits until an fsync that began after it has
 * completed, making one if none is under way (see the top of the file). */
static int commit_durable(store_conn *c) {
        sqlite_store *s = c->owner;
        uint64_t mine, upto;
        int r = 0;

        pthread_mutex_lock(&s->sync_lock);
        mine = ++s->committed;
        while (s->synced < mine) {
                if (s->syncing) {
                        pthread_cond_wait(&s->synced_cond, &s->sync_lock);
                        continue;
                }
                s->syncing = true;
                upto = s->committed;
                pthread_mutex_unlock(&s->sync_lock);
                r = wal_sync(c);
                pthread_mutex_lock(&s->sync_lock);
                s->syncing = false;
                if (r >= 0 && upto > s->synced)
                        s->synced = upto;
                pthread_cond_broadcast(&s->synced_cond);
                if (r < 0)
                        break; /* the others try again, each for itself */
        }
        pthread_mutex_unlock(&s->sync_lock);
        return r;
}

static int sqlite_commit(store *s, bool durable) {
        store_conn *c = NULL;
        char sp[32];
        int r;

        r = conn_get(STORE(s), &c);
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
                c->depth = 0;
                return durable ? commit_durable(c) : 0;
        } else {
                snprintf(sp, sizeof(sp), "RELEASE sp%u", c->depth - 1);
                r = conn_exec(c, sp);
                if (r < 0)
                        return r;
        }
        c->depth--;
        return 0;
}

static int sqlite_rollback(store *s) {
        store_conn *c = NULL;
        char sp[64];
        int r;

        r = conn_get(STORE(s), &c);
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

/* BEGIN IMMEDIATE already makes every write transaction the only one:
 * a named lock has nothing left to order. */
static int sqlite_lock(store *s, const char *name, bool exclusive) {
        store_conn *c = NULL;
        int r;

        r = conn_get(STORE(s), &c);
        if (r < 0)
                return r;
        return c->depth > 0 ? 0 : -EINVAL;
}

static int sqlite_prepare(store *s, const char *sql, store_stmt **ret) {
        store_conn *c = NULL;
        sqlite_stmt *st;
        int r;

        r = conn_get(STORE(s), &c);
        if (r < 0)
                return r;
        st = calloc(1, sizeof(*st));
        if (!st)
                return -ENOMEM;
        st->base.ops = &sqlite_ops;
        st->conn = c;
        for (size_t i = 0; i < STMT_CACHE_SIZE; i++) {
                cached_stmt *e = &c->cache[i];

                if (e->stmt && !e->in_use && streq(e->sql, sql)) {
                        e->in_use = true;
                        st->stmt = e->stmt;
                        st->cached = e;
                        *ret = &st->base;
                        return 0;
                }
        }
        r = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->stmt, NULL);
        if (r != SQLITE_OK) {
                log_debug("sqlite: cannot prepare \"%.80s\": %s", sql, sqlite3_errmsg(c->db));
                free(st);
                return sqlite_to_errno(r) ?: -EIO;
        }
        if (strlen(sql) <= STMT_CACHE_SQL_MAX) {
                /* Into the next slot whose statement is not in use. */
                for (size_t n = 0; n < STMT_CACHE_SIZE; n++) {
                        cached_stmt *e = &c->cache[c->cache_next];
                        char *copy;

                        c->cache_next = (c->cache_next + 1) % STMT_CACHE_SIZE;
                        if (e->in_use)
                                continue;
                        copy = strdup(sql);
                        if (!copy)
                                break; /* not kept, still usable */
                        sqlite3_finalize(e->stmt);
                        free(e->sql);
                        *e = (cached_stmt) { .sql = copy, .stmt = st->stmt, .in_use = true };
                        st->cached = e;
                        break;
                }
        }
        *ret = &st->base;
        return 0;
}

static void sqlite_stmt_free(store_stmt *base) {
        sqlite_stmt *st = STMT(base);

        if (st->cached) {
                /* Back to the cache, ready for its next use; the reset ends
                 * the read it may still hold open. */
                (void) sqlite3_reset(st->stmt);
                (void) sqlite3_clear_bindings(st->stmt);
                st->cached->in_use = false;
        } else
                sqlite3_finalize(st->stmt);
        free(st);
}

static int bind_result(sqlite_stmt *st, int rc) {
        if (rc == SQLITE_OK)
                return 0;
        log_debug("sqlite: bind failed: %s", sqlite3_errmsg(st->conn->db));
        return sqlite_to_errno(rc) ?: -EIO;
}

static int sqlite_bind_null(store_stmt *st, int idx) {
        return bind_result(STMT(st), sqlite3_bind_null(STMT(st)->stmt, idx));
}

static int sqlite_bind_text(store_stmt *st, int idx, const char *text) {
        return bind_result(STMT(st), sqlite3_bind_text(STMT(st)->stmt, idx, text, -1, SQLITE_TRANSIENT));
}

static int sqlite_bind_int64(store_stmt *st, int idx, int64_t v) {
        return bind_result(STMT(st), sqlite3_bind_int64(STMT(st)->stmt, idx, v));
}

static int sqlite_bind_blob(store_stmt *st, int idx, const void *data, size_t len) {
        if (len > INT32_MAX)
                return -E2BIG;
        return bind_result(STMT(st), sqlite3_bind_blob(STMT(st)->stmt, idx, data, (int) len, SQLITE_TRANSIENT));
}

static int sqlite_step(store_stmt *base) {
        sqlite_stmt *st = STMT(base);
        int rc = sqlite3_step(st->stmt);

        if (rc == SQLITE_ROW)
                return 1;
        if (rc == SQLITE_DONE)
                return 0;
        log_debug("sqlite: step of \"%.80s\" failed: %s", sqlite3_sql(st->stmt), sqlite3_errmsg(st->conn->db));
        return db_errno(st->conn->db);
}

static int sqlite_changes(store_stmt *st) {
        return sqlite3_changes(STMT(st)->conn->db);
}

static const char *sqlite_column_text(store_stmt *st, int col) {
        return (const char *) sqlite3_column_text(STMT(st)->stmt, col);
}

static int64_t sqlite_column_int64(store_stmt *st, int col) {
        return sqlite3_column_int64(STMT(st)->stmt, col);
}

static const void *sqlite_column_blob(store_stmt *st, int col, size_t *ret_len) {
        const void *p = sqlite3_column_blob(STMT(st)->stmt, col);

        if (ret_len)
                *ret_len = (size_t) sqlite3_column_bytes(STMT(st)->stmt, col);
        return p;
}

static bool sqlite_column_is_null(store_stmt *st, int col) {
        return sqlite3_column_type(STMT(st)->stmt, col) == SQLITE_NULL;
}

static const store_ops sqlite_ops = {
        .close = sqlite_close,
        .begin = sqlite_begin,
        .commit = sqlite_commit,
        .rollback = sqlite_rollback,
        .lock = sqlite_lock,
        .exec = sqlite_exec,
        .prepare = sqlite_prepare,
        .stmt_free = sqlite_stmt_free,
        .bind_text = sqlite_bind_text,
        .bind_int64 = sqlite_bind_int64,
        .bind_blob = sqlite_bind_blob,
        .bind_null = sqlite_bind_null,
        .step = sqlite_step,
        .changes = sqlite_changes,
        .column_text = sqlite_column_text,
        .column_int64 = sqlite_column_int64,
        .column_blob = sqlite_column_blob,
        .column_is_null = sqlite_column_is_null,
};
