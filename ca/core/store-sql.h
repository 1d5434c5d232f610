/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The portable SQL of store.h turned into PostgreSQL's: a pure function
 * (text in, text out) with fixed-vector tests, used by store-pg.c.
 */
#pragma once

#define STORE_SQL_MAX (256 * 1024)
#define STORE_SQL_MAX_PARAMS 999

/* Rewrites sql for PostgreSQL, outside quoted strings, quoted names and
 * comments:
 *   - each `?` becomes $1, $2, ... in order;
 *   - in statements that begin with CREATE or ALTER (schema), the type
 *     words: `INTEGER PRIMARY KEY AUTOINCREMENT` -> `BIGSERIAL PRIMARY
 *     KEY`, INTEGER -> BIGINT, BLOB -> BYTEA (SQLite's INTEGER holds 64
 *     bits, PostgreSQL's 32).
 * Statements are separated by ';'. Returns 0 with *ret malloc'ed and
 * *ret_n_params set; -E2BIG for more than STORE_SQL_MAX bytes or
 * STORE_SQL_MAX_PARAMS placeholders; -EINVAL for an unterminated quote;
 * -ENOMEM. */
int store_sql_for_pg(const char *sql, char **ret, unsigned *ret_n_params);
