/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The storage interface (ca/core/store.h) on whichever backend test-db.h names:
 * transactions, savepoints, migrations, errors, blobs and 64-bit integers;
 * the portable statements the CA decides races with (a UNIQUE insert,
 * INSERT ... ON CONFLICT DO NOTHING, a conditional UPDATE, DELETE ...
 * RETURNING), raced by threads on two stores opened on one database as
 * two CA instances would be; named locks; migrations applied by both at
 * once; more threads than a PostgreSQL pool holds. On SQLite, a WAL
 * past the checkpoint threshold still reaches the database file (the
 * checkpoint now runs in a thread of the store, not in the commit).
 */
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "ca/core/store.h"
#include "tests/unit/tap.h"
#include "tests/unit/ca/test-db.h"

#define RACERS 16

static char tmpdir[] = "/tmp/test-store-XXXXXX";
static char url[1024];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static int64_t query_int(store *st, const char *sql) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        int r;

        r = store_prepare(st, sql, &s);
        if (r >= 0)
                r = store_step(s);
        if (r < 0)
                return r;
        return r == 0 ? -ENOENT : store_column_int64(s, 0);
}

static void test_basics(store *st) {
        static const store_migration steps[] = {
                { 1, "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)" },
                { 2, "ALTER TABLE t ADD COLUMN w TEXT" },
        };
        static const store_migration bad[] = { { 3, "CREATE TABLE u (x INTEGER); THIS IS NOT SQL" } };
        static const store_migration unordered[] = { { 5, "SELECT 1" }, { 4, "SELECT 1" } };

        is_int(store_migrate(st, "test", steps, 2), 2, "store: two migrations applied");
        is_int(store_migrate(st, "test", steps, 2), 0, "store: applying again does nothing");
        ok(store_migrate(st, "test", bad, 1) < 0, "store: failing migration reported");
        is_err(query_int(st, "SELECT COUNT(*) FROM u"), -EINVAL, "store: failed migration left no table behind");
        is_err(store_migrate(st, "test", unordered, 2), -EINVAL, "store: versions must increase");

        is_int(store_run(st, "INSERT INTO t (k, v, w) VALUES (?, ?, ?)", "tit", "a", (int64_t) 1, "x"), 1,
               "store: insert");
        is_err(store_run(st, "INSERT INTO t (k, v) VALUES (?, ?)", "ti", "a", (int64_t) 2), -EEXIST,
               "store: duplicate key is -EEXIST");
        is_int(store_run(st, "UPDATE t SET v = v + 1 WHERE k = ?", "t", "nobody"), 0, "store: zero rows changed");

        is_ok(store_begin(st), "store: begin");
        store_run(st, "INSERT INTO t (k, v) VALUES ('b', 2)", NULL);
        is_ok(store_begin(st), "store: nested begin (savepoint)");
        store_run(st, "INSERT INTO t (k, v) VALUES ('c', 3)", NULL);
        is_ok(store_rollback(st), "store: inner rollback");
        is_ok(store_commit(st), "store: outer commit");
        is_int(query_int(st, "SELECT COUNT(*) FROM t"), 2, "store: inner rollback undid only c");

        is_ok(store_begin(st), "store: begin 2");
        store_run(st, "INSERT INTO t (k, v) VALUES ('d', 4)", NULL);
        is_ok(store_rollback(st), "store: rollback");
        is_int(query_int(st, "SELECT COUNT(*) FROM t"), 2, "store: rollback undid d");
        is_err(store_commit(st), -EINVAL, "store: commit without begin");
        is_err(store_rollback(st), -EINVAL, "store: rollback without begin");
        is_err(store_lock(st, "x", true), -EINVAL, "store: lock outside a transaction");

        /* A failed statement, then rollback: the next transaction works
         * (PostgreSQL refuses everything in a failed one until then). */
        is_ok(store_begin(st), "store: begin 3");
        is_err(store_run(st, "INSERT INTO t (k, v) VALUES ('a', 9)", NULL), -EEXIST, "store: duplicate in a transaction");
        is_ok(store_rollback(st), "store: rollback after the failure");
        is_ok(store_begin(st), "store: begin 4");
        is_ok(store_begin(st), "store: savepoint around a statement that may fail");
        is_err(store_run(st, "INSERT INTO t (k, v) VALUES ('a', 9)", NULL), -EEXIST, "store: duplicate in the savepoint");
        is_ok(store_rollback(st), "store: back to the savepoint");
        is_int(store_run(st, "INSERT INTO t (k, v) VALUES ('e', 5)", NULL), 1, "store: the transaction goes on");
        is_ok(store_commit(st), "store: and commits");
        is_int(query_int(st, "SELECT v FROM t WHERE k = 'e'"), 5, "store: its row is there");
        is_int(store_run(st, "DELETE FROM t WHERE k = 'e'", NULL), 1, "store: delete");

        /* A commit that does not wait for its fsync commits all the same. */
        is_ok(store_begin(st), "store: begin 5");
        store_run(st, "INSERT INTO t (k, v) VALUES ('f', 6)", NULL);
        is_ok(store_begin(st), "store: nested begin 5");
        store_run(st, "INSERT INTO t (k, v) VALUES ('g', 7)", NULL);
        is_ok(store_commit_nowait(st), "store: inner commit_nowait releases the savepoint");
        is_ok(store_commit_nowait(st), "store: outer commit_nowait");
        is_int(query_int(st, "SELECT COUNT(*) FROM t WHERE k IN ('f', 'g')"), 2, "store: commit_nowait kept both rows");
        is_err(store_commit_nowait(st), -EINVAL, "store: commit_nowait without begin");
        /* After a failed statement (PostgreSQL: a failed transaction, whose
         * COMMIT reports the failure), the next transaction works. */
        is_ok(store_begin(st), "store: begin 6");
        is_err(store_run(st, "INSERT INTO t (k, v) VALUES ('a', 9)", NULL), -EEXIST, "store: duplicate before commit_nowait");
        (void) store_commit_nowait(st);
        is_ok(store_begin(st), "store: a transaction after commit_nowait of a failed one");
        is_int(store_run(st, "DELETE FROM t WHERE k IN ('f', 'g')", NULL), 2, "store: works");
        is_ok(store_commit(st), "store: and commits");
}

