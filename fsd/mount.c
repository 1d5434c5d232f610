/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mount-point chores (see mount.h). Stale mounts are recognized by
 * ENOTCONN ("transport endpoint is not connected"), which the kernel
 * returns for every access to a FUSE mount whose server is gone.
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>

#include "fsd/mount.h"
#include "log.h"

#define FUSE_SUPER_MAGIC 0x65735546
#define MAX_STACKED 16

static int run_fusermount_unmount(const char *mountpoint) {
        pid_t pid = fork();
        int status;

        if (pid < 0)
                return negative_errno();
        if (pid == 0) {
                execl("/usr/bin/fusermount3", "fusermount3", "-u", "-z", "--", mountpoint, (char *) NULL);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return negative_errno();
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int fsd_mount_prepare(const char *mountpoint) {
        struct statfs sf;
        struct stat st;

        /* statfs() always reaches the server (stat() of a mount root may be
         * answered from cached attributes), so a dead one shows. */
        for (unsigned i = 0; i < MAX_STACKED; i++) {
                if (statfs(mountpoint, &sf) == 0)
                        break;
                if (errno == ENOENT) {
                        if (mkdir(mountpoint, 0755) < 0 && errno != EEXIST)
                                return log_error_errno(errno, "Failed to create mount point \"%s\": %m",
                                                       mountpoint);
                        continue;
                }
                if (errno != ENOTCONN && errno != ECONNABORTED)
                        return log_error_errno(errno, "Failed to check mount point \"%s\": %m", mountpoint);
                log_notice("Mount point \"%s\" holds a stale FUSE mount (server gone), detaching it.",
                           mountpoint);
                if (umount2(mountpoint, MNT_DETACH) < 0 && run_fusermount_unmount(mountpoint) < 0)
                        return log_error_errno(errno, "Failed to detach stale mount \"%s\": %m", mountpoint);
        }
        if (statfs(mountpoint, &sf) < 0 || stat(mountpoint, &st) < 0)
                return log_error_errno(errno, "Mount point \"%s\" still unusable: %m", mountpoint);
        if (!S_ISDIR(st.st_mode))
                return log_error_errno(ENOTDIR, "Mount point \"%s\" is not a directory.", mountpoint);
        if ((unsigned long) sf.f_type == FUSE_SUPER_MAGIC && st.st_ino == 1)
                return log_error_errno(EBUSY, "A live FUSE filesystem is mounted on \"%s\" (another deviceid-fsd?).",
                                       mountpoint);
        return 0;
}

int fsd_mount_open_view(const char *mountpoint, int *ret_fd) {
        int fd = open(mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return log_error_errno(errno, "Failed to open FUSE mount \"%s\": %m", mountpoint);
        *ret_fd = fd;
        return 0;
}

int fsd_mount_cover(const char *mountpoint) {
        if (mount(mountpoint, mountpoint, NULL, MS_BIND, NULL) < 0)
                return log_error_errno(errno, "Failed to bind-mount \"%s\" on itself: %m", mountpoint);
        if (mount(NULL, mountpoint, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  NULL) < 0) {
                int r = log_error_errno(errno, "Failed to make \"%s\" read-only: %m", mountpoint);

                (void) umount2(mountpoint, MNT_DETACH);
                return r;
        }
        return 0;
}

int fsd_mount_uncover(const char *mountpoint) {
        if (umount2(mountpoint, MNT_DETACH) < 0)
                return log_warning_errno(errno, "Failed to detach the read-only cover of \"%s\", ignoring: %m",
                                         mountpoint);
        return 0;
}
