/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal interface of the ACME server (ca/acme-*.c): the server-wide
 * state, the per-request context with the authenticated JWS, response
 * helpers that add Replay-Nonce and Link rel="index" to every answer, and
 * the handlers the router in acme-server.c calls.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "acme-db.h"
#include "acme-hook.h"
#include "acme-nonce.h"
#include "acme-payload.h"
#include "acme-problem.h"
#include "challenge.h"
#include "http.h"
#include "issuer.h"
#include "jws.h"

#define ACME_NONCE_LIFETIME 3600           /* seconds */
#define ACME_ORDER_LIFETIME (24 * 3600)    /* pending orders and authorizations */
#define ACME_MAX_JWS (48 * 1024)           /* request bodies; below the server's cap */
#define ACME_RETRY_AFTER 1                 /* seconds, for pending/processing objects */
#define ACME_DEFAULT_ATTEMPTS 3
#define ACME_DEFAULT_RETRY_DELAY 2         /* seconds, doubled per attempt */
#define ACME_MAX_QUEUED_VALIDATIONS 4096   /* new challenge responses beyond: rateLimited */

typedef struct acme_validator acme_validator;

typedef struct acme_server {
        store *st;
        issuer *iss;
        const ca_config *cfg;
        acme_nonce_pool *nonces;
        acme_validator *validator;
        /* Per cfg->provisioners[i]: the device-attest-01 trust anchors,
         * NULL for provisioners without that challenge. */
        STACK_OF(X509) **attest_roots;
        atomic_bool stopping;
} acme_server;

enum {
        ACME_AUTH_JWK = 1 << 0, /* the request may (must, alone) carry a jwk */
        ACME_AUTH_KID = 1 << 1, /* the request may (must, alone) carry a kid */
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

uint64_t acme_now(void);

/* Checks the request as RFC 8555 section 6 demands (content type, JWS
 * syntax and algorithm, jwk XOR kid per flags, nonce, url, account,
 * signature). 0 or -EPROTO with c->problem set, or -errno. */
int acme_authenticate(acme_ctx *c, unsigned flags);
/* True if the payload is empty (POST-as-GET). */
bool acme_is_post_as_get(const acme_ctx *c);
/* Account id from an account URL of this provisioner, or NULL. */
const char *acme_account_id_from_url(const acme_ctx *c, const char *url);

/* Responses: each adds Replay-Nonce and Link rel="index". */
http_response *acme_reply(acme_ctx *c, http_response *r);
http_response *acme_reply_problem(acme_ctx *c);
http_response *acme_reply_json(acme_ctx *c, unsigned status, json_object *o);
/* Maps an internal error to serverInternal (logging it) unless it is
 * -EPROTO, which means c->problem is already set. */
http_response *acme_reply_error(acme_ctx *c, int r);
int acme_add_header_fmt(http_response *r, const char *name, const char *fmt, ...) _printf_(3, 4);

/* Object URLs: base + kind "/" id; malloc'ed, NULL on OOM. */
char *acme_url(const acme_ctx *c, const char *kind, const char *id, const char *suffix);
/* 128-bit random id, base64url. */
int acme_id_new(char **ret);

/* Object views. */
json_object *acme_account_json(const acme_ctx *c, const acme_account_row *a);
const char *acme_order_effective_status(const acme_order_row *o, uint64_t now);
const char *acme_authz_effective_status(const acme_authz_row *a, uint64_t now);

/* Handlers (acme-account.c, acme-order.c). */
http_response *acme_handle_new_account(acme_ctx *c);
http_response *acme_handle_account(acme_ctx *c, const char *id, bool orders);
http_response *acme_handle_key_change(acme_ctx *c);
http_response *acme_handle_new_order(acme_ctx *c);
http_response *acme_handle_order(acme_ctx *c, const char *id, bool finalize);
http_response *acme_handle_authz(acme_ctx *c, const char *id);
http_response *acme_handle_challenge(acme_ctx *c, const char *id);
http_response *acme_handle_cert(acme_ctx *c, const char *id);
http_response *acme_handle_revoke(acme_ctx *c);

/* CSR checks for finalize (acme-csr.c): the names requested (SAN DNS/IP
 * and a CN) must be exactly the order's identifiers; the key must be a
 * supported type and not the account key. *ret_cn: CN for the
 * certificate (malloc'ed, may be NULL). 0 or -EPROTO (badCSR) or -errno. */
int acme_csr_check(X509_REQ *csr, const acme_identifier *ids, size_t n_ids, EVP_PKEY *account_key,
                   char **ret_cn, acme_problem *p);
/* The order's identifiers from its stored JSON. */
int acme_identifiers_from_json(const char *text, acme_identifier **ret, size_t *ret_n);

/* Validation worker (acme-validate.c). */
int acme_validator_start(acme_server *srv, unsigned n_threads, acme_validator **ret);
/* Queues a challenge for an attempt `delay` seconds from now. */
int acme_validator_enqueue(acme_validator *v, const char *chall_id, uint64_t delay);
/* True if the queue is full: new challenge responses are refused with
 * rateLimited (retries already queued are always kept). */
bool acme_validator_busy(acme_validator *v);
void acme_validator_stop(acme_validator *v);
/* Validation parameters of a provisioner (keys challenge_attempts,
 * challenge_retry_delay). */
unsigned acme_provisioner_attempts(const ca_provisioner *p);
unsigned acme_provisioner_retry_delay(const ca_provisioner *p);

/* device-attest-01 (challenge-device-attest.c): registers the challenge
 * type and loads each device provisioner's attestation roots (key
 * attestation_roots = PEM bundle relative to dirfd; default: the CA's
 * root) into *ret, one slot per cfg->provisioners entry. Refuses a
 * provisioner that mixes device-attest-01 with other challenges. Logs;
 * returns 0 or -errno. */
int acme_device_attest_setup(int dirfd, const ca_config *cfg, issuer *iss, STACK_OF(X509) ***ret);
void acme_attest_roots_free(STACK_OF(X509) **roots, size_t n);
extern const challenge_type challenge_deviceattest01;

/* True if the provisioner issues device identities (device-attest-01). */
bool acme_provisioner_is_device(const ca_provisioner *p);

/* finalize of a device provisioner's order (acme-device.c), protocols.md
 * section 2: the CSR key must be the key attested for the order (else
 * unauthorized), a non-empty CN must be the identifier (else badCSR), and
 * the device must still be active (else unauthorized). On success
 * *ret_device_id is the inventory id and *ret_cn the CN to issue with
 * (malloc'ed, NULL for none). 0, -EPROTO with c->problem set, or -errno. */
int acme_device_csr_check(acme_ctx *c, const acme_order_row *o, X509_REQ *csr, const acme_identifier *ids,
                          size_t n_ids, int64_t *ret_device_id, char **ret_cn);
/* Inside finalize's transaction: holds the device's lock (devices_lock,
 * shared) and checks again that the device is active, so that a disable
 * racing with the issuance, at any instance, either refuses it or revokes
 * it. 0, -EPROTO with c->problem set, or -errno. */
int acme_device_hold_active(acme_ctx *c, int64_t device_id);
