/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit test of device-attest-01's pure core (ca/device-attest*.c): the
 * attObj parser on hand-encoded CBOR variants, and the verification on a
 * fixed vector recorded from swtpm and deviceid-ca's Attestation CA
 * (tests/unit/data/acme/device-attest/: attobj.cbor, root.pem, the order
 * identifier, the keyAuthorization and the attested key).
 */
#include <fcntl.h>

#include "b64.h"
#include "ca/acme/challenges/device-attest.h"
#include "crypto.h"
#include "tests/unit/tap.h"
#include "tpm2util.h"
#include "x509.h"

/* ---- a minimal CBOR encoder for the variants ---- */

typedef struct cb {
        uint8_t buf[24 * 1024];
        size_t n;
} cb;

static void head(cb *c, unsigned major, uint64_t v) {
        uint8_t m = (uint8_t) (major << 5);

        if (v < 24)
                c->buf[c->n++] = m | (uint8_t) v;
        else if (v < 256) {
                c->buf[c->n++] = m | 24;
                c->buf[c->n++] = (uint8_t) v;
        } else if (v < 65536) {
                c->buf[c->n++] = m | 25;
                c->buf[c->n++] = (uint8_t) (v >> 8);
                c->buf[c->n++] = (uint8_t) v;
        } else {
                c->buf[c->n++] = m | 26;
                for (int i = 3; i >= 0; i--)
                        c->buf[c->n++] = (uint8_t) (v >> (8 * i));
        }
}

static void text(cb *c, const char *s) {
        head(c, 3, strlen(s));
        memcpy(c->buf + c->n, s, strlen(s));
        c->n += strlen(s);
}

static void bytes(cb *c, const void *p, size_t len) {
        head(c, 2, len);
        memcpy(c->buf + c->n, p, len);
        c->n += len;
}

static void integer(cb *c, int64_t v) {
        if (v < 0)
                head(c, 1, (uint64_t) (-1 - v));
        else
                head(c, 0, (uint64_t) v);
}

typedef struct variant {
        const char *fmt, *ver;
        int64_t alg;
        size_t n_x5c;       /* copies of the real AK certificate */
        size_t big_cert;    /* >0: x5c[0] is this many bytes */
        bool no_sig, extra_member, dup_key, auth_data, trailing;
} variant;

static device_attest_stmt real; /* the recorded vector, parsed */

static void encode(cb *c, const variant *v) {
        static uint8_t big[8192];
        size_t n_stmt = 6 - v->no_sig + v->extra_member + v->dup_key;

        c->n = 0;
        head(c, 5, 2 + v->auth_data);
        text(c, "fmt");
        text(c, v->fmt ?: "tpm");
        if (v->auth_data) {
                text(c, "authData");
                bytes(c, "\x01\x02", 2);
        }
        text(c, "attStmt");
        head(c, 5, n_stmt);
        text(c, "ver");
        text(c, v->ver ?: "2.0");
        text(c, "alg");
        integer(c, v->alg ?: -7);
        text(c, "x5c");
        head(c, 4, v->n_x5c ?: 1);
        for (size_t i = 0; i < (v->n_x5c ?: 1); i++)
                if (i == 0 && v->big_cert)
                        bytes(c, big, v->big_cert);
                else
                        bytes(c, real.x5c[0].data, real.x5c[0].len);
        if (!v->no_sig) {
                text(c, "sig");
                bytes(c, real.sig.data, real.sig.len);
        }
        text(c, "certInfo");
        bytes(c, real.cert_info.data, real.cert_info.len);
        text(c, "pubArea");
        bytes(c, real.pub_area.data, real.pub_area.len);
        if (v->extra_member) {
                text(c, "extra");
                integer(c, 1);
        }
        if (v->dup_key) {
                text(c, "ver");
                text(c, "2.0");
        }
        if (v->trailing)
                c->buf[c->n++] = 0;
}

static int parse_variant(const variant *v, const char **why) {
        static cb c;
        _cleanup_(device_attest_stmt_done) device_attest_stmt s = {};

        encode(&c, v);
        *why = NULL;
        return device_attest_parse_cbor(c.buf, c.n, &s, why);
}

/* ---- files ---- */

static int read_vector(const char *name, char **ret, size_t *ret_len) {
        _cleanup_free_ char *path = NULL;
        const char *src = getenv("top_srcdir");

        if (asprintf(&path, "%s/tests/unit/data/acme/device-attest/%s", src ? src : ".", name) < 0)
                return -ENOMEM;
        return read_file_at(AT_FDCWD, path, 1 << 20, ret, ret_len);
}

