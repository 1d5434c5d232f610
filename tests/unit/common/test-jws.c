/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for common/jws.c: the RFC 7515 appendix A.2 (RS256, signing
 * reproduces the RFC's bytes) and A.3 (ES256) examples exactly as printed,
 * sign/parse/verify round trips for ES256, ES384 and RS256 in both
 * serializations, tampering, wrong keys, the algorithm allow-list, the
 * structural refusals of both parsers, and an ACME-shaped flattened JWS.
 */
#include <openssl/pem.h>

#include "crypto.h"
#include "jwk.h"
#include "jws.h"
#include "tests/unit/tap.h"

/* RFC 7515 appendix A.2 RSA key (n, e, d, p, q, dp, dq, qi as printed),
 * as PKCS#8, converted once with python3-cryptography after checking
 * n = p * q and the CRT values. */
static const char a2_pem[] =
        "-----BEGIN PRIVATE KEY-----\n"
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCh+BYK4uPJtGXO\n"
        "jS1lYmM2K5J9vinh8CR3/BYlzJChNuOL2TSXxbbqY913EeZ8dCn5VrD7io8ImtxL\n"
        "aYk8wTM/U+3QGbh3hCUv7JFP5IV3aVlL6kKA0ywPVb9ilE8TA5a8bpvfbr3SvaNn\n"
        "juygxmj3AbONv/s4yDQs4v5tJ/reSlpIdJed1LnPmt7Ex1sFhSwsD174pcF1A5L5\n"
        "ROjtZMEQxrZHYJqkeDrrnGya11UxMFBji4NmXG9veoKjlnAqH2QbgtPr8jkiGUkf\n"
        "toaHLFcW9Qr4NY2ai50Xw0Byj3+H2JoY2PyrZ62EWQwuz3WTOTY8BwNNb2BvniHg\n"
        "VFbK5emhAgMBAAECggEAEq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyW\n"
        "PEAeP88vLNO97IjlA7/GQ5sLKMgvfTeXZx9SE+7YwVol2NXOoAJe46sui395IW/G\n"
        "O+pWJ1O0BkTGoVEn2bKVRUCgu+GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzj\n"
        "kn439X0M/V51gfpRLI9JYanrC4D4qAdGcopV/0ZHHzQlBjudU2QvXt4ehNYTCBr6\n"
        "XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl/x/jTj3ccPDVZFD9pIuhLhBOneufuBiB\n"
        "4cS98l2SR/RQyGWSeWjnczT0QU91p1DhOVRuOopznQKBgQDgHMQQ60imZV1URk0K\n"
        "pLttoLhyt3SmqdEf/kgHePDdtzEafpAu+cS191R2JiuoF2yzWXnwFDcqGigp5BNr\n"
        "0AHQfD8/Lk8l1Mk09jxxCfui5nYooNyac8YFjm3vItzVCVDnEd3BbVWG8qf6deqE\n"
        "lMGAg+C2V0L4oNXnP7LZcPAZRwKBgQC5A8R+CZW2MvRTLLHzwZkUXV866cff7tx6\n"
        "kqa0finGG0KgeqlaZPxgCZnFp7AeAcCMtiynVlJ7vMVgePsLq6XtON4tB5kP9jAP\n"
        "rq3rbAOal78eUH5OcED6eNuCV8ixEu1eWcPNCS/l1OW1EnXUEoEHKl54Xrrz2uNw\n"
        "kgMTP1FZ1wKBgAcCn1dwJKufzBWQxWQp1vsM5fggqPN1qGb5y0MAk3g7/Ls5bkUp\n"
        "5u9SN0Ai3Ya6hNnvWJMb7sXQX6U/zyO2M/hTip7tUeh7CXgwo59dkpN75gJLVds2\n"
        "9+DAncu3KXU4f2Fa+7bLNrur53k8KwPOq2bbuTG69QtV7Jr5MR0AHWKNAoGBAIf/\n"
        "evpitUf+4JYbLpvNXWcY052Mpz22aR84mY3nh3F2LF2mjMJDpTg7FmuyPcVw6EcG\n"
        "yoAe9fa65iNqCq+jdw6PVNGo2hxfjSiZ8IIzHdsPXI89//pMjZcQK9r+CCoRjaZj\n"
        "OYiIDktVWZzmevJuv6WywUqd57LE3Zar3dLSIkx1AoGAIYd7DHOhrWvxkwPQsRM2\n"
        "tOgrjbcrfvtQJipd+DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd/QJQ3\n"
        "ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp/gh6A56\n"
        "03k2+ZQwVK0JKSHuLFkuQ3U=\n"
        "-----END PRIVATE KEY-----\n";

/* RFC 7515 appendix A.3 P-256 key (x, y, d as printed), as PKCS#8. */
static const char a3_pem[] =
        "-----BEGIN PRIVATE KEY-----\n"
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjpsQnnGQmL+YBIff\n"
        "H1136cspYG6+0iY7X1fCE9+E9LKhRANCAAR/zc4ncPbEXUGDy+5v20t7WAczNXvp\n"
        "7xO6z248e9FURcfxRM0bvZt+hyzf7bnuufSzaV1uqQskrYpGIyiFiOWt\n"
        "-----END PRIVATE KEY-----\n";
#define A3_JWK                                                                                    \
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","   \
        "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}"

/* The JWS Payload of RFC 7515 appendices A.1-A.3 (with its CRLFs). */
static const char rfc_payload[] =
        "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
#define RFC_PAYLOAD_B64                                                                           \
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"

#define A2_PROTECTED "eyJhbGciOiJSUzI1NiJ9"
#define A2_SIGNATURE                                                                              \
        "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2" \
        "Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjt" \
        "QBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6" \
        "IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
#define A2_COMPACT A2_PROTECTED "." RFC_PAYLOAD_B64 "." A2_SIGNATURE

#define A3_PROTECTED "eyJhbGciOiJFUzI1NiJ9"
#define A3_SIGNATURE "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
#define A3_COMPACT A3_PROTECTED "." RFC_PAYLOAD_B64 "." A3_SIGNATURE

static EVP_PKEY *load_pem(const char *pem) {
        _cleanup_bio_ BIO *b = BIO_new_mem_buf(pem, -1);
        return b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
}

static EVP_PKEY *public_from_jwk(const char *text) {
        _cleanup_json_ json_object *o = NULL;
        EVP_PKEY *k = NULL;

        if (json_parse_object(text, strlen(text), 4096, &o) < 0 || jwk_to_pkey(o, &k) < 0)
                return NULL;
        return k;
}

static int parse_compact(const char *s, jws_alg allowed, jws **ret) {
        return jws_parse_compact(s, strlen(s), JWS_MAX_SIZE, allowed, ret);
}

static int parse_flattened(const char *s, jws_alg allowed, jws **ret) {
        return jws_parse_flattened(s, strlen(s), JWS_MAX_SIZE, allowed, ret);
}

/* 0 if s parses (compact or flattened) and verifies with key. */
static int parse_and_verify(const char *s, bool flattened, EVP_PKEY *key) {
        _cleanup_(jws_freep) jws *j = NULL;
        int r = flattened ? parse_flattened(s, JWS_ALG_ALL, &j) : parse_compact(s, JWS_ALG_ALL, &j);
        return r < 0 ? r : jws_verify(j, key);
}

static void test_alg_names(void) {
        static const char *const bad[] = { "none", "None", "HS256", "HS384", "HS512", "es256",
                                           "RS512", "PS256", "ES512", "EdDSA", "", "ES256 " };
        jws_alg a = 0;

        is_ok(jws_alg_from_string("ES256", &a), "ES256 known");
        is_int(a, JWS_ALG_ES256, "ES256 value");
        is_ok(jws_alg_from_string("ES384", &a), "ES384 known");
        is_int(a, JWS_ALG_ES384, "ES384 value");
        is_ok(jws_alg_from_string("RS256", &a), "RS256 known");
        is_int(a, JWS_ALG_RS256, "RS256 value");
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char label[64];
                snprintf(label, sizeof(label), "\"%s\" refused", bad[i]);
                is_err(jws_alg_from_string(bad[i], &a), -EINVAL, label);
        }
        is_str(jws_alg_to_string(JWS_ALG_ES256), "ES256", "ES256 name");
        is_str(jws_alg_to_string(JWS_ALG_ES384), "ES384", "ES384 name");
        is_str(jws_alg_to_string(JWS_ALG_RS256), "RS256", "RS256 name");
        ok(jws_alg_to_string(JWS_ALG_ALL) == NULL, "a set has no name");
}

