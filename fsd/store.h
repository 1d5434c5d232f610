/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The inode store behind the deviceid-fsd mount, pure: the files of the
 * name table (table.h) as inodes. Every generation of a file is its own
 * inode whose bytes never change, so the kernel page cache can be trusted
 * for as long as the inode lives and an open descriptor keeps reading the
 * generation it opened. A new generation gets a fresh inode number; the
 * old one is "retired" and kept until the kernel forgets it. No I/O, no
 * locking: the callers (ops.c, reload.c) serialize access.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "fsd/table.h"

#define FSD_ROOT_INO 1
#define FSD_BLKSIZE 4096

/* One generation of one file: one inode. */
typedef struct fsd_node {
        uint64_t ino;
        char name[FSD_NAME_MAX + 1];
        fsd_blob *blob;
        mode_t mode;
        uid_t uid;
        gid_t gid;
        struct timespec mtime;
        uint64_t stamp;
        uint64_t nlookup; /* references the kernel holds (lookup count) */
        bool adopted;     /* served before a takeover: the kernel's count is unknown */
        bool current;     /* reachable by name; else retired or staged */
        bool staged;      /* a new generation waiting for its name (see fsd_fs_stage) */
} fsd_node;

/* What a reload changes for one name: old_ino 0 = new name, new_ino 0 =
 * removed name. */
typedef struct fsd_change {
        char name[FSD_NAME_MAX + 1];
        uint64_t old_ino;
        uint64_t new_ino;
} fsd_change;

typedef struct fsd_fs {
        fsd_node **nodes; /* every live node, sorted by ino */
        size_t n_nodes;
        fsd_node **current; /* the current generation of each name, sorted by name */
        size_t n_current;
        struct timespec root_mtime;
} fsd_fs;

void fsd_fs_init(fsd_fs *fs, struct timespec now);

/* The inode number a generation gets: a hash of its name, stamp, mode
 * and owner, above the root and below 2^63. fsd_fs_plan/apply/stage add
 * one while the number is taken by another live node (a 2^-63 event;
 * only then may a successor number a file differently). */
uint64_t fsd_spec_ino(const fsd_spec *spec);

/* After a takeover: the kernel holds references to the current nodes
 * that this store never counted. Marks every live node so: retiring
 * keeps it until the kernel's first forget of it (which, for an inode
 * the kernel evicts, carries all its references). */
void fsd_fs_adopt(fsd_fs *fs);
void fsd_fs_done(fsd_fs *fs);

/* Which names change if specs were applied now (nothing is modified).
 * *ret is malloc'ed (NULL if nothing changes). */
int fsd_fs_plan(const fsd_fs *fs, const fsd_specs *specs, fsd_change **ret, size_t *ret_n);
/* Makes specs the current files: unchanged files keep their inode, changed
 * and new ones get their numbers (fsd_spec_ino), superseded ones are retired (dropped at
 * once if the kernel holds no reference). Takes the blobs it keeps out of
 * specs. Returns the changes like fsd_fs_plan; fs is untouched on error. */
int fsd_fs_apply(fsd_fs *fs, fsd_specs *specs, struct timespec now, fsd_change **ret, size_t *ret_n);

/* The order in which a reload makes its changes: keys and bundles
 * before the certificate they go with, status.json last, so that whoever
 * reacts to a certificate's event finds the matching key already in
 * place; by name within a rank. Sorts v in place. */
void fsd_changes_order(fsd_change *v, size_t n);

/* Name changes one at a time, so that each can be a real VFS operation
 * on the mount (reload.c) and raise the inotify events of a real
 * filesystem. fsd_fs_stage() adds the new generation of spec->name as a
 * staged inode: not reachable by that name yet, only through
 * fsd_fs_find_staged() (the daemon's own lookup of the temporary name,
 * FSD_STAGE_PREFIX + name + FSD_STAGE_SUFFIX). Takes the blob out of
 * spec. -EEXIST if that name already has a staged inode. */
#define FSD_STAGE_PREFIX "."
#define FSD_STAGE_SUFFIX ".new"
int fsd_fs_stage(fsd_fs *fs, fsd_spec *spec, uint64_t *ret_ino);
fsd_node *fsd_fs_find_staged(const fsd_fs *fs, const char *name);
/* The final name behind a temporary one, or NULL if tmp is not of that
 * form; points into tmp, not NUL-terminated: *ret_len is its length. */
