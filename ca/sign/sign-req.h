/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The body of POST /1.0/sign and the validity it asks for (protocols.md
 * section 3): {"csr": PEM, "ott": JWT, "notBefore"?, "notAfter"?,
 * "eventlog"?}, times as RFC 3339 or positive durations ("24h", "5m",
 * "1h30m"), "eventlog" the TCG event log the token's posture report names
 * by digest (docs/posture.md). Pure.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "json.h"
#include "posture.h"

#define SIGN_CSR_PEM_MAX (16 * 1024)
#define SIGN_OTT_MAX (16 * 1024)
#define SIGN_TIME_MAX 64
/* The whole body: csr, ott, an event log in base64 and the rest. The
 * HTTP body limit of the route (larger than the server's default). */
#define SIGN_BODY_MAX (SIGN_CSR_PEM_MAX + SIGN_OTT_MAX + POSTURE_EVENTLOG_B64_MAX + 4096)
#define SIGN_MIN_LIFETIME 300   /* seconds */
#define SIGN_BACKDATE 60        /* an implicit notBefore is now minus this */

typedef struct sign_time {
        bool set;
        bool relative;      /* a duration: relative to now (notBefore) or to notBefore (notAfter) */
        time_t at;          /* absolute time when !relative */
        uint64_t duration;  /* seconds when relative */
} sign_time;

typedef struct sign_request {
        json_object *json;  /* owns the strings below */
        const char *csr_pem;
        size_t csr_pem_len;
        const char *ott;
        size_t ott_len;
        sign_time not_before, not_after;
        bool has_eventlog;  /* "eventlog" is there (a string of at most POSTURE_EVENTLOG_B64_MAX) */
} sign_request;

void sign_request_done(sign_request *r);

/* Parses a body of len bytes. Unknown members are ignored (step's client
 * may send more). -EBADMSG (or -ENOMEM) with a static reason in *ret_why
 * for malformed JSON, a missing or oversized "csr"/"ott", an "eventlog"
 * that is not a string of at most POSTURE_EVENTLOG_B64_MAX bytes, or a
 * time that is neither RFC 3339 nor a duration (the event log itself is
 * decoded and checked with the report: posture_eventlog_attach()). *ret is written only on success. */
int sign_request_parse(const char *body, size_t len, sign_request *ret, const char **ret_why);

/* "2026-11-30T12:00:00Z", "...T12:00:00.5+01:00" (fractions dropped) or a
 * positive duration as duration_parse() reads it, at most 100 years. 0 or
 * -EINVAL. */
int sign_time_parse(const char *s, sign_time *ret);

/* The certificate's validity: notBefore = the requested one or now -
 * SIGN_BACKDATE (a requested one may not lie more than SIGN_BACKDATE in
 * the past); notAfter = the requested one, else notBefore + def_lifetime
 * clamped to limit (the device certificate's notAfter). A requested
 * notAfter past limit is refused; so is a lifetime under
 * SIGN_MIN_LIFETIME or over max_lifetime. 0, -EINVAL (the request asks
 * for something wrong) or -ERANGE (the clamp to limit leaves less than the
 * minimum), with a static reason in *ret_why. */
int sign_validity(const sign_time *not_before, const sign_time *not_after, time_t now, uint64_t def_lifetime,
                  uint64_t max_lifetime, time_t limit, time_t *ret_not_before, time_t *ret_not_after,
                  const char **ret_why);