static void test_alg_for_key(EVP_PKEY *p256, EVP_PKEY *p384, EVP_PKEY *rsa) {
        _cleanup_pkey_ EVP_PKEY *p521 = EVP_EC_gen("P-521"), *rsa1024 = EVP_RSA_gen(1024);
        jws_alg a = 0;

        is_ok(jws_alg_for_key(p256, &a), "P-256 key");
        is_int(a, JWS_ALG_ES256, "P-256 signs ES256");
        is_ok(jws_alg_for_key(p384, &a), "P-384 key");
        is_int(a, JWS_ALG_ES384, "P-384 signs ES384");
        is_ok(jws_alg_for_key(rsa, &a), "RSA key");
        is_int(a, JWS_ALG_RS256, "RSA signs RS256");
        is_err(jws_alg_for_key(p521, &a), -EOPNOTSUPP, "P-521 has no algorithm here");
        is_err(jws_alg_for_key(rsa1024, &a), -EOPNOTSUPP, "RSA-1024 too small");
}

static void test_rfc7515_a2(void) {
        _cleanup_pkey_ EVP_PKEY *key = load_pem(a2_pem);
        _cleanup_(signer_freep) signer *s = NULL;
        _cleanup_(jws_freep) jws *j = NULL;
        _cleanup_free_ char *compact = NULL, *sig_b64 = NULL;
        _cleanup_free_ uint8_t *sig = NULL;
        const char *input = A2_PROTECTED "." RFC_PAYLOAD_B64;
        size_t sig_len = 0;

        if (!ok(key, "load RFC 7515 A.2 key"))
                return;
        if (is_ok(parse_compact(A2_COMPACT, JWS_ALG_ALL, &j), "parse A.2 compact JWS")) {
                is_int(j->alg, JWS_ALG_RS256, "A.2 alg");
                is_mem(j->payload, j->payload_len, rfc_payload, strlen(rfc_payload), "A.2 payload");
                is_str(j->signing_input, input, "A.2 signing input");
                is_int(j->signature_len, 256, "A.2 signature length");
                is_ok(jws_verify(j, key), "A.2 signature verifies");
                _cleanup_pkey_ EVP_PKEY *small = EVP_RSA_gen(1024);
                is_err(jws_verify(j, small), -EBADMSG, "RS256 with an RSA-1024 key is refused");
        }

        /* RSASSA-PKCS1-v1_5 is deterministic: same key, same input, same bytes. */
        if (!is_ok(signer_new_evp(key, &s), "signer over A.2 key"))
                return;
        is_ok(signer_sign(s, NID_sha256, input, strlen(input), &sig, &sig_len), "sign A.2 input");
        is_ok(b64_encode(B64_URL, sig, sig_len, &sig_b64), "encode");
        is_str(sig_b64, A2_SIGNATURE, "signature bytes equal RFC 7515 A.2");
        /* {"alg":"RS256"} is exactly the A.2 protected header, so the
         * whole compact serialization must come out as printed. */
        is_ok(jws_sign_compact(s, NULL, rfc_payload, strlen(rfc_payload), &compact),
              "jws_sign_compact with the A.2 key");
        is_str(compact, A2_COMPACT, "compact JWS equals RFC 7515 A.2");
}

