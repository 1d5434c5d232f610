/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the deviceid-fsd name table and inode store
 * (fsd/table.c) with fixed entries: layout, bytes, modes, status.json,
 * one inode per generation, retirement until forget, read windows,
 * directory snapshots, name changes one at a time (stage, commit,
 * unlink) and the write policies.
 */
#include <fcntl.h>

#include "fsd/table.h"
#include "tests/unit/tap.h"

#define CHAIN_A "-----BEGIN CERTIFICATE-----\nTEVBRi1B\n-----END CERTIFICATE-----\n" \
                "-----BEGIN CERTIFICATE-----\nQ0EtQQ==\n-----END CERTIFICATE-----\n"
#define CHAIN_B "-----BEGIN CERTIFICATE-----\nTEVBRi1CLWxvbmdlcg==\n-----END CERTIFICATE-----\n" \
                "-----BEGIN CERTIFICATE-----\nQ0EtQQ==\n-----END CERTIFICATE-----\n"
/* No trailing newline on purpose: the bundle must add one. */
#define KEY_A "-----BEGIN PRIVATE KEY-----\nS0VZLUE=\n-----END PRIVATE KEY-----"
#define KEY_B "-----BEGIN PRIVATE KEY-----\nS0VZLUI=\n-----END PRIVATE KEY-----\n"
#define ROOTS "-----BEGIN CERTIFICATE-----\nUk9PVA==\n-----END CERTIFICATE-----\n"

static keyring_entry entry(const char *name, uint64_t gen, const char *chain, const char *key,
                           keyring_key_kind kind, time_t not_after, time_t published) {
        keyring_entry e = {
                .generation = gen,
                .chain_pem = (char *) chain,
                .chain_len = strlen(chain),
                .key_pem = (char *) key,
                .key_len = key ? strlen(key) : 0,
                .key_kind = kind,
                .not_after = not_after,
                .published = published,
        };
        snprintf(e.name, sizeof(e.name), "%s", name);
        return e;
}

static const fsd_spec *spec_find(const fsd_specs *s, const char *name) {
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->v[i].name, name))
                        return &s->v[i];
        return NULL;
}

static void test_status_json(void) {
        keyring_entry d = entry("device", 3, CHAIN_A, NULL, KEYRING_KEY_NONE, 1800000000, 1700000000);
        keyring_entry w = entry("wifi", 7, CHAIN_A, KEY_A, KEYRING_KEY_PKCS8, 1800003600, 1700000100);
        keyring_entry r = entry("roots", 1, ROOTS, NULL, KEYRING_KEY_NONE, 0, 1700000200);
        const keyring_entry *v[] = { &d, &r, &w };
        _cleanup_free_ char *s = NULL;
        size_t len;

        is_ok(fsd_status_json(v, 3, &s, &len), "status.json builds");
        is_str(s,
               "{\"version\":1,\"entries\":["
               "{\"name\":\"device\",\"generation\":3,\"keyKind\":\"none\",\"notAfter\":\"2027-01-15T08:00:00Z\","
               "\"notAfterUnix\":1800000000,\"published\":\"2023-11-14T22:13:20Z\",\"files\":[\"device.pem\"]},"
               "{\"name\":\"roots\",\"generation\":1,\"keyKind\":\"none\",\"published\":\"2023-11-14T22:16:40Z\","
               "\"files\":[\"roots.pem\"]},"
               "{\"name\":\"wifi\",\"generation\":7,\"keyKind\":\"pkcs8\",\"notAfter\":\"2027-01-15T09:00:00Z\","
               "\"notAfterUnix\":1800003600,\"published\":\"2023-11-14T22:15:00Z\","
               "\"files\":[\"wifi.pem\",\"wifi.key.pem\",\"wifi.bundle.pem\"]}]}",
               "status.json bytes");
        is_int(len, strlen(s), "length");
}

