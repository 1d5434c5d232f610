/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the pure half of the Attestation CA client
 * (enroll/attest-wire.c): the /attest request built from fixed TPM info,
 * EK and AK params; the /attest and /secret responses and error bodies,
 * good and bad (missing member, wrong type, bad base64, size prefix
 * mismatch, oversized, too many certificates, non-certificate DER); the
 * secret request; request IDs and URLs; and the checks an issued AK
 * certificate chain must pass, on certificates made for each case.
 */
#include <stdarg.h>

#include "b64.h"
#include "enroll/client/attest-wire.h"
#include "enroll/client/failure.h"
#include "enroll/client/identity-check.h"
#include "enroll/client/url.h"
#include "json.h"
#include "log.h"
#include "tests/unit/cert-builder.h"
#include "tests/unit/crypto-testdata.h"
#include "tests/unit/tap.h"

#define EK_URI "urn:ek:sha256:kUEFyBs0VW2RSo9uEz2cWmnMvn+7ZGU/Zu/XxXL6Ctg="
#define OTHER_URI "urn:ek:sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

static char *b64(const void *data, size_t len) {
        char *s = NULL;

        if (b64_encode(B64_STD, data, len, &s) < 0)
                abort();
        return s;
}

static char *strf(const char *fmt, ...) _printf_(1, 2);
static char *strf(const char *fmt, ...) {
        va_list ap;
        char *s;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                abort();
        va_end(ap);
        return s;
}

/* ---- /attest request ---- */

static void check_b64_member(json_object *o, const char *key, const void *want, size_t want_len) {
        _cleanup_free_ uint8_t *got = NULL;
        size_t got_len = 0;

        is_ok(json_get_b64(o, key, B64_STD, 100000, &got, &got_len), key);
        is_mem(got, got_len, want, want_len, key);
}

static void test_attest_request(void) {
        static const uint8_t pub[] = { 0x00, 0x23, 0x00, 0x0b, 0x01 }, cdata[] = { 0x00, 0x00, 0x01 },
                             attest[] = { 0xff, 0x54, 0x43, 0x47, 0x80, 0x1a }, sig[] = { 0x00, 0x18, 0x00 };
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *ek_key = testdata_key("rsa2048.pub");
        _cleanup_free_ char *cert = NULL, *s = NULL, *s2 = NULL;
        _cleanup_free_ uint8_t *spki = NULL;
        _cleanup_json_ json_object *o = NULL, *o2 = NULL;
        json_object *ti, *certs, *params;
        const char *str;
        int64_t version = 0;
        size_t cert_len, spki_len;
        tpm_info info = {
                .manufacturer_dec = "1229081888",
                .model = "SW   TPM",
                .firmware = "8217.4131",
        };
        tpm_ak_params p = {
                .public = (uint8_t *) pub, .public_len = sizeof(pub),
                .create_data = (uint8_t *) cdata, .create_data_len = sizeof(cdata),
                .attest = (uint8_t *) attest, .attest_len = sizeof(attest),
                .signature = (uint8_t *) sig, .signature_len = sizeof(sig),
        };
        tpm_ek ek = { .type = TPM_EK_RSA2048, .pkey = ek_key };

        printf("# /attest request\n");
        cert = testdata_read("leaf.crt.der", &cert_len);
        ek.cert = (uint8_t *) cert;
        ek.cert_len = cert_len;
        if (crypto_pubkey_to_der(ek_key, &spki, &spki_len) < 0)
                abort();

        is_ok(attest_client_build_attest_request(&info, &ek, &p, &s), "build /attest request");
        is_ok(json_parse_object(s, strlen(s), 1 << 20, &o), "it is a JSON object");
        if (!o)
                return;
        is_ok(json_get_object(o, "tpmInfo", &ti), "tpmInfo");
        is_ok(json_get_int64(ti, "version", &version), "tpmInfo.version");
        is_int(version, 2, "tpmInfo.version is 2");
        is_ok(json_get_string(ti, "manufacturer", &str), "tpmInfo.manufacturer");
        is_str(str, "1229081888", "manufacturer as decimal");
        is_ok(json_get_string(ti, "model", &str), "tpmInfo.model");
        is_str(str, "SW   TPM", "model");
        is_ok(json_get_string(ti, "firmwareVersion", &str), "tpmInfo.firmwareVersion");
        is_str(str, "8217.4131", "firmwareVersion");
        check_b64_member(o, "ek", spki, spki_len);
        is_ok(json_get_array(o, "ekCerts", &certs), "ekCerts");
        is_int(json_object_array_length(certs), 1, "one EK certificate");
        if (json_object_array_length(certs) == 1) {
                _cleanup_free_ char *want = b64(cert, cert_len);
                is_str(json_object_get_string(json_object_array_get_idx(certs, 0)), want,
                       "ekCerts[0] is the DER certificate");
        }
        is_ok(json_get_object(o, "params", &params), "params");
        check_b64_member(params, "public", pub, sizeof(pub));
        check_b64_member(params, "createData", cdata, sizeof(cdata));
        check_b64_member(params, "createAttestation", attest, sizeof(attest));
        check_b64_member(params, "createSignature", sig, sizeof(sig));

        /* Without an EK certificate: an empty array, not null. */
        ek.cert = NULL;
        ek.cert_len = 0;
        is_ok(attest_client_build_attest_request(&info, &ek, &p, &s2), "build without EK cert");
        is_ok(json_parse_object(s2, strlen(s2), 1 << 20, &o2), "parses");
        if (o2) {
                is_ok(json_get_array(o2, "ekCerts", &certs), "ekCerts still an array");
                is_int(json_object_array_length(certs), 0, "and empty");
        }

        p.attest_len = 0;
        is_err(attest_client_build_attest_request(&info, &ek, &p, &s2), -EINVAL, "empty param refused");
        p.attest_len = sizeof(attest);
        memset(info.model, 'x', sizeof(info.model));
        is_err(attest_client_build_attest_request(&info, &ek, &p, &s2), -EINVAL,
               "unterminated info string refused");
}

