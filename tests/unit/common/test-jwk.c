/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for common/jwk.c with fixed vectors: the RFC 7638 section 3.1
 * example thumbprint, the RFC 7515 appendix A.3 P-256 key (its JWK and
 * thumbprint), the RFC 7515 appendix A.2 RSA modulus, round trips of
 * generated keys, and every import refusal.
 */
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include "crypto.h"
#include "jwk.h"
#include "tests/unit/tap.h"

/* RFC 7515 appendix A.3 key as PKCS#8, converted once from the RFC's JWK
 * (x, y, d) with python3-cryptography; the test checks x and y below. */
static const char a3_pem[] =
        "-----BEGIN PRIVATE KEY-----\n"
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjpsQnnGQmL+YBIff\n"
        "H1136cspYG6+0iY7X1fCE9+E9LKhRANCAAR/zc4ncPbEXUGDy+5v20t7WAczNXvp\n"
        "7xO6z248e9FURcfxRM0bvZt+hyzf7bnuufSzaV1uqQskrYpGIyiFiOWt\n"
        "-----END PRIVATE KEY-----\n";
#define A3_X "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
#define A3_Y "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
/* SHA-256 of {"crv":"P-256","kty":"EC","x":A3_X,"y":A3_Y}, base64url:
 * computed independently with python3 hashlib and cross-checked with
 * `printf %s '<json>' | openssl dgst -sha256 -binary | basenc --base64url`. */
#define A3_THUMBPRINT "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U"

/* RFC 7515 appendix A.2 RSA modulus (2048 bits, top byte 0xa1). */
#define A2_N                                                                                      \
        "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1P" \
        "t0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSH" \
        "SXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6" \
        "_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"

/* RFC 7638 section 3.1 example key. */
#define RFC7638_N                                                                                 \
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_" \
        "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0" \
        "_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWh" \
        "AI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
#define RFC7638_JWK                                                                               \
        "{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQAB\",\"alg\":\"RS256\",\"kid\":\"2011-04-29\"}"
#define RFC7638_THUMBPRINT "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

static EVP_PKEY *load_pem(const char *pem) {
        _cleanup_bio_ BIO *b = BIO_new_mem_buf(pem, -1);
        return b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
}

static bool has_private(EVP_PKEY *k) {
        _cleanup_(BN_freep) BIGNUM *d = NULL;
        return EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 ||
               EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_D, &d) == 1;
}

/* Parses text as a JWK and imports it. */
static int import_text(const char *text, EVP_PKEY **ret) {
        _cleanup_json_ json_object *o = NULL;
        int r = json_parse_object(text, strlen(text), 65536, &o);
        return r < 0 ? r : jwk_to_pkey(o, ret);
}

static void refused(const char *text, int err, const char *what) {
        EVP_PKEY *k = NULL;

        is_err(import_text(text, &k), err, what);
        ok(!k, "no key on failure");
        EVP_PKEY_free(k);
}

static void test_rfc7638(void) {
        _cleanup_pkey_ EVP_PKEY *k = NULL;
        _cleanup_free_ char *json = NULL, *tp = NULL;
        uint8_t digest[32];
        const char *expected_json = "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\"}";

        if (!is_ok(import_text(RFC7638_JWK, &k), "import RFC 7638 example JWK (alg, kid ignored)"))
                return;
        is_ok(jwk_thumbprint_json(k, &json), "thumbprint JSON");
        is_str(json, expected_json, "RFC 7638 section 3.1 canonical JSON");
        is_ok(jwk_thumbprint_b64(k, &tp), "thumbprint");
        is_str(tp, RFC7638_THUMBPRINT, "RFC 7638 section 3.1 thumbprint");
        is_ok(jwk_thumbprint(k, digest), "raw thumbprint");
        /* First bytes of the RFC's decimal listing: 55 54 203 177 120 124 184 48. */
        is_mem(digest, 8, "\x37\x36\xcb\xb1\x78\x7c\xb8\x30", 8, "RFC 7638 thumbprint octets");
}

