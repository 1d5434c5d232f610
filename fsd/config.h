/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deviceid-fsd configuration: who may read each account's private key and
 * bundle files, the mode of its certificate file, and how often the
 * keyring is polled. INI syntax (common/conf.h, from a buffer, so the
 * parser is pure and fuzzed); documented in deviceid-fsd(8):
 *
 *   [fsd]
 *   PollIntervalSec=5
 *
 *   [account:wifi]
 *   User=wpa            # owner of wifi.key.pem and wifi.bundle.pem
 *   Group=netdev
 *   Mode=0440           # key and bundle; never any bit for "other"
 *   CertMode=0444       # wifi.pem
 *
 * Accounts not named get the defaults: certificate files 0444 root:root,
 * key and bundle files 0400 root:root.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "keyring/keyring.h"
#include "macro.h"

#define FSD_CONFIG_MAX_SIZE (64 * 1024)
#define FSD_CONFIG_MAX_ACCOUNTS 256
#define FSD_DEFAULT_POLL_SEC 5
#define FSD_MAX_POLL_SEC 3600
#define FSD_DEFAULT_CERT_MODE 0444
#define FSD_DEFAULT_KEY_MODE 0400
/* Key and bundle files may carry at most these bits, certificate files
 * at most FSD_MAX_CERT_MODE: the filesystem is read-only. */
#define FSD_MAX_KEY_MODE 0440
#define FSD_MAX_CERT_MODE 0444

typedef struct fsd_account_config {
        char name[KEYRING_MAX_NAME + 1];
        char *user;  /* as written (name or number); NULL: root */
        char *group; /* as written; NULL: root */
        uid_t uid;   /* resolved by fsd_config_resolve(); numbers at parse time */
        gid_t gid;
        mode_t key_mode;
        mode_t cert_mode;
} fsd_account_config;

typedef struct fsd_config {
        fsd_account_config *accounts; /* sorted by name after parsing */
        size_t n_accounts;
        unsigned poll_interval_sec;
} fsd_config;

/* Parses len bytes of configuration. On success *ret is a new config
 * (free with fsd_config_free). On failure returns -EINVAL (bad syntax,
 * unknown section or key, bad value, a mode that would expose a key),
 * -E2BIG (over FSD_CONFIG_MAX_SIZE or too many accounts), -EBADMSG
 * (embedded NUL) or -ENOMEM, and, if ret_error is not NULL, sets it to a
 * malloc'ed one-line explanation naming the line (NULL if out of memory).
 * No I/O: user and group names are kept for fsd_config_resolve(). */
int fsd_config_parse(const char *buf, size_t len, fsd_config **ret, char **ret_error);

/* The built-in defaults, as if an empty file was parsed. */
int fsd_config_new_default(fsd_config **ret);

/* Resolves user and group names through NSS (numbers were resolved while
 * parsing). -ENOENT with *ret_error naming the unknown user or group. */
int fsd_config_resolve(fsd_config *c, char **ret_error);

/* The settings of account name, or NULL if the config does not name it
 * (the caller then applies the defaults). */
const fsd_account_config *fsd_config_find_account(const fsd_config *c, const char *name);

void fsd_config_free(fsd_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(fsd_config *, fsd_config_free);
