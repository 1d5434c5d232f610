/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pending-activation table (attest-pending.h): a flat array searched
 * linearly. At 4096 entries of a 36-byte key a scan is a few microseconds
 * under the lock, far below the RSA/ECDH work of each request, so a hash
 * table would buy nothing but code.
 */
#include <pthread.h>

#include "attest-pending.h"

struct attest_pending {
        pthread_mutex_t lock;
        size_t max, per_device, per_address;
        size_t n;
        uint64_t next_seq;
        attest_activation **items;
};

void attest_activation_free(attest_activation *a) {
        if (!a)
                return;
        free(a->ek_uri);
        free(a->model);
        EVP_PKEY_free(a->ak_pub);
        erase_and_free(a, sizeof(*a));
}

int attest_pending_new(size_t max, size_t per_device, size_t per_address, attest_pending **ret) {
        attest_pending *p;

        if (max == 0 || per_device == 0 || per_address == 0 || !ret)
                return -EINVAL;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->items = calloc(max, sizeof(*p->items));
        if (!p->items) {
                free(p);
                return -ENOMEM;
        }
        pthread_mutex_init(&p->lock, NULL);
        p->max = max;
        p->per_device = per_device;
        p->per_address = per_address;
        *ret = p;
        return 0;
}

void attest_pending_free(attest_pending *p) {
        if (!p)
                return;
        for (size_t i = 0; i < p->n; i++)
                attest_activation_free(p->items[i]);
        free(p->items);
        pthread_mutex_destroy(&p->lock);
        free(p);
}

/* Removes entry i (order does not matter): the last one takes its place. */
static attest_activation *remove_at(attest_pending *p, size_t i) {
        attest_activation *a = p->items[i];

        p->items[i] = p->items[--p->n];
        p->items[p->n] = NULL;
        return a;
}

static void drop_expired(attest_pending *p, time_t now) {
        for (size_t i = 0; i < p->n;)
                if (now >= p->items[i]->expires)
                        attest_activation_free(remove_at(p, i));
                else
                        i++;
}

/* Which entries a bound counts: those of a's EK from a's address, those
 * from a's address, or all. */
typedef enum bound { BOUND_DEVICE, BOUND_ADDRESS, BOUND_TABLE } bound;

static bool in_bound(const attest_activation *e, const attest_activation *a, bound b) {
        switch (b) {
        case BOUND_DEVICE:
                return streq(e->addr, a->addr) && streq(e->ek_uri, a->ek_uri);
        case BOUND_ADDRESS:
                return streq(e->addr, a->addr);
        default:
                return true;
        }
}

/* Drops the oldest entries within bound b until fewer than limit remain
 * there; returns how many it dropped. */
static int make_room(attest_pending *p, const attest_activation *a, bound b, size_t limit) {
        int dropped = 0;

        for (;;) {
                size_t count = 0, oldest = SIZE_MAX;

                for (size_t i = 0; i < p->n; i++)
                        if (in_bound(p->items[i], a, b)) {
                                count++;
                                if (oldest == SIZE_MAX || p->items[i]->seq < p->items[oldest]->seq)
                                        oldest = i;
                        }
                if (count < limit)
                        return dropped;
                attest_activation_free(remove_at(p, oldest));
                dropped++;
        }
}

static int add_locked(attest_pending *p, attest_activation *a, time_t now) {
        int dropped;

        drop_expired(p, now);
        for (size_t i = 0; i < p->n; i++)
                if (streq(p->items[i]->request_id, a->request_id))
                        return -EEXIST;
        dropped = make_room(p, a, BOUND_DEVICE, p->per_device);
        dropped += make_room(p, a, BOUND_ADDRESS, p->per_address);
        dropped += make_room(p, a, BOUND_TABLE, p->max);
        a->seq = p->next_seq++;
        p->items[p->n++] = a;
        return dropped;
}

int attest_pending_add(attest_pending *p, attest_activation *a, time_t now) {
        int r;

        if (!p || !a || !a->ek_uri || !a->request_id[0])
                return -EINVAL;
        pthread_mutex_lock(&p->lock);
        r = add_locked(p, a, now);
        pthread_mutex_unlock(&p->lock);
        return r;
}

int attest_pending_take(attest_pending *p, const char *request_id, time_t now, attest_activation **ret) {
        attest_activation *a = NULL;

        if (!p || !request_id || !ret)
                return -EINVAL;
        pthread_mutex_lock(&p->lock);
        for (size_t i = 0; i < p->n; i++)
                if (streq(p->items[i]->request_id, request_id)) {
                        a = remove_at(p, i);
                        break;
                }
        drop_expired(p, now); /* the others that expired go too */
        pthread_mutex_unlock(&p->lock);
        if (!a)
                return -ENOENT;
        if (now >= a->expires) {
                attest_activation_free(a);
                return -ETIME;
        }
        *ret = a;
        return 0;
}

size_t attest_pending_count(attest_pending *p) {
        size_t n;

        if (!p)
                return 0;
        pthread_mutex_lock(&p->lock);
        n = p->n;
        pthread_mutex_unlock(&p->lock);
        return n;
}