static void test_parse(const uint8_t *cbor, size_t len) {
        _cleanup_(device_attest_stmt_done) device_attest_stmt s = {};
        _cleanup_free_ char *b64 = NULL, *padded = NULL;
        const char *why = NULL;
        variant v;

        is_ok(device_attest_parse_cbor(cbor, len, &s, &why), "recorded attObj parses");
        is_int(s.alg, -7, "alg ES256");
        is_int(s.n_x5c, 2, "AK certificate and Attestation CA");
        ok(s.sig.len > 0 && s.cert_info.len > 0 && s.pub_area.len > 0, "TPM structures present");
        device_attest_stmt_done(&s);

        ok(b64_encode(B64_URL, cbor, len, &b64) >= 0, "encode");
        is_ok(device_attest_parse(b64, strlen(b64), &s, &why), "base64url form parses");
        device_attest_stmt_done(&s);
        ok(asprintf(&padded, "%s=", b64) > 0, "padded");
        is_err(device_attest_parse(padded, strlen(padded), &s, &why), -EBADMSG, "padding refused");
        is_err(device_attest_parse("", 0, &s, &why), -EBADMSG, "empty refused");

        v = (variant) {};
        is_ok(parse_variant(&v, &why), "minimal variant parses");
        v = (variant) { .auth_data = true };
        is_ok(parse_variant(&v, &why), "authData ignored");
        v = (variant) { .alg = -257, .n_x5c = 4 };
        is_ok(parse_variant(&v, &why), "RS256, four certificates");

        v = (variant) { .fmt = "packed" };
        is_err(parse_variant(&v, &why), -EOPNOTSUPP, "fmt packed refused");
        is_str(why, "attObj.fmt is not \"tpm\"", "why: fmt");
        v = (variant) { .ver = "1.0" };
        is_err(parse_variant(&v, &why), -EOPNOTSUPP, "ver 1.0 refused");
        v = (variant) { .alg = -8 };
        is_err(parse_variant(&v, &why), -EOPNOTSUPP, "EdDSA refused");
        v = (variant) { .alg = 7 };
        is_err(parse_variant(&v, &why), -EBADMSG, "positive alg refused");
        v = (variant) { .n_x5c = 5 };
        is_err(parse_variant(&v, &why), -E2BIG, "five certificates refused");
        v = (variant) { .big_cert = DEVICE_ATTEST_MAX_CERT + 1 };
        is_err(parse_variant(&v, &why), -E2BIG, "oversized certificate refused");
        v = (variant) { .no_sig = true };
        is_err(parse_variant(&v, &why), -EBADMSG, "missing sig refused");
        is_str(why, "attStmt.sig is missing", "why: sig");
        v = (variant) { .extra_member = true };
        is_err(parse_variant(&v, &why), -EBADMSG, "unknown member refused");
        v = (variant) { .dup_key = true };
        is_err(parse_variant(&v, &why), -EBADMSG, "duplicate key refused");
        v = (variant) { .trailing = true };
        is_err(parse_variant(&v, &why), -EBADMSG, "trailing byte refused");

        {
                static const uint8_t indefinite[] = { 0xbf, 0x63, 'f', 'm', 't', 0x63, 't', 'p', 'm', 0xff };
                static const uint8_t array[] = { 0x80 };
                static uint8_t huge[DEVICE_ATTEST_MAX_ATTOBJ + 1];

                is_err(device_attest_parse_cbor(indefinite, sizeof(indefinite), &s, &why), -EBADMSG,
                       "indefinite map refused");
                is_err(device_attest_parse_cbor(array, sizeof(array), &s, &why), -EBADMSG, "array refused");
                is_err(device_attest_parse_cbor(huge, sizeof(huge), &s, &why), -E2BIG, "over 16 KiB refused");
        }
}

/* The pre-pass: shapes that made cbor_load allocate from declared sizes or
 * recurse are refused before anything is built. */
