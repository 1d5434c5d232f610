/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of ca/revoke and of the revocation parts of ca/core: CRLs
 * built, signed and read back through OpenSSL (entries, reasons, CRL
 * number, signature); CRL numbers that only grow; the revoked-certificate
 * queries of the certificates table; the revocation extensions in issued
 * certificates; the OCSP request parser on a fixed vector and on hostile
 * shapes (truncated, trailing bytes, too many certificates, long nonce,
 * the GET form); responses from a delegated responder verified by
 * OpenSSL as a relying party does, nonces echoed; the response cache and
 * its generations; [revocation] in ca.conf.
 */
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "ca/core/cert-build.h"
#include "ca/core/certificates.h"
#include "ca/core/config.h"
#include "ca/revoke/crl-number.h"
#include "ca/revoke/crl.h"
#include "ca/revoke/ocsp-cache.h"
#include "ca/revoke/ocsp-req.h"
#include "ca/revoke/ocsp-resp.h"
#include "ca/revoke/responder.h"
#include "b64.h"
#include "crypto.h"
#include "log.h"
#include "tests/unit/ca/ca-test.h"
#include "tests/unit/tap.h"

static char tmpdir[] = "/tmp/test-ca-revoke-XXXXXX";

/* `openssl ocsp -issuer account-ca.pem -serial 0x0123456789abcdef
 * -no_nonce -reqout`: one SHA-1 CertID. */
static const uint8_t fixed_request[] = {
        0x30, 0x49, 0x30, 0x47, 0x30, 0x45, 0x30, 0x43, 0x30, 0x41, 0x30, 0x09, 0x06, 0x05, 0x2b,
        0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14, 0xdb, 0x3c, 0xcf, 0x86, 0x4c, 0x53, 0x8b,
        0x8a, 0xfc, 0xb9, 0x57, 0x70, 0x62, 0x01, 0xb6, 0xaf, 0x43, 0x47, 0xde, 0x77, 0x04, 0x14,
        0xcb, 0xc9, 0x3d, 0x79, 0x27, 0xff, 0x8f, 0x81, 0xfc, 0x40, 0x36, 0xfc, 0x76, 0xbd, 0x03,
        0x1f, 0xa5, 0x59, 0x0c, 0x3d, 0x02, 0x08, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
};

typedef struct pki {
        EVP_PKEY *root_key, *ca_key, *leaf_key;
        X509 *root, *ca, *leaf;
} pki;

static void pki_done(pki *p) {
        EVP_PKEY_free(p->root_key);
        EVP_PKEY_free(p->ca_key);
        EVP_PKEY_free(p->leaf_key);
        X509_free(p->root);
        X509_free(p->ca);
        X509_free(p->leaf);
}

static int pki_make(pki *p) {
        cert_profile ca = { .lifetime = 86400, .key_usage = CERT_KU_KEY_CERT_SIGN | CERT_KU_CRL_SIGN, .is_ca = true,
                            .path_len = -1 };
        cert_profile leaf = cert_profile_leaf(NULL, CERT_EKU_CLIENT_AUTH, 3600);

        leaf.crl_url = "http://ca.test:8080/crl/account.crl";
        leaf.ocsp_url = "http://ca.test:8080/ocsp";
        if (crypto_key_generate(CRYPTO_KEY_EC_P256, &p->root_key) < 0 ||
            crypto_key_generate(CRYPTO_KEY_EC_P256, &p->ca_key) < 0 ||
            crypto_key_generate(CRYPTO_KEY_EC_P256, &p->leaf_key) < 0 ||
            cert_create(NULL, p->root_key, p->root_key, "Test Root", NULL, 0, &ca, &p->root) < 0 ||
            cert_create(p->root, p->root_key, p->ca_key, "Test Account CA", NULL, 0, &ca, &p->ca) < 0 ||
            cert_create(p->ca, p->ca_key, p->leaf_key, "alice", NULL, 0, &leaf, &p->leaf) < 0)
                return -1;
        return 0;
}

