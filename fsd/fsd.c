/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state deviceid-fsd shares between its threads (contract in fsd.h):
 * setting it up and tearing it down.
 */
#include <sys/random.h>

#include "fsd/fsd.h"

typedef struct fsd_dir_handle {
        uint64_t fh;
        fsd_dir *d;
} fsd_dir_handle;

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
        if (r != 0)
                return -r;
        pthread_mutex_init(&ctx->dirs_lock, NULL);
        if (getrandom(&ctx->dir_next, sizeof(ctx->dir_next), 0) != (ssize_t) sizeof(ctx->dir_next))
                ctx->dir_next = (uint64_t) now.tv_nsec * UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t) getpid();
        ctx->dir_next &= ~(uint64_t) UINT32_MAX;
        return 0;
}

void fsd_ctx_done(fsd_ctx *ctx) {
        for (size_t i = 0; i < ctx->n_dirs; i++)
                free(ctx->dirs[i].d);
        free(ctx->dirs);
        pthread_mutex_destroy(&ctx->dirs_lock);
        fsd_fs_done(&ctx->fs);
        pthread_rwlock_destroy(&ctx->lock);
}

uint64_t fsd_dir_handle_add(fsd_ctx *ctx, fsd_dir *d, uint64_t fh) {
        fsd_dir_handle *v;
        fsd_dir *old = NULL;

        pthread_mutex_lock(&ctx->dirs_lock);
        for (size_t i = 0; fh != 0 && i < ctx->n_dirs; i++)
                if (ctx->dirs[i].fh == fh) {
                        old = ctx->dirs[i].d;
                        ctx->dirs[i].d = d;
                        pthread_mutex_unlock(&ctx->dirs_lock);
                        free(old);
                        return fh;
                }
        v = realloc(ctx->dirs, (ctx->n_dirs + 1) * sizeof(*v));
        if (!v) {
                pthread_mutex_unlock(&ctx->dirs_lock);
                free(d);
                return 0;
        }
        if (fh == 0)
                do
                        fh = ++ctx->dir_next;
                while (fh == 0);
        ctx->dirs = v;
        ctx->dirs[ctx->n_dirs++] = (fsd_dir_handle) { .fh = fh, .d = d };
        pthread_mutex_unlock(&ctx->dirs_lock);
        return fh;
}

fsd_dir *fsd_dir_handle_get(fsd_ctx *ctx, uint64_t fh) {
        fsd_dir *d = NULL;

        pthread_mutex_lock(&ctx->dirs_lock);
        for (size_t i = 0; i < ctx->n_dirs && !d; i++)
                if (ctx->dirs[i].fh == fh)
                        d = ctx->dirs[i].d;
        pthread_mutex_unlock(&ctx->dirs_lock);
        return d;
}

void fsd_dir_handle_remove(fsd_ctx *ctx, uint64_t fh) {
        fsd_dir *d = NULL;

        pthread_mutex_lock(&ctx->dirs_lock);
        for (size_t i = 0; i < ctx->n_dirs; i++)
                if (ctx->dirs[i].fh == fh) {
                        d = ctx->dirs[i].d;
                        ctx->dirs[i] = ctx->dirs[--ctx->n_dirs];
                        break;
                }
        pthread_mutex_unlock(&ctx->dirs_lock);
        free(d);
}
