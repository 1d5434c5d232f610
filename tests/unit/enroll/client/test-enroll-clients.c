/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the pure parts of the enrollment clients: the ACME body
 * parsers and key authorization (enroll/acme-wire.c), the attObj builder
 * and device chain checks (enroll/device-attest-client.c), and the X5C
 * token, /1.0/sign body and --account parsing (enroll/sign-client.c).
 * Fixed vectors; certificates are made at run time from the fixed keys of
 * tests/unit/data/crypto.
 */
#include <cbor.h>

#include "b64.h"
#include "enroll/client/acme-client.h"
#include "enroll/client/device-attest-client.h"
#include "enroll/client/identity-check.h"
#include "enroll/client/sign-client.h"
#include "json.h"
#include "jwk.h"
#include "jws.h"
#include "tests/unit/cert-builder.h"
#include "tests/unit/crypto-testdata.h"
#include "tests/unit/tap.h"
#include "x509.h"

#define EK_URI "urn:ek:sha256:kUEFyBs0VW2RSo9uEz2cWmnMvn+7ZGU/Zu/XxXL6Ctg="
#define S(x) x, strlen(x)

static void test_directory(void) {
        acme_directory d = {};

        is_int(acme_parse_directory(S("{\"newNonce\":\"https://ca/acme/a/new-nonce\",\"newAccount\":"
                                      "\"https://ca/acme/a/new-account\",\"newOrder\":\"https://ca/acme/a/new-order\","
                                      "\"meta\":{\"x\":1}}"),
                                    &d),
               0, "directory parses");
        is_str(d.new_nonce, "https://ca/acme/a/new-nonce", "newNonce");
        is_str(d.new_order, "https://ca/acme/a/new-order", "newOrder");
        acme_directory_done(&d);
        is_int(acme_parse_directory(S("{\"newNonce\":\"https://a\",\"newAccount\":\"https://b\"}"), &d), -EBADMSG,
               "directory without newOrder");
        is_int(acme_parse_directory(S("{\"newNonce\":\"ftp://a\",\"newAccount\":\"https://b\",\"newOrder\":\"https://c\"}"),
                                    &d),
               -EBADMSG, "directory with a non-https URL");
        is_int(acme_parse_directory(S("{\"newNonce\":\"https://a b\",\"newAccount\":\"https://b\",\"newOrder\":\"https://c\"}"),
                                    &d),
               -EBADMSG, "directory URL with a blank");
        is_int(acme_parse_directory(S("[]"), &d), -EBADMSG, "directory that is not an object");
        is_int(acme_parse_directory(S("{\"newNonce\":1}"), &d), -EBADMSG, "directory member of the wrong type");
}

static void test_order(void) {
        acme_order o = {};
        _cleanup_free_ char *big = NULL;

        is_int(acme_parse_order(S("{\"status\":\"pending\",\"identifiers\":[],\"authorizations\":"
                                  "[\"https://ca/authz/1\"],\"finalize\":\"https://ca/order/1/finalize\"}"),
                                &o),
               0, "pending order parses");
        is_int(o.status, ACME_STATUS_PENDING, "order status");
        is_int(o.n_authorizations, 1, "one authorization");
        is_str(o.authorizations[0], "https://ca/authz/1", "authorization URL");
        ok(!o.certificate, "no certificate yet");
        acme_order_done(&o);
        is_int(acme_parse_order(S("{\"status\":\"valid\",\"authorizations\":[\"https://a\"],\"finalize\":\"https://f\","
                                  "\"certificate\":\"https://c\"}"),
                                &o),
               0, "valid order parses");
        is_str(o.certificate, "https://c", "certificate URL");
        acme_order_done(&o);
        is_int(acme_parse_order(S("{\"status\":\"valid\",\"authorizations\":[\"https://a\"],\"finalize\":\"https://f\"}"),
                                &o),
               -EBADMSG, "valid order without certificate");
        is_int(acme_parse_order(S("{\"status\":\"done\",\"authorizations\":[\"https://a\"],\"finalize\":\"https://f\"}"),
                                &o),
               -EBADMSG, "unknown status");
        is_int(acme_parse_order(S("{\"status\":\"ready\",\"authorizations\":[],\"finalize\":\"https://f\"}"), &o),
               -EBADMSG, "no authorizations");
        is_int(acme_parse_order(S("{\"status\":\"ready\",\"authorizations\":[1],\"finalize\":\"https://f\"}"), &o),
               -EBADMSG, "authorization not a string");
        is_int(acme_parse_order(S("{\"status\":\"ready\",\"authorizations\":[\"https://a\",\"https://a\",\"https://a\","
                                  "\"https://a\",\"https://a\",\"https://a\",\"https://a\",\"https://a\",\"https://a\","
                                  "\"https://a\",\"https://a\",\"https://a\",\"https://a\",\"https://a\",\"https://a\","
                                  "\"https://a\",\"https://a\"],\"finalize\":\"https://f\"}"),
                                &o),
               -E2BIG, "17 authorizations");
        big = calloc(ACME_MAX_RESPONSE + 2, 1);
        memset(big, ' ', ACME_MAX_RESPONSE + 1);
        is_int(acme_parse_order(big, ACME_MAX_RESPONSE + 1, &o), -E2BIG, "body above the limit");
}