static void test_a3_key(void) {
        _cleanup_pkey_ EVP_PKEY *k = load_pem(a3_pem), *back = NULL;
        _cleanup_json_ json_object *jwk = NULL;
        _cleanup_free_ char *text = NULL, *tp = NULL, *json = NULL;

        if (!ok(k, "load RFC 7515 A.3 key"))
                return;
        is_ok(jwk_from_pkey(k, &jwk), "export A.3 public JWK");
        is_ok(json_to_string_dup(jwk, &text), "serialize");
        is_str(text, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
               "A.3 JWK has exactly the required members, no \"d\"");
        is_ok(jwk_thumbprint_json(k, &json), "A.3 thumbprint JSON");
        is_str(json, text, "thumbprint JSON equals the exported JWK text");
        is_ok(jwk_thumbprint_b64(k, &tp), "A.3 thumbprint");
        is_str(tp, A3_THUMBPRINT, "A.3 thumbprint matches independent computation");
        is_ok(jwk_to_pkey(jwk, &back), "import it back");
        is_int(EVP_PKEY_eq(k, back), 1, "same public key");
        ok(!has_private(back), "imported key is public only");
}

static void test_rsa_export(void) {
        _cleanup_pkey_ EVP_PKEY *k = NULL, *back = NULL;
        _cleanup_json_ json_object *jwk = NULL;
        _cleanup_free_ uint8_t *n = NULL;
        _cleanup_free_ char *text = NULL;
        const char *s = NULL;
        size_t len = 0;

        if (!is_ok(import_text("{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"" A2_N "\"}", &k),
                   "import RFC 7515 A.2 public key"))
                return;
        is_ok(jwk_from_pkey(k, &jwk), "export RSA JWK");
        is_ok(json_get_string(jwk, "n", &s), "has n");
        is_str(s, A2_N, "n exported exactly as the RFC prints it");
        is_ok(json_get_b64(jwk, "n", B64_URL, 1024, &n, &len), "n decodes");
        ok(len == 256 && n[0] != 0, "n is 256 octets without a leading zero");
        is_ok(json_to_string_dup(jwk, &text), "serialize");
        is_str(text, "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"" A2_N "\"}", "RSA JWK members");
        is_ok(jwk_to_pkey(jwk, &back), "import it back");
        is_int(EVP_PKEY_eq(k, back), 1, "same public key");
}

/* Round trip of a fresh key, and the export of coordinates that start
 * with zero octets (found by generating keys until one has them). */
static void test_generated(const char *curve, size_t field_len) {
        _cleanup_pkey_ EVP_PKEY *k = NULL;
        bool found_short = false;
        char label[96];

        for (unsigned i = 0; i < 4000 && !found_short; i++) {
                _cleanup_(BN_freep) BIGNUM *x = NULL;
                _cleanup_(BN_freep) BIGNUM *y = NULL;

                EVP_PKEY_free(k);
                k = EVP_EC_gen(curve);
                if (!k || EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1 ||
                    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1)
                        break;
                found_short = (size_t) BN_num_bytes(x) < field_len ||
                              (size_t) BN_num_bytes(y) < field_len;
        }
        snprintf(label, sizeof(label), "%s key with a short coordinate generated", curve);
        if (!ok(found_short, label))
                return;

        _cleanup_json_ json_object *jwk = NULL;
        _cleanup_pkey_ EVP_PKEY *back = NULL;
        _cleanup_free_ uint8_t *x = NULL, *y = NULL;
        _cleanup_free_ char *tp1 = NULL, *tp2 = NULL;
        size_t xn = 0, yn = 0;

        is_ok(jwk_from_pkey(k, &jwk), "export");
        is_ok(json_get_b64(jwk, "x", B64_URL, 128, &x, &xn), "x decodes");
        is_ok(json_get_b64(jwk, "y", B64_URL, 128, &y, &yn), "y decodes");
        snprintf(label, sizeof(label), "%s coordinates are %zu octets (full width)", curve, field_len);
        ok(xn == field_len && yn == field_len, label);
        ok(x[0] == 0 || y[0] == 0, "a leading zero octet is kept");
        is_ok(jwk_to_pkey(jwk, &back), "import back");
        is_int(EVP_PKEY_eq(k, back), 1, "same key after round trip");
        is_ok(jwk_thumbprint_b64(k, &tp1), "thumbprint of private key");
        is_ok(jwk_thumbprint_b64(back, &tp2), "thumbprint of imported public key");
        is_str(tp1, tp2, "thumbprints agree");
        is_int(strlen(tp1), 43, "thumbprint is 43 base64url characters");
}