static void test_types(store *st) {
        static const store_migration steps[] = {
                { 1, "CREATE TABLE parent (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);"
                     "CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent(id), b BLOB, n INTEGER)" },
        };
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        uint8_t blob[5] = { 0, 1, 0, 0xff, 2 };
        int64_t id1 = 0, id2 = 0;
        const void *p;
        size_t n = 0;

        is_int(store_migrate(st, "types", steps, 1), 1, "types: schema");
        if (store_prepare(st, "INSERT INTO parent (name) VALUES (?) RETURNING id", &s) >= 0 &&
            store_bind(s, "t", "one") >= 0 && store_step(s) == 1)
                id1 = store_column_int64(s, 0);
        store_stmt_free(TAKE_PTR(s));
        if (store_prepare(st, "INSERT INTO parent (name) VALUES (?) RETURNING id", &s) >= 0 &&
            store_bind(s, "t", "two") >= 0 && store_step(s) == 1)
                id2 = store_column_int64(s, 0);
        store_stmt_free(TAKE_PTR(s));
        ok(id1 > 0 && id2 > id1, "types: RETURNING id gives increasing ids");

        is_int(store_run(st, "INSERT INTO child (parent_id, b, n) VALUES (?, ?, ?)", "ibi", id1, blob, sizeof(blob),
                         (int64_t) INT64_MAX),
               1, "types: blob with NULs and the largest int64");
        is_int(store_run(st, "INSERT INTO child (parent_id, b, n) VALUES (?, ?, ?)", "inn", id2), 1,
               "types: NULL blob and integer");
        is_err(store_run(st, "INSERT INTO child (parent_id, n) VALUES (?, 1)", "i", id2 + 1000), -ENOENT,
               "types: foreign key violation is -ENOENT");
        is_err(store_run(st, "INSERT INTO parent (name) VALUES (?)", "n"), -EINVAL,
               "types: NOT NULL violation is -EINVAL");
        is_err(store_prepare(st, "SELEKT nothing", &s) < 0 ? -EINVAL : store_step(s), -EINVAL,
               "types: a syntax error is -EINVAL");
        store_stmt_free(TAKE_PTR(s));

        if (store_prepare(st, "SELECT b, n FROM child WHERE parent_id = ?", &s) >= 0 && store_bind(s, "i", id1) >= 0 &&
            store_step(s) == 1) {
                p = store_column_blob(s, 0, &n);
                is_mem(p, n, blob, sizeof(blob), "types: blob round trip");
                is_int(store_column_int64(s, 1) == INT64_MAX, 1, "types: int64 round trip");
                ok(!store_column_is_null(s, 0), "types: blob not NULL");
                is_int(store_step(s), 0, "types: one row");
        } else
                ok(false, "types: query");
        store_stmt_free(TAKE_PTR(s));
        if (store_prepare(st, "SELECT b, n, parent_id FROM child WHERE parent_id = ?", &s) >= 0 &&
            store_bind(s, "i", id2) >= 0 && store_step(s) == 1) {
                ok(store_column_is_null(s, 0) && store_column_is_null(s, 1), "types: NULLs read back");
                ok(store_column_blob(s, 0, &n) == NULL && n == 0, "types: NULL blob");
                ok(store_column_text(s, 1) == NULL, "types: NULL text");
                {
                        char want[32];

                        snprintf(want, sizeof(want), "%lld", (long long) id2);
                        is_str(store_column_text(s, 2), want, "types: integer as text");
                }
        } else
                ok(false, "types: NULL query");
        store_stmt_free(TAKE_PTR(s));

        /* Placeholders inside quotes are text, not parameters. */
        if (store_prepare(st, "SELECT 'a?b', ? || '-'", &s) >= 0 && store_bind(s, "t", "x") >= 0 && store_step(s) == 1) {
                is_str(store_column_text(s, 0), "a?b", "types: ? inside a string literal");
                is_str(store_column_text(s, 1), "x-", "types: ? as a parameter");
        } else
                ok(false, "types: quoted ?");
}

