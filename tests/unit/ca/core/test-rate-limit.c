/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the request rate limits (ca/core/rate-limit.h) and of the
 * [limits] section of ca.conf: rates as written, bursts, refill,
 * Retry-After, keys kept apart, the bounded key table.
 */
#include "ca/core/config.h"
#include "ca/core/rate-limit.h"
#include "tests/unit/tap.h"

static void test_parse(void) {
        ca_rate r;

        is_ok(ca_rate_parse("100/1h", &r), "rate: 100/1h");
        is_int(r.count, 100, "count");
        is_int(r.per, 3600, "per");
        is_ok(ca_rate_parse("3/90s", &r), "rate: 3/90s");
        is_int(r.per, 90, "per 90");
        is_ok(ca_rate_parse("off", &r), "rate: off");
        is_int(r.count, 0, "off is count 0");
        is_ok(ca_rate_parse("0", &r), "rate: 0");
        is_int(r.count, 0, "0 is count 0");
        is_err(ca_rate_parse("", &r), -EINVAL, "empty");
        is_err(ca_rate_parse("100", &r), -EINVAL, "no duration");
        is_err(ca_rate_parse("/1h", &r), -EINVAL, "no count");
        is_err(ca_rate_parse("0/1h", &r), -EINVAL, "zero count");
        is_err(ca_rate_parse("-1/1h", &r), -EINVAL, "negative");
        is_err(ca_rate_parse("5/0", &r), -EINVAL, "zero duration");
        is_err(ca_rate_parse("5/1y", &r), -EINVAL, "bad unit");
        is_err(ca_rate_parse("2000000/1h", &r), -EINVAL, "count over the limit");
        is_err(ca_rate_parse("5/365d", &r), -EINVAL, "duration over 30 days");
        is_err(ca_rate_parse("5 /1h", &r), -EINVAL, "blank");
}

static void test_limiter(void) {
        _cleanup_(rate_limiter_freep) rate_limiter *rl = NULL, *off = NULL, *small = NULL;
        unsigned wait;

        is_err(rate_limiter_new((ca_rate) { 3, 60 }, 0, &rl), -EINVAL, "no keys refused");
        is_ok(rate_limiter_new((ca_rate) { 3, 60 }, 8, &rl), "3 per minute");
        for (int i = 0; i < 3; i++)
                is_int(rate_limiter_take(rl, "a", 1000), 0, "burst of 3 passes");
        wait = rate_limiter_take(rl, "a", 1000);
        is_int(wait, 20, "the 4th waits for one interval (20 s)");
        is_int(rate_limiter_take(rl, "b", 1000), 0, "another key is not affected");
        is_int(rate_limiter_take(rl, "a", 1000 + 19000), 1, "1 s before the token: Retry-After 1");
        is_int(rate_limiter_take(rl, "a", 1000 + 20000), 0, "after 20 s one more passes");
        ok(rate_limiter_take(rl, "a", 1000 + 20000) > 0, "and only one");
        for (int i = 0; i < 3; i++)
                is_int(rate_limiter_take(rl, "a", 1000 + 20000 + 60000 + 1), 0, "a minute idle refills the burst");
        ok(rate_limiter_take(rl, "a", 1000 + 20000 + 60000 + 1) > 0, "but no more");
        is_int(rate_limiter_take(NULL, "a", 0), 0, "no limiter: passes");

        is_ok(rate_limiter_new((ca_rate) {}, 8, &off), "a limit that is off");
        for (int i = 0; i < 1000; i++)
                if (rate_limiter_take(off, "a", 0) != 0) {
                        ok(false, "off passes everything");
                        break;
                }

        /* Two keys remembered: a third forgets the idlest, which starts full. */
        is_ok(rate_limiter_new((ca_rate) { 1, 3600 }, 2, &small), "1 per hour, 2 keys");
        is_int(rate_limiter_take(small, "x", 1), 0, "x");
        is_int(rate_limiter_take(small, "y", 2), 0, "y");
        ok(rate_limiter_take(small, "y", 3) > 0, "y limited");
        is_int(rate_limiter_take(small, "z", 4), 0, "z takes x's place");
        ok(rate_limiter_take(small, "y", 5) > 0, "y still remembered and limited");
        is_int(rate_limiter_take(small, "x", 6), 0, "x was forgotten: starts full");
}

