/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading the certificates table (ca/core/certificates.h writes it), with
 * the names of the devices (ca/inventory/) they were issued to, for the
 * admin API:
 * search with paging, counts by state, and RFC 5280 CRLReason names.
 * The state of a certificate: "revoked" if marked so, else "expired"
 * past its notAfter, else "valid".
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ca/core/certificates.h"
#include "ca/core/store.h"
#include "json.h"

#define CERT_LIST_MAX 500

typedef enum cert_state {
        CERT_STATE_ANY,
        CERT_STATE_VALID,
        CERT_STATE_REVOKED,
        CERT_STATE_EXPIRED,
        _CERT_STATE_MAX,
        CERT_STATE_INVALID = -EINVAL,
} cert_state;

cert_state cert_state_from_string(const char *s); /* "valid", "revoked", "expired", "any" */

typedef struct cert_query {
        const char *serial; /* exactly this (normalised) serial; NULL: any */
        const char *q;     /* substring of serial, subject, account, device name or EK URI; NULL: all */
        int64_t device_id; /* 0: any */
        const char *ca;    /* "attestation", "agent", "account"; NULL: any */
        cert_state state;
        size_t limit;      /* 1..CERT_LIST_MAX; 0: count only */
        size_t offset;
        time_t now;
} cert_query;

typedef struct cert_row {
        char *serial, *ca, *account, *subject, *device_name; /* account, subject, device_name may be NULL */
        int64_t device_id;
        time_t not_before, not_after, created_at, revoked_at;
        bool revoked;
        int reason;
} cert_row;
void cert_rows_free(cert_row *v, size_t n);

/* Newest first. *ret (malloc'ed, may be NULL when n is 0), *ret_total the
 * number of matches without paging. Returns 0, -EINVAL for a bad query,
 * or -errno. */
int certificates_search(store *st, const cert_query *q, cert_row **ret, size_t *ret_n, size_t *ret_total);

/* The state of a row at time now. */
cert_state cert_row_state(const cert_row *c, time_t now);
const char *cert_state_to_string(cert_state s);

int cert_row_to_json(const cert_row *c, time_t now, json_object **ret);

/* RFC 5280 reason names and codes: crl_reason_to_string() and
 * crl_reason_from_string() of ca/core/certificates.h. */