static void test_bounds(const uint8_t *cbor, size_t len) {
        _cleanup_(device_attest_stmt_done) device_attest_stmt s = {};
        _cleanup_free_ uint8_t *deep = NULL, *many = NULL;
        const char *why = NULL;
        size_t n;

        is_ok(device_attest_cbor_check(cbor, len, &why), "a genuine attObj passes the pre-pass");

        /* 2048 nested one-element arrays around a 0. */
        n = 2049;
        deep = malloc(n);
        ok(deep, "alloc");
        if (!deep)
                return;
        memset(deep, 0x81, n - 1);
        deep[n - 1] = 0x00;
        is_err(device_attest_parse_cbor(deep, n, &s, &why), -E2BIG, "2048 levels refused");
        is_str(why, "attObj is nested too deeply", "why: depth");
        {
                /* DEVICE_ATTEST_MAX_DEPTH levels: that many - 1 arrays and a 0. */
                uint8_t nest[DEVICE_ATTEST_MAX_DEPTH];

                memset(nest, 0x81, DEVICE_ATTEST_MAX_DEPTH - 1);
                nest[DEVICE_ATTEST_MAX_DEPTH - 1] = 0x00;
                is_err(device_attest_cbor_check(nest, DEVICE_ATTEST_MAX_DEPTH - 1, &why), -EBADMSG,
                       "truncated nesting refused");
                is_ok(device_attest_cbor_check(nest, DEVICE_ATTEST_MAX_DEPTH, &why),
                      "nesting at the limit passes the pre-pass");
                nest[DEVICE_ATTEST_MAX_DEPTH - 2] = 0x80; /* innermost array empty, then a trailing 0 */
                is_err(device_attest_cbor_check(nest, DEVICE_ATTEST_MAX_DEPTH, &why), -EBADMSG,
                       "trailing byte after the item refused");
        }

        {
                /* {"fmt": "tpm", "attStmt": [2^28 items declared]} and more
                 * such heads: the 2.5 KB that asked libcbor for gigabytes. */
                static const uint8_t arr_u32[] = { 0xa2, 0x63, 'f', 'm', 't', 0x63, 't', 'p', 'm',
                                                   0x67, 'a', 't', 't', 'S', 't', 'm', 't',
                                                   0x9a, 0x10, 0x00, 0x00, 0x00, 0x00 };
                static const uint8_t arr_u64[] = { 0x9b, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00 };
                static const uint8_t map_u32[] = { 0xba, 0x7f, 0xff, 0xff, 0xff, 0x00, 0x00 };
                static const uint8_t bstr_u32[] = { 0x5a, 0xff, 0xff, 0xff, 0xff, 0x00 };
                static const uint8_t text_u64[] = { 0x7b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };
                static const uint8_t map_two[] = { 0xa2, 0x00, 0x00, 0x00 }; /* 2 pairs, 3 bytes left */
                static const uint8_t tagged[] = { 0xc0, 0x00 };
                static const uint8_t indef_bstr[] = { 0x5f, 0x41, 0x00, 0xff };

                is_err(device_attest_parse_cbor(arr_u32, sizeof(arr_u32), &s, &why), -EBADMSG,
                       "array of 2^28 declared items refused");
                is_str(why, "attObj declares more items than its bytes can hold", "why: over-declared");
                is_err(device_attest_cbor_check(arr_u64, sizeof(arr_u64), &why), -EBADMSG, "2^32 items refused");
                is_err(device_attest_cbor_check(map_u32, sizeof(map_u32), &why), -EBADMSG, "2^31 pairs refused");
                is_err(device_attest_cbor_check(bstr_u32, sizeof(bstr_u32), &why), -EBADMSG,
                       "4 GiB byte string refused");
                is_err(device_attest_cbor_check(text_u64, sizeof(text_u64), &why), -EBADMSG,
                       "2^64 byte text refused");
                is_err(device_attest_cbor_check(map_two, sizeof(map_two), &why), -EBADMSG,
                       "map of two pairs in three bytes refused");
                is_err(device_attest_cbor_check(tagged, sizeof(tagged), &why), -EBADMSG, "tag refused");
                is_err(device_attest_cbor_check(indef_bstr, sizeof(indef_bstr), &why), -EBADMSG,
                       "indefinite byte string refused");
        }

        /* Many small items: an array of 300 zeros. */
        n = 3 + 300;
        many = calloc(1, n);
        ok(many, "alloc");
        if (!many)
                return;
        many[0] = 0x99;
        many[1] = 0x01;
        many[2] = 0x2c;
        is_err(device_attest_cbor_check(many, n, &why), -E2BIG, "300 items refused");
        is_str(why, "attObj has too many items", "why: items");
        many[1] = 0x00;
        many[2] = 0xc8;
        is_ok(device_attest_cbor_check(many, n - 100, &why), "200 items pass the pre-pass");
}

