/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mount-point chores of deviceid-fsd: cleaning up a mount left behind by a
 * killed instance, and the read-only bind mount that users see on top of
 * the read-write FUSE mount the daemon keeps for its own inotify touches.
 */
#pragma once

/* Makes mountpoint usable: creates it (0755) if missing, detaches stale
 * FUSE mounts (stat gives ENOTCONN) left by a killed server, however many
 * are stacked. -EBUSY if a live deviceid-fsd (or other FUSE filesystem)
 * is mounted there. Logs what it cleans. */
int fsd_mount_prepare(const char *mountpoint);

/* Opens the FUSE mount at mountpoint (O_PATH): the read-write view the
 * daemon keeps for its own name changes, opened before the cover. */
int fsd_mount_open_view(const char *mountpoint, int *ret_fd);

/* Covers mountpoint with a read-only, nosuid, nodev, noexec bind mount of
 * itself. On failure nothing is left mounted by this call. */
int fsd_mount_cover(const char *mountpoint);

/* Removes the read-only cover again (lazy detach). */
int fsd_mount_uncover(const char *mountpoint);
