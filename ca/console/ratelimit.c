/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Failed-attempt limiting per client (ratelimit.h).
 */
#include <arpa/inet.h>
#include <pthread.h>

#include "ratelimit.h"

typedef struct slot {
        char key[RATELIMIT_KEY_MAX];
        uint64_t tat; /* theoretical arrival time of the next allowed failure, ms */
} slot;

struct ratelimit {
        pthread_mutex_t lock;
        unsigned burst;
        uint64_t interval;
        size_t n, max;
        slot *slots;
};

int ratelimit_new(unsigned burst, uint64_t interval_ms, size_t max_keys, ratelimit **ret) {
        ratelimit *rl;

        if (burst == 0 || interval_ms == 0 || max_keys == 0)
                return -EINVAL;
        rl = calloc(1, sizeof(*rl));
        if (!rl)
                return -ENOMEM;
        rl->slots = calloc(max_keys, sizeof(slot));
        if (!rl->slots) {
                free(rl);
                return -ENOMEM;
        }
        pthread_mutex_init(&rl->lock, NULL);
        rl->burst = burst;
        rl->interval = interval_ms;
        rl->max = max_keys;
        *ret = rl;
        return 0;
}

void ratelimit_free(ratelimit *rl) {
        if (!rl)
                return;
        pthread_mutex_destroy(&rl->lock);
        free(rl->slots);
        free(rl);
}

static slot *find(ratelimit *rl, const char *key) {
        for (size_t i = 0; i < rl->n; i++)
                if (streq(rl->slots[i].key, key))
                        return &rl->slots[i];
        return NULL;
}

/* How long key must wait, given its tat: failures may run up to
 * burst - 1 intervals ahead of now. */
static uint64_t wait_for(const ratelimit *rl, uint64_t tat, uint64_t now) {
        uint64_t allowed = now + (uint64_t) (rl->burst - 1) * rl->interval;

        return tat > allowed ? tat - allowed : 0;
}

uint64_t ratelimit_check(ratelimit *rl, const char *key, uint64_t now_ms) {
        uint64_t w = 0;
        slot *s;

        pthread_mutex_lock(&rl->lock);
        s = find(rl, key);
        if (s)
                w = wait_for(rl, s->tat, now_ms);
        pthread_mutex_unlock(&rl->lock);
        return w;
}

void ratelimit_fail(ratelimit *rl, const char *key, uint64_t now_ms) {
        slot *s;

        pthread_mutex_lock(&rl->lock);
        s = find(rl, key);
        if (!s) {
                if (rl->n < rl->max)
                        s = &rl->slots[rl->n++];
                else {
                        /* Reuse the slot with the earliest tat: recovered
                         * (tat <= now) if any, else the closest to it. */
                        s = &rl->slots[0];
                        for (size_t i = 1; i < rl->n; i++)
                                if (rl->slots[i].tat < s->tat)
                                        s = &rl->slots[i];
                }
                snprintf(s->key, sizeof(s->key), "%s", key);
                s->tat = now_ms;
        }
        s->tat = (s->tat > now_ms ? s->tat : now_ms) + rl->interval;
        pthread_mutex_unlock(&rl->lock);
}

void ratelimit_key_for_address(const char *addr, char buf[static RATELIMIT_KEY_MAX]) {
        struct in6_addr a6;

        if (addr && strchr(addr, ':') && inet_pton(AF_INET6, addr, &a6) == 1) {
                char text[INET6_ADDRSTRLEN];

                if (!IN6_IS_ADDR_V4MAPPED(&a6)) {
                        memset(a6.s6_addr + 8, 0, 8);
                        if (inet_ntop(AF_INET6, &a6, text, sizeof(text))) {
                                snprintf(buf, RATELIMIT_KEY_MAX, "%.40s/64", text); /* at most 21 characters before "/64" */
                                return;
                        }
                }
        }
        snprintf(buf, RATELIMIT_KEY_MAX, "%s", addr ?: "");
}
