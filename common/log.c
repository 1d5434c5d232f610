/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stderr logger with journald-style "<N>" priority prefixes, and the few
 * libc-level helpers from macro.h that need a body.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "log.h"

static int log_max_level = LOG_INFO;

void log_set_max_level(int level) {
        if (level >= LOG_EMERG && level <= LOG_DEBUG)
                log_max_level = level;
}

int log_get_max_level(void) {
        return log_max_level;
}

int log_level_from_string(const char *s) {
        static const char *const names[] = { "emerg", "alert", "crit", "err",
                                             "warning", "notice", "info", "debug" };
        if (!s || !*s)
                return -EINVAL;
        if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0')
                return s[0] - '0';
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(s, names[i]))
                        return (int) i;
        if (streq(s, "error"))
                return LOG_ERR;
        if (streq(s, "warn"))
                return LOG_WARNING;
        return -EINVAL;
}

void log_parse_environment(void) {
        const char *e = getenv("DEVICEID_LOG_LEVEL");
        int l;

        if (!e)
                return;
        l = log_level_from_string(e);
        if (l >= 0)
                log_max_level = l;
}

int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *format, ...) {
        int saved_errno = errno;
        char buf[2048];
        va_list ap;
        bool prefix;

        if (error < 0)
                error = -error;

        if (level > log_max_level) {
                errno = saved_errno;
                return -error;
        }

        /* %m in the format refers to the error we were given. */
        errno = error;
        va_start(ap, format);
        (void) vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);

        /* journald reads the prefix; a terminal gets plain lines. */
        prefix = !isatty(STDERR_FILENO);
        if (log_max_level >= LOG_DEBUG)
                fprintf(stderr, prefix ? "<%d>%s (%s:%d %s)\n" : "%.0d%s (%s:%d %s)\n",
                        prefix ? level : 0, buf, file, line, func);
        else if (prefix)
                fprintf(stderr, "<%d>%s\n", level, buf);
        else
                fprintf(stderr, "%s\n", buf);

        errno = saved_errno;
        return -error;
}

void erase_and_free(void *p, size_t len) {
        if (!p)
                return;
        explicit_bzero(p, len);
        free(p);
}

int read_file_at(int dirfd, const char *path, size_t max_size, char **ret, size_t *ret_len) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap;
        struct stat st;

        fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (S_ISREG(st.st_mode) && (uintmax_t) st.st_size > max_size)
                return -EFBIG;

        cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t) st.st_size + 1 : 4096;
        if (cap > max_size + 1)
                cap = max_size + 1;
        buf = malloc(cap);
        if (!buf)
                return -ENOMEM;

        for (;;) {
                ssize_t n;

                if (len + 1 >= cap) {
                        size_t ncap;
                        char *nbuf;

                        if (len >= max_size) {
                                char extra;
                                ssize_t k = read(fd, &extra, 1);

                                if (k < 0 && errno == EINTR)
                                        continue;
                                if (k < 0)
                                        return negative_errno();
                                if (k > 0)
                                        return -EFBIG;
                                break;
                        }
                        ncap = cap * 2 > max_size + 1 ? max_size + 1 : cap * 2;
                        nbuf = realloc(buf, ncap);
                        if (!nbuf)
                                return -ENOMEM;
                        buf = nbuf;
                        cap = ncap;
                }
                n = read(fd, buf + len, cap - 1 - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}
