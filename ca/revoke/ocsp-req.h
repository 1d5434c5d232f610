/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsing an OCSP request (RFC 6960 4.1), untrusted input, with explicit
 * limits: at most OCSP_REQUEST_MAX bytes of DER that must be exactly one
 * OCSPRequest, 1 to OCSP_REQUEST_MAX_CERTS certificates, a nonce of at
 * most OCSP_NONCE_MAX bytes (RFC 8954). Each CertID comes out as its hash
 * algorithm (SHA-1 or SHA-256; anything else is kept as 0 so the responder
 * can say it does not know the issuer), the issuer name and key hashes and
 * the serial as normalised hex. A request signature, if any, is ignored
 * (RFC 6960 4.1.2 makes it optional; nothing here depends on who asks).
 * The GET form (appendix A.1) is decoded by ocsp_request_from_get().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/ocsp.h>

#include "macro.h"

#define OCSP_REQUEST_MAX 4096
#define OCSP_REQUEST_MAX_CERTS 8
#define OCSP_NONCE_MAX 32
#define OCSP_SERIAL_HEX_MAX 40 /* 20 octets, RFC 5280 4.1.2.2 */

typedef struct ocsp_query_item {
        int hash_nid;             /* NID_sha1, NID_sha256, or 0: another algorithm */
        uint8_t name_hash[32], key_hash[32];
        size_t hash_len;
        char serial[OCSP_SERIAL_HEX_MAX + 1]; /* lowercase hex, no leading zeros; "" if unusable */
        OCSP_CERTID *id;          /* borrowed from req, for the response */
} ocsp_query_item;

typedef struct ocsp_query {
        OCSP_REQUEST *req;
        size_t n;
        ocsp_query_item items[OCSP_REQUEST_MAX_CERTS];
        bool has_nonce;
} ocsp_query;
void ocsp_query_done(ocsp_query *q);

/* Parses a DER OCSPRequest. Returns 0, -E2BIG (too long, too many
 * certificates, nonce too long) or -EBADMSG (not exactly one well-formed
 * request, no certificate, a malformed CertID); *ret is filled on success
 * only (free with ocsp_query_done). */
int ocsp_query_parse(const uint8_t *der, size_t len, ocsp_query *ret);

/* Decodes the path component of a GET request: base64 of the DER, maybe
 * with its '+', '/' and '=' percent-encoded (the server has already
 * undone the percent-encoding of the path, but %2B and %2F may remain
 * when clients double-encode). Returns 0, -E2BIG or -EBADMSG. */
int ocsp_request_from_get(const char *path, uint8_t **ret, size_t *ret_len);
