/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every ACME handler works with: the server's shared state
 * (acme_server, set up by acme-server.c), the context of one request
 * (acme_ctx: the provisioner, the URLs, and after acme_authenticate() the
 * JWS, the key that signed it and the account), and the small helpers on
 * them (ids, URLs, the clock). Handlers answer through acme-reply.h.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "acme-db.h"
#include "acme-nonce.h"
#include "acme-problem.h"
#include "ca/core/config.h"
#include "ca/core/http.h"
#include "ca/core/issuer.h"
#include "ca/core/rate-limit.h"
#include "ca/core/trust.h"
#include "ca/posture/posture-policy.h"
#include "jws.h"

#define ACME_NONCE_LIFETIME 3600           /* seconds */
#define ACME_ORDER_LIFETIME (24 * 3600)    /* pending orders and authorizations */
#define ACME_MAX_JWS (48 * 1024)           /* request bodies; below the server's cap */
/* A challenge answer (ACME_AUTH_CHALLENGE): its payload, up to
 * ACME_MAX_CHALLENGE_PAYLOAD, in base64url, and the rest of the JWS. Its
 * route's HTTP body limit, on provisioners offering device-attest-01. */
#define ACME_MAX_CHALLENGE_JWS ((ACME_MAX_CHALLENGE_PAYLOAD + 2) / 3 * 4 + 16 * 1024)
#define ACME_RETRY_AFTER 1                 /* seconds, for pending/processing objects */
#define ACME_RETRY_AFTER_FULL 30           /* seconds, when the database cannot write */
#define ACME_MAX_QUEUED_VALIDATIONS 4096   /* new challenge responses beyond: rateLimited */

typedef struct acme_validator acme_validator;
typedef struct acme_purger acme_purger;

typedef struct acme_server {
        store *st;
        issuer *iss;
        const ca_config *cfg;
        const ca_trust *trust; /* device-attest-01: each provisioner's attestation roots */
        posture_policies *postures; /* device-attest-01: [posture "PROVISIONER"] (docs/posture.md) */
        acme_nonce_pool *nonces;
        acme_validator *validator;
        acme_purger *purger;
        /* [limits] of ca.conf: 429 rateLimited past them. */
        rate_limiter *new_account_per_address, *new_order_per_account, *new_order_per_address;
        atomic_bool stopping;
} acme_server;

enum {
        ACME_AUTH_JWK = 1 << 0, /* the request may (must, alone) carry a jwk */
        ACME_AUTH_KID = 1 << 1, /* the request may (must, alone) carry a kid */
        ACME_AUTH_CHALLENGE = 1 << 2, /* a challenge answer: up to ACME_MAX_CHALLENGE_JWS */
};

typedef struct acme_ctx {
        acme_server *srv;
        const http_request *req;
        const ca_provisioner *prov;
        char *base;     /* "https://HOST/acme/PROV/" */
        char *url;      /* exact request URL */
        /* After acme_authenticate(): */
        jws *jws;
        EVP_PKEY *key;  /* the key that signed (account key or the jwk) */
        bool has_account;
        acme_account_row account;
        acme_problem problem;
} acme_ctx;

/* Frees what the context holds (not the context). */
void acme_ctx_done(acme_ctx *c);

/* The server's clock, in seconds. */
uint64_t acme_now(void);
/* 128-bit random id, base64url. */
int acme_id_new(char **ret);

/* Checks the request as RFC 8555 section 6 demands (content type, JWS
 * syntax and algorithm, jwk XOR kid per flags, nonce, url, account,
 * signature). 0 or -EPROTO with c->problem set, or -errno. */
int acme_authenticate(acme_ctx *c, unsigned flags);
/* True if the payload is empty (POST-as-GET). */
bool acme_is_post_as_get(const acme_ctx *c);
/* Account id from an account URL of this provisioner, or NULL. */
const char *acme_account_id_from_url(const acme_ctx *c, const char *url);

/* Object URLs: base + kind "/" id [ "/" suffix ]; malloc'ed, NULL on OOM. */
char *acme_url(const acme_ctx *c, const char *kind, const char *id, const char *suffix);
