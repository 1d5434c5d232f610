/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PostgreSQL backend of the storage interface (store.h, store-backend.h),
 * over libpq. Only this file includes libpq-fe.h.
 *
 * Connections: a pool of at most PG_POOL_MAX per store. A thread takes
 * one on its first call and gives it back as soon as it has no statement
 * and no transaction open, so a few connections serve the HTTP server's
 * many threads; a thread that finds none free waits up to PG_POOL_WAIT_MS
 * (-EBUSY then). A connection that the server closed (restart, failover)
 * is noticed when it is taken from the pool and replaced; one that breaks
 * while in use fails that call with -EBUSY and is closed when given back.
 * Nothing else is remembered of a lost database: the next call simply
 * connects again.
 *
 * Statements run with PQexecParams when first stepped; their rows are
 * read in text format (bytea as hex, decoded on demand), parameters are
 * sent as untyped text (the server infers the type from the context)
 * except blobs, sent as binary bytea. Transactions are READ COMMITTED;
 * store_lock() takes a transaction-scoped advisory lock on a 64-bit hash
 * of its name. Every session waits at most PG_LOCK_TIMEOUT for a lock.
 */
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <libpq-fe.h>

#include "log.h"
#include "store-backend.h"
#include "store-sql.h"

#define PG_POOL_MAX 16
#define PG_POOL_WAIT_MS 10000
#define PG_LOCK_TIMEOUT "10s"
#define PG_CONNECT_TIMEOUT "5" /* seconds, unless the URL says otherwise */
#define PG_BYTEA_OID 17        /* pg_type.dat: bytea */

typedef struct pg_store pg_store;

typedef struct pg_conn {
        pg_store *owner;
        PGconn *pg;
        unsigned depth;      /* transaction nesting */
        unsigned open_stmts; /* statements prepared and not yet freed */
        int tx_error;        /* first failure inside the outer transaction */
        bool broken;         /* the connection is lost: close, do not pool */
        struct pg_conn *next;
} pg_conn;

struct pg_store {
        store base;
        char *url;
        pthread_key_t key; /* the calling thread's borrowed connection */
        pthread_mutex_t lock;
        pthread_cond_t freed;
        pg_conn *idle;
        unsigned n_conns; /* open, idle or borrowed, plus slots being opened */
};

typedef struct pg_stmt {
        store_stmt base;
        pg_conn *conn;
        char *sql;
        unsigned n_params;
        char **values;
        int *lengths, *formats;
        Oid *types;
        PGresult *res;
        int row, n_rows, n_cols;
        bool executed;
        unsigned char **blobs; /* per column, decoded for the current row */
        size_t *blob_lens;
} pg_stmt;

static const store_ops pg_ops;
static void pg_close(store *base);

#define STORE(s) ((pg_store *) (s))
#define STMT(st) ((pg_stmt *) (st))

/* ---- errors ---- */

static bool sqlstate_is(const char *state, const char *prefix) {
        return state && strncmp(state, prefix, strlen(prefix)) == 0;
}

/* The -errno of a failed result (or of a NULL one: out of memory or the
 * connection gone), marking the connection broken when it is lost. */
static int result_to_errno(pg_conn *c, const PGresult *res, const char *what) {
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        int r;

        if (PQstatus(c->pg) != CONNECTION_OK || sqlstate_is(state, "08") || sqlstate_is(state, "57P0"))
                c->broken = true;
        log_debug("postgresql: %.80s failed (%s): %s", what, state ?: "no SQLSTATE",
                  res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg));
        if (c->broken)
                r = -EBUSY;
        else if (!res)
                r = -ENOMEM;
        else if (sqlstate_is(state, "23505"))
                r = -EEXIST;
        else if (sqlstate_is(state, "23503"))
                r = -ENOENT;
        else if (sqlstate_is(state, "23"))
                r = -EINVAL;
        else if (sqlstate_is(state, "40") || sqlstate_is(state, "55P03") || sqlstate_is(state, "57014") ||
                 sqlstate_is(state, "53300"))
                /* serialization failure, deadlock, lock timeout,
                 * cancelled, too many connections: try again */
                r = -EBUSY;
        else if (sqlstate_is(state, "53100"))
                r = -ENOSPC;
        else if (sqlstate_is(state, "53"))
                r = -ENOMEM;
        else if (sqlstate_is(state, "22001"))
                r = -E2BIG;
        else if (sqlstate_is(state, "42") || sqlstate_is(state, "22"))
                r = -EINVAL;
        else if (sqlstate_is(state, "28") || sqlstate_is(state, "42501"))
                r = -EACCES;
        else
                r = -EIO;
        if (c->depth > 0 && c->tx_error == 0)
                c->tx_error = r;
        return r;
}

