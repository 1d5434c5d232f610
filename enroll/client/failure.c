/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The failure record of the agent's CA clients (failure.h): filled where
 * the client decides, logged at debug, reported once by the caller.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "enroll/client/failure.h"
#include "json.h"
#include "log.h"

int client_fail(client_failure *e, client_failure_kind kind, const char *who, const char *step,
                       int r, const char *detail) {
        e->kind = kind;
        e->step = step;
        (void) snprintf(e->detail, sizeof(e->detail), "%s", detail ?: "");
        return log_debug_errno(r, "%s: failed to %s: %m%s%s", who, step, e->detail[0] ? ": " : "", e->detail);
}

int client_fail_transport(client_failure *e, const char *who, const char *step, int r,
                                 const char *text) {
        client_failure_kind kind;

        if (r == -EMSGSIZE || r == -EBADMSG)
                kind = CLIENT_FAIL_RESPONSE;
        else if (r == -EINVAL || r == -ENOMEM || r == -EPROTONOSUPPORT)
                kind = CLIENT_FAIL_LOCAL;
        else
                kind = CLIENT_FAIL_CONNECT;
        return client_fail(e, kind, who, step, r, text);
}

int client_failure_message(const char *body, size_t len, char **ret, long *ret_status) {
        _cleanup_json_ json_object *o = NULL;
        const char *m;
        int64_t status = 0;
        size_t n, cut;
        char *s;
        int r;

        if (!body || !ret)
                return -EINVAL;
        if (json_parse_object(body, len, CLIENT_FAILURE_MAX_BODY, &o) < 0 ||
            json_get_string(o, "message", &m) < 0)
                return -ENOENT;
        n = strlen(m);
        if (n == 0)
                return -ENOENT;
        r = json_get_int64_opt(o, "status", &status);
        if (r <= 0 || status < 0 || status > 999)
                status = 0;

        cut = n > CLIENT_FAILURE_MAX_MESSAGE ? CLIENT_FAILURE_MAX_MESSAGE : n;
        s = malloc(cut + 4);
        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < cut; i++) {
                unsigned char c = (unsigned char) m[i];
                s[i] = c >= 0x20 && c < 0x7f ? (char) c : '?';
        }
        strcpy(s + cut, n > cut ? "..." : "");
        *ret = s;
        if (ret_status)
                *ret_status = (long) status;
        return 0;
}

int client_failure_problem(const char *body, size_t len, char ret[static CLIENT_FAILURE_MAX_PROBLEM + 1]) {
        _cleanup_json_ json_object *o = NULL;
        const char *t;
        size_t n;

        ret[0] = 0;
        if (!body || json_parse_object(body, len, CLIENT_FAILURE_MAX_BODY, &o) < 0 ||
            json_get_string(o, "type", &t) < 0)
                return -ENOENT;
        n = strlen(t);
        if (n == 0 || n > CLIENT_FAILURE_MAX_PROBLEM)
                return -ENOENT;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) t[i] <= 0x20 || (unsigned char) t[i] >= 0x7f)
                        return -ENOENT;
        memcpy(ret, t, n + 1);
        return 0;
}
