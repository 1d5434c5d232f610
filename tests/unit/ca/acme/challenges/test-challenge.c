/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the challenge layer's pure parts: key authorizations
 * (RFC 8555 section 8.1 over the RFC 7638 section 3.1 thumbprint
 * example), the type table (device-attest-01's refusals that need no
 * store), the DNS TXT answer parser of dns-01
 * (hand-assembled RFC 1035 messages) and the RFC 8737 certificate checks
 * of tls-alpn-01 (certificates made with `openssl req -x509 -addext
 * 1.3.6.1.5.5.7.1.31=critical,DER:0420<SHA-256(keyAuthorization)>`, in
 * tests/unit/data/acme/).
 */
#include <fcntl.h>

#include "ca/acme/challenges/challenge-dns-txt.h"
#include "ca/acme/challenges/challenge-tlsalpn.h"
#include "ca/acme/challenges/challenge.h"
#include "crypto.h"
#include "jwk.h"
#include "tests/unit/tap.h"
#include "x509.h"

/* RFC 7638 section 3.1 example key; thumbprint NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs. */
static const char rfc7638_jwk[] =
        "{\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\",\"e\":\"AQAB\"}";
#define KEYAUTH "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

static void test_key_authorization(void) {
        _cleanup_json_ json_object *jwk = NULL;
        _cleanup_pkey_ EVP_PKEY *key = NULL;
        _cleanup_free_ char *ka = NULL, *tok = NULL, *tok2 = NULL;

        is_ok(json_parse_object(rfc7638_jwk, strlen(rfc7638_jwk), 8192, &jwk), "RFC 7638 JWK parsed");
        is_ok(jwk_to_pkey(jwk, &key), "RFC 7638 key");
        is_ok(challenge_key_authorization("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA", key, &ka),
              "key authorization");
        is_str(ka, KEYAUTH, "token.thumbprint");

        is_ok(challenge_token_new(&tok), "token");
        is_ok(challenge_token_new(&tok2), "another token");
        is_int(strlen(tok), 22, "128 bits of base64url");
        ok(strcmp(tok, tok2) != 0, "tokens differ");
}

static void test_type_table(void) {
        const challenge_type *h = challenge_type_find("http-01"), *d = challenge_type_find("dns-01"),
                             *t = challenge_type_find("tls-alpn-01"), *a = challenge_type_find("device-attest-01");

        ok(h && d && t && a, "every type found");
        ok(a == &challenge_deviceattest01, "device-attest-01 is in the table");
        ok(challenge_type_applies(h, ACME_ID_IP, false), "http-01 proves IPs (RFC 8738)");
        ok(!challenge_type_applies(d, ACME_ID_IP, false), "dns-01 does not prove IPs");
        ok(challenge_type_applies(d, ACME_ID_DNS, true), "dns-01 proves wildcards");
        ok(!challenge_type_applies(h, ACME_ID_DNS, true), "http-01 does not prove wildcards");
        ok(!challenge_type_applies(t, ACME_ID_PERMANENT, false), "tls-alpn-01 does not prove permanent ids");
        ok(!h->sync && !d->sync && !t->sync, "network types are asynchronous");
        ok(a->sync, "device-attest-01 is synchronous");
        ok(!challenge_type_find("device-attest-02"), "an unknown name finds no type");
        ok(!challenge_type_find(NULL), "no name finds no type");
        ok(challenge_type_applies(a, ACME_ID_PERMANENT, false), "device-attest-01 proves permanent identifiers");
        ok(!challenge_type_applies(a, ACME_ID_DNS, false), "not dns names");
        ok(!challenge_type_applies(a, ACME_ID_PERMANENT, true), "nor wildcards");
        {
                /* What device-attest-01 refuses before it needs the store
                 * or the attestation roots. */
                _cleanup_json_ json_object *empty = json_object_new_object(), *garbage = json_object_new_object();
                challenge_ctx ctx = { .type = "device-attest-01", .id_type = ACME_ID_PERMANENT,
                                      .id_value = "urn:ek:sha256:x", .token = "t", .key_authorization = "t.x" };
                acme_problem p = {};

                json_add_string(garbage, "attObj", "AAAA");
                /* A payload that does not parse decides nothing: -EPROTO,
                 * the client's 400 (challenge.h). */
                is_int(a->validate(&ctx, empty, &p), -EPROTO, "no attObj: refused, nothing decided");
                is_int(p.type, ACME_ERR_MALFORMED, "malformed");
                is_int(a->validate(&ctx, garbage, &p), -EPROTO, "an attObj that does not parse: refused");
                is_int(p.type, ACME_ERR_BAD_ATTESTATION_STATEMENT, "badAttestationStatement");
                ctx.id_type = ACME_ID_DNS;
                is_int(a->validate(&ctx, garbage, &p), 0, "device-attest-01 proves only permanent identifiers");
        }
}