/* ---- /attest response ---- */

static void attest_bad(const char *body, int want, const char *what) {
        attest_challenge c = { .credential = (uint8_t *) "sentinel" };

        is_err(attest_client_parse_attest_response(body, strlen(body), &c), want, what);
        ok(c.credential && memcmp(c.credential, "sentinel", 8) == 0, "output untouched on failure");
}

static void test_attest_response(void) {
        static const uint8_t cred[] = { 0, 4, 1, 2, 3, 4 }, sec[] = { 0, 3, 0xa, 0xb, 0xc };
        _cleanup_(attest_challenge_done) attest_challenge c = {};
        _cleanup_free_ char *big = NULL, *max = NULL, *over = NULL, *huge = NULL;
        uint8_t blob[ATTEST_CLIENT_MAX_BLOB + 1];
        const char *good = "{\"credential\":\"AAQBAgME\",\"secret\":\"AAMKCww=\"}";

        printf("# /attest response\n");
        is_ok(attest_client_parse_attest_response(good, strlen(good), &c), "good response");
        is_mem(c.credential, c.credential_len, cred, sizeof(cred), "credential keeps its prefix");
        is_mem(c.secret, c.secret_len, sec, sizeof(sec), "secret keeps its prefix");
        attest_challenge_done(&c);

        good = " {\"secret\":\"AAMKCww=\",\"other\":[1,2],\"credential\":\"AAQBAgME\"}\n";
        is_ok(attest_client_parse_attest_response(good, strlen(good), &c),
              "members in any order, unknown ones ignored, whitespace");
        attest_challenge_done(&c);

        attest_bad("{\"secret\":\"AAMKCww=\"}", -EBADMSG, "missing credential");
        attest_bad("{\"credential\":\"AAQBAgME\"}", -EBADMSG, "missing secret");
        attest_bad("{\"credential\":42,\"secret\":\"AAMKCww=\"}", -EBADMSG, "credential not a string");
        attest_bad("{\"credential\":\"AAQBAgME\",\"secret\":null}", -EBADMSG, "secret null");
        attest_bad("{\"credential\":[\"AAQBAgME\"],\"secret\":\"AAMKCww=\"}", -EBADMSG,
                   "credential an array");
        attest_bad("{\"credential\":\"AAQBAgME\",\"secret\":\"AAMKCww\"}", -EBADMSG, "missing padding");
        attest_bad("{\"credential\":\"AAQBAg-_\",\"secret\":\"AAMKCww=\"}", -EBADMSG,
                   "base64url alphabet");
        attest_bad("{\"credential\":\"AAQB AgME\",\"secret\":\"AAMKCww=\"}", -EBADMSG, "space in base64");
        attest_bad("{\"credential\":\"AAUBAgME\",\"secret\":\"AAMKCww=\"}", -EBADMSG,
                   "size prefix larger than the data");
        attest_bad("{\"credential\":\"AAMBAgME\",\"secret\":\"AAMKCww=\"}", -EBADMSG,
                   "size prefix smaller than the data");
        attest_bad("{\"credential\":\"AAQBAgME\",\"secret\":\"AAA=\"}", -EBADMSG, "empty TPM2B");
        attest_bad("{\"credential\":\"AAQBAgME\",\"secret\":\"\"}", -EBADMSG, "empty string");
        attest_bad("{\"credential\":\"AAQBAgME\",\"secret\":\"AA==\"}", -EBADMSG, "one byte");
        attest_bad("[\"AAQBAgME\",\"AAMKCww=\"]", -EBADMSG, "array at the top");
        attest_bad("null", -EBADMSG, "null");
        attest_bad("", -EBADMSG, "empty body");
        attest_bad("<html>502 Bad Gateway</html>", -EBADMSG, "not JSON");
        attest_bad("{\"credential\":\"AAQBAgME\",\"secret\":\"AAMKCww=\"} x", -EBADMSG, "trailing garbage");
        attest_bad("{\"credential\":\"AAQBAgME\",\"credential\":\"AAQBAgME\",\"secret\":\"AAMKCww=\"}",
                   -EBADMSG, "duplicate member");

        /* The size limit, at and just past it. */
        memset(blob, 0x5a, sizeof(blob));
        blob[0] = (ATTEST_CLIENT_MAX_BLOB - 2) >> 8;
        blob[1] = (ATTEST_CLIENT_MAX_BLOB - 2) & 0xff;
        big = b64(blob, ATTEST_CLIENT_MAX_BLOB);
        max = strf("{\"credential\":\"%s\",\"secret\":\"AAMKCww=\"}", big);
        is_ok(attest_client_parse_attest_response(max, strlen(max), &c), "blob of the maximum size");
        is_int(c.credential_len, ATTEST_CLIENT_MAX_BLOB, "all of it");
        attest_challenge_done(&c);
        free(big);
        blob[0] = (ATTEST_CLIENT_MAX_BLOB - 1) >> 8;
        blob[1] = (ATTEST_CLIENT_MAX_BLOB - 1) & 0xff;
        big = b64(blob, ATTEST_CLIENT_MAX_BLOB + 1);
        over = strf("{\"credential\":\"%s\",\"secret\":\"AAMKCww=\"}", big);
        attest_bad(over, -E2BIG, "blob one byte over the maximum");

        huge = malloc(ATTEST_CLIENT_MAX_RESPONSE + 2);
        if (!huge)
                abort();
        memset(huge, ' ', ATTEST_CLIENT_MAX_RESPONSE + 1);
        huge[0] = '{';
        huge[ATTEST_CLIENT_MAX_RESPONSE] = '}';
        huge[ATTEST_CLIENT_MAX_RESPONSE + 1] = '\0';
        attest_bad(huge, -E2BIG, "body over the response limit");
}

