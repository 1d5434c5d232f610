/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Renewal arithmetic of deviceid-enrolld (enrolld-schedule.h): due times,
 * exponential backoff with jitter, sleep bounds. No I/O, no clock.
 */
#include "enroll/agent/enrolld-schedule.h"

time_t enrolld_due_time(time_t not_before, time_t not_after, time_t obtained, double renew_at) {
        time_t start = obtained > not_before ? obtained : not_before;
        double life;

        if (not_after <= start)
                return start;
        life = (double) not_after - (double) start;
        return start + (time_t) (life * renew_at);
}

uint64_t enrolld_backoff_ms(unsigned failures, uint64_t retry_min, uint64_t retry_max, uint32_t rnd) {
        uint64_t base, low, min_ms, span;

        if (failures == 0)
                return 0;
        if (retry_min == 0)
                retry_min = 1;
        if (retry_max < retry_min)
                retry_max = retry_min;
        base = retry_min;
        for (unsigned i = 1; i < failures && base < retry_max; i++)
                base *= 2;
        if (base > retry_max)
                base = retry_max;
        base *= 1000;
        min_ms = retry_min * 1000;
        low = base - base / 4;
        if (low < min_ms)
                low = min_ms;
        span = base - low;
        return low + (span ? (uint64_t) rnd % (span + 1) : 0);
}

uint64_t enrolld_sleep_ms(uint64_t now_ms, uint64_t wake_ms, uint64_t check_interval) {
        uint64_t cap = check_interval * 1000;

        if (wake_ms == 0)
                return cap;
        if (wake_ms <= now_ms)
                return 0;
        return wake_ms - now_ms < cap ? wake_ms - now_ms : cap;
}
