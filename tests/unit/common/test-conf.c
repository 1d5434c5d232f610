/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the INI scaffold (common/conf.c) with fixed vectors: what
 * the callbacks see (sections in file order, keyless and repeated ones,
 * arguments, keys with their lines), the syntax libinih accepts around
 * it (comments, inline comments, CRLF, a byte order mark), and every
 * refusal with its code and the line it names.
 */
#include <stdarg.h>

#include "conf.h"
#include "tests/unit/tap.h"

typedef struct trace {
        char text[4096];
        size_t len;
} trace;

_printf_(2, 3) static void trace_add(trace *t, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        t->len += (size_t) vsnprintf(t->text + t->len, sizeof(t->text) - t->len, fmt, ap);
        va_end(ap);
        if (t->len >= sizeof(t->text))
                t->len = sizeof(t->text) - 1;
}

static int on_section(conf_ctx *ctx, const conf_section *s, void *userdata) {
        trace_add(userdata, "%u[%s|%s#%zu%s]", s->line, s->spec->name, s->arg ?: "-", s->index,
                  s->first ? "" : " again");
        if (s->arg && streq(s->arg, "refused"))
                return conf_fail(ctx, -EPERM, "section \"%s\" refused", s->arg);
        if (s->arg && streq(s->arg, "silent"))
                return -EUCLEAN;
        return 0;
}

static int on_key(conf_ctx *ctx, const conf_section *s, const char *key, const char *value, void *userdata) {
        trace_add(userdata, "%s.%s=%s;", s->arg ?: s->spec->name, key, value);
        if (streq(value, "bad"))
                return conf_fail(ctx, -EINVAL, "%s=\"%s\" is bad", key, value);
        if (streq(value, "nomem"))
                return -ENOMEM;
        return 0;
}

static const conf_section_spec sections[] = {
        { .name = "main", .form = CONF_PLAIN, .keys = (const char *const[]) { "a", "b", NULL }, .key = on_key },
        { .name = "any", .form = CONF_PLAIN, .section = on_section, .key = on_key },
        {
                .name = "account",
                .form = CONF_QUOTED,
                .keys = (const char *const[]) { "x", "y", NULL },
                .section = on_section,
                .key = on_key,
        },
        { .name = "dir", .form = CONF_COLON, .section = on_section, .key = on_key },
};

static const conf_syntax syntax = {
        .sections = sections,
        .n_sections = ELEMENTSOF(sections),
        .max_size = 64 * 1024,
};

static int parse_len(const char *text, size_t len, trace *t, char **err) {
        *t = (trace) {};
        return conf_parse(&syntax, text, len, t, err);
}

static void expect(const char *text, const char *want_trace, const char *what) {
        _cleanup_free_ char *err = NULL;
        trace t;

        if (!is_ok(parse_len(text, strlen(text), &t, &err), what))
                printf("#   %s\n", err ?: "(no message)");
        is_str(t.text, want_trace, what);
}

static void refused(const char *text, int want, const char *want_msg, const char *what) {
        _cleanup_free_ char *err = NULL;
        trace t;

        is_int(parse_len(text, strlen(text), &t, &err), want, what);
        is_str(err, want_msg, what);
}

