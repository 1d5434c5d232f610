/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ACME challenge layer: a table of challenge types, each with the
 * identifier types it can prove and a validate() function. The ACME
 * server knows nothing about how a type validates:
 *
 *  - asynchronous types (http-01, dns-01, tls-alpn-01) are validated by
 *    the server's worker threads after the client's POST {}; validate()
 *    may block on the network and is retried as RFC 8555 section 8.2
 *    describes;
 *  - synchronous types (device-attest-01) are validated inside
 *    the challenge POST with the client's payload ({"attObj": ...}); the
 *    outcome is final.
 *
 * A new type is one more challenge_type in the table of challenge.c.
 *
 * The types stand below the ACME server: they may use its base (problems,
 * payload types, the ACME tables), core, the inventory's device lookups,
 * the posture check (ca/posture/) and common/, and are handed everything else in their challenge_ctx.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca/acme/acme-payload.h"
#include "ca/acme/acme-problem.h"
#include "ca/core/config.h"
#include "ca/core/store.h"
#include "ca/core/trust.h"
#include "ca/posture/posture-policy.h"

typedef struct challenge_ctx {
        const char *type;              /* "http-01", ... */
        acme_id_type id_type;
        const char *id_value;          /* without "*." */
        bool wildcard;
        const char *token;
        const char *key_authorization; /* token "." base64url(JWK thumbprint) */
        EVP_PKEY *account_key;
        const ca_provisioner *provisioner; /* ports, resolver, provisioner keys */
        const char *account_id, *order_id, *authz_id;
        store *st;                     /* the CA store (device-attest-01 records the attested key) */
        STACK_OF(X509) *attestation_roots; /* device-attest-01: the provisioner's; NULL for others */
        /* device-attest-01 under [posture "PROVISIONER"]: the policy and what
         * AK certificates chain to (this CA's Attestation CA); NULL: no policy. */
        const posture_policy *posture;
        const ca_anchors *ak_trust;
        const atomic_bool *cancel;     /* set when the server stops; may be NULL */
} challenge_ctx;

typedef struct challenge_type {
        const char *name;
        unsigned id_mask;      /* ACME_ID_MASK() of the identifier types it proves */
        bool wildcard_ok;      /* may prove a wildcard name (only dns-01) */
        bool sync;             /* validated in the POST, with its payload */
        /* Returns 1 if the challenge is met, 0 if not (with *problem set:
         * incorrectResponse, connection, dns, tls, unauthorized,
         * badAttestationStatement, ...), or -errno on an internal failure.
         * A sync type may also return -EPROTO with *problem set: the
         * payload itself is malformed (it does not parse, or breaks a size
         * or nesting limit); the client gets that problem as a 400 and the
         * challenge stays pending, so nothing is recorded.
         * payload: the client's JSON object (sync types), NULL otherwise. */
        int (*validate)(const challenge_ctx *ctx, json_object *payload, acme_problem *problem);
} challenge_type;

/* The type of that name, or NULL. */
const challenge_type *challenge_type_find(const char *name);

/* 1 if type t can prove an identifier of that type (and wildcard-ness). */
bool challenge_type_applies(const challenge_type *t, acme_id_type id_type, bool wildcard);

/* A fresh token: 128 random bits, base64url (RFC 8555 section 8.1). */
int challenge_token_new(char **ret);
/* token "." base64url(SHA-256 thumbprint of key); malloc'ed. */
int challenge_key_authorization(const char *token, EVP_PKEY *account_key, char **ret);

/* The types (challenge-http.c, challenge-dns.c, challenge-tlsalpn.c,
 * challenge-device-attest.c). */
extern const challenge_type challenge_http01;
extern const challenge_type challenge_dns01;
extern const challenge_type challenge_tlsalpn01;
extern const challenge_type challenge_deviceattest01;

/* Timeouts of one validation attempt, seconds. */
#define CHALLENGE_CONNECT_TIMEOUT 5
#define CHALLENGE_TOTAL_TIMEOUT 10
