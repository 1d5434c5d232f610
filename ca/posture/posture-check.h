/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CA's posture decision for one /1.0/sign request or ACME
 * device-attest-01 answer (docs/posture.md): the report checked against
 * the device (its AK certified by this CA's Attestation CA for its EK),
 * the request (qualifying data from the token's jti, iat, exp, or from
 * the challenge) and the policy; every
 * report is recorded in the inventory (ca/inventory/posture-store.h), the
 * first good one of a device becomes its baseline, and a failure under
 * on_failure = revoke revokes the device's account certificates.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ca/core/refusal.h"
#include "ca/core/store.h"
#include "ca/core/trust.h"
#include "ca/posture/posture-policy.h"
#include "json.h"

#define POSTURE_MAX_CHECKS 8

typedef struct posture_check {
        const char *name; /* "report", "ak", "quote", "pcrs", "secureBoot", "diskEncryption", "kernel" */
        bool passed;
        char detail[128];
} posture_check;

typedef struct posture_verdict {
        posture_check checks[POSTURE_MAX_CHECKS];
        size_t n;
        bool passed;
        int revoked; /* certificates revoked by on_failure = revoke */
} posture_verdict;

/* What the report is bound to: a /1.0/sign token (its jti, iat and exp),
 * or an ACME device-attest-01 answer (qualifying: posture_qualifying_acme()
 * of the challenge's token and key authorization). */
typedef struct posture_token {
        json_object *claim; /* the report: the token's "deviceid/posture" claim, or the payload's "posture"; NULL: absent */
        const char *jti;
        int64_t iat, exp;
        const uint8_t *qualifying; /* 32 bytes; when set, jti, iat and exp are not used */
        json_object *beside; /* the /1.0/sign body or the ACME payload: its POSTURE_EVENTLOG_MEMBER */
} posture_token;

/* Checks the report of tok for device (device_id, ek_uri) under pol, AK
 * certificates verifying to ak_trust at now; records the report, takes
 * the baseline, revokes as the policy says. 0 with *ret filled (passed
 * or not), or -errno on internal errors. */
int posture_evaluate(store *st, const ca_anchors *ak_trust, const posture_policy *pol, const posture_token *tok,
                     const char *account, int64_t device_id, const char *ek_uri, time_t now, posture_verdict *ret);

/* The refusal of a failed verdict: 403, type CA_PROBLEM_POSTURE, the
 * message naming each failed check with its detail. Returns -EPERM. */
int posture_refuse(const posture_verdict *v, const char *account, ca_refusal *ref);

/* The verdict's checks as [{"check", "passed", "detail"}]. */
int posture_verdict_to_json(const posture_verdict *v, json_object **ret);
