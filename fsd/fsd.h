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
        /* Open directory handles: the kernel holds numbers, not pointers,
         * so that a successor server (takeover.h) never takes a handle of
         * its predecessor's for one of its own. */
        pthread_mutex_t dirs_lock;
        struct fsd_dir_handle *dirs;
        size_t n_dirs;
        uint64_t dir_next; /* random high half per server, counter below */
} fsd_ctx;

int fsd_ctx_init(fsd_ctx *ctx);
void fsd_ctx_done(fsd_ctx *ctx);

/* Keeps d (a listing snapshot, owned from now on) under a handle: fh
 * (replacing and freeing the snapshot it held, if any), or if 0 a new
 * number. Returns the handle, 0 on OOM (d freed). */
uint64_t fsd_dir_handle_add(fsd_ctx *ctx, fsd_dir *d, uint64_t fh);
/* The snapshot behind fh, or NULL (a handle a predecessor gave out). */
fsd_dir *fsd_dir_handle_get(fsd_ctx *ctx, uint64_t fh);
/* Forgets fh and frees its snapshot (unknown handles: nothing). */
void fsd_dir_handle_remove(fsd_ctx *ctx, uint64_t fh);

/* The FUSE low-level operations of deviceid-fsd (ops.c); userdata is an
 * fsd_ctx. */
extern const struct fuse_lowlevel_ops fsd_ops;
