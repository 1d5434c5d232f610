/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of common/time-util.c: RFC 3339 text of fixed instants (the
 * epoch, a leap day, the last second of 9999, years before 1000 padded to
 * four digits), the refusals with their "@SECONDS" fallback, and the two
 * clocks (monotonic never goes back; the wall clock agrees with time()).
 */
#include <errno.h>
#include <time.h>

#include "macro.h"
#include "time-util.h"
#include "tests/unit/tap.h"

static void test_format(void) {
        static const struct {
                long long t;
                const char *want;
        } v[] = {
                { 0, "1970-01-01T00:00:00Z" },
                { 1796288400, "2026-12-03T09:00:00Z" },
                { 951782400, "2000-02-29T00:00:00Z" },
                { 1234567890, "2009-02-13T23:31:30Z" },
                { -1, "1969-12-31T23:59:59Z" },
                { 253402300799, "9999-12-31T23:59:59Z" },
                { -62135596800, "0001-01-01T00:00:00Z" },
                { -30610224000, "1000-01-01T00:00:00Z" },
                { -30641760000, "0999-01-01T00:00:00Z" },
        };

        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                char buf[FORMAT_TIME_MAX];
                char what[64];

                snprintf(what, sizeof(what), "%lld is %s", v[i].t, v[i].want);
                is_ok(format_time((time_t) v[i].t, buf), what);
                is_str(buf, v[i].want, what);
        }
}

static void test_format_range(void) {
        char buf[FORMAT_TIME_MAX];

        is_err(format_time((time_t) 253402300800LL, buf), -ERANGE, "year 10000 refused");
        is_str(buf, "@253402300800", "the seconds instead");
        is_err(format_time((time_t) -62167219201LL, buf), -ERANGE, "year -1 refused");
        is_str(buf, "@-62167219201", "negative seconds instead");
        is_ok(format_time((time_t) -62167219200LL, buf), "year 0 is four digits");
        is_str(buf, "0000-01-01T00:00:00Z", "year 0");
        is_err(format_time((time_t) INT64_MAX, buf), -ERANGE, "gmtime overflow refused");
        ok(buf[0] == '@' && strlen(buf) < FORMAT_TIME_MAX, "overflow still a string");
}

static void test_clocks(void) {
        time_t t0 = time(NULL);
        uint64_t m1 = now_monotonic_ms(), m2, w = now_realtime_ms();
        time_t t1 = time(NULL);
        struct timespec ts = { .tv_nsec = 20 * 1000 * 1000 };

        /* time() may read the kernel's coarse clock, up to a tick behind
         * CLOCK_REALTIME: a second either way, no more. */
        ok(w / 1000 + 1 >= (uint64_t) t0 && w / 1000 <= (uint64_t) t1 + 1, "wall clock ms agrees with time()");
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
        m2 = now_monotonic_ms();
        ok(m2 >= m1 + 20, "monotonic ms advances across a 20 ms sleep");
}

int main(void) {
        test_format();
        test_format_range();
        test_clocks();
        return tap_done();
}
