/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Building OCSP responses (RFC 6960 4.2): an error status alone
 * (malformedRequest, internalError, tryLater, unauthorized), or a
 * successful BasicOCSPResponse with one SingleResponse per requested
 * certificate, the request's nonce echoed, signed by a delegated responder
 * whose certificate is included.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <openssl/ocsp.h>

#include "ocsp-req.h"

typedef struct ocsp_answer {
        int status;       /* V_OCSP_CERTSTATUS_GOOD, _REVOKED, _UNKNOWN */
        time_t revoked_at;
        int reason;       /* RFC 5280 code; 0 (unspecified) is left out */
} ocsp_answer;

/* An OCSPResponse with only a status (OCSP_RESPONSE_STATUS_*, not
 * SUCCESSFUL). *ret is malloc'ed DER. */
int ocsp_response_error(int status, uint8_t **ret, size_t *ret_len);

/* A successful response answering q's items in order with answers[],
 * thisUpdate = now, nextUpdate = now + validity, producedAt = now, signed
 * with key as responder. Its certificate and that of the CA that issued it
 * (ca_cert; NULL: none) go in certs, so that a relying party that trusts
 * only the root can build the responder's chain (FreeRADIUS does). */
int ocsp_response_sign(const ocsp_query *q, const ocsp_answer *answers, X509 *responder, EVP_PKEY *key,
                       X509 *ca_cert, time_t now, uint64_t validity, uint8_t **ret, size_t *ret_len);