static void test_extensions(pki *p) {
        STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(p->leaf, NID_crl_distribution_points, NULL, NULL);
        AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(p->leaf, NID_info_access, NULL, NULL);
        STACK_OF(OPENSSL_STRING) *ocsp = X509_get1_ocsp(p->leaf);
        cert_profile bad = cert_profile_leaf(NULL, 0, 3600);
        X509 *x = NULL;

        ok(dps && sk_DIST_POINT_num(dps) == 1, "cert-build: one CRL distribution point");
        if (dps) {
                GENERAL_NAMES *names = sk_DIST_POINT_value(dps, 0)->distpoint->name.fullname;
                GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, 0);
                is_str((const char *) ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier),
                       "http://ca.test:8080/crl/account.crl", "cert-build: CRL URL");
        }
        ok(aia != NULL, "cert-build: authority information access present");
        is_int(ocsp ? sk_OPENSSL_STRING_num(ocsp) : 0, 1, "cert-build: one OCSP URL");
        if (ocsp)
                is_str(sk_OPENSSL_STRING_value(ocsp, 0), "http://ca.test:8080/ocsp", "cert-build: OCSP URL");
        ok(X509_get_ext_by_NID(p->ca, NID_crl_distribution_points, -1) < 0,
           "cert-build: no CRL distribution point without a URL");
        CRL_DIST_POINTS_free(dps);
        AUTHORITY_INFO_ACCESS_free(aia);
        X509_email_free(ocsp);

        bad.crl_url = "https://ca.test/crl";
        is_err(cert_create(p->ca, p->ca_key, p->leaf_key, "x", NULL, 0, &bad, &x), -EINVAL,
               "cert-build: an https:// CRL URL is refused");
        bad.crl_url = "http://ca.test/a,b";
        is_err(cert_create(p->ca, p->ca_key, p->leaf_key, "x", NULL, 0, &bad, &x), -EINVAL,
               "cert-build: a URL with a comma is refused");
}

