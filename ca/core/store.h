/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CA's storage interface, with two backends behind it (store-backend.h):
 * embedded SQLite (WAL, busy timeout, foreign keys on) for one instance,
 * and PostgreSQL (libpq) for several instances sharing one database.
 * Callers write portable SQL, and the same migrations serve both:
 * `?` placeholders (numbered for PostgreSQL), INTEGER/TEXT/BLOB columns
 * (BIGINT/TEXT/BYTEA there), times as INTEGER Unix seconds, booleans as
 * INTEGER 0/1, database-numbered keys as `id INTEGER PRIMARY KEY
 * AUTOINCREMENT` (BIGSERIAL there) read back with `RETURNING id`. Both
 * understand `INSERT ... ON CONFLICT (cols) DO NOTHING` or `DO UPDATE SET
 * c = excluded.c`, and `INSERT/UPDATE/DELETE ... RETURNING`; nothing
 * else of either dialect
 * (no INSERT OR REPLACE, no pragmas, no blob literals, no FOR UPDATE:
 * use store_lock()).
 *
 * Threads: a store is shared by all threads. A thread's statements and
 * transactions run on a connection of its own (SQLite: one per thread,
 * closed at thread exit or store_close(); PostgreSQL: taken from a
 * bounded pool for as long as the thread has a statement or transaction
 * open, then given back), so a transaction belongs to the thread that
 * began it and statements of other threads never land inside it.
 * A store_stmt must be used and freed by the thread that prepared it.
 *
 * Isolation: SQLite runs one write transaction at a time (BEGIN
 * IMMEDIATE + busy timeout). PostgreSQL runs them side by side at READ
 * COMMITTED, where every statement sees what was committed before it
 * started: a single statement is atomic (a conditional UPDATE, a DELETE
 * ... RETURNING, an INSERT refused by a UNIQUE constraint decide races),
 * and a transaction that reads, decides and then writes takes a
 * store_lock() first on the name of what it decides about.
 *
 * A failed statement inside a transaction spoils the transaction on
 * PostgreSQL (every later statement fails): roll back after any error.
 * -EBUSY means "try again later": a lock or the pool not free within the
 * timeout, or (PostgreSQL) the database unreachable or its connection
 * lost; the next call reconnects.
 *
 * Transactions nest: an inner store_begin() is a SAVEPOINT, its
 * store_rollback() undoes only the inner part. Every multi-row change runs
 * in a transaction.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

typedef struct store store;
typedef struct store_stmt store_stmt;

/* Opens the database named by url: a file path or "sqlite:PATH" for
 * SQLite (created 0600 if missing), or a libpq URI "postgres://..." /
 * "postgresql://..." (the database must exist; its first connection is
 * made now). Another scheme gives -EPROTONOSUPPORT; an unreachable
 * PostgreSQL -ECONNREFUSED, refused credentials -EACCES. Returns 0 or
 * -errno. */
