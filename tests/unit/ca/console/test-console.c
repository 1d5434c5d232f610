/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the web console's server side: the Cookie header and token
 * parsers (fixed vectors), the failed-sign-in limiter with fixed times,
 * client address keys, list query helpers, the console's file names, CRL
 * reason names, and login links, sessions and the audit log on a
 * temporary SQLite file.
 */
#include <ftw.h>
#include <sys/stat.h>

#include "ca/auth/cookie.h"
#include "ca/auth/session.h"
#include "ca/console/cert-search.h"
#include "ca/console/files.h"
#include "ca/console/ratelimit.h"
#include "ca/core/audit.h"
#include "ca/core/query.h"
#include "ca/core/store.h"
#include "tests/unit/ca/ca-test.h"
#include "tests/unit/tap.h"

#define TOKEN "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_x"

static char tmpdir[] = "/tmp/test-ca-console-XXXXXX";

static int find(const char *header, const char *name, char *out, size_t size) {
        const char *v;
        size_t n;
        int r = console_cookie_find(header, strlen(header), name, &v, &n);

        if (r >= 0)
                snprintf(out, size, "%.*s", (int) n, v);
        return r;
}

static void test_cookie(void) {
        char v[128], big[CONSOLE_COOKIE_HEADER_MAX + 2], many[64 * 5 + 16] = "";

        ok(console_token_valid(TOKEN, strlen(TOKEN)), "token: 43 base64url characters");
        ok(!console_token_valid(TOKEN, 42), "token: 42 characters refused");
        ok(!console_token_valid(TOKEN "A", 44), "token: 44 characters refused");
        ok(!console_token_valid("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123+/x", 43), "token: standard base64 refused");
        ok(!console_token_valid(NULL, 0), "token: NULL refused");

        is_ok(find("a=1; __Host-deviceid-session=" TOKEN "; b=2", CONSOLE_COOKIE_NAME, v, sizeof(v)),
              "cookie: found among others");
        is_str(v, TOKEN, "cookie: value");
        is_ok(find("__Host-deviceid-session=\"xyz\"", CONSOLE_COOKIE_NAME, v, sizeof(v)), "cookie: quoted");
        is_str(v, "xyz", "cookie: quotes removed");
        is_ok(find("  x = 1 ;y=2;  z= 3  ", "z", v, sizeof(v)), "cookie: spaces around");
        is_str(v, "3", "cookie: value trimmed");
        is_ok(find("flag; k=v", "k", v, sizeof(v)), "cookie: a pair without = is ignored");
        is_ok(find("k=", "k", v, sizeof(v)), "cookie: empty value");
        is_str(v, "", "cookie: empty value is empty");
        is_err(find("a=1; b=2", CONSOLE_COOKIE_NAME, v, sizeof(v)), -ENOENT, "cookie: absent");
        is_err(find("", "k", v, sizeof(v)), -ENOENT, "cookie: empty header");
        is_err(find("k=1; k=2", "k", v, sizeof(v)), -EINVAL, "cookie: named twice");
        is_err(find("kk=1; k2=2", "k", v, sizeof(v)), -ENOENT, "cookie: prefixes of other names do not match");
        is_err(find("k=1\x01", "k", v, sizeof(v)), -EINVAL, "cookie: control character");
        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        big[0] = 'k';
        big[1] = '=';
        is_err(find(big, "k", v, sizeof(v)), -EINVAL, "cookie: header over the limit");
        for (int i = 0; i < CONSOLE_COOKIE_PAIRS_MAX + 1; i++)
                strcat(many, "a=1;");
        is_err(find(many, "k", v, sizeof(v)), -EINVAL, "cookie: too many pairs");
}