static void test_crl(pki *p) {
        _cleanup_(crl_builder_freep) crl_builder *b = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        X509_CRL *crl = NULL;
        X509_REVOKED *rev = NULL;
        ASN1_INTEGER *num, *serial;
        ASN1_ENUMERATED *reason;
        const unsigned char *q;
        size_t len = 0;
        time_t now = time(NULL);

        is_ok(crl_builder_new(p->ca, &b), "crl: builder");
        is_ok(crl_builder_add(b, "0a", now - 10, CRL_REASON_KEY_COMPROMISE), "crl: add 0a keyCompromise");
        is_ok(crl_builder_add(b, "FFEE0102030405060708090a0b0c0d0e", now - 5, CRL_REASON_UNSPECIFIED),
              "crl: add a 128-bit serial, unspecified");
        is_ok(crl_builder_add(b, "3", now, CRL_REASON_CESSATION_OF_OPERATION), "crl: add 3 cessationOfOperation");
        is_err(crl_builder_add(b, "xyz", now, 0), -EINVAL, "crl: non-hex serial refused");
        is_err(crl_builder_add(b, "", now, 0), -EINVAL, "crl: empty serial refused");
        is_err(crl_builder_add(b, "01", now, 7), -EINVAL, "crl: reason 7 (unused) refused");
        is_err(crl_builder_add(b, "01", now, 11), -EINVAL, "crl: reason 11 refused");
        is_int((int) crl_builder_count(b), 3, "crl: three entries");
        is_err(crl_builder_sign(b, p->ca_key, 5, now, now, &der, &len), -EINVAL, "crl: nextUpdate must follow thisUpdate");
        crl_builder_free(TAKE_PTR(b));
        is_ok(crl_builder_new(p->ca, &b), "crl: builder again");
        crl_builder_add(b, "0a", now - 10, CRL_REASON_KEY_COMPROMISE);
        crl_builder_add(b, "FFEE0102030405060708090a0b0c0d0e", now - 5, CRL_REASON_UNSPECIFIED);
        crl_builder_add(b, "3", now, CRL_REASON_CESSATION_OF_OPERATION);
        is_ok(crl_builder_sign(b, p->ca_key, 42, now, now + 3600, &der, &len), "crl: signed");
        is_err(crl_builder_sign(b, p->ca_key, 43, now, now + 3600, &der, &len), -EINVAL, "crl: signed only once");

        q = der;
        crl = d2i_X509_CRL(NULL, &q, (long) len);
        ok(crl && q == der + len, "crl: DER parses, nothing after it");
        if (!crl)
                return;
        is_int(X509_CRL_verify(crl, p->ca_key), 1, "crl: signature verifies with the CA key");
        is_int(X509_CRL_verify(crl, p->root_key), 0, "crl: not with another key");
        is_int((int) X509_CRL_get_version(crl), X509_CRL_VERSION_2, "crl: version 2");
        ok(X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(p->ca)) == 0, "crl: issuer is the CA");
        num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
        is_int(num ? (int) ASN1_INTEGER_get(num) : -1, 42, "crl: CRL number");
        ASN1_INTEGER_free(num);
        ok(X509_CRL_get_ext_by_NID(crl, NID_authority_key_identifier, -1) >= 0, "crl: authority key identifier");
        is_int(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), 3, "crl: three revoked");

        serial = ASN1_INTEGER_new();
        ASN1_INTEGER_set(serial, 10);
        is_int(X509_CRL_get0_by_serial(crl, &rev, serial), 1, "crl: serial 0a listed");
        reason = rev ? X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL, NULL) : NULL;
        is_int(reason ? (int) ASN1_ENUMERATED_get(reason) : -1, CRL_REASON_KEY_COMPROMISE, "crl: its reason");
        ASN1_ENUMERATED_free(reason);
        ASN1_INTEGER_set(serial, 3);
        rev = NULL;
        X509_CRL_get0_by_serial(crl, &rev, serial);
        reason = rev ? X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL, NULL) : NULL;
        is_int(reason ? (int) ASN1_ENUMERATED_get(reason) : -1, CRL_REASON_CESSATION_OF_OPERATION,
               "crl: serial 3's reason");
        ASN1_ENUMERATED_free(reason);
        ASN1_INTEGER_set(serial, 11);
        is_int(X509_CRL_get0_by_serial(crl, &rev, serial), 0, "crl: serial 0b not listed");
        ASN1_INTEGER_free(serial);
        for (int i = 0; i < 3; i++) {
                X509_REVOKED *r = sk_X509_REVOKED_value(X509_CRL_get_REVOKED(crl), i);
                if (ASN1_INTEGER_get(X509_REVOKED_get0_serialNumber(r)) < 0) /* the 128-bit one */
                        ok(X509_REVOKED_get_ext_by_NID(r, NID_crl_reason, -1) < 0,
                           "crl: no reason code for unspecified (RFC 5280 5.3.1)");
        }
        X509_CRL_free(crl);
}

static int count_cb(const char *serial, time_t revoked_at, int reason, void *userdata) {
        char *out = userdata;
        char buf[64];

        snprintf(buf, sizeof(buf), "%s:%d;", serial, reason);
        strncat(out, buf, 255 - strlen(out));
        return 0;
}

static int list_cb(const issued_row *row, void *userdata) {
        (*(int *) userdata)++;
        return 0;
}

