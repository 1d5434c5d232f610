/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deviceid-enrolld's report to `deviceidctl status` (enrolld-report.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "enroll/agent/enrolld-report.h"
#include "enroll/agent/enrolld-status-file.h"
#include "log.h"

int enrolld_report_init(enrolld_report *rep) {
        *rep = (enrolld_report) {};
        return enrolld_status_path(&rep->path);
}

void enrolld_report_done(enrolld_report *rep) {
        if (rep->written && rep->path)
                (void) unlink(rep->path);
        free(rep->path);
        *rep = (enrolld_report) {};
}

static enrolld_status_entry *entry(enrolld_status *s, const char *name) {
        enrolld_status_entry *e = enrolld_status_find(s, name ?: "device", !name);

        if (e || s->n >= ENROLLD_STATUS_MAX_ENTRIES || strlen(name ?: "device") > ENROLLD_STATUS_NAME_MAX)
                return e;
        e = &s->v[s->n++];
        *e = (enrolld_status_entry) { .device = !name, .state = ENROLLD_ENTRY_RENEWING };
        strcpy(e->name, name ?: "device");
        return e;
}

void enrolld_report_note(enrolld_report *rep, const char *name, enrolld_entry_state state, const char *msg) {
        enrolld_status_entry *e = entry(&rep->st, name);

        if (!e)
                return;
        e->state = state;
        /* A renewal under way keeps the last error until it ends. */
        if (state != ENROLLD_ENTRY_RENEWING)
                enrolld_status_entry_set_message(e, msg);
}

static void add(enrolld_status *s, const enrolld_status *old, const char *name, const enrolld_held *h,
                double renew_at, bool in_round, uint64_t retry_at_ms, const char *round_msg, time_t now) {
        const enrolld_status_entry *o = enrolld_status_find((enrolld_status *) old, name ?: "device", !name);
        enrolld_status_entry *e = entry(s, name);
        time_t retry = (time_t) (retry_at_ms / 1000);

        if (!e)
                return;
        if (o)
                *e = *o;
        else
                e->state = h->have ? ENROLLD_ENTRY_VALID : ENROLLD_ENTRY_RENEWING;
        if (in_round)
                ;
        else if (e->state == ENROLLD_ENTRY_RENEWING && round_msg) {
                e->state = ENROLLD_ENTRY_FAILING;
                if (!e->message[0])
                        enrolld_status_entry_set_message(e, round_msg);
        } else if (e->state == ENROLLD_ENTRY_RENEWING && h->have)
                e->state = ENROLLD_ENTRY_VALID;
        e->not_after = h->have ? h->not_after : 0;
        e->last_success = h->have ? h->obtained : 0;
        if (e->state == ENROLLD_ENTRY_VALID) {
                e->next_attempt = h->have ? enrolld_due_time(h->not_before, h->not_after, h->obtained, renew_at) : now;
                if (retry > e->next_attempt)
                        e->next_attempt = retry;
        } else
                e->next_attempt = retry ? retry : now;
}

void enrolld_report_publish(enrolld_report *rep, const enrolld_held *dev, const agent_accounts *acc, double renew_at,
                            bool in_round, uint64_t retry_at_ms, const char *round_msg) {
        enrolld_status old = rep->st;
        time_t now = time(NULL);
        int r;

        rep->st = (enrolld_status) { .pid = getpid(), .updated = now };
        add(&rep->st, &old, NULL, dev, renew_at, in_round, retry_at_ms, round_msg, now);
        for (size_t i = 0; i < acc->n; i++)
                add(&rep->st, &old, acc->v[i].spec.name, &acc->v[i].held, renew_at, in_round, retry_at_ms, round_msg,
                    now);

        r = enrolld_status_write(rep->path, &rep->st);
        if (r < 0 && r != rep->write_error)
                log_warning_errno(r, "Failed to write the state file \"%s\" (%m): deviceidctl status cannot show "
                                     "the current state.", rep->path);
        else if (r >= 0 && rep->write_error)
                log_info("The state file \"%s\" is written again.", rep->path);
        rep->write_error = r < 0 ? r : 0;
        if (r >= 0)
                rep->written = true;
}
