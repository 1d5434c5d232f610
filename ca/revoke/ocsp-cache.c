/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCSP response cache (ocsp-cache.h): a chained hash table under one
 * mutex. Lookups copy the response out so that nothing is used after
 * the lock is released.
 */
#include <pthread.h>

#include "ocsp-cache.h"

#define BUCKETS 8192
#define KEY_MAX 64

typedef struct entry {
        struct entry *next;
        char key[KEY_MAX];
        size_t ca;
        uint64_t gen;
        time_t expires;
        uint8_t *der;
        size_t len;
} entry;

struct ocsp_cache {
        pthread_mutex_t lock;
        entry *buckets[BUCKETS];
        size_t n;
        size_t n_cas;
        uint64_t *gens;
};

int ocsp_cache_new(size_t n_cas, ocsp_cache **ret) {
        ocsp_cache *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        c->gens = calloc(n_cas ?: 1, sizeof(uint64_t));
        if (!c->gens) {
                free(c);
                return -ENOMEM;
        }
        c->n_cas = n_cas;
        pthread_mutex_init(&c->lock, NULL);
        *ret = c;
        return 0;
}

static void clear_locked(ocsp_cache *c) {
        for (size_t b = 0; b < BUCKETS; b++)
                while (c->buckets[b]) {
                        entry *e = c->buckets[b];
                        c->buckets[b] = e->next;
                        free(e->der);
                        free(e);
                }
        c->n = 0;
}

void ocsp_cache_free(ocsp_cache *c) {
        if (!c)
                return;
        clear_locked(c);
        pthread_mutex_destroy(&c->lock);
        free(c->gens);
        free(c);
}

static int make_key(size_t ca, int hash_nid, const char *serial, char key[KEY_MAX]) {
        int n = snprintf(key, KEY_MAX, "%zu/%d/%s", ca, hash_nid, serial);
        return n > 0 && n < KEY_MAX ? 0 : -EINVAL;
}

static size_t hash_key(const char *k) {
        uint64_t h = 1469598103934665603ULL; /* FNV-1a */
        for (; *k; k++)
                h = (h ^ (uint8_t) *k) * 1099511628211ULL;
        return (size_t) (h % BUCKETS);
}

uint64_t ocsp_cache_generation(ocsp_cache *c, size_t ca) {
        uint64_t g;

        if (ca >= c->n_cas)
                return 0;
        pthread_mutex_lock(&c->lock);
        g = c->gens[ca];
        pthread_mutex_unlock(&c->lock);
        return g;
}

void ocsp_cache_invalidate(ocsp_cache *c, size_t ca) {
        if (ca >= c->n_cas)
                return;
        pthread_mutex_lock(&c->lock);
        c->gens[ca]++;
        pthread_mutex_unlock(&c->lock);
}

int ocsp_cache_get(ocsp_cache *c, size_t ca, int hash_nid, const char *serial, time_t now, uint8_t **ret,
                   size_t *ret_len) {
        char key[KEY_MAX];
        int r = 0;

        if (ca >= c->n_cas || make_key(ca, hash_nid, serial, key) < 0)
                return 0;
        pthread_mutex_lock(&c->lock);
        for (entry *e = c->buckets[hash_key(key)]; e; e = e->next) {
                if (!streq(e->key, key))
                        continue;
                if (e->gen != c->gens[ca] || e->expires <= now)
                        break;
                *ret = malloc(e->len);
                if (!*ret) {
                        r = -ENOMEM;
                        break;
                }
                memcpy(*ret, e->der, e->len);
                *ret_len = e->len;
                r = 1;
                break;
        }
        pthread_mutex_unlock(&c->lock);
        return r;
}

int ocsp_cache_put(ocsp_cache *c, size_t ca, int hash_nid, const char *serial, const uint8_t *der, size_t len,
                   time_t expires, uint64_t gen) {
        char key[KEY_MAX];
        entry *e, **slot;
        uint8_t *copy;

        if (ca >= c->n_cas || make_key(ca, hash_nid, serial, key) < 0)
                return 0;
        copy = malloc(len ?: 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, der, len);
        pthread_mutex_lock(&c->lock);
        if (gen != c->gens[ca]) {
                pthread_mutex_unlock(&c->lock);
                free(copy);
                return 0;
        }
        slot = &c->buckets[hash_key(key)];
        for (e = *slot; e; e = e->next)
                if (streq(e->key, key))
                        break;
        if (!e) {
                if (c->n >= OCSP_CACHE_MAX)
                        clear_locked(c);
                e = calloc(1, sizeof(*e));
                if (!e) {
                        pthread_mutex_unlock(&c->lock);
                        free(copy);
                        return -ENOMEM;
                }
                strcpy(e->key, key);
                e->next = *slot;
                *slot = e;
                c->n++;
        }
        free(e->der);
        e->der = copy;
        e->len = len;
        e->ca = ca;
        e->gen = gen;
        e->expires = expires;
        pthread_mutex_unlock(&c->lock);
        return 0;
}

size_t ocsp_cache_size(ocsp_cache *c) {
        size_t n;

        pthread_mutex_lock(&c->lock);
        n = c->n;
        pthread_mutex_unlock(&c->lock);
        return n;
}
