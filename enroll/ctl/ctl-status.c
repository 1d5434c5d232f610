/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deviceidctl status: what the running deviceid-enrolld says about the
 * device and each account, read from its state file (untrusted input,
 * parsed with limits by enrolld-status.c), as text or --json. The exit
 * status says whether anything needs the operator (deviceidctl(8)).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "enroll/agent/enrolld-status-file.h"
#include "enroll/ctl/ctl.h"
#include "json.h"
#include "log.h"
#include "time-util.h"

enum {
        STATUS_EXIT_ATTENTION = 4,   /* failing, refused, withdrawn, or expiring before the next attempt */
        STATUS_EXIT_NOT_RUNNING = 3, /* no state file, or its daemon is gone */
};

static void usage(FILE *f) {
        fprintf(f, "Usage: deviceidctl status [--json] [--state FILE]\n");
}

static void time_text(time_t t, char buf[static FORMAT_TIME_MAX]) {
        if (t == 0)
                snprintf(buf, FORMAT_TIME_MAX, "never");
        else
                (void) format_time(t, buf);
}

static int add_time(json_object *o, const char *key, time_t t) {
        char buf[FORMAT_TIME_MAX];

        if (t == 0)
                return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
        (void) format_time(t, buf);
        return json_add_string(o, key, buf);
}

static int print_json(const enrolld_status *s, bool running, time_t now, bool attention) {
        _cleanup_json_ json_object *root = json_object_new_object();
        json_object *arr = json_object_new_array();

        if (!root || !arr || json_add_object(root, "entries", arr) < 0) {
                json_object_put(arr);
                return log_oom();
        }
        if (json_add_int64(root, "pid", s->pid) < 0 || json_add_bool(root, "running", running) < 0 ||
            add_time(root, "updated", s->updated) < 0 || json_add_bool(root, "attention", attention) < 0)
                return log_oom();
        for (size_t i = 0; i < s->n; i++) {
                const enrolld_status_entry *e = &s->v[i];
                json_object *o = json_object_new_object();

                if (!o || json_object_array_add(arr, o) < 0) {
                        json_object_put(o);
                        return log_oom();
                }
                if (json_add_string(o, "kind", e->device ? "device" : "account") < 0 ||
                    json_add_string(o, "name", e->name) < 0 ||
                    json_add_string(o, "state", enrolld_entry_state_to_string(e->state)) < 0 ||
                    add_time(o, "not_after", e->not_after) < 0 || add_time(o, "last_success", e->last_success) < 0 ||
                    add_time(o, "next_attempt", e->next_attempt) < 0 ||
                    (e->message[0] ? json_add_string(o, "last_error", e->message)
                                   : json_object_object_add(o, "last_error", NULL)) < 0 ||
                    json_add_bool(o, "attention", enrolld_status_entry_needs_attention(e, now)) < 0)
                        return log_oom();
        }
        printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        return 0;
}

static void print_text(const enrolld_status *s, bool running, time_t now) {
        char t[4][FORMAT_TIME_MAX];

        time_text(s->updated, t[0]);
        printf("deviceid-enrolld (pid %ld) %s; state of %s\n", (long) s->pid,
               running ? "running" : "NOT RUNNING (the state is stale)", t[0]);
        for (size_t i = 0; i < s->n; i++) {
                const enrolld_status_entry *e = &s->v[i];

                time_text(e->not_after, t[1]);
                time_text(e->last_success, t[2]);
                time_text(e->next_attempt, t[3]);
                if (e->device)
                        printf("\ndevice:\n");
                else
                        printf("\naccount \"%s\":\n", e->name);
                printf("        state: %s%s\n", enrolld_entry_state_to_string(e->state),
                       enrolld_status_entry_needs_attention(e, now) ? " (needs attention)" : "");
                printf("        not after: %s\n", e->not_after ? t[1] : "-");
                printf("        last success: %s\n", t[2]);
                printf("        next attempt: %s\n", e->next_attempt ? t[3] : "-");
                printf("        last error: %s\n", e->message[0] ? e->message : "none");
        }
}

/* Whether the daemon that wrote the file still runs. */
static bool daemon_running(pid_t pid) {
        return kill(pid, 0) == 0 || errno == EPERM;
}

int verb_status(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, 'j' },
                { "state", required_argument, NULL, 's' },
                {}
        };
        _cleanup_free_ char *path = NULL, *error = NULL;
        enrolld_status s;
        bool json = false, running, attention = false;
        time_t now = time(NULL);
        int c, r;

        while ((c = getopt_long(argc, argv, "hjs:", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        usage(stdout);
                        return 0;
                case 'j':
                        json = true;
                        break;
                case 's':
                        free(path);
                        path = strdup(optarg);
                        if (!path)
                                return log_oom();
                        break;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        if (optind < argc) {
                usage(stderr);
                return 2;
        }
        if (!path) {
                if (asprintf(&path, "%s/%s", ENROLLD_STATUS_DEFAULT_DIR, ENROLLD_STATUS_FILE_NAME) < 0)
                        return log_oom();
        }

        r = enrolld_status_read(path, &s, &error);
        if (r == -ENOENT) {
                log_error("deviceid-enrolld is not running: no state file \"%s\".", path);
                return STATUS_EXIT_NOT_RUNNING;
        }
        if (r == -EBADMSG)
                return log_error_errno(r, "The state file \"%s\" is malformed: %s", path, error ?: "out of memory");
        if (r == -EFBIG)
                return log_error_errno(r, "The state file \"%s\" is larger than %u bytes.", path,
                                       (unsigned) ENROLLD_STATUS_FILE_MAX);
        if (r < 0)
                return log_error_errno(r, "Failed to read the state file \"%s\": %m", path);

        running = daemon_running(s.pid);
        for (size_t i = 0; i < s.n; i++)
                attention = attention || enrolld_status_entry_needs_attention(&s.v[i], now);
        if (json) {
                r = print_json(&s, running, now, attention);
                if (r < 0)
                        return r;
        } else
                print_text(&s, running, now);
        fflush(stdout);
        if (!running)
                return STATUS_EXIT_NOT_RUNNING;
        return attention ? STATUS_EXIT_ATTENTION : 0;
}
