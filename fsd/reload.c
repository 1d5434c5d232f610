/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reload pipeline (contract in reload.h). Order of a reload that
 * changes something, chosen so that nobody who reacts to an event can
 * still see old bytes, and an open descriptor keeps its generation:
 *   1. read the keyring, build the new file list (pure);
 *   2. stage each new generation as an inode not yet reachable by its
 *      name (the old ones stay current and readable);
 *   3. for each changed name, keys first and status.json last
 *      (fsd_changes_order), make a real VFS call on the daemon's
 *      read-write view of the mount: a new name is mknodat(), a replaced
 *      one renameat() of the staged inode's temporary name over it, a
 *      removed one unlinkat(). The FUSE worker serving the call commits
 *      that one change to the table, and the kernel updates its caches
 *      and raises the inotify events a real filesystem raises
 *      (IN_CREATE, IN_MOVED_FROM/TO, IN_DELETE for the directory;
 *      IN_ATTRIB and IN_DELETE_SELF for the replaced or removed file).
 *      Should a call fail, the change is made in the table and the
 *      kernel told by invalidation and a touch.
 * The caller then answers whoever asked.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "fsd/reload.h"
#include "log.h"

static void entries_free(keyring_entry **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                keyring_entry_free(v[i]);
        free(v);
}