static void test_rfc7515_a3(void) {
        _cleanup_pkey_ EVP_PKEY *priv = load_pem(a3_pem), *pub = public_from_jwk(A3_JWK);
        _cleanup_pkey_ EVP_PKEY *other = EVP_EC_gen("P-256");
        _cleanup_(jws_freep) jws *j = NULL;
        const char *flattened = "{\"payload\":\"" RFC_PAYLOAD_B64 "\",\"protected\":\"" A3_PROTECTED
                                "\",\"signature\":\"" A3_SIGNATURE "\"}";

        if (!ok(priv && pub, "load RFC 7515 A.3 keys"))
                return;
        if (is_ok(parse_compact(A3_COMPACT, JWS_ALG_ES256, &j), "parse A.3 compact JWS")) {
                is_int(j->alg, JWS_ALG_ES256, "A.3 alg");
                is_mem(j->payload, j->payload_len, rfc_payload, strlen(rfc_payload), "A.3 payload");
                is_int(j->signature_len, 64, "A.3 signature is raw r||s");
                is_ok(jws_verify(j, pub), "A.3 verifies with the public JWK");
                is_ok(jws_verify(j, priv), "A.3 verifies with the private key");
                is_err(jws_verify(j, other), -EBADMSG, "A.3 fails with another P-256 key");
        }
        is_ok(parse_and_verify(flattened, true, pub), "A.3 as flattened JSON verifies");
}