/* ---- /secret request ---- */

static void test_secret_request(void) {
        uint8_t secret[65];
        char *s = NULL;

        printf("# /secret request\n");
        for (size_t i = 0; i < sizeof(secret); i++)
                secret[i] = (uint8_t) i;
        is_ok(attest_client_build_secret_request(secret, 32, &s), "build /secret request");
        is_str(s, "{\"secret\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"}", "exact body");
        if (s)
                erase_and_free(s, strlen(s));
        s = NULL;
        is_err(attest_client_build_secret_request(secret, 0, &s), -EINVAL, "empty secret refused");
        is_err(attest_client_build_secret_request(secret, 65, &s), -EINVAL, "65 bytes refused");
        ok(!s, "nothing returned on failure");
}

/* ---- /secret response ---- */

static void secret_bad(const char *body, int want, const char *what) {
        STACK_OF(X509) *chain = (STACK_OF(X509) *) (uintptr_t) 1;

        is_err(attest_client_parse_secret_response(body, strlen(body), &chain), want, what);
        ok(chain == (STACK_OF(X509) *) (uintptr_t) 1, "output untouched on failure");
}

static char *cert_b64_from_pem(const char *name) {
        _cleanup_free_ char *pem = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        _cleanup_x509_ X509 *x = NULL;
        size_t len;

        pem = testdata_read(name, &len);
        if (x509_cert_from_pem(pem, len, &x) < 0 || x509_cert_to_der(x, &der, &len) < 0)
                abort();
        return b64(der, len);
}

