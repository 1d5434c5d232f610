/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attObj parser of device-attest-01 (see device-attest.h): base64url,
 * a bounded pre-pass over the CBOR with libcbor's streaming decoder (no
 * allocation), then a strict walk over the items cbor_load builds. Pure.
 *
 * The pre-pass exists because cbor_load (libcbor 0.8) allocates an array
 * or map from its declared size before reading a single member: 2.5 KB of
 * "array of 2^28 items" heads asked for gigabytes. Here each head is
 * decoded alone, and a declared count may not exceed the bytes left (every
 * item takes at least one byte), so what cbor_load is then given is
 * already known to be small.
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

/* ---- the pre-pass ---- */

typedef enum head_kind {
        HEAD_NONE,
        HEAD_LEAF,       /* integer, definite string, float, simple value */
        HEAD_ARRAY,
        HEAD_MAP,
        HEAD_REFUSED,    /* indefinite length or tag */
} head_kind;

typedef struct head {
        head_kind kind;
        size_t count;    /* HEAD_ARRAY, HEAD_MAP: declared members */
} head;

static void on_leaf(void *ctx) {
        ((head *) ctx)->kind = HEAD_LEAF;
}
static void on_u8(void *ctx, uint8_t v) {
        on_leaf(ctx);
}
static void on_u16(void *ctx, uint16_t v) {
        on_leaf(ctx);
}
static void on_u32(void *ctx, uint32_t v) {
        on_leaf(ctx);
}
static void on_u64(void *ctx, uint64_t v) {
        on_leaf(ctx);
}
static void on_string(void *ctx, cbor_data data, size_t len) {
        on_leaf(ctx);
}
static void on_float(void *ctx, float v) {
        on_leaf(ctx);
}
static void on_double(void *ctx, double v) {
        on_leaf(ctx);
}
static void on_bool(void *ctx, bool v) {
        on_leaf(ctx);
}
static void on_refused(void *ctx) {
        ((head *) ctx)->kind = HEAD_REFUSED;
}
static void on_tag(void *ctx, uint64_t v) {
        on_refused(ctx);
}
static void on_array(void *ctx, size_t n) {
        *(head *) ctx = (head) { HEAD_ARRAY, n };
}
static void on_map(void *ctx, size_t n) {
        *(head *) ctx = (head) { HEAD_MAP, n > SIZE_MAX / 2 ? SIZE_MAX / 2 : n };
}

static const struct cbor_callbacks head_callbacks = {
        .uint8 = on_u8, .uint16 = on_u16, .uint32 = on_u32, .uint64 = on_u64,
        .negint8 = on_u8, .negint16 = on_u16, .negint32 = on_u32, .negint64 = on_u64,
        .byte_string = on_string, .string = on_string,
        .byte_string_start = on_refused, .string_start = on_refused,
        .indef_array_start = on_refused, .indef_map_start = on_refused, .indef_break = on_refused,
        .array_start = on_array, .map_start = on_map,
        .tag = on_tag,
        .float2 = on_float, .float4 = on_float, .float8 = on_double,
        .undefined = on_leaf, .null = on_leaf, .boolean = on_bool,
};

/* Walks the heads of one CBOR item filling all len bytes. 0, or -EBADMSG
 * (truncated, a length or count beyond the bytes left, indefinite, tagged,
 * trailing bytes) or -E2BIG (too deep, too many items) with *ret_why. */
int device_attest_cbor_check(const uint8_t *cbor, size_t len, const char **ret_why) {
        size_t left[DEVICE_ATTEST_MAX_DEPTH]; /* members still to read, per open level */
        size_t depth = 1, pos = 0, items = 0;

        left[0] = 1;
        while (depth > 0) {
                struct cbor_decoder_result res;
                head h = {};
                size_t members;

                if (pos >= len)
                        return fail(ret_why, -EBADMSG, "attObj is truncated");
                res = cbor_stream_decode(cbor + pos, len - pos, &head_callbacks, &h);
                if (res.status != CBOR_DECODER_FINISHED || res.read == 0 || h.kind == HEAD_NONE)
                        return fail(ret_why, -EBADMSG,
                                    "attObj is not well-formed CBOR (a length runs past its end)");
                if (h.kind == HEAD_REFUSED)
                        return fail(ret_why, -EBADMSG, "attObj uses an indefinite length or a tag");
                pos += res.read;
                if (++items > DEVICE_ATTEST_MAX_ITEMS)
                        return fail(ret_why, -E2BIG, "attObj has too many items");
                left[depth - 1]--;
                if (h.kind == HEAD_ARRAY || h.kind == HEAD_MAP) {
                        members = h.kind == HEAD_MAP ? 2 * h.count : h.count;
                        /* Each member takes at least one byte. */
                        if (members > len - pos)
                                return fail(ret_why, -EBADMSG,
                                            "attObj declares more items than its bytes can hold");
                        if (members > 0) {
                                if (depth >= DEVICE_ATTEST_MAX_DEPTH)
                                        return fail(ret_why, -E2BIG, "attObj is nested too deeply");
                                left[depth++] = members;
                        }
                }
                while (depth > 0 && left[depth - 1] == 0)
                        depth--;
        }
        if (pos != len)
                return fail(ret_why, -EBADMSG, "attObj has trailing bytes");
        return 0;
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
        r = device_attest_cbor_check(cbor, len, ret_why);
        if (r < 0)
                return r;
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
