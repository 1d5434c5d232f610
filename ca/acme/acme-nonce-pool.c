/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The nonce pool over the CA store (acme-nonce.h): the shared key, made
 * once by whichever instance comes first, and the table of used nonces
 * (module "acme_nonce"), purged of expired entries once a minute by each
 * instance.
 */
#include <openssl/crypto.h>
#include <stdatomic.h>
#include <time.h>

#include "acme-nonce.h"
#include "crypto.h"
#include "log.h"

#define PURGE_INTERVAL 60 /* seconds */

struct acme_nonce_pool {
        store *st;
        uint64_t lifetime;
        uint8_t key[ACME_NONCE_KEY_LEN];
        _Atomic uint64_t next_purge;
};

static const store_migration nonce_migrations[] = {
        { 1,
          "CREATE TABLE acme_nonce_keys ("
          " id INTEGER PRIMARY KEY,"
          " secret BLOB NOT NULL,"
          " created INTEGER NOT NULL);"
          "CREATE TABLE acme_nonces_used ("
          " nonce TEXT PRIMARY KEY,"
          " expires INTEGER NOT NULL);"
          "CREATE INDEX acme_nonces_used_expires ON acme_nonces_used (expires);" },
};

/* The key of row 1: ours if we insert first, else the one already there. */
static int load_key(store *st, uint8_t key[ACME_NONCE_KEY_LEN]) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        uint8_t fresh[ACME_NONCE_KEY_LEN];
        const void *p;
        size_t n = 0;
        int r;

        r = crypto_random(fresh, sizeof(fresh));
        if (r < 0)
                return r;
        r = store_run(st,
                      "INSERT INTO acme_nonce_keys (id, secret, created) VALUES (1, ?, ?)"
                      " ON CONFLICT (id) DO NOTHING",
                      "bi", fresh, sizeof(fresh), (int64_t) time(NULL));
        explicit_bzero(fresh, sizeof(fresh));
        if (r < 0)
                return r;
        r = store_prepare(st, "SELECT secret FROM acme_nonce_keys WHERE id = 1", &s);
        if (r >= 0)
                r = store_step(s);
        if (r < 0)
                return r;
        p = r > 0 ? store_column_blob(s, 0, &n) : NULL;
        if (!p || n != ACME_NONCE_KEY_LEN)
                return -EIO;
        memcpy(key, p, n);
        return 0;
}

int acme_nonce_pool_new(store *st, uint64_t lifetime, acme_nonce_pool **ret) {
        acme_nonce_pool *p;
        int r;

        if (!st || lifetime == 0 || !ret)
                return -EINVAL;
        r = store_migrate(st, "acme_nonce", nonce_migrations, ELEMENTSOF(nonce_migrations));
        if (r < 0)
                return r;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->st = st;
        p->lifetime = lifetime;
        r = load_key(st, p->key);
        if (r < 0) {
                acme_nonce_pool_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

void acme_nonce_pool_free(acme_nonce_pool *p) {
        if (!p)
                return;
        erase_and_free(p, sizeof(*p));
}

int acme_nonce_issue(acme_nonce_pool *p, uint64_t now, char ret[ACME_NONCE_STRLEN + 1]) {
        uint64_t rnd;
        int r;

        r = crypto_random(&rnd, sizeof(rnd));
        if (r < 0)
                return r;
        return acme_nonce_encode(p->key, now, rnd, ret);
}

/* Once per interval per instance: the used nonces that expired go. */
static void purge_expired(acme_nonce_pool *p, uint64_t now) {
        uint64_t due = atomic_load(&p->next_purge);
        int r;

        if (now < due || !atomic_compare_exchange_strong(&p->next_purge, &due, now + PURGE_INTERVAL))
                return;
        r = store_run(p->st, "DELETE FROM acme_nonces_used WHERE expires <= ?", "i", (int64_t) now);
        if (r < 0)
                log_debug_errno(r, "ACME nonces: purging the used ones failed, ignoring: %m");
}

int acme_nonce_consume(acme_nonce_pool *p, const char *nonce, uint64_t now) {
        uint64_t expires;
        int r;

        r = acme_nonce_check(p->key, nonce, now, p->lifetime, &expires);
        if (r < 0)
                return r;
        r = store_run(p->st, "INSERT INTO acme_nonces_used (nonce, expires) VALUES (?, ?)", "ti", nonce,
                      (int64_t) expires);
        if (r == -EEXIST)
                return -ESTALE;
        if (r < 0)
                return r;
        purge_expired(p, now);
        return 0;
}
