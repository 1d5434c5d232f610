/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The inode store of deviceid-fsd (contract in store.h). Everything here
 * is a function of its arguments: no I/O, no clock, no locks, so the unit
 * tests drive it with fixed tables.
 */
#include <fcntl.h>

#include "fsd/store.h"

void fsd_fs_init(fsd_fs *fs, struct timespec now) {
        *fs = (fsd_fs) {
                .root_mtime = now,
        };
}

#define INO_MASK (UINT64_MAX >> 1)

uint64_t fsd_spec_ino(const fsd_spec *spec) {
        uint64_t attr[4] = { spec->stamp, spec->mode, spec->uid, spec->gid };
        uint64_t h = fsd_hash64(spec->name, strlen(spec->name), 0);

        h = fsd_hash64(attr, sizeof(attr), h) & INO_MASK;
        return h <= FSD_ROOT_INO ? h + FSD_ROOT_INO + 1 : h;
}

void fsd_fs_adopt(fsd_fs *fs) {
        for (size_t i = 0; i < fs->n_nodes; i++)
                fs->nodes[i]->adopted = true;
}

static void node_free(fsd_node *n) {
        if (!n)
                return;
        fsd_blob_free(n->blob);
        free(n);
}

void fsd_fs_done(fsd_fs *fs) {
        for (size_t i = 0; i < fs->n_nodes; i++)
                node_free(fs->nodes[i]);
        free(fs->nodes);
        free(fs->current);
        *fs = (fsd_fs) {};
}

static int node_name_cmp(const void *key, const void *elem) {
        return strcmp(key, (*(fsd_node *const *) elem)->name);
}

static int node_ino_cmp(const void *key, const void *elem) {
        uint64_t a = *(const uint64_t *) key, b = (*(fsd_node *const *) elem)->ino;

        return a < b ? -1 : a > b;
}

fsd_node *fsd_fs_find_name(const fsd_fs *fs, const char *name) {
        fsd_node **p;

        if (fs->n_current == 0)
                return NULL;
        p = bsearch(name, fs->current, fs->n_current, sizeof(*fs->current), node_name_cmp);
        return p ? *p : NULL;
}

fsd_node *fsd_fs_find_ino(const fsd_fs *fs, uint64_t ino) {
        fsd_node **p;

        if (fs->n_nodes == 0)
                return NULL;
        p = bsearch(&ino, fs->nodes, fs->n_nodes, sizeof(*fs->nodes), node_ino_cmp);
        return p ? *p : NULL;
}

/* A new generation of spec's file as inode ino, taking spec's blob; not
 * yet current nor staged. */
static void node_init(fsd_node *n, uint64_t ino, fsd_spec *spec) {
        *n = (fsd_node) {
                .ino = ino,
                .stamp = spec->stamp,
                .blob = TAKE_PTR(spec->blob),
                .mode = spec->mode,
                .uid = spec->uid,
                .gid = spec->gid,
                .mtime = spec->mtime,
        };
        strcpy(n->name, spec->name);
}

static bool node_matches(const fsd_node *n, const fsd_spec *s) {
        return n->stamp == s->stamp && n->mode == s->mode && n->uid == s->uid && n->gid == s->gid &&
               n->blob->len == s->blob->len &&
               n->mtime.tv_sec == s->mtime.tv_sec && memcmp(n->blob->data, s->blob->data, s->blob->len) == 0;
}

static bool ino_taken(const fsd_fs *fs, fsd_node *const *fresh, size_t n_fresh, uint64_t ino) {
        if (ino <= FSD_ROOT_INO || fsd_fs_find_ino(fs, ino))
                return true;
        for (size_t k = 0; k < n_fresh; k++)
                if (fresh[k]->ino == ino)
                        return true;
        return false;
}

/* spec's number, or the next free one after it (see fsd_spec_ino). */
static uint64_t pick_ino(const fsd_fs *fs, fsd_node *const *fresh, size_t n_fresh, const fsd_spec *spec) {
        uint64_t ino = fsd_spec_ino(spec);

        while (ino_taken(fs, fresh, n_fresh, ino))
                ino = (ino + 1) & INO_MASK;
        return ino;
}

