/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf.h: the INI scaffold. libinih reads the lines through reader()
 * below, which hands them over one at a time (so the scaffold always
 * knows the line number), refuses what libinih would misread, and parses
 * section headers itself, libinih calling handler() for the keys. The
 * line classes mirror libinih's (release 55 and later): a line is blank
 * or a comment (';' or '#' first), a continuation (leading blank after a
 * key), a section header ('[' ... ']'), or KEY = VALUE (or KEY: VALUE);
 * an inline comment is ';' after a blank.
 */
#include <ctype.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>

#include "conf.h"

typedef struct conf_identity {
        const conf_section_spec *spec;
        char *arg;    /* NULL for [name] */
        size_t index; /* among the sections of spec */
} conf_identity;

typedef struct conf_key {
        size_t identity;
        char *key;
        unsigned line;
} conf_key;

struct conf_ctx {
        const conf_syntax *syntax;
        void *userdata;
        const char *p, *end; /* what the reader has not handed over yet */
        unsigned line;
        bool after_key; /* libinih's "previous name": a blank-led line continues it */

        conf_identity *identities;
        size_t n_identities;
        conf_key *keys;
        size_t n_keys;

        bool in_section;
        size_t identity;
        conf_section section;
        char header[CONF_MAX_LINE + 1];

        int error;
        char *message; /* "line N: ...", NULL if out of memory */
};

static void ctx_done(conf_ctx *ctx) {
        for (size_t i = 0; i < ctx->n_identities; i++)
                free(ctx->identities[i].arg);
        free(ctx->identities);
        for (size_t i = 0; i < ctx->n_keys; i++)
                free(ctx->keys[i].key);
        free(ctx->keys);
        free(ctx->message);
}

static int vfail(conf_ctx *ctx, int error, const char *fmt, va_list ap) _printf_(3, 0);
static int vfail(conf_ctx *ctx, int error, const char *fmt, va_list ap) {
        _cleanup_free_ char *m = NULL;

        if (error >= 0)
                error = -EINVAL;
        if (ctx->error)
                return error;
        ctx->error = error;
        if (vasprintf(&m, fmt, ap) < 0)
                return error;
        if (asprintf(&ctx->message, "line %u: %s", ctx->line, m) < 0)
                ctx->message = NULL;
        return error;
}

int conf_fail(conf_ctx *ctx, int error, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        error = vfail(ctx, error, fmt, ap);
        va_end(ap);
        return error;
}