/* ---- connections ---- */

static void notice_to_debug(void *userdata, const char *message) {
        log_debug("postgresql: %.*s", (int) strcspn(message, "\n"), message);
}

static void conn_close(pg_conn *c) {
        if (!c)
                return;
        PQfinish(c->pg);
        free(c);
}

/* Why a connection attempt failed, from libpq's message (it gives no
 * SQLSTATE for these): -EACCES, -ENOENT (no such database) or
 * -ECONNREFUSED (anything else: down, unreachable, refusing). */
static int connect_error(PGconn *pg) {
        const char *m = pg ? PQerrorMessage(pg) : "out of memory";

        log_debug("postgresql: cannot connect: %.*s", (int) strcspn(m, "\n"), m);
        if (!pg)
                return -ENOMEM;
        if (strstr(m, "authentication") || strstr(m, "pg_hba.conf") || strstr(m, "permission denied"))
                return -EACCES;
        if (strstr(m, "does not exist"))
                return -ENOENT;
        return -ECONNREFUSED;
}

static int conn_open(pg_store *s, pg_conn **ret) {
        /* Earlier entries are defaults that the URL (expanded from
         * dbname) may override. */
        const char *const keys[] = { "connect_timeout", "application_name", "dbname", NULL };
        const char *const values[] = { PG_CONNECT_TIMEOUT, "deviceid-ca", s->url, NULL };
        pg_conn *c;
        PGresult *res;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->owner = s;
        c->pg = PQconnectdbParams(keys, values, 1);
        if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
                r = connect_error(c->pg);
                conn_close(c);
                return r;
        }
        (void) PQsetNoticeProcessor(c->pg, notice_to_debug, NULL);
        /* synchronous_commit: COMMIT returns after the WAL flush (the
         * default, made sure of here: answers are sent after commits). */
        res = PQexec(c->pg, "SET lock_timeout = '" PG_LOCK_TIMEOUT "'; SET synchronous_commit = on");
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
                r = result_to_errno(c, res, "session setup");
                PQclear(res);
                conn_close(c);
                return r;
        }
        PQclear(res);
        *ret = c;
        return 0;
}

/* An idle connection is still good if the server has sent nothing since
 * (a server that shut down or restarted has sent its goodbye, or closed). */
static bool conn_usable(pg_conn *c) {
        struct pollfd p = { .fd = PQsocket(c->pg), .events = POLLIN };

        if (c->broken || PQstatus(c->pg) != CONNECTION_OK || p.fd < 0)
                return false;
        if (poll(&p, 1, 0) == 0)
                return true;
        return PQconsumeInput(c->pg) == 1 && PQstatus(c->pg) == CONNECTION_OK && !PQisBusy(c->pg);
}

/* Gives a connection back (or closes it), waking one waiter. */
static void conn_give_back(pg_store *s, pg_conn *c) {
        bool close_it = c->broken || c->depth > 0 || c->open_stmts > 0;

        pthread_mutex_lock(&s->lock);
        if (close_it)
                s->n_conns--;
        else {
                c->next = s->idle;
                s->idle = c;
        }
        pthread_cond_signal(&s->freed);
        pthread_mutex_unlock(&s->lock);
        if (close_it)
                conn_close(c);
}

