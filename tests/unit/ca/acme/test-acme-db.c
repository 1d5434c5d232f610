/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for ca/acme/acme-db.c on test-db.h's database: the schema
 * migrates (twice, idempotently), accounts are unique per key, and the
 * status machine of RFC 8555 section 7.1.6 holds when validations finish:
 * an order becomes ready only when every authorization is valid, one
 * failure invalidates challenge, authorization and order, and a decided
 * challenge is never decided again.
 */
#include <pthread.h>
#include <stdlib.h>

#include "ca/acme/acme-db.h"
#include "tests/unit/ca/test-db.h"
#include "tests/unit/tap.h"

static acme_account_row account(const char *id, const char *thumb) {
        return (acme_account_row) { .id = (char *) id, .provisioner = (char *) "acme", .status = (char *) "valid",
                                    .jwk = (char *) "{}", .thumbprint = (char *) thumb,
                                    .contact = (char *) "[]", .created = 1 };
}

static int make_order(store *st, const char *oid, const char *a1, const char *a2, const char *c1,
                      const char *c2) {
        acme_order_row o = { .id = (char *) oid, .account_id = (char *) "acct1", .provisioner = (char *) "acme",
                             .status = (char *) "pending", .expires = 4000000000,
                             .identifiers = (char *) "[{\"type\":\"dns\",\"value\":\"a.test\"}]", .created = 1 };
        acme_authz_row az[2] = {
                { .id = (char *) a1, .id_type = (char *) "dns", .id_value = (char *) "a.test",
                  .status = (char *) "pending", .expires = 4000000000 },
                { .id = (char *) a2, .id_type = (char *) "dns", .id_value = (char *) "b.test",
                  .status = (char *) "pending", .expires = 4000000000 },
        };
        acme_chall_row ch[2] = {
                { .id = (char *) c1, .authz_id = (char *) a1, .type = (char *) "http-01", .token = (char *) "t1",
                  .status = (char *) "pending" },
                { .id = (char *) c2, .authz_id = (char *) a2, .type = (char *) "http-01", .token = (char *) "t2",
                  .status = (char *) "pending" },
        };
        return acme_db_order_create(st, &o, az, 2, ch, 2);
}

static const char *order_status(store *st, const char *id, char *buf, size_t size) {
        acme_order_row o = {};

        buf[0] = '\0';
        if (acme_db_order_get(st, "acme", id, &o) >= 0)
                snprintf(buf, size, "%s", o.status);
        acme_order_row_done(&o);
        return buf;
}

typedef struct racer {
        store *st;
        const char *what, *id;
        pthread_barrier_t *start;
        int result;
} racer;

static void *race(void *p) {
        racer *r = p;

        pthread_barrier_wait(r->start);
        if (streq(r->what, "start"))
                r->result = acme_db_chall_start(r->st, r->id, 200);
        else if (streq(r->what, "claim"))
                r->result = acme_db_chall_claim(r->st, r->id, 300, 420);
        else
                r->result = acme_db_chall_finish(r->st, r->id, true, NULL, 300);
        return NULL;
}

/* n threads alternating between two stores (two CA instances); returns
 * how many got `want`. */
static int run_race(store *a, store *b, const char *what, const char *const *ids, size_t n, int want) {
        pthread_barrier_t start;
        pthread_t t[16];
        racer rs[16];
        int hits = 0;

        pthread_barrier_init(&start, NULL, (unsigned) n);
        for (size_t i = 0; i < n; i++) {
                rs[i] = (racer) { .st = i % 2 ? b : a, .what = what, .id = ids[i], .start = &start };
                pthread_create(&t[i], NULL, race, &rs[i]);
        }
        for (size_t i = 0; i < n; i++) {
                pthread_join(t[i], NULL);
                hits += rs[i].result == want;
        }
        pthread_barrier_destroy(&start);
        return hits;
}

/* Validation shared by instances: a response starts a challenge once,
 * one worker claims each attempt, a lapsed claim is free again, and two
 * challenges of one order finishing at once at two instances both count. */