static void test_accepted(void) {
        expect("", "", "empty text");
        expect("# comment\n; comment\n\n   \n", "", "comments and blanks only");
        expect("[main]\na = 1\nb=two words \n", "main.a=1;main.b=two words;", "plain section, trimmed values");
        expect("[main]\na =\n", "main.a=;", "empty value");
        expect("[main]\na = 1 ; inline comment\nb = x;y\n", "main.a=1;main.b=x;y;",
               "inline comment after a blank, not inside a word");
        expect("[main] ; comment\na: 1\n", "main.a=1;", "comment after a header, colon separator");
        expect("[main]\r\na = 1\r\n", "main.a=1;", "CRLF");
        expect("\xEF\xBB\xBF[main]\na = 1\n", "main.a=1;", "byte order mark");
        expect("[main]\na = 1", "main.a=1;", "no final line feed");
        expect("  [main]\n  a = 1\n", "main.a=1;", "indented header and first key");
        expect("[any]\n[account \"w\"]\n[dir:/x y]\n", "1[any|-#0]2[account|w#0]3[dir|/x y#0]",
               "sections without keys reported in file order");
        expect("[account \"w\"]\nx = 1\n[any]\n[account \"w\"]\ny = 2\n",
               "1[account|w#0]w.x=1;3[any|-#0]4[account|w#0 again]w.y=2;", "a repeated section is the same section");
        expect("[account \"a\"]\nx = 1\n[account \"b\"]\nx = 1\n[dir:a]\n[account \"a\"]\n[account \"c\"]\n",
               "1[account|a#0]a.x=1;3[account|b#1]b.x=1;5[dir|a#0]6[account|a#0 again]7[account|c#2]",
               "the same key in two sections; indexes count first sights per section name");
        expect("[any]\nanything = goes\nx.y-z = 1\n", "1[any|-#0]any.anything=goes;any.x.y-z=1;",
               "a section that takes any key");
        expect("[account \"a-name-that-is-well-over-the-forty-nine-bytes-libinih-keeps\"]\nx = 1\n",
               "1[account|a-name-that-is-well-over-the-forty-nine-bytes-libinih-keeps#0]"
               "a-name-that-is-well-over-the-forty-nine-bytes-libinih-keeps.x=1;",
               "a long section header is read whole");
        expect("[main]\na = a=b:c\n", "main.a=a=b:c;", "separators inside a value");
}

static void test_refused(void) {
        refused("[main\na = 1\n", -EINVAL, "line 1: syntax error (section header without \"]\")", "header without ]");
        refused("[main]\na = 1\njunk\n", -EINVAL, "line 3: syntax error (want KEY = VALUE)", "line without =");
        refused("[main]\n= 1\n", -EINVAL, "line 2: syntax error (a value without a key)", "value without a key");
        refused("a = 1\n", -EINVAL, "line 1: \"a\" outside of a section", "key outside of a section");
        refused("[other]\n", -EINVAL, "line 1: unknown section [other]", "unknown section without keys");
        refused("# c\n[Main]\na = 1\n", -EINVAL, "line 2: unknown section [Main]", "section names are exact");
        refused("[account w]\n", -EINVAL, "line 1: unknown section [account w] (want [account \"NAME\"])",
                "quoted form without quotes");
        refused("[account \"w]\n", -EINVAL, "line 1: bad section [account \"w] (want [account \"NAME\"])",
                "quoted form without its closing quote");
        refused("[account \"\"]\n", -EINVAL, "line 1: bad section [account \"\"] (want [account \"NAME\"])",
                "quoted form with an empty name");
        refused("[account \"a\"b\"]\n", -EINVAL, "line 1: bad section [account \"a\"b\"] (want [account \"NAME\"])",
                "quoted form with a quote inside");
        refused("[dir:]\n", -EINVAL, "line 1: bad section [dir:] (want [dir:NAME])", "colon form with an empty name");
        refused("[main]\nc = 1\n", -EINVAL, "line 2: unknown key \"c\" in [main]", "unknown key");
        refused("[account \"w\"]\nx = 1\nz = 1\n", -EINVAL, "line 3: unknown key \"z\" in [account \"w\"]",
                "unknown key in a quoted section");
        refused("[main]\na = 1\n\na = 2\n", -EINVAL,
                "line 4: duplicate key \"a\" in [main] (given twice, first on line 2)", "duplicate key");
        refused("[account \"w\"]\nx = 1\n[main]\n[account \"w\"]\nx = 2\n", -EINVAL,
                "line 5: duplicate key \"x\" for account \"w\" (given twice, first on line 2)",
                "duplicate key across a repeated section");
        refused("[main]\na = 1\n  b = 2\n", -EINVAL,
                "line 3: continuation lines are not supported (a line after a key starts with a blank)",
                "continuation line");
        refused("[main]\na = 1\n\t[any]\n", -EINVAL,
                "line 3: continuation lines are not supported (a line after a key starts with a blank)",
                "an indented header after a key is a continuation to libinih");
        refused("[main]\na = bad\n", -EINVAL, "line 2: a=\"bad\" is bad", "a key callback's message and line");
        refused("[main]\na = nomem\n", -ENOMEM, "line 2: out of memory", "a key callback's error without message");
        refused("[dir:refused]\n", -EPERM, "line 1: section \"refused\" refused", "a section callback's error");
        refused("# x\n[dir:silent]\n", -EUCLEAN, "line 2: Structure needs cleaning",
                "a section callback's error without message");
        refused("[main]\na = bad\nb = bad\n", -EINVAL, "line 2: a=\"bad\" is bad", "the first error is kept");
}

