/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fixed pool of threads that run the CA's request handlers, so that the
 * few event-loop threads that read and write every connection never wait
 * on a database or a slow handler: a handler that blocks holds one worker,
 * and the others go on with the queue. Items are intrusive (an
 * http_work_item inside the caller's struct) and run in arrival order.
 */
#pragma once

#include <stddef.h>

#include "macro.h"

typedef struct http_work_item {
        struct http_work_item *next;
} http_work_item;

typedef struct http_workers http_workers;

/* Starts n threads (n > 0) with stacks of stack_size bytes (0: the
 * default) that call run(item, userdata) for each pushed item. */
int http_workers_new(unsigned n, size_t stack_size, void (*run)(http_work_item *item, void *userdata),
                     void *userdata, http_workers **ret);
/* Queues an item; -ESHUTDOWN once stopping (the caller runs it itself). */
int http_workers_push(http_workers *w, http_work_item *item);
/* Lets the threads finish every queued item, then joins them. Idempotent. */
void http_workers_stop(http_workers *w);
/* Stops (as above) and frees. */
void http_workers_free(http_workers *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(http_workers *, http_workers_free);