static void test_store(store *st, pki *p) {
        int64_t counts[_CA_KIND_MAX];
        char seen[256] = "";
        uint64_t n1 = 0, n2 = 0, n3 = 0;
        int listed = 0;

        is_ok(certificates_store_migrate(st), "store: certificates table");
        is_ok(revoke_store_migrate(st), "store: revoke module");
        is_ok(crl_number_next(st, "account", &n1), "crl-number: first");
        is_ok(crl_number_next(st, "account", &n2), "crl-number: second");
        is_ok(crl_number_next(st, "agent", &n3), "crl-number: another CA");
        ok(n1 == 1 && n2 == 2 && n3 == 1, "crl-number: 1, 2 and its own 1");

        is_ok(certificates_record(st, CA_ACCOUNT, p->leaf, "a1", 7, "wifi", "alice"), "store: record a1");
        is_ok(certificates_record(st, CA_ACCOUNT, p->leaf, "b2", 7, NULL, "bob"), "store: record b2");
        is_ok(certificates_record(st, CA_AGENT, p->leaf, "c3", 8, NULL, "carol"), "store: record c3");
        is_ok(certificates_revoked_counts(st, counts), "store: counts");
        ok(counts[CA_ACCOUNT] == 0 && counts[CA_AGENT] == 0, "store: nothing revoked yet");
        is_ok(certificates_revoke_serial(st, "A1", CRL_REASON_KEY_COMPROMISE), "store: revoke a1");
        is_int(certificates_revoke_device(st, 8, CRL_REASON_CESSATION_OF_OPERATION), 1, "store: revoke device 8");
        certificates_revoked_counts(st, counts);
        ok(counts[CA_ACCOUNT] == 1 && counts[CA_AGENT] == 1 && counts[CA_ATTESTATION] == 0,
           "store: counts per CA");
        is_ok(certificates_foreach_revoked(st, CA_ACCOUNT, time(NULL), count_cb, seen), "store: revoked of account");
        is_str(seen, "a1:1;", "store: a1 with keyCompromise");
        seen[0] = '\0';
        certificates_foreach_revoked(st, CA_ACCOUNT, time(NULL) + 7200, count_cb, seen);
        is_str(seen, "", "store: expired revocations leave the CRL");

        certificates_filter f = { .device_id = 7 };
        is_int(certificates_list(st, &f, 0, list_cb, &listed), 1, "list: device 7, unrevoked only");
        f.include_revoked = true;
        is_int(certificates_list(st, &f, 0, list_cb, &listed), 2, "list: device 7 with revoked");
        f = (certificates_filter) { .account = "wifi", .include_revoked = true };
        is_int(certificates_list(st, &f, 0, list_cb, &listed), 1, "list: by account");
        f = (certificates_filter) { .name = "carol", .include_revoked = true };
        is_int(certificates_list(st, &f, 0, list_cb, &listed), 1, "list: by name");
        f = (certificates_filter) { .ca = "bogus" };
        is_err(certificates_list(st, &f, 0, list_cb, &listed), -EINVAL, "list: unknown CA");

        is_int(crl_reason_from_string("keyCompromise"), 1, "reason: by name");
        is_int(crl_reason_from_string("superseded"), 4, "reason: superseded");
        is_int(crl_reason_from_string("9"), 9, "reason: by number");
        is_err(crl_reason_from_string("7"), -EINVAL, "reason: 7 is no code");
        is_err(crl_reason_from_string("certificateHold"), -EINVAL, "reason: no hold");
        is_err(crl_reason_from_string("2"), -EINVAL, "reason: not the CA's own compromise");
        is_err(crl_reason_from_string("sometimes"), -EINVAL, "reason: unknown name");
}

static int make_request(X509 *issuer, const long *serials, size_t n, const EVP_MD *md, size_t nonce_len, uint8_t **ret,
                        size_t *ret_len) {
        OCSP_REQUEST *req = OCSP_REQUEST_new();
        unsigned char *der = NULL;
        int len;

        for (size_t i = 0; i < n; i++) {
                ASN1_INTEGER *s = ASN1_INTEGER_new();
                ASN1_INTEGER_set(s, serials[i]);
                OCSP_CERTID *id = OCSP_cert_id_new(md, X509_get_subject_name(issuer),
                                                   X509_get0_pubkey_bitstr(issuer), s);
                ASN1_INTEGER_free(s);
                if (!id || !OCSP_request_add0_id(req, id))
                        return -1;
        }
        if (nonce_len > 0 && !OCSP_request_add1_nonce(req, NULL, (int) nonce_len))
                return -1;
        len = i2d_OCSP_REQUEST(req, &der);
        OCSP_REQUEST_free(req);
        if (len <= 0)
                return -1;
        *ret = malloc((size_t) len + 16);
        memcpy(*ret, der, (size_t) len);
        *ret_len = (size_t) len;
        OPENSSL_free(der);
        return 0;
}