static int node_ptr_ino_cmp(const void *a, const void *b) {
        uint64_t x = (*(fsd_node *const *) a)->ino, y = (*(fsd_node *const *) b)->ino;

        return x < y ? -1 : x > y;
}

/* Merge walk of the current names against specs (both sorted). Calls
 * back for every name with the old node (or NULL) and the spec (or NULL). */
#define MERGE_WALK(fs, specs, OLD, SPEC, ...)                                                   \
        for (size_t _i = 0, _j = 0; _i < (fs)->n_current || _j < (specs)->n;) {                   \
                fsd_node *OLD = NULL;                                                             \
                fsd_spec *SPEC = NULL;                                                            \
                int _c = _i >= (fs)->n_current ? 1                                                \
                         : _j >= (specs)->n    ? -1                                               \
                                               : strcmp((fs)->current[_i]->name, (specs)->v[_j].name); \
                if (_c <= 0)                                                                      \
                        OLD = (fs)->current[_i++];                                                \
                if (_c >= 0)                                                                      \
                        SPEC = &(specs)->v[_j++];                                                 \
                __VA_ARGS__                                                                       \
        }

int fsd_fs_plan(const fsd_fs *fs, const fsd_specs *specs, fsd_change **ret, size_t *ret_n) {
        _cleanup_free_ fsd_change *ch = NULL;
        size_t n = 0;

        ch = calloc(fs->n_current + specs->n + 1, sizeof(*ch));
        if (!ch)
                return -ENOMEM;
        MERGE_WALK(fs, specs, old, sp, {
                if (old && sp && node_matches(old, sp))
                        continue;
                fsd_change *c = &ch[n++];
                strcpy(c->name, old ? old->name : sp->name);
                c->old_ino = old ? old->ino : 0;
                c->new_ino = sp ? pick_ino(fs, NULL, 0, sp) : 0;
        });
        if (n == 0) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        *ret = TAKE_PTR(ch);
        *ret_n = n;
        return 0;
}

int fsd_fs_apply(fsd_fs *fs, fsd_specs *specs, struct timespec now, fsd_change **ret, size_t *ret_n) {
        _cleanup_free_ fsd_change *ch = NULL;
        _cleanup_free_ fsd_node **cur = NULL, **all = NULL, **fresh = NULL;
        size_t n_ch = 0, n_cur = 0, n_fresh = 0, n_all = 0;
        int r;

        r = fsd_fs_plan(fs, specs, &ch, &n_ch);
        if (r < 0)
                return r;
        if (n_ch == 0) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }

        /* Allocate everything first, so that failing leaves fs untouched. */
        cur = calloc(specs->n + 1, sizeof(*cur));
        fresh = calloc(specs->n + 1, sizeof(*fresh));
        all = calloc(fs->n_nodes + specs->n + 1, sizeof(*all));
        if (!cur || !fresh || !all)
                return -ENOMEM;
        for (size_t j = 0; j < specs->n; j++) {
                fsd_node *old = fsd_fs_find_name(fs, specs->v[j].name);

                if (old && node_matches(old, &specs->v[j]))
                        continue;
                fresh[n_fresh] = calloc(1, sizeof(fsd_node));
                if (!fresh[n_fresh]) {
                        for (size_t k = 0; k < n_fresh; k++)
                                free(fresh[k]);
                        return -ENOMEM;
                }
                n_fresh++;
        }

        /* Commit. */
        n_fresh = 0;
        MERGE_WALK(fs, specs, old, sp, {
                if (old && sp && node_matches(old, sp)) {
                        cur[n_cur++] = old;
                        continue;
                }
                if (old)
                        old->current = false;
                if (sp) {
                        fsd_node *nn = fresh[n_fresh];

                        node_init(nn, pick_ino(fs, fresh, n_fresh, sp), sp);
                        n_fresh++;
                        nn->current = true;
                        cur[n_cur++] = nn;
                }
        });
        /* Retired nodes nobody references go now; live nodes stay sorted
         * by ino. */
        for (size_t i = 0; i < fs->n_nodes; i++) {
                fsd_node *x = fs->nodes[i];

                if (!x->current && !x->staged && x->nlookup == 0 && !x->adopted)
                        node_free(x);
                else
                        all[n_all++] = x;
        }
        for (size_t k = 0; k < n_fresh; k++)
                all[n_all++] = fresh[k];
        qsort(all, n_all, sizeof(*all), node_ptr_ino_cmp);

        free(fs->nodes);
        free(fs->current);
        fs->nodes = TAKE_PTR(all);
        fs->n_nodes = n_all;
        fs->current = TAKE_PTR(cur);
        fs->n_current = n_cur;
        fs->root_mtime = now;
        *ret = TAKE_PTR(ch);
        *ret_n = n_ch;
        return 0;
}