/* ---- threads on one store ---- */

static void *writer(void *p) {
        store *st = p;
        intptr_t failures = 0;

        for (int i = 0; i < 20; i++) {
                char key[64];
                snprintf(key, sizeof(key), "thr-%lu-%d", (unsigned long) pthread_self(), i);
                if (store_begin(st) < 0) {
                        failures++;
                        continue;
                }
                if (store_run(st, "INSERT INTO t (k, v) VALUES (?, ?)", "ti", key, (int64_t) i) != 1 ||
                    store_run(st, "UPDATE t SET v = v + 1 WHERE k = ?", "t", key) != 1) {
                        failures++;
                        store_rollback(st);
                        continue;
                }
                if (i % 5 == 0) {
                        store_rollback(st); /* every fifth is undone */
                        continue;
                }
                if (store_commit(st) < 0)
                        failures++;
        }
        return (void *) failures;
}

/* More threads than a PostgreSQL pool holds: the others wait for a
 * connection rather than fail. */
static void test_threads(store *st) {
        pthread_t t[24];
        intptr_t failures = 0;

        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                pthread_create(&t[i], NULL, writer, st);
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                void *ret;
                pthread_join(t[i], &ret);
                failures += (intptr_t) ret;
        }
        is_int(failures, 0, "threads: no failed statement");
        is_int(query_int(st, "SELECT COUNT(*) FROM t WHERE k LIKE 'thr-%'"), 24 * 16,
               "threads: exactly the committed rows");
        /* Row i holds i + 1; the committed i are those not divisible by 5:
         * per thread sum(1..20) - (1 + 6 + 11 + 16). */
        is_int(query_int(st, "SELECT SUM(v) FROM t WHERE k LIKE 'thr-%'"), 24 * (210 - 34),
               "threads: each row got its own update");
}

/* ---- two stores on one database: two instances ---- */

typedef struct racer {
        store *st;
        const char *what;
        pthread_barrier_t *start;
        int result;
        char got[64];
} racer;

