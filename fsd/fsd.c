/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state deviceid-fsd shares between its threads (contract in fsd.h):
 * setting it up and tearing it down.
 */
#include "fsd/fsd.h"

int fsd_ctx_init(fsd_ctx *ctx) {
        pthread_rwlockattr_t a;
        struct timespec now;
        int r;

        *ctx = (fsd_ctx) {};
        clock_gettime(CLOCK_REALTIME, &now);
        fsd_fs_init(&ctx->fs, now);
        pthread_rwlockattr_init(&a);
        /* A table swap must not starve behind a stream of readers. */
        pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
        r = pthread_rwlock_init(&ctx->lock, &a);
        pthread_rwlockattr_destroy(&a);
        return -r;
}

void fsd_ctx_done(fsd_ctx *ctx) {
        fsd_fs_done(&ctx->fs);
        pthread_rwlock_destroy(&ctx->lock);
}
