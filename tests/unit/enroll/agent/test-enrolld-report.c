/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of what deviceid-enrolld reports (enroll/agent/enrolld-report.c)
 * through its state file in a private $RUNTIME_DIRECTORY: a round that
 * succeeds (valid, next attempt at the due time), one under way
 * (renewing), one that fails (the entry that failed keeps its own error,
 * one not reached gets the round's; next attempt at the retry), a
 * withdrawal (no not-after), recovery (error cleared), a directory that
 * cannot be written (logged, nothing else), and the file removed at the
 * end. Fixed vectors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enroll/agent/enrolld-report.h"
#include "enroll/agent/enrolld-status-file.h"
#include "macro.h"
#include "tests/unit/tap.h"

static const enrolld_held DEV = { .have = true, .not_before = 1000, .not_after = 1000 + 86400, .obtained = 1000 };

static void read_back(const char *path, enrolld_status *s) {
        _cleanup_free_ char *err = NULL;

        is_ok(enrolld_status_read(path, s, &err), err ?: "state file reads back");
}

static void test_rounds(const char *dir) {
        enrolld_report rep;
        agent_accounts acc = { .n = 1 };
        enrolld_held dev = DEV;
        enrolld_status s;
        char *path;

        acc.v[0].spec.name = (char *) "wifi";
        acc.v[0].held = (enrolld_held) { .have = true, .not_before = 2000, .not_after = 2300, .obtained = 2000 };
        setenv("RUNTIME_DIRECTORY", dir, 1);
        is_ok(enrolld_report_init(&rep), "init");
        if (asprintf(&path, "%s/status", dir) < 0)
                abort();
        is_str(rep.path, path, "path from $RUNTIME_DIRECTORY");

        /* A round that succeeded. */
        enrolld_report_publish(&rep, &dev, &acc, 0.5, false, 0, NULL);
        read_back(path, &s);
        is_int(s.pid, getpid(), "pid");
        is_int(s.n, 2, "device and wifi");
        ok(s.v[0].device && streq(s.v[0].name, "device") && streq(s.v[1].name, "wifi"), "order");
        is_int(s.v[0].state, ENROLLD_ENTRY_VALID, "device valid");
        is_int(s.v[0].not_after, 1000 + 86400, "device not_after");
        is_int(s.v[0].last_success, 1000, "device last success");
        is_int(s.v[0].next_attempt, 1000 + 43200, "device next attempt: its due time");
        is_int(s.v[1].next_attempt, 2150, "wifi next attempt: its due time");

        /* A round under way: what it renews is renewing. */
        enrolld_report_note(&rep, "wifi", ENROLLD_ENTRY_RENEWING, NULL);
        enrolld_report_note(&rep, NULL, ENROLLD_ENTRY_RENEWING, NULL);
        enrolld_report_publish(&rep, &dev, &acc, 0.5, true, 0, NULL);
        read_back(path, &s);
        ok(s.v[0].state == ENROLLD_ENTRY_RENEWING && s.v[1].state == ENROLLD_ENTRY_RENEWING, "renewing");

        /* It fails at the device; wifi is not reached. */
        enrolld_report_note(&rep, NULL, ENROLLD_ENTRY_FAILING, "Failed to reach the Attestation CA");
        enrolld_report_publish(&rep, &dev, &acc, 0.5, false, 5000 * 1000ULL, "Failed to reach the Attestation CA");
        read_back(path, &s);
        is_int(s.v[0].state, ENROLLD_ENTRY_FAILING, "device failing");
        is_str(s.v[0].message, "Failed to reach the Attestation CA", "device's own error");
        is_int(s.v[1].state, ENROLLD_ENTRY_FAILING, "wifi, not reached: failing");
        is_str(s.v[1].message, "Failed to reach the Attestation CA", "wifi: the round's error");
        is_int(s.v[0].next_attempt, 5000, "next attempt: the retry");
        ok(enrolld_status_entry_needs_attention(&s.v[1], 2100), "failing needs attention");
        is_int(s.v[0].not_after, 1000 + 86400, "what is held stays");

        /* A refusal of one account; the round then retries later than wifi's due time. */
        enrolld_report_note(&rep, "wifi", ENROLLD_ENTRY_REFUSED, "HTTP 403: no account");
        enrolld_report_note(&rep, NULL, ENROLLD_ENTRY_VALID, NULL);
        enrolld_report_publish(&rep, &dev, &acc, 0.5, false, 2400 * 1000ULL, "HTTP 403: no account");
        read_back(path, &s);
        is_int(s.v[0].state, ENROLLD_ENTRY_VALID, "device valid again");
        is_str(s.v[0].message, "", "its error cleared");
        is_int(s.v[0].next_attempt, 1000 + 43200, "device: its due time, after the retry");
        is_int(s.v[1].state, ENROLLD_ENTRY_REFUSED, "wifi refused");
        is_int(s.v[1].next_attempt, 2400, "wifi: the retry");
        ok(enrolld_status_entry_needs_attention(&s.v[1], 2100), "expires before its next attempt, and refused");

        /* Withdrawn: nothing held. */
        enrolld_report_note(&rep, NULL, ENROLLD_ENTRY_WITHDRAWN, "device \"urn:ek:x\" is disabled");
        enrolld_report_note(&rep, "wifi", ENROLLD_ENTRY_WITHDRAWN, "device \"urn:ek:x\" is disabled");
        dev.have = false;
        acc.v[0].held.have = false;
        enrolld_report_publish(&rep, &dev, &acc, 0.5, false, 9000 * 1000ULL, "device \"urn:ek:x\" is disabled");
        read_back(path, &s);
        ok(s.v[0].state == ENROLLD_ENTRY_WITHDRAWN && s.v[1].state == ENROLLD_ENTRY_WITHDRAWN, "withdrawn");
        ok(s.v[0].not_after == 0 && s.v[0].last_success == 0 && s.v[1].not_after == 0, "nothing held");
        is_int(s.v[1].next_attempt, 9000, "retried");

        /* Back: valid, errors gone. */
        enrolld_report_note(&rep, NULL, ENROLLD_ENTRY_VALID, NULL);
        enrolld_report_note(&rep, "wifi", ENROLLD_ENTRY_VALID, NULL);
        dev = DEV;
        acc.v[0].held.have = true;
        enrolld_report_publish(&rep, &dev, &acc, 0.5, false, 0, NULL);
        read_back(path, &s);
        ok(s.v[0].state == ENROLLD_ENTRY_VALID && s.v[1].state == ENROLLD_ENTRY_VALID && !s.v[1].message[0],
           "valid again");

        /* An account no longer kept leaves the report. */
        acc.n = 0;
        enrolld_report_publish(&rep, &dev, &acc, 0.5, false, 0, NULL);
        read_back(path, &s);
        is_int(s.n, 1, "only the device");

        enrolld_report_done(&rep);
        ok(access(path, F_OK) < 0 && errno == ENOENT, "removed at the end");
        free(path);
}

static void test_unwritable(const char *dir) {
        enrolld_report rep;
        agent_accounts acc = {};
        char *missing;

        if (asprintf(&missing, "%s/missing", dir) < 0)
                abort();
        setenv("RUNTIME_DIRECTORY", missing, 1);
        is_ok(enrolld_report_init(&rep), "init");
        enrolld_report_publish(&rep, &DEV, &acc, 0.5, false, 0, NULL);
        is_int(rep.write_error, -ENOENT, "the failure is kept (logged once)");
        ok(!rep.written, "nothing written");
        enrolld_report_done(&rep);
        free(missing);

        unsetenv("RUNTIME_DIRECTORY");
        is_ok(enrolld_report_init(&rep), "init");
        is_str(rep.path, ENROLLD_STATUS_DEFAULT_DIR "/" ENROLLD_STATUS_FILE_NAME, "default path");
        enrolld_report_done(&rep);
        setenv("RUNTIME_DIRECTORY", "/a/b:/c", 1);
        is_ok(enrolld_report_init(&rep), "init");
        is_str(rep.path, "/a/b/status", "first of several directories");
        enrolld_report_done(&rep);
}

int main(void) {
        char dir[] = "/tmp/test-enrolld-report-XXXXXX";

        if (!mkdtemp(dir))
                abort();
        test_rounds(dir);
        test_unwritable(dir);
        (void) rmdir(dir);
        return tap_done();
}
