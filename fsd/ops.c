/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The FUSE low-level handlers of deviceid-fsd. Each one validates, asks a
 * pure function of the inode store (store.c) under the shared lock, and
 * replies exactly once. Reads are served by the kernel page cache after
 * the first one: opens are not even sent (no-open support), names and
 * attributes are cached for a day and invalidated explicitly by reload.c.
 * The name operations (mknod, rename, unlink) are the notifier thread's
 * own VFS calls (see reload.c): they make what it staged current; from
 * anyone else they are refused like every other write.
 */
#include <fcntl.h>
#include <sys/statvfs.h>

#include "fsd/fsd.h"
#include "log.h"

#define SETATTR_TIME_MASK                                                                             \
        (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW | \
         FUSE_SET_ATTR_CTIME)

static fsd_ctx *req_ctx(fuse_req_t req) {
        return fuse_req_userdata(req);
}

/* The daemon's notifier thread, as root: the only caller whose setattr
 * and name operations are taken. pid 0 is what a caller from outside the
 * daemon's pid namespace shows, and the thread id before it is known. */
static bool from_notifier(fuse_req_t req) {
        const struct fuse_ctx *who = fuse_req_ctx(req);

        return who->uid == 0 && who->pid > 0 && who->pid == atomic_load(&req_ctx(req)->notifier_tid);
}

static void rdlock(fsd_ctx *c) {
        pthread_rwlock_rdlock(&c->lock);
}

static void wrlock(fsd_ctx *c) {
        pthread_rwlock_wrlock(&c->lock);
}

static void unlock(fsd_ctx *c) {
        pthread_rwlock_unlock(&c->lock);
}

static void op_init(void *userdata, struct fuse_conn_info *conn) {
        (void) userdata;
        /* Bytes of an inode never change, so size/mtime changes must not
         * drop caches on their own; invalidation is explicit. */
        conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
        if (conn->capable & FUSE_CAP_READDIRPLUS)
                conn->want |= FUSE_CAP_READDIRPLUS;
        log_debug("FUSE connection up (protocol %u.%u).", conn->proto_major, conn->proto_minor);
}

static void fill_entry(struct fuse_entry_param *e, const struct stat *st) {
        *e = (struct fuse_entry_param) {
                .ino = st->st_ino,
                .attr = *st,
                .attr_timeout = FSD_ATTR_TIMEOUT,
                .entry_timeout = FSD_ENTRY_TIMEOUT,
        };
}

/* The notifier's lookup of a temporary name: the staged generation, with
 * a zero entry timeout (the dentry is renamed to the real name at once;
 * a failed rename must not leave it cached). Anyone else: ENOENT, not
 * cached either. */
