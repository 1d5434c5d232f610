/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the /1.0/sign body and validity rules (ca/sign/sign-req.c):
 * members and limits, RFC 3339 and duration times, and every branch of
 * sign_validity() (default, clamp to the device certificate, explicit
 * notAfter past it, minimum and maximum lifetimes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/sign/sign-req.h"
#include "tests/unit/tap.h"

#define NOW ((time_t) 1790000000)
#define DAY 86400

static int parse(const char *body, sign_request *ret) {
        const char *why = NULL;
        int r = sign_request_parse(body, strlen(body), ret, &why);
        if (r < 0 && !why)
                tap_result(false, __FILE__, __LINE__, "a refusal comes with a reason");
        return r;
}

static void test_body(void) {
        _cleanup_(sign_request_done) sign_request r = {};
        sign_request x = {};

        is_ok(parse("{\"csr\":\"PEM\",\"ott\":\"a.b.c\",\"notAfter\":\"1h\",\"extra\":1}", &r), "body parses");
        is_str(r.csr_pem, "PEM", "csr");
        is_str(r.ott, "a.b.c", "ott");
        ok(!r.not_before.set, "no notBefore");
        ok(r.not_after.set && r.not_after.relative && r.not_after.duration == 3600, "notAfter 1h");

        is_err(parse("{\"ott\":\"a\"}", &x), -EBADMSG, "no csr");
        is_err(parse("{\"csr\":\"a\"}", &x), -EBADMSG, "no ott");
        is_err(parse("{\"csr\":1,\"ott\":\"a\"}", &x), -EBADMSG, "csr not a string");
        is_err(parse("{\"csr\":\"\",\"ott\":\"a\"}", &x), -EBADMSG, "empty csr");
        is_err(parse("{\"csr\":\"a\",\"ott\":\"a\",\"notBefore\":\"soon\"}", &x), -EBADMSG, "bad notBefore");
        is_err(parse("{\"csr\":\"a\",\"ott\":\"a\",\"notAfter\":5}", &x), -EBADMSG, "notAfter a number");
        is_err(parse("[]", &x), -EBADMSG, "not an object");
        is_ok(parse("{\"csr\":\"a\",\"ott\":\"a\",\"notAfter\":\"\"}", &x), "empty notAfter means none");
        sign_request_done(&x);
        ok(!r.has_eventlog, "no event log");
}

/* The TCG event log beside the token: a string, at most 256 KiB of log in
 * base64; the whole body within SIGN_BODY_MAX. */
static void test_eventlog(void) {
        _cleanup_(sign_request_done) sign_request r = {};
        sign_request x = {};
        size_t b64 = POSTURE_EVENTLOG_B64_MAX, n;
        char *big;

        is_ok(parse("{\"csr\":\"a\",\"ott\":\"a\",\"eventlog\":\"AQIDBA==\"}", &r), "body with an event log parses");
        ok(r.has_eventlog, "the event log is there");
        is_err(parse("{\"csr\":\"a\",\"ott\":\"a\",\"eventlog\":5}", &x), -EBADMSG, "event log not a string");
        is_int(b64, 349528, "256 KiB in base64");
        ok(SIGN_BODY_MAX > b64 + SIGN_CSR_PEM_MAX + SIGN_OTT_MAX, "the body limit has room for all three");

        big = malloc(b64 + 256);
        if (!big)
                return;
        n = (size_t) snprintf(big, 64, "{\"csr\":\"a\",\"ott\":\"a\",\"eventlog\":\"");
        memset(big + n, 'A', b64);
        strcpy(big + n + b64, "\"}");
        is_ok(parse(big, &x), "an event log of the largest size parses");
        sign_request_done(&x);
        memset(big + n, 'A', b64 + 4);
        strcpy(big + n + b64 + 4, "\"}");
        is_err(parse(big, &x), -EBADMSG, "one more base64 quantum is refused");
        free(big);
}

static void test_times(void) {
        sign_time t;

        is_ok(sign_time_parse("2026-09-21T14:13:20Z", &t), "RFC 3339 Z");
        is_int(t.at, NOW, "value");
        ok(!t.relative, "absolute");
        is_ok(sign_time_parse("2026-09-21T16:13:20.123+02:00", &t), "offset and fraction");
        is_int(t.at, NOW, "same instant");
        is_ok(sign_time_parse("2026-09-21T10:13:20-04:00", &t), "negative offset");
        is_int(t.at, NOW, "same instant");
        is_ok(sign_time_parse("5m", &t), "duration");
        ok(t.relative && t.duration == 300, "5 minutes");
        is_err(sign_time_parse("2026-02-30T00:00:00Z", &t), -EINVAL, "Feb 30");
        is_err(sign_time_parse("2026-09-21 14:13:20Z", &t), -EINVAL, "space separator");
        is_err(sign_time_parse("2026-09-21T14:13:20", &t), -EINVAL, "no zone");
        is_err(sign_time_parse("-5m", &t), -EINVAL, "negative duration");
        is_err(sign_time_parse("0", &t), -EINVAL, "zero duration");
        is_err(sign_time_parse("", &t), -EINVAL, "empty");
}

static void test_validity(void) {
        sign_time none = {}, nb, na;
        const char *why;
        time_t b, a;

        is_ok(sign_validity(&none, &none, NOW, DAY, DAY, NOW + 30 * DAY, &b, &a, &why), "defaults");
        is_int(b, NOW - SIGN_BACKDATE, "backdated notBefore");
        is_int(a - b, DAY, "24 h");

        is_ok(sign_validity(&none, &none, NOW, DAY, DAY, NOW + 3600, &b, &a, &why), "implicit clamp");
        is_int(a, NOW + 3600, "clamped to the device certificate");

        is_err(sign_validity(&none, &none, NOW, DAY, DAY, NOW + 200, &b, &a, &why), -ERANGE,
               "device certificate expires within 5 minutes");

        na = (sign_time) { .set = true, .at = NOW + 7200 };
        is_err(sign_validity(&none, &na, NOW, DAY, DAY, NOW + 3600, &b, &a, &why), -EINVAL,
               "explicit notAfter past the device certificate");
        is_ok(sign_validity(&none, &na, NOW, DAY, DAY, NOW + 30 * DAY, &b, &a, &why), "explicit notAfter");
        is_int(a, NOW + 7200, "as asked");

        na = (sign_time) { .set = true, .at = NOW + DAY };
        is_ok(sign_validity(&none, &na, NOW, DAY, DAY, NOW + 30 * DAY, &b, &a, &why), "notAfter now + 24 h");
        na = (sign_time) { .set = true, .at = NOW + DAY + 1 };
        is_err(sign_validity(&none, &na, NOW, DAY, DAY, NOW + 30 * DAY, &b, &a, &why), -EINVAL, "over 24 h");

        na = (sign_time) { .set = true, .relative = true, .duration = 240 };
        is_err(sign_validity(&none, &na, NOW, DAY, DAY, NOW + 30 * DAY, &b, &a, &why), -EINVAL, "under 5 minutes");
        na.duration = 300;
        is_ok(sign_validity(&none, &na, NOW, DAY, DAY, NOW + 30 * DAY, &b, &a, &why), "exactly 5 minutes");

        nb = (sign_time) { .set = true, .relative = true, .duration = 3600 };
        na = (sign_time) { .set = true, .relative = true, .duration = 600 };
        is_ok(sign_validity(&nb, &na, NOW, DAY, DAY, NOW + 30 * DAY, &b, &a, &why), "relative notBefore");
        is_int(b, NOW + 3600, "notBefore in an hour");
        is_int(a, NOW + 4200, "notAfter relative to notBefore");

        nb = (sign_time) { .set = true, .at = NOW - 3600 };
        is_err(sign_validity(&nb, &none, NOW, DAY, DAY, NOW + 30 * DAY, &b, &a, &why), -EINVAL,
               "notBefore in the past");
}

int main(void) {
        test_eventlog();
        test_body();
        test_times();
        test_validity();
        return tap_done();
}
