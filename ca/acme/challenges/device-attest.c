/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attObj parser of device-attest-01 (see device-attest.h): base64url,
 * then a strict walk over the CBOR with libcbor. Pure.
 */
#include <cbor.h>

#include "b64.h"
#include "device-attest.h"
#include "macro.h"
#include "tpm2util.h"

static void cbor_item_unref(cbor_item_t **p) {
        if (*p)
                cbor_decref(p);
}

static int fail(const char **ret_why, int r, const char *why) {
        if (ret_why)
                *ret_why = why;
        return r;
}

void device_attest_stmt_done(device_attest_stmt *s) {
        if (!s)
                return;
        for (size_t i = 0; i < s->n_x5c; i++)
                free(s->x5c[i].data);
        free(s->sig.data);
        free(s->cert_info.data);
        free(s->pub_area.data);
        *s = (device_attest_stmt) {};
}

/* True if item is a definite text string equal to s. */
static bool text_is(const cbor_item_t *item, const char *s) {
        size_t n = strlen(s);

        return cbor_isa_string(item) && cbor_string_is_definite(item) && cbor_string_length(item) == n &&
               memcmp(cbor_string_handle(item), s, n) == 0;
}

/* Copies a definite byte string of 1..max bytes. */
static int bytes_dup(const cbor_item_t *item, size_t max, device_attest_bytes *ret) {
        size_t n;

        if (!cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item))
                return -EBADMSG;
        n = cbor_bytestring_length(item);
        if (n == 0)
                return -EBADMSG;
        if (n > max)
                return -E2BIG;
        ret->data = malloc(n);
        if (!ret->data)
                return -ENOMEM;
        memcpy(ret->data, cbor_bytestring_handle(item), n);
        ret->len = n;
        return 0;
}

/* A definite map whose keys are distinct definite text strings. */
static int check_map(const cbor_item_t *m) {
        struct cbor_pair *pairs;
        size_t n;

        if (!cbor_isa_map(m) || !cbor_map_is_definite(m))
                return -EBADMSG;
        n = cbor_map_size(m);
        pairs = cbor_map_handle(m);
        for (size_t i = 0; i < n; i++) {
                if (!cbor_isa_string(pairs[i].key) || !cbor_string_is_definite(pairs[i].key))
                        return -EBADMSG;
                for (size_t k = 0; k < i; k++)
                        if (cbor_string_length(pairs[k].key) == cbor_string_length(pairs[i].key) &&
                            memcmp(cbor_string_handle(pairs[k].key), cbor_string_handle(pairs[i].key),
                                   cbor_string_length(pairs[i].key)) == 0)
                                return -EBADMSG;
        }
        return 0;
}

static int parse_alg(const cbor_item_t *item, int64_t *ret) {
        uint64_t v;

        /* Only negative integers are COSE signature algorithms we take. */
        if (!cbor_isa_negint(item))
                return -EBADMSG;
        v = cbor_get_int(item);
        if (v > 1000)
                return -EOPNOTSUPP;
        *ret = -1 - (int64_t) v;
        if (*ret != DEVICE_ATTEST_COSE_ES256 && *ret != DEVICE_ATTEST_COSE_RS256)
                return -EOPNOTSUPP;
        return 0;
}

static int parse_x5c(const cbor_item_t *item, device_attest_stmt *s, const char **ret_why) {
        cbor_item_t **certs;
        size_t n;
        int r;

        if (!cbor_isa_array(item) || !cbor_array_is_definite(item))
                return fail(ret_why, -EBADMSG, "attStmt.x5c is not an array");
        n = cbor_array_size(item);
        if (n == 0)
                return fail(ret_why, -EBADMSG, "attStmt.x5c is empty");
        if (n > DEVICE_ATTEST_MAX_X5C)
                return fail(ret_why, -E2BIG, "attStmt.x5c has too many certificates");
        certs = cbor_array_handle(item);
        for (size_t i = 0; i < n; i++) {
                r = bytes_dup(certs[i], DEVICE_ATTEST_MAX_CERT, &s->x5c[i]);
                if (r < 0)
                        return fail(ret_why, r,
                                    r == -E2BIG ? "an attStmt.x5c certificate is too large"
                                                : "an attStmt.x5c entry is not a non-empty byte string");
                s->n_x5c++;
        }
        return 0;
}