static void test_request_parser(pki *p) {
        static const long nine[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
        _cleanup_(ocsp_query_done) ocsp_query q = {};
        uint8_t *der = NULL, *g = NULL;
        size_t len = 0, glen = 0;
        long serial = 0x1234;
        char *b64 = NULL;

        is_ok(ocsp_query_parse(fixed_request, sizeof(fixed_request), &q), "ocsp-req: fixed vector parses");
        is_int((int) q.n, 1, "ocsp-req: one certificate");
        is_int(q.items[0].hash_nid, NID_sha1, "ocsp-req: SHA-1 CertID");
        is_str(q.items[0].serial, "123456789abcdef", "ocsp-req: serial as normalised hex");
        is_mem(q.items[0].key_hash, 4, "\xcb\xc9\x3d\x79", 4, "ocsp-req: issuer key hash");
        ok(!q.has_nonce, "ocsp-req: no nonce");
        ocsp_query_done(&q);

        for (size_t cut = 1; cut < sizeof(fixed_request); cut += 7)
                if (!is_err(ocsp_query_parse(fixed_request, sizeof(fixed_request) - cut, &q), -EBADMSG,
                            "ocsp-req: truncated request refused"))
                        break;
        uint8_t longer[sizeof(fixed_request) + 1];
        memcpy(longer, fixed_request, sizeof(fixed_request));
        longer[sizeof(fixed_request)] = 0;
        is_err(ocsp_query_parse(longer, sizeof(longer), &q), -EBADMSG, "ocsp-req: trailing byte refused");
        is_err(ocsp_query_parse((const uint8_t *) "hello", 5, &q), -EBADMSG, "ocsp-req: garbage refused");
        is_err(ocsp_query_parse(fixed_request, 0, &q), -EBADMSG, "ocsp-req: empty refused");
        is_err(ocsp_query_parse(fixed_request, OCSP_REQUEST_MAX + 1, &q), -E2BIG, "ocsp-req: oversized refused");

        if (make_request(p->ca, &serial, 1, EVP_sha256(), 16, &der, &len) == 0) {
                is_ok(ocsp_query_parse(der, len, &q), "ocsp-req: SHA-256 with a nonce parses");
                is_int(q.items[0].hash_nid, NID_sha256, "ocsp-req: SHA-256 CertID");
                is_str(q.items[0].serial, "1234", "ocsp-req: serial 1234");
                ok(q.has_nonce, "ocsp-req: nonce seen");
                ocsp_query_done(&q);
                b64 = NULL;
                if (b64_encode(B64_STD, der, len, &b64) == 0) {
                        is_ok(ocsp_request_from_get(b64, &g, &glen), "ocsp-req: GET form decodes");
                        is_mem(g, glen, der, len, "ocsp-req: GET form gives the DER back");
                        free(g);
                        free(b64);
                }
                free(der);
        }
        if (make_request(p->ca, &serial, 1, EVP_sha1(), 33, &der, &len) == 0) {
                is_err(ocsp_query_parse(der, len, &q), -E2BIG, "ocsp-req: a 33-byte nonce is too long");
                free(der);
        }
        if (make_request(p->ca, nine, 8, EVP_sha1(), 0, &der, &len) == 0) {
                is_ok(ocsp_query_parse(der, len, &q), "ocsp-req: eight certificates at once");
                is_int((int) q.n, 8, "ocsp-req: eight items");
                ocsp_query_done(&q);
                free(der);
        }
        if (make_request(p->ca, nine, 9, EVP_sha1(), 0, &der, &len) == 0) {
                is_err(ocsp_query_parse(der, len, &q), -E2BIG, "ocsp-req: nine certificates refused");
                free(der);
        }
        if (make_request(p->ca, nine, 0, EVP_sha1(), 0, &der, &len) == 0) {
                is_err(ocsp_query_parse(der, len, &q), -EBADMSG, "ocsp-req: no certificate refused");
                free(der);
        }
        serial = -5;
        if (make_request(p->ca, &serial, 1, EVP_sha1(), 0, &der, &len) == 0) {
                is_ok(ocsp_query_parse(der, len, &q), "ocsp-req: a negative serial parses");
                is_str(q.items[0].serial, "", "ocsp-req: but is no serial we issue");
                ocsp_query_done(&q);
                free(der);
        }
        is_ok(ocsp_request_from_get("/MAM%3D", &g, &glen), "ocsp-req: percent-encoded padding decodes");
        is_mem(g, glen, "\x30\x03", 2, "ocsp-req: to its bytes");
        free(g);
        is_err(ocsp_request_from_get("/", &g, &glen), -EBADMSG, "ocsp-req: empty GET refused");
        is_err(ocsp_request_from_get("not base64!", &g, &glen), -EBADMSG, "ocsp-req: bad base64 refused");
        char *huge = malloc(20000);
        memset(huge, 'A', 19999);
        huge[19999] = '\0';
        is_err(ocsp_request_from_get(huge, &g, &glen), -E2BIG, "ocsp-req: oversized GET refused");
        free(huge);
}

static OCSP_BASICRESP *parse_basic(const uint8_t *der, size_t len, int *ret_status) {
        const unsigned char *q = der;
        OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &q, (long) len);
        OCSP_BASICRESP *bs;

        *ret_status = resp ? OCSP_response_status(resp) : -1;
        bs = resp ? OCSP_response_get1_basic(resp) : NULL;
        OCSP_RESPONSE_free(resp);
        return bs;
}

