/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state deviceid-enrolld reports to `deviceidctl status`: for the
 * device and each account, its state, not-after, last success, next
 * attempt and last error in words. Pure: the daemon keeps one of these,
 * formats it into the text of its state file (enrolld-status-file.h
 * writes it), and deviceidctl parses that text back, as untrusted input
 * with explicit limits (fuzzed: tests/fuzz/fuzz-enrolld-status.c). No
 * secret is ever part of it: names, times, states, messages.
 *
 * The file, version 1: lines of printable ASCII, each ending in '\n':
 *
 *     deviceid-enrolld-status 1
 *     pid PID
 *     updated EPOCH
 *     entry KIND NAME STATE NOT_AFTER LAST_SUCCESS NEXT_ATTEMPT MESSAGE
 *
 * KIND is "device" (NAME "device", first) or "account"; times are
 * seconds since the epoch, 0 for none; MESSAGE is the rest of the line
 * (may be empty). deviceid-enrolld(8) documents it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "enroll/agent/enrolld-config.h"

#define ENROLLD_STATUS_MAGIC "deviceid-enrolld-status 1"
#define ENROLLD_STATUS_MAX_ENTRIES (1 + ENROLLD_CONFIG_MAX_ACCOUNTS)
#define ENROLLD_STATUS_NAME_MAX 64
#define ENROLLD_STATUS_MESSAGE_MAX 480
#define ENROLLD_STATUS_LINE_MAX 640
/* The whole file: every entry at its longest fits. */
#define ENROLLD_STATUS_FILE_MAX (ENROLLD_STATUS_LINE_MAX * (ENROLLD_STATUS_MAX_ENTRIES + 3))

typedef enum enrolld_entry_state {
        ENROLLD_ENTRY_VALID,     /* held, renewed when due */
        ENROLLD_ENTRY_RENEWING,  /* a round is getting it now */
        ENROLLD_ENTRY_FAILING,   /* the last attempt failed (CA unreachable, TPM, ...): retrying */
        ENROLLD_ENTRY_REFUSED,   /* the CA refused the last attempt: retrying */
        ENROLLD_ENTRY_WITHDRAWN, /* the CA disabled or removed the device: taken out of the keyring */
        _ENROLLD_ENTRY_STATE_MAX,
} enrolld_entry_state;

typedef struct enrolld_status_entry {
        bool device;
        char name[ENROLLD_STATUS_NAME_MAX + 1];
        enrolld_entry_state state;
        time_t not_after;    /* of what the keyring holds; 0: nothing */
        time_t last_success; /* when the current certificate was obtained; 0: never */
        time_t next_attempt; /* 0: none planned */
        char message[ENROLLD_STATUS_MESSAGE_MAX + 1]; /* the last error; "" when none */
} enrolld_status_entry;

typedef struct enrolld_status {
        pid_t pid;
        time_t updated;
        enrolld_status_entry v[ENROLLD_STATUS_MAX_ENTRIES];
        size_t n;
} enrolld_status;

/* "valid", "renewing", ...; NULL if out of range. */
const char *enrolld_entry_state_to_string(enrolld_entry_state s);
/* The inverse; -EINVAL if unknown. */
int enrolld_entry_state_from_string(const char *s);

/* The entry of name (device: the device's), or NULL. */
enrolld_status_entry *enrolld_status_find(enrolld_status *s, const char *name, bool device);

/* Sets the entry's last error: msg (may be NULL for "") made printable
 * ('?' for other bytes) and cut to ENROLLD_STATUS_MESSAGE_MAX bytes. */
void enrolld_status_entry_set_message(enrolld_status_entry *e, const char *msg);

/* True if the entry needs the operator: failing, refused or withdrawn,
 * expired at now, or expiring before its next attempt. */
bool enrolld_status_entry_needs_attention(const enrolld_status_entry *e, time_t now);

/* The file's text into *ret (malloc'ed, NUL-terminated), *ret_len bytes.
 * -EINVAL if an entry's name is not valid, -ENOMEM. */
int enrolld_status_format(const enrolld_status *s, char **ret, size_t *ret_len);

/* Parses the file's text (len bytes, not NUL-terminated; untrusted).
 * 0, or -EBADMSG with *ret_error (malloc'ed, may be NULL if out of memory)
 * saying which line is wrong and why; -EFBIG beyond
 * ENROLLD_STATUS_FILE_MAX. */
int enrolld_status_parse(const char *text, size_t len, enrolld_status *ret, char **ret_error);
