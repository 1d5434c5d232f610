/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cookie header and token parsing (cookie.h). Pure.
 */
#include "cookie.h"
#include "macro.h"

static bool b64url_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '_';
}

bool console_token_valid(const char *s, size_t len) {
        if (!s || len != CONSOLE_TOKEN_LEN)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!b64url_char(s[i]))
                        return false;
        return true;
}

static void trim(const char **b, const char **e) {
        while (*b < *e && (**b == ' ' || **b == '\t'))
                (*b)++;
        while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
                (*e)--;
}

int console_cookie_find(const char *header, size_t len, const char *name, const char **ret_value,
                        size_t *ret_len) {
        const char *p = header, *end = header + len, *found = NULL;
        size_t name_len = strlen(name), found_len = 0, pairs = 0;

        if (!header || len > CONSOLE_COOKIE_HEADER_MAX)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) header[i];
                if ((c < 0x20 && c != '\t') || c == 0x7f)
                        return -EINVAL;
        }

        while (p < end) {
                const char *semi = memchr(p, ';', (size_t) (end - p));
                const char *pair_end = semi ?: end, *eq, *nb, *ne, *vb, *ve;

                if (++pairs > CONSOLE_COOKIE_PAIRS_MAX)
                        return -EINVAL;
                eq = memchr(p, '=', (size_t) (pair_end - p));
                if (eq) {
                        nb = p;
                        ne = eq;
                        vb = eq + 1;
                        ve = pair_end;
                        trim(&nb, &ne);
                        trim(&vb, &ve);
                        if (ve - vb >= 2 && vb[0] == '"' && ve[-1] == '"') {
                                vb++;
                                ve--;
                        }
                        if ((size_t) (ne - nb) == name_len && memcmp(nb, name, name_len) == 0) {
                                if (found)
                                        return -EINVAL;
                                found = vb;
                                found_len = (size_t) (ve - vb);
                        }
                }
                p = semi ? semi + 1 : end;
        }
        if (!found)
                return -ENOENT;
        *ret_value = found;
        *ret_len = found_len;
        return 0;
}