static void test_ratelimit(void) {
        _cleanup_(ratelimit_freep) ratelimit *rl = NULL;
        char key[RATELIMIT_KEY_MAX];

        is_err(ratelimit_new(0, 1000, 4, &rl), -EINVAL, "ratelimit: burst 0 refused");
        if (!is_ok(ratelimit_new(3, 1000, 2, &rl), "ratelimit: new"))
                return;
        is_int(ratelimit_check(rl, "a", 0), 0, "ratelimit: unknown key may try");
        ratelimit_fail(rl, "a", 0);
        ratelimit_fail(rl, "a", 0);
        is_int(ratelimit_check(rl, "a", 0), 0, "ratelimit: 2 of 3 failures");
        ratelimit_fail(rl, "a", 0);
        is_int(ratelimit_check(rl, "a", 0), 1000, "ratelimit: burst used up, wait one interval");
        is_int(ratelimit_check(rl, "a", 400), 600, "ratelimit: wait counts down");
        is_int(ratelimit_check(rl, "a", 1000), 0, "ratelimit: one interval later, one more try");
        ratelimit_fail(rl, "a", 1000);
        is_int(ratelimit_check(rl, "a", 1000), 1000, "ratelimit: and then waiting again");
        is_int(ratelimit_check(rl, "b", 1000), 0, "ratelimit: other keys are not affected");
        is_int(ratelimit_check(rl, "a", 5000), 0, "ratelimit: fully recovered later");

        /* Table of 2: a third key takes the slot closest to recovery. */
        ratelimit_fail(rl, "b", 5000);
        ratelimit_fail(rl, "c", 5000);
        is_int(ratelimit_check(rl, "a", 5000), 0, "ratelimit: the recovered key was reused");
        ratelimit_fail(rl, "c", 5000);
        ratelimit_fail(rl, "c", 5000);
        is_int(ratelimit_check(rl, "c", 5000), 1000, "ratelimit: the new key is limited");

        ratelimit_key_for_address("192.0.2.7", key);
        is_str(key, "192.0.2.7", "ratelimit key: IPv4 as it is");
        ratelimit_key_for_address("2001:db8:1:2:3:4:5:6", key);
        is_str(key, "2001:db8:1:2::/64", "ratelimit key: IPv6 by its /64");
        ratelimit_key_for_address("::ffff:192.0.2.7", key);
        is_str(key, "::ffff:192.0.2.7", "ratelimit key: v4-mapped as it is");
        ratelimit_key_for_address(NULL, key);
        is_str(key, "", "ratelimit key: no address");
}

static void test_query(void) {
        _cleanup_free_ char *p = NULL, *q = NULL;
        char long_s[QUERY_SEARCH_MAX + 2];
        uint64_t v;

        is_ok(query_like_contains("A_b%c\\d", &p), "like: pattern");
        is_str(p, "%a\\_b\\%c\\\\d%", "like: escaped, lower-cased, between %");
        memset(long_s, 'x', sizeof(long_s) - 1);
        long_s[sizeof(long_s) - 1] = '\0';
        is_err(query_like_contains(long_s, &q), -EINVAL, "like: too long");
        is_err(query_like_contains("a\nb", &q), -EINVAL, "like: control character");
        is_ok(query_parse_count(NULL, 7, 10, &v), "count: default");
        is_int((int) v, 7, "count: default value");
        is_ok(query_parse_count("10", 0, 10, &v), "count: at the limit");
        is_err(query_parse_count("11", 0, 10, &v), -EINVAL, "count: over the limit");
        is_err(query_parse_count("-1", 0, 10, &v), -EINVAL, "count: negative");
        is_err(query_parse_count("", 0, 10, &v), -EINVAL, "count: empty");
        is_err(query_parse_count("99999999999999999999", 0, UINT64_MAX, &v), -EINVAL, "count: too many digits");
}

static void test_names(void) {
        is_str(console_file_type("app.js"), "text/javascript; charset=utf-8", "files: .js");
        is_str(console_file_type("page-devices.js"), "text/javascript; charset=utf-8", "files: dashes");
        is_str(console_file_type("index.html"), "text/html; charset=utf-8", "files: .html");
        ok(!console_file_type("Index.html"), "files: upper case refused");
        ok(!console_file_type(".hidden.js"), "files: hidden refused");
        ok(!console_file_type("a.js.map"), "files: unknown extension refused");
        ok(!console_file_type("ca.db"), "files: other files refused");
        ok(!console_file_type("../x.js"), "files: paths refused");

        is_int(crl_reason_from_string("keyCompromise"), 1, "reason: keyCompromise");
        is_int(crl_reason_from_string("privilegeWithdrawn"), 9, "reason: privilegeWithdrawn");
        is_err(crl_reason_from_string("certificateHold"), -EINVAL, "reason: hold refused");
        is_err(crl_reason_from_string("cACompromise"), -EINVAL, "reason: the CA's own refused");
        is_str(crl_reason_to_string(5), "cessationOfOperation", "reason: name of 5");
        ok(!crl_reason_to_string(7), "reason: 7 is not defined");
}

static int count(store *st, const char *sql) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        if (store_prepare(st, sql, &s) < 0 || store_step(s) != 1)
                return -1;
        return (int) store_column_int64(s, 0);
}

