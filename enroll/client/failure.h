/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The failure record of the agent's CA clients (the Attestation CA, ACME
 * and /1.0/sign clients): what failed, at which step, of which kind, for
 * the caller to report once. Library code fills it and logs at debug; the
 * caller that decides (deviceidctl, deviceid-enrolld) turns it into one
 * line. Also the message of a CA's error body, made safe to print.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef enum client_failure_kind {
        CLIENT_FAIL_NONE,
        CLIENT_FAIL_LOCAL,    /* bad argument or URL (http:// included), bad
                               * root PEM, out of memory */
        CLIENT_FAIL_TPM,      /* a TPM operation failed */
        CLIENT_FAIL_CONNECT,  /* no HTTP response: DNS, TCP, TLS, timeout */
        CLIENT_FAIL_REFUSED,  /* the CA answered with status >= 400 */
        CLIENT_FAIL_RESPONSE, /* unexpected status, malformed body, or a
                               * credential the TPM refuses as not ours */
        CLIENT_FAIL_CHECK,    /* the issued certificate fails the client's checks */
} client_failure_kind;

/* The problem types by which a CA says the device was taken away:
 * disabled, or removed from the inventory (docs/revocation.md; the
 * protocol's constants, also in the CA's ca/core/refusal.h). */
#define CLIENT_PROBLEM_DEVICE_DISABLED "urn:deviceid:error:deviceDisabled"
#define CLIENT_PROBLEM_DEVICE_REMOVED "urn:deviceid:error:deviceRemoved"

/* A problem type longer than this is not kept. */
#define CLIENT_FAILURE_MAX_PROBLEM 95u

typedef struct client_failure {
        client_failure_kind kind;
        /* What was being done, static: "create the attestation key",
         * "POST /attest", "accept the AK certificate", ... */
        const char *step;
        /* The URL of the request for CONNECT/REFUSED/RESPONSE, else "". */
        char url[512];
        /* HTTP status for REFUSED and RESPONSE, else 0. */
        long status;
        /* CONNECT: curl's text; REFUSED: the CA's message (sanitized; ""
         * if none); RESPONSE, CHECK: what is wrong. */
        char detail[256];
        /* REFUSED: the problem type of the error body ("type"), e.g.
         * urn:deviceid:error:deviceDisabled; "" if none or unusable. */
        char problem[CLIENT_FAILURE_MAX_PROBLEM + 1];
} client_failure;

/* A CA error message is cut to this many bytes (plus "..."). */
#define CLIENT_FAILURE_MAX_MESSAGE 200u
/* Error bodies longer than this are not read. */
#define CLIENT_FAILURE_MAX_BODY (256u * 1024u)

/* client_fail() fills kind, step and detail (may be NULL), logs at debug
 * under the client's name (who: "ACME", ...) and returns r.
 * client_fail_transport() classifies an error of http_client_perform()
 * (r < 0, curl's text): LOCAL for a bad request or memory, RESPONSE for an
 * oversized or malformed answer, CONNECT for the rest. */
int client_fail(client_failure *e, client_failure_kind kind, const char *who, const char *step, int r,
                const char *detail);
int client_fail_transport(client_failure *e, const char *who, const char *step, int r, const char *text);

/* The `message` of an error body `{"status": N, "message": "..."}` (the
 * Attestation and Account CAs answer so), made safe to print: bytes
 * outside printable ASCII become '?', and it is cut to
 * CLIENT_FAILURE_MAX_MESSAGE bytes with "..." appended. -ENOENT if the
 * body is not such a JSON object or the message is absent or empty;
 * *ret_status (may be NULL) gets the `status` member, or 0. */
int client_failure_message(const char *body, size_t len, char **ret, long *ret_status);

/* The "type" of an error body that is a JSON object (the Attestation and
 * Account CAs' error shape, or an RFC 7807 problem document) into ret
 * (CLIENT_FAILURE_MAX_PROBLEM + 1 bytes): only printable ASCII without
 * spaces, at most CLIENT_FAILURE_MAX_PROBLEM bytes. -ENOENT (ret "") if
 * there is none or it does not fit. */
int client_failure_problem(const char *body, size_t len, char ret[static CLIENT_FAILURE_MAX_PROBLEM + 1]);
