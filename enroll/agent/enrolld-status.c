/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state deviceid-enrolld reports (enrolld-status.h): the text of its
 * state file, written by the daemon and parsed back by deviceidctl with
 * a length limit on the file, each line, each name and each message.
 * No I/O.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enroll/agent/enrolld-status.h"
#include "keyring/keyring.h"
#include "macro.h"

static const char *const state_names[_ENROLLD_ENTRY_STATE_MAX] = {
        [ENROLLD_ENTRY_VALID] = "valid",
        [ENROLLD_ENTRY_RENEWING] = "renewing",
        [ENROLLD_ENTRY_FAILING] = "failing",
        [ENROLLD_ENTRY_REFUSED] = "refused",
        [ENROLLD_ENTRY_WITHDRAWN] = "withdrawn",
};

const char *enrolld_entry_state_to_string(enrolld_entry_state s) {
        if ((int) s < 0 || s >= _ENROLLD_ENTRY_STATE_MAX)
                return NULL;
        return state_names[s];
}

int enrolld_entry_state_from_string(const char *s) {
        for (int i = 0; i < _ENROLLD_ENTRY_STATE_MAX; i++)
                if (streq(state_names[i], s))
                        return i;
        return -EINVAL;
}

enrolld_status_entry *enrolld_status_find(enrolld_status *s, const char *name, bool device) {
        for (size_t i = 0; i < s->n; i++)
                if (s->v[i].device == device && streq(s->v[i].name, name))
                        return &s->v[i];
        return NULL;
}

void enrolld_status_entry_set_message(enrolld_status_entry *e, const char *msg) {
        size_t n = 0;

        for (; msg && msg[n] && n < ENROLLD_STATUS_MESSAGE_MAX; n++) {
                unsigned char c = (unsigned char) msg[n];

                e->message[n] = c >= 0x20 && c < 0x7f ? (char) c : '?';
        }
        e->message[n] = 0;
}

bool enrolld_status_entry_needs_attention(const enrolld_status_entry *e, time_t now) {
        if (e->state == ENROLLD_ENTRY_FAILING || e->state == ENROLLD_ENTRY_REFUSED ||
            e->state == ENROLLD_ENTRY_WITHDRAWN)
                return true;
        if (e->not_after == 0)
                return false;
        return e->not_after <= now || (e->next_attempt != 0 && e->not_after <= e->next_attempt);
}

static bool name_ok(const char *name, bool device) {
        if (strlen(name) > ENROLLD_STATUS_NAME_MAX)
                return false;
        return device ? streq(name, "device") : keyring_account_name_is_valid(name) > 0;
}

int enrolld_status_format(const enrolld_status *s, char **ret, size_t *ret_len) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, size = ENROLLD_STATUS_FILE_MAX + 1;
        int n;

        if (s->n > ENROLLD_STATUS_MAX_ENTRIES)
                return -EINVAL;
        buf = malloc(size);
        if (!buf)
                return -ENOMEM;
        n = snprintf(buf, size, "%s\npid %" PRIi64 "\nupdated %" PRIi64 "\n", ENROLLD_STATUS_MAGIC,
                     (int64_t) s->pid, (int64_t) s->updated);
        if (n < 0 || (size_t) n >= size)
                return -EINVAL;
        len = (size_t) n;
        for (size_t i = 0; i < s->n; i++) {
                const enrolld_status_entry *e = &s->v[i];
                enrolld_status_entry clean = *e;
                const char *state = enrolld_entry_state_to_string(e->state);

                if (!state || !name_ok(e->name, e->device) || (e->device && i != 0))
                        return -EINVAL;
                /* The message as the parser will take it. */
                clean.message[ENROLLD_STATUS_MESSAGE_MAX] = 0;
                enrolld_status_entry_set_message(&clean, e->message);
                n = snprintf(buf + len, size - len, "entry %s %s %s %" PRIi64 " %" PRIi64 " %" PRIi64 " %s\n",
                             e->device ? "device" : "account", e->name, state, (int64_t) e->not_after,
                             (int64_t) e->last_success, (int64_t) e->next_attempt, clean.message);
                if (n < 0 || (size_t) n >= size - len || (size_t) n > ENROLLD_STATUS_LINE_MAX)
                        return -EINVAL;
                len += (size_t) n;
        }
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

_printf_(3, 4) static int bad(char **ret_error, unsigned line, const char *fmt, ...) {
        _cleanup_free_ char *what = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&what, fmt, ap);
        va_end(ap);
        if (ret_error && n >= 0 && asprintf(ret_error, "line %u: %s", line, what) < 0)
                *ret_error = NULL;
        return -EBADMSG;
}

/* A decimal number of at most 18 digits (no sign, no leading '+'). */
static int parse_num(const char *s, int64_t *ret) {
        int64_t v = 0;
        size_t n = strlen(s);

        if (n == 0 || n > 18)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (s[i] - '0');
        }
        *ret = v;
        return 0;
}

/* The next space-separated field of *p (moves *p past it and one space). */
static char *field(char **p) {
        char *s = *p, *sp;

        if (!s)
                return NULL;
        sp = strchr(s, ' ');
        if (sp) {
                *sp = 0;
                *p = sp + 1;
        } else
                *p = NULL;
        return s;
}

