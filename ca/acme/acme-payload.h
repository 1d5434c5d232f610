/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsers of the JSON payloads that ACME clients send (RFC 8555 sections
 * 7.3, 7.4, 7.6): newAccount, account update, newOrder, finalize,
 * revokeCert and the inner payload of keyChange, plus identifier and
 * contact validation. Pure (bytes in, values out), with explicit limits;
 * every refusal fills an acme_problem with the RFC's error type and
 * returns -EPROTO (-ENOMEM for allocation failures). Unknown members are
 * ignored, as RFC 8555 section 7.3 asks of servers.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme-problem.h"
#include "json.h"
#include "posture.h"

#define ACME_MAX_PAYLOAD (32 * 1024)
/* A challenge answer: a device-attest-01 payload may carry a TCG event
 * log beside its posture report (docs/posture.md). */
#define ACME_MAX_CHALLENGE_PAYLOAD (ACME_MAX_PAYLOAD + POSTURE_EVENTLOG_B64_MAX)
#define ACME_MAX_IDENTIFIERS 100
#define ACME_MAX_CONTACTS 8
#define ACME_MAX_CONTACT_LEN 256
#define ACME_MAX_CSR_DER (16 * 1024)
#define ACME_MAX_CERT_DER (16 * 1024)
#define ACME_MAX_PERMANENT_ID_LEN 512

typedef enum acme_id_type {
        ACME_ID_DNS,
        ACME_ID_IP,
        ACME_ID_PERMANENT, /* "permanent-identifier" (device-attest-01) */
        _ACME_ID_TYPE_MAX,
        ACME_ID_TYPE_INVALID = -EINVAL,
} acme_id_type;

#define ACME_ID_MASK(t) (1u << (t))

const char *acme_id_type_to_string(acme_id_type t);
acme_id_type acme_id_type_from_string(const char *s);

typedef struct acme_identifier {
        acme_id_type type;
        char *value; /* canonical: dns lower-case (wildcards keep "*."), ip as inet_ntop prints it */
} acme_identifier;

void acme_identifiers_free(acme_identifier *ids, size_t n);

/* Validates and canonicalises one identifier value of a type; the type
 * must be in allowed_mask (else unsupportedIdentifier). On success *ret is
 * the malloc'ed canonical value. */
int acme_identifier_canonical(acme_id_type type, const char *value, unsigned allowed_mask,
                              char **ret, acme_problem *p);

typedef struct acme_contacts {
        char **items; /* "mailto:..." */
        size_t n;
        bool present; /* the member was in the payload */
} acme_contacts;
void acme_contacts_done(acme_contacts *c);
/* The contacts as a JSON array text, "[]" for none; malloc'ed. */
int acme_contacts_to_json(const acme_contacts *c, char **ret);

typedef struct acme_new_account {
        acme_contacts contact;
        bool tos_agreed;
        bool only_return_existing;
} acme_new_account;
void acme_new_account_done(acme_new_account *a);
int acme_parse_new_account(const uint8_t *payload, size_t len, acme_new_account *ret, acme_problem *p);

typedef struct acme_account_update {
        acme_contacts contact;
        bool deactivate;
} acme_account_update;
void acme_account_update_done(acme_account_update *u);
int acme_parse_account_update(const uint8_t *payload, size_t len, acme_account_update *ret,
                              acme_problem *p);

typedef struct acme_new_order {
        acme_identifier *ids; /* de-duplicated, in request order */
        size_t n_ids;
} acme_new_order;
void acme_new_order_done(acme_new_order *o);
int acme_parse_new_order(const uint8_t *payload, size_t len, unsigned allowed_mask,
                         acme_new_order *ret, acme_problem *p);

/* finalize: {"csr": base64url(DER)}; *ret_der malloc'ed. */
int acme_parse_finalize(const uint8_t *payload, size_t len, uint8_t **ret_der, size_t *ret_len,
                        acme_problem *p);

typedef struct acme_revoke {
        uint8_t *cert_der;
        size_t cert_len;
        int reason; /* RFC 5280 CRLReason; 0 when absent */
} acme_revoke;
void acme_revoke_done(acme_revoke *r);
int acme_parse_revoke(const uint8_t *payload, size_t len, acme_revoke *ret, acme_problem *p);

/* keyChange inner payload: {"account": URL, "oldKey": JWK}. */
typedef struct acme_key_change {
        char *account;
        json_object *old_key; /* owned */
} acme_key_change;
void acme_key_change_done(acme_key_change *k);
int acme_parse_key_change_inner(const uint8_t *payload, size_t len, acme_key_change *ret,
                                acme_problem *p);

/* The whole keyChange payload: the inner JWS, checked as RFC 8555
 * section 7.3.5 says (jwk, no kid, no nonce, url == the outer url,
 * signed by the new key), then its payload parsed. On success *ret_new_key
 * is the new account key and *ret the inner payload. */
#include <openssl/evp.h>
int acme_key_change_parse(const uint8_t *payload, size_t len, const char *url, EVP_PKEY **ret_new_key,
                          acme_key_change *ret, acme_problem *p);

/* Challenge response payload (POST to a challenge URL): a JSON object,
 * usually {} (device-attest-01 sends {"attObj": ...}, with "posture" and
 * "eventlog"), at most ACME_MAX_CHALLENGE_PAYLOAD bytes; *ret owned. */
int acme_parse_challenge_payload(const uint8_t *payload, size_t len, json_object **ret,
                                 acme_problem *p);
