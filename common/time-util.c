/* SPDX-License-Identifier: Apache-2.0 */
/* time-util.h: RFC 3339 timestamps and the clocks in milliseconds. */
#include <errno.h>
#include <stdio.h>

#include "time-util.h"

int format_time(time_t t, char buf[static FORMAT_TIME_MAX]) {
        struct tm tm;

        /* tm_year counts from 1900; RFC 3339 has exactly four digits
         * (glibc's strftime %Y would not pad years below 1000). */
        if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
                (void) snprintf(buf, FORMAT_TIME_MAX, "@%lld", (long long) t);
                return -ERANGE;
        }
        (void) snprintf(buf, FORMAT_TIME_MAX, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        return 0;
}

static uint64_t clock_ms(clockid_t id) {
        struct timespec ts;

        /* Cannot fail for these two clocks on Linux. */
        (void) clock_gettime(id, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

uint64_t now_monotonic_ms(void) {
        return clock_ms(CLOCK_MONOTONIC);
}

uint64_t now_realtime_ms(void) {
        return clock_ms(CLOCK_REALTIME);
}