static void *race(void *p) {
        racer *r = p;
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;

        pthread_barrier_wait(r->start);
        if (streq(r->what, "unique"))
                r->result = store_run(r->st, "INSERT INTO tokens (jti, used) VALUES ('j1', 1)", NULL);
        else if (streq(r->what, "upsert")) {
                r->result = store_prepare(r->st,
                                          "INSERT INTO tokens (jti, used) VALUES ('j2', 1)"
                                          " ON CONFLICT (jti) DO NOTHING RETURNING jti",
                                          &s);
                if (r->result >= 0)
                        r->result = store_step(s);
        } else if (streq(r->what, "claim"))
                r->result = store_run(r->st, "UPDATE tokens SET used = used + 1 WHERE jti = 'c1' AND used = 0", NULL);
        else if (streq(r->what, "take")) {
                r->result = store_prepare(r->st, "DELETE FROM tokens WHERE jti = 't1' RETURNING used", &s);
                if (r->result >= 0)
                        r->result = store_step(s);
                if (r->result == 1)
                        snprintf(r->got, sizeof(r->got), "%s", store_column_text(s, 0) ?: "");
        } else if (streq(r->what, "migrate")) {
                static const store_migration steps[] = {
                        { 1, "CREATE TABLE m1 (x INTEGER)" },
                        { 2, "CREATE TABLE m2 (x INTEGER)" },
                        { 3, "ALTER TABLE m1 ADD COLUMN y TEXT" },
                };
                r->result = store_migrate(r->st, "race", steps, ELEMENTSOF(steps));
        } else if (streq(r->what, "lock")) {
                /* Read, decide, write under a lock: the counter ends at the
                 * number of racers only if no two read the same value. */
                for (int i = 0; i < 5 && r->result >= 0; i++) {
                        int64_t v;

                        r->result = store_begin(r->st);
                        if (r->result < 0)
                                break;
                        r->result = store_lock(r->st, "tokens:counter", true);
                        v = r->result >= 0 ? query_int(r->st, "SELECT used FROM tokens WHERE jti = 'counter'") : -1;
                        if (v < 0)
                                r->result = (int) v;
                        if (r->result >= 0)
                                r->result = store_run(r->st, "UPDATE tokens SET used = ? WHERE jti = 'counter'", "i",
                                                      v + 1);
                        if (r->result >= 0)
                                r->result = store_commit(r->st);
                        else
                                (void) store_rollback(r->st);
                }
        }
        return NULL;
}

static void run_race(store *a, store *b, const char *what, racer *rs) {
        pthread_barrier_t start;
        pthread_t t[RACERS];

        pthread_barrier_init(&start, NULL, RACERS);
        for (int i = 0; i < RACERS; i++) {
                rs[i] = (racer) { .st = i % 2 ? b : a, .what = what, .start = &start };
                pthread_create(&t[i], NULL, race, &rs[i]);
        }
        for (int i = 0; i < RACERS; i++)
                pthread_join(t[i], NULL);
        pthread_barrier_destroy(&start);
}

static int count_result(const racer *rs, int result) {
        int n = 0;

        for (int i = 0; i < RACERS; i++)
                n += rs[i].result == result;
        return n;
}

static void test_races(store *a, store *b) {
        static const store_migration steps[] = {
                { 1, "CREATE TABLE tokens (jti TEXT PRIMARY KEY, used INTEGER NOT NULL)" },
        };
        racer rs[RACERS];
        int sum = 0;

        is_int(store_migrate(a, "races", steps, 1), 1, "races: schema by instance A");
        is_int(store_migrate(b, "races", steps, 1), 0, "races: instance B finds it applied");

        run_race(a, b, "unique", rs);
        is_int(count_result(rs, 1), 1, "races: one UNIQUE insert of 16 wins");
        is_int(count_result(rs, -EEXIST), RACERS - 1, "races: the others get -EEXIST");

        run_race(a, b, "upsert", rs);
        is_int(count_result(rs, 1), 1, "races: one ON CONFLICT DO NOTHING insert returns its row");
        is_int(count_result(rs, 0), RACERS - 1, "races: the others return none and fail nothing");

        store_run(a, "INSERT INTO tokens (jti, used) VALUES ('c1', 0)", NULL);
        run_race(a, b, "claim", rs);
        is_int(count_result(rs, 1), 1, "races: one conditional UPDATE claims the row");
        is_int(count_result(rs, 0), RACERS - 1, "races: the others change nothing");

        store_run(a, "INSERT INTO tokens (jti, used) VALUES ('t1', 42)", NULL);
        run_race(a, b, "take", rs);
        is_int(count_result(rs, 1), 1, "races: one DELETE ... RETURNING takes the row");
        is_int(count_result(rs, 0), RACERS - 1, "races: the others find nothing");
        for (int i = 0; i < RACERS; i++)
                if (rs[i].result == 1)
                        is_str(rs[i].got, "42", "races: with its content");

        store_run(a, "INSERT INTO tokens (jti, used) VALUES ('counter', 0)", NULL);
        run_race(a, b, "lock", rs);
        is_int(count_result(rs, 0), RACERS, "races: every locked read-then-write succeeded");
        is_int(query_int(a, "SELECT used FROM tokens WHERE jti = 'counter'"), RACERS * 5,
               "races: no update lost under the lock");

        run_race(a, b, "migrate", rs);
        for (int i = 0; i < RACERS; i++)
                sum += rs[i].result;
        is_int(count_result(rs, -EBUSY) + count_result(rs, -EEXIST) + count_result(rs, -EINVAL), 0,
               "races: migrations from both instances at once fail nowhere");
        is_int(sum, 3, "races: each step applied exactly once");
        is_int(query_int(b, "SELECT COUNT(*) FROM store_migrations WHERE module = 'race'"), 3,
               "races: three steps recorded");
}