static void test_verify(void) {
        _cleanup_free_ char *root_pem = NULL, *ident = NULL, *keyauth = NULL, *key_pem = NULL;
        _cleanup_x509_stack_ STACK_OF(X509) *roots = NULL, *other_roots = NULL;
        _cleanup_x509_ X509 *ak = NULL;
        _cleanup_pkey_ EVP_PKEY *want = NULL;
        size_t len;
        time_t nb;
        const char *why = NULL;

        ok(read_vector("root.pem", &root_pem, &len) >= 0 && x509_chain_from_pem(root_pem, len, 4, &roots) >= 0,
           "root.pem");
        ok(read_vector("identifier", &ident, &len) >= 0, "identifier");
        ok(read_vector("keyauth", &keyauth, &len) >= 0, "keyauth");
        ok(read_vector("key-pub.pem", &key_pem, &len) >= 0 && crypto_key_from_pem(key_pem, len, &want) >= 0,
           "key-pub.pem");
        ok(x509_cert_from_der(real.x5c[0].data, real.x5c[0].len, &ak) >= 0 &&
           x509_cert_get_validity(ak, &nb, NULL) >= 0, "AK certificate validity");
        nb += 3600; /* a fixed instant inside the recorded certificates' lifetime */

        {
                _cleanup_pkey_ EVP_PKEY *key = NULL;

                is_ok(device_attest_verify(&real, roots, ident, keyauth, nb, &key, &why), "recorded vector verifies");
                ok(key && crypto_pubkey_equal(key, want) == 1, "attested key is the device key");
        }
        {
                _cleanup_pkey_ EVP_PKEY *key = NULL;

                is_err(device_attest_verify(&real, roots, ident, "other.keyauth", nb, &key, &why), -EPROTO,
                       "other keyAuthorization refused");
                is_str(why, "certInfo extraData is not the expected value", "why: extraData");
                is_err(device_attest_verify(&real, roots, "urn:ek:sha256:AAAA", keyauth, nb, &key, &why), -EPROTO,
                       "other identifier refused");
                is_str(why, "the AK certificate's PermanentIdentifier is not the order's identifier",
                       "why: identifier");
                real.alg = DEVICE_ATTEST_COSE_RS256;
                is_err(device_attest_verify(&real, roots, ident, keyauth, nb, &key, &why), -EPROTO,
                       "RS256 with an EC AK refused");
                real.alg = DEVICE_ATTEST_COSE_ES256;
                is_err(device_attest_verify(&real, roots, ident, keyauth, nb + 3 * 365 * 24 * 3600, &key, &why),
                       -EPROTO, "expired AK certificate refused");
                is_str(why, "the x5c chain does not verify to the attestation roots", "why: chain");
                /* The Attestation CA is no trust anchor: chains must end in
                 * a self-signed root. */
                other_roots = sk_X509_new_null();
                X509_free(ak);
                ak = NULL;
                ok(other_roots && x509_cert_from_der(real.x5c[1].data, real.x5c[1].len, &ak) >= 0 &&
                   sk_X509_push(other_roots, ak) > 0, "intermediate as a root");
                ak = NULL;
                is_err(device_attest_verify(&real, other_roots, ident, keyauth, nb, &key, &why), -EPROTO,
                       "intermediate as the only root refused");
                is_str(why, "the x5c chain does not verify to the attestation roots", "why: partial chain");
                sk_X509_pop_free(other_roots, X509_free);
                other_roots = sk_X509_new_null();
                is_err(device_attest_verify(&real, other_roots, ident, keyauth, nb, &key, &why), -EPROTO,
                       "no roots refused");
                real.pub_area.data[real.pub_area.len - 1] ^= 1;
                is_err(device_attest_verify(&real, roots, ident, keyauth, nb, &key, &why), -EPROTO,
                       "modified pubArea refused");
                real.pub_area.data[real.pub_area.len - 1] ^= 1;
                ok(!key, "no key on failure");
        }
}

int main(void) {
        _cleanup_free_ char *cbor = NULL;
        size_t len = 0;
        const char *why = NULL;

        ok(read_vector("attobj.cbor", &cbor, &len) >= 0, "attobj.cbor");
        if (!cbor || device_attest_parse_cbor((uint8_t *) cbor, len, &real, &why) < 0)
                return tap_done() | 1;
        test_parse((uint8_t *) cbor, len);
        test_bounds((uint8_t *) cbor, len);
        test_verify();
        device_attest_stmt_done(&real);
        return tap_done();
}
