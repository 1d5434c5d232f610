/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of deviceid-enrolld's state file text
 * (enroll/agent/enrolld-status.c): a fixed file parsed field by field,
 * format then parse gives the same state, messages made printable and
 * cut, "needs attention" for fixed times, and every limit and malformed
 * line refused with the line named. Fixed vectors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enroll/agent/enrolld-status.h"
#include "macro.h"
#include "tests/unit/tap.h"

#define HEAD ENROLLD_STATUS_MAGIC "\npid 4242\nupdated 1764755000\n"
#define DEV "entry device device valid 1767000000 1764700000 1765000000 \n"

static void test_parse(void) {
        static const char text[] = HEAD DEV
                "entry account wifi failing 1764800000 1764700100 1764755030 Failed to reach the Account CA at "
                "https://ca:8443/1.0/sign: Connection refused\n"
                "entry account vpn withdrawn 0 0 1764755060 device \"urn:ek:x\" is disabled\n";
        enrolld_status s;
        char *err = NULL;

        is_ok(enrolld_status_parse(text, strlen(text), &s, &err), "fixed file parses");
        is_int(s.pid, 4242, "pid");
        is_int(s.updated, 1764755000, "updated");
        is_int(s.n, 3, "three entries");
        ok(s.v[0].device && streq(s.v[0].name, "device"), "device first");
        is_int(s.v[0].state, ENROLLD_ENTRY_VALID, "device valid");
        is_int(s.v[0].not_after, 1767000000, "not_after");
        is_int(s.v[0].last_success, 1764700000, "last_success");
        is_int(s.v[0].next_attempt, 1765000000, "next_attempt");
        is_str(s.v[0].message, "", "no message");
        ok(!s.v[1].device && streq(s.v[1].name, "wifi"), "wifi");
        is_int(s.v[1].state, ENROLLD_ENTRY_FAILING, "wifi failing");
        is_str(s.v[1].message, "Failed to reach the Account CA at https://ca:8443/1.0/sign: Connection refused",
               "message with spaces and colons");
        is_int(s.v[2].state, ENROLLD_ENTRY_WITHDRAWN, "vpn withdrawn");
        is_int(s.v[2].not_after, 0, "withdrawn: no not_after");
        ok(enrolld_status_find(&s, "vpn", false) == &s.v[2], "find");
        ok(!enrolld_status_find(&s, "vpn", true), "find: kind counts");
        ok(err == NULL, "no error text");
}

static void test_round_trip(void) {
        enrolld_status s = { .pid = 7, .updated = 100 }, back;
        _cleanup_free_ char *text = NULL, *err = NULL;
        char msg[600];
        size_t len;

        s.v[s.n++] = (enrolld_status_entry) { .device = true, .name = "device", .state = ENROLLD_ENTRY_REFUSED,
                                              .not_after = 5, .last_success = 1, .next_attempt = 9 };
        enrolld_status_entry_set_message(&s.v[0], "HTTP 403\n\tbad\x01\xff");
        is_str(s.v[0].message, "HTTP 403??bad??", "control and high bytes become ?");
        s.v[s.n++] = (enrolld_status_entry) { .name = "web-1_x", .state = ENROLLD_ENTRY_RENEWING };
        memset(msg, 'm', sizeof(msg) - 1);
        msg[sizeof(msg) - 1] = 0;
        enrolld_status_entry_set_message(&s.v[1], msg);
        is_int(strlen(s.v[1].message), ENROLLD_STATUS_MESSAGE_MAX, "message cut to the limit");
        is_ok(enrolld_status_format(&s, &text, &len), "format");
        is_int(strlen(text), len, "length");
        is_ok(enrolld_status_parse(text, len, &back, &err), "parse what was formatted");
        ok(memcmp(&back.v[0], &s.v[0], sizeof(s.v[0])) == 0 && memcmp(&back.v[1], &s.v[1], sizeof(s.v[1])) == 0 &&
                   back.n == 2 && back.pid == 7 && back.updated == 100,
           "round trip");

        /* A name the keyring would refuse is not written. */
        free(text);
        text = NULL;
        strcpy(s.v[1].name, "../x");
        is_err(enrolld_status_format(&s, &text, &len), -EINVAL, "bad account name refused");
        strcpy(s.v[1].name, "roots");
        is_err(enrolld_status_format(&s, &text, &len), -EINVAL, "reserved name refused");
}

static void test_attention(void) {
        enrolld_status_entry e = { .name = "device", .device = true, .state = ENROLLD_ENTRY_VALID,
                                   .not_after = 1000, .next_attempt = 500 };

        ok(!enrolld_status_entry_needs_attention(&e, 100), "valid, renewed before expiry");
        e.next_attempt = 1000;
        ok(enrolld_status_entry_needs_attention(&e, 100), "next attempt at expiry");
        e.next_attempt = 500;
        ok(enrolld_status_entry_needs_attention(&e, 1000), "expired");
        e.state = ENROLLD_ENTRY_RENEWING;
        ok(!enrolld_status_entry_needs_attention(&e, 100), "renewing");
        for (int st = ENROLLD_ENTRY_FAILING; st <= ENROLLD_ENTRY_WITHDRAWN; st++) {
                e.state = (enrolld_entry_state) st;
                ok(enrolld_status_entry_needs_attention(&e, 100), enrolld_entry_state_to_string(e.state));
        }
        e = (enrolld_status_entry) { .state = ENROLLD_ENTRY_RENEWING };
        ok(!enrolld_status_entry_needs_attention(&e, 100), "nothing held yet, renewing");
        is_err(enrolld_entry_state_from_string("Valid"), -EINVAL, "states are lower case");
        ok(enrolld_entry_state_to_string(_ENROLLD_ENTRY_STATE_MAX) == NULL, "out of range");
}