static void test_responses(pki *p) {
        static const long serials[3] = { 0x10, 0x11, 0x12 };
        _cleanup_(ocsp_query_done) ocsp_query q = {};
        ocsp_answer answers[3] = {
                { .status = V_OCSP_CERTSTATUS_GOOD },
                { .status = V_OCSP_CERTSTATUS_REVOKED, .revoked_at = time(NULL) - 60, .reason = 1 },
                { .status = V_OCSP_CERTSTATUS_UNKNOWN },
        };
        responder r;
        X509 *rc = NULL;
        EVP_PKEY *rk = NULL;
        uint8_t *der = NULL, *out = NULL;
        size_t len = 0, out_len = 0;
        int status;

        is_ok(responder_init(&r, p->ca, p->ca_key, "account"), "responder: init");
        is_err(responder_get(&r, &rc, &rk), -ENOENT, "responder: none before the first renewal");
        is_int(responder_renew(&r, 3600, time(NULL)), 1, "responder: made");
        is_int(responder_renew(&r, 3600, time(NULL)), 0, "responder: not renewed before half its life");
        is_int(responder_renew(&r, 3600, time(NULL) + 1801), 1, "responder: renewed after half its life");
        is_ok(responder_get(&r, &rc, &rk), "responder: current certificate");
        ok(rc && (X509_get_extended_key_usage(rc) & XKU_OCSP_SIGN), "responder: id-kp-OCSPSigning");
        ok(rc && X509_get_ext_by_NID(rc, NID_id_pkix_OCSP_noCheck, -1) >= 0, "responder: ocsp-nocheck");
        ok(rc && X509_check_issued(p->ca, rc) == X509_V_OK, "responder: issued by its CA");

        if (make_request(p->ca, serials, 3, EVP_sha256(), 16, &der, &len) < 0 || ocsp_query_parse(der, len, &q) < 0)
                return;
        ok(responder_matches(&r, &q.items[0]), "responder: matches its CA's CertID (SHA-256)");
        is_ok(ocsp_response_sign(&q, answers, rc, rk, p->ca, time(NULL), 3600, &out, &out_len), "ocsp-resp: signed");

        OCSP_BASICRESP *bs = parse_basic(out, out_len, &status);
        is_int(status, OCSP_RESPONSE_STATUS_SUCCESSFUL, "ocsp-resp: successful");
        if (bs) {
                X509_STORE *anchors = X509_STORE_new();
                STACK_OF(X509) *none = sk_X509_new_null();
                int st = -1, reason = -1;
                ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;

                X509_STORE_add_cert(anchors, p->root);
                is_int(OCSP_basic_verify(bs, NULL, anchors, 0), 1,
                       "ocsp-resp: verifies with only the root trusted, as FreeRADIUS does");
                sk_X509_push(none, p->ca);
                is_int(OCSP_basic_verify(bs, none, anchors, 0), 1, "ocsp-resp: verifies with the chain given");
                is_int(OCSP_check_nonce(q.req, bs), 1, "ocsp-resp: nonce echoed");
                for (int i = 0; i < 3; i++) {
                        OCSP_CERTID *id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(q.req, i));
                        OCSP_resp_find_status(bs, id, &st, &reason, &rev, &thisupd, &nextupd);
                        is_int(st, answers[i].status, "ocsp-resp: status of each certificate");
                        if (i == 1)
                                is_int(reason, 1, "ocsp-resp: revocation reason");
                        is_int(OCSP_check_validity(thisupd, nextupd, 60, -1), 1, "ocsp-resp: validity window");
                }
                sk_X509_free(none);
                X509_STORE_free(anchors);
                OCSP_BASICRESP_free(bs);
        }
        free(out);
        is_ok(ocsp_response_error(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST, &out, &out_len), "ocsp-resp: error");
        bs = parse_basic(out, out_len, &status);
        ok(!bs && status == OCSP_RESPONSE_STATUS_MALFORMEDREQUEST, "ocsp-resp: malformedRequest, no body");
        free(out);
        is_err(ocsp_response_error(OCSP_RESPONSE_STATUS_SUCCESSFUL, &out, &out_len), -EINVAL,
               "ocsp-resp: success needs a body");

        responder other;
        responder_init(&other, p->root, p->root_key, "root");
        ok(!responder_matches(&other, &q.items[0]), "responder: not another CA's CertID");
        responder_done(&other);
        free(der);
        X509_free(rc);
        EVP_PKEY_free(rk);
        responder_done(&r);
}

