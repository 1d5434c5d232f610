/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deviceid-enrolld's state file (enrolld-status-file.h): the path, the
 * atomic write, the bounded read.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enroll/agent/enrolld-status-file.h"
#include "macro.h"

int enrolld_status_path(char **ret) {
        const char *dir = getenv("RUNTIME_DIRECTORY");
        size_t n;

        if (!dir || dir[0] != '/')
                dir = ENROLLD_STATUS_DEFAULT_DIR;
        n = strcspn(dir, ":");
        return asprintf(ret, "%.*s/%s", (int) n, dir, ENROLLD_STATUS_FILE_NAME) < 0 ? -ENOMEM : 0;
}

static int write_all(int fd, const char *buf, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, buf, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                buf += n;
                len -= (size_t) n;
        }
        return 0;
}

int enrolld_status_write(const char *path, const enrolld_status *s) {
        _cleanup_free_ char *text = NULL, *tmp = NULL;
        size_t len;
        int fd, r;

        r = enrolld_status_format(s, &text, &len);
        if (r < 0)
                return r;
        if (asprintf(&tmp, "%s.%ld.tmp", path, (long) getpid()) < 0)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        r = write_all(fd, text, len);
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        return r;
}

int enrolld_status_read(const char *path, enrolld_status *ret, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        if (ret_error)
                *ret_error = NULL;
        r = read_file_at(AT_FDCWD, path, ENROLLD_STATUS_FILE_MAX, &text, &len);
        if (r < 0)
                return r;
        return enrolld_status_parse(text, len, ret, ret_error);
}