/* Thread exit with a connection still borrowed (a transaction left
 * open): the connection is closed, which rolls the transaction back. */
static void conn_destructor(void *p) {
        pg_conn *c = p;

        c->broken = true;
        conn_give_back(c->owner, c);
}

/* Called after every operation: a thread with nothing open returns its
 * connection to the pool. */
static void conn_release_if_idle(pg_conn *c) {
        pg_store *s = c->owner;

        if (c->depth > 0 || c->open_stmts > 0)
                return;
        (void) pthread_setspecific(s->key, NULL);
        conn_give_back(s, c);
}

static int conn_get(pg_store *s, pg_conn **ret) {
        pg_conn *c = pthread_getspecific(s->key);
        struct timespec deadline;
        int r;

        if (c) {
                *ret = c;
                return 0;
        }
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += PG_POOL_WAIT_MS / 1000;
        deadline.tv_nsec += (PG_POOL_WAIT_MS % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000L;
        }

        pthread_mutex_lock(&s->lock);
        for (;;) {
                if (s->idle) {
                        c = s->idle;
                        s->idle = c->next;
                        c->next = NULL;
                        break;
                }
                if (s->n_conns < PG_POOL_MAX) {
                        s->n_conns++; /* a slot for a new connection */
                        break;
                }
                if (pthread_cond_timedwait(&s->freed, &s->lock, &deadline) == ETIMEDOUT) {
                        pthread_mutex_unlock(&s->lock);
                        log_debug("postgresql: no pooled connection free within %d ms", PG_POOL_WAIT_MS);
                        return -EBUSY;
                }
        }
        pthread_mutex_unlock(&s->lock);

        if (c && !conn_usable(c)) {
                log_debug("postgresql: a pooled connection was closed by the server; reconnecting");
                conn_close(c);
                c = NULL; /* its slot is ours */
        }
        if (!c) {
                r = conn_open(s, &c);
                if (r < 0) {
                        pthread_mutex_lock(&s->lock);
                        s->n_conns--;
                        pthread_cond_signal(&s->freed);
                        pthread_mutex_unlock(&s->lock);
                        return r;
                }
        }
        r = pthread_setspecific(s->key, c);
        if (r != 0) {
                conn_give_back(s, c);
                return -r;
        }
        *ret = c;
        return 0;
}

/* conn_get for calls made while the server is running: whatever keeps
 * us from connecting is "try again later". */
static int conn_get_busy(pg_store *s, pg_conn **ret) {
        int r = conn_get(s, ret);

        if (r == -ECONNREFUSED || r == -EACCES || r == -ENOENT)
                return -EBUSY;
        return r;
}

int store_pg_open(const char *url, store **ret) {
        pg_store *s;
        pg_conn *c;
        int r;

        if (!url || !ret)
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->base.ops = &pg_ops;
        s->url = strdup(url);
        if (!s->url) {
                free(s);
                return -ENOMEM;
        }
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->freed, NULL);
        r = pthread_key_create(&s->key, conn_destructor);
        if (r != 0) {
                pthread_cond_destroy(&s->freed);
                pthread_mutex_destroy(&s->lock);
                free(s->url);
                free(s);
                return -r;
        }
        /* Connect now so that a wrong URL shows at open time. */
        r = conn_get(s, &c);
        if (r < 0) {
                pg_close(&s->base);
                return r;
        }
        conn_release_if_idle(c);
        *ret = &s->base;
        return 0;
}

static void pg_close(store *base) {
        pg_store *s = STORE(base);
        pg_conn *c = pthread_getspecific(s->key);

        if (c) {
                (void) pthread_setspecific(s->key, NULL);
                c->broken = true;
                conn_give_back(s, c);
        }
        pthread_key_delete(s->key);
        pthread_mutex_lock(&s->lock);
        while ((c = s->idle)) {
                s->idle = c->next;
                s->n_conns--;
                conn_close(c);
        }
        if (s->n_conns > 0)
                log_debug("postgresql: %u connections still borrowed at close", s->n_conns);
        pthread_mutex_unlock(&s->lock);
        pthread_cond_destroy(&s->freed);
        pthread_mutex_destroy(&s->lock);
        explicit_bzero(s->url, strlen(s->url));
        free(s->url);
        free(s);
}