static void tamper(char *s, size_t pos) {
        /* Swap between two base64url characters that both decode. */
        s[pos] = s[pos] == 'A' ? 'B' : 'A';
}

static void test_round_trip(EVP_PKEY *key, EVP_PKEY *wrong_same_type, EVP_PKEY *other_type,
                            const char *name, size_t sig_len) {
        _cleanup_(signer_freep) signer *s = NULL;
        _cleanup_json_ json_object *header = json_object_new_object();
        _cleanup_free_ char *flat = NULL, *compact = NULL, *header_text = NULL;
        _cleanup_(jws_freep) jws *j = NULL;
        static const char payload[] = "{\"hello\":\"world/\"}";
        const char *nonce = NULL;
        char label[128];

        if (!is_ok(signer_new_evp(key, &s), "signer"))
                return;
        json_add_string(header, "nonce", "abc-DEF_123");
        json_add_string(header, "typ", "JWT");

        snprintf(label, sizeof(label), "%s sign flattened", name);
        is_ok(jws_sign_flattened(s, header, payload, strlen(payload), &flat), label);
        snprintf(label, sizeof(label), "%s sign compact", name);
        is_ok(jws_sign_compact(s, header, payload, strlen(payload), &compact), label);
        is_ok(json_to_string_dup(header, &header_text), "serialize caller's header");
        is_str(header_text, "{\"nonce\":\"abc-DEF_123\",\"typ\":\"JWT\"}", "caller's header unchanged");
        if (!flat || !compact)
                return;

        snprintf(label, sizeof(label), "%s flattened parses", name);
        if (is_ok(parse_flattened(flat, JWS_ALG_ALL, &j), label)) {
                is_str(jws_alg_to_string(j->alg), name, "alg in header");
                is_ok(json_get_string(j->header, "nonce", &nonce), "nonce in header");
                is_str(nonce, "abc-DEF_123", "nonce value");
                is_mem(j->payload, j->payload_len, payload, strlen(payload), "payload");
                snprintf(label, sizeof(label), "%s signature is %zu bytes", name, sig_len);
                is_int(j->signature_len, sig_len, label);
                snprintf(label, sizeof(label), "%s flattened verifies", name);
                is_ok(jws_verify(j, key), label);
                is_err(jws_verify(j, wrong_same_type), -EBADMSG, "another key of the type fails");
                is_err(jws_verify(j, other_type), -EBADMSG, "a key of another type/curve fails");
        }
        snprintf(label, sizeof(label), "%s compact verifies", name);
        is_ok(parse_and_verify(compact, false, key), label);

        /* Tampering: one character in each part of the compact form. */
        char *dot1 = strchr(compact, '.'), *dot2 = strrchr(compact, '.');
        _cleanup_free_ char *t1 = strdup(compact), *t2 = strdup(compact), *t3 = strdup(compact);
        tamper(t1, 5);                                 /* protected header */
        tamper(t2, (size_t) (dot1 - compact) + 3);     /* payload */
        tamper(t3, (size_t) (dot2 - compact) + 10);    /* signature */
        snprintf(label, sizeof(label), "%s tampered header fails", name);
        ok(parse_and_verify(t1, false, key) < 0, label);
        snprintf(label, sizeof(label), "%s tampered payload fails", name);
        is_err(parse_and_verify(t2, false, key), -EBADMSG, label);
        snprintf(label, sizeof(label), "%s tampered signature fails", name);
        is_err(parse_and_verify(t3, false, key), -EBADMSG, label);

        /* The allow-list: the same JWS is refused when its alg is not allowed. */
        jws *none = NULL;
        is_err(parse_compact(compact, JWS_ALG_ALL & ~j->alg, &none), -EPROTONOSUPPORT,
               "alg outside the allow-list refused");
        ok(!none, "no jws on failure");
}

