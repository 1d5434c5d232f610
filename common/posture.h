/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The posture report on the wire (docs/posture.md): the
 * "deviceid/posture" member of an X5C token's claims, built by the agent
 * and read by the CA, and the qualifying data both sides derive from the
 * token. Pure: JSON in, values out, with a limit on everything
 * (fuzzed by tests/fuzz/fuzz-posture.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "tpm2quote.h"

#define POSTURE_CLAIM "deviceid/posture"
/* The "type" of the CA's refusal when a report fails its policy. */
#define POSTURE_PROBLEM_TYPE "urn:deviceid:error:posture"
#define POSTURE_VERSION 1
#define POSTURE_AK_MAX 2048     /* DER bytes of the AK certificate */
#define POSTURE_QUOTE_MAX 1024  /* TPMS_ATTEST bytes */
#define POSTURE_SIG_MAX 1024    /* TPMT_SIGNATURE bytes */
#define POSTURE_FACT_MAX 64     /* bytes of a string fact */
/* The TCG event log inside the claim (reports of older agents): at most
 * this; it must fit in the token. */
#define POSTURE_EVENTLOG_INLINE_MAX (8 * 1024)
/* The TCG event log beside the token: member POSTURE_EVENTLOG_MEMBER of
 * the /1.0/sign body or of the device-attest-01 payload, standard base64,
 * bound by its SHA-256 in the claim's "eventlogSha256"; at most as large
 * as the CA's parser takes (TPM2_EVENTLOG_MAX). */
#define POSTURE_EVENTLOG_MEMBER "eventlog"
#define POSTURE_EVENTLOG_MAX TPM2_EVENTLOG_MAX
#define POSTURE_EVENTLOG_B64_MAX (((POSTURE_EVENTLOG_MAX + 2) / 3) * 4)

/* Three-valued facts: what the machine reports. */
typedef enum posture_state {
        POSTURE_ABSENT,   /* not reported, or the machine has no such thing (no EFI) */
        POSTURE_ENABLED,
        POSTURE_DISABLED,
} posture_state;

/* "absent", "enabled", "disabled"; -EINVAL for others. */
const char *posture_state_to_string(posture_state s);
int posture_state_from_string(const char *s);

/* The machine's own statements (not measured by the TPM: they are as
 * trustworthy as the device key that signs the token). NULL strings are
 * absent. */
typedef struct posture_facts {
        char *os_id;         /* /etc/os-release ID */
        char *os_version;    /* ... VERSION_ID */
        char *kernel;        /* uname release */
        char *agent;         /* the agent's version */
        posture_state secure_boot;
        posture_state disk_encryption; /* the root filesystem on dm-crypt */
} posture_facts;
void posture_facts_done(posture_facts *f);

typedef struct posture_report {
        uint8_t *ak; size_t ak_len;        /* DER of the AK certificate */
        uint8_t *quote; size_t quote_len;  /* TPMS_ATTEST of TPM2_Quote */
        uint8_t *sig; size_t sig_len;      /* TPMT_SIGNATURE */
        tpm2_pcr_values pcrs;
        uint8_t *eventlog; size_t eventlog_len; /* optional TCG event log */
        bool eventlog_sent_beside;                /* the claim names it by digest */
        uint8_t eventlog_sha256[32];              /* ... this one */
        posture_facts facts;
} posture_report;
void posture_report_done(posture_report *r);

/* The quote's qualifying data for a token: SHA-256 over
 * "deviceid-posture-v1" NUL jti NUL iat NUL exp (decimal). */
int posture_qualifying(const char *jti, int64_t iat, int64_t exp, uint8_t ret[static 32]);

/* The same for an ACME device-attest-01 answer, whose payload carries the
 * report as member POSTURE_ACME_MEMBER: SHA-256 over
 * "deviceid-posture-acme-v1" NUL token NUL keyAuthorization. */
#define POSTURE_ACME_MEMBER "posture"
int posture_qualifying_acme(const char *token, const char *key_authorization, uint8_t ret[static 32]);

/* {"version":1, "ak", "quote", "sig" (standard base64), "eventlogSha256"?
 * (hex, when eventlog_sent_beside) or "eventlog"? (inline, standard
 * base64, otherwise), "pcrs": {BANK: {"N": hex, ...}}, "facts": {...}}. */
int posture_report_to_json(const posture_report *r, json_object **ret);

/* The facts member alone (also what the CA stores). Absent facts are
 * left out. */
int posture_facts_to_json(const posture_facts *f, json_object **ret);
int posture_facts_from_json(json_object *o, posture_facts *ret, const char **ret_why);

/* PCR values as {BANK: {"N": hex}} and back (exactly one bank; the
 * values the digest size of the bank). */
int posture_pcrs_to_json(const tpm2_pcr_values *p, json_object **ret);
int posture_pcrs_from_json(json_object *o, tpm2_pcr_values *ret, const char **ret_why);

/* Parses the claim with the limits above: -EBADMSG (with a static reason
 * in *ret_why) for a wrong version, type, size or encoding, an unknown
 * bank, a PCR number above 23. */
int posture_report_from_json(json_object *o, posture_report *ret, const char **ret_why);

/* Takes the event log a report names by digest from member
 * POSTURE_EVENTLOG_MEMBER of container (the /1.0/sign body, the ACME
 * payload) into r. 0 (also when r names none: a log the claim does not
 * bind is ignored); -ENOENT when the container has none; -EBADMSG when
 * it is not base64, larger than POSTURE_EVENTLOG_MAX or not the one the
 * digest names; a static reason in *ret_why. */
int posture_eventlog_attach(posture_report *r, json_object *container, const char **ret_why);