static void test_layout(void) {
        static const char *const names[] = { "device.pem",   "roots.pem",     "status.json", "vpn.bundle.pem",
                                             "vpn.key.pem",  "vpn.pem",       "web.pem",     "wifi.bundle.pem",
                                             "wifi.key.pem", "wifi.pem" };
        keyring_entry w = entry("wifi", 7, CHAIN_A, KEY_A, KEYRING_KEY_PKCS8, 1800003600, 1700000100);
        keyring_entry p = entry("vpn", 2, CHAIN_B, KEY_B, KEYRING_KEY_TSS2, 1800003600, 1700000000);
        keyring_entry d = entry("device", 3, CHAIN_A, NULL, KEYRING_KEY_NONE, 1800000000, 1700000000);
        keyring_entry r = entry("roots", 1, ROOTS, NULL, KEYRING_KEY_NONE, 0, 1700000200);
        keyring_entry x = entry("web", 1, CHAIN_B, NULL, KEYRING_KEY_NONE, 1800000000, 1700000000);
        const keyring_entry *v[] = { &w, &p, &d, &r, &x };
        _cleanup_(fsd_config_freep) fsd_config *cfg = NULL;
        _cleanup_(fsd_specs_done) fsd_specs s = {};
        const fsd_spec *sp;
        static const char cfgtext[] = "[account:wifi]\nUser=101\nGroup=102\nMode=0440\n";

        is_ok(fsd_config_parse(cfgtext, strlen(cfgtext), &cfg, NULL), "config parses");
        is_ok(fsd_specs_build(v, ELEMENTSOF(v), cfg, &s), "specs build");
        is_int(s.n, ELEMENTSOF(names), "file count");
        for (size_t i = 0; i < s.n && i < ELEMENTSOF(names); i++)
                is_str(s.v[i].name, names[i], "name in sorted order");

        sp = spec_find(&s, "wifi.pem");
        ok(sp && sp->blob->len == strlen(CHAIN_A) && memcmp(sp->blob->data, CHAIN_A, sp->blob->len) == 0,
           "wifi.pem is the chain");
        ok(sp && sp->mode == 0444 && sp->uid == 0 && sp->gid == 0, "wifi.pem 0444 root");
        ok(sp && !sp->blob->secret, "chain not secret");
        ok(sp && sp->mtime.tv_sec == 1700000100, "mtime is the publication time");

        sp = spec_find(&s, "wifi.key.pem");
        ok(sp && sp->blob->len == strlen(KEY_A) && memcmp(sp->blob->data, KEY_A, sp->blob->len) == 0,
           "wifi.key.pem is the key");
        ok(sp && sp->mode == 0440 && sp->uid == 101 && sp->gid == 102, "wifi.key.pem from the config");
        ok(sp && sp->blob->secret, "key secret");

        sp = spec_find(&s, "wifi.bundle.pem");
        ok(sp && sp->blob->len == strlen(KEY_A "\n" CHAIN_A) &&
                   memcmp(sp->blob->data, KEY_A "\n" CHAIN_A, sp->blob->len) == 0,
           "bundle is key, newline, chain");
        ok(sp && sp->mode == 0440 && sp->uid == 101 && sp->gid == 102 && sp->blob->secret, "bundle like the key");

        sp = spec_find(&s, "vpn.bundle.pem");
        ok(sp && sp->blob->len == strlen(KEY_B CHAIN_B) && memcmp(sp->blob->data, KEY_B CHAIN_B, sp->blob->len) == 0,
           "bundle adds no newline when the key has one");
        sp = spec_find(&s, "vpn.key.pem");
        ok(sp && sp->mode == FSD_DEFAULT_KEY_MODE && sp->uid == 0, "unconfigured key 0400 root");

        sp = spec_find(&s, "device.pem");
        ok(sp && sp->mode == 0444 && sp->blob->len == strlen(CHAIN_A), "device.pem");
        ok(!spec_find(&s, "device.key.pem"), "no device key file");
        sp = spec_find(&s, "roots.pem");
        ok(sp && sp->blob->len == strlen(ROOTS), "roots.pem");
        sp = spec_find(&s, "status.json");
        ok(sp && sp->mode == 0444 && sp->blob->len > 0 && sp->blob->data[sp->blob->len - 1] == '\n',
           "status.json ends in a newline");
        ok(sp && sp->mtime.tv_sec == 1700000200, "status.json mtime is the newest publication");
}