static void test_secret_response(void) {
        _cleanup_free_ char *leaf = cert_b64_from_pem("leaf.crt"), *inter = cert_b64_from_pem("int.crt");
        _cleanup_free_ char *good = NULL, *eight = NULL, *nine = NULL, *trailing = NULL,
                            *junk = NULL, *big = NULL, *big_body = NULL, *leaf_der = NULL;
        _cleanup_free_ uint8_t *raw = NULL;
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        size_t raw_len, leaf_len;

        printf("# /secret response\n");
        good = strf("{\"chain\":[\"%s\",\"%s\"]}", leaf, inter);
        is_ok(attest_client_parse_secret_response(good, strlen(good), &chain), "good chain");
        is_int(chain ? sk_X509_num(chain) : 0, 2, "two certificates");
        if (chain && sk_X509_num(chain) == 2) {
                _cleanup_free_ uint8_t *der = NULL;
                size_t len;
                leaf_der = testdata_read("leaf.crt.der", &leaf_len);
                is_ok(x509_cert_to_der(sk_X509_value(chain, 0), &der, &len), "re-encode the first");
                is_mem(der, len, leaf_der, leaf_len, "order kept: the AK certificate first");
        }
        x509_stack_free(TAKE_PTR(chain));

        eight = strf("{\"chain\":[\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"%s\"]}", leaf, inter,
                     inter, inter, inter, inter, inter, inter);
        is_ok(attest_client_parse_secret_response(eight, strlen(eight), &chain), "8 certificates");
        x509_stack_free(TAKE_PTR(chain));
        nine = strf("{\"chain\":[\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"%s\"]}", leaf,
                    inter, inter, inter, inter, inter, inter, inter, inter);
        secret_bad(nine, -E2BIG, "9 certificates");

        secret_bad("{}", -EBADMSG, "missing chain");
        secret_bad("{\"chain\":null}", -EBADMSG, "chain null");
        secret_bad("{\"chain\":\"MIIB\"}", -EBADMSG, "chain a string");
        secret_bad("{\"chain\":{}}", -EBADMSG, "chain an object");
        secret_bad("{\"chain\":[]}", -EBADMSG, "empty chain");
        secret_bad("{\"chain\":[42]}", -EBADMSG, "entry a number");
        secret_bad("{\"chain\":[null]}", -EBADMSG, "entry null");
        secret_bad("{\"chain\":[\"MIIB!!==\"]}", -EBADMSG, "entry bad base64");
        secret_bad("{\"chain\":[\"aGVsbG8sIG5vdCBERVI=\"]}", -EBADMSG, "entry not DER");
        secret_bad("{\"chain\":[\"\"]}", -EBADMSG, "entry empty");
        secret_bad("[]", -EBADMSG, "array at the top");
        secret_bad("not json", -EBADMSG, "not JSON");

        /* A certificate followed by one stray byte. */
        leaf_der = leaf_der ?: testdata_read("leaf.crt.der", &leaf_len);
        raw = malloc(leaf_len + 1);
        if (!raw)
                abort();
        memcpy(raw, leaf_der, leaf_len);
        raw[leaf_len] = 0;
        trailing = b64(raw, leaf_len + 1);
        free(good);
        good = strf("{\"chain\":[\"%s\"]}", trailing);
        secret_bad(good, -EBADMSG, "certificate with trailing data");

        /* Good base64, a certificate's worth of junk. */
        raw_len = 2000;
        free(raw);
        raw = calloc(1, raw_len);
        if (!raw)
                abort();
        raw[0] = 0x30;
        raw[1] = 0x82;
        raw[2] = 0x07;
        raw[3] = 0xcc;
        junk = b64(raw, raw_len);
        free(good);
        good = strf("{\"chain\":[\"%s\",\"%s\"]}", leaf, junk);
        secret_bad(good, -EBADMSG, "second entry a SEQUENCE of zeros");

        /* An entry over the per-certificate limit. */
        free(raw);
        raw = calloc(1, ATTEST_CLIENT_MAX_CERT_DER + 1);
        if (!raw)
                abort();
        big = b64(raw, ATTEST_CLIENT_MAX_CERT_DER + 1);
        big_body = strf("{\"chain\":[\"%s\"]}", big);
        secret_bad(big_body, -E2BIG, "entry over 16 KiB");
}