/* Many ES256/ES384 signatures: r or s below 2^(8(n-1)) happens about once
 * in 128 signatures, and must still come out left-padded to full width. */
static void test_ecdsa_widths(EVP_PKEY *key, size_t want) {
        _cleanup_(signer_freep) signer *s = NULL;
        unsigned good = 0, total = 600;

        if (signer_new_evp(key, &s) < 0)
                return;
        for (unsigned i = 0; i < total; i++) {
                _cleanup_free_ char *c = NULL;
                _cleanup_(jws_freep) jws *j = NULL;
                char payload[16];

                snprintf(payload, sizeof(payload), "%u", i);
                if (jws_sign_compact(s, NULL, payload, strlen(payload), &c) >= 0 &&
                    parse_compact(c, JWS_ALG_ALL, &j) >= 0 && j->signature_len == want &&
                    jws_verify(j, key) >= 0)
                        good++;
        }
        is_int(good, total, "every ECDSA signature is full width and verifies");
}

static void test_acme_request(EVP_PKEY *account) {
        _cleanup_(signer_freep) signer *s = NULL;
        _cleanup_json_ json_object *header = json_object_new_object(), *jwk = NULL;
        _cleanup_free_ char *body = NULL;
        _cleanup_(jws_freep) jws *j = NULL;
        _cleanup_pkey_ EVP_PKEY *from_header = NULL;
        json_object *hjwk = NULL;
        const char *url = NULL, *nonce = NULL;

        if (!is_ok(signer_new_evp(account, &s), "account signer") ||
            !is_ok(jwk_from_pkey(account, &jwk), "account JWK"))
                return;
        json_add_string(header, "nonce", "8Ymz3wEYNZ0wHpVRYUsApQ");
        json_add_string(header, "url", "https://ca.example:8443/acme/acme/account/abc");
        json_add_object(header, "jwk", TAKE_PTR(jwk));

        /* POST-as-GET: the payload is the empty string. */
        if (!is_ok(jws_sign_flattened(s, header, "", 0, &body), "sign POST-as-GET request"))
                return;
        ok(strstr(body, "\"payload\":\"\""), "payload member is the empty string");
        if (!is_ok(jws_parse_flattened(body, strlen(body), 64 * 1024, JWS_ALG_ALL, &j),
                   "parse ACME request"))
                return;
        is_int(j->payload_len, 0, "empty payload");
        ok(j->payload && j->payload[0] == 0, "payload buffer is an empty string");
        is_ok(json_get_string(j->header, "url", &url), "url in protected header");
        is_str(url, "https://ca.example:8443/acme/acme/account/abc", "url exact");
        is_ok(json_get_string(j->header, "nonce", &nonce), "nonce in protected header");
        is_ok(json_get_object(j->header, "jwk", &hjwk), "jwk in protected header");
        is_ok(jwk_to_pkey(hjwk, &from_header), "jwk imports");
        is_ok(jws_verify(j, from_header), "request verifies with the key from its own header");

        /* The protected header on the wire has unescaped slashes and alg first. */
        _cleanup_free_ uint8_t *raw = NULL;
        size_t raw_len = 0;
        const char *dot = strchr(j->signing_input, '.');
        is_ok(b64_decode(B64_URL, j->signing_input, (size_t) (dot - j->signing_input), 4096, &raw,
                         &raw_len),
              "decode protected header");
        ok(raw && strncmp((char *) raw, "{\"alg\":\"ES256\",\"nonce\":", 23) == 0, "alg comes first");
        ok(raw && strstr((char *) raw, "\"url\":\"https://ca.example:8443/acme/acme/account/abc\""),
           "url not slash-escaped");
}

