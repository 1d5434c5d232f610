/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A refusal: a decision of the CA to answer a client with an HTTP status
 * and a message, as opposed to an internal failure (-errno). The
 * Attestation CA and the Account CA return -EPERM with one filled in; the
 * HTTP layer sends it and logs it once.
 */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "macro.h"

/* Problem types a refusal may carry besides its status (in the JSON
 * error body as "type"), for what a client must act on rather than retry:
 * the device was disabled, or removed from the inventory; its agent then
 * withdraws the certificates it holds (docs/revocation.md). */
#define CA_PROBLEM_DEVICE_DISABLED "urn:deviceid:error:deviceDisabled"
#define CA_PROBLEM_DEVICE_REMOVED "urn:deviceid:error:deviceRemoved"
/* The device's posture report failed the policy (docs/posture.md); the
 * message names each failed check. */
#define CA_PROBLEM_POSTURE "urn:deviceid:error:posture"

typedef struct ca_refusal {
        unsigned status;
        char message[256];
        const char *type; /* CA_PROBLEM_* or NULL */
} ca_refusal;

/* Fills *ref (the message is cut to fit) and returns -EPERM, so that a
 * check can end in `return ca_refuse(ref, 403, "...", ...);`. */
_printf_(3, 4) static inline int ca_refuse(ca_refusal *ref, unsigned status, const char *fmt, ...) {
        va_list ap;

        ref->status = status;
        ref->type = NULL;
        va_start(ap, fmt);
        vsnprintf(ref->message, sizeof(ref->message), fmt, ap);
        va_end(ap);
        return -EPERM;
}
