/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The console's file table (files.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "files.h"

struct console_files {
        console_file *v;
        size_t n;
};

static const struct {
        const char *ext, *type;
} types[] = {
        { ".html", "text/html; charset=utf-8" },
        { ".css", "text/css; charset=utf-8" },
        { ".js", "text/javascript; charset=utf-8" },
        { ".svg", "image/svg+xml" },
};

const char *console_file_type(const char *name) {
        const char *dot;
        size_t stem;

        if (!name)
                return NULL;
        dot = strchr(name, '.');
        if (!dot)
                return NULL;
        stem = (size_t) (dot - name);
        if (stem == 0 || stem > 64)
                return NULL;
        for (const char *p = name; p < dot; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
                        return NULL;
        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                if (streq(dot, types[i].ext))
                        return types[i].type;
        return NULL;
}

void console_files_free(console_files *f) {
        if (!f)
                return;
        for (size_t i = 0; i < f->n; i++) {
                free(f->v[i].name);
                free(f->v[i].data);
        }
        free(f->v);
        free(f);
}

size_t console_files_count(const console_files *f) {
        return f ? f->n : 0;
}

const console_file *console_files_get(const console_files *f, const char *name) {
        if (!f || !name)
                return NULL;
        for (size_t i = 0; i < f->n; i++)
                if (streq(f->v[i].name, name))
                        return &f->v[i];
        return NULL;
}

/* Reads a regular file of at most CONSOLE_FILE_SIZE_MAX bytes. */
static int read_fd(int fd, char **ret, size_t *ret_len) {
        _cleanup_free_ char *buf = malloc(CONSOLE_FILE_SIZE_MAX + 1);
        size_t len = 0;

        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = read(fd, buf + len, CONSOLE_FILE_SIZE_MAX + 1 - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return negative_errno();
                if (n == 0)
                        break;
                len += (size_t) n;
                if (len > CONSOLE_FILE_SIZE_MAX)
                        return -E2BIG;
        }
        buf[len] = '\0';
        *ret = realloc(buf, len + 1) ?: buf;
        buf = NULL;
        *ret_len = len;
        return 0;
}

static int load_one(int dirfd, const char *name, const char *type, console_files *f, size_t *total) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *data = NULL, *copy = NULL;
        struct stat st;
        console_file *nv;
        size_t len;
        int r;

        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return errno == ELOOP ? 0 : negative_errno(); /* a symlink is not ours to serve */
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return 0;
        if (f->n >= CONSOLE_FILES_MAX || st.st_size > CONSOLE_FILE_SIZE_MAX ||
            *total + (size_t) st.st_size > CONSOLE_FILES_TOTAL_MAX)
                return -E2BIG;
        r = read_fd(fd, &data, &len);
        if (r < 0)
                return r;
        copy = strdup(name);
        if (!copy)
                return -ENOMEM;
        nv = realloc(f->v, (f->n + 1) * sizeof(*nv));
        if (!nv)
                return -ENOMEM;
        f->v = nv;
        f->v[f->n++] = (console_file) {
                .name = TAKE_PTR(copy), .content_type = type, .data = TAKE_PTR(data), .len = len,
        };
        *total += len;
        return 0;
}

int console_files_load(const char *dir, console_files **ret) {
        _cleanup_(console_files_freep) console_files *f = NULL;
        DIR *d;
        struct dirent *de;
        size_t total = 0;
        int r = 0;

        d = opendir(dir);
        if (!d)
                return negative_errno();
        f = calloc(1, sizeof(*f));
        if (!f) {
                closedir(d);
                return -ENOMEM;
        }
        while ((errno = 0, de = readdir(d))) {
                const char *type = console_file_type(de->d_name);

                if (!type)
                        continue;
                r = load_one(dirfd(d), de->d_name, type, f, &total);
                if (r < 0)
                        break;
        }
        if (r >= 0 && errno != 0)
                r = negative_errno();
        closedir(d);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(f);
        return 0;
}