static void test_sign_refusals(EVP_PKEY *p256) {
        _cleanup_(signer_freep) signer *s = NULL;
        _cleanup_json_ json_object *wrong = json_object_new_object(),
                                   *same = json_object_new_object(), *arr = json_object_new_array();
        _cleanup_free_ char *out = NULL;
        char *none = NULL;

        if (signer_new_evp(p256, &s) < 0)
                return;
        json_add_string(wrong, "alg", "RS256");
        json_add_string(same, "alg", "ES256");
        is_err(jws_sign_compact(s, wrong, "x", 1, &none), -EINVAL, "header alg that differs from the key");
        is_err(jws_sign_flattened(s, arr, "x", 1, &none), -EINVAL, "header that is not an object");
        ok(!none, "no output");
        is_ok(jws_sign_compact(s, same, "x", 1, &out), "header alg equal to the key's is fine");
        ok(out && strncmp(out, "eyJhbGciOiJFUzI1NiJ9.", 21) == 0, "alg appears once");
}

static void refused_flat(const char *s, int err, const char *what) {
        jws *j = NULL;
        is_err(parse_flattened(s, JWS_ALG_ALL, &j), err, what);
        ok(!j, "no jws on failure");
}

static void refused_compact(const char *s, int err, const char *what) {
        jws *j = NULL;
        is_err(parse_compact(s, JWS_ALG_ALL, &j), err, what);
        ok(!j, "no jws on failure");
}

#define FLAT(extra) "{\"protected\":\"" A3_PROTECTED "\",\"payload\":\"\",\"signature\":\"" A3_SIGNATURE "\"" extra "}"

static void test_parse_refusals(void) {
        jws *j = NULL;

        /* {"alg":"none"}, {"alg":"HS256"}, {"typ":"JWT"}, {"alg":5},
         * {"alg":"ES256","crit":["exp"]}, and "[]" as protected headers. */
        refused_compact("eyJhbGciOiJub25lIn0." RFC_PAYLOAD_B64 ".", -EPROTONOSUPPORT, "alg none, empty signature");
        refused_compact(A3_PROTECTED "." RFC_PAYLOAD_B64 ".", -EBADMSG, "empty signature");
        refused_compact("eyJhbGciOiJub25lIn0." RFC_PAYLOAD_B64 "." A3_SIGNATURE, -EPROTONOSUPPORT, "alg none");
        refused_compact("eyJhbGciOiJIUzI1NiJ9." RFC_PAYLOAD_B64 "." A3_SIGNATURE, -EPROTONOSUPPORT, "alg HS256");
        refused_compact("eyJ0eXAiOiJKV1QifQ." RFC_PAYLOAD_B64 "." A3_SIGNATURE, -EBADMSG, "alg missing");
        refused_compact("eyJhbGciOjV9." RFC_PAYLOAD_B64 "." A3_SIGNATURE, -EBADMSG, "alg not a string");
        refused_compact("eyJhbGciOiJFUzI1NiIsImNyaXQiOlsiZXhwIl19." RFC_PAYLOAD_B64 "." A3_SIGNATURE,
                        -EBADMSG, "crit present");
        refused_compact("W10." RFC_PAYLOAD_B64 "." A3_SIGNATURE, -EBADMSG, "protected header is an array");
        refused_compact("." RFC_PAYLOAD_B64 "." A3_SIGNATURE, -EBADMSG, "empty protected header");
        refused_compact(A3_PROTECTED "." RFC_PAYLOAD_B64, -EBADMSG, "two parts");
        refused_compact(A3_COMPACT ".", -EBADMSG, "four parts");
        refused_compact(A3_PROTECTED "=." RFC_PAYLOAD_B64 "." A3_SIGNATURE, -EBADMSG, "padded part");
        refused_compact(A3_PROTECTED ". " RFC_PAYLOAD_B64 "." A3_SIGNATURE, -EBADMSG, "space");
        refused_compact("", -EBADMSG, "empty input");
        refused_compact("..", -EBADMSG, "only dots");
        is_err(jws_parse_compact(A3_COMPACT, strlen(A3_COMPACT), 100, JWS_ALG_ALL, &j), -E2BIG,
               "compact above max_len");

        refused_flat(FLAT(",\"header\":{\"kid\":\"1\"}"), -EBADMSG, "unprotected header refused");
        refused_flat(FLAT(",\"extra\":1"), -EBADMSG, "unknown member refused");
        refused_flat("{\"payload\":\"\",\"signatures\":[{\"protected\":\"" A3_PROTECTED
                     "\",\"signature\":\"" A3_SIGNATURE "\"}]}",
                     -EBADMSG, "general serialization refused");
        refused_flat("{\"protected\":\"" A3_PROTECTED "\",\"payload\":\"\"}", -EBADMSG, "signature missing");
        refused_flat("{\"protected\":\"" A3_PROTECTED "\",\"signature\":\"" A3_SIGNATURE "\"}", -EBADMSG,
                     "payload missing");
        refused_flat("{\"protected\":\"" A3_PROTECTED "\",\"payload\":{},\"signature\":\"" A3_SIGNATURE "\"}",
                     -EBADMSG, "payload not a string");
        refused_flat("{\"protected\":\"" A3_PROTECTED "\",\"payload\":\"\",\"signature\":\"\"}", -EBADMSG,
                     "empty signature");
        refused_flat("{\"protected\":\"eyJhbGciOiJub25lIn0\",\"payload\":\"\",\"signature\":\"" A3_SIGNATURE "\"}",
                     -EPROTONOSUPPORT, "flattened alg none");
        refused_flat("{\"protected\":\"" A3_PROTECTED "\",\"payload\":\"a+b\",\"signature\":\"" A3_SIGNATURE "\"}",
                     -EBADMSG, "payload in the std alphabet");
        refused_flat("{\"protected\":\"" A3_PROTECTED "\",\"protected\":\"" A3_PROTECTED
                     "\",\"payload\":\"\",\"signature\":\"" A3_SIGNATURE "\"}",
                     -EBADMSG, "duplicate protected member");
        refused_flat("[" FLAT("") "]", -EBADMSG, "array instead of object");
        refused_flat(FLAT("") "x", -EBADMSG, "trailing garbage");
        is_err(jws_parse_flattened(FLAT(""), strlen(FLAT("")), 50, JWS_ALG_ALL, &j), -E2BIG,
               "flattened above max_len");
        is_err(jws_parse_flattened(FLAT(""), JWS_MAX_SIZE + 1, SIZE_MAX, JWS_ALG_ALL, &j), -E2BIG,
               "above JWS_MAX_SIZE whatever max_len says");
        ok(!j, "no jws");
}

