/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request side of the Attestation CA exchange (protocols.md 1), pure:
 * the JSON bodies of POST {base}/attest and POST {base}/secret and the
 * X-Request-Id header that ties the two together. Buffers in, values out,
 * every length bounded; nothing here parses DER or TPM structures (the
 * handler in attest.c does, with the checks of tpm2util.h).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#define ATTEST_BODY_MAX (64 * 1024)  /* the HTTP layer's default body cap */
#define ATTEST_REQUEST_ID_LEN 36      /* a UUID in its textual form */
#define ATTEST_SECRET_LEN 32          /* the credential's secret */
#define ATTEST_EK_MAX 2048            /* DER SubjectPublicKeyInfo of the EK */
#define ATTEST_EK_CERTS_MAX 8         /* EK certificates per request */
#define ATTEST_EK_CERT_MAX 8192       /* DER of one EK certificate */
#define ATTEST_STRUCT_MAX 4096        /* one TPM structure; = TPM2UTIL_MAX_STRUCT */
#define ATTEST_MODEL_MAX 64           /* tpmInfo.model, bytes */

typedef struct attest_bytes {
        uint8_t *data;
        size_t len;
} attest_bytes;

/* A parsed /attest body. Byte fields are the decoded base64, not parsed
 * further: ek is meant to be a DER SPKI, ek_certs DER certificates, the
 * params the raw TPMT_PUBLIC, TPMS_CREATION_DATA, TPMS_ATTEST and
 * TPMT_SIGNATURE (no size prefixes). */
typedef struct attest_request {
        uint32_t manufacturer;  /* tpmInfo.manufacturer: TPM_PT_MANUFACTURER */
        char *model;            /* tpmInfo.model: printable ASCII, 1..ATTEST_MODEL_MAX bytes */
        uint16_t fw_major;      /* tpmInfo.firmwareVersion "major.minor" */
        uint16_t fw_minor;
        attest_bytes ek;
        attest_bytes ek_certs[ATTEST_EK_CERTS_MAX];
        size_t n_ek_certs;
        attest_bytes public_area;        /* params.public */
        attest_bytes create_data;        /* params.createData */
        attest_bytes create_attestation; /* params.createAttestation */
        attest_bytes create_signature;   /* params.createSignature */
} attest_request;

/* Frees what a parsed request holds and clears it; NULL is fine. */
void attest_request_done(attest_request *r);

/* Parses len bytes of a /attest body:
 *   {"tpmInfo": {"version": 2, "manufacturer": "<decimal u32>",
 *                "model": "<string>", "firmwareVersion": "<u16>.<u16>"},
 *    "ek": "<b64>", "ekCerts": ["<b64>", ...] | null | absent,
 *    "params": {"public": "<b64>", "createData": "<b64>",
 *               "createAttestation": "<b64>", "createSignature": "<b64>"}}
 * Base64 is standard with padding. Limits: the body at most
 * ATTEST_BODY_MAX, ek 1..ATTEST_EK_MAX bytes, at most ATTEST_EK_CERTS_MAX
 * EK certificates of 1..ATTEST_EK_CERT_MAX bytes each, each param
 * 1..ATTEST_STRUCT_MAX bytes, decimal numbers without sign or leading
 * zeros. params.useTCSDActivationFormat, if present, must be false (TPM
 * 1.2 is not supported). Members not named here (step's client sends
 * "akCert", and may add more) are ignored, at every level.
 * Returns 0 and fills *ret (free with attest_request_done), or -EBADMSG
 * (malformed or wrong value), -E2BIG (a length limit), -ENOMEM; on
 * failure, if ret_error is not NULL, *ret_error is a malloc'ed message
 * naming the member ("params.public is not standard base64"). *ret is
 * written only on success. */
int attest_request_parse(const char *body, size_t len, attest_request *ret, char **ret_error);

/* Parses a /secret body {"secret": "<b64 of exactly ATTEST_SECRET_LEN
 * bytes>"} (other members ignored) into ret. Same returns and messages as
 * attest_request_parse; ret is written only on success. */
int attest_secret_parse(const char *body, size_t len, uint8_t ret[ATTEST_SECRET_LEN], char **ret_error);

/* Checks that s has the shape of a UUID (8-4-4-4-12 hex digits, any case,
 * no braces, version bits not checked) and writes it lower-cased, with a
 * NUL, to ret. 0 or -EINVAL (then ret is untouched). */
int attest_request_id_parse(const char *s, char ret[ATTEST_REQUEST_ID_LEN + 1]);
