/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixed vectors for ca/core/store-sql.c, the portable SQL of store.h turned
 * into PostgreSQL's: numbered placeholders, 64-bit and byte-string types
 * in schema statements only, and nothing inside quotes or comments.
 */
#include "macro.h"
#include "ca/core/store-sql.h"
#include "tests/unit/tap.h"

static void check(const char *in, const char *want, unsigned want_n, const char *what) {
        _cleanup_free_ char *out = NULL;
        unsigned n = 99;

        if (!is_ok(store_sql_for_pg(in, &out, &n), what))
                return;
        is_str(out, want, what);
        is_int(n, want_n, what);
}

int main(void) {
        _cleanup_free_ char *big = NULL, *out = NULL;
        unsigned n;

        check("SELECT 1", "SELECT 1", 0, "no placeholders");
        check("", "", 0, "empty");
        check("INSERT INTO t (a, b) VALUES (?, ?)", "INSERT INTO t (a, b) VALUES ($1, $2)", 2, "placeholders numbered");
        check("SELECT '?', \"a?\", ? -- why?\n, ?", "SELECT '?', \"a?\", $1 -- why?\n, $2", 2,
              "placeholders in strings, names and comments are text");
        check("SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1, "doubled quote inside a string");
        check("CREATE TABLE d (id INTEGER PRIMARY KEY AUTOINCREMENT, b BLOB, n INTEGER NOT NULL)",
              "CREATE TABLE d (id BIGSERIAL PRIMARY KEY, b BYTEA, n BIGINT NOT NULL)", 0, "schema types");
        check("create table d (id integer  primary\nkey autoincrement)", "create table d (id BIGSERIAL PRIMARY KEY)", 0,
              "schema words in any case and spacing");
        check("CREATE TABLE k (id INTEGER PRIMARY KEY, v INTEGER)", "CREATE TABLE k (id BIGINT PRIMARY KEY, v BIGINT)", 0,
              "INTEGER PRIMARY KEY without AUTOINCREMENT");
        check("ALTER TABLE c ADD COLUMN until INTEGER NOT NULL DEFAULT 0",
              "ALTER TABLE c ADD COLUMN until BIGINT NOT NULL DEFAULT 0", 0, "ALTER TABLE");
        check("CREATE TABLE a (x INTEGER); SELECT blob, integer FROM a; CREATE INDEX i ON a (x)",
              "CREATE TABLE a (x BIGINT); SELECT blob, integer FROM a; CREATE INDEX i ON a (x)", 0,
              "types rewritten in schema statements only");
        check("CREATE TABLE a (integers INTEGER, blobby TEXT, c TEXT DEFAULT 'INTEGER')",
              "CREATE TABLE a (integers BIGINT, blobby TEXT, c TEXT DEFAULT 'INTEGER')", 0,
              "whole words only, not in strings");
        check("UPDATE t SET v = ? WHERE k = ? AND s IN ('a', 'b')", "UPDATE t SET v = $1 WHERE k = $2 AND s IN ('a', 'b')", 2,
              "update");

        is_err(store_sql_for_pg("SELECT 'open", &out, &n), -EINVAL, "unterminated string refused");
        is_err(store_sql_for_pg("SELECT \"open", &out, &n), -EINVAL, "unterminated name refused");
        big = malloc(STORE_SQL_MAX + 2);
        if (big) {
                memset(big, ' ', STORE_SQL_MAX + 1);
                big[STORE_SQL_MAX + 1] = '\0';
                is_err(store_sql_for_pg(big, &out, &n), -E2BIG, "too long refused");
                memset(big, '?', STORE_SQL_MAX_PARAMS + 1);
                big[STORE_SQL_MAX_PARAMS + 1] = '\0';
                is_err(store_sql_for_pg(big, &out, &n), -E2BIG, "too many placeholders refused");
        }
        return tap_done();
}