static void test_claims(store *st, store *other) {
        const char *const same[16] = { "cc1", "cc1", "cc1", "cc1", "cc1", "cc1", "cc1", "cc1",
                                       "cc1", "cc1", "cc1", "cc1", "cc1", "cc1", "cc1", "cc1" };
        acme_chall_row ch = {};
        char **ids = NULL, buf[32];
        int ready = 0;

        is_ok(make_order(st, "oc", "azc1", "azc2", "cc1", "cc2"), "claims: order");
        is_ok(acme_db_chall_due(st, 200, 10, &ids), "claims: due list");
        ok(ids && !ids[0], "claims: nothing due while pending");
        acme_strv_free(TAKE_PTR(ids));
        is_int(run_race(st, other, "start", same, 16, 1), 1, "claims: of 16 responses at two instances one starts it");
        is_ok(acme_db_chall_get(st, "cc1", &ch), "claims: read");
        is_str(ch.status, "processing", "claims: processing");
        is_int(ch.next_attempt, 200, "claims: due at once");
        acme_chall_row_done(&ch);
        is_int(acme_db_chall_start(st, "cc1", 201), 0, "claims: not started twice");

        is_int(acme_db_chall_claim(st, "cc1", 199, 300), 0, "claims: not before it is due");
        is_ok(acme_db_chall_due(other, 200, 10, &ids), "claims: due list at the other instance");
        ok(ids && ids[0] && streq(ids[0], "cc1") && !ids[1], "claims: it is due");
        acme_strv_free(TAKE_PTR(ids));
        is_int(run_race(st, other, "claim", same, 16, 1), 1, "claims: of 16 workers at two instances one claims it");
        is_ok(acme_db_chall_due(other, 300, 10, &ids), "claims: due list while claimed");
        ok(ids && !ids[0], "claims: a claimed challenge is nobody else's");
        acme_strv_free(TAKE_PTR(ids));
        is_int(acme_db_chall_claim(other, "cc1", 419, 500), 0, "claims: held until the lease ends");
        is_int(acme_db_chall_claim(other, "cc1", 420, 540), 1, "claims: a lapsed claim (dead instance) is taken over");
        is_ok(acme_db_chall_release(other, "cc1"), "claims: released");
        is_int(acme_db_chall_claim(st, "cc1", 421, 541), 1, "claims: free again");
        is_ok(acme_db_chall_get(st, "cc1", &ch), "claims: read for a retry");
        ch.attempts = 1;
        ch.next_attempt = 430;
        is_ok(acme_db_chall_update(st, &ch), "claims: a failed attempt, retry later");
        acme_chall_row_done(&ch);
        is_int(acme_db_chall_claim(other, "cc1", 429, 600), 0, "claims: not before the retry is due");
        is_int(acme_db_chall_claim(other, "cc1", 430, 600), 1, "claims: the retry is anybody's");

        /* Two challenges of one order finishing at the same moment at two
         * instances: each sees the other's, and the order becomes ready. */
        for (int i = 0; i < 10; i++) {
                char oid[16], a1[16], a2[16], c1[16], c2[16];
                const char *pair[2] = { c1, c2 };

                snprintf(oid, sizeof(oid), "or%d", i);
                snprintf(a1, sizeof(a1), "ar%da", i);
                snprintf(a2, sizeof(a2), "ar%db", i);
                snprintf(c1, sizeof(c1), "cr%da", i);
                snprintf(c2, sizeof(c2), "cr%db", i);
                if (make_order(st, oid, a1, a2, c1, c2) < 0 || run_race(st, other, "finish", pair, 2, 1) != 2)
                        continue;
                ready += streq(order_status(st, oid, buf, sizeof(buf)), "ready");
        }
        is_int(ready, 10, "claims: every order with both challenges valid at once is ready");
}