static void test_dns_txt(void) {
        /* Response for TXT _acme-challenge.a.test: one TXT record made of
         * two character-strings ("ab", "cd"), owner compressed (c00c),
         * then an A record that must be ignored. */
        static const uint8_t msg[] = {
                0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
                15, '_', 'a', 'c', 'm', 'e', '-', 'c', 'h', 'a', 'l', 'l', 'e', 'n', 'g', 'e',
                1, 'a', 4, 't', 'e', 's', 't', 0, 0x00, 0x10, 0x00, 0x01,
                0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x06,
                2, 'a', 'b', 2, 'c', 'd',
                0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 127, 0, 0, 1,
        };
        uint8_t bad[sizeof(msg)];
        char **v = NULL;

        is_ok(dns_txt_parse(msg, sizeof(msg), &v), "answer parsed");
        ok(v && v[0] && !v[1], "one TXT value");
        is_str(v[0], "abcd", "character-strings concatenated");
        dns_txt_free(v);
        v = NULL;

        memcpy(bad, msg, sizeof(msg));
        bad[7] = 0; /* ANCOUNT 0: the question alone */
        is_ok(dns_txt_parse(bad, 40, &v), "question only");
        ok(v && !v[0], "no values");
        dns_txt_free(v);
        v = NULL;

        {
                bool all_refused = true;

                for (size_t cut = 0; cut < sizeof(msg); cut++)
                        if (dns_txt_parse(msg, cut, &v) != -EBADMSG)
                                all_refused = false;
                ok(all_refused, "every truncation refused");
        }

        memcpy(bad, msg, sizeof(msg));
        bad[40 + 12] = 9; /* first character-string overruns its RDATA */
        is_err(dns_txt_parse(bad, sizeof(bad), &v), -EBADMSG, "string past RDATA refused");
        memcpy(bad, msg, sizeof(msg));
        bad[12] = 0x80; /* reserved label type */
        is_err(dns_txt_parse(bad, sizeof(bad), &v), -EBADMSG, "bad label type refused");
        is_err(dns_txt_parse(msg, 5, &v), -EBADMSG, "short header refused");
}

static X509 *load_cert(const char *name) {
        _cleanup_free_ char *path = NULL, *pem = NULL;
        const char *src = getenv("top_srcdir");
        X509 *c = NULL;
        size_t len;

        if (asprintf(&path, "%s/tests/unit/data/acme/%s.pem", src ? src : ".", name) < 0)
                return NULL;
        if (read_file_at(AT_FDCWD, path, 65536, &pem, &len) < 0 || x509_cert_from_pem(pem, len, &c) < 0)
                return NULL;
        return c;
}

static void alpn_case(const char *name, acme_id_type t, const char *id, int want, const char *what) {
        _cleanup_x509_ X509 *c = load_cert(name);
        acme_problem p = {};

        ok(c, name);
        is_int(challenge_tlsalpn_check_cert(c, t, id, KEYAUTH, &p), want, what);
        if (want == -EPROTO)
                is_int(p.type, ACME_ERR_INCORRECT_RESPONSE, "incorrectResponse");
}

static void test_tlsalpn(void) {
        alpn_case("alpn-good", ACME_ID_DNS, "example.test", 0, "valid acme-tls/1 certificate");
        alpn_case("alpn-good", ACME_ID_DNS, "EXAMPLE.test", 0, "name compared case-insensitively");
        alpn_case("alpn-ip", ACME_ID_IP, "127.0.0.1", 0, "IP identifier certificate");
        alpn_case("alpn-ip", ACME_ID_DNS, "127.0.0.1", -EPROTO, "IP SAN does not prove a dns name");
        alpn_case("alpn-noncritical", ACME_ID_DNS, "example.test", -EPROTO, "non-critical extension refused");
        alpn_case("alpn-wrongdigest", ACME_ID_DNS, "example.test", -EPROTO, "wrong digest refused");
        alpn_case("alpn-twosans", ACME_ID_DNS, "example.test", -EPROTO, "two SANs refused");
        alpn_case("alpn-wrongname", ACME_ID_DNS, "example.test", -EPROTO, "other name refused");
        alpn_case("alpn-noext", ACME_ID_DNS, "example.test", -EPROTO, "missing extension refused");
}

int main(void) {
        test_key_authorization();
        test_type_table();
        test_dns_txt();
        test_tlsalpn();
        return tap_done();
}
