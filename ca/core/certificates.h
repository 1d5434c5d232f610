/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The certificates table (store module "ca"): every certificate this CA
 * issued, by serial (lowercase hex, no leading zeros), with the CA that
 * issued it, its device and account links, validity, revocation state and
 * DER. The issuer records into it; the inventory revokes by device; the
 * services look presented certificates up and revoke by serial. Every
 * function joins the caller's transaction if there is one.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <openssl/x509.h>

#include "store.h"

/* The intermediates of the CA directory, by what they sign. */
typedef enum ca_kind {
        CA_ATTESTATION,
        CA_AGENT,
        CA_ACCOUNT,
        _CA_KIND_MAX,
        CA_KIND_INVALID = -EINVAL,
} ca_kind;

/* "attestation", "agent" (or "acme"), "account". */
ca_kind ca_kind_from_string(const char *s);
const char *ca_kind_to_string(ca_kind k);

#define CRL_REASON_UNSPECIFIED 0
#define CRL_REASON_KEY_COMPROMISE 1
#define CRL_REASON_AFFILIATION_CHANGED 3
#define CRL_REASON_SUPERSEDED 4
#define CRL_REASON_CESSATION_OF_OPERATION 5
/* The other RFC 5280 5.3.1 codes (7 is unused, 8 is for delta CRLs). */
#define CRL_REASON_CA_COMPROMISE 2
#define CRL_REASON_AFFILIATION_CHANGED 3
#define CRL_REASON_CERTIFICATE_HOLD 6
#define CRL_REASON_PRIVILEGE_WITHDRAWN 9
#define CRL_REASON_AA_COMPROMISE 10

/* "unspecified", "keyCompromise", ... (RFC 5280 names, NULL for what is
 * not a code) and back: the parser takes the reasons an administrator may
 * give (unspecified, keyCompromise, affiliationChanged, superseded,
 * cessationOfOperation, privilegeWithdrawn), by name (any case) or
 * number, else -EINVAL: not the CA's own compromise, not a hold. */
int crl_reason_from_string(const char *s);
const char *crl_reason_to_string(int reason);

/* Schema of the table, applied by ca_store_open(). */
int certificates_store_migrate(store *st);

/* Records cert, issued by CA ca under serial, linked to device_id (0 for
 * none) and account (NULL for none); subject is what lists show (the CN,
 * else the first SAN; may be NULL). -EEXIST if the serial is taken. */
int certificates_record(store *st, ca_kind ca, X509 *cert, const char *serial, int64_t device_id,
                        const char *account, const char *subject);

typedef struct issued_info {
        char *serial;
        char *ca;          /* "agent", ... */
        int64_t device_id; /* 0 if none */
        char *account;     /* NULL if none */
        time_t not_before, not_after;
        bool revoked;
        time_t revoked_at; /* 0 if not revoked */
        int reason;
        uint8_t *der;
        size_t der_len;
} issued_info;
void issued_info_done(issued_info *c);

/* Looks a certificate up by serial (hex, any case, leading zeros
 * ignored); -ENOENT if unknown. */
int certificates_lookup(store *st, const char *serial, issued_info *ret);

/* Revocation. Reasons are RFC 5280 CRLReason codes (CRL_REASON_*).
 * By serial: 0 if revoked now, -EALREADY if it already was, -ENOENT if
 * unknown. By device: the number of certificates newly revoked. */
int certificates_revoke_serial(store *st, const char *serial, int reason);
int certificates_revoke_device(store *st, int64_t device_id, int reason);
/* The unrevoked certificates recorded with that account reference, of
 * one device (device_id > 0) or of all (0): the number newly revoked. */
int certificates_revoke_account(store *st, const char *account, int64_t device_id, int reason);

/* The revocation hook: fn(userdata) runs after any revocation of this
 * process changed a row (before the caller's transaction, if any,
 * commits: it is a wake-up, not a promise). One hook per process, set
 * once before threads start; NULL removes it. Revocations made by other
 * processes on the same database are seen through
 * certificates_revoked_counts(). */
void certificates_set_revoke_hook(void (*fn)(void *userdata), void *userdata);

/* The number of revoked certificates of each CA (ever: a revocation is
 * never undone, so a count that changed means new revocations). */
int certificates_revoked_counts(store *st, int64_t ret[_CA_KIND_MAX]);

/* Calls fn for each revoked certificate of CA ca that has not expired at
 * `now`, in serial order: serial (normalised hex), time of revocation,
 * reason. Stops at fn's first negative return and returns it; else 0. */
typedef int (*certificates_revoked_fn)(const char *serial, time_t revoked_at, int reason, void *userdata);
int certificates_foreach_revoked(store *st, ca_kind ca, time_t now, certificates_revoked_fn fn, void *userdata);

/* A listing filter: fields left NULL/0 match everything; name matches
 * the recorded subject exactly. */
typedef struct certificates_filter {
        int64_t device_id;
        const char *account;
        const char *name;
        const char *ca;      /* "agent", ...: one CA's */
        bool include_revoked;
        bool include_expired;
} certificates_filter;
typedef struct issued_row {
        const char *serial, *ca, *account, *subject;
        int64_t device_id;
        time_t not_before, not_after, revoked_at;
        bool revoked;
        int reason;
} issued_row;
/* Calls fn for each matching certificate, newest first (borrowed row,
 * valid during the call); at most `limit` rows (0: 1000). Returns the
 * number listed or fn's first negative return. */
int certificates_list(store *st, const certificates_filter *f, size_t limit,
                      int (*fn)(const issued_row *row, void *userdata), void *userdata);
