/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the CA's unit tests share: a scratch directory with a store on
 * test-db.h's database (a fresh SQLite file in it, unless
 * DEVICEID_TEST_DATABASE names another), and its removal. Failures are
 * reported as TAP results.
 */
#pragma once

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "ca/core/store.h"
#include "tests/unit/ca/test-db.h"
#include "tests/unit/tap.h"

static inline int ca_test_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

/* Makes the directory from the mkdtemp() template tmpdir and opens a
 * store on DIR/test.db. 0, or -1 after a failed TAP result. */
static inline int ca_test_store_open(char *tmpdir, store **ret) {
        char db[1024];

        if (!ok(mkdtemp(tmpdir) != NULL, "scratch directory made"))
                return -1;
        test_db_url(tmpdir, db, sizeof(db));
        return is_ok(store_open(db, ret), "store: open") ? 0 : -1;
}

/* Removes the scratch directory and all in it. */
static inline void ca_test_dir_remove(const char *tmpdir) {
        if (nftw(tmpdir, ca_test_remove_entry, 8, FTW_DEPTH | FTW_PHYS) < 0)
                printf("# could not remove %s\n", tmpdir);
}
