/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The delegated OCSP responders (RFC 6960 4.2.2.2): one per issuing CA, a
 * fresh P-256 key held only in memory and a certificate from that CA with
 * extendedKeyUsage id-kp-OCSPSigning and id-pkix-ocsp-nocheck (relying
 * parties then do not ask about the responder itself). The CA makes them
 * at start and again when half of their lifetime has passed; they are not
 * recorded in the certificates table. A responder also knows its CA's
 * issuer name and key hashes (SHA-1 and SHA-256) to match CertIDs.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <openssl/x509.h>

#include "ocsp-req.h"

typedef struct responder {
        X509 *ca_cert;       /* borrowed */
        EVP_PKEY *ca_key;    /* borrowed */
        char *cn;
        uint8_t name_sha1[20], key_sha1[20], name_sha256[32], key_sha256[32];
        pthread_mutex_t lock; /* cert, key, renew_at */
        X509 *cert;
        EVP_PKEY *key;
        time_t renew_at;
} responder;

/* Sets r up for CA ca_cert/ca_key (no certificate yet). */
int responder_init(responder *r, X509 *ca_cert, EVP_PKEY *ca_key, const char *ca_name);
void responder_done(responder *r);

/* Whether the CertID names this CA (same hash algorithm, both hashes). */
bool responder_matches(const responder *r, const ocsp_query_item *item);

/* Makes a new key and certificate (lifetime seconds) if there is none or
 * renew_at has passed; 1 if it did, 0 if not needed, -errno. */
int responder_renew(responder *r, uint64_t lifetime, time_t now);

/* References to the current certificate and key (free both). -ENOENT
 * before the first responder_renew(). */
int responder_get(responder *r, X509 **ret_cert, EVP_PKEY **ret_key);
