/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ACME device-attest-01, format "tpm" (protocols.md section 2): the pure
 * parser of the client's attObj and the pure verification of what it
 * holds against the attestation roots, the order's identifier and the
 * keyAuthorization. No I/O and no store here; the challenge type
 * (challenge-device-attest.c) adds the inventory and records the result.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define DEVICE_ATTEST_MAX_ATTOBJ (16 * 1024) /* decoded CBOR bytes */
#define DEVICE_ATTEST_MAX_X5C 4
#define DEVICE_ATTEST_MAX_CERT (4 * 1024)
/* Shape of the CBOR, checked before libcbor builds anything: a genuine
 * attObj is 3 levels deep (map, attStmt map, x5c array) and holds about
 * 25 items. */
#define DEVICE_ATTEST_MAX_DEPTH 8
#define DEVICE_ATTEST_MAX_ITEMS 256

/* COSE algorithm numbers the AK may sign with. */
#define DEVICE_ATTEST_COSE_ES256 (-7)
#define DEVICE_ATTEST_COSE_RS256 (-257)

typedef struct device_attest_bytes {
        uint8_t *data;
        size_t len;
} device_attest_bytes;

/* The attStmt of a "tpm" attObj; every buffer is owned. */
typedef struct device_attest_stmt {
        int64_t alg;                               /* COSE, ES256 or RS256 */
        device_attest_bytes x5c[DEVICE_ATTEST_MAX_X5C]; /* DER, AK certificate first */
        size_t n_x5c;                              /* 1..DEVICE_ATTEST_MAX_X5C */
        device_attest_bytes sig;                   /* TPMT_SIGNATURE */
        device_attest_bytes cert_info;             /* TPMS_ATTEST */
        device_attest_bytes pub_area;              /* TPMT_PUBLIC of the attested key */
} device_attest_stmt;

/* Frees the buffers and clears *s; a cleared struct is fine. */
void device_attest_stmt_done(device_attest_stmt *s);

/* Parses len bytes of CBOR: a map {"fmt": "tpm", "attStmt": {"ver": "2.0",
 * "alg": -7|-257, "x5c": [bstr, ...], "sig": bstr, "certInfo": bstr,
 * "pubArea": bstr}} with text keys, definite lengths, no duplicate keys
 * and no trailing bytes; "authData" (a bstr) is allowed and ignored, any
 * other member is refused. Before anything is allocated, a pass over the
 * bytes with libcbor's streaming decoder checks every declared length and
 * item count against the bytes that remain, and refuses indefinite
 * lengths, tags, nesting deeper than DEVICE_ATTEST_MAX_DEPTH and more
 * than DEVICE_ATTEST_MAX_ITEMS items: no input makes the parser hold more
 * than a small multiple of its size. Limits: DEVICE_ATTEST_MAX_ATTOBJ bytes in,
 * DEVICE_ATTEST_MAX_X5C certificates of at most DEVICE_ATTEST_MAX_CERT
 * bytes, TPM structures of at most TPM2UTIL_MAX_STRUCT bytes. Returns 0
 * and fills *ret, or -EBADMSG (malformed), -E2BIG (over a limit),
 * -EOPNOTSUPP (other fmt, ver or alg), -ENOMEM; on failure *ret_why (may
 * be NULL) is a static English reason. */
int device_attest_parse_cbor(const uint8_t *cbor, size_t len, device_attest_stmt *ret, const char **ret_why);

/* The pre-pass alone: 0 if cbor is one definite, untagged CBOR item of
 * exactly len bytes within the depth and item limits above; -EBADMSG or
 * -E2BIG with *ret_why (static; may be NULL) otherwise. Allocates nothing. */
int device_attest_cbor_check(const uint8_t *cbor, size_t len, const char **ret_why);

/* The same from the JSON payload's "attObj" text: base64url without
 * padding of the CBOR above. */
int device_attest_parse(const char *attobj, size_t len, device_attest_stmt *ret, const char **ret_why);

/* The verification of protocols.md section 2, in order:
 *   1. x5c[0] chains (x5c[1..] as intermediates) to one of roots at time
 *      `at` (0: now);
 *   2. the AK certificate profile: X.509 v3, empty subject, not a CA, EKU
 *      tcg-kp-AIKCertificate (2.23.133.8.3), and a PermanentIdentifier
 *      SAN equal to `identifier` (deviceid-ca requires one);
 *   3. alg matches the AK key (ES256: EC P-256, RS256: RSA);
 *   4. tpm2_check_certify() on pubArea, certInfo and sig with
 *      extraData = SHA-256(key_authorization).
 * Returns 0 with *ret_key (the attested public key, caller frees), or
 * -EPROTO with *ret_why (static, may be NULL) saying what failed, or
 * -ENOMEM / -EINVAL. Pure: no I/O. */
int device_attest_verify(const device_attest_stmt *s, STACK_OF(X509) *roots, const char *identifier,
                         const char *key_authorization, time_t at, EVP_PKEY **ret_key,
                         const char **ret_why);