static void test_authorization(void) {
        acme_authorization a = {};
        acme_challenge c = {};
        const acme_challenge *ch;

        is_int(acme_parse_authorization(
                       S("{\"status\":\"pending\",\"identifier\":{\"type\":\"permanent-identifier\",\"value\":\"" EK_URI
                         "\"},\"challenges\":[{\"type\":\"device-attest-01\",\"url\":\"https://ca/chall/1\","
                         "\"status\":\"pending\",\"token\":\"abcDEF-_0123456789abcdefghij\"}],\"expires\":\"x\"}"),
                       &a),
               0, "authorization parses");
        is_str(a.identifier_value, EK_URI, "identifier value");
        ch = acme_authorization_find(&a, "device-attest-01");
        ok(ch && streq(ch->url, "https://ca/chall/1"), "device-attest-01 found");
        ok(ch && streq(ch->token, "abcDEF-_0123456789abcdefghij"), "token");
        ok(!acme_authorization_find(&a, "http-01"), "no http-01");
        acme_authorization_done(&a);
        is_int(acme_parse_authorization(S("{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\",\"value\":\"x\"},"
                                          "\"challenges\":[{\"type\":\"http-01\",\"url\":\"https://c\",\"status\":"
                                          "\"pending\",\"token\":\"a+b\"}]}"),
                                        &a),
               -EBADMSG, "token outside base64url");
        is_int(acme_parse_authorization(S("{\"status\":\"pending\",\"challenges\":[]}"), &a), -EBADMSG,
               "authorization without identifier");

        is_int(acme_parse_challenge(S("{\"type\":\"device-attest-01\",\"url\":\"https://c\",\"status\":\"invalid\","
                                      "\"error\":{\"type\":\"urn:ietf:params:acme:error:badAttestationStatement\","
                                      "\"detail\":\"bad\\nsig\"}}"),
                                    &c),
               0, "invalid challenge parses");
        is_int(c.status, ACME_STATUS_INVALID, "challenge status");
        is_str(c.error_detail, "bad?sig", "error detail sanitized");
        acme_challenge_done(&c);
}

