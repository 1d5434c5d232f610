/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The name table of deviceid-fsd, pure: which files exist, with what
 * bytes, modes and owners, built from the keyring entries and the
 * configuration (fsd_specs_build). Where those files live once served
 * (one inode per generation) is the inode store's business (store.h).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "fsd/config.h"
#include "keyring/keyring.h"
#include "macro.h"

/* "ACCOUNT.bundle.pem" is the longest name built from an entry. */
#define FSD_NAME_MAX (KEYRING_MAX_NAME + 16)
#define FSD_STATUS_NAME "status.json"
#define FSD_MAX_ENTRIES 1024

/* Immutable file contents; erased on free when secret. */
typedef struct fsd_blob {
        size_t len;
        bool secret;
        char data[];
} fsd_blob;

void fsd_blob_free(fsd_blob *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(fsd_blob *, fsd_blob_free);

/* What one file should look like. */
typedef struct fsd_spec {
        char name[FSD_NAME_MAX + 1];
        fsd_blob *blob;
        mode_t mode; /* permission bits only */
        uid_t uid;
        gid_t gid;
        struct timespec mtime;
        /* Changes with every new content of the name: the keyring
         * generation of its entry, or for status.json a hash of its
         * bytes. With the name and attributes it fixes the inode number
         * (store.h), so a successor server computes the same numbers. */
        uint64_t stamp;
} fsd_spec;

typedef struct fsd_specs {
        fsd_spec *v; /* sorted by name, names unique */
        size_t n;
} fsd_specs;

/* Builds the file list from n current keyring entries (any order) and the
 * config (NULL: defaults): per account ACCOUNT.pem (chain, leaf first),
 * and if it has a key ACCOUNT.key.pem and ACCOUNT.bundle.pem (key, then
 * chain); device.pem; roots.pem; always status.json. -EINVAL for an
 * invalid or duplicate entry name, -E2BIG above the keyring limits or
 * FSD_MAX_ENTRIES, -ENOMEM. *ret is filled only on success. */
int fsd_specs_build(const keyring_entry *const *entries, size_t n, const fsd_config *cfg, fsd_specs *ret);
void fsd_specs_done(fsd_specs *s);

/* A 64-bit hash of buf continuing from seed (0 to start): FNV-1a with a
 * final avalanche (the splitmix64 finalizer), for stamps and inode
 * numbers. Not for secrets: it is not a cryptographic hash. */
uint64_t fsd_hash64(const void *buf, size_t len, uint64_t seed);

/* The spec of name, or NULL. */
fsd_spec *fsd_specs_find(fsd_specs *specs, const char *name);

/* The status.json document for these entries (sorted by name), as a
 * malloc'ed NUL-terminated string. Exposed for the unit tests. */
int fsd_status_json(const keyring_entry *const *sorted, size_t n, char **ret, size_t *ret_len);