int conf_error(char **ret_error, int error, const char *fmt, ...) {
        va_list ap;

        if (ret_error) {
                va_start(ap, fmt);
                if (vasprintf(ret_error, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return error;
}

/* A callback's error that came without conf_fail(). */
static int callback_failed(conf_ctx *ctx, int r) {
        if (r == -ENOMEM)
                return conf_fail(ctx, r, "out of memory");
        return conf_fail(ctx, r, "%s", strerror(-r));
}

/* libinih's rule: the first of chars, or a ';' after a blank, or the end. */
static const char *find_chars_or_comment(const char *s, const char *chars) {
        bool was_space = false;

        while (*s && !strchr(chars, *s) && !(was_space && *s == ';')) {
                was_space = isspace((unsigned char) *s);
                s++;
        }
        return s;
}

static bool strv_contains(const char *const *v, const char *s) {
        for (; *v; v++)
                if (streq(*v, s))
                        return true;
        return false;
}

/* Which section a header names, and its argument (borrowed from header,
 * NUL-terminated in place). */
static int header_parse(conf_ctx *ctx, char *header, const conf_section_spec **ret_spec, char **ret_arg) {
        for (size_t i = 0; i < ctx->syntax->n_sections; i++) {
                const conf_section_spec *spec = &ctx->syntax->sections[i];
                size_t n = strlen(spec->name), len;
                char *arg;

                if (strncmp(header, spec->name, n) != 0)
                        continue;
                switch (spec->form) {
                case CONF_PLAIN:
                        if (header[n] != '\0')
                                continue;
                        *ret_spec = spec;
                        *ret_arg = NULL;
                        return 0;
                case CONF_QUOTED:
                        if (header[n] != ' ')
                                continue;
                        arg = header + n + 1;
                        if (arg[0] != '"')
                                return conf_fail(ctx, -EINVAL, "unknown section [%.80s] (want [%s \"NAME\"])",
                                                 header, spec->name);
                        len = strlen(arg);
                        if (len < 3 || arg[len - 1] != '"' || memchr(arg + 1, '"', len - 2))
                                return conf_fail(ctx, -EINVAL, "bad section [%.80s] (want [%s \"NAME\"])",
                                                 header, spec->name);
                        arg[len - 1] = '\0';
                        *ret_spec = spec;
                        *ret_arg = arg + 1;
                        return 0;
                case CONF_COLON:
                        if (header[n] != ':')
                                continue;
                        if (header[n + 1] == '\0')
                                return conf_fail(ctx, -EINVAL, "bad section [%.80s] (want [%s:NAME])", header,
                                                 spec->name);
                        *ret_spec = spec;
                        *ret_arg = header + n + 1;
                        return 0;
                }
        }
        return conf_fail(ctx, -EINVAL, "unknown section [%.80s]", header);
}

/* A section header (without its brackets): parsed, matched with an
 * earlier header of the same section, and reported. */
static int section_begin(conf_ctx *ctx, const char *text, size_t len) {
        char buf[CONF_MAX_LINE + 1];
        const conf_section_spec *spec = NULL;
        char *arg = NULL;
        size_t i, index = 0;
        bool first = false;
        int r;

        memcpy(ctx->header, text, len);
        ctx->header[len] = '\0';
        memcpy(buf, text, len);
        buf[len] = '\0';
        ctx->in_section = false;
        r = header_parse(ctx, buf, &spec, &arg);
        if (r < 0)
                return r;
        for (i = 0; i < ctx->n_identities; i++) {
                if (ctx->identities[i].spec != spec)
                        continue;
                if (streq_ptr(ctx->identities[i].arg, arg))
                        break;
                index++;
        }
        if (i == ctx->n_identities) {
                conf_identity *n;

                if (ctx->n_identities >= CONF_MAX_SECTIONS)
                        return conf_fail(ctx, -E2BIG, "more than %d sections", CONF_MAX_SECTIONS);
                n = reallocarray(ctx->identities, ctx->n_identities + 1, sizeof(*n));
                if (!n)
                        return conf_fail(ctx, -ENOMEM, "out of memory");
                ctx->identities = n;
                n[i] = (conf_identity) { .spec = spec, .arg = arg ? strdup(arg) : NULL, .index = index };
                if (arg && !n[i].arg)
                        return conf_fail(ctx, -ENOMEM, "out of memory");
                ctx->n_identities++;
                first = true;
        }
        ctx->identity = i;
        ctx->in_section = true;
        ctx->section = (conf_section) {
                .spec = spec,
                .header = ctx->header,
                .arg = ctx->identities[i].arg,
                .line = ctx->line,
                .first = first,
                .index = ctx->identities[i].index,
        };
        if (spec->section) {
                r = spec->section(ctx, &ctx->section, ctx->userdata);
                if (r < 0)
                        return callback_failed(ctx, r);
        }
        return 0;
}

/* Classifies a line as libinih will, before it does: sections are ours,
 * what libinih would misread is refused here. */
static int line_check(conf_ctx *ctx, const char *line) {
        const char *start = line, *end, *close;

        if (ctx->line == 1 && strncmp(start, "\xEF\xBB\xBF", 3) == 0)
                start += 3;
        while (*start && isspace((unsigned char) *start))
                start++;
        end = start + strlen(start);
        while (end > start && isspace((unsigned char) end[-1]))
                end--;

        if (start == end || *start == ';' || *start == '#')
                return 0;
        if (ctx->after_key && start > line)
                return conf_fail(ctx, -EINVAL, "continuation lines are not supported (a line after a key "
                                               "starts with a blank)");
        if (*start == '[') {
                close = find_chars_or_comment(start + 1, "]");
                if (*close != ']')
                        return conf_fail(ctx, -EINVAL, "syntax error (section header without \"]\")");
                ctx->after_key = false;
                return section_begin(ctx, start + 1, (size_t) (close - start - 1));
        }
        close = find_chars_or_comment(start, "=:");
        if (*close != '=' && *close != ':')
                return conf_fail(ctx, -EINVAL, "syntax error (want KEY = VALUE)");
        if (close == start)
                return conf_fail(ctx, -EINVAL, "syntax error (a value without a key)");
        return 0;
}

/* libinih's line source (fgets-like): one line per call, at most num - 1
 * bytes with its line feed. */
static char *reader(char *str, int num, void *stream) {
        conf_ctx *ctx = stream;
        const char *eol;
        size_t n, limit = CONF_MAX_LINE, take;

        if (ctx->error || ctx->p >= ctx->end)
                return NULL;
        if (num < 3) { /* not libinih's way: never read a line in parts */
                (void) conf_fail(ctx, -EINVAL, "syntax error");
                return NULL;
        }
        if ((size_t) num - 2 < limit)
                limit = (size_t) num - 2;
        ctx->line++;
        eol = memchr(ctx->p, '\n', (size_t) (ctx->end - ctx->p));
        n = eol ? (size_t) (eol - ctx->p) : (size_t) (ctx->end - ctx->p);
        if (n > limit) {
                (void) conf_fail(ctx, -EINVAL, "longer than %zu characters", limit);
                return NULL;
        }
        take = n + (eol ? 1 : 0);
        memcpy(str, ctx->p, take);
        str[take] = '\0';
        ctx->p += take;
        if (line_check(ctx, str) < 0)
                return NULL;
        return str;
}

static int key_add(conf_ctx *ctx, const char *key) {
        conf_key *k;

        for (size_t i = 0; i < ctx->n_keys; i++) {
                k = &ctx->keys[i];
                if (k->identity != ctx->identity || !streq(k->key, key))
                        continue;
                if (ctx->section.arg)
                        return conf_fail(ctx, -EINVAL,
                                         "duplicate key \"%s\" for %s \"%s\" (given twice, first on line %u)", key,
                                         ctx->section.spec->name, ctx->section.arg, k->line);
                return conf_fail(ctx, -EINVAL, "duplicate key \"%s\" in [%s] (given twice, first on line %u)", key,
                                 ctx->section.header, k->line);
        }
        if (ctx->n_keys >= CONF_MAX_KEYS)
                return conf_fail(ctx, -E2BIG, "more than %d keys", CONF_MAX_KEYS);
        k = reallocarray(ctx->keys, ctx->n_keys + 1, sizeof(*k));
        if (!k)
                return conf_fail(ctx, -ENOMEM, "out of memory");
        ctx->keys = k;
        k[ctx->n_keys] = (conf_key) { .identity = ctx->identity, .key = strdup(key), .line = ctx->line };
        if (!k[ctx->n_keys].key)
                return conf_fail(ctx, -ENOMEM, "out of memory");
        ctx->n_keys++;
        return 0;
}

static int key_read(conf_ctx *ctx, const char *section, const char *key, const char *value) {
        const conf_section_spec *spec;
        size_t n;
        int r;

        ctx->after_key = true;
        if (!ctx->in_section && *section)
                return conf_fail(ctx, -EINVAL, "syntax error");
        if (!ctx->in_section)
                return conf_fail(ctx, -EINVAL, "\"%.64s\" outside of a section", key);
        /* libinih's section name is ours, possibly cut short (it keeps 49
         * bytes): anything else means the two readings differ. */
        n = strlen(section);
        if (n == 0 || strncmp(section, ctx->header, n) != 0 || (ctx->header[n] && n < 49))
                return conf_fail(ctx, -EINVAL, "syntax error");
        spec = ctx->section.spec;
        if (spec->keys && !strv_contains(spec->keys, key))
                return conf_fail(ctx, -EINVAL, "unknown key \"%.64s\" in [%s]", key, ctx->header);
        r = key_add(ctx, key);
        if (r < 0)
                return r;
        r = spec->key(ctx, &ctx->section, key, value, ctx->userdata);
        if (r < 0)
                return callback_failed(ctx, r);
        return 0;
}

/* libinih's callback, for KEY = VALUE lines (line_check() passed them):
 * 1 to go on, 0 for an error (recorded; the reader then stops). */
static int handler(void *user, const char *section, const char *key, const char *value) {
        conf_ctx *ctx = user;

        if (ctx->error)
                return 0;
        if (!key || !value)
                return 1;
        return key_read(ctx, section, key, value) < 0 ? 0 : 1;
}

int conf_parse(const conf_syntax *syntax, const char *buf, size_t len, void *userdata, char **ret_error) {
        _cleanup_(ctx_done) conf_ctx ctx = {
                .syntax = syntax,
                .userdata = userdata,
                .p = buf,
                .end = buf + len,
        };
        int line;

        if (ret_error)
                *ret_error = NULL;
        if (len > syntax->max_size)
                return conf_error(ret_error, -E2BIG, "larger than %zu bytes", syntax->max_size);
        if (memchr(buf, 0, len))
                return conf_error(ret_error, -EBADMSG, "contains a NUL byte");

        line = ini_parse_stream(reader, &ctx, handler, &ctx);
        if (!ctx.error && line == -2)
                ctx.error = -ENOMEM;
        else if (!ctx.error && line != 0) {
                /* A refusal of libinih's own that line_check() missed. */
                ctx.line = line > 0 ? (unsigned) line : 0;
                (void) conf_fail(&ctx, -EINVAL, "syntax error");
        }
        if (ctx.error && ret_error)
                *ret_error = TAKE_PTR(ctx.message);
        return ctx.error;
}