static int parse_entry(char *rest, unsigned line, enrolld_status *s, char **ret_error) {
        enrolld_status_entry e = {};
        char *kind, *name, *state, *t[3];
        int64_t v[3];
        int st;

        kind = field(&rest);
        name = field(&rest);
        state = field(&rest);
        for (size_t i = 0; i < 3; i++)
                t[i] = field(&rest);
        if (!kind || !name || !state || !t[0] || !t[1] || !t[2] || !rest)
                return bad(ret_error, line, "an entry has KIND NAME STATE NOT_AFTER LAST_SUCCESS NEXT_ATTEMPT MESSAGE");
        if (!streq(kind, "device") && !streq(kind, "account"))
                return bad(ret_error, line, "the kind must be \"device\" or \"account\"");
        e.device = streq(kind, "device");
        if (!name_ok(name, e.device))
                return bad(ret_error, line, "\"%.64s\" is not a valid %s name", name, kind);
        if (e.device && s->n != 0)
                return bad(ret_error, line, "the device entry must come first");
        if (enrolld_status_find(s, name, e.device))
                return bad(ret_error, line, "\"%s\" appears twice", name);
        if (s->n >= ENROLLD_STATUS_MAX_ENTRIES)
                return bad(ret_error, line, "more than %u entries", (unsigned) ENROLLD_STATUS_MAX_ENTRIES);
        st = enrolld_entry_state_from_string(state);
        if (st < 0)
                return bad(ret_error, line, "unknown state \"%.16s\"", state);
        for (size_t i = 0; i < 3; i++)
                if (parse_num(t[i], &v[i]) < 0)
                        return bad(ret_error, line, "a time must be seconds since the epoch");
        if (strlen(rest) > ENROLLD_STATUS_MESSAGE_MAX)
                return bad(ret_error, line, "the message is longer than %u bytes", ENROLLD_STATUS_MESSAGE_MAX);
        memcpy(e.name, name, strlen(name) + 1);
        e.state = (enrolld_entry_state) st;
        e.not_after = (time_t) v[0];
        e.last_success = (time_t) v[1];
        e.next_attempt = (time_t) v[2];
        memcpy(e.message, rest, strlen(rest) + 1);
        s->v[s->n++] = e;
        return 0;
}

int enrolld_status_parse(const char *text, size_t len, enrolld_status *ret, char **ret_error) {
        enrolld_status s = {};
        bool have_pid = false, have_updated = false;
        char line[ENROLLD_STATUS_LINE_MAX + 1];
        size_t pos = 0;
        unsigned no = 0;
        int r;

        if (ret_error)
                *ret_error = NULL;
        if (len > ENROLLD_STATUS_FILE_MAX)
                return -EFBIG;
        while (pos < len) {
                const char *nl = memchr(text + pos, '\n', len - pos);
                size_t n = nl ? (size_t) (nl - (text + pos)) : len - pos;
                char *rest;
                int64_t v;

                no++;
                if (!nl)
                        return bad(ret_error, no, "the last line does not end in a newline");
                if (n > ENROLLD_STATUS_LINE_MAX)
                        return bad(ret_error, no, "longer than %u bytes", ENROLLD_STATUS_LINE_MAX);
                for (size_t i = 0; i < n; i++)
                        if ((unsigned char) text[pos + i] < 0x20 || (unsigned char) text[pos + i] >= 0x7f)
                                return bad(ret_error, no, "a byte that is not printable ASCII");
                memcpy(line, text + pos, n);
                line[n] = 0;
                pos += n + 1;

                if (no == 1) {
                        if (!streq(line, ENROLLD_STATUS_MAGIC))
                                return bad(ret_error, no, "not \"%s\"", ENROLLD_STATUS_MAGIC);
                        continue;
                }
                rest = line;
                {
                        char *key = field(&rest);

                        if (streq(key, "entry")) {
                                if (!have_pid || !have_updated)
                                        return bad(ret_error, no, "an entry before pid and updated");
                                r = parse_entry(rest, no, &s, ret_error);
                                if (r < 0)
                                        return r;
                        } else if (streq(key, "pid") || streq(key, "updated")) {
                                bool *have = streq(key, "pid") ? &have_pid : &have_updated;

                                if (*have)
                                        return bad(ret_error, no, "\"%s\" appears twice", key);
                                if (!rest || parse_num(rest, &v) < 0 || (have == &have_pid && (v < 1 || v > INT32_MAX)))
                                        return bad(ret_error, no, "\"%s\" takes a number (a pid above 0)", key);
                                if (have == &have_pid)
                                        s.pid = (pid_t) v;
                                else
                                        s.updated = (time_t) v;
                                *have = true;
                        } else
                                return bad(ret_error, no, "unknown line \"%.32s\"", key);
                }
        }
        if (no == 0)
                return bad(ret_error, 1, "empty");
        if (!have_pid || !have_updated)
                return bad(ret_error, no, "pid or updated missing");
        *ret = s;
        return 0;
}
