/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The console's files (HTML, CSS, JavaScript modules, SVG), read once
 * from one flat directory when the server starts and served from memory,
 * so that a request never touches the filesystem and nothing outside that
 * directory can be reached. Only regular files whose names are lower-case
 * letters, digits and "-" with a known extension are taken; the
 * extension decides the Content-Type.
 */
#pragma once

#include <stddef.h>

#include "macro.h"

#define CONSOLE_FILES_MAX 64
#define CONSOLE_FILE_SIZE_MAX (1024 * 1024)
#define CONSOLE_FILES_TOTAL_MAX (8 * 1024 * 1024)

typedef struct console_file {
        char *name;
        const char *content_type;
        char *data;
        size_t len;
} console_file;

typedef struct console_files console_files;

/* Loads every eligible file of dir. -ENOENT if dir does not exist,
 * -E2BIG past the limits above, -errno otherwise; a file that cannot be
 * read is an error (a half-installed console would fail later, in a
 * browser). */
int console_files_load(const char *dir, console_files **ret);
void console_files_free(console_files *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(console_files *, console_files_free);
size_t console_files_count(const console_files *f);

/* The file of that name, or NULL. */
const console_file *console_files_get(const console_files *f, const char *name);

/* The Content-Type for a file name, or NULL if the name is not one the
 * console serves (pure). */
const char *console_file_type(const char *name);