static void refused(const char *text, size_t len, int want, const char *want_err) {
        enrolld_status s;
        _cleanup_free_ char *err = NULL;

        is_err(enrolld_status_parse(text, len, &s, &err), want, want_err);
        if (want == -EBADMSG) {
                ok(err && strstr(err, want_err), err ?: "(no error text)");
                if (!err || !strstr(err, want_err))
                        printf("# got: %s\n", err ?: "(null)");
        }
}

#define REFUSED(t, e) refused(t, sizeof(t) - 1, -EBADMSG, e)

static void test_refused(void) {
        _cleanup_free_ char *big = NULL, *line = NULL, *many = NULL;
        size_t n = 0;

        REFUSED("", "line 1: empty");
        REFUSED("deviceid-enrolld-status 2\n", "line 1: not");
        REFUSED(ENROLLD_STATUS_MAGIC, "line 1: the last line does not end");
        REFUSED(ENROLLD_STATUS_MAGIC "\n", "pid or updated missing");
        REFUSED(ENROLLD_STATUS_MAGIC "\npid 1\n", "pid or updated missing");
        REFUSED(ENROLLD_STATUS_MAGIC "\npid 0\nupdated 1\n", "line 2: \"pid\" takes");
        REFUSED(ENROLLD_STATUS_MAGIC "\npid -1\nupdated 1\n", "line 2: \"pid\" takes");
        REFUSED(ENROLLD_STATUS_MAGIC "\npid 99999999999\nupdated 1\n", "line 2: \"pid\" takes");
        REFUSED(ENROLLD_STATUS_MAGIC "\npid 1\npid 2\nupdated 1\n", "line 3: \"pid\" appears twice");
        REFUSED(ENROLLD_STATUS_MAGIC "\npid 1\nupdated 1\nhello\n", "line 4: unknown line");
        REFUSED(ENROLLD_STATUS_MAGIC "\npid 1\n" DEV "updated 1\n", "line 3: an entry before pid and updated");
        REFUSED(HEAD "entry device device valid 1 2 3\n", "line 4: an entry has KIND");
        REFUSED(HEAD "entry host device valid 1 2 3 \n", "the kind must be");
        REFUSED(HEAD "entry device wifi valid 1 2 3 \n", "\"wifi\" is not a valid device name");
        REFUSED(HEAD "entry account device valid 1 2 3 \n", "is not a valid account name");
        REFUSED(HEAD "entry account a/b valid 1 2 3 \n", "is not a valid account name");
        REFUSED(HEAD "entry account wifi valid 1 2 3 \n" DEV, "line 5: the device entry must come first");
        REFUSED(HEAD DEV DEV, "line 5: the device entry must come first");
        REFUSED(HEAD "entry account wifi valid 1 2 3 \nentry account wifi valid 1 2 3 \n", "\"wifi\" appears twice");
        REFUSED(HEAD "entry account wifi Valid 1 2 3 \n", "unknown state");
        REFUSED(HEAD "entry account wifi valid -1 2 3 \n", "a time must be");
        REFUSED(HEAD "entry account wifi valid 1 +2 3 \n", "a time must be");
        REFUSED(HEAD "entry account wifi valid 1 2 1234567890123456789 \n", "a time must be");
        REFUSED(HEAD "entry account wifi valid 1 2 3 tab\there\n", "line 4: a byte that is not printable");
        REFUSED(HEAD "entry account wifi valid 1 2 3 nul\0here\n", "line 4: a byte that is not printable");
        REFUSED(HEAD "entry account wifi valid 1 2 3 \r\n", "a byte that is not printable");

        /* A line over the limit; a message over its own limit. */
        line = malloc(ENROLLD_STATUS_LINE_MAX + 64);
        if (!line)
                abort();
        n = (size_t) sprintf(line, HEAD "entry account wifi valid 1 2 3 ");
        memset(line + n, 'x', ENROLLD_STATUS_MESSAGE_MAX + 1);
        strcpy(line + n + ENROLLD_STATUS_MESSAGE_MAX + 1, "\n");
        refused(line, strlen(line), -EBADMSG, "line 4: the message is longer than");
        n = (size_t) sprintf(line, HEAD "x");
        memset(line + n, 'x', ENROLLD_STATUS_LINE_MAX);
        strcpy(line + n + ENROLLD_STATUS_LINE_MAX, "\n");
        refused(line, strlen(line), -EBADMSG, "line 4: longer than");

        /* More entries than the daemon can hold. */
        many = malloc(ENROLLD_STATUS_FILE_MAX);
        if (!many)
                abort();
        n = (size_t) sprintf(many, HEAD DEV);
        for (int i = 0; i < ENROLLD_STATUS_MAX_ENTRIES; i++)
                n += (size_t) sprintf(many + n, "entry account a%d valid 1 2 3 \n", i);
        refused(many, n, -EBADMSG, "more than");

        /* The whole file over its limit: refused before reading a line. */
        big = calloc(1, ENROLLD_STATUS_FILE_MAX + 1);
        if (!big)
                abort();
        refused(big, ENROLLD_STATUS_FILE_MAX + 1, -EFBIG, "over the file limit");
}

int main(void) {
        test_parse();
        test_round_trip();
        test_attention();
        test_refused();
        return tap_done();
}
