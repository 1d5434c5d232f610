/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-workers.h: one FIFO under a mutex and a condition variable. The
 * queue needs no bound of its own: an item is a request on a connection
 * that waits for it, and the server caps its connections.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "http-workers.h"

struct http_workers {
        pthread_mutex_t lock;
        pthread_cond_t more;
        http_work_item *head, *tail;
        bool stopping;
        void (*run)(http_work_item *item, void *userdata);
        void *userdata;
        pthread_t *threads;
        unsigned n_threads;
};

static void *worker(void *userdata) {
        http_workers *w = userdata;

        pthread_mutex_lock(&w->lock);
        for (;;) {
                http_work_item *it = w->head;

                if (!it) {
                        if (w->stopping)
                                break;
                        pthread_cond_wait(&w->more, &w->lock);
                        continue;
                }
                w->head = it->next;
                if (!w->head)
                        w->tail = NULL;
                pthread_mutex_unlock(&w->lock);
                it->next = NULL;
                w->run(it, w->userdata);
                pthread_mutex_lock(&w->lock);
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

int http_workers_new(unsigned n, size_t stack_size, void (*run)(http_work_item *item, void *userdata),
                     void *userdata, http_workers **ret) {
        http_workers *w;
        pthread_attr_t attr;
        int r = 0;

        if (n == 0 || !run)
                return -EINVAL;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->threads = calloc(n, sizeof(*w->threads));
        if (!w->threads) {
                free(w);
                return -ENOMEM;
        }
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->more, NULL);
        w->run = run;
        w->userdata = userdata;
        pthread_attr_init(&attr);
        if (stack_size > 0)
                r = pthread_attr_setstacksize(&attr, stack_size);
        for (unsigned i = 0; r == 0 && i < n; i++) {
                r = pthread_create(&w->threads[i], &attr, worker, w);
                if (r == 0)
                        w->n_threads++;
        }
        pthread_attr_destroy(&attr);
        if (r != 0) {
                http_workers_free(w);
                return -r;
        }
        *ret = w;
        return 0;
}

int http_workers_push(http_workers *w, http_work_item *item) {
        pthread_mutex_lock(&w->lock);
        if (w->stopping) {
                pthread_mutex_unlock(&w->lock);
                return -ESHUTDOWN;
        }
        item->next = NULL;
        if (w->tail)
                w->tail->next = item;
        else
                w->head = item;
        w->tail = item;
        pthread_cond_signal(&w->more);
        pthread_mutex_unlock(&w->lock);
        return 0;
}

void http_workers_stop(http_workers *w) {
        unsigned n;

        pthread_mutex_lock(&w->lock);
        w->stopping = true;
        n = w->n_threads;
        w->n_threads = 0;
        pthread_cond_broadcast(&w->more);
        pthread_mutex_unlock(&w->lock);
        for (unsigned i = 0; i < n; i++)
                pthread_join(w->threads[i], NULL);
}

void http_workers_free(http_workers *w) {
        if (!w)
                return;
        http_workers_stop(w);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->more);
        free(w->threads);
        free(w);
}