/* ---- error bodies ---- */

static void error_message(const char *body, const char *want, long want_status, const char *what) {
        _cleanup_free_ char *m = NULL;
        long status = -1;

        is_ok(client_failure_message(body, strlen(body), &m, &status), what);
        is_str(m, want, what);
        is_int(status, want_status, "status member");
}

static void test_error(void) {
        _cleanup_free_ char *long_body = NULL, *want = NULL;
        char filler[301];
        char *m = NULL;

        printf("# error bodies\n");
        error_message("{\"status\":403,\"message\":\"device is not active\"}", "device is not active",
                      403, "step-style error body");
        error_message("{\"message\":\"no status\"}", "no status", 0, "status optional");
        error_message("{\"status\":\"400\",\"message\":\"x\"}", "x", 0, "status of the wrong type ignored");
        error_message("{\"status\":400,\"message\":\"\\u001b[31mred\\r\\nline\"}", "?[31mred??line", 400,
                      "control characters replaced");
        error_message("{\"status\":400,\"message\":\"caf\\u00e9\"}", "caf??", 400,
                      "non-ASCII replaced byte by byte");

        memset(filler, 'a', 300);
        filler[300] = '\0';
        long_body = strf("{\"status\":500,\"message\":\"%s\"}", filler);
        filler[CLIENT_FAILURE_MAX_MESSAGE] = '\0';
        want = strf("%s...", filler);
        error_message(long_body, want, 500, "long message cut");

        is_err(client_failure_message("{\"status\":400}", 14, &m, NULL), -ENOENT, "no message");
        is_err(client_failure_message("{\"message\":\"\"}", 14, &m, NULL), -ENOENT, "empty message");
        is_err(client_failure_message("{\"message\":5}", 13, &m, NULL), -ENOENT, "message a number");
        is_err(client_failure_message("<h1>Bad Gateway</h1>", 20, &m, NULL), -ENOENT, "HTML body");
        is_err(client_failure_message("", 0, &m, NULL), -ENOENT, "empty body");
        ok(!m, "nothing returned on failure");
}

static void problem(const char *body, int want, const char *want_type, const char *what) {
        char t[CLIENT_FAILURE_MAX_PROBLEM + 1] = "stale";

        is_err(client_failure_problem(body, strlen(body), t), want, what);
        is_str(t, want_type, what);
}

static void test_problem(void) {
        char long_type[CLIENT_FAILURE_MAX_PROBLEM + 16];

        printf("# problem types\n");
        problem("{\"status\":403,\"message\":\"m\",\"type\":\"urn:deviceid:error:deviceDisabled\"}", 0,
                CLIENT_PROBLEM_DEVICE_DISABLED, "Account CA shape");
        problem("{\"type\":\"urn:deviceid:error:deviceRemoved\",\"detail\":\"d\",\"status\":403}", 0,
                CLIENT_PROBLEM_DEVICE_REMOVED, "problem document");
        problem("{\"status\":403,\"message\":\"m\"}", -ENOENT, "", "no type");
        problem("{\"type\":5}", -ENOENT, "", "type a number");
        problem("{\"type\":\"urn:x y\"}", -ENOENT, "", "space in type");
        problem("{\"type\":\"urn:x\\u0001\"}", -ENOENT, "", "control byte in type");
        problem("<h1>Forbidden</h1>", -ENOENT, "", "HTML body");
        memset(long_type, 'a', sizeof(long_type));
        memcpy(long_type, "{\"type\":\"", 9);
        strcpy(long_type + 9 + CLIENT_FAILURE_MAX_PROBLEM + 1, "\"}");
        problem(long_type, -ENOENT, "", "type over the limit");
}