const char *fsd_stage_name(const char *tmp, size_t *ret_len);
/* Makes the staged inode of name current, retiring the generation it
 * replaces (freed at once if the kernel holds no reference). With
 * take_ref the kernel gets a reference (a create reply). *ret (if not
 * NULL) gets its attributes. -ENOENT if nothing is staged for name. */
int fsd_fs_commit(fsd_fs *fs, const char *name, struct timespec now, bool take_ref, struct stat *ret);
/* Retires the current generation of name. -ENOENT if there is none. */
int fsd_fs_unlink(fsd_fs *fs, const char *name, struct timespec now);
/* Retires whatever is still staged (a name change that did not happen). */
void fsd_fs_unstage_all(fsd_fs *fs);

fsd_node *fsd_fs_find_name(const fsd_fs *fs, const char *name);
fsd_node *fsd_fs_find_ino(const fsd_fs *fs, uint64_t ino);

/* Attributes of an inode (the root or any live node). -ENOENT if unknown.
 * The root is 0755: its owner, uid 0, may change names, which only the
 * daemon's own calls through its private read-write view get to do. */
int fsd_fs_stat(const fsd_fs *fs, uint64_t ino, struct stat *ret);
/* Looks up name in parent and takes one kernel reference on the result.
 * -ENOTDIR (parent not the root), -ENAMETOOLONG, -ENOENT. */
int fsd_fs_lookup(fsd_fs *fs, uint64_t parent, const char *name, struct stat *ret);
/* Drops n kernel references; a retired node is freed at zero. */
void fsd_fs_forget(fsd_fs *fs, uint64_t ino, uint64_t n);
/* The bytes of ino in [off, off+size): points into the node. -EISDIR for
 * the root, -ESTALE if unknown. */
int fsd_fs_read(const fsd_fs *fs, uint64_t ino, uint64_t off, size_t size, const char **ret, size_t *ret_len);

/* Policy for calls that would change something. open: -EROFS for any
 * write access, truncation or creation, else -ENOSYS (so the kernel stops
 * sending opens: FUSE no-open support). setattr: only a time change by
 * the daemon's own notifier thread (its fallback inotify touch) is
 * allowed (0); everything else -EROFS. Name changes (mknod, rename,
 * unlink) are taken from the notifier thread only (ops.c), as the
 * fsd_fs_commit()/fsd_fs_unlink() of what it staged. */
int fsd_open_policy(int flags);
int fsd_setattr_policy(bool from_notifier, int to_set_mask, int allowed_time_mask);

/* A directory listing taken at opendir time. */
typedef struct fsd_dirent {
        char name[FSD_NAME_MAX + 1];
        uint64_t ino;
} fsd_dirent;

typedef struct fsd_dir {
        size_t n;
        fsd_dirent v[]; /* ".", "..", then the current names */
} fsd_dir;

/* -ENOTDIR unless ino is the root. */
int fsd_fs_opendir(const fsd_fs *fs, uint64_t ino, fsd_dir **ret);

/* One entry of a listing as readdir and readdirplus hand it out. */
typedef struct fsd_dir_item {
        const char *name;
        /* readdir: the inode number and type from the snapshot;
         * readdirplus: all attributes of the name's current generation
         * ("." and "..": number and type only). */
        struct stat st;
        bool counted;      /* readdirplus of a name: the kernel gets a reference, as for a lookup */
        uint64_t next_off; /* where the listing resumes after this entry */
} fsd_dir_item;

/* Takes one entry into the reply: true if it fit, false if the reply is
 * full (the listing stops there, and the entry is not counted). */
typedef bool (*fsd_dir_add_t)(const fsd_dir_item *item, void *userdata);

/* Lists the snapshot d from offset off (0: the start; an offset is an
 * index into d->v) through add, until the reply is full or the snapshot
 * ends. With plus, a name whose generation is no longer current is left
 * out (only the current generation may enter the kernel's dentry cache)
 * and every counted entry that fit takes one kernel reference (atomic:
 * callers may list concurrently under a shared lock). Returns the number
 * of entries added. */
size_t fsd_fs_readdir(fsd_fs *fs, const fsd_dir *d, uint64_t off, bool plus, fsd_dir_add_t add, void *userdata);