static int parse_att_stmt(const cbor_item_t *m, device_attest_stmt *s, const char **ret_why) {
        struct cbor_pair *pairs;
        bool have_ver = false, have_alg = false;
        int r;

        if (check_map(m) < 0)
                return fail(ret_why, -EBADMSG, "attStmt is not a map with distinct text keys");
        pairs = cbor_map_handle(m);
        for (size_t i = 0; i < cbor_map_size(m); i++) {
                const cbor_item_t *k = pairs[i].key, *v = pairs[i].value;

                if (text_is(k, "ver")) {
                        if (!cbor_isa_string(v) || !cbor_string_is_definite(v))
                                return fail(ret_why, -EBADMSG, "attStmt.ver is not a text string");
                        if (!text_is(v, "2.0"))
                                return fail(ret_why, -EOPNOTSUPP, "attStmt.ver is not \"2.0\"");
                        have_ver = true;
                } else if (text_is(k, "alg")) {
                        r = parse_alg(v, &s->alg);
                        if (r < 0)
                                return fail(ret_why, r,
                                            r == -EOPNOTSUPP ? "attStmt.alg is neither ES256 (-7) nor RS256 (-257)"
                                                             : "attStmt.alg is not a negative integer");
                        have_alg = true;
                } else if (text_is(k, "x5c")) {
                        r = parse_x5c(v, s, ret_why);
                        if (r < 0)
                                return r;
                } else if (text_is(k, "sig")) {
                        r = bytes_dup(v, TPM2UTIL_MAX_STRUCT, &s->sig);
                        if (r < 0)
                                return fail(ret_why, r, r == -E2BIG ? "attStmt.sig is too large"
                                                                    : "attStmt.sig is not a non-empty byte string");
                } else if (text_is(k, "certInfo")) {
                        r = bytes_dup(v, TPM2UTIL_MAX_STRUCT, &s->cert_info);
                        if (r < 0)
                                return fail(ret_why, r, r == -E2BIG ? "attStmt.certInfo is too large"
                                                                    : "attStmt.certInfo is not a non-empty byte string");
                } else if (text_is(k, "pubArea")) {
                        r = bytes_dup(v, TPM2UTIL_MAX_STRUCT, &s->pub_area);
                        if (r < 0)
                                return fail(ret_why, r, r == -E2BIG ? "attStmt.pubArea is too large"
                                                                    : "attStmt.pubArea is not a non-empty byte string");
                } else
                        return fail(ret_why, -EBADMSG, "attStmt has an unknown member");
        }
        if (!have_ver)
                return fail(ret_why, -EBADMSG, "attStmt.ver is missing");
        if (!have_alg)
                return fail(ret_why, -EBADMSG, "attStmt.alg is missing");
        if (s->n_x5c == 0)
                return fail(ret_why, -EBADMSG, "attStmt.x5c is missing");
        if (!s->sig.data)
                return fail(ret_why, -EBADMSG, "attStmt.sig is missing");
        if (!s->cert_info.data)
                return fail(ret_why, -EBADMSG, "attStmt.certInfo is missing");
        if (!s->pub_area.data)
                return fail(ret_why, -EBADMSG, "attStmt.pubArea is missing");
        return 0;
}

int device_attest_parse_cbor(const uint8_t *cbor, size_t len, device_attest_stmt *ret, const char **ret_why) {
        _cleanup_(cbor_item_unref) cbor_item_t *root = NULL;
        _cleanup_(device_attest_stmt_done) device_attest_stmt s = {};
        const cbor_item_t *att_stmt = NULL;
        struct cbor_load_result res;
        struct cbor_pair *pairs;
        bool have_fmt = false;
        int r;

        if (!cbor || !ret)
                return -EINVAL;
        if (len == 0)
                return fail(ret_why, -EBADMSG, "attObj is empty");
        if (len > DEVICE_ATTEST_MAX_ATTOBJ)
                return fail(ret_why, -E2BIG, "attObj is too large");
        root = cbor_load(cbor, len, &res);
        if (!root) {
                if (res.error.code == CBOR_ERR_MEMERROR)
                        return -ENOMEM;
                return fail(ret_why, -EBADMSG, "attObj is not well-formed CBOR");
        }
        if (res.read != len)
                return fail(ret_why, -EBADMSG, "attObj has trailing bytes");
        if (check_map(root) < 0)
                return fail(ret_why, -EBADMSG, "attObj is not a map with distinct text keys");
        pairs = cbor_map_handle(root);
        for (size_t i = 0; i < cbor_map_size(root); i++) {
                const cbor_item_t *k = pairs[i].key, *v = pairs[i].value;

                if (text_is(k, "fmt")) {
                        if (!cbor_isa_string(v) || !cbor_string_is_definite(v))
                                return fail(ret_why, -EBADMSG, "attObj.fmt is not a text string");
                        if (!text_is(v, "tpm"))
                                return fail(ret_why, -EOPNOTSUPP, "attObj.fmt is not \"tpm\"");
                        have_fmt = true;
                } else if (text_is(k, "attStmt"))
                        att_stmt = v;
                else if (text_is(k, "authData")) {
                        if (!cbor_isa_bytestring(v))
                                return fail(ret_why, -EBADMSG, "attObj.authData is not a byte string");
                } else
                        return fail(ret_why, -EBADMSG, "attObj has an unknown member");
        }
        if (!have_fmt)
                return fail(ret_why, -EBADMSG, "attObj.fmt is missing");
        if (!att_stmt)
                return fail(ret_why, -EBADMSG, "attObj.attStmt is missing");
        r = parse_att_stmt(att_stmt, &s, ret_why);
        if (r < 0)
                return r;
        *ret = s;
        s = (device_attest_stmt) {};
        return 0;
}

int device_attest_parse(const char *attobj, size_t len, device_attest_stmt *ret, const char **ret_why) {
        _cleanup_free_ uint8_t *cbor = NULL;
        size_t cbor_len;
        int r;

        if (!attobj || !ret)
                return -EINVAL;
        r = b64_decode(B64_URL, attobj, len, b64_encoded_len(B64_URL, DEVICE_ATTEST_MAX_ATTOBJ), &cbor,
                       &cbor_len);
        if (r == -ENOMEM)
                return r;
        if (r == -E2BIG)
                return fail(ret_why, r, "attObj is too large");
        if (r < 0)
                return fail(ret_why, -EBADMSG, "attObj is not base64url without padding");
        return device_attest_parse_cbor(cbor, cbor_len, ret, ret_why);
}