static void test_generated_rsa(void) {
        _cleanup_pkey_ EVP_PKEY *k = EVP_RSA_gen(3072), *back = NULL, *small = EVP_RSA_gen(1024);
        _cleanup_json_ json_object *jwk = NULL;
        _cleanup_free_ char *n = NULL, *text = NULL;
        _cleanup_(BN_freep) BIGNUM *bn = NULL;
        uint8_t buf[128];
        EVP_PKEY *none = NULL;

        if (!ok(k && small, "generate RSA keys"))
                return;
        is_ok(jwk_from_pkey(k, &jwk), "export RSA-3072");
        is_ok(jwk_to_pkey(jwk, &back), "import RSA-3072");
        is_int(EVP_PKEY_eq(k, back), 1, "RSA round trip");

        is_err(jwk_from_pkey(small, &jwk), -EOPNOTSUPP, "export of RSA-1024 refused");
        is_err(jwk_thumbprint_b64(small, &n), -EOPNOTSUPP, "thumbprint of RSA-1024 refused");
        if (EVP_PKEY_get_bn_param(small, OSSL_PKEY_PARAM_RSA_N, &bn) == 1 &&
            BN_bn2bin(bn, buf) == 128 && b64_encode(B64_URL, buf, 128, &n) >= 0 &&
            asprintf(&text, "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"%s\"}", n) > 0) {
                is_err(import_text(text, &none), -EOPNOTSUPP, "import of RSA-1024 refused");
                ok(!none, "no key");
        } else
                ok(false, "build RSA-1024 JWK");
}

static void test_unsupported_keys(void) {
        _cleanup_pkey_ EVP_PKEY *p521 = EVP_EC_gen("P-521");
        _cleanup_pkey_ EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        json_object *o = NULL;
        char *s = NULL;
        uint8_t d[32];

        is_err(jwk_from_pkey(p521, &o), -EOPNOTSUPP, "P-521 export refused");
        is_err(jwk_from_pkey(ed, &o), -EOPNOTSUPP, "Ed25519 export refused");
        is_err(jwk_thumbprint_json(ed, &s), -EOPNOTSUPP, "Ed25519 thumbprint refused");
        is_err(jwk_thumbprint(p521, d), -EOPNOTSUPP, "P-521 thumbprint refused");
        is_err(jwk_from_pkey(NULL, &o), -EINVAL, "NULL key");
        ok(!o && !s, "no output");
}

#define EC(members) "{\"kty\":\"EC\",\"crv\":\"P-256\"," members "}"
#define RSA(members) "{\"kty\":\"RSA\"," members "}"