static void test_address_key(void) {
        char k[RATE_LIMIT_ADDR_KEY_MAX];

        rate_limit_address_key("192.0.2.7", k);
        is_str(k, "192.0.2.7", "IPv4 as it is");
        rate_limit_address_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", k);
        is_str(k, "2001:db8:1:2::/64", "IPv6 by its /64");
        rate_limit_address_key("2001:db8:1:2::1", k);
        is_str(k, "2001:db8:1:2::/64", "same /64, same key");
        rate_limit_address_key("::ffff:192.0.2.7", k);
        is_str(k, "::ffff:192.0.2.7", "IPv4-mapped as it is");
        rate_limit_address_key("", k);
        is_str(k, "", "empty");
        rate_limit_address_key(NULL, k);
        is_str(k, "", "NULL");
}

static void test_config(void) {
        static const char base[] = "[server]\nlisten = 127.0.0.1:8443\ndns_names = localhost\n";
        _cleanup_(ca_config_freep) ca_config *c = NULL, *d = NULL;
        _cleanup_free_ char *text = NULL, *err = NULL, *bad = NULL;

        is_ok(ca_config_parse(base, strlen(base), &c, &err), "no [limits]: defaults");
        if (c) {
                is_int(c->limits.new_order_per_account.count, 300, "new_order_per_account default 300");
                is_int(c->limits.new_order_per_account.per, 3600, "per hour");
                is_int(c->limits.new_order_per_address.count, 1000, "new_order_per_address default 1000");
                is_int(c->limits.new_account_per_address.count, 100, "new_account_per_address default 100");
                is_int(c->limits.attest_per_address.count, 600, "attest_per_address default 600");
                is_int(c->limits.purge_interval, 3600, "purge_interval default 1h");
                is_int(c->limits.purge_after, 86400, "purge_after default 1d");
        }
        ok(asprintf(&text, "%s[limits]\nnew_order_per_account = 3/1m\nattest_per_address = off\n"
                           "purge_interval = 2s\npurge_after = 0\n", base) > 0, "text");
        is_ok(ca_config_parse(text, strlen(text), &d, &err), "[limits] parses");
        if (d) {
                is_int(d->limits.new_order_per_account.count, 3, "3");
                is_int(d->limits.new_order_per_account.per, 60, "per minute");
                is_int(d->limits.attest_per_address.count, 0, "off");
                is_int(d->limits.new_order_per_address.count, 1000, "the others keep their defaults");
                is_int(d->limits.purge_interval, 2, "purge_interval 2 s");
                is_int(d->limits.purge_after, 0, "purge_after 0");
        }
        ok(asprintf(&bad, "%s[limits]\nnew_order_per_account = lots\n", base) > 0, "text");
        ca_config_free(TAKE_PTR(d));
        free(TAKE_PTR(err));
        is_err(ca_config_parse(bad, strlen(bad), &d, &err), -EINVAL, "bad rate refused");
        ok(err && strstr(err, "line 5") && strstr(err, "new_order_per_account"), "with its line and key");
        free(TAKE_PTR(bad));
        free(TAKE_PTR(err));
        ok(asprintf(&bad, "%s[limits]\nnew_orders = 3/1m\n", base) > 0, "text");
        is_err(ca_config_parse(bad, strlen(bad), &d, &err), -EINVAL, "unknown key refused");
}

int main(void) {
        test_parse();
        test_limiter();
        test_address_key();
        test_config();
        return tap_done();
}
