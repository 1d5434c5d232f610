/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the deviceid-fsd inode store (fsd/store.c) with fixed
 * tables: one inode per generation, retirement until forget, read
 * windows, directory snapshots and listings, name changes one at a time
 * (stage, commit, unlink) in their order, and the write policies.
 */
#include <fcntl.h>

#include "fsd/store.h"
#include "tests/unit/fsd/fsd-entries.h"
#include "tests/unit/tap.h"

static int build(const keyring_entry *const *v, size_t n, fsd_specs *s) {
        return fsd_specs_build(v, n, NULL, s);
}

/* fsd_fs_apply() into a change list that may hold an earlier result. */
static int apply(fsd_fs *fs, fsd_specs *s, struct timespec now, fsd_change **ch, size_t *n) {
        free(*ch);
        *ch = NULL;
        return fsd_fs_apply(fs, s, now, ch, n);
}

/* Builds the specs of v and applies them, each step one check named
 * after what: "WHAT builds", "WHAT applies". */
static void load(fsd_fs *fs, const keyring_entry *const *v, size_t nv, struct timespec now, fsd_change **ch,
                 size_t *n, const char *what) {
        char m[64];
        fsd_specs s = {};

        snprintf(m, sizeof(m), "%s builds", what);
        is_ok(build(v, nv, &s), m);
        snprintf(m, sizeof(m), "%s applies", what);
        is_ok(apply(fs, &s, now, ch, n), m);
        fsd_specs_done(&s);
}