static void test_sessions(store *st) {
        _cleanup_free_ char *token = NULL, *token2 = NULL, *cookie = NULL, *cookie2 = NULL;
        console_session s = {}, s2 = {};
        console_limits lim = { .lifetime = 3600, .idle = 600 };
        audit_actor cli;
        audit_entry *v = NULL;
        size_t n = 0;
        time_t exp;

        audit_actor_cli(&cli);
        is_ok(audit_store_migrate(st), "audit: migrate");
        is_ok(console_store_migrate(st), "console: migrate");

        is_err(console_link_create(st, &cli, "", 60, &token, &exp), -EINVAL, "link: empty label refused");
        is_err(console_link_create(st, &cli, "ok", 0, &token, &exp), -EINVAL, "link: ttl 0 refused");
        is_err(console_link_create(st, &cli, "ok", CONSOLE_LINK_TTL_MAX + 1, &token, &exp), -EINVAL,
               "link: ttl over a day refused");
        if (!is_ok(console_link_create(st, &cli, "alice", 60, &token, &exp), "link: created"))
                return;
        ok(console_token_valid(token, strlen(token)), "link: token shape");
        is_ok(console_link_redeem(st, token, &lim, "192.0.2.1", &cookie, &s), "link: redeemed");
        is_str(s.label, "alice", "session: label of the link");
        is_int((int) (s.expires_at - s.created_at), 3600, "session: lifetime");
        is_err(console_link_redeem(st, token, &lim, "192.0.2.1", &cookie2, &s2), -EALREADY, "link: second use refused");
        is_err(console_link_redeem(st, "nope", &lim, NULL, &cookie2, &s2), -ENOENT, "link: malformed token");
        is_err(console_link_redeem(st, TOKEN, &lim, NULL, &cookie2, &s2), -ENOENT, "link: unknown token");

        is_ok(console_session_lookup(st, cookie, strlen(cookie), &lim, &s2), "session: found by cookie");
        is_str(s2.csrf, s.csrf, "session: same anti-CSRF token");
        is_str(s2.short_id, s.short_id, "session: same id");
        is_err(console_session_lookup(st, TOKEN, strlen(TOKEN), &lim, &s2), -ENOENT, "session: unknown cookie");

        /* Ended by idle time: the row is deleted. */
        store_run(st, "UPDATE console_sessions SET last_seen_at = last_seen_at - 601", NULL);
        is_err(console_session_lookup(st, cookie, strlen(cookie), &lim, &s2), -ETIME, "session: idle too long");
        is_err(console_session_lookup(st, cookie, strlen(cookie), &lim, &s2), -ENOENT, "session: then gone");

        /* A link that expired. */
        if (is_ok(console_link_create(st, &cli, "bob", 60, &token2, &exp), "link: second")) {
                store_run(st, "UPDATE console_login_links SET expires_at = 1 WHERE label = 'bob'", NULL);
                is_err(console_link_redeem(st, token2, &lim, NULL, &cookie2, &s2), -ETIME, "link: expired");
        }
        is_int(count(st, "SELECT COUNT(*) FROM console_sessions"), 0, "session: none left");

        is_ok(audit_list(st, &(audit_query) { .limit = 10 }, &v, &n), "audit: list");
        is_int((int) n, 3, "audit: two links made, one sign-in");
        if (n == 3) {
                is_str(v[0].action, "login-link.create", "audit: newest first");
                is_str(v[1].action, "session.login", "audit: the sign-in");
                is_str(v[1].actor_kind, "session", "audit: by the session");
                is_str(v[1].actor, "alice", "audit: named by the label");
                is_str(v[1].remote_addr, "192.0.2.1", "audit: from the address");
                is_str(v[2].actor_kind, "cli", "audit: the link by the command line");
        }
        audit_entries_free(v, n);
        v = NULL;
        is_ok(audit_list(st, &(audit_query) { .limit = 10, .q = "LOGIN-link" }, &v, &n), "audit: search");
        is_int((int) n, 2, "audit: search is case-insensitive");
        audit_entries_free(v, n);
        is_err(audit_list(st, &(audit_query) { .limit = AUDIT_LIST_MAX + 1 }, &v, &n), -EINVAL, "audit: limit");
}

int main(void) {
        _cleanup_(store_closep) store *st = NULL;

        test_cookie();
        test_ratelimit();
        test_query();
        test_names();
        if (ca_test_store_open(tmpdir, &st) == 0)
                test_sessions(st);
        store_close(TAKE_PTR(st));
        ca_test_dir_remove(tmpdir);
        return tap_done();
}