static void test_limits(void) {
        char line[CONF_MAX_LINE + 32];
        _cleanup_free_ char *err = NULL, *many = NULL;
        size_t n;
        trace t;

        /* A line of exactly CONF_MAX_LINE characters, then one more. */
        n = (size_t) snprintf(line, sizeof(line), "[any]\nk = ");
        memset(line + n, 'v', CONF_MAX_LINE - 4);
        line[n + CONF_MAX_LINE - 4] = '\n';
        line[n + CONF_MAX_LINE - 3] = '\0';
        is_ok(parse_len(line, strlen(line), &t, &err), "a line of CONF_MAX_LINE characters");
        is_int(t.len, strlen("1[any|-#0]any.k=") + CONF_MAX_LINE - 4 + 1, "  read whole");
        memset(line + n, 'v', CONF_MAX_LINE - 3);
        line[n + CONF_MAX_LINE - 3] = '\n';
        line[n + CONF_MAX_LINE - 2] = '\0';
        is_err(parse_len(line, strlen(line), &t, &err), -EINVAL, "a longer line refused");
        is_str(err, "line 2: longer than 198 characters", "  message");
        free(err);
        /* The tail of a long comment is never read as a key. */
        memset(line, '#', CONF_MAX_LINE);
        strcpy(line + CONF_MAX_LINE, "[main]\n");
        is_err(parse_len(line, strlen(line), &t, &err), -EINVAL, "a long comment refused");
        is_str(t.text, "", "  nothing read from it");
        free(err);

        is_err(parse_len("[main]\0a = 1\n", 13, &t, &err), -EBADMSG, "NUL byte refused");
        is_str(err, "contains a NUL byte", "  message");
        free(err);
        many = malloc(64 * 1024 + 1);
        if (!many)
                return;
        memset(many, '#', 64 * 1024 + 1);
        is_err(parse_len(many, 64 * 1024 + 1, &t, &err), -E2BIG, "over max_size refused");
        is_str(err, "larger than 65536 bytes", "  message");
        free(err);
        for (size_t i = 0; i < 64 * 1024; i += 2)
                memcpy(many + i, "#\n", 2);
        is_ok(parse_len(many, 64 * 1024, &t, &err), "max_size itself is fine");
        free(err);
        err = NULL;

        /* CONF_MAX_KEYS keys, then one more. */
        n = (size_t) sprintf(many, "[any]\n");
        for (int i = 0; i < CONF_MAX_KEYS; i++)
                n += (size_t) sprintf(many + n, "k%d=\n", i);
        is_ok(parse_len(many, n, &t, &err), "CONF_MAX_KEYS keys");
        n += (size_t) sprintf(many + n, "last=\n");
        is_err(parse_len(many, n, &t, &err), -E2BIG, "one key more refused");
        is_str(err, "line 4098: more than 4096 keys", "  message");
        free(err);
        err = NULL;

        /* CONF_MAX_SECTIONS distinct sections, then one more. */
        n = 0;
        for (int i = 0; i < CONF_MAX_SECTIONS; i++)
                n += (size_t) sprintf(many + n, "[dir:%d]\n", i);
        is_ok(parse_len(many, n, &t, &err), "CONF_MAX_SECTIONS sections");
        n += (size_t) sprintf(many + n, "[dir:0]\n[dir:last]\n");
        is_err(parse_len(many, n, &t, &err), -E2BIG, "one section more refused");
        is_str(err, "line 1026: more than 1024 sections", "  message");
}

static void test_conf_error(void) {
        _cleanup_free_ char *err = NULL;

        is_err(conf_error(&err, -EINVAL, "[%s] needs %s", "ca", "url="), -EINVAL, "conf_error returns the error");
        is_str(err, "[ca] needs url=", "  and sets the message, without a line");
        is_err(conf_error(NULL, -E2BIG, "x"), -E2BIG, "conf_error without a message pointer");
}

int main(void) {
        test_accepted();
        test_refused();
        test_limits();
        test_conf_error();
        return tap_done();
}