/* Keys and bundles rank 0, certificates 1, status.json 2. */
static int change_rank(const char *name) {
        size_t n = strlen(name);

        if (streq(name, FSD_STATUS_NAME))
                return 2;
        if ((n > 8 && streq(name + n - 8, ".key.pem")) || (n > 11 && streq(name + n - 11, ".bundle.pem")))
                return 0;
        return 1;
}

static int change_cmp(const void *a, const void *b) {
        const fsd_change *x = a, *y = b;
        int rx = change_rank(x->name), ry = change_rank(y->name);

        return rx != ry ? rx - ry : strcmp(x->name, y->name);
}

void fsd_changes_order(fsd_change *v, size_t n) {
        if (n > 0)
                qsort(v, n, sizeof(*v), change_cmp);
}

static void stat_fill(const fsd_node *n, struct stat *st) {
        *st = (struct stat) {
                .st_ino = n->ino,
                .st_mode = S_IFREG | n->mode,
                .st_nlink = n->current || n->staged ? 1 : 0,
                .st_uid = n->uid,
                .st_gid = n->gid,
                .st_size = (off_t) n->blob->len,
                .st_blksize = FSD_BLKSIZE,
                .st_blocks = (blkcnt_t) ((n->blob->len + 511) / 512),
                .st_atim = n->mtime,
                .st_mtim = n->mtime,
                .st_ctim = n->mtime,
        };
}

/* Removes x from the ino-sorted array of live nodes (not freed). */
static void nodes_remove(fsd_fs *fs, const fsd_node *x) {
        for (size_t i = 0; i < fs->n_nodes; i++)
                if (fs->nodes[i] == x) {
                        memmove(fs->nodes + i, fs->nodes + i + 1, (fs->n_nodes - i - 1) * sizeof(*fs->nodes));
                        fs->n_nodes--;
                        return;
                }
}

/* No longer reachable by name: kept while the kernel references it. */
static void node_retire(fsd_fs *fs, fsd_node *x) {
        x->current = x->staged = false;
        if (x->nlookup > 0 || x->adopted)
                return;
        nodes_remove(fs, x);
        node_free(x);
}

/* Index of name in the name-sorted current array, or where it would go;
 * true if it is there. */