/* A DER ECDSA signature or one of the wrong width must not verify. */
static void test_signature_shapes(EVP_PKEY *p256) {
        _cleanup_(jws_freep) jws *j = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        size_t der_len = 0;

        if (!is_ok(parse_compact(A3_COMPACT, JWS_ALG_ALL, &j), "parse A.3"))
                return;
        _cleanup_pkey_ EVP_PKEY *pub = public_from_jwk(A3_JWK);
        is_ok(crypto_ecdsa_raw_to_der(j->signature, j->signature_len, &der, &der_len), "A.3 signature as DER");
        free(j->signature);
        j->signature = TAKE_PTR(der);
        j->signature_len = der_len;
        is_err(jws_verify(j, pub), -EBADMSG, "DER-encoded ECDSA signature refused");
        j->signature_len = 63;
        is_err(jws_verify(j, pub), -EBADMSG, "63-byte signature refused");
        is_err(jws_verify(j, p256), -EBADMSG, "unrelated key refused");
}

int main(void) {
        _cleanup_pkey_ EVP_PKEY *p256 = EVP_EC_gen("P-256"), *p256b = EVP_EC_gen("P-256");
        _cleanup_pkey_ EVP_PKEY *p384 = EVP_EC_gen("P-384"), *p384b = EVP_EC_gen("P-384");
        _cleanup_pkey_ EVP_PKEY *rsa = EVP_RSA_gen(2048), *rsab = EVP_RSA_gen(2048);

        if (!ok(p256 && p256b && p384 && p384b && rsa && rsab, "generate test keys"))
                return tap_done();
        test_alg_names();
        test_alg_for_key(p256, p384, rsa);
        test_rfc7515_a2();
        test_rfc7515_a3();
        test_round_trip(p256, p256b, p384, "ES256", 64);
        test_round_trip(p384, p384b, p256, "ES384", 96);
        test_round_trip(rsa, rsab, p256, "RS256", 256);
        test_ecdsa_widths(p256, 64);
        test_ecdsa_widths(p384, 96);
        test_acme_request(p256);
        test_sign_refusals(p256);
        test_parse_refusals();
        test_signature_shapes(p256);
        return tap_done();
}