static void test_generations(void) {
        keyring_entry w1 = entry("wifi", 1, CHAIN_A, KEY_A, KEYRING_KEY_PKCS8, 1800000000, 1700000000);
        keyring_entry w2 = entry("wifi", 2, CHAIN_B, KEY_B, KEYRING_KEY_PKCS8, 1800003600, 1700000100);
        keyring_entry r = entry("roots", 1, ROOTS, NULL, KEYRING_KEY_NONE, 0, 1700000000);
        const keyring_entry *g1[] = { &w1, &r }, *g2[] = { &w2, &r }, *g3[] = { &r };
        struct timespec now = { .tv_sec = 1700000500 };
        _cleanup_free_ fsd_change *ch = NULL, *plan = NULL;
        fsd_specs s = {};
        size_t n = 0, np = 0;
        fsd_fs fs;
        fsd_node *pem1, *key1, *roots;
        uint64_t pem1_ino, key1_ino, status1_ino;
        struct stat st;
        const char *p;
        size_t len;

        fsd_fs_init(&fs, now);
        is_ok(build(g1, 2, &s), "generation 1 builds");
        is_ok(fsd_fs_plan(&fs, &s, &plan, &np), "plan");
        is_ok(apply(&fs, &s, now, &ch, &n), "generation 1 applies");
        is_int(n, 5, "five new names");
        is_int(np, n, "plan agrees with apply");
        for (size_t i = 0; i < n && i < np; i++)
                ok(streq(plan[i].name, ch[i].name) && plan[i].new_ino == ch[i].new_ino && ch[i].old_ino == 0,
                   "plan entry matches");
        fsd_specs_done(&s);
        free(ch);
        free(plan);
        ch = plan = NULL;

        is_int(fs.n_current, 5, "five current files");
        pem1 = fsd_fs_find_name(&fs, "wifi.pem");
        key1 = fsd_fs_find_name(&fs, "wifi.key.pem");
        roots = fsd_fs_find_name(&fs, "roots.pem");
        ok(pem1 && key1 && roots, "files found by name");
        pem1_ino = pem1->ino;
        key1_ino = key1->ino;
        status1_ino = fsd_fs_find_name(&fs, "status.json")->ino;
        ok(pem1_ino >= 2 && key1_ino >= 2 && pem1_ino != key1_ino, "distinct inode numbers above the root");

        /* The same content again changes nothing. */
        is_ok(build(g1, 2, &s), "generation 1 again");
        is_ok(apply(&fs, &s, now, &ch, &n), "applies");
        is_int(n, 0, "no change");
        fsd_specs_done(&s);

        /* The kernel looks up wifi.pem twice and keeps it; never wifi.key.pem. */
        is_ok(fsd_fs_lookup(&fs, FSD_ROOT_INO, "wifi.pem", &st), "lookup wifi.pem");
        is_ok(fsd_fs_lookup(&fs, FSD_ROOT_INO, "wifi.pem", &st), "lookup wifi.pem again");
        is_int(st.st_ino, pem1_ino, "lookup gives its inode");
        is_int(st.st_size, strlen(CHAIN_A), "size");
        is_int(st.st_mode, S_IFREG | 0444, "mode");
        is_int(st.st_nlink, 1, "one link");

        load(&fs, g2, 2, now, &ch, &n, "generation 2");
        is_int(n, 4, "wifi's three files and status.json change");
        for (size_t i = 0; i < n; i++)
                ok(ch[i].old_ino && ch[i].new_ino && ch[i].new_ino != ch[i].old_ino && !streq(ch[i].name, "roots.pem"),
                   "changed name gets a fresh inode");
        ok(fsd_fs_find_name(&fs, "roots.pem") == roots, "unchanged file keeps its node");
        ok(fsd_fs_find_name(&fs, "wifi.pem")->ino != pem1_ino, "wifi.pem has a new inode");
        is_int(fsd_fs_find_name(&fs, "wifi.pem")->blob->len, strlen(CHAIN_B), "and the new bytes");

        /* The old wifi.pem is retired but readable; the old key is gone. */
        ok(fsd_fs_find_ino(&fs, pem1_ino) != NULL, "referenced old generation retained");
        ok(fsd_fs_find_ino(&fs, key1_ino) == NULL, "unreferenced old generation dropped");
        ok(fsd_fs_find_ino(&fs, status1_ino) == NULL, "old status.json dropped");
        is_ok(fsd_fs_stat(&fs, pem1_ino, &st), "stat old generation");
        is_int(st.st_nlink, 0, "old generation unlinked");
        is_ok(fsd_fs_read(&fs, pem1_ino, 0, 4096, &p, &len), "read old generation");
        is_mem(p, len, CHAIN_A, strlen(CHAIN_A), "old bytes");
        is_ok(fsd_fs_read(&fs, pem1_ino, 10, 5, &p, &len), "read window");
        is_mem(p, len, CHAIN_A + 10, 5, "window bytes");
        is_ok(fsd_fs_read(&fs, pem1_ino, 100000, 5, &p, &len), "read past the end");
        is_int(len, 0, "nothing past the end");
        is_err(fsd_fs_read(&fs, key1_ino, 0, 10, &p, &len), -ESTALE, "dropped inode is stale");
        is_err(fsd_fs_read(&fs, FSD_ROOT_INO, 0, 10, &p, &len), -EISDIR, "root is a directory");

        fsd_fs_forget(&fs, pem1_ino, 1);
        ok(fsd_fs_find_ino(&fs, pem1_ino) != NULL, "one reference left");
        fsd_fs_forget(&fs, pem1_ino, 1);
        ok(fsd_fs_find_ino(&fs, pem1_ino) == NULL, "freed at the last forget");
        fsd_fs_forget(&fs, pem1_ino, 1); /* unknown: ignored */

        /* Current nodes survive forget. */
        is_ok(fsd_fs_lookup(&fs, FSD_ROOT_INO, "roots.pem", &st), "lookup roots");
        fsd_fs_forget(&fs, st.st_ino, 5);
        ok(fsd_fs_find_ino(&fs, st.st_ino) != NULL, "current node kept after forget");

        /* Removal of the account. */
        load(&fs, g3, 1, now, &ch, &n, "generation 3");
        is_int(n, 4, "three removed, status.json changed");
        for (size_t i = 0; i < n; i++)
                if (!streq(ch[i].name, "status.json"))
                        ok(ch[i].old_ino && ch[i].new_ino == 0, "removed name has no new inode");
        ok(!fsd_fs_find_name(&fs, "wifi.pem"), "wifi.pem gone");
        is_int(fs.n_current, 2, "roots.pem and status.json left");
        fsd_fs_done(&fs);
}

