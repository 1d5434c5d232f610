/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The purge thread (acme-purge.h). It sleeps on a condition variable so
 * that stopping the server does not wait out an interval; a purge that
 * fails (database busy or full) is logged and tried again at the next
 * interval.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "acme-db.h"
#include "acme-purge.h"
#include "log.h"

struct acme_purger {
        store *st;
        uint64_t interval, keep;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool stop;
        pthread_t thread;
};

static void *purge_loop(void *userdata) {
        acme_purger *p = userdata;
        struct timespec until;
        bool stop;

        for (;;) {
                int64_t before = (int64_t) time(NULL) - (int64_t) p->keep;
                int r = acme_db_purge(p->st, before);

                if (r < 0)
                        log_warning_errno(r, "ACME: purging expired orders failed, will retry in %" PRIu64 " s: %m",
                                          p->interval);
                else if (r > 0)
                        log_info("ACME: purged %d expired order(s) with their authorizations and challenges.", r);

                clock_gettime(CLOCK_MONOTONIC, &until);
                until.tv_sec += (time_t) p->interval;
                pthread_mutex_lock(&p->lock);
                while (!p->stop && pthread_cond_timedwait(&p->cond, &p->lock, &until) == 0)
                        ;
                stop = p->stop;
                pthread_mutex_unlock(&p->lock);
                if (stop)
                        return NULL;
        }
}

int acme_purger_start(store *st, uint64_t interval, uint64_t keep, acme_purger **ret) {
        pthread_condattr_t attr;
        acme_purger *p;
        int r;

        if (!st || !ret)
                return -EINVAL;
        *ret = NULL;
        if (interval == 0)
                return 0;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        *p = (acme_purger) { .st = st, .interval = interval, .keep = keep };
        pthread_mutex_init(&p->lock, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&p->cond, &attr);
        pthread_condattr_destroy(&attr);
        r = -pthread_create(&p->thread, NULL, purge_loop, p);
        if (r < 0) {
                pthread_cond_destroy(&p->cond);
                pthread_mutex_destroy(&p->lock);
                free(p);
                return r;
        }
        *ret = p;
        return 0;
}

void acme_purger_stop(acme_purger *p) {
        if (!p)
                return;
        pthread_mutex_lock(&p->lock);
        p->stop = true;
        pthread_cond_signal(&p->cond);
        pthread_mutex_unlock(&p->lock);
        pthread_join(p->thread, NULL);
        pthread_cond_destroy(&p->cond);
        pthread_mutex_destroy(&p->lock);
        free(p);
}
