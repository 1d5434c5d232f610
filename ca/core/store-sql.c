/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Portable SQL to PostgreSQL's (store-sql.h): one pass over the text that
 * knows quotes, comments, words and statement boundaries, and nothing
 * of SQL's grammar beyond that.
 */
#include <ctype.h>
#include <stdio.h>
#include <strings.h>

#include "macro.h"
#include "store-sql.h"

typedef struct out {
        char *buf;
        size_t len, cap;
} out;

static int put(out *o, const char *s, size_t n) {
        if (o->len + n + 1 > o->cap) {
                size_t cap = o->cap * 2 > o->len + n + 64 ? o->cap * 2 : o->len + n + 64;
                char *b = realloc(o->buf, cap);

                if (!b)
                        return -ENOMEM;
                o->buf = b;
                o->cap = cap;
        }
        memcpy(o->buf + o->len, s, n);
        o->len += n;
        o->buf[o->len] = '\0';
        return 0;
}

static bool is_word_char(char c) {
        return isalnum((unsigned char) c) || c == '_';
}

static bool word_is(const char *w, size_t n, const char *kw) {
        return strlen(kw) == n && strncasecmp(w, kw, n) == 0;
}

/* If p starts (after blanks) with the words of kws in order, each a whole
 * word, returns the end of the last one; else NULL. */
static const char *match_words(const char *p, const char *const *kws) {
        for (; *kws; kws++) {
                size_t n;

                while (isspace((unsigned char) *p))
                        p++;
                n = 0;
                while (is_word_char(p[n]))
                        n++;
                if (!word_is(p, n, *kws))
                        return NULL;
                p += n;
        }
        return p;
}

/* Copies a quoted run starting at *p (quote char q, doubled to escape);
 * -EINVAL if it does not end. */
static int copy_quoted(out *o, const char **p) {
        const char *s = *p, *e = s + 1;
        char q = *s;

        for (;;) {
                if (!*e)
                        return -EINVAL;
                if (*e == q) {
                        if (e[1] == q) {
                                e += 2;
                                continue;
                        }
                        break;
                }
                e++;
        }
        *p = e + 1;
        return put(o, s, (size_t) (e + 1 - s));
}

int store_sql_for_pg(const char *sql, char **ret, unsigned *ret_n_params) {
        static const char *const autoinc[] = { "PRIMARY", "KEY", "AUTOINCREMENT", NULL };
        _cleanup_free_ char *buf = NULL;
        out o = {};
        unsigned n_params = 0;
        bool stmt_start = true, schema = false;
        const char *p = sql;
        int r = 0;

        if (!sql || !ret || !ret_n_params)
                return -EINVAL;
        if (strlen(sql) > STORE_SQL_MAX)
                return -E2BIG;

        while (*p && r >= 0) {
                if (*p == '\'' || *p == '"') {
                        stmt_start = false;
                        r = copy_quoted(&o, &p);
                } else if (p[0] == '-' && p[1] == '-') {
                        size_t n = strcspn(p, "\n");
                        r = put(&o, p, n);
                        p += n;
                } else if (*p == '?') {
                        char num[16];

                        if (++n_params > STORE_SQL_MAX_PARAMS) {
                                r = -E2BIG;
                                break;
                        }
                        snprintf(num, sizeof(num), "$%u", n_params);
                        r = put(&o, num, strlen(num));
                        p++;
                        stmt_start = false;
                } else if (*p == ';') {
                        r = put(&o, p++, 1);
                        stmt_start = true;
                        schema = false;
                } else if (is_word_char(*p)) {
                        size_t n = 0;
                        const char *end;

                        while (is_word_char(p[n]))
                                n++;
                        if (stmt_start)
                                schema = word_is(p, n, "CREATE") || word_is(p, n, "ALTER");
                        stmt_start = false;
                        if (schema && word_is(p, n, "INTEGER") && (end = match_words(p + n, autoinc))) {
                                r = put(&o, "BIGSERIAL PRIMARY KEY", 21);
                                p = end;
                                continue;
                        }
                        if (schema && word_is(p, n, "INTEGER"))
                                r = put(&o, "BIGINT", 6);
                        else if (schema && word_is(p, n, "BLOB"))
                                r = put(&o, "BYTEA", 5);
                        else
                                r = put(&o, p, n);
                        p += n;
                } else {
                        if (!isspace((unsigned char) *p))
                                stmt_start = false;
                        r = put(&o, p++, 1);
                }
        }
        buf = o.buf;
        if (r < 0)
                return r;
        if (!buf) {
                buf = strdup("");
                if (!buf)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(buf);
        *ret_n_params = n_params;
        return 0;
}
