/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replay-nonce pool: sequence-numbered slots in a ring, see acme-nonce.h.
 * The sequence number makes lookup O(1) without a hash table; the random
 * half makes nonces unguessable, so nobody can burn another client's
 * nonce in advance.
 */
#include <pthread.h>

#include "acme-nonce.h"
#include "b64.h"
#include "crypto.h"

typedef struct nonce_slot {
        uint64_t seq;
        uint64_t random;
        uint64_t issued;
        bool used;
} nonce_slot;

struct acme_nonce_pool {
        pthread_mutex_t lock;
        nonce_slot *slots;
        size_t capacity;
        uint64_t lifetime;
        uint64_t next_seq; /* starts at 1: slot.seq == 0 means empty */
};

int acme_nonce_pool_new(size_t capacity, uint64_t lifetime, acme_nonce_pool **ret) {
        acme_nonce_pool *p;

        if (capacity == 0 || lifetime == 0 || !ret)
                return -EINVAL;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->slots = calloc(capacity, sizeof(nonce_slot));
        if (!p->slots) {
                free(p);
                return -ENOMEM;
        }
        pthread_mutex_init(&p->lock, NULL);
        p->capacity = capacity;
        p->lifetime = lifetime;
        p->next_seq = 1;
        *ret = p;
        return 0;
}

void acme_nonce_pool_free(acme_nonce_pool *p) {
        if (!p)
                return;
        pthread_mutex_destroy(&p->lock);
        free(p->slots);
        free(p);
}

static void put_u64(uint8_t *b, uint64_t v) {
        for (int i = 7; i >= 0; i--, v >>= 8)
                b[i] = (uint8_t) v;
}

static uint64_t get_u64(const uint8_t *b) {
        uint64_t v = 0;

        for (int i = 0; i < 8; i++)
                v = (v << 8) | b[i];
        return v;
}

int acme_nonce_issue(acme_nonce_pool *p, uint64_t now, char ret[ACME_NONCE_STRLEN + 1]) {
        _cleanup_free_ char *s = NULL;
        uint8_t raw[16];
        uint64_t rnd, seq;
        nonce_slot *slot;
        int r;

        r = crypto_random(&rnd, sizeof(rnd));
        if (r < 0)
                return r;

        pthread_mutex_lock(&p->lock);
        seq = p->next_seq++;
        slot = &p->slots[seq % p->capacity];
        *slot = (nonce_slot) { .seq = seq, .random = rnd, .issued = now };
        pthread_mutex_unlock(&p->lock);

        put_u64(raw, seq);
        put_u64(raw + 8, rnd);
        r = b64_encode(B64_URL, raw, sizeof(raw), &s);
        if (r < 0)
                return r;
        if (strlen(s) != ACME_NONCE_STRLEN)
                return -EINVAL;
        memcpy(ret, s, ACME_NONCE_STRLEN + 1);
        return 0;
}

int acme_nonce_consume(acme_nonce_pool *p, const char *nonce, uint64_t now) {
        _cleanup_free_ uint8_t *raw = NULL;
        uint64_t seq, rnd;
        nonce_slot *slot;
        size_t len;
        int r;

        if (!nonce || strlen(nonce) != ACME_NONCE_STRLEN)
                return -EBADMSG;
        r = b64_decode(B64_URL, nonce, ACME_NONCE_STRLEN, ACME_NONCE_STRLEN, &raw, &len);
        if (r < 0 || len != 16)
                return -EBADMSG;
        seq = get_u64(raw);
        rnd = get_u64(raw + 8);
        if (seq == 0)
                return -EBADMSG;

        pthread_mutex_lock(&p->lock);
        slot = &p->slots[seq % p->capacity];
        if (seq >= p->next_seq)
                r = -EBADMSG;
        else if (slot->seq != seq || slot->random != rnd || slot->used ||
                 now > slot->issued + p->lifetime || now + 1 < slot->issued)
                r = -ESTALE;
        else {
                slot->used = true;
                r = 0;
        }
        pthread_mutex_unlock(&p->lock);
        return r;
}