static bool current_index(const fsd_fs *fs, const char *name, size_t *ret) {
        size_t lo = 0, hi = fs->n_current;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(fs->current[mid]->name, name);

                if (c == 0) {
                        *ret = mid;
                        return true;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *ret = lo;
        return false;
}

int fsd_fs_stage(fsd_fs *fs, fsd_spec *spec, uint64_t *ret_ino) {
        fsd_node **v, *n;
        uint64_t ino;

        if (fsd_fs_find_staged(fs, spec->name))
                return -EEXIST;
        ino = pick_ino(fs, NULL, 0, spec);
        n = calloc(1, sizeof(*n));
        v = realloc(fs->nodes, (fs->n_nodes + 1) * sizeof(*v));
        if (!n || !v) {
                free(n);
                if (v)
                        fs->nodes = v;
                return -ENOMEM;
        }
        node_init(n, ino, spec);
        n->staged = true;
        fs->nodes = v;
        fs->nodes[fs->n_nodes++] = n;
        qsort(fs->nodes, fs->n_nodes, sizeof(*fs->nodes), node_ptr_ino_cmp);
        if (ret_ino)
                *ret_ino = n->ino;
        return 0;
}

fsd_node *fsd_fs_find_staged(const fsd_fs *fs, const char *name) {
        /* Staged nodes are the newest, at the end. */
        for (size_t i = fs->n_nodes; i > 0; i--)
                if (fs->nodes[i - 1]->staged && streq(fs->nodes[i - 1]->name, name))
                        return fs->nodes[i - 1];
        return NULL;
}

const char *fsd_stage_name(const char *tmp, size_t *ret_len) {
        size_t lp = strlen(FSD_STAGE_PREFIX), ls = strlen(FSD_STAGE_SUFFIX), n = strnlen(tmp, FSD_NAME_MAX + 64);

        if (n <= lp + ls || n - lp - ls > FSD_NAME_MAX || strncmp(tmp, FSD_STAGE_PREFIX, lp) != 0 ||
            strcmp(tmp + n - ls, FSD_STAGE_SUFFIX) != 0)
                return NULL;
        *ret_len = n - lp - ls;
        return tmp + lp;
}

int fsd_fs_commit(fsd_fs *fs, const char *name, struct timespec now, bool take_ref, struct stat *ret) {
        fsd_node *n = fsd_fs_find_staged(fs, name), *old = NULL;
        size_t i;

        if (!n)
                return -ENOENT;
        if (current_index(fs, name, &i)) {
                old = fs->current[i];
                fs->current[i] = n;
        } else {
                fsd_node **v = realloc(fs->current, (fs->n_current + 1) * sizeof(*v));

                if (!v)
                        return -ENOMEM;
                fs->current = v;
                memmove(fs->current + i + 1, fs->current + i, (fs->n_current - i) * sizeof(*v));
                fs->current[i] = n;
                fs->n_current++;
        }
        n->staged = false;
        n->current = true;
        if (take_ref)
                n->nlookup++;
        if (old)
                node_retire(fs, old);
        fs->root_mtime = now;
        if (ret)
                stat_fill(n, ret);
        return 0;
}

int fsd_fs_unlink(fsd_fs *fs, const char *name, struct timespec now) {
        fsd_node *old;
        size_t i;

        if (!current_index(fs, name, &i))
                return -ENOENT;
        old = fs->current[i];
        memmove(fs->current + i, fs->current + i + 1, (fs->n_current - i - 1) * sizeof(*fs->current));
        fs->n_current--;
        node_retire(fs, old);
        fs->root_mtime = now;
        return 0;
}

void fsd_fs_unstage_all(fsd_fs *fs) {
        /* Backwards: node_retire() may remove the node at i - 1. */
        for (size_t i = fs->n_nodes; i > 0; i--)
                if (fs->nodes[i - 1]->staged)
                        node_retire(fs, fs->nodes[i - 1]);
}

int fsd_fs_stat(const fsd_fs *fs, uint64_t ino, struct stat *ret) {
        const fsd_node *n;

        if (ino == FSD_ROOT_INO) {
                *ret = (struct stat) {
                        .st_ino = FSD_ROOT_INO,
                        .st_mode = S_IFDIR | 0755,
                        .st_nlink = 2,
                        .st_size = (off_t) fs->n_current,
                        .st_blksize = FSD_BLKSIZE,
                        .st_atim = fs->root_mtime,
                        .st_mtim = fs->root_mtime,
                        .st_ctim = fs->root_mtime,
                };
                return 0;
        }
        n = fsd_fs_find_ino(fs, ino);
        if (!n)
                return -ENOENT;
        stat_fill(n, ret);
        return 0;
}

int fsd_fs_lookup(fsd_fs *fs, uint64_t parent, const char *name, struct stat *ret) {
        fsd_node *n;

        if (parent != FSD_ROOT_INO)
                return fsd_fs_find_ino(fs, parent) ? -ENOTDIR : -ENOENT;
        if (strlen(name) > FSD_NAME_MAX)
                return -ENAMETOOLONG;
        n = fsd_fs_find_name(fs, name);
        if (!n)
                return -ENOENT;
        /* Callers may look up concurrently under a shared lock. */
        __atomic_add_fetch(&n->nlookup, 1, __ATOMIC_RELAXED);
        stat_fill(n, ret);
        return 0;
}

void fsd_fs_forget(fsd_fs *fs, uint64_t ino, uint64_t n) {
        fsd_node *x = fsd_fs_find_ino(fs, ino);

        if (!x)
                return;
        if (x->adopted) {
                /* The kernel evicted what it held since before the takeover. */
                x->adopted = false;
                x->nlookup = 0;
        } else
                x->nlookup = n >= x->nlookup ? 0 : x->nlookup - n;
        if (x->nlookup > 0 || x->current || x->staged)
                return;
        /* Retired and unreferenced. */
        nodes_remove(fs, x);
        node_free(x);
}

int fsd_fs_read(const fsd_fs *fs, uint64_t ino, uint64_t off, size_t size, const char **ret, size_t *ret_len) {
        const fsd_node *n;

        if (ino == FSD_ROOT_INO)
                return -EISDIR;
        n = fsd_fs_find_ino(fs, ino);
        if (!n)
                return -ESTALE;
        if (off >= n->blob->len) {
                *ret = n->blob->data;
                *ret_len = 0;
                return 0;
        }
        *ret = n->blob->data + off;
        *ret_len = n->blob->len - off < size ? n->blob->len - off : size;
        return 0;
}

int fsd_open_policy(int flags) {
        if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_TRUNC | O_CREAT | O_APPEND)))
                return -EROFS;
        return -ENOSYS;
}

