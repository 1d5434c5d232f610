/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device side of the Attestation CA exchange (protocols.md 1): an AK
 * certificate by credential activation.
 *
 *  - attest-wire.c: pure builders and parsers of the four JSON bodies, the
 *    error-body message, and the checks an issued AK certificate chain must
 *    pass before the agent accepts it. No I/O; every parser has explicit
 *    length limits and a fuzz target (tests/fuzz/fuzz-attest-client.c).
 *  - attest-client.c: the exchange itself, over the TPM layer (tpm.h) and
 *    the HTTPS client (http-client.h).
 *
 * Errors are -errno. The library logs at debug only; attest_client_enroll
 * hands back what failed in an attest_client_error for the caller to
 * report once.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <openssl/x509.h>

#include "enroll/tpm/tpm-ek.h"
#include "enroll/tpm/tpm-info.h"
#include "enroll/tpm/tpm-key.h"

/* Limits on what the CA may send. A response body above
 * ATTEST_CLIENT_MAX_RESPONSE is refused before parsing. The credential and
 * encrypted secret are a few hundred bytes at most (TPM2B_ENCRYPTED_SECRET
 * of an RSA-4096 EK: 514). */
#define ATTEST_CLIENT_MAX_RESPONSE (256u * 1024u)
#define ATTEST_CLIENT_MAX_BLOB 600u
#define ATTEST_CLIENT_MAX_CERTS 8u
#define ATTEST_CLIENT_MAX_CERT_DER (16u * 1024u)
/* A CA error message is cut to this many bytes (plus "..."). */
#define ATTEST_CLIENT_MAX_MESSAGE 200u

/* EKU tcg-kp-AIKCertificate. */
#define OID_TCG_KP_AIK_CERTIFICATE "2.23.133.8.3"

/* ---- Pure wire formats (attest-wire.c) ---------------------------------- */

/* The /attest request body of protocols.md 1: tpmInfo from info (version
 * 2, manufacturer_dec, model, firmware), ek = DER SPKI of ek->pkey,
 * ekCerts = [ek->cert] or [] when the TPM has none, params from p (all four
 * members required, non-empty). *ret is a malloc'ed compact JSON string. */
int attest_client_build_attest_request(const tpm_info *info, const tpm_ek *ek,
                                       const tpm_ak_params *p, char **ret);

/* The challenge of a /attest response, both with their 2-byte size
 * prefixes, as tpm_activate_credential() takes them. */
typedef struct attest_challenge {
        uint8_t *credential; /* TPM2B_ID_OBJECT */
        size_t credential_len;
        uint8_t *secret;     /* TPM2B_ENCRYPTED_SECRET */
        size_t secret_len;
} attest_challenge;
/* Frees both buffers and zeroes *c; safe on a zeroed struct. */
void attest_challenge_done(attest_challenge *c);

/* Parses `{"credential": b64, "secret": b64}` (standard base64, padded;
 * other members ignored). Each must decode to at most
 * ATTEST_CLIENT_MAX_BLOB bytes whose first two bytes (big-endian) give the
 * length of the rest, which must be non-zero. -E2BIG if the body is longer
 * than ATTEST_CLIENT_MAX_RESPONSE or a member too long; -EBADMSG for
 * anything malformed (not JSON, not an object, missing member, wrong type,
 * bad base64, size prefix mismatch). *ret is written only on success. */
int attest_client_parse_attest_response(const char *body, size_t len, attest_challenge *ret);

/* `{"secret": "<b64>"}` for the recovered secret (1..64 bytes). The result
 * holds the secret: erase it with erase_and_free(*ret, strlen(*ret)). It is
 * built without json-c so that no unerased copy is left behind. */
int attest_client_build_secret_request(const uint8_t *secret, size_t len, char **ret);

/* Parses `{"chain": [b64 DER, ...]}`: 1..ATTEST_CLIENT_MAX_CERTS entries,
 * each a standard base64 string of at most ATTEST_CLIENT_MAX_CERT_DER bytes
 * that parses as one X.509 certificate. Order is kept (AK certificate
 * first). -E2BIG for too long a body, too many entries or too large an
 * entry; -EBADMSG for anything malformed. *ret is the caller's. */
int attest_client_parse_secret_response(const char *body, size_t len, STACK_OF(X509) **ret);

/* The `message` of an error body `{"status": N, "message": "..."}`, made
 * safe to print: bytes outside printable ASCII become '?', and it is cut
 * to ATTEST_CLIENT_MAX_MESSAGE bytes with "..." appended. -ENOENT if the
 * body is not such a JSON object or the message is absent or empty;
 * *ret_status (may be NULL) gets the `status` member, or 0. */
int attest_client_parse_error(const char *body, size_t len, char **ret, long *ret_status);

/* A fresh random (OpenSSL RAND) UUID version 4 in lowercase, for the
 * X-Request-Id header. */
