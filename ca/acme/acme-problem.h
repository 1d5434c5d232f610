/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ACME problem documents (RFC 8555 section 6.7, RFC 7807): the error types
 * of the urn:ietf:params:acme:error: namespace with their HTTP status, and
 * a small fixed-size problem value that validators and handlers fill in.
 * Pure: no I/O.
 */
#pragma once

#include <stdarg.h>

#include "json.h"
#include "macro.h"

typedef enum acme_error {
        ACME_ERR_MALFORMED,
        ACME_ERR_BAD_NONCE,
        ACME_ERR_BAD_SIGNATURE_ALGORITHM,
        ACME_ERR_UNAUTHORIZED,
        ACME_ERR_ACCOUNT_DOES_NOT_EXIST,
        ACME_ERR_ORDER_NOT_READY,
        ACME_ERR_BAD_CSR,
        ACME_ERR_REJECTED_IDENTIFIER,
        ACME_ERR_UNSUPPORTED_IDENTIFIER,
        ACME_ERR_INCORRECT_RESPONSE,
        ACME_ERR_CONNECTION,
        ACME_ERR_DNS,
        ACME_ERR_TLS,
        ACME_ERR_SERVER_INTERNAL,
        ACME_ERR_ALREADY_REVOKED,
        ACME_ERR_BAD_REVOCATION_REASON,
        ACME_ERR_BAD_PUBLIC_KEY,
        ACME_ERR_INVALID_CONTACT,
        ACME_ERR_UNSUPPORTED_CONTACT,
        ACME_ERR_RATE_LIMITED,
        ACME_ERR_CAA,
        ACME_ERR_EXTERNAL_ACCOUNT_REQUIRED,
        ACME_ERR_USER_ACTION_REQUIRED,
        ACME_ERR_BAD_ATTESTATION_STATEMENT, /* draft-ietf-acme-device-attest */
        /* deviceid's own (ca/core/refusal.h), full URNs outside the ACME
         * namespace: the device was disabled or removed at the CA, its posture
         * failed. */
        ACME_ERR_DEVICE_DISABLED,
        ACME_ERR_DEVICE_REMOVED,
        ACME_ERR_POSTURE, /* device-attest-01: the posture report failed (docs/posture.md) */
        _ACME_ERR_MAX,
        ACME_ERR_INVALID = -EINVAL,
} acme_error;

#define ACME_ERROR_URN_PREFIX "urn:ietf:params:acme:error:"
#define ACME_PROBLEM_DETAIL_MAX 480

/* "malformed", "badNonce", ... (the part after the URN prefix), or the
 * whole URN for a type outside the ACME namespace ("urn:deviceid:..."). */
const char *acme_error_name(acme_error e);
/* Inverse of acme_error_name; accepts the full URN too. */
acme_error acme_error_from_string(const char *s);
/* The HTTP status RFC 8555 and common practice use for a type (400, 403, ...). */
unsigned acme_error_status(acme_error e);

typedef struct acme_problem {
        acme_error type;
        unsigned status;                       /* 0: acme_error_status(type) */
        char detail[ACME_PROBLEM_DETAIL_MAX];
} acme_problem;

/* Fills p (detail formatted and truncated to fit). Returns -EPROTO so that
 * a function can `return acme_problem_set(p, ...)` to say "refused, see
 * the problem". */
int acme_problem_set(acme_problem *p, acme_error type, const char *fmt, ...) _printf_(3, 4);
int acme_problem_setv(acme_problem *p, acme_error type, const char *fmt, va_list ap) _printf_(3, 0);
/* The same with an explicit HTTP status (e.g. 409, 413, 415). */
int acme_problem_set_status(acme_problem *p, acme_error type, unsigned status, const char *fmt,
                            ...) _printf_(4, 5);
unsigned acme_problem_http_status(const acme_problem *p);

/* {"type": URN, "detail": ..., "status": N} as a new object; NULL on OOM. */
json_object *acme_problem_to_json(const acme_problem *p);
/* Parses a stored problem document back (type must be known). 0 or -EBADMSG. */
int acme_problem_from_json(json_object *o, acme_problem *ret);