/* ---- statements without parameters ---- */

/* Runs SQL (already PostgreSQL's) on c; expects no rows. When tag is
 * given, the command tag must be it (COMMIT of a failed transaction
 * answers ROLLBACK). */
static int conn_exec(pg_conn *c, const char *sql, const char *tag) {
        PGresult *res = PQexec(c->pg, sql);
        ExecStatusType st = PQresultStatus(res);
        int r = 0;

        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
                r = result_to_errno(c, res, sql);
        else if (tag && !streq(PQcmdStatus(res), tag))
                r = c->tx_error ?: -EIO;
        PQclear(res);
        return r;
}

static int pg_exec(store *base, const char *sql) {
        _cleanup_free_ char *q = NULL;
        unsigned n;
        pg_conn *c;
        int r;

        r = store_sql_for_pg(sql, &q, &n);
        if (r < 0)
                return r;
        if (n > 0)
                return -EINVAL;
        r = conn_get_busy(STORE(base), &c);
        if (r < 0)
                return r;
        r = conn_exec(c, q, NULL);
        conn_release_if_idle(c);
        return r;
}

/* ---- transactions ---- */

static int pg_begin(store *base) {
        char sp[48];
        pg_conn *c;
        int r;

        r = conn_get_busy(STORE(base), &c);
        if (r < 0)
                return r;
        if (c->depth == 0) {
                c->tx_error = 0;
                r = conn_exec(c, "BEGIN", NULL);
        } else {
                snprintf(sp, sizeof(sp), "SAVEPOINT sp%u", c->depth);
                r = conn_exec(c, sp, NULL);
        }
        if (r >= 0)
                c->depth++;
        conn_release_if_idle(c);
        return r;
}

static int pg_commit(store *base, bool durable) {
        pg_conn *c = pthread_getspecific(STORE(base)->key);
        char sp[48];
        int r;

        if (!c || c->depth == 0)
                return -EINVAL;
        if (c->broken) {
                c->depth = 0;
                r = -EBUSY;
        } else if (c->depth == 1) {
                /* Not waiting for the WAL flush is this transaction's
                 * choice alone (SET LOCAL); in a failed transaction the
                 * SET fails too and COMMIT reports the failure. */
                if (!durable)
                        (void) conn_exec(c, "SET LOCAL synchronous_commit = off", NULL);
                r = conn_exec(c, "COMMIT", "COMMIT");
                c->depth = 0;
        } else {
                snprintf(sp, sizeof(sp), "RELEASE SAVEPOINT sp%u", c->depth - 1);
                r = conn_exec(c, sp, NULL);
                if (r >= 0)
                        c->depth--;
        }
        conn_release_if_idle(c);
        return r;
}

static int pg_rollback(store *base) {
        pg_conn *c = pthread_getspecific(STORE(base)->key);
        char sp[96];
        int r = 0;

        if (!c || c->depth == 0)
                return -EINVAL;
        if (c->broken)
                /* The server ends a lost session's transaction itself. */
                c->depth = 0;
        else if (c->depth == 1) {
                r = conn_exec(c, "ROLLBACK", NULL);
                c->depth = 0;
                c->tx_error = 0;
        } else {
                snprintf(sp, sizeof(sp), "ROLLBACK TO SAVEPOINT sp%u; RELEASE SAVEPOINT sp%u", c->depth - 1,
                         c->depth - 1);
                r = conn_exec(c, sp, NULL);
                c->depth--;
        }
        conn_release_if_idle(c);
        return r;
}

/* FNV-1a: names map to advisory lock keys; a collision only makes two
 * names wait for each other. */
