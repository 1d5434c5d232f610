/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attest_client_error bookkeeping shared by the agent's CA clients (the
 * Attestation CA, ACME and /1.0/sign clients): what failed, at which step,
 * and which kind of failure it is, for the caller to report once.
 */
#include <errno.h>
#include <stdio.h>

#include "enroll/client/attest-client.h"
#include "log.h"

int attest_client_fail(attest_client_error *e, attest_client_failure kind, const char *who, const char *step,
                       int r, const char *detail) {
        e->kind = kind;
        e->step = step;
        (void) snprintf(e->detail, sizeof(e->detail), "%s", detail ?: "");
        return log_debug_errno(r, "%s: failed to %s: %m%s%s", who, step, e->detail[0] ? ": " : "", e->detail);
}

int attest_client_fail_transport(attest_client_error *e, const char *who, const char *step, int r,
                                 const char *text) {
        attest_client_failure kind;

        if (r == -EMSGSIZE || r == -EBADMSG)
                kind = ATTEST_FAIL_RESPONSE;
        else if (r == -EINVAL || r == -ENOMEM || r == -EPROTONOSUPPORT)
                kind = ATTEST_FAIL_LOCAL;
        else
                kind = ATTEST_FAIL_CONNECT;
        return attest_client_fail(e, kind, who, step, r, text);
}