/* ---- SQLite: checkpoints out of the committing thread ---- */

static off_t file_size(const char *path) {
        struct stat sb;
        return stat(path, &sb) < 0 ? -1 : sb.st_size;
}

static void test_checkpoint(store *st, const char *db) {
        static uint8_t blob[8192];
        _cleanup_free_ char *wal = NULL;
        off_t before = file_size(db), after = before;
        int r = 0;

        if (asprintf(&wal, "%s-wal", db) < 0)
                abort();
        memset(blob, 0x5a, sizeof(blob));
        is_ok(store_exec(st, "CREATE TABLE big (n INTEGER PRIMARY KEY, b BLOB)"), "checkpoint: table");
        /* One transaction of about 4,800 pages: past the threshold. */
        is_ok(store_begin(st), "checkpoint: begin");
        for (int i = 0; i < 2400 && r >= 0; i++)
                r = store_run(st, "INSERT INTO big (n, b) VALUES (?, ?)", "ib", (int64_t) i, blob, sizeof(blob));
        is_ok(r, "checkpoint: 2400 rows of 8 KiB");
        is_ok(store_commit(st), "checkpoint: commit");
        ok(file_size(wal) > (off_t) (2400 * sizeof(blob)), "checkpoint: the rows went to the WAL");
        /* Only a checkpoint writes into the database file in WAL mode; the
         * committing thread does not wait for it. */
        for (int i = 0; i < 1000 && after < (off_t) (2400 * sizeof(blob)); i++) {
                struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };
                nanosleep(&ts, NULL);
                after = file_size(db);
        }
        ok(after >= (off_t) (2400 * sizeof(blob)), "checkpoint: the database file took the rows");
        is_int(query_int(st, "SELECT COUNT(*) FROM big"), 2400, "checkpoint: all rows read back");
        printf("# database file: %lld bytes before, %lld after\n", (long long) before, (long long) after);
}

int main(void) {
        _cleanup_(store_closep) store *st = NULL, *other = NULL;
        bool pg;

        if (!mkdtemp(tmpdir))
                return 1;
        pg = test_db_url(tmpdir, url, sizeof(url));
        printf("# backend: %s\n", pg ? "postgresql" : "sqlite");
        if (!is_ok(store_open(url, &st), "store: open"))
                return tap_done();
        is_ok(store_open(url, &other), "store: a second store on the same database (another instance)");
        is_err(store_open("mysql://localhost/x", &st), -EPROTONOSUPPORT, "store: unknown scheme refused");
        {
                _cleanup_free_ char *m = NULL, *m2 = NULL, *m3 = NULL;

                is_ok(store_url_for_log("postgres://ca:s3cret@db.example.org:5432/ca?sslmode=verify-full", &m),
                      "store: URL for logs");
                is_str(m, "postgres://ca:***@db.example.org:5432/ca?sslmode=verify-full", "store: password masked");
                is_ok(store_url_for_log("postgresql://db/ca?user=ca&password=pw&sslmode=require", &m2),
                      "store: URL with a password parameter");
                is_str(m2, "postgresql://db/ca?user=ca&password=***&sslmode=require", "store: parameter masked");
                is_ok(store_url_for_log("sqlite:/var/lib/deviceid-ca/ca.db", &m3), "store: file URL");
                is_str(m3, "sqlite:/var/lib/deviceid-ca/ca.db", "store: file URL unchanged");
        }

        test_basics(st);
        test_types(st);
        test_threads(st);
        if (other)
                test_races(st, other);
        if (!pg)
                test_checkpoint(st, url + strlen("sqlite:"));

        store_close(TAKE_PTR(other));
        store_close(TAKE_PTR(st));
        if (nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS) < 0)
                printf("# could not remove %s\n", tmpdir);
        return tap_done();
}
