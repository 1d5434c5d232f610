/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the INI scaffold (common/conf.c) on arbitrary bytes, with
 * a syntax of every form. What reaches the callbacks must hold what the
 * parsers rely on: a known section with a non-empty argument exactly for
 * the forms that take one, a listed key, never a key twice in a section,
 * keys and values trimmed and within CONF_MAX_LINE; and every refusal
 * explains itself, naming its line unless it is about the whole text.
 */
#include <ctype.h>
#include <stdint.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEEN 512

typedef struct seen {
        char *entries[MAX_SEEN]; /* "section\nkey" */
        size_t n;
} seen;

static bool trimmed(const char *s) {
        size_t n = strlen(s);

        return n <= CONF_MAX_LINE && !(n > 0 && (isspace((unsigned char) s[0]) || isspace((unsigned char) s[n - 1])));
}

static void check_section(const conf_section *s) {
        if ((s->spec->form == CONF_PLAIN) != !s->arg || (s->arg && !*s->arg) || !s->header || s->line == 0)
                abort();
}

static int on_section(conf_ctx *ctx, const conf_section *s, void *userdata) {
        check_section(s);
        if (s->arg && streq(s->arg, "no"))
                return conf_fail(ctx, -EINVAL, "refused");
        return 0;
}

static int on_key(conf_ctx *ctx, const conf_section *s, const char *key, const char *value, void *userdata) {
        seen *sn = userdata;
        char *e;

        if (!*key || !trimmed(key) || !trimmed(value) || strchr(key, '\n') || strchr(value, '\n'))
                abort();
        if (s->spec->keys) {
                bool listed = false;

                for (const char *const *k = s->spec->keys; *k; k++)
                        listed = listed || streq(*k, key);
                if (!listed)
                        abort();
        }
        check_section(s);
        if (asprintf(&e, "%s %s\n%s", s->spec->name, s->arg ?: "", key) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < sn->n; i++)
                if (streq(sn->entries[i], e))
                        abort(); /* a key twice in one section */
        if (sn->n >= MAX_SEEN) {
                free(e);
                return conf_fail(ctx, -E2BIG, "enough");
        }
        sn->entries[sn->n++] = e;
        return streq(value, "fail") ? conf_fail(ctx, -EINVAL, "failed") : 0;
}

static const conf_section_spec sections[] = {
        { .name = "plain", .form = CONF_PLAIN, .keys = (const char *const[]) { "a", "b", NULL }, .key = on_key },
        { .name = "any", .form = CONF_PLAIN, .section = on_section, .key = on_key },
        { .name = "q", .form = CONF_QUOTED, .keys = (const char *const[]) { "x", NULL }, .section = on_section,
          .key = on_key },
        { .name = "c", .form = CONF_COLON, .section = on_section, .key = on_key },
};

static const conf_syntax syntax = {
        .sections = sections,
        .n_sections = ELEMENTSOF(sections),
        .max_size = 16 * 1024,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *err = NULL;
        seen sn = {};
        int r;

        r = conf_parse(&syntax, (const char *) data, size, &sn, &err);
        for (size_t i = 0; i < sn.n; i++)
                free(sn.entries[i]);
        if (r >= 0)
                return 0;
        if (r == -ENOMEM)
                return 0;
        if (!err)
                abort();
        if (strncmp(err, "line ", 5) != 0 && !streq(err, "contains a NUL byte") &&
            !streq(err, "larger than 16384 bytes"))
                abort();
        return 0;
}
