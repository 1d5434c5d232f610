/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Token buckets per key (rate-limit.h), kept as the generic cell rate
 * algorithm does: one "theoretical arrival time" per key, pushed on by the
 * emission interval (per / count) at each request let through; a request
 * passes while that time stays within `per` of now, which allows a burst
 * of `count` and then one request per interval. Integer milliseconds.
 *
 * The keys live in a flat array searched linearly:
 * a scan of the table is far below the cost of the request it guards (a
 * signature check, a database write), and the table's bound keeps it so.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "rate-limit.h"
#include "macro.h"

typedef struct bucket {
        char *key;
        uint64_t tat_ms;  /* theoretical arrival time of the next request */
        uint64_t last_ms; /* of the last request, to find the idlest key */
} bucket;

struct rate_limiter {
        pthread_mutex_t lock;
        ca_rate rate;
        size_t max, n;
        bucket *items;
};

int ca_rate_parse(const char *s, ca_rate *ret) {
        const char *slash;
        char *end;
        unsigned long n;
        uint64_t per;

        if (!s || !ret)
                return -EINVAL;
        if (streq(s, "0") || streq(s, "off")) {
                *ret = (ca_rate) {};
                return 0;
        }
        slash = strchr(s, '/');
        if (!slash || slash == s || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        n = strtoul(s, &end, 10);
        if (errno || end != slash || n == 0 || n > CA_RATE_MAX_COUNT)
                return -EINVAL;
        if (duration_parse(slash + 1, CA_RATE_MAX_PER, &per) < 0 || per == 0)
                return -EINVAL;
        *ret = (ca_rate) { .count = (uint32_t) n, .per = per };
        return 0;
}

void rate_limit_address_key(const char *addr, char buf[static RATE_LIMIT_ADDR_KEY_MAX]) {
        struct in6_addr a6;
        char text[INET6_ADDRSTRLEN];

        if (addr && strchr(addr, ':') && inet_pton(AF_INET6, addr, &a6) == 1 &&
            !IN6_IS_ADDR_V4MAPPED(&a6)) {
                memset(&a6.s6_addr[8], 0, 8);
                if (inet_ntop(AF_INET6, &a6, text, sizeof(text))) {
                        (void) snprintf(buf, RATE_LIMIT_ADDR_KEY_MAX, "%s/64", text);
                        return;
                }
        }
        (void) snprintf(buf, RATE_LIMIT_ADDR_KEY_MAX, "%s", addr ?: "");
}

int rate_limiter_new(ca_rate rate, size_t max_keys, rate_limiter **ret) {
        rate_limiter *rl;

        if (max_keys == 0 || (rate.count > 0 && rate.per == 0) || !ret)
                return -EINVAL;
        rl = calloc(1, sizeof(*rl));
        if (!rl)
                return -ENOMEM;
        rl->items = calloc(max_keys, sizeof(*rl->items));
        if (!rl->items) {
                free(rl);
                return -ENOMEM;
        }
        pthread_mutex_init(&rl->lock, NULL);
        rl->rate = rate;
        rl->max = max_keys;
        *ret = rl;
        return 0;
}

void rate_limiter_free(rate_limiter *rl) {
        if (!rl)
                return;
        for (size_t i = 0; i < rl->n; i++)
                free(rl->items[i].key);
        free(rl->items);
        pthread_mutex_destroy(&rl->lock);
        free(rl);
}

/* The bucket of key, made (full) if new; NULL on OOM. */
static bucket *find_or_add(rate_limiter *rl, const char *key, uint64_t now_ms) {
        size_t idle = 0;
        char *k;

        for (size_t i = 0; i < rl->n; i++) {
                if (streq(rl->items[i].key, key))
                        return &rl->items[i];
                if (rl->items[i].last_ms < rl->items[idle].last_ms)
                        idle = i;
        }
        k = strdup(key);
        if (!k)
                return NULL;
        if (rl->n == rl->max) /* forget the key idle the longest */
                free(rl->items[idle].key);
        else
                idle = rl->n++;
        rl->items[idle] = (bucket) { .key = k, .tat_ms = now_ms, .last_ms = now_ms };
        return &rl->items[idle];
}

unsigned rate_limiter_take(rate_limiter *rl, const char *key, uint64_t now_ms) {
        uint64_t interval_ms, window_ms, tat;
        unsigned ret = 0;
        bucket *b;

        if (!rl || !key || rl->rate.count == 0)
                return 0;
        window_ms = rl->rate.per * 1000;
        interval_ms = window_ms / rl->rate.count;
        pthread_mutex_lock(&rl->lock);
        b = find_or_add(rl, key, now_ms);
        if (b) {
                b->last_ms = now_ms > b->last_ms ? now_ms : b->last_ms;
                tat = (b->tat_ms > now_ms ? b->tat_ms : now_ms) + interval_ms;
                if (tat - now_ms <= window_ms)
                        b->tat_ms = tat;
                else
                        ret = (unsigned) ((tat - now_ms - window_ms + 999) / 1000);
        }
        pthread_mutex_unlock(&rl->lock);
        return ret;
}
