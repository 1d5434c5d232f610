/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Between the store's front (store.c: the API of store.h, parameter
 * lists, migrations) and its backends: store-sqlite.c (embedded SQLite)
 * and store-pg.c (PostgreSQL over libpq). A backend embeds struct store
 * and struct store_stmt as the first member of its own types and points
 * them at its store_ops; the front dispatches every call through them and
 * holds no state of its own. Contracts are those of store.h.
 */
#pragma once

#include "store.h"

typedef struct store_ops store_ops;

struct store {
        const store_ops *ops;
};

struct store_stmt {
        const store_ops *ops;
};

struct store_ops {
        void (*close)(store *s);

        int (*begin)(store *s);
        /* durable: the outermost commit returns after its fsync. */
        int (*commit)(store *s, bool durable);
        int (*rollback)(store *s);
        int (*lock)(store *s, const char *name, bool exclusive);
        int (*exec)(store *s, const char *sql);

        int (*prepare)(store *s, const char *sql, store_stmt **ret);
        void (*stmt_free)(store_stmt *st);
        int (*bind_text)(store_stmt *st, int idx, const char *text);
        int (*bind_int64)(store_stmt *st, int idx, int64_t v);
        int (*bind_blob)(store_stmt *st, int idx, const void *data, size_t len);
        int (*bind_null)(store_stmt *st, int idx);
        int (*step)(store_stmt *st);
        /* Rows changed by the statement, once it has been stepped to its end. */
        int (*changes)(store_stmt *st);
        const char *(*column_text)(store_stmt *st, int col);
        int64_t (*column_int64)(store_stmt *st, int col);
        const void *(*column_blob)(store_stmt *st, int col, size_t *ret_len);
        bool (*column_is_null)(store_stmt *st, int col);
};

/* The backends' constructors: path is a file name, url a libpq
 * connection URI (postgres:// or postgresql://). 0 or -errno. */
int store_sqlite_open(const char *path, store **ret);
int store_pg_open(const char *url, store **ret);