static void test_cache(void) {
        _cleanup_(ocsp_cache_freep) ocsp_cache *c = NULL;
        uint8_t *out = NULL;
        size_t len = 0;
        time_t now = time(NULL);
        uint64_t gen;

        is_ok(ocsp_cache_new(3, &c), "cache: new");
        gen = ocsp_cache_generation(c, 1);
        is_ok(ocsp_cache_put(c, 1, NID_sha1, "abc", (const uint8_t *) "resp", 4, now + 60, gen), "cache: put");
        is_int(ocsp_cache_get(c, 1, NID_sha1, "abc", now, &out, &len), 1, "cache: hit");
        is_mem(out, len, "resp", 4, "cache: the stored bytes");
        free(out);
        is_int(ocsp_cache_get(c, 1, NID_sha256, "abc", now, &out, &len), 0, "cache: other hash, miss");
        is_int(ocsp_cache_get(c, 2, NID_sha1, "abc", now, &out, &len), 0, "cache: other CA, miss");
        is_int(ocsp_cache_get(c, 1, NID_sha1, "abc", now + 61, &out, &len), 0, "cache: expired, miss");
        ocsp_cache_invalidate(c, 1);
        is_int(ocsp_cache_get(c, 1, NID_sha1, "abc", now, &out, &len), 0, "cache: invalidated, miss");
        ocsp_cache_put(c, 1, NID_sha1, "abc", (const uint8_t *) "old", 3, now + 60, gen);
        is_int(ocsp_cache_get(c, 1, NID_sha1, "abc", now, &out, &len), 0,
               "cache: an answer looked up before the revocation is not stored");
        for (int i = 0; i < OCSP_CACHE_MAX + 10; i++) {
                char s[16];
                snprintf(s, sizeof(s), "%x", i);
                ocsp_cache_put(c, 0, NID_sha1, s, (const uint8_t *) "x", 1, now + 60, 0);
        }
        ok(ocsp_cache_size(c) <= OCSP_CACHE_MAX, "cache: bounded");
}