/* All current entries; a missing keyring is an empty one. */
static int read_keyring(keyring_entry ***ret, size_t *ret_n, char **ret_error) {
        _cleanup_(keyring_closep) keyring *k = NULL;
        _cleanup_(keyring_names_freep) char **names = NULL;
        keyring_entry **v = NULL;
        size_t n = 0, cap;
        int r;

        r = keyring_open(false, &k);
        if (r == -ENOKEY) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        if (r < 0) {
                if (asprintf(ret_error, "cannot open the keyring: %s", strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        r = keyring_list(k, &names);
        if (r < 0) {
                if (asprintf(ret_error, "cannot list keyring \"%s\": %s", keyring_get_name(k), strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        for (cap = 0; names[cap]; cap++)
                ;
        v = calloc(cap + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; names[i]; i++) {
                keyring_entry *e = NULL;

                /* A key revoked under us (a publish replaced it between
                 * list and get) is retried inside keyring_get. */
                r = keyring_get(k, names[i], &e);
                if (r == -ENOENT)
                        continue; /* removed or expired meanwhile */
                if (r < 0) {
                        if (asprintf(ret_error, "cannot read entry \"%s\": %s", names[i], strerror(-r)) < 0)
                                *ret_error = NULL;
                        entries_free(v, n);
                        return r;
                }
                v[n++] = e;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static void touch_at(int dirfd, const char *name, int flags) {
        int r = utimensat(dirfd, name, NULL, flags);

        if (r < 0 && errno == EINVAL && (flags & AT_EMPTY_PATH)) {
                /* Kernels before 5.8 lack AT_EMPTY_PATH here: go through
                 * the descriptor's /proc link instead. */
                char p[64];

                snprintf(p, sizeof(p), "/proc/self/fd/%d", dirfd);
                r = utimensat(AT_FDCWD, p, NULL, 0);
        }
        if (r < 0)
                log_debug_errno(errno, "Touching \"%s\" failed, ignoring: %m", *name ? name : ".");
}

/* One name change as a real VFS call on the read-write view, which a FUSE
 * worker serves by committing what was staged (ops.c): the kernel raises
 * the inotify events of a real filesystem. */
static int change_name(int rw_fd, const fsd_change *c) {
        char tmp[FSD_NAME_MAX + sizeof(FSD_STAGE_PREFIX FSD_STAGE_SUFFIX)];

        if (!c->old_ino)
                return mknodat(rw_fd, c->name, S_IFREG | 0400, 0) < 0 ? negative_errno() : 0;
        if (!c->new_ino)
                return unlinkat(rw_fd, c->name, 0) < 0 ? negative_errno() : 0;
        snprintf(tmp, sizeof(tmp), "%s%s%s", FSD_STAGE_PREFIX, c->name, FSD_STAGE_SUFFIX);
        return renameat(rw_fd, tmp, rw_fd, c->name) < 0 ? negative_errno() : 0;
}

/* When a VFS call failed: make the change in the table directly and tell
 * the kernel by invalidation (watchers of the old file get IN_DELETE_SELF)
 * plus a touch of the name and the directory (IN_ATTRIB); watchers waiting
 * for the name to appear see only the directory's IN_ATTRIB. */
static void change_fallback(fsd_ctx *ctx, int rw_fd, const fsd_change *c, struct timespec now) {
        size_t len = strlen(c->name);
        int r = -ENOENT;

        pthread_rwlock_wrlock(&ctx->lock);
        if (c->new_ino)
                (void) fsd_fs_commit(&ctx->fs, c->name, now, false, NULL);
        else
                (void) fsd_fs_unlink(&ctx->fs, c->name, now);
        pthread_rwlock_unlock(&ctx->lock);

        if (c->old_ino)
                r = fuse_lowlevel_notify_delete(ctx->se, FSD_ROOT_INO, c->old_ino, c->name, len);
        if (r < 0) {
                r = fuse_lowlevel_notify_inval_entry(ctx->se, FSD_ROOT_INO, c->name, len);
                if (r < 0 && r != -ENOENT)
                        log_debug_errno(r, "Invalidating \"%s\" failed, ignoring: %m", c->name);
        }
        (void) fuse_lowlevel_notify_inval_inode(ctx->se, FSD_ROOT_INO, 0, 0);
        if (c->new_ino)
                touch_at(rw_fd, c->name, AT_SYMLINK_NOFOLLOW);
        touch_at(rw_fd, "", AT_EMPTY_PATH);
}

int fsd_reload(fsd_ctx *ctx, const fsd_config *cfg, int rw_fd, bool notify, char **ret_error) {
        _cleanup_(fsd_specs_done) fsd_specs specs = {};
        _cleanup_free_ fsd_change *plan = NULL, *ch = NULL;
        _cleanup_free_ char *err = NULL;
        keyring_entry **entries = NULL;
        size_t n_entries = 0, n_plan = 0, n_ch = 0;
        struct timespec now;
        int r;

        r = read_keyring(&entries, &n_entries, &err);
        if (r < 0)
                goto fail;
        r = fsd_specs_build((const keyring_entry *const *) entries, n_entries, cfg, &specs);
        entries_free(entries, n_entries); /* erases the key copies */
        if (r < 0) {
                if (asprintf(&err, "cannot build the file list: %s", strerror(-r)) < 0)
                        err = NULL;
                goto fail;
        }

        clock_gettime(CLOCK_REALTIME, &now);
        if (!notify) {
                /* Not mounted yet: nobody to tell, swap the whole table. */
                pthread_rwlock_wrlock(&ctx->lock);
                r = fsd_fs_apply(&ctx->fs, &specs, now, &ch, &n_ch);
                pthread_rwlock_unlock(&ctx->lock);
                if (r < 0)
                        goto fail;
                return (int) n_ch;
        }

        pthread_rwlock_wrlock(&ctx->lock);
        r = fsd_fs_plan(&ctx->fs, &specs, &plan, &n_plan);
        for (size_t i = 0; r >= 0 && i < n_plan; i++)
                if (plan[i].new_ino) {
                        fsd_spec *sp = fsd_specs_find(&specs, plan[i].name);

                        r = sp ? fsd_fs_stage(&ctx->fs, sp, &plan[i].new_ino) : -EINVAL;
                }
        if (r < 0)
                fsd_fs_unstage_all(&ctx->fs);
        pthread_rwlock_unlock(&ctx->lock);
        if (r < 0)
                goto fail;
        if (n_plan == 0)
                return 0;
        fsd_changes_order(plan, n_plan);

        /* Never under the lock: a worker serves each call. */
        for (size_t i = 0; i < n_plan; i++) {
                log_debug("\"%s\": inode %llu -> %llu.", plan[i].name, (unsigned long long) plan[i].old_ino,
                          (unsigned long long) plan[i].new_ino);
                r = change_name(rw_fd, &plan[i]);
                if (r < 0) {
                        log_warning_errno(r, "Changing \"%s\" on the mount failed (%m), invalidating instead: "
                                             "watchers of the directory may miss it.", plan[i].name);
                        change_fallback(ctx, rw_fd, &plan[i], now);
                }
        }
        pthread_rwlock_wrlock(&ctx->lock);
        fsd_fs_unstage_all(&ctx->fs); /* nothing, unless a fallback failed too */
        pthread_rwlock_unlock(&ctx->lock);
        return (int) n_plan;

fail:
        if (ret_error) {
                if (!err && asprintf(&err, "%s", strerror(-r)) < 0)
                        err = NULL;
                *ret_error = TAKE_PTR(err);
        }
        return r;
}