int fsd_setattr_policy(bool from_notifier, int to_set_mask, int allowed_time_mask) {
        if (from_notifier && to_set_mask != 0 && (to_set_mask & ~allowed_time_mask) == 0)
                return 0;
        return -EROFS;
}

int fsd_fs_opendir(const fsd_fs *fs, uint64_t ino, fsd_dir **ret) {
        fsd_dir *d;

        if (ino != FSD_ROOT_INO)
                return fsd_fs_find_ino(fs, ino) ? -ENOTDIR : -ENOENT;
        d = malloc(sizeof(*d) + (fs->n_current + 2) * sizeof(d->v[0]));
        if (!d)
                return -ENOMEM;
        d->n = 0;
        d->v[d->n++] = (fsd_dirent) { .name = ".", .ino = FSD_ROOT_INO };
        d->v[d->n++] = (fsd_dirent) { .name = "..", .ino = FSD_ROOT_INO };
        for (size_t i = 0; i < fs->n_current; i++) {
                d->v[d->n] = (fsd_dirent) { .ino = fs->current[i]->ino };
                strcpy(d->v[d->n].name, fs->current[i]->name);
                d->n++;
        }
        *ret = d;
        return 0;
}

size_t fsd_fs_readdir(fsd_fs *fs, const fsd_dir *d, uint64_t off, bool plus, fsd_dir_add_t add, void *userdata) {
        size_t added = 0;

        for (uint64_t i = off; i < d->n; i++) {
                fsd_dir_item it = {
                        .name = d->v[i].name,
                        .st = { .st_ino = d->v[i].ino, .st_mode = i < 2 ? S_IFDIR : S_IFREG },
                        .next_off = i + 1,
                };
                fsd_node *n = NULL;

                if (plus && i >= 2) {
                        n = fsd_fs_find_name(fs, d->v[i].name);
                        if (!n)
                                continue; /* replaced or removed since the snapshot */
                        stat_fill(n, &it.st);
                        it.counted = true;
                }
                if (!add(&it, userdata))
                        break;
                if (n)
                        __atomic_add_fetch(&n->nlookup, 1, __ATOMIC_RELAXED);
                added++;
        }
        return added;
}