static void lookup_staged(fuse_req_t req, fuse_ino_t parent, const char *final, size_t len) {
        fsd_ctx *c = req_ctx(req);
        char name[FSD_NAME_MAX + 1];
        struct fuse_entry_param e;
        struct stat st;
        fsd_node *n;

        if (parent != FSD_ROOT_INO || !from_notifier(req)) {
                fuse_reply_err(req, ENOENT);
                return;
        }
        memcpy(name, final, len);
        name[len] = '\0';
        wrlock(c);
        n = fsd_fs_find_staged(&c->fs, name);
        if (n) {
                n->nlookup++;
                (void) fsd_fs_stat(&c->fs, n->ino, &st);
        }
        unlock(c);
        if (!n) {
                fuse_reply_err(req, ENOENT);
                return;
        }
        fill_entry(&e, &st);
        e.entry_timeout = 0;
        if (fuse_reply_entry(req, &e) < 0) {
                wrlock(c);
                fsd_fs_forget(&c->fs, st.st_ino, 1);
                unlock(c);
        }
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
        fsd_ctx *c = req_ctx(req);
        struct fuse_entry_param e;
        const char *final;
        struct stat st;
        size_t len;
        int r;

        final = fsd_stage_name(name, &len);
        if (final) {
                lookup_staged(req, parent, final, len);
                return;
        }
        rdlock(c);
        r = fsd_fs_lookup(&c->fs, parent, name, &st);
        unlock(c);
        if (r == -ENOENT) {
                /* A cached negative entry: names appear only through
                 * reload.c, whose VFS calls (or, should one fail,
                 * invalidations) update the kernel's cache. */
                e = (struct fuse_entry_param) { .ino = 0, .entry_timeout = FSD_ENTRY_TIMEOUT };
                fuse_reply_entry(req, &e);
                return;
        }
        if (r < 0) {
                fuse_reply_err(req, -r);
                return;
        }
        fill_entry(&e, &st);
        if (fuse_reply_entry(req, &e) < 0) {
                /* The kernel did not take the reference. */
                wrlock(c);
                fsd_fs_forget(&c->fs, st.st_ino, 1);
                unlock(c);
        }
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
        fsd_ctx *c = req_ctx(req);

        wrlock(c);
        fsd_fs_forget(&c->fs, ino, nlookup);
        unlock(c);
        fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets) {
        fsd_ctx *c = req_ctx(req);

        wrlock(c);
        for (size_t i = 0; i < count; i++)
                fsd_fs_forget(&c->fs, forgets[i].ino, forgets[i].nlookup);
        unlock(c);
        fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
        fsd_ctx *c = req_ctx(req);
        struct stat st;
        int r;

        (void) fi;
        rdlock(c);
        r = fsd_fs_stat(&c->fs, ino, &st);
        unlock(c);
        if (r < 0)
                fuse_reply_err(req, -r);
        else
                fuse_reply_attr(req, &st, FSD_ATTR_TIMEOUT);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi) {
        fsd_ctx *c = req_ctx(req);
        struct stat st;
        int r;

        (void) attr;
        (void) fi;
        r = fsd_setattr_policy(from_notifier(req), to_set, SETATTR_TIME_MASK);
        if (r >= 0) {
                /* The touch raises the inotify event; the times we serve
                 * stay those of the generation. */
                rdlock(c);
                r = fsd_fs_stat(&c->fs, ino, &st);
                unlock(c);
        }
        if (r < 0)
                fuse_reply_err(req, -r);
        else
                fuse_reply_attr(req, &st, FSD_ATTR_TIMEOUT);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
        (void) ino;
        /* ENOSYS tells the kernel to stop sending opens (no-open support):
         * no round trip per open. */
        fuse_reply_err(req, -fsd_open_policy(fi->flags));
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
        fsd_ctx *c = req_ctx(req);
        const char *p;
        size_t n;
        int r;

        (void) fi;
        if (off < 0) {
                fuse_reply_err(req, EINVAL);
                return;
        }
        rdlock(c);
        r = fsd_fs_read(&c->fs, ino, (uint64_t) off, size, &p, &n);
        if (r < 0)
                fuse_reply_err(req, -r);
        else
                fuse_reply_buf(req, p, n); /* copies before we unlock */
        unlock(c);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
        fsd_ctx *c = req_ctx(req);
        fsd_dir *d = NULL;
        int r;

        rdlock(c);
        r = fsd_fs_opendir(&c->fs, ino, &d);
        unlock(c);
        if (r < 0) {
                fuse_reply_err(req, -r);
                return;
        }
        fi->fh = fsd_dir_handle_add(c, d, 0);
        if (fi->fh == 0) {
                fuse_reply_err(req, ENOMEM);
                return;
        }
        fi->cache_readdir = 1;
        fi->keep_cache = 1;
        if (fuse_reply_open(req, fi) < 0)
                fsd_dir_handle_remove(c, fi->fh);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
        (void) ino;
        fsd_dir_handle_remove(req_ctx(req), fi->fh);
        fuse_reply_err(req, 0);
}

/* The snapshot a READDIR lists from. At offset 0 (a listing starts, or
 * starts again after rewinddir) one taken now replaces the handle's: the
 * kernel stamps its readdir cache with the directory's version when the
 * listing starts, after the opendir, and a snapshot from the opendir
 * would fill that cache with names older than its stamp, a stale listing
 * kept until the next change. Further on, the handle's snapshot; for a
 * handle a predecessor gave out (before a takeover), one taken now, kept
 * under that handle. */