int store_open(const char *url, store **ret);
void store_close(store *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(store *, store_close);

/* Transactions of the calling thread; see above for nesting. commit and
 * rollback return -EINVAL without a matching begin. -EBUSY if the database
 * stayed locked past the busy timeout.
 * The outermost store_commit() returns once the transaction is on disk
 * (fsync), so that an answer sent after it survives a crash or a power
 * loss: SQLite commits without fsync and then waits for a WAL fsync that
 * serves every transaction committed meanwhile (group commit,
 * store-sqlite.c); PostgreSQL's COMMIT returns after its WAL flush
 * (synchronous_commit, on by default), which the server shares among
 * concurrent commits in the same way. Statements outside a transaction
 * are committed but not waited for. */
int store_begin(store *s);
int store_commit(store *s);
/* As store_commit(), but the outermost commit returns without waiting
 * for its fsync: for records whose loss in a crash or power loss harms
 * nothing (work the CA or the client redoes). The log is written in
 * order, so the next store_commit() of any thread makes them durable
 * too. */
int store_commit_nowait(store *s);
int store_rollback(store *s);
/* For `_cleanup_(store_rollback_unlessp)`-style use: rolls back if
 * *in_tx is still true. */
void store_rollback_unless_committed(store *s, bool *in_tx);

/* Serialises the calling thread's transaction with every other
 * transaction (of any process on the database) that locks the same name,
 * until commit or rollback; shared locks of one name coexist, an
 * exclusive one waits for all of them and they for it. Names are free
 * text, by convention "table:key". -EINVAL outside a transaction; -EBUSY
 * if not granted within the timeout. SQLite serialises all write
 * transactions anyway: there it only checks the transaction. */
int store_lock(store *s, const char *name, bool exclusive);

/* url with its password (userinfo or password= parameter) masked, for
 * logs; malloc'ed into *ret. 0 or -ENOMEM. */
int store_url_for_log(const char *url, char **ret);

/* Runs SQL without parameters or results, possibly several statements
 * separated by ';' (migrations). Returns 0 or -errno. */
int store_exec(store *s, const char *sql);

/* Prepares one statement. Parameters are numbered from 1, columns from 0.
 * Returns 0 or -errno (-EINVAL: SQL error, logged at debug). */
int store_prepare(store *s, const char *sql, store_stmt **ret);
void store_stmt_free(store_stmt *st);
DEFINE_TRIVIAL_CLEANUP_FUNC(store_stmt *, store_stmt_free);

/* Bindings copy their data. text NULL binds SQL NULL. */
int store_bind_text(store_stmt *st, int idx, const char *text);
int store_bind_int64(store_stmt *st, int idx, int64_t v);
int store_bind_blob(store_stmt *st, int idx, const void *data, size_t len);
int store_bind_null(store_stmt *st, int idx);
/* Binds parameters 1..n from a type string: 't' const char * (NULL: SQL
 * NULL), 'i' int64_t, 'b' const void * then size_t (NULL: SQL NULL),
 * 'n' nothing (SQL NULL). */
int store_bind(store_stmt *st, const char *types, ...);

/* Steps: 1 a row is available, 0 done, -EEXIST on a UNIQUE/PRIMARY KEY
 * violation, -ENOENT on a FOREIGN KEY violation, -EINVAL on another
 * constraint, -EBUSY when locked past the timeout, -ENOSPC when the disk
 * is full (SQLITE_FULL, or an I/O error with ENOSPC/EDQUOT), -EROFS when
 * the database cannot be written (SQLITE_READONLY), -EIO otherwise.
 * store_commit() and store_exec() report the same codes. */
int store_step(store_stmt *st);

/* Column getters for the current row. Strings and blobs are borrowed until
 * the next step/reset/free. text: NULL for SQL NULL. */
const char *store_column_text(store_stmt *st, int col);
int64_t store_column_int64(store_stmt *st, int col);
const void *store_column_blob(store_stmt *st, int col, size_t *ret_len);
bool store_column_is_null(store_stmt *st, int col);

/* Prepare + bind (as store_bind) + step to the end, for statements that
 * return no rows. Returns the number of rows changed (>= 0) or -errno as
 * store_step. */
int store_run(store *s, const char *sql, const char *types, ...);

/* Schema migrations, tracked in a table store_migrations(module, version,
 * applied_at). Steps are applied in array order, each in its own
 * transaction together with its bookkeeping row, skipping those whose
 * (module, version) is recorded; versions must increase along the array.
 * Each step runs under an exclusive store_lock(), so processes starting
 * together apply it once. Modules in use: "ca" (certificates),
 * "inventory" (devices), "x5c" (used token ids), "acme", "acme_nonce",
 * "attest" (pending activations). Returns the
 * number of steps applied or -errno (nothing of a failed step remains). */
typedef struct store_migration {
        int version;
        const char *sql; /* one or more statements */
} store_migration;
int store_migrate(store *s, const char *module, const store_migration *steps, size_t n);
