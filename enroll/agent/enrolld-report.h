/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What deviceid-enrolld reports about itself to `deviceidctl status`: the
 * state of the device and of each account (enrolld-status.h), kept up to
 * date by the daemon's steps and written to its state file
 * (enrolld-status-file.h) at the start and at the end of every round.
 * A state file that cannot be written is logged once and changes nothing
 * else.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "enroll/agent/accounts.h"
#include "enroll/agent/enrolld-schedule.h"
#include "enroll/agent/enrolld-status.h"

typedef struct enrolld_report {
        enrolld_status st;
        char *path;
        int write_error;  /* the last failure to write, logged once; 0 when fine */
        bool written;     /* removed again when the daemon stops */
} enrolld_report;

/* Where to write (enrolld_status_path()). 0 or -ENOMEM. */
int enrolld_report_init(enrolld_report *rep);
/* Removes the file if this daemon wrote it. */
void enrolld_report_done(enrolld_report *rep);

/* The outcome of a step for one entry (name NULL: the device): state,
 * and the error in words (NULL or "" when it worked). */
void enrolld_report_note(enrolld_report *rep, const char *name, enrolld_entry_state state, const char *msg);

/* Rebuilds the entries (the device, then each account of acc) with their
 * times and writes the file. dev: the device held; in_round: a round is
 * starting (entries noted "renewing" stay so); else it just ended:
 * retry_at_ms is the next try while failing (else 0), round_msg the
 * round's failure or NULL, and an entry still "renewing" becomes failing
 * with round_msg, or valid. */
void enrolld_report_publish(enrolld_report *rep, const enrolld_held *dev, const agent_accounts *acc, double renew_at,
                            bool in_round, uint64_t retry_at_ms, const char *round_msg);