/* ---- request IDs and URLs ---- */

static bool is_uuid_v4(const char *s) {
        if (strlen(s) != 36)
                return false;
        for (size_t i = 0; i < 36; i++) {
                if (i == 8 || i == 13 || i == 18 || i == 23) {
                        if (s[i] != '-')
                                return false;
                } else if (!strchr("0123456789abcdef", s[i]))
                        return false;
        }
        return s[14] == '4' && strchr("89ab", s[19]);
}

static void test_id_and_url(void) {
        char a[37], b[37];
        char *u = NULL;

        printf("# request IDs and URLs\n");
        is_ok(attest_client_request_id(a), "request ID");
        is_ok(attest_client_request_id(b), "another");
        ok(is_uuid_v4(a) && is_uuid_v4(b), "lowercase UUID version 4");
        ok(!streq(a, b), "random");

        is_ok(client_url("https://ca:8443/attestation", "attest", &u), "join");
        is_str(u, "https://ca:8443/attestation/attest", "one slash");
        free(TAKE_PTR(u));
        is_ok(client_url("https://ca:8443/attestation//", "/secret", &u), "join with slashes");
        is_str(u, "https://ca:8443/attestation/secret", "still one slash");
        free(TAKE_PTR(u));
        is_err(client_url("ftp://ca/attestation", "attest", &u), -EINVAL, "other scheme");
        is_err(client_url("ca:8443/attestation", "attest", &u), -EINVAL, "no scheme");
        is_err(client_url("https://ca/attestation?x=1", "attest", &u), -EINVAL, "query");
        is_err(client_url("https://ca/att station", "attest", &u), -EINVAL, "space");
        ok(!u, "nothing returned on failure");
}

/* ---- AK certificate checks ---- */

static const x509_san good_sans[] = {
        { X509_SAN_URI, (char *) EK_URI, NULL },
        { X509_SAN_PERMANENT_ID, (char *) EK_URI, NULL },
};

static STACK_OF(X509) *chain_of(X509 *a, X509 *b) {
        STACK_OF(X509) *sk = sk_X509_new_null();

        if (!sk || sk_X509_push(sk, a) <= 0 || (b && sk_X509_push(sk, b) <= 0))
                abort();
        return sk;
}

static void check_case(X509 *ak_cert, X509 *extra, EVP_PKEY *ak_pub, STACK_OF(X509) *roots, int want,
                       const char *what) {
        _cleanup_x509_stack_ STACK_OF(X509) *chain = chain_of(ak_cert, extra);
        const char *why = NULL;
        int r;

        if (extra)
                X509_up_ref(extra);
        r = identity_check_chain(IDENTITY_CERT_AK, chain, ak_pub, EK_URI, roots, 0, &why);
        is_err(r, want, what);
        if (want < 0)
                ok(why != NULL, "a reason is given");
        if (why)
                printf("#   %s\n", why);
}

