/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ACME wire formats, client side (RFC 8555; protocols.md 2 and 4):
 * pure parsers of every response body the client reads (directory, order,
 * authorization, challenge, problem document) and of Retry-After, with
 * explicit limits, and the key authorization (acme-wire.c). No I/O;
 * fuzzed by tests/fuzz/fuzz-acme-client.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "macro.h"

/* Limits on what a server may send. */
#define ACME_MAX_RESPONSE (256u * 1024u)
#define ACME_MAX_URL 2048u
#define ACME_MAX_TOKEN 256u
#define ACME_MAX_AUTHORIZATIONS 16u
#define ACME_MAX_CHALLENGES 16u
#define ACME_MAX_DETAIL 200u
/* Polling: default interval (step-ca sends no Retry-After), the largest
 * Retry-After honoured, and the deadline of one wait. */
#define ACME_POLL_DEFAULT_MS 500u
#define ACME_POLL_MAX_SEC 10u
#define ACME_POLL_DEADLINE_SEC 60u

#define ACME_ERROR_PREFIX "urn:ietf:params:acme:error:"

typedef enum acme_status {
        ACME_STATUS_PENDING,
        ACME_STATUS_READY,
        ACME_STATUS_PROCESSING,
        ACME_STATUS_VALID,
        ACME_STATUS_INVALID,
        ACME_STATUS_EXPIRED,
        ACME_STATUS_DEACTIVATED,
        ACME_STATUS_REVOKED,
        _ACME_STATUS_MAX,
} acme_status;

/* -EBADMSG for anything but the eight RFC 8555 names. */
int acme_status_from_string(const char *s);
const char *acme_status_to_string(acme_status s);

/* The parsers: each takes the body and its length, refuses more than ACME_MAX_RESPONSE
 * bytes (-E2BIG), anything that is not the expected JSON object (-EBADMSG),
 * URLs that are not https:// (or http://) strings of at most ACME_MAX_URL
 * bytes without whitespace (-EBADMSG); unknown members are ignored. Outputs
 * are written only on success and freed with the matching _done(), which
 * also accepts a zeroed struct. */

typedef struct acme_directory {
        char *new_nonce;
        char *new_account;
        char *new_order;
} acme_directory;
void acme_directory_done(acme_directory *d);
int acme_parse_directory(const char *body, size_t len, acme_directory *ret);

typedef struct acme_order {
        acme_status status;
        char **authorizations; /* 1..ACME_MAX_AUTHORIZATIONS URLs */
        size_t n_authorizations;
        char *finalize;
        char *certificate; /* NULL until valid */
} acme_order;
void acme_order_done(acme_order *o);
int acme_parse_order(const char *body, size_t len, acme_order *ret);

typedef struct acme_challenge {
        char *type;  /* printable ASCII, at most 64 bytes */
        char *url;
        char *token; /* base64url, 1..ACME_MAX_TOKEN characters, or NULL if absent */
        acme_status status;
        char *error_detail; /* the "error" problem's detail (sanitized) or NULL */
} acme_challenge;
void acme_challenge_done(acme_challenge *c);
int acme_parse_challenge(const char *body, size_t len, acme_challenge *ret);

typedef struct acme_authorization {
        acme_status status;
        char *identifier_type;
        char *identifier_value;
        acme_challenge *challenges; /* 0..ACME_MAX_CHALLENGES */
        size_t n_challenges;
} acme_authorization;
void acme_authorization_done(acme_authorization *a);
int acme_parse_authorization(const char *body, size_t len, acme_authorization *ret);
/* The first challenge of the given type, or NULL (borrowed). */
const acme_challenge *acme_authorization_find(const acme_authorization *a, const char *type);

/* An RFC 7807 problem document. type and detail are sanitized (bytes
 * outside printable ASCII become '?', cut to ACME_MAX_DETAIL bytes with
 * "..."); detail may be "" but never NULL. -ENOENT if the body is not a
 * JSON object with a string "type". */
typedef struct acme_problem {
        char *type;
        char *detail;
        int64_t status; /* 0 if absent */
} acme_problem;
void acme_problem_done(acme_problem *p);
int acme_parse_problem(const char *body, size_t len, acme_problem *ret);

/* Retry-After as delta-seconds (1*DIGIT, at most 9 digits); HTTP dates
 * are not used by ACME servers we know and read as -EBADMSG. */
int acme_parse_retry_after(const char *value, unsigned *ret_sec);

/* token "." base64url(SHA-256(RFC 7638 JWK)) of the account key; the
 * token must be 1..ACME_MAX_TOKEN base64url characters (-EINVAL). */
int acme_key_authorization(const char *token, EVP_PKEY *account_key, char **ret);
