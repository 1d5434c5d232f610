/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deviceid-enrolld's state file (enrolld-status.h has its text): where it
 * is, written atomically by the daemon (a temporary file in the same
 * directory, fsync, rename: a reader sees the old text or the new one),
 * read back by `deviceidctl status`.
 */
#pragma once

#include "enroll/agent/enrolld-status.h"

/* Where the daemon keeps it without $RUNTIME_DIRECTORY, and where
 * deviceidctl looks by default: the unit's RuntimeDirectory=. */
#define ENROLLD_STATUS_DEFAULT_DIR "/run/deviceid-enrolld"
#define ENROLLD_STATUS_FILE_NAME "status"

/* $RUNTIME_DIRECTORY/status (its first entry when systemd lists
 * several), else ENROLLD_STATUS_DEFAULT_DIR/status. -ENOMEM. */
int enrolld_status_path(char **ret);

/* Writes s to path atomically, mode 0644. -errno. */
int enrolld_status_write(const char *path, const enrolld_status *s);

/* Reads and parses path. -ENOENT and other errors of reading, -EFBIG,
 * -EBADMSG with *ret_error as enrolld_status_parse() gives it. */
int enrolld_status_read(const char *path, enrolld_status *ret, char **ret_error);