static void test_problem_and_retry(void) {
        acme_problem p = {};
        unsigned s = 0;

        is_int(acme_parse_problem(S("{\"type\":\"urn:ietf:params:acme:error:badNonce\",\"detail\":\"stale\","
                                    "\"status\":400}"),
                                  &p),
               0, "problem parses");
        is_str(p.type, "urn:ietf:params:acme:error:badNonce", "problem type");
        is_str(p.detail, "stale", "problem detail");
        is_int(p.status, 400, "problem status");
        acme_problem_done(&p);
        is_int(acme_parse_problem(S("{\"detail\":\"x\"}"), &p), -ENOENT, "problem without type");
        is_int(acme_parse_problem(S("oops"), &p), -ENOENT, "problem that is not JSON");

        is_int(acme_parse_retry_after("7", &s), 0, "Retry-After 7");
        is_int(s, 7, "7 seconds");
        is_int(acme_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", &s), -EBADMSG, "HTTP date refused");
        is_int(acme_parse_retry_after("1234567890", &s), -EBADMSG, "10 digits refused");
        is_int(acme_parse_retry_after("", &s), -EBADMSG, "empty refused");
}

static void test_key_authorization(void) {
        /* RFC 7638 section 3.1: the example RSA key and its thumbprint. */
        static const char rfc7638_jwk[] =
                "{\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L"
                "6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Qv"
                "zqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2"
                "NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\",\"e\":\"AQAB\",\"alg\":\"RS256\","
                "\"kid\":\"2011-04-29\"}";
        _cleanup_json_ json_object *jwk = NULL;
        _cleanup_pkey_ EVP_PKEY *key = NULL;
        _cleanup_free_ char *ka = NULL;

        if (json_parse_object(S(rfc7638_jwk), 4096, &jwk) < 0 || jwk_to_pkey(jwk, &key) < 0) {
                ok(false, "RFC 7638 key loads");
                return;
        }
        is_int(acme_key_authorization("tok-en_1", key, &ka), 0, "key authorization");
        is_str(ka, "tok-en_1.NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", "token.thumbprint");
        is_int(acme_key_authorization("bad token", key, &ka), -EINVAL, "bad token refused");
}

static void test_attobj(void) {
        static const uint8_t one = 1, sig = 2, info = 3, area = 4;
        static const uint8_t want_es256[] = {
                0xa2, 0x63, 'f', 'm', 't', 0x63, 't', 'p', 'm', 0x67, 'a', 't', 't', 'S', 't', 'm', 't',
                0xa6, 0x63, 'v', 'e', 'r', 0x63, '2', '.', '0', 0x63, 'a', 'l', 'g', 0x26,
                0x63, 'x', '5', 'c', 0x81, 0x41, 0x01, 0x63, 's', 'i', 'g', 0x41, 0x02,
                0x68, 'c', 'e', 'r', 't', 'I', 'n', 'f', 'o', 0x41, 0x03,
                0x67, 'p', 'u', 'b', 'A', 'r', 'e', 'a', 0x41, 0x04,
        };
        const uint8_t *x5c[2] = { &one, &sig };
        size_t x5c_len[2] = { 1, 1 };
        _cleanup_free_ uint8_t *out = NULL, *out2 = NULL;
        _cleanup_free_ char *payload = NULL;
        struct cbor_load_result res;
        cbor_item_t *item;
        size_t len = 0, len2 = 0;

        is_int(device_attest_client_build_attobj(-7, x5c, x5c_len, 1, &sig, 1, &info, 1, &area, 1, &out, &len), 0,
               "attObj builds");
        is_mem(out, len, want_es256, sizeof(want_es256), "attObj ES256 fixed vector");

        is_int(device_attest_client_build_attobj(-257, x5c, x5c_len, 2, &sig, 1, &info, 1, &area, 1, &out2, &len2), 0,
               "attObj RS256 with two certificates");
        item = cbor_load(out2, len2, &res);
        ok(item && res.error.code == CBOR_ERR_NONE && res.read == len2, "attObj decodes completely");
        if (item && cbor_isa_map(item) && cbor_map_size(item) == 2) {
                struct cbor_pair *top = cbor_map_handle(item);
                cbor_item_t *stmt = top[1].value;

                ok(cbor_isa_string(top[0].value) && cbor_string_length(top[0].value) == 3 &&
                           memcmp(cbor_string_handle(top[0].value), "tpm", 3) == 0,
                   "fmt is tpm");
                ok(cbor_isa_map(stmt) && cbor_map_size(stmt) == 6, "attStmt has six members");
                if (cbor_isa_map(stmt) && cbor_map_size(stmt) == 6) {
                        struct cbor_pair *m = cbor_map_handle(stmt);

                        ok(cbor_isa_negint(m[1].value) && cbor_get_int(m[1].value) == 256, "alg is -257");
                        ok(cbor_isa_array(m[2].value) && cbor_array_size(m[2].value) == 2, "x5c holds two");
                        ok(cbor_isa_bytestring(m[5].value) && cbor_bytestring_handle(m[5].value)[0] == 4,
                           "pubArea bytes");
                }
        } else
                ok(false, "attObj is a map of two");
        if (item)
                cbor_decref(&item);

        is_int(device_attest_client_build_attobj(-8, x5c, x5c_len, 1, &sig, 1, &info, 1, &area, 1, &out2, &len2),
               -EINVAL, "unknown COSE alg");
        is_int(device_attest_client_build_attobj(-7, x5c, x5c_len, 0, &sig, 1, &info, 1, &area, 1, &out2, &len2),
               -EINVAL, "empty x5c");
        is_int(device_attest_client_build_payload(want_es256, 3, NULL, NULL, 0, &payload), 0, "payload builds");
        is_str(payload, "{\"attObj\":\"omNm\"}", "payload is base64url of the attObj");
        {
                _cleanup_json_ json_object *report = json_object_new_object();
                _cleanup_free_ char *with = NULL;

                ok(report && json_add_int64(report, "version", 1) >= 0, "a report object");
                _cleanup_free_ char *with_log = NULL;

                is_int(device_attest_client_build_payload(want_es256, 3, report, NULL, 0, &with), 0,
                       "payload with a report builds");
                is_str(with, "{\"attObj\":\"omNm\",\"posture\":{\"version\":1}}",
                       "the report is the payload's \"posture\" member");
                is_int(device_attest_client_build_payload(want_es256, 3, report, (const uint8_t *) "\x01\x02\x03\x04",
                                                          4, &with_log),
                       0, "payload with a report and an event log builds");
                is_str(with_log, "{\"attObj\":\"omNm\",\"posture\":{\"version\":1},\"eventlog\":\"AQIDBA==\"}",
                       "the event log is the payload's \"eventlog\" member, standard base64");
        }
}

typedef struct pki {
        EVP_PKEY *root_key, *leaf_key;
        X509 *root, *leaf, *other;
} pki;

static void pki_make(pki *p) {
        x509_san sans[] = { { .type = X509_SAN_PERMANENT_ID, .value = (char *) EK_URI } };

        p->root_key = testdata_key("root.key");
        p->leaf_key = testdata_key("p256.key");
        p->root = testcert_make(p->root_key, NULL, p->root_key, &(testcert_spec) { .cn = "Root", .ca = true });
        p->leaf = testcert_make(p->leaf_key, p->root, p->root_key,
                                &(testcert_spec) { .cn = NULL, .sans = sans, .n_sans = 1,
                                                   .eku = "clientAuth", .key_usage = "critical,digitalSignature" });
        p->other = testcert_make(p->leaf_key, p->root, p->root_key, &(testcert_spec) { .cn = "other" });
}

static void pki_done(pki *p) {
        EVP_PKEY_free(p->root_key);
        EVP_PKEY_free(p->leaf_key);
        X509_free(p->root);
        X509_free(p->leaf);
        X509_free(p->other);
}

static STACK_OF(X509) *stack_of(X509 *a, X509 *b) {
        STACK_OF(X509) *sk = sk_X509_new_null();

        X509_up_ref(a);
        sk_X509_push(sk, a);
        if (b) {
                X509_up_ref(b);
                sk_X509_push(sk, b);
        }
        return sk;
}

static void test_device_chain(const pki *p) {
        _cleanup_x509_stack_ STACK_OF(X509) *chain = stack_of(p->leaf, p->root), *roots = stack_of(p->root, NULL),
                                            *other = stack_of(p->other, p->root);
        const char *why = NULL;

        is_int(identity_check_chain(IDENTITY_CERT_DEVICE, chain, p->leaf_key, EK_URI, roots, 0, &why), 0,
               "device chain accepted");
        is_int(identity_check_chain(IDENTITY_CERT_DEVICE, chain, p->root_key, EK_URI, roots, 0, &why), -EBADE,
               "device chain for another key");
        is_int(identity_check_chain(IDENTITY_CERT_DEVICE, chain, p->leaf_key, "urn:ek:sha256:other", roots, 0, &why), -EBADE,
               "device chain for another EK URI");
        is_int(identity_check_chain(IDENTITY_CERT_DEVICE, other, p->leaf_key, EK_URI, roots, 0, &why), -EBADE,
               "device chain without PermanentIdentifier");
        is_int(identity_check_chain(IDENTITY_CERT_DEVICE, chain, p->leaf_key, EK_URI, roots, time(NULL) + 10 * 86400, &why),
               -EKEYREJECTED, "device chain expired");
}

static void test_account_spec(void) {
        sign_client_account a = {};

        is_int(sign_client_parse_account_spec("wifi", &a), 0, "NAME");
        ok(streq(a.name, "wifi") && streq(a.sub, "wifi") && a.n_sans == 0 && !a.tpm, "NAME fields");
        sign_client_account_done(&a);
        is_int(sign_client_parse_account_spec("web:web:web.example.org,10.0.0.1", &a), 0, "NAME:SUB:SANS");
        ok(a.n_sans == 2 && streq(a.sans[0], "web.example.org") && streq(a.sans[1], "10.0.0.1"), "SANS fields");
        sign_client_account_done(&a);
        is_int(sign_client_parse_account_spec("vpn:Alice:vpn.example.org:tpm", &a), 0, "NAME:SUB:SANS:tpm");
        ok(a.tpm && streq(a.sub, "Alice") && a.n_sans == 1, "tpm flag");
        sign_client_account_done(&a);
        is_int(sign_client_parse_account_spec("mtls:tpm", &a), 0, "NAME:tpm");
        ok(a.tpm && streq(a.sub, "mtls"), "NAME:tpm fields");
        sign_client_account_done(&a);
        is_int(sign_client_parse_account_spec("x::", &a), -EINVAL, "empty SAN list");
        is_int(sign_client_parse_account_spec("device", &a), -EINVAL, "reserved name");
        is_int(sign_client_parse_account_spec("Wifi", &a), -EINVAL, "upper-case name");
        is_int(sign_client_parse_account_spec("a:b:c:d", &a), -EINVAL, "too many fields");
        is_int(sign_client_parse_account_spec("a:b:c,,d", &a), -EINVAL, "empty SAN");
        is_int(sign_client_parse_account_spec("a:b:1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", &a), -E2BIG,
               "17 SANs");
}

static void test_claims_and_request(void) {
        _cleanup_free_ char *aud = NULL, *claims = NULL, *req = NULL;
        char *sans[] = { (char *) "web.example.org" };
        char jti[65];

        is_int(sign_client_audience("https://ca.example:8443/", "devices", &aud), 0, "audience");
        is_str(aud, "https://ca.example:8443/1.0/sign#x5c/devices", "audience value");
        free(TAKE_PTR(aud));
        is_int(sign_client_audience("https://ca.example/x", "devices", &aud), -EINVAL, "audience refuses a path");
        is_int(sign_client_audience("http://ca.example", "devices", &aud), -EINVAL, "audience refuses http");
        is_int(sign_client_build_claims("devices", "https://h/1.0/sign#x5c/devices", "web", sans, 1,
                                        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 1700000000,
                                        "AAAA", &claims),
               0, "claims build");
        is_str(claims,
               "{\"iss\":\"devices\",\"aud\":\"https://h/1.0/sign#x5c/devices\",\"sub\":\"web\",\"sans\":"
               "[\"web.example.org\"],\"iat\":1700000000,\"nbf\":1700000000,\"exp\":1700000300,\"jti\":"
               "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"cnf\":{\"x5rt#S256\":\"AAAA\"}}",
               "claims fixed vector");
        is_int(sign_client_new_jti(jti), 0, "jti");
        is_int(strlen(jti), 64, "jti is 64 characters");
        ok(strspn(jti, "0123456789abcdef") == 64, "jti is lowercase hex");
        is_int(sign_client_build_request("PEM", "a.b.c", NULL, 0, &req), 0, "request builds");
        is_str(req, "{\"csr\":\"PEM\",\"ott\":\"a.b.c\"}", "request fixed vector");
        {
                _cleanup_free_ char *with_log = NULL;

                is_int(sign_client_build_request("PEM", "a.b.c", (const uint8_t *) "\x01\x02\x03\x04", 4, &with_log), 0,
                       "request with an event log builds");
                is_str(with_log, "{\"csr\":\"PEM\",\"ott\":\"a.b.c\",\"eventlog\":\"AQIDBA==\"}",
                       "the event log beside the token, standard base64");
        }
}

static void test_token(const pki *p) {
        _cleanup_x509_stack_ STACK_OF(X509) *x5c = stack_of(p->leaf, p->root);
        _cleanup_(signer_freep) signer *s = NULL;
        _cleanup_free_ char *tok = NULL;
        _cleanup_(jws_freep) jws *j = NULL;
        json_object *arr;
        const char *v;

        if (signer_new_evp(p->leaf_key, &s) < 0) {
                ok(false, "signer");
                return;
        }
        is_int(sign_client_build_token(s, x5c, "device", "{\"sub\":\"x\"}", &tok), 0, "token builds");
        is_int(jws_parse_compact(tok, strlen(tok), JWS_MAX_SIZE, JWS_ALG_ALL, &j), 0, "token parses");
        if (!j)
                return;
        is_int(j->alg, JWS_ALG_ES256, "ES256");
        ok(json_get_string(j->header, "typ", &v) >= 0 && streq(v, "JWT"), "typ JWT");
        ok(json_get_string(j->header, "kid", &v) >= 0 && streq(v, "device"), "kid");
        ok(json_get_array(j->header, "x5c", &arr) >= 0 && json_object_array_length(arr) == 2, "x5c of two");
        is_int(jws_verify(j, p->leaf_key), 0, "token signature verifies");
        is_mem(j->payload, j->payload_len, "{\"sub\":\"x\"}", 11, "token payload");
}

static char *json_pem_pair(X509 *crt, X509 *ca, X509 *first) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
        _cleanup_json_ json_object *o = json_object_new_object(), *arr = json_object_new_array();
        char *s = NULL;

        if (x509_cert_to_pem(crt, &a) < 0 || x509_cert_to_pem(ca, &b) < 0 || x509_cert_to_pem(first, &c) < 0)
                abort();
        json_add_string(o, "crt", a);
        json_add_string(o, "ca", b);
        json_object_array_add(arr, json_object_new_string(c));
        json_object_array_add(arr, json_object_new_string(b));
        json_add_object(o, "certChain", TAKE_PTR(arr));
        if (json_to_string_dup(o, &s) < 0)
                abort();
        return s;
}

