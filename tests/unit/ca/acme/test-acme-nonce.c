/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the ACME replay nonces (ca/acme/acme-nonce.c, a fixed vector
 * computed independently with Python's hmac module; ca/acme/acme-nonce-pool.c
 * on test-db.h's database): a nonce is ours by its MAC, expires by its
 * issue time, is good once, and once in the fleet: two pools on two stores
 * of one database (two CA instances) share the key, accept each other's
 * nonces, and of sixteen threads consuming one nonce through both exactly
 * one succeeds. The clock is driven by the test.
 */
#include <ftw.h>
#include <pthread.h>
#include <sys/stat.h>

#include "ca/acme/acme-nonce.h"
#include "tests/unit/ca/test-db.h"
#include "tests/unit/tap.h"

#define RACERS 16

static char tmpdir[] = "/tmp/test-acme-nonce-XXXXXX";

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static void test_vectors(void) {
        uint8_t key[ACME_NONCE_KEY_LEN], other[ACME_NONCE_KEY_LEN];
        char n[ACME_NONCE_STRLEN + 1], bad[ACME_NONCE_STRLEN + 1];
        uint64_t expires = 0;

        for (size_t i = 0; i < sizeof(key); i++) {
                key[i] = (uint8_t) i;
                other[i] = (uint8_t) (i + 1);
        }
        is_ok(acme_nonce_encode(key, 1700000000, 0x0102030405060708ULL, n), "vector: encoded");
        is_str(n, "AAAAAGVT8QABAgMEBQYHCKj3QDFZ1IE4Xo--ain540Q", "vector: issued || random || HMAC-SHA-256/128");
        is_ok(acme_nonce_check(key, n, 1700000000, 3600, &expires), "vector: checks at its issue time");
        is_int(expires, 1700003600, "vector: expires after the lifetime");
        is_ok(acme_nonce_check(key, n, 1700003599, 3600, NULL), "vector: good until the last second");
        is_err(acme_nonce_check(key, n, 1700003600, 3600, NULL), -ESTALE, "vector: expired at issue + lifetime");
        is_ok(acme_nonce_check(key, n, 1700000000 - ACME_NONCE_CLOCK_SKEW, 3600, NULL),
              "vector: an instance whose clock is a little behind accepts it");
        is_err(acme_nonce_check(key, n, 1700000000 - ACME_NONCE_CLOCK_SKEW - 1, 3600, NULL), -ESTALE,
               "vector: issued too far in the future");
        is_err(acme_nonce_check(other, n, 1700000000, 3600, NULL), -EBADMSG, "vector: another key's nonce refused");

        memcpy(bad, n, sizeof(bad));
        bad[ACME_NONCE_STRLEN - 1] = 'R'; /* same bytes, a spare bit set */
        is_err(acme_nonce_check(key, bad, 1700000000, 3600, NULL), -EBADMSG, "vector: non-canonical spelling refused");
        memcpy(bad, n, sizeof(bad));
        bad[12] = bad[12] == 'A' ? 'B' : 'A'; /* random half changed */
        is_err(acme_nonce_check(key, bad, 1700000000, 3600, NULL), -EBADMSG, "vector: forged random half refused");
        memcpy(bad, n, sizeof(bad));
        bad[3] = 'B'; /* issue time changed: the MAC no longer fits */
        is_err(acme_nonce_check(key, bad, 1700000000, 3600, NULL), -EBADMSG, "vector: forged issue time refused");

        is_err(acme_nonce_check(key, "", 100, 10, NULL), -EBADMSG, "empty refused");
        is_err(acme_nonce_check(key, NULL, 100, 10, NULL), -EBADMSG, "NULL refused");
        is_err(acme_nonce_check(key, "AAAAAAAAAAAAAAAAAAAAAA", 100, 10, NULL), -EBADMSG, "old 22-character form refused");
        is_err(acme_nonce_check(key, "not base64url!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", 100, 10, NULL), -EBADMSG,
               "garbage refused");
        is_err(acme_nonce_check(key, "AAAAAGVT8QABAgMEBQYHCKj3QDFZ1IE4Xo--ain540QA", 1700000000, 3600, NULL), -EBADMSG,
               "too long refused");
}

typedef struct racer {
        acme_nonce_pool *pool;
        const char *nonce;
        pthread_barrier_t *start;
        int result;
} racer;

static void *consume(void *p) {
        racer *r = p;

        pthread_barrier_wait(r->start);
        r->result = acme_nonce_consume(r->pool, r->nonce, 1000);
        return NULL;
}

static void test_pools(const char *url) {
        _cleanup_(store_closep) store *sa = NULL, *sb = NULL;
        _cleanup_(acme_nonce_pool_freep) acme_nonce_pool *a = NULL, *b = NULL;
        char n1[ACME_NONCE_STRLEN + 1], n2[ACME_NONCE_STRLEN + 1], n3[ACME_NONCE_STRLEN + 1];
        pthread_barrier_t start;
        pthread_t t[RACERS];
        racer rs[RACERS];
        int won = 0, stale = 0;

        if (!is_ok(store_open(url, &sa), "pool: store A") || !is_ok(store_open(url, &sb), "pool: store B"))
                return;
        is_err(acme_nonce_pool_new(sa, 0, &a), -EINVAL, "pool: zero lifetime refused");
        is_ok(acme_nonce_pool_new(sa, 10, &a), "pool: instance A");
        is_ok(acme_nonce_pool_new(sb, 10, &b), "pool: instance B, same database");
        if (!a || !b)
                return;

        is_ok(acme_nonce_issue(a, 100, n1), "pool: A issues");
        is_ok(acme_nonce_issue(a, 100, n2), "pool: A issues another");
        ok(strcmp(n1, n2) != 0, "pool: nonces differ");
        is_ok(acme_nonce_consume(b, n1, 101), "pool: A's nonce is good at B");
        is_err(acme_nonce_consume(a, n1, 101), -ESTALE, "pool: and then used up at A too");
        is_err(acme_nonce_consume(b, n1, 101), -ESTALE, "pool: and at B");
        is_err(acme_nonce_consume(b, n2, 110), -ESTALE, "pool: expired nonce refused");
        is_err(acme_nonce_consume(a, "AAAAAGVT8QABAgMEBQYHCKj3QDFZ1IE4Xo--ain540Q", 100), -EBADMSG,
               "pool: another key's nonce refused");

        /* One nonce, sixteen requests at once through both instances. */
        is_ok(acme_nonce_issue(b, 1000, n3), "pool: B issues a nonce to race for");
        pthread_barrier_init(&start, NULL, RACERS);
        for (int i = 0; i < RACERS; i++) {
                rs[i] = (racer) { .pool = i % 2 ? a : b, .nonce = n3, .start = &start };
                pthread_create(&t[i], NULL, consume, &rs[i]);
        }
        for (int i = 0; i < RACERS; i++) {
                pthread_join(t[i], NULL);
                won += rs[i].result == 0;
                stale += rs[i].result == -ESTALE;
        }
        pthread_barrier_destroy(&start);
        is_int(won, 1, "race: the nonce is accepted exactly once");
        is_int(stale, RACERS - 1, "race: every other use is refused as used");

        /* Used nonces are purged once expired (the purge runs at most once
         * a minute per pool, and this is the first consume past 1060). */
        is_ok(acme_nonce_issue(a, 2000, n1), "purge: a nonce much later");
        is_ok(acme_nonce_consume(a, n1, 2000), "purge: consumed, purging the expired ones");
        {
                _cleanup_(store_stmt_freep) store_stmt *s = NULL;

                if (store_prepare(sa, "SELECT COUNT(*) FROM acme_nonces_used", &s) >= 0 && store_step(s) == 1)
                        is_int(store_column_int64(s, 0), 1, "purge: only the unexpired nonce is kept");
                else
                        ok(false, "purge: count");
        }
}

int main(void) {
        char url[1024];

        if (!mkdtemp(tmpdir))
                return 1;
        test_db_url(tmpdir, url, sizeof(url));
        test_vectors();
        test_pools(url);
        if (nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS) < 0)
                printf("# could not remove %s\n", tmpdir);
        return tap_done();
}
