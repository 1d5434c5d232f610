/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state deviceid-fsd shares between its FUSE worker threads (ops.c)
 * and its notifier thread (notify.c, which reloads through reload.c): the
 * inode store, the lock around it, and who the notifier is (the only
 * caller allowed to change names and touch times). Set up in fsd.c.
 */
#pragma once

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdatomic.h>

#include "fsd/store.h"

/* The kernel may cache names and attributes this long: every change is
 * pushed to it explicitly, so the timeouts only bound a missed message. */
#define FSD_ENTRY_TIMEOUT (24.0 * 3600)
#define FSD_ATTR_TIMEOUT (24.0 * 3600)

typedef struct fsd_ctx {
        /* Workers take it shared (lookups bump nlookup atomically); the
         * notifier takes it exclusive only to swap in a new table, and
         * never while it waits for the kernel. */
        pthread_rwlock_t lock;
        fsd_fs fs;
        struct fuse_session *se;
        atomic_int notifier_tid; /* thread id whose setattr calls are the inotify touch */
} fsd_ctx;

int fsd_ctx_init(fsd_ctx *ctx);
void fsd_ctx_done(fsd_ctx *ctx);

/* The FUSE low-level operations of deviceid-fsd (ops.c); userdata is an
 * fsd_ctx. */
extern const struct fuse_lowlevel_ops fsd_ops;
