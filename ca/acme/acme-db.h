/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Storage of the ACME server's objects (accounts, orders, authorizations,
 * challenges, certificates) in the CA store, module "acme". Every
 * multi-row change is one transaction. Rows come back as plain structs of
 * malloc'ed strings (free with the matching *_done). Lookups return
 * -ENOENT when the row does not exist.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "acme-payload.h"
#include "ca/core/store.h"

int acme_db_migrate(store *st);

typedef struct acme_account_row {
        char *id;
        char *provisioner;
        char *status;     /* valid | deactivated | revoked */
        char *jwk;        /* public JWK, JSON text */
        char *thumbprint; /* RFC 7638, base64url */
        char *contact;    /* JSON array text */
        int64_t created;
} acme_account_row;
void acme_account_row_done(acme_account_row *a);

int acme_db_account_insert(store *st, const acme_account_row *a);
int acme_db_account_get(store *st, const char *provisioner, const char *id, acme_account_row *ret);
int acme_db_account_by_thumbprint(store *st, const char *provisioner, const char *thumbprint,
                                  acme_account_row *ret);
int acme_db_account_set_contact(store *st, const char *id, const char *contact_json);
/* Marks the account deactivated, its pending authorizations deactivated
 * and its pending or ready orders invalid (RFC 8555 section 7.3.6). */
int acme_db_account_deactivate(store *st, const char *id);
/* -EEXIST if another account of the provisioner has that key. */
int acme_db_account_set_key(store *st, const char *id, const char *jwk, const char *thumbprint);

typedef struct acme_order_row {
        char *id;
        char *account_id;
        char *provisioner;
        char *status;      /* pending | ready | processing | valid | invalid */
        int64_t expires;
        char *identifiers; /* JSON array text of {type, value} */
        char *error;       /* problem JSON text or NULL */
        char *cert_id;     /* NULL until valid */
        int64_t created;
} acme_order_row;
void acme_order_row_done(acme_order_row *o);

typedef struct acme_authz_row {
        char *id;
        char *order_id;
        char *account_id;
        char *id_type;     /* "dns", "ip", ... */
        char *id_value;    /* without "*." for wildcards */
        bool wildcard;
        char *status;      /* pending | valid | invalid | deactivated | expired | revoked */
        int64_t expires;
} acme_authz_row;
void acme_authz_row_done(acme_authz_row *a);
/* Each row's strings, then the array (n rows). */
void acme_authz_rows_free(acme_authz_row *a, size_t n);

typedef struct acme_chall_row {
        char *id;
        char *authz_id;
        char *type;
        char *token;
        char *status;      /* pending | processing | valid | invalid */
        int64_t validated; /* 0 unless valid */
        char *error;       /* problem JSON text or NULL */
        int64_t attempts;
        int64_t next_attempt;
} acme_chall_row;
void acme_chall_row_done(acme_chall_row *c);
void acme_chall_rows_free(acme_chall_row *c, size_t n);

/* Inserts an order with its authorizations and their challenges, all or
 * nothing. challs[i] belongs to the authz named by its authz_id. */
int acme_db_order_create(store *st, const acme_order_row *o, const acme_authz_row *authz,
                         size_t n_authz, const acme_chall_row *challs, size_t n_challs);
/* provisioner NULL: any provisioner. */
int acme_db_order_get(store *st, const char *provisioner, const char *id, acme_order_row *ret);
/* Authorization ids of an order, in creation order; *ret NULL-terminated. */
int acme_db_order_authz_ids(store *st, const char *order_id, char ***ret);
/* Order URLs of an account: ids, NULL-terminated. */
int acme_db_account_order_ids(store *st, const char *account_id, char ***ret);
/* Moves the order from `from` to `to` (with error JSON or NULL) only if it
 * is in `from`: 1 if moved, 0 if it was not in `from`. */
int acme_db_order_transition(store *st, const char *id, const char *from, const char *to,
                             const char *error);
int acme_db_order_set_cert(store *st, const char *id, const char *cert_id);

int acme_db_authz_get(store *st, const char *id, acme_authz_row *ret);
int acme_db_authz_challenges(store *st, const char *authz_id, acme_chall_row **ret, size_t *ret_n);
int acme_db_authz_set_status(store *st, const char *id, const char *status);

int acme_db_chall_get(store *st, const char *id, acme_chall_row *ret);
/* Updates status, error, attempts and next attempt time of a challenge,
 * and gives up any instance's claim on it. */
int acme_db_chall_update(store *st, const acme_chall_row *c);
/* A client's response: "pending" -> "processing", due at now, attempts
 * 0. 1 if this call made the move, 0 if the challenge was no longer
 * pending (another response, at any instance, was first). */
int acme_db_chall_start(store *st, const char *id, int64_t now);

/* Validation work is shared by the instances through claims: a worker
 * claims a challenge that is "processing", due (next_attempt <= now) and
 * unclaimed or whose claim lapsed, until `until`; 1 if it is now ours, 0
 * if not (decided, not due, or another worker's). Of several instances
 * trying at once exactly one gets it, and the winner alone validates
 * that attempt. release gives up a claim early (shutdown). */
int acme_db_chall_claim(store *st, const char *id, int64_t now, int64_t until);
int acme_db_chall_release(store *st, const char *id);
/* Up to max ids of challenges that acme_db_chall_claim would grant at
 * now, the most overdue first (resuming after a restart, or taking over
 * from an instance that stopped). */
int acme_db_chall_due(store *st, int64_t now, unsigned max, char ***ret);

/* Records the outcome of a validation in one transaction: on success the
 * challenge and its authorization become valid and, if every
 * authorization of the order is valid, a pending order becomes ready; on
 * failure challenge, authorization and order become invalid with the
 * problem. Runs under the order's lock (store_lock "acme-order:ID"), so
 * that two challenges finishing at once, at two instances, both count.
 * Only applies if the challenge is still pending/processing
 * (else 0); if its authorization was decided meanwhile (another
 * challenge, deactivation) only the challenge is settled (0). Returns 1
 * if the outcome was applied to the authorization.
 * The commit does not wait for its fsync (store_commit_nowait): an
 * outcome lost in a crash leaves the challenge as it was, "processing"
 * (the validator's sweep validates it again) or "pending" (the client
 * responds again); a certificate issued after it is committed durably,
 * which makes the outcome durable too. */
int acme_db_chall_finish(store *st, const char *chall_id, bool valid, const char *error_json,
                         int64_t now);

int acme_db_cert_insert(store *st, const char *id, const char *order_id, const char *account_id,
                        const char *serial, const char *chain_pem, int64_t now);
/* Chain PEM and owning account of a certificate (malloc'ed). */
int acme_db_cert_get(store *st, const char *id, char **ret_chain, char **ret_account);

/* Deletes, in one transaction, the orders that expired before `before`
 * and never got a certificate, with their authorizations, challenges and
 * attested keys. Returns the number of orders deleted or -errno (nothing
 * deleted). */
int acme_db_purge(store *st, int64_t before);

/* device-attest-01: the attested key (DER SubjectPublicKeyInfo) of an
 * order and the inventory id of its device; put replaces an earlier row
 * of the order (in one statement). get: -ENOENT if the order has none; *ret_spki malloc'ed. */
int acme_db_attested_key_put(store *st, const char *order_id, const char *authz_id, int64_t device_id,
                             const uint8_t *spki, size_t spki_len, int64_t now);
int acme_db_attested_key_get(store *st, const char *order_id, int64_t *ret_device_id, uint8_t **ret_spki,
                             size_t *ret_len);

void acme_strv_free(char **v);