int main(void) {
        char dir[] = "/tmp/test-acme-db-XXXXXX", path[1024], buf[32];
        _cleanup_(store_closep) store *st = NULL;
        acme_account_row a1 = account("acct1", "thumb1"), a2 = account("acct2", "thumb2"), got = {};
        acme_chall_row ch = {};
        acme_authz_row az = {};
        char **ids = NULL;

        if (!mkdtemp(dir))
                return 1;
        test_db_url(dir, path, sizeof(path));
        is_ok(store_open(path, &st), "store opened");
        is_ok(acme_db_migrate(st), "schema migrated");
        is_ok(acme_db_migrate(st), "migration is idempotent");

        is_ok(acme_db_account_insert(st, &a1), "account inserted");
        is_ok(acme_db_account_insert(st, &a2), "second account");
        is_err(acme_db_account_set_key(st, "acct2", "{}", "thumb1"), -EEXIST, "one key, one account");
        is_ok(acme_db_account_by_thumbprint(st, "acme", "thumb1", &got), "lookup by thumbprint");
        is_str(got.id, "acct1", "right account");
        acme_account_row_done(&got);
        is_err(acme_db_account_get(st, "agents", "acct1", &got), -ENOENT, "accounts are per provisioner");

        is_ok(make_order(st, "o1", "az1", "az2", "ch1", "ch2"), "order created");
        is_err(make_order(st, "o1", "az3", "az4", "ch3", "ch4"), -EEXIST, "duplicate order refused");
        is_err(acme_db_authz_get(st, "az3", &az), -ENOENT, "failed order left no authorization behind");
        is_ok(acme_db_order_authz_ids(st, "o1", &ids), "authorization ids");
        ok(ids && ids[0] && ids[1] && !ids[2] && streq(ids[0], "az1"), "in creation order");
        acme_strv_free(ids);

        is_int(acme_db_chall_finish(st, "ch1", true, NULL, 100), 1, "first challenge valid");
        is_str(order_status(st, "o1", buf, sizeof(buf)), "pending", "order waits for the other authorization");
        is_int(acme_db_chall_finish(st, "ch1", false, "{}", 100), 0, "a valid challenge is not decided again");
        is_int(acme_db_chall_finish(st, "ch2", true, NULL, 101), 1, "second challenge valid");
        is_str(order_status(st, "o1", buf, sizeof(buf)), "ready", "order ready");
        is_ok(acme_db_chall_get(st, "ch2", &ch), "challenge read");
        is_str(ch.status, "valid", "challenge valid");
        is_int(ch.validated, 101, "validation time");
        acme_chall_row_done(&ch);

        is_int(acme_db_order_transition(st, "o1", "pending", "invalid", NULL), 0, "transition needs the from state");
        is_int(acme_db_order_transition(st, "o1", "ready", "processing", NULL), 1, "ready -> processing");
        is_int(acme_db_order_transition(st, "o1", "ready", "processing", NULL), 0, "only once");

        is_ok(make_order(st, "o2", "az5", "az6", "ch5", "ch6"), "second order");
        is_int(acme_db_chall_finish(st, "ch5", false, "{\"type\":\"x\"}", 102), 1, "challenge failed");
        is_str(order_status(st, "o2", buf, sizeof(buf)), "invalid", "order invalid");
        is_ok(acme_db_authz_get(st, "az5", &az), "authorization read");
        is_str(az.status, "invalid", "authorization invalid");
        acme_authz_row_done(&az);
        is_int(acme_db_chall_finish(st, "ch6", true, NULL, 103), 1, "other authorization still decided");
        is_str(order_status(st, "o2", buf, sizeof(buf)), "invalid", "but the order stays invalid");

        is_ok(make_order(st, "o3", "az7", "az8", "ch7", "ch8"), "third order");
        is_ok(acme_db_account_deactivate(st, "acct1"), "account deactivated");
        is_ok(acme_db_authz_get(st, "az7", &az), "authorization read");
        is_str(az.status, "deactivated", "pending authorizations deactivated with it");
        acme_authz_row_done(&az);
        is_int(acme_db_chall_finish(st, "ch7", true, NULL, 104), 0, "late success does not revive the authorization");
        is_ok(acme_db_chall_get(st, "ch7", &ch), "challenge read");
        is_str(ch.status, "valid", "but the challenge itself is settled");
        acme_chall_row_done(&ch);
        is_str(order_status(st, "o3", buf, sizeof(buf)), "invalid", "the account's open orders were cancelled");
        is_ok(acme_db_account_order_ids(st, "acct1", &ids), "order list");
        ok(ids[0] && ids[1] && ids[2] && !ids[3], "three orders");
        acme_strv_free(ids);

        /* The purge: expired orders without a certificate go, with their
         * authorizations, challenges and attested keys; others stay. */
        is_ok(make_order(st, "o4", "az9", "az10", "ch9", "ch10"), "order to purge");
        is_ok(make_order(st, "o5", "az11", "az12", "ch11", "ch12"), "order that has not expired");
        is_ok(make_order(st, "o6", "az13", "az14", "ch13", "ch14"), "expired order with a certificate");
        is_ok(acme_db_attested_key_put(st, "o4", "az9", 7, (const uint8_t *) "k", 1, 100), "attested key of o4");
        is_int(store_run(st, "UPDATE acme_orders SET expires = 500 WHERE id IN ('o4', 'o6')", ""), 2, "o4, o6 expired");
        is_int(store_run(st, "INSERT INTO acme_certs (id, order_id, account_id, serial, chain_pem, created)"
                             " VALUES ('cert6', 'o6', 'acct1', '01', 'pem', 1)", ""), 1, "o6 has a certificate");
        is_int(acme_db_purge(st, 400), 0, "nothing expired before 400");
        is_int(acme_db_purge(st, 1000), 1, "one order purged");
        is_err(acme_db_order_get(st, "acme", "o4", &(acme_order_row) {}), -ENOENT, "o4 gone");
        is_err(acme_db_authz_get(st, "az10", &az), -ENOENT, "its authorization gone");
        is_err(acme_db_chall_get(st, "ch9", &ch), -ENOENT, "its challenge gone");
        is_int(store_run(st, "DELETE FROM acme_attested_keys WHERE order_id = 'o4'", ""), 0, "its attested key gone");
        is_str(order_status(st, "o5", buf, sizeof(buf)), "pending", "o5 kept");
        is_ok(acme_db_chall_get(st, "ch12", &ch), "o5's challenge kept");
        acme_chall_row_done(&ch);
        ok(*order_status(st, "o6", buf, sizeof(buf)), "o6 (with a certificate) kept");
        is_int(acme_db_purge(st, 1000), 0, "a second purge finds nothing");

        {
                _cleanup_(store_closep) store *other = NULL;

                if (is_ok(store_open(path, &other), "a second store on the database (another instance)"))
                        test_claims(st, other);
        }

        store_close(TAKE_PTR(st));
        for (const char *const *f = (const char *const[]) { "test.db", "test.db-wal", "test.db-shm", NULL }; *f; f++) {
                snprintf(path, sizeof(path), "%s/%s", dir, *f);
                (void) unlink(path);
        }
        (void) rmdir(dir);
        return tap_done();
}
