/* SPDX-License-Identifier: Apache-2.0 */
/* duration.h: one parser for every duration deviceid reads. */
#include <errno.h>

#include "duration.h"

int duration_parse(const char *s, uint64_t max, uint64_t *ret) {
        uint64_t total = 0;
        const char *p = s;

        if (!s || !*s || !ret)
                return -EINVAL;
        while (*p) {
                uint64_t n = 0, mult;
                const char *start = p;

                while (*p >= '0' && *p <= '9') {
                        if (n > (UINT64_MAX - 9) / 10)
                                return -EINVAL;
                        n = n * 10 + (uint64_t) (*p - '0');
                        p++;
                }
                if (p == start || n > max)
                        return -EINVAL;
                switch (*p) {
                case '\0':
                        /* A bare number is seconds, but only on its own. */
                        if (start != s)
                                return -EINVAL;
                        mult = 1;
                        break;
                case 's': mult = 1; p++; break;
                case 'm': mult = 60; p++; break;
                case 'h': mult = 3600; p++; break;
                case 'd': mult = 86400; p++; break;
                default:
                        return -EINVAL;
                }
                if (n > max / mult || total > max - n * mult)
                        return -EINVAL;
                total += n * mult;
        }
        *ret = total;
        return 0;
}