static void test_check_chain(void) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *ak = testdata_key("p256.key"), *other = testdata_key("p384.key"),
                                            *root_key = testdata_key("root.key"), *int_key = NULL;
        _cleanup_x509_ X509 *root = NULL, *other_root = NULL, *inter = NULL;
        _cleanup_x509_stack_ STACK_OF(X509) *roots = NULL, *other_roots = NULL;
        _cleanup_free_ char *pem = NULL;
        const x509_san uri_only[] = { good_sans[0] };
        const x509_san perm_only[] = { good_sans[1] };
        const x509_san wrong_perm[] = { good_sans[0], { X509_SAN_PERMANENT_ID, (char *) OTHER_URI, NULL } };
        testcert_spec spec = { .sans = good_sans, .n_sans = 2, .eku = OID_TCG_KP_AIK_CERTIFICATE };
        testcert_spec ca_spec = { .cn = "test attestation CA", .ca = true };
        size_t len;

        printf("# AK certificate checks\n");
        pem = testdata_read("root.crt", &len);
        if (x509_cert_from_pem(pem, len, &root) < 0)
                abort();
        roots = chain_of(root, NULL);
        X509_up_ref(root);
        free(pem);
        pem = testdata_read("other-root.crt", &len);
        if (x509_cert_from_pem(pem, len, &other_root) < 0)
                abort();
        other_roots = chain_of(other_root, NULL);
        X509_up_ref(other_root);

        check_case(testcert_make(ak, root, root_key, &spec), NULL, ak, roots, 0, "good, signed by the root");
        check_case(testcert_make(ak, root, root_key, &spec), NULL, ak, NULL, 0, "good, no root given");
        check_case(testcert_make(ak, root, root_key, &spec), NULL, other, roots, -EBADE,
                   "certificate for another key");
        check_case(testcert_make(ak, root, root_key, &spec), NULL, ak, other_roots, -EKEYREJECTED,
                   "does not verify to the given root");
        check_case(testcert_make(ak, NULL, other, &spec), NULL, ak, roots, -EKEYREJECTED,
                   "self-issued by a stranger");
        check_case(testcert_make(ak, NULL, other, &spec), NULL, ak, NULL, 0,
                   "same, accepted when no root is given");

        spec.sans = uri_only;
        spec.n_sans = 1;
        check_case(testcert_make(ak, root, root_key, &spec), NULL, ak, roots, -EBADE,
                   "no PermanentIdentifier SAN");
        spec.sans = perm_only;
        check_case(testcert_make(ak, root, root_key, &spec), NULL, ak, roots, -EBADE, "no URI SAN");
        spec.sans = wrong_perm;
        spec.n_sans = 2;
        check_case(testcert_make(ak, root, root_key, &spec), NULL, ak, roots, -EBADE,
                   "PermanentIdentifier of another TPM");
        spec.n_sans = 0;
        check_case(testcert_make(ak, root, root_key, &spec), NULL, ak, roots, -EBADE, "no SAN at all");
        spec.sans = good_sans;
        spec.n_sans = 2;

        spec.eku = "clientAuth";
        check_case(testcert_make(ak, root, root_key, &spec), NULL, ak, roots, -EPERM, "EKU clientAuth only");
        spec.eku = NULL;
        check_case(testcert_make(ak, root, root_key, &spec), NULL, ak, roots, -EPERM, "no EKU");
        spec.eku = "clientAuth," OID_TCG_KP_AIK_CERTIFICATE;
        check_case(testcert_make(ak, root, root_key, &spec), NULL, ak, roots, 0, "AIK EKU second");
        spec.eku = OID_TCG_KP_AIK_CERTIFICATE;
        spec.ca = true;
        check_case(testcert_make(ak, root, root_key, &spec), NULL, ak, roots, -EPERM, "a CA certificate");
        spec.ca = false;

        /* root -> intermediate -> AK certificate. */
        if (crypto_key_generate(CRYPTO_KEY_EC_P256, &int_key) < 0)
                abort();
        inter = testcert_make(int_key, root, root_key, &ca_spec);
        check_case(testcert_make(ak, inter, int_key, &spec), inter, ak, roots, 0,
                   "good, through an intermediate");
        check_case(testcert_make(ak, inter, int_key, &spec), NULL, ak, roots, -EKEYREJECTED,
                   "intermediate missing from the chain");
        spec.not_before_offset = -7200;
        spec.not_after_offset = -3600;
        check_case(testcert_make(ak, inter, int_key, &spec), inter, ak, roots, -EKEYREJECTED, "expired");
}

int main(void) {
        log_parse_environment();
        test_attest_request();
        test_attest_response();
        test_secret_request();
        test_secret_response();
        test_error();
        test_problem();
        test_id_and_url();
        test_check_chain();
        return tap_done();
}
