/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reload pipeline of deviceid-fsd: reads the keyring, plans what
 * changes, stages the new generations and commits each changed name by a
 * real VFS call on the daemon's read-write view of the mount, so the
 * kernel's caches follow and watchers get the inotify events of a real
 * filesystem. Run by the notifier thread (notify.c), which is no FUSE
 * worker: its own filesystem calls are served by the workers instead of
 * deadlocking; and once by main.c before mounting.
 */
#pragma once

#include <stdbool.h>

#include "fsd/config.h"
#include "fsd/fsd.h"

/* Reads the keyring and makes its content current. With notify, each
 * changed name is changed by a VFS call on rw_fd, the read-write view of
 * the mount (create, rename over, unlink), so the kernel's caches follow
 * and watchers get the inotify events of a real filesystem; without
 * (before mounting), only the table changes. Returns the number of
 * changed names, or -errno with *ret_error (if not NULL) set to a
 * malloc'ed explanation. */
int fsd_reload(fsd_ctx *ctx, const fsd_config *cfg, int rw_fd, bool notify, char **ret_error);
