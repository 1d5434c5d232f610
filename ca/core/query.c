/* SPDX-License-Identifier: Apache-2.0 */
/*
 * List query helpers (query.h).
 */
#include <ctype.h>

#include "macro.h"
#include "query.h"

int query_like_contains(const char *s, char **ret) {
        size_t n = strlen(s);
        char *out, *o;

        if (n > QUERY_SEARCH_MAX)
                return -EINVAL;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        return -EINVAL;
        out = malloc(2 * n + 3);
        if (!out)
                return -ENOMEM;
        o = out;
        *o++ = '%';
        for (const char *p = s; *p; p++) {
                if (*p == '%' || *p == '_' || *p == '\\')
                        *o++ = '\\';
                *o++ = (char) tolower((unsigned char) *p);
        }
        *o++ = '%';
        *o = '\0';
        *ret = out;
        return 0;
}

int query_parse_count(const char *s, uint64_t def, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;

        if (!s) {
                *ret = def;
                return 0;
        }
        if (!*s || strlen(s) > 19)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t) (*p - '0');
        }
        if (v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}
