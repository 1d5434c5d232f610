/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-guard.h: a doubly linked list of open connections under one mutex
 * and a thread that walks it a few times per header timeout. The list is
 * bounded by the server's connection limit, so a sweep is a few hundred
 * comparisons at most. A connection is shut down at most once; closing
 * its socket stays the event loop's job, which removes the entry (under
 * the mutex) before it closes the descriptor, so the sweeper never touches
 * a descriptor that was closed and reused.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "http-guard.h"
#include "log.h"
#include "time-util.h"

#define GUARD_SWEEPS_PER_TIMEOUT 4
#define GUARD_SWEEP_MIN_MS 50
#define GUARD_SWEEP_MAX_MS 1000

struct http_guard_conn {
        http_guard_conn *prev, *next;
        int fd;
        uint64_t started_ms; /* of the current request (monotonic) */
        bool headers_done, shut;
};

struct http_guard {
        pthread_mutex_t lock;
        pthread_cond_t wake;
        pthread_t thread;
        bool thread_started, stop;
        uint64_t header_timeout_ms, request_timeout_ms, sweep_ms;
        http_guard_conn *head;
        uint64_t reaped;
};

static void sweep(http_guard *g, uint64_t now) {
        for (http_guard_conn *c = g->head; c; c = c->next) {
                uint64_t age = now - c->started_ms;

                if (c->shut || (age <= g->request_timeout_ms && (c->headers_done || age <= g->header_timeout_ms)))
                        continue;
                log_debug("http: closing connection %d after %llu ms %s", c->fd, (unsigned long long) age,
                          c->headers_done ? "in its request" : "without complete headers");
                (void) shutdown(c->fd, SHUT_RDWR);
                c->shut = true;
                g->reaped++;
        }
}

static void *sweeper(void *userdata) {
        http_guard *g = userdata;

        pthread_mutex_lock(&g->lock);
        while (!g->stop) {
                struct timespec ts;

                clock_gettime(CLOCK_MONOTONIC, &ts);
                ts.tv_sec += (time_t) (g->sweep_ms / 1000);
                ts.tv_nsec += (long) (g->sweep_ms % 1000) * 1000000L;
                if (ts.tv_nsec >= 1000000000L) {
                        ts.tv_sec++;
                        ts.tv_nsec -= 1000000000L;
                }
                (void) pthread_cond_timedwait(&g->wake, &g->lock, &ts);
                if (!g->stop)
                        sweep(g, now_monotonic_ms());
        }
        pthread_mutex_unlock(&g->lock);
        return NULL;
}

int http_guard_new(uint64_t header_timeout_ms, uint64_t request_timeout_ms, http_guard **ret) {
        http_guard *g;
        pthread_condattr_t ca;
        int r;

        if (header_timeout_ms == 0 || request_timeout_ms == 0)
                return -EINVAL;
        g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->header_timeout_ms = header_timeout_ms;
        g->request_timeout_ms = request_timeout_ms;
        g->sweep_ms = (header_timeout_ms < request_timeout_ms ? header_timeout_ms : request_timeout_ms) /
                      GUARD_SWEEPS_PER_TIMEOUT;
        if (g->sweep_ms < GUARD_SWEEP_MIN_MS)
                g->sweep_ms = GUARD_SWEEP_MIN_MS;
        if (g->sweep_ms > GUARD_SWEEP_MAX_MS)
                g->sweep_ms = GUARD_SWEEP_MAX_MS;
        pthread_mutex_init(&g->lock, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&g->wake, &ca);
        pthread_condattr_destroy(&ca);
        r = pthread_create(&g->thread, NULL, sweeper, g);
        if (r != 0) {
                http_guard_free(g);
                return -r;
        }
        g->thread_started = true;
        *ret = g;
        return 0;
}

void http_guard_free(http_guard *g) {
        if (!g)
                return;
        if (g->thread_started) {
                pthread_mutex_lock(&g->lock);
                g->stop = true;
                pthread_cond_signal(&g->wake);
                pthread_mutex_unlock(&g->lock);
                pthread_join(g->thread, NULL);
        }
        while (g->head) {
                http_guard_conn *c = g->head;

                g->head = c->next;
                free(c);
        }
        pthread_mutex_destroy(&g->lock);
        pthread_cond_destroy(&g->wake);
        free(g);
}

http_guard_conn *http_guard_add(http_guard *g, int fd) {
        http_guard_conn *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->fd = fd;
        c->started_ms = now_monotonic_ms();
        pthread_mutex_lock(&g->lock);
        c->next = g->head;
        if (g->head)
                g->head->prev = c;
        g->head = c;
        pthread_mutex_unlock(&g->lock);
        return c;
}

void http_guard_headers_done(http_guard *g, http_guard_conn *c) {
        if (!c)
                return;
        pthread_mutex_lock(&g->lock);
        c->headers_done = true;
        pthread_mutex_unlock(&g->lock);
}

void http_guard_request_done(http_guard *g, http_guard_conn *c) {
        if (!c)
                return;
        pthread_mutex_lock(&g->lock);
        c->headers_done = false;
        c->started_ms = now_monotonic_ms();
        pthread_mutex_unlock(&g->lock);
}

void http_guard_remove(http_guard *g, http_guard_conn *c) {
        if (!c)
                return;
        pthread_mutex_lock(&g->lock);
        if (c->prev)
                c->prev->next = c->next;
        else
                g->head = c->next;
        if (c->next)
                c->next->prev = c->prev;
        pthread_mutex_unlock(&g->lock);
        free(c);
}

uint64_t http_guard_reaped(http_guard *g) {
        uint64_t n;

        pthread_mutex_lock(&g->lock);
        n = g->reaped;
        pthread_mutex_unlock(&g->lock);
        return n;
}
