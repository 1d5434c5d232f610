/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The renewal planner of deviceid-enrolld (enrolld-schedule.h): the
 * plan, due times, exponential backoff with jitter, sleep bounds. No I/O,
 * no clock.
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

static bool held_due(const enrolld_held *h, uint64_t now_ms, double renew_at, uint64_t *ret_due_ms) {
        time_t due;

        if (!h->have) {
                *ret_due_ms = 1;
                return true;
        }
        due = enrolld_due_time(h->not_before, h->not_after, h->obtained, renew_at);
        *ret_due_ms = (uint64_t) due * 1000;
        return h->forced || now_ms >= *ret_due_ms;
}

void enrolld_plan_make(const enrolld_state *s, const enrolld_config *cfg, uint64_t now_ms, enrolld_plan *ret) {
        enrolld_plan p = {};
        uint64_t due;
        size_t n = cfg->n_accounts < ENROLLD_CONFIG_MAX_ACCOUNTS ? cfg->n_accounts : ENROLLD_CONFIG_MAX_ACCOUNTS;

        p.round = s->failures == 0 || now_ms >= s->retry_at_ms;
        p.device = held_due(&s->device, now_ms, cfg->renew_at, &due);
        /* A device not held has no due time of its own: the accounts wait for it. */
        if (s->device.have)
                p.next_due_ms = due;
        for (size_t i = 0; i < n; i++) {
                p.accounts[i] = held_due(&s->accounts[i], now_ms, cfg->renew_at, &due);
                if (p.next_due_ms == 0 || due < p.next_due_ms)
                        p.next_due_ms = due;
        }
        p.sleep_ms = enrolld_sleep_ms(now_ms, s->failures > 0 ? s->retry_at_ms : p.next_due_ms, cfg->check_interval);
        *ret = p;
}