static void test_config(void) {
        static const char base[] = "[server]\nlisten = 127.0.0.1:8443\ndns_names = ca.test\n";
        _cleanup_(ca_config_freep) ca_config *c = NULL;
        _cleanup_free_ char *url = NULL, *listen = NULL, *err = NULL;
        char text[512];

        is_ok(ca_config_parse(base, strlen(base), &c, NULL), "config: without [revocation]");
        is_int((int) c->http_port, 8080, "config: http_port default");
        ok(c->crl_delay == 1 && c->crl_resign == 3600 && c->crl_validity == 86400, "config: CRL defaults");
        is_ok(ca_config_revocation_base(c, &url), "config: base URL");
        is_str(url, "http://ca.test:8080", "config: derived from the DNS name and port");
        is_ok(ca_config_revocation_listen(c, &listen), "config: listen");
        is_str(listen, "127.0.0.1:8080", "config: host of [server] listen");
        ca_config_free(TAKE_PTR(c));
        free(TAKE_PTR(url));

        snprintf(text, sizeof(text), "%s[revocation]\nhttp_port = 80\ncrl_delay = 3s\n", base);
        is_ok(ca_config_parse(text, strlen(text), &c, NULL), "config: port 80");
        ca_config_revocation_base(c, &url);
        is_str(url, "http://ca.test", "config: no :80 in the URL");
        ok(c->crl_delay == 3, "config: crl_delay");
        ca_config_free(TAKE_PTR(c));
        free(TAKE_PTR(url));

        snprintf(text, sizeof(text), "%s[revocation]\nbase_url = http://crl.example.org/pki\n", base);
        is_ok(ca_config_parse(text, strlen(text), &c, NULL), "config: base_url");
        ca_config_revocation_base(c, &url);
        is_str(url, "http://crl.example.org/pki", "config: base_url as written");
        ca_config_free(TAKE_PTR(c));

        const char *bad[] = {
                "[revocation]\nbase_url = https://x.test\n", "[revocation]\nbase_url = http://x.test/\n",
                "[revocation]\nhttp_port = 0\n",             "[revocation]\ncrl_delay = soon\n",
                "[revocation]\ncrl_resign = 2d\n",           "[revocation]\nbogus = 1\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                snprintf(text, sizeof(text), "%s%s", base, bad[i]);
                ok(ca_config_parse(text, strlen(text), &c, NULL) == -EINVAL, "config: bad [revocation] refused");
        }
        (void) err;
}

int main(void) {
        _cleanup_(store_closep) store *st = NULL;
        pki p = {};

        log_set_max_level(LOG_WARNING);
        if (!ok(pki_make(&p) == 0, "test PKI made"))
                return tap_done();
        test_extensions(&p);
        test_crl(&p);
        if (ca_test_store_open(tmpdir, &st) == 0)
                test_store(st, &p);
        test_request_parser(&p);
        test_responses(&p);
        test_cache();
        test_config();
        store_close(TAKE_PTR(st));
        ca_test_dir_remove(tmpdir);
        pki_done(&p);
        return tap_done();
}