static void test_sign_response(const pki *p) {
        _cleanup_free_ char *good = json_pem_pair(p->leaf, p->root, p->leaf),
                            *mismatch = json_pem_pair(p->leaf, p->root, p->other), *big = NULL;
        _cleanup_free_ char *crt = NULL, *only = NULL;
        STACK_OF(X509) *chain = NULL;

        is_int(sign_client_parse_response(good, strlen(good), &chain), 0, "sign response parses");
        ok(chain && sk_X509_num(chain) == 2 && X509_cmp(sk_X509_value(chain, 0), p->leaf) == 0 &&
                   X509_cmp(sk_X509_value(chain, 1), p->root) == 0,
           "chain is crt, then certChain[1]");
        x509_stack_free(TAKE_PTR(chain));
        is_int(sign_client_parse_response(mismatch, strlen(mismatch), &chain), -EBADMSG, "certChain[0] != crt");
        if (x509_cert_to_pem(p->leaf, &crt) < 0 || asprintf(&only, "{\"crt\":\"%s\"}", "x") < 0)
                abort();
        is_int(sign_client_parse_response(only, strlen(only), &chain), -EBADMSG, "crt not a PEM");
        is_int(sign_client_parse_response(S("{\"ca\":\"x\"}"), &chain), -EBADMSG, "no crt");
        is_int(sign_client_parse_response(S("{\"status\":403,\"message\":\"no\"}"), &chain), -EBADMSG, "error body");
        big = calloc(SIGN_CLIENT_MAX_RESPONSE + 2, 1);
        memset(big, ' ', SIGN_CLIENT_MAX_RESPONSE + 1);
        is_int(sign_client_parse_response(big, SIGN_CLIENT_MAX_RESPONSE + 1, &chain), -E2BIG, "too large");
}

int main(void) {
        pki p = {};

        test_directory();
        test_order();
        test_authorization();
        test_problem_and_retry();
        test_key_authorization();
        test_attobj();
        pki_make(&p);
        test_device_chain(&p);
        test_account_spec();
        test_claims_and_request();
        test_token(&p);
        test_sign_response(&p);
        pki_done(&p);
        return tap_done();
}