int attest_client_request_id(char ret[static 37]);

/* base_url + "/" + path with exactly one slash between them. base_url
 * must start with "https://" or "http://" and carry no query or fragment
 * (-EINVAL). malloc'ed. */
int attest_client_url(const char *base_url, const char *path, char **ret);

/* Checks an issued chain before the agent accepts it (protocols.md 1):
 * the first certificate's public key equals ak_pub; it is not a CA; it has
 * a URI SAN and a PermanentIdentifier SAN both equal to ek_uri; its
 * extendedKeyUsage names 2.23.133.8.3; and, when roots is not NULL, it
 * verifies up to one of roots at time `at` (0 = now) with the rest of the
 * chain as intermediates. Returns 0, or -EBADE (key or identity mismatch),
 * -EPERM (profile: EKU missing, CA certificate), -EKEYREJECTED (chain does
 * not verify), -EINVAL; *ret_why (may be NULL) then names the failed check
 * (static string). */
int attest_client_check_chain(STACK_OF(X509) *chain, EVP_PKEY *ak_pub, const char *ek_uri,
                              STACK_OF(X509) *roots, time_t at, const char **ret_why);

/* ---- The exchange (attest-client.c) ------------------------------------- */

typedef enum attest_client_failure {
        ATTEST_FAIL_NONE,
        ATTEST_FAIL_LOCAL,    /* bad argument or URL (http:// included), bad
                               * root PEM, out of memory */
        ATTEST_FAIL_TPM,      /* a TPM operation failed */
        ATTEST_FAIL_CONNECT,  /* no HTTP response: DNS, TCP, TLS, timeout */
        ATTEST_FAIL_REFUSED,  /* the CA answered with status >= 400 */
        ATTEST_FAIL_RESPONSE, /* unexpected status, malformed body, or a
                               * credential the TPM refuses as not ours */
        ATTEST_FAIL_CHECK,    /* the issued chain fails attest_client_check_chain */
} attest_client_failure;

typedef struct attest_client_error {
        attest_client_failure kind;
        /* What was being done, static: "create the attestation key",
         * "POST /attest", "verify the AK certificate", ... */
        const char *step;
        /* The URL of the request for CONNECT/REFUSED/RESPONSE, else "". */
        char url[512];
        /* HTTP status for REFUSED and RESPONSE, else 0. */
        long status;
        /* CONNECT: curl's text; REFUSED: the CA's message (sanitized; ""
         * if none); RESPONSE, CHECK: what is wrong. */
        char detail[256];
} attest_client_error;

/* The failure bookkeeping of every client built on attest_client_error
 * (client-error.c). attest_client_fail() fills kind, step and detail (may
 * be NULL), logs at debug under the client's name (who: "ACME", ...) and
 * returns r. attest_client_fail_transport() classifies an error of
 * http_client_perform() (r < 0, curl's text): LOCAL for a bad request or
 * memory, RESPONSE for an oversized or malformed answer, CONNECT for the
 * rest. */
int attest_client_fail(attest_client_error *e, attest_client_failure kind, const char *who, const char *step,
                       int r, const char *detail);
int attest_client_fail_transport(attest_client_error *e, const char *who, const char *step, int r,
                                 const char *text);

typedef struct attest_client_result {
        tpm_key *ak;            /* the AK the certificate is for */
        STACK_OF(X509) *chain;  /* AK certificate first, then intermediates */
        char *ek_uri;           /* this TPM's EK URI */
} attest_client_result;
/* Frees everything and zeroes *r; safe on a zeroed struct. */
void attest_client_result_done(attest_client_result *r);

/* Enrolls an AK with the Attestation CA at base_url (e.g.
 * "https://ca.example:8443/attestation"): reads the TPM info and default
 * EK, creates an AK of type ak_alg, POSTs {base}/attest, activates the
 * credential in the TPM, POSTs the recovered secret to {base}/secret
 * (both with one random X-Request-Id) and checks the returned chain with
 * attest_client_check_chain (roots = root_pem when given). root_pem (may
 * be NULL: system store, and no chain verification) also anchors TLS.
 * The recovered secret is erased after use.
 *
 * Returns 0 and fills *ret (owned by the caller), or -errno with *error
 * (may be NULL) saying where and why; *ret is untouched then. Errno
 * values: those of tpm.h for ATTEST_FAIL_TPM, of http_client_perform()
 * for ATTEST_FAIL_CONNECT; -EACCES for REFUSED; -EBADMSG / -E2BIG /
 * -EMSGSIZE / -EPROTO for RESPONSE, and -EBADE when the TPM finds the
 * credential was not made for this AK and EK; those of
 * attest_client_check_chain for CHECK. */
int attest_client_enroll(tpm_ctx *t, const char *base_url, const char *root_pem, tpm_key_alg ak_alg,
                         attest_client_result *ret, attest_client_error *error);