static void test_lookup_errors_and_dir(void) {
        keyring_entry r = entry("roots", 1, ROOTS, NULL, KEYRING_KEY_NONE, 0, 1700000000);
        const keyring_entry *g[] = { &r };
        struct timespec now = { .tv_sec = 42 };
        _cleanup_free_ fsd_change *ch = NULL;
        _cleanup_free_ fsd_dir *d = NULL;
        char longname[FSD_NAME_MAX + 2];
        struct stat st;
        size_t n;
        fsd_fs fs;

        fsd_fs_init(&fs, now);
        load(&fs, g, 1, now, &ch, &n, "roots");

        is_err(fsd_fs_lookup(&fs, FSD_ROOT_INO, "nope.pem", &st), -ENOENT, "missing name");
        is_err(fsd_fs_lookup(&fs, fsd_fs_find_name(&fs, "roots.pem")->ino, "x", &st), -ENOTDIR,
               "lookup under a file");
        is_err(fsd_fs_lookup(&fs, 999, "x", &st), -ENOENT, "lookup under an unknown inode");
        memset(longname, 'a', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        is_err(fsd_fs_lookup(&fs, FSD_ROOT_INO, longname, &st), -ENAMETOOLONG, "over-long name");

        is_ok(fsd_fs_stat(&fs, FSD_ROOT_INO, &st), "stat root");
        is_int(st.st_mode, S_IFDIR | 0755, "root mode 0755");
        is_int(st.st_mtim.tv_sec, 42, "root mtime is the last change");
        is_err(fsd_fs_stat(&fs, 999, &st), -ENOENT, "stat unknown");

        is_ok(fsd_fs_opendir(&fs, FSD_ROOT_INO, &d), "opendir root");
        is_int(d->n, 4, "., .., roots.pem, status.json");
        is_str(d->v[0].name, ".", "dot");
        is_str(d->v[1].name, "..", "dotdot");
        is_str(d->v[2].name, "roots.pem", "roots.pem listed");
        is_str(d->v[3].name, "status.json", "status.json listed");
        is_err(fsd_fs_opendir(&fs, d->v[2].ino, &d), -ENOTDIR, "opendir on a file");
        fsd_fs_done(&fs);
}

/* The notifier's path: stage, then commit or unlink one name at a time. */
static void test_staging(void) {
        keyring_entry w1 = entry("wifi", 1, CHAIN_A, KEY_A, KEYRING_KEY_PKCS8, 1800000000, 1700000000);
        keyring_entry w2 = entry("wifi", 2, CHAIN_B, KEY_B, KEYRING_KEY_PKCS8, 1800003600, 1700000100);
        const keyring_entry *g1[] = { &w1 }, *g2[] = { &w2 };
        struct timespec now = { .tv_sec = 1700000500 }, later = { .tv_sec = 1700000600 };
        _cleanup_free_ fsd_change *plan = NULL;
        fsd_specs s = {};
        struct stat st;
        uint64_t old_ino, new_ino, other;
        const char *final;
        size_t np = 0, len;
        fsd_node *n;
        fsd_fs fs;

        final = fsd_stage_name(".wifi.pem.new", &len);
        ok(final && len == 8 && strncmp(final, "wifi.pem", len) == 0, "temporary name maps to its final name");
        ok(!fsd_stage_name("wifi.pem", &len), "an ordinary name is not temporary");
        ok(!fsd_stage_name("..new", &len) && !fsd_stage_name(".new", &len), "empty final name refused");
        ok(!fsd_stage_name(".wifi.pem.ne", &len), "wrong suffix refused");

        fsd_fs_init(&fs, now);
        is_ok(build(g1, 1, &s), "generation 1 builds");
        is_ok(fsd_fs_plan(&fs, &s, &plan, &np), "plan");
        is_int(np, 4, "four new names");
        is_ok(fsd_fs_stage(&fs, fsd_specs_find(&s, "wifi.bundle.pem"), &new_ino), "stage one");
        ok(fsd_specs_find(&s, "wifi.bundle.pem")->blob == NULL, "the blob was taken");
        is_err(fsd_fs_stage(&fs, fsd_specs_find(&s, "wifi.bundle.pem"), &other), -EEXIST, "a name is staged once");
        fsd_specs_done(&s);

        /* Staged: not reachable by name, found as staged, stat says linked. */
        ok(!fsd_fs_find_name(&fs, "wifi.bundle.pem"), "staged name not current");
        is_err(fsd_fs_lookup(&fs, FSD_ROOT_INO, "wifi.bundle.pem", &st), -ENOENT, "lookup does not see it");
        n = fsd_fs_find_staged(&fs, "wifi.bundle.pem");
        ok(n && n->ino == new_ino, "found as staged");
        is_ok(fsd_fs_stat(&fs, new_ino, &st), "stat staged");
        is_int(st.st_nlink, 1, "staged inode shows one link");
        fsd_fs_forget(&fs, new_ino, 1);
        ok(fsd_fs_find_ino(&fs, new_ino) != NULL, "forget does not drop a staged inode");

        /* A create: the kernel takes a reference. */
        is_ok(fsd_fs_commit(&fs, "wifi.bundle.pem", later, true, &st), "commit");
        is_int(st.st_ino, new_ino, "committed inode");
        ok(fsd_fs_find_name(&fs, "wifi.bundle.pem") && fsd_fs_find_name(&fs, "wifi.bundle.pem")->nlookup == 1,
           "current with one reference");
        ok(!fsd_fs_find_staged(&fs, "wifi.bundle.pem"), "no longer staged");
        is_err(fsd_fs_commit(&fs, "wifi.bundle.pem", later, true, &st), -ENOENT, "nothing left to commit");
        is_ok(fsd_fs_stat(&fs, FSD_ROOT_INO, &st), "stat root");
        is_int(st.st_mtim.tv_sec, later.tv_sec, "root mtime follows");
        old_ino = new_ino;

        /* A rename over: the new inode got its reference at the lookup. */
        is_ok(build(g2, 1, &s), "generation 2 builds");
        is_ok(fsd_fs_stage(&fs, fsd_specs_find(&s, "wifi.bundle.pem"), &new_ino), "stage the next generation");
        fsd_specs_done(&s);
        ok(new_ino != old_ino, "fresh inode number");
        fsd_fs_find_staged(&fs, "wifi.bundle.pem")->nlookup++;
        ok(fsd_fs_find_name(&fs, "wifi.bundle.pem")->ino == old_ino, "the old generation still has the name");
        is_ok(fsd_fs_commit(&fs, "wifi.bundle.pem", later, false, NULL), "commit over the old one");
        ok(fsd_fs_find_name(&fs, "wifi.bundle.pem")->ino == new_ino, "the name is the new generation");
        is_ok(fsd_fs_stat(&fs, old_ino, &st), "the old generation is retired, not gone");
        is_int(st.st_nlink, 0, "and unlinked");
        fsd_fs_forget(&fs, old_ino, 1);
        ok(fsd_fs_find_ino(&fs, old_ino) == NULL, "freed at its last forget");

        /* An unlink. */
        is_ok(fsd_fs_unlink(&fs, "wifi.bundle.pem", later), "unlink");
        ok(!fsd_fs_find_name(&fs, "wifi.bundle.pem"), "name gone");
        ok(fsd_fs_find_ino(&fs, new_ino) != NULL, "referenced inode kept");
        is_err(fsd_fs_unlink(&fs, "wifi.bundle.pem", later), -ENOENT, "second unlink");

        /* What did not happen is retired: unreferenced staged inodes go. */
        is_ok(build(g1, 1, &s), "generation 1 again");
        is_ok(fsd_fs_stage(&fs, fsd_specs_find(&s, "wifi.key.pem"), &other), "stage another");
        fsd_specs_done(&s);
        fsd_fs_unstage_all(&fs);
        ok(fsd_fs_find_ino(&fs, other) == NULL && !fsd_fs_find_staged(&fs, "wifi.key.pem"), "unstaged and freed");
        fsd_fs_done(&fs);
}

/* A reply buffer that holds `room` entries and records what it took. */
typedef struct fake_reply {
        size_t room;
        size_t n;
        fsd_dir_item v[8];
        char names[8][FSD_NAME_MAX + 1];
} fake_reply;

static bool fake_add(const fsd_dir_item *it, void *userdata) {
        fake_reply *r = userdata;

        if (r->n >= r->room || r->n >= ELEMENTSOF(r->v))
                return false;
        r->v[r->n] = *it;
        snprintf(r->names[r->n], sizeof(r->names[r->n]), "%s", it->name);
        r->v[r->n].name = r->names[r->n];
        r->n++;
        return true;
}

/* Listings from a snapshot: where they resume, what readdirplus leaves
 * out, and the references it hands out. */
static void test_readdir(void) {
        keyring_entry w1 = entry("wifi", 1, CHAIN_A, NULL, KEYRING_KEY_NONE, 0, 1700000000);
        keyring_entry w2 = entry("wifi", 2, CHAIN_B, NULL, KEYRING_KEY_NONE, 0, 1700000100);
        keyring_entry r = entry("roots", 1, ROOTS, NULL, KEYRING_KEY_NONE, 0, 1700000000);
        const keyring_entry *g1[] = { &w1, &r }, *g2[] = { &w2, &r };
        struct timespec now = { .tv_sec = 1700000500 };
        _cleanup_free_ fsd_change *ch = NULL;
        _cleanup_free_ fsd_dir *d = NULL;
        fsd_node *roots, *status, *wifi;
        fake_reply rep;
        uint64_t wifi1_ino;
        size_t n;
        fsd_fs fs;

        fsd_fs_init(&fs, now);
        load(&fs, g1, 2, now, &ch, &n, "wifi and roots");
        is_ok(fsd_fs_opendir(&fs, FSD_ROOT_INO, &d), "snapshot");
        is_int(d->n, 5, "., .., roots.pem, status.json, wifi.pem");
        roots = fsd_fs_find_name(&fs, "roots.pem");
        status = fsd_fs_find_name(&fs, "status.json");
        wifi1_ino = fsd_fs_find_name(&fs, "wifi.pem")->ino;

        /* readdir: the whole snapshot, no references. */
        rep = (fake_reply) { .room = 8 };
        is_int(fsd_fs_readdir(&fs, d, 0, false, fake_add, &rep), 5, "readdir lists all five");
        is_str(rep.v[0].name, ".", "dot first");
        ok(S_ISDIR(rep.v[0].st.st_mode) && rep.v[0].st.st_ino == FSD_ROOT_INO, "dot is the root directory");
        ok(S_ISDIR(rep.v[1].st.st_mode) && !rep.v[1].counted, "dotdot a directory, not counted");
        is_str(rep.v[2].name, "roots.pem", "then the names in order");
        ok(S_ISREG(rep.v[2].st.st_mode) && rep.v[2].st.st_ino == roots->ino, "a file with its inode");
        is_int(rep.v[2].st.st_size, 0, "readdir carries no attributes");
        ok(!rep.v[2].counted && !rep.v[4].counted, "readdir takes no reference");
        is_int(rep.v[4].next_off, 5, "the last entry resumes at the end");
        is_int(roots->nlookup, 0, "roots.pem not referenced");

        /* A full reply stops the listing; the next call resumes there. */
        rep = (fake_reply) { .room = 2 };
        is_int(fsd_fs_readdir(&fs, d, 0, true, fake_add, &rep), 2, "two fit");
        is_int(rep.v[1].next_off, 2, "resume after dotdot");
        rep = (fake_reply) { .room = 1 };
        is_int(fsd_fs_readdir(&fs, d, 2, true, fake_add, &rep), 1, "one fits");
        is_str(rep.v[0].name, "roots.pem", "resumed at roots.pem");
        ok(rep.v[0].counted, "readdirplus counts a name");
        is_int(rep.v[0].st.st_size, strlen(ROOTS), "with its attributes");
        is_int(rep.v[0].st.st_mode, S_IFREG | 0444, "and mode");
        is_int(roots->nlookup, 1, "one reference taken for the entry that fit");
        is_int(status->nlookup, 0, "none for the one that did not");
        rep = (fake_reply) { .room = 8 };
        is_int(fsd_fs_readdir(&fs, d, 5, true, fake_add, &rep), 0, "nothing past the end");
        is_int(fsd_fs_readdir(&fs, d, 99, false, fake_add, &rep), 0, "nor far past it");

        /* wifi.pem is renewed after the snapshot: readdir still names the
         * old inode, readdirplus hands out the current generation only. */
        load(&fs, g2, 2, now, &ch, &n, "renewal");
        wifi = fsd_fs_find_name(&fs, "wifi.pem");
        ok(wifi && wifi->ino != wifi1_ino, "wifi.pem renewed");
        rep = (fake_reply) { .room = 8 };
        is_int(fsd_fs_readdir(&fs, d, 4, false, fake_add, &rep), 1, "readdir lists the snapshot");
        is_int(rep.v[0].st.st_ino, wifi1_ino, "with the inode it had");
        rep = (fake_reply) { .room = 8 };
        is_int(fsd_fs_readdir(&fs, d, 4, true, fake_add, &rep), 1, "readdirplus lists the name");
        is_int(rep.v[0].st.st_ino, wifi->ino, "as its current generation");
        is_int(wifi->nlookup, 1, "which takes the reference");

        /* status.json goes (it never does in life; any name would): a
         * name gone since the snapshot is left out of readdirplus. */
        is_ok(fsd_fs_unlink(&fs, "status.json", now), "unlink status.json");
        rep = (fake_reply) { .room = 8 };
        is_int(fsd_fs_readdir(&fs, d, 2, true, fake_add, &rep), 2, "readdirplus skips the gone name");
        is_str(rep.v[0].name, "roots.pem", "roots.pem");
        is_str(rep.v[1].name, "wifi.pem", "wifi.pem");
        is_int(rep.v[1].next_off, 5, "offsets stay those of the snapshot");
        rep = (fake_reply) { .room = 8 };
        is_int(fsd_fs_readdir(&fs, d, 2, false, fake_add, &rep), 3, "readdir still names it");
        fsd_fs_done(&fs);
}

/* Keys and bundles first, certificates, status.json last; by name within. */
static void test_changes_order(void) {
        static const char *const in[] = { "status.json", "wifi.pem", "device.pem", "wifi.bundle.pem",
                                           "vpn.key.pem", "roots.pem", "wifi.key.pem", "vpn.pem" };
        static const char *const want[] = { "vpn.key.pem", "wifi.bundle.pem", "wifi.key.pem", "device.pem",
                                             "roots.pem",   "vpn.pem",         "wifi.pem",     "status.json" };
        fsd_change v[ELEMENTSOF(in)] = {};

        for (size_t i = 0; i < ELEMENTSOF(in); i++)
                snprintf(v[i].name, sizeof(v[i].name), "%s", in[i]);
        fsd_changes_order(v, ELEMENTSOF(v));
        for (size_t i = 0; i < ELEMENTSOF(v); i++)
                is_str(v[i].name, want[i], "change order");
        fsd_changes_order(NULL, 0); /* nothing to order */
}

static void test_policies(void) {
        is_err(fsd_open_policy(O_RDONLY), -ENOSYS, "read-only open: no-open support");
        is_err(fsd_open_policy(O_RDONLY | O_CLOEXEC | O_NOFOLLOW), -ENOSYS, "harmless flags");
        is_err(fsd_open_policy(O_WRONLY), -EROFS, "write open refused");
        is_err(fsd_open_policy(O_RDWR), -EROFS, "read-write open refused");
        is_err(fsd_open_policy(O_RDONLY | O_TRUNC), -EROFS, "truncating open refused");
        is_err(fsd_open_policy(O_RDONLY | O_CREAT), -EROFS, "creating open refused");
        is_err(fsd_open_policy(O_RDONLY | O_APPEND), -EROFS, "appending open refused");

        is_int(fsd_setattr_policy(true, 0x30, 0x30), 0, "notifier may touch times");
        is_err(fsd_setattr_policy(false, 0x30, 0x30), -EROFS, "others may not touch times");
        is_err(fsd_setattr_policy(true, 0x31, 0x30), -EROFS, "notifier may not change more");
        is_err(fsd_setattr_policy(true, 0, 0x30), -EROFS, "empty setattr refused");
}

/* A successor server builds its store from the keyring alone: it must
 * number every current file as the first server did, however that one
 * got there (apply, or stage and commit), and keep what the kernel may
 * still hold from before the takeover. */
static void test_takeover_numbers(void) {
        keyring_entry w1 = entry("wifi", 7, CHAIN_A, KEY_A, KEYRING_KEY_PKCS8, 1800000000, 1700000000);
        keyring_entry w2 = entry("wifi", 9, CHAIN_B, KEY_B, KEYRING_KEY_PKCS8, 1800003600, 1700000100);
        keyring_entry r = entry("roots", 1, ROOTS, NULL, KEYRING_KEY_NONE, 0, 1700000000);
        const keyring_entry *g1[] = { &w1, &r }, *g2[] = { &w2, &r };
        struct timespec now = { .tv_sec = 1700000500 };
        _cleanup_free_ fsd_change *ch = NULL;
        fsd_specs s = {};
        size_t n = 0;
        uint64_t old_bundle;
        fsd_fs a, b;
        bool same = true;

        fsd_fs_init(&a, now);
        fsd_fs_init(&b, now);
        load(&a, g1, 2, now, &ch, &n, "first server, generation 1");
        /* The first server renews by staging and committing each name. */
        is_ok(build(g2, 2, &s), "generation 2 builds");
        for (size_t i = 0; i < s.n; i++) {
                fsd_node *cur = fsd_fs_find_name(&a, s.v[i].name);

                if (cur && cur->stamp == s.v[i].stamp)
                        continue;
                is_ok(fsd_fs_stage(&a, &s.v[i], NULL), "stage");
                is_ok(fsd_fs_commit(&a, s.v[i].name, now, false, NULL), "commit");
        }
        fsd_specs_done(&s);
        load(&b, g2, 2, now, &ch, &n, "successor, from the keyring");
        is_int(a.n_current, b.n_current, "same names");
        for (size_t i = 0; i < a.n_current && i < b.n_current; i++)
                same = same && streq(a.current[i]->name, b.current[i]->name) && a.current[i]->ino == b.current[i]->ino;
        ok(same, "every current file has the same inode number in both");
        ok(fsd_fs_find_name(&b, "roots.pem")->ino > FSD_ROOT_INO, "numbers above the root");

        /* Adopted nodes outlive their retirement until the kernel forgets them. */
        fsd_fs_adopt(&b);
        old_bundle = fsd_fs_find_name(&b, "wifi.bundle.pem")->ino;
        load(&b, g1, 2, now, &ch, &n, "successor, another generation");
        ok(fsd_fs_find_ino(&b, old_bundle) != NULL, "adopted generation kept after retirement");
        fsd_fs_forget(&b, old_bundle, 1);
        ok(fsd_fs_find_ino(&b, old_bundle) == NULL, "freed at the kernel's forget");
        fsd_fs_done(&a);
        fsd_fs_done(&b);
}

int main(void) {
        test_takeover_numbers();
        test_generations();
        test_lookup_errors_and_dir();
        test_staging();
        test_readdir();
        test_changes_order();
        test_policies();
        return tap_done();
}
