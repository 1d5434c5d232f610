/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x5c-cache.h: a direct-mapped table (the digest's first bytes pick the
 * slot) under one mutex; lookups copy the stack and take references, so
 * an entry replaced or dropped meanwhile never frees what a request uses.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "x5c-cache.h"

typedef struct slot {
        bool used;
        uint8_t digest[32];
        STACK_OF(X509) *chain;
        const void *verifier;
        time_t until;
} slot;

struct x5c_cache {
        pthread_mutex_t lock;
        slot slots[X5C_CACHE_SLOTS];
};

static STACK_OF(X509) *chain_ref(STACK_OF(X509) *chain) {
        STACK_OF(X509) *sk = sk_X509_new_reserve(NULL, sk_X509_num(chain));

        if (!sk)
                return NULL;
        for (int i = 0; i < sk_X509_num(chain); i++) {
                X509 *x = sk_X509_value(chain, i);

                if (!X509_up_ref(x)) {
                        sk_X509_pop_free(sk, X509_free);
                        return NULL;
                }
                (void) sk_X509_push(sk, x); /* reserved above */
        }
        return sk;
}

static void slot_clear(slot *s) {
        sk_X509_pop_free(s->chain, X509_free);
        *s = (slot) {};
}

static slot *slot_of(x5c_cache *c, const uint8_t digest[32]) {
        return &c->slots[((size_t) digest[0] << 8 | digest[1]) % X5C_CACHE_SLOTS];
}

int x5c_cache_new(x5c_cache **ret) {
        x5c_cache *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        pthread_mutex_init(&c->lock, NULL);
        *ret = c;
        return 0;
}

void x5c_cache_free(x5c_cache *c) {
        if (!c)
                return;
        for (size_t i = 0; i < X5C_CACHE_SLOTS; i++)
                slot_clear(&c->slots[i]);
        pthread_mutex_destroy(&c->lock);
        free(c);
}

STACK_OF(X509) *x5c_cache_get(x5c_cache *c, const uint8_t digest[32], time_t now, const void **ret_verifier) {
        STACK_OF(X509) *sk = NULL;
        slot *s;

        pthread_mutex_lock(&c->lock);
        s = slot_of(c, digest);
        if (s->used && memcmp(s->digest, digest, 32) == 0) {
                if (now >= s->until)
                        slot_clear(s);
                else {
                        sk = chain_ref(s->chain);
                        if (sk && ret_verifier)
                                *ret_verifier = s->verifier;
                }
        }
        pthread_mutex_unlock(&c->lock);
        return sk;
}

int x5c_cache_put(x5c_cache *c, const uint8_t digest[32], STACK_OF(X509) *chain, const void *verifier,
                  time_t until) {
        STACK_OF(X509) *sk = chain_ref(chain);
        slot *s;

        if (!sk)
                return -ENOMEM;
        pthread_mutex_lock(&c->lock);
        s = slot_of(c, digest);
        slot_clear(s);
        *s = (slot) { .used = true, .chain = sk, .verifier = verifier, .until = until };
        memcpy(s->digest, digest, 32);
        pthread_mutex_unlock(&c->lock);
        return 0;
}

void x5c_cache_drop(x5c_cache *c, const uint8_t digest[32]) {
        slot *s;

        pthread_mutex_lock(&c->lock);
        s = slot_of(c, digest);
        if (s->used && memcmp(s->digest, digest, 32) == 0)
                slot_clear(s);
        pthread_mutex_unlock(&c->lock);
}