static const fsd_dir *dir_of(fsd_ctx *c, fuse_ino_t ino, uint64_t fh, bool start) {
        fsd_dir *d = NULL;
        int r;

        if (fh == 0)
                return NULL;
        if (!start) {
                d = fsd_dir_handle_get(c, fh);
                if (d)
                        return d;
        }
        rdlock(c);
        r = fsd_fs_opendir(&c->fs, ino, &d);
        unlock(c);
        if (r < 0 || fsd_dir_handle_add(c, d, fh) == 0)
                return NULL;
        return d;
}

/* Encodes the entries fsd_fs_readdir() hands out into one reply buffer. */
typedef struct dir_reply {
        fuse_req_t req;
        bool plus;
        char *buf;
        size_t size;
        size_t pos;
} dir_reply;

static bool dir_reply_add(const fsd_dir_item *it, void *userdata) {
        dir_reply *r = userdata;
        size_t need;

        if (r->plus) {
                struct fuse_entry_param e = { .attr = it->st }; /* ino 0: no reference, for "." and ".." */

                if (it->counted)
                        fill_entry(&e, &it->st);
                need = fuse_add_direntry_plus(r->req, r->buf + r->pos, r->size - r->pos, it->name, &e,
                                              (off_t) it->next_off);
        } else
                need = fuse_add_direntry(r->req, r->buf + r->pos, r->size - r->pos, it->name, &it->st,
                                         (off_t) it->next_off);
        if (need > r->size - r->pos)
                return false;
        r->pos += need;
        return true;
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi,
                       bool plus) {
        fsd_ctx *c = req_ctx(req);
        const fsd_dir *d = dir_of(c, ino, fi->fh, off == 0);
        _cleanup_free_ char *buf = NULL;
        dir_reply r;

        if (off < 0 || !d) {
                fuse_reply_err(req, EINVAL);
                return;
        }
        buf = malloc(size ? size : 1);
        if (!buf) {
                fuse_reply_err(req, ENOMEM);
                return;
        }
        r = (dir_reply) { .req = req, .plus = plus, .buf = buf, .size = size };
        rdlock(c);
        (void) fsd_fs_readdir(&c->fs, d, (uint64_t) off, plus, dir_reply_add, &r);
        fuse_reply_buf(req, buf, r.pos);
        unlock(c);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
        do_readdir(req, ino, size, off, fi, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
        do_readdir(req, ino, size, off, fi, true);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino) {
        fsd_ctx *c = req_ctx(req);
        struct statvfs sv = {
                .f_bsize = FSD_BLKSIZE,
                .f_frsize = FSD_BLKSIZE,
                .f_namemax = FSD_NAME_MAX,
                .f_flag = ST_RDONLY | ST_NOSUID | ST_NODEV,
        };

        (void) ino;
        rdlock(c);
        sv.f_files = c->fs.n_nodes + 1;
        unlock(c);
        fuse_reply_statfs(req, &sv);
}

/* Everything below would change the filesystem: read-only. */
static void reply_erofs(fuse_req_t req) {
        fuse_reply_err(req, EROFS);
}

/* The notifier creates a name it staged: IN_CREATE for the directory. */
static void op_mknod(fuse_req_t req, fuse_ino_t p, const char *n, mode_t m, dev_t d) {
        fsd_ctx *c = req_ctx(req);
        struct fuse_entry_param e;
        struct timespec now;
        struct stat st;
        int r;

        (void) d;
        if (p != FSD_ROOT_INO || !S_ISREG(m) || !from_notifier(req)) {
                reply_erofs(req);
                return;
        }
        clock_gettime(CLOCK_REALTIME, &now);
        wrlock(c);
        r = fsd_fs_commit(&c->fs, n, now, true, &st);
        unlock(c);
        if (r < 0) {
                fuse_reply_err(req, -r);
                return;
        }
        fill_entry(&e, &st);
        if (fuse_reply_entry(req, &e) < 0) {
                wrlock(c);
                fsd_fs_forget(&c->fs, st.st_ino, 1);
                unlock(c);
        }
}

static void op_mkdir(fuse_req_t req, fuse_ino_t p, const char *n, mode_t m) {
        (void) p, (void) n, (void) m;
        reply_erofs(req);
}

/* The notifier withdraws a name: IN_DELETE for the directory, and for the
 * file's watchers IN_ATTRIB (link count) and IN_DELETE_SELF. */
static void op_unlink(fuse_req_t req, fuse_ino_t p, const char *n) {
        fsd_ctx *c = req_ctx(req);
        struct timespec now;
        int r;

        if (p != FSD_ROOT_INO || !from_notifier(req)) {
                reply_erofs(req);
                return;
        }
        clock_gettime(CLOCK_REALTIME, &now);
        wrlock(c);
        r = fsd_fs_unlink(&c->fs, n, now);
        unlock(c);
        fuse_reply_err(req, -r);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t p, const char *n) {
        (void) p, (void) n;
        reply_erofs(req);
}

static void op_symlink(fuse_req_t req, const char *l, fuse_ino_t p, const char *n) {
        (void) l, (void) p, (void) n;
        reply_erofs(req);
}

/* The notifier moves a staged generation over its name, as a careful
 * writer replaces a file: IN_MOVED_FROM/IN_MOVED_TO for the directory,
 * IN_ATTRIB and IN_DELETE_SELF for watchers of the old file. */
static void op_rename(fuse_req_t req, fuse_ino_t p, const char *n, fuse_ino_t np, const char *nn, unsigned f) {
        fsd_ctx *c = req_ctx(req);
        struct timespec now;
        const char *final;
        size_t len;
        int r;

        final = fsd_stage_name(n, &len);
        if (p != FSD_ROOT_INO || np != FSD_ROOT_INO || f != 0 || !final || strlen(nn) != len ||
            memcmp(final, nn, len) != 0 || !from_notifier(req)) {
                reply_erofs(req);
                return;
        }
        clock_gettime(CLOCK_REALTIME, &now);
        wrlock(c);
        r = fsd_fs_commit(&c->fs, nn, now, false, NULL);
        unlock(c);
        fuse_reply_err(req, -r);
}

static void op_link(fuse_req_t req, fuse_ino_t i, fuse_ino_t np, const char *nn) {
        (void) i, (void) np, (void) nn;
        reply_erofs(req);
}

static void op_write(fuse_req_t req, fuse_ino_t i, const char *b, size_t s, off_t o, struct fuse_file_info *fi) {
        (void) i, (void) b, (void) s, (void) o, (void) fi;
        reply_erofs(req);
}

static void op_setxattr(fuse_req_t req, fuse_ino_t i, const char *n, const char *v, size_t s, int f) {
        (void) i, (void) n, (void) v, (void) s, (void) f;
        reply_erofs(req);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t i, const char *n) {
        (void) i, (void) n;
        reply_erofs(req);
}

static void op_create(fuse_req_t req, fuse_ino_t p, const char *n, mode_t m, struct fuse_file_info *fi) {
        (void) p, (void) n, (void) m, (void) fi;
        reply_erofs(req);
}

static void op_fallocate(fuse_req_t req, fuse_ino_t i, int m, off_t o, off_t l, struct fuse_file_info *fi) {
        (void) i, (void) m, (void) o, (void) l, (void) fi;
        reply_erofs(req);
}

static void op_copy_file_range(fuse_req_t req, fuse_ino_t a, off_t ao, struct fuse_file_info *af, fuse_ino_t b,
                               off_t bo, struct fuse_file_info *bf, size_t len, int flags) {
        (void) a, (void) ao, (void) af, (void) b, (void) bo, (void) bf, (void) len, (void) flags;
        reply_erofs(req);
}

const struct fuse_lowlevel_ops fsd_ops = {
        .init = op_init,
        .lookup = op_lookup,
        .forget = op_forget,
        .forget_multi = op_forget_multi,
        .getattr = op_getattr,
        .setattr = op_setattr,
        .open = op_open,
        .read = op_read,
        .opendir = op_opendir,
        .readdir = op_readdir,
        .readdirplus = op_readdirplus,
        .releasedir = op_releasedir,
        .statfs = op_statfs,
        .mknod = op_mknod,
        .mkdir = op_mkdir,
        .unlink = op_unlink,
        .rmdir = op_rmdir,
        .symlink = op_symlink,
        .rename = op_rename,
        .link = op_link,
        .write = op_write,
        .setxattr = op_setxattr,
        .removexattr = op_removexattr,
        .create = op_create,
        .fallocate = op_fallocate,
        .copy_file_range = op_copy_file_range,
};