static void test_import_refusals(void) {
        json_object *arr = json_object_new_array();
        EVP_PKEY *k = NULL;

        /* The A.3 key itself passes, as the control for the cases below. */
        _cleanup_pkey_ EVP_PKEY *good = NULL;
        is_ok(import_text(EC("\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\""), &good), "A.3 public JWK imports");

        refused(EC("\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\",\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI\""),
                -EBADMSG, "EC private member d refused");
        refused(RSA("\"n\":\"" A2_N "\",\"e\":\"AQAB\",\"d\":\"AQAB\""), -EBADMSG, "RSA d refused");
        refused(RSA("\"n\":\"" A2_N "\",\"e\":\"AQAB\",\"p\":\"AQAB\""), -EBADMSG, "RSA p refused");
        refused(RSA("\"n\":\"" A2_N "\",\"e\":\"AQAB\",\"qi\":\"AQAB\""), -EBADMSG, "RSA qi refused");
        refused(RSA("\"n\":\"" A2_N "\",\"e\":\"AQAB\",\"oth\":[]"), -EBADMSG, "RSA oth refused");

        refused(EC("\"x\":\"" A3_X "\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1\""),
                -EBADMSG, "y with non-zero trailing bits");
        refused(EC("\"x\":\"" A3_X "\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a4\""),
                -EBADMSG, "point not on the curve");
        refused(EC("\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
                   "\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\""),
                -EBADMSG, "point (0,0)");
        refused(EC("\"x\":\"83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"" A3_Y "\""),
                -EBADMSG, "x one character short");
        refused(EC("\"x\":\"AP_NzidwDsRdQYPL7m_bS3tYBzM1e-nvE7rPbjx71FRF\",\"y\":\"" A3_Y "\""),
                -EBADMSG, "x with an extra leading zero octet (33 bytes)");
        refused(EC("\"x\":\"" A3_X "=\",\"y\":\"" A3_Y "\""), -EBADMSG, "x padded");
        refused(EC("\"x\":\"" A3_X "\""), -EBADMSG, "y missing");
        refused(EC("\"x\":\"" A3_X "\",\"y\":5"), -EBADMSG, "y not a string");
        refused("{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}", -EBADMSG,
                "P-256 coordinates under P-384");
        refused("{\"kty\":\"EC\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}", -EBADMSG, "crv missing");
        refused("{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
                -EOPNOTSUPP, "P-521 not supported");
        refused("{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
                -EOPNOTSUPP, "secp256k1 not supported");
        refused("{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T\"}",
                -EOPNOTSUPP, "symmetric key not supported");
        refused("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" A3_X "\"}", -EOPNOTSUPP, "OKP not supported");
        refused("{\"kty\":\"ec\",\"crv\":\"P-256\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
                -EOPNOTSUPP, "kty is case-sensitive");
        refused("{\"crv\":\"P-256\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}", -EBADMSG, "kty missing");
        refused("{\"kty\":1}", -EBADMSG, "kty not a string");

        refused(RSA("\"n\":\"AA" A2_N "\",\"e\":\"AQAB\""), -EBADMSG, "n with a leading zero octet");
        refused(RSA("\"n\":\"" A2_N "\",\"e\":\"AAEAAQ\""), -EBADMSG, "e with a leading zero octet");
        refused(RSA("\"n\":\"" A2_N "\""), -EBADMSG, "e missing");
        refused(RSA("\"e\":\"AQAB\""), -EBADMSG, "n missing");
        refused(RSA("\"n\":\"" A2_N "\",\"e\":\"\""), -EBADMSG, "e empty");
        refused(RSA("\"n\":\"" A2_N "\",\"e\":\"AQ\""), -EBADMSG, "e = 1");
        refused(RSA("\"n\":\"" A2_N "\",\"e\":\"AQAA\""), -EBADMSG, "even e");
        refused(RSA("\"n\":\"" A2_N "\",\"e\":\"AQABAQABAQAB\""), -EBADMSG, "e of 9 octets (above 8)");
        /* Same modulus with the last octet made even: not an RSA modulus. */
        refused(RSA("\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1P"
                    "t0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSH"
                    "SXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6"
                    "_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoA\","
                    "\"e\":\"AQAB\""),
                -EBADMSG, "even modulus");

        /* 1025-octet modulus: above RSA_MAX_BITS. */
        char big[1500];
        int off = snprintf(big, sizeof(big), "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"w");
        memset(big + off, 'A', 1366);
        snprintf(big + off + 1366, sizeof(big) - (size_t) off - 1366, "\"}");
        refused(big, -EOPNOTSUPP, "RSA modulus above 8192 bits");

        is_err(jwk_to_pkey(arr, &k), -EBADMSG, "JWK that is an array");
        is_err(jwk_to_pkey(NULL, &k), -EBADMSG, "JWK that is null");
        ok(!k, "no key");
        json_object_put(arr);
}

int main(void) {
        test_rfc7638();
        test_a3_key();
        test_rsa_export();
        test_generated("P-256", 32);
        test_generated("P-384", 48);
        test_generated_rsa();
        test_unsupported_keys();
        test_import_refusals();
        return tap_done();
}
