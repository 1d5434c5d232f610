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