static int64_t lock_key(const char *name) {
        uint64_t h = 0xcbf29ce484222325ULL;

        for (const unsigned char *p = (const unsigned char *) name; *p; p++) {
                h ^= *p;
                h *= 0x100000001b3ULL;
        }
        return (int64_t) h;
}

static int pg_lock(store *base, const char *name, bool exclusive) {
        pg_conn *c = pthread_getspecific(STORE(base)->key);
        char key[32];
        const char *values[1] = { key };
        PGresult *res;
        int r = 0;

        if (!c || c->depth == 0)
                return -EINVAL;
        snprintf(key, sizeof(key), "%" PRId64, lock_key(name));
        res = PQexecParams(c->pg,
                           exclusive ? "SELECT pg_advisory_xact_lock($1::bigint)"
                                     : "SELECT pg_advisory_xact_lock_shared($1::bigint)",
                           1, NULL, values, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
                r = result_to_errno(c, res, name);
        PQclear(res);
        return r;
}

/* ---- prepared statements ---- */

static void stmt_clear_row(pg_stmt *st) {
        for (int i = 0; st->blobs && i < st->n_cols; i++) {
                PQfreemem(st->blobs[i]);
                st->blobs[i] = NULL;
        }
}

static void pg_stmt_free(store_stmt *base) {
        pg_stmt *st = STMT(base);
        pg_conn *c = st->conn;

        stmt_clear_row(st);
        free(st->blobs);
        free(st->blob_lens);
        PQclear(st->res);
        for (unsigned i = 0; i < st->n_params; i++)
                free(st->values[i]);
        free(st->values);
        free(st->lengths);
        free(st->formats);
        free(st->types);
        free(st->sql);
        free(st);
        if (c) {
                c->open_stmts--;
                conn_release_if_idle(c);
        }
}

static int pg_prepare(store *base, const char *sql, store_stmt **ret) {
        pg_stmt *st;
        pg_conn *c;
        int r;

        st = calloc(1, sizeof(*st));
        if (!st)
                return -ENOMEM;
        st->base.ops = &pg_ops;
        st->row = -1;
        r = store_sql_for_pg(sql, &st->sql, &st->n_params);
        if (r < 0) {
                pg_stmt_free(&st->base);
                return r;
        }
        if (st->n_params > 0) {
                st->values = calloc(st->n_params, sizeof(char *));
                st->lengths = calloc(st->n_params, sizeof(int));
                st->formats = calloc(st->n_params, sizeof(int));
                st->types = calloc(st->n_params, sizeof(Oid));
                if (!st->values || !st->lengths || !st->formats || !st->types) {
                        pg_stmt_free(&st->base);
                        return -ENOMEM;
                }
        }
        r = conn_get_busy(STORE(base), &c);
        if (r < 0) {
                pg_stmt_free(&st->base);
                return r;
        }
        st->conn = c;
        c->open_stmts++;
        *ret = &st->base;
        return 0;
}

/* Replaces parameter idx (1-based) with value (taken, may be NULL). */
static int set_param(pg_stmt *st, int idx, char *value, int len, int format, Oid type) {
        if (idx < 1 || (unsigned) idx > st->n_params || st->executed) {
                free(value);
                return -EINVAL;
        }
        free(st->values[idx - 1]);
        st->values[idx - 1] = value;
        st->lengths[idx - 1] = len;
        st->formats[idx - 1] = format;
        st->types[idx - 1] = type;
        return 0;
}

static int pg_bind_null(store_stmt *st, int idx) {
        return set_param(STMT(st), idx, NULL, 0, 0, 0);
}

static int pg_bind_text(store_stmt *st, int idx, const char *text) {
        char *v = strdup(text);

        if (!v)
                return -ENOMEM;
        return set_param(STMT(st), idx, v, 0, 0, 0);
}

static int pg_bind_int64(store_stmt *st, int idx, int64_t v) {
        char *s;

        if (asprintf(&s, "%" PRId64, v) < 0)
                return -ENOMEM;
        return set_param(STMT(st), idx, s, 0, 0, 0);
}

static int pg_bind_blob(store_stmt *st, int idx, const void *data, size_t len) {
        char *v;

        if (len > INT32_MAX)
                return -E2BIG;
        v = malloc(len ?: 1);
        if (!v)
                return -ENOMEM;
        memcpy(v, data, len);
        return set_param(STMT(st), idx, v, (int) len, 1, PG_BYTEA_OID);
}

static int stmt_execute(pg_stmt *st) {
        pg_conn *c = st->conn;
        ExecStatusType status;

        if (c->broken)
                return -EBUSY;
        st->executed = true;
        st->res = PQexecParams(c->pg, st->sql, (int) st->n_params, st->types, (const char *const *) st->values,
                               st->lengths, st->formats, 0);
        status = PQresultStatus(st->res);
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
                return result_to_errno(c, st->res, st->sql);
        st->n_rows = PQntuples(st->res);
        st->n_cols = PQnfields(st->res);
        if (st->n_cols > 0) {
                st->blobs = calloc((size_t) st->n_cols, sizeof(*st->blobs));
                st->blob_lens = calloc((size_t) st->n_cols, sizeof(*st->blob_lens));
                if (!st->blobs || !st->blob_lens)
                        return -ENOMEM;
        }
        return 0;
}

static int pg_step(store_stmt *base) {
        pg_stmt *st = STMT(base);
        int r;

        if (!st->executed) {
                r = stmt_execute(st);
                if (r < 0)
                        return r;
        }
        stmt_clear_row(st);
        if (st->row < st->n_rows)
                st->row++;
        return st->row < st->n_rows ? 1 : 0;
}

static int pg_changes(store_stmt *st) {
        const char *n = STMT(st)->res ? PQcmdTuples(STMT(st)->res) : "";

        return *n ? atoi(n) : 0;
}

static bool cell_valid(pg_stmt *st, int col) {
        return st->res && st->row >= 0 && st->row < st->n_rows && col >= 0 && col < st->n_cols;
}

static const char *pg_column_text(store_stmt *base, int col) {
        pg_stmt *st = STMT(base);

        if (!cell_valid(st, col) || PQgetisnull(st->res, st->row, col))
                return NULL;
        return PQgetvalue(st->res, st->row, col);
}

static int64_t pg_column_int64(store_stmt *base, int col) {
        const char *v = pg_column_text(base, col);

        return v ? (int64_t) strtoll(v, NULL, 10) : 0;
}

static const void *pg_column_blob(store_stmt *base, int col, size_t *ret_len) {
        pg_stmt *st = STMT(base);
        const char *v = pg_column_text(base, col);

        if (ret_len)
                *ret_len = 0;
        if (!v)
                return NULL;
        if (!st->blobs[col]) {
                st->blobs[col] = PQunescapeBytea((const unsigned char *) v, &st->blob_lens[col]);
                if (!st->blobs[col])
                        return NULL;
        }
        if (ret_len)
                *ret_len = st->blob_lens[col];
        return st->blobs[col];
}

static bool pg_column_is_null(store_stmt *base, int col) {
        pg_stmt *st = STMT(base);

        return !cell_valid(st, col) || PQgetisnull(st->res, st->row, col);
}

static const store_ops pg_ops = {
        .close = pg_close,
        .begin = pg_begin,
        .commit = pg_commit,
        .rollback = pg_rollback,
        .lock = pg_lock,
        .exec = pg_exec,
        .prepare = pg_prepare,
        .stmt_free = pg_stmt_free,
        .bind_text = pg_bind_text,
        .bind_int64 = pg_bind_int64,
        .bind_blob = pg_bind_blob,
        .bind_null = pg_bind_null,
        .step = pg_step,
        .changes = pg_changes,
        .column_text = pg_column_text,
        .column_int64 = pg_column_int64,
        .column_blob = pg_column_blob,
        .column_is_null = pg_column_is_null,
};
