/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration scaffold of deviceid's INI files (enrolld.conf,
 * ca.conf, fsd.conf): one reader and one set of rules, so every file
 * refuses the same mistakes with the same words. libinih splits lines into
 * keys and values; around it the scaffold
 *   - refuses a buffer over the parser's size cap (-E2BIG) or holding a
 *     NUL byte (-EBADMSG), and lines over CONF_MAX_LINE characters (libinih
 *     would cut them in two and read the tail as a line of its own);
 *   - parses each section header once, in one of three forms: [name],
 *     [name "ARG"] or [name:ARG], and refuses unknown sections, keys
 *     outside of a section, keys a section does not list, a key given twice
 *     in one section (a section may be repeated: [account "w"] twice is
 *     one section), continuation lines and keys without a name;
 *   - reports a section header to its parser even when no key follows, in
 *     file order, and every key with the section it belongs to;
 *   - keeps the first error, prefixed with its line: "line 7: ...".
 * Pure: text in, callbacks out, no I/O.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* Longest line, its line feed not counted. */
#define CONF_MAX_LINE 198
/* Most keys in one file, and most distinct sections. */
#define CONF_MAX_KEYS 4096
#define CONF_MAX_SECTIONS 1024

typedef enum conf_form {
        CONF_PLAIN,  /* [name] */
        CONF_QUOTED, /* [name "ARG"] */
        CONF_COLON,  /* [name:ARG] */
} conf_form;

/* The state of one parse, handed to the callbacks for conf_fail(). */
typedef struct conf_ctx conf_ctx;
typedef struct conf_section_spec conf_section_spec;

/* One section header as read. Borrowed: valid during the callback. */
typedef struct conf_section {
        const conf_section_spec *spec;
        const char *header; /* between the brackets, as written */
        const char *arg;    /* ARG of the quoted and colon forms (never empty); NULL for [name] */
        unsigned line;      /* of this header */
        bool first;         /* the first header of this section in the file */
        size_t index;       /* 0, 1, ...: the sections of this spec in order of first sight, so a
                             * parser that appends one item per new section finds it at index */
} conf_section;

/* Callbacks return 0, or a negative errno after conf_fail() said why (a
 * negative errno without conf_fail() gets a generic message). */
struct conf_section_spec {
        const char *name;
        conf_form form;
        /* The keys the section may hold, NULL-terminated; NULL: any key. */
        const char *const *keys;
        /* Called for every header of this section, repeats included (see
         * first), before its keys; may be NULL. */
        int (*section)(conf_ctx *ctx, const conf_section *s, void *userdata);
        /* Called for every key, after the checks above: key is listed (or
         * any is allowed), not empty and not given before in this section;
         * key and value are trimmed, value may be empty. */
        int (*key)(conf_ctx *ctx, const conf_section *s, const char *key, const char *value, void *userdata);
};

typedef struct conf_syntax {
        const conf_section_spec *sections;
        size_t n_sections;
        size_t max_size; /* bytes */
} conf_syntax;

/* Parses len bytes of buf by syntax, calling its callbacks with userdata.
 * 0, or the first error: -E2BIG (over max_size, CONF_MAX_KEYS or
 * CONF_MAX_SECTIONS), -EBADMSG (a NUL byte), -EINVAL (syntax or any of the
 * refusals above), -ENOMEM, or whatever a callback returned. Then, if
 * ret_error is not NULL, *ret_error is a malloc'ed one-line explanation,
 * "line N: ..." for a mistake on a line (NULL if out of memory). */
int conf_parse(const conf_syntax *syntax, const char *buf, size_t len, void *userdata, char **ret_error);

/* Records error (negative) with its message, prefixed by the current line,
 * unless an error was recorded before; returns error. For callbacks. */
int conf_fail(conf_ctx *ctx, int error, const char *fmt, ...) _printf_(3, 4);

/* The same for checks after conf_parse() (a missing key, two keys that
 * disagree): sets *ret_error (if not NULL) to the message, without a line,
 * and returns error. */
int conf_error(char **ret_error, int error, const char *fmt, ...) _printf_(3, 4);