static void test_refusals(void) {
        keyring_entry a = entry("wifi", 1, CHAIN_A, NULL, KEYRING_KEY_NONE, 0, 0);
        keyring_entry b = entry("wifi", 2, CHAIN_A, NULL, KEYRING_KEY_NONE, 0, 0);
        keyring_entry bad = entry("Bad.Name", 1, CHAIN_A, NULL, KEYRING_KEY_NONE, 0, 0);
        keyring_entry big = entry("big", 1, CHAIN_A, NULL, KEYRING_KEY_NONE, 0, 0);
        const keyring_entry *dup[] = { &a, &b }, *inv[] = { &bad }, *large[] = { &big };
        fsd_specs s = {};

        big.chain_len = KEYRING_MAX_CHAIN + 1;
        is_err(fsd_specs_build(dup, 2, NULL, &s), -EINVAL, "duplicate entry refused");
        is_err(fsd_specs_build(inv, 1, NULL, &s), -EINVAL, "invalid name refused");
        is_err(fsd_specs_build(large, 1, NULL, &s), -E2BIG, "oversized chain refused");
        is_ok(fsd_specs_build(NULL, 0, NULL, &s), "empty keyring builds");
        is_int(s.n, 1, "only status.json");
        fsd_specs_done(&s);
}

static int build(const keyring_entry *const *v, size_t n, fsd_specs *s) {
        return fsd_specs_build(v, n, NULL, s);
}

/* fsd_fs_apply() into a change list that may hold an earlier result. */
static int apply(fsd_fs *fs, fsd_specs *s, struct timespec now, fsd_change **ch, size_t *n) {
        free(*ch);
        *ch = NULL;
        return fsd_fs_apply(fs, s, now, ch, n);
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

        is_ok(build(g2, 2, &s), "generation 2 builds");
        is_ok(apply(&fs, &s, now, &ch, &n), "generation 2 applies");
        fsd_specs_done(&s);
        is_int(n, 4, "wifi's three files and status.json change");
        for (size_t i = 0; i < n; i++)
                ok(ch[i].old_ino && ch[i].new_ino && ch[i].new_ino > ch[i].old_ino && !streq(ch[i].name, "roots.pem"),
                   "changed name gets a fresh, larger inode");
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
        is_ok(build(g3, 1, &s), "generation 3 builds");
        is_ok(apply(&fs, &s, now, &ch, &n), "generation 3 applies");
        fsd_specs_done(&s);
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
        fsd_specs s = {};
        struct stat st;
        size_t n;
        fsd_fs fs;

        fsd_fs_init(&fs, now);
        is_ok(build(g, 1, &s), "builds");
        is_ok(apply(&fs, &s, now, &ch, &n), "applies");
        fsd_specs_done(&s);

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

static fsd_spec *spec_mut(fsd_specs *s, const char *name) {
        return (fsd_spec *) spec_find(s, name);
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
        is_ok(fsd_fs_stage(&fs, spec_mut(&s, "wifi.bundle.pem"), &new_ino), "stage one");
        ok(spec_mut(&s, "wifi.bundle.pem")->blob == NULL, "the blob was taken");
        is_err(fsd_fs_stage(&fs, spec_mut(&s, "wifi.bundle.pem"), &other), -EEXIST, "a name is staged once");
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
        is_ok(fsd_fs_stage(&fs, spec_mut(&s, "wifi.bundle.pem"), &new_ino), "stage the next generation");
        fsd_specs_done(&s);
        ok(new_ino > old_ino, "fresh inode number");
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
        is_ok(fsd_fs_stage(&fs, spec_mut(&s, "wifi.key.pem"), &other), "stage another");
        fsd_specs_done(&s);
        fsd_fs_unstage_all(&fs);
        ok(fsd_fs_find_ino(&fs, other) == NULL && !fsd_fs_find_staged(&fs, "wifi.key.pem"), "unstaged and freed");
        fsd_fs_done(&fs);
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

int main(void) {
        test_status_json();
        test_layout();
        test_refusals();
        test_generations();
        test_lookup_errors_and_dir();
        test_staging();
        test_policies();
        return tap_done();
}
