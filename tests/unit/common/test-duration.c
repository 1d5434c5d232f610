/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of common/duration.c, the one duration parser: the forms
 * ca.conf, /1.0/sign and enrolld.conf write, every refusal, and the cap
 * each caller passes (enrolld.conf's 7 days, ca.conf's 20 years, none).
 */
#include <errno.h>

#include "duration.h"
#include "macro.h"
#include "tests/unit/tap.h"

#define WEEK (7 * 86400ULL)

static void test_vectors(void) {
        static const struct {
                const char *s;
                uint64_t max;
                int r;
                uint64_t v;
        } v[] = {
                { "0", WEEK, 0, 0 },
                { "5", WEEK, 0, 5 },
                { "5s", WEEK, 0, 5 },
                { "10m", WEEK, 0, 600 },
                { "1h30m", WEEK, 0, 5400 },
                { "2d", WEEK, 0, 172800 },
                { "7d", WEEK, 0, 604800 },
                { "1m30s", WEEK, 0, 90 },
                { "8d", WEEK, -EINVAL, 0 },
                { "", WEEK, -EINVAL, 0 },
                { "s", WEEK, -EINVAL, 0 },
                { "5x", WEEK, -EINVAL, 0 },
                { "1h5", WEEK, -EINVAL, 0 },
                { "-1", WEEK, -EINVAL, 0 },
                { "99999999999999999999", WEEK, -EINVAL, 0 },
                { " 5s", WEEK, -EINVAL, 0 },
                { "90", UINT64_MAX, 0, 90 },
                { "1d2h3m4s", UINT64_MAX, 0, 86400 + 7200 + 180 + 4 },
                { "0s", UINT64_MAX, 0, 0 },
                { "5h30", UINT64_MAX, -EINVAL, 0 },
                { "h", UINT64_MAX, -EINVAL, 0 },
                { "99999999999999999999d", UINT64_MAX, -EINVAL, 0 },
                { "18446744073709551609", UINT64_MAX, 0, 18446744073709551609ULL },
                { "18446744073709551615s1s", UINT64_MAX, -EINVAL, 0 },
                { "213503982334601d", UINT64_MAX, 0, 213503982334601ULL * 86400 },
                { "213503982334602d", UINT64_MAX, -EINVAL, 0 },
                { "5s ", UINT64_MAX, -EINVAL, 0 },
                { "+5s", UINT64_MAX, -EINVAL, 0 },
                { "1w", UINT64_MAX, -EINVAL, 0 },
                { "20d", 20 * 86400, 0, 20 * 86400 },
                { "20d1s", 20 * 86400, -EINVAL, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                uint64_t got = 12345;
                int r = duration_parse(v[i].s, v[i].max, &got);
                char what[96];

                snprintf(what, sizeof(what), "\"%s\" (max %llu)", v[i].s, (unsigned long long) v[i].max);
                is_int(r, v[i].r, what);
                if (r == 0)
                        ok(got == v[i].v, what);
                else
                        ok(got == 12345, "  nothing written on failure");
        }
        is_err(duration_parse(NULL, WEEK, &(uint64_t) { 0 }), -EINVAL, "NULL refused");
}

int main(void) {
        test_vectors();
        return tap_done();
}
