/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for common/x509-*.c with fixed vectors made by the openssl CLI
 * (tests/unit/data/crypto/generate.sh): SANs of an openssl-made CSR and
 * certificate including two RFC 4043 PermanentIdentifiers, DER/PEM round
 * trips compared byte for byte, CSRs built through a signer for every key
 * type and read back, chain verification (success, wrong root, missing
 * intermediate, expiry and not-yet-valid at given times, clientAuth), the
 * TCG TPM directoryName SAN (built byte for byte as swtpm_cert makes it,
 * read back from a swtpm_cert EK certificate, malformed ones refused), and
 * refusal of truncated, trailing, oversized and garbage input.
 */
#include <openssl/pem.h>

#include "tests/unit/crypto-testdata.h"
#include "log.h"
#include "tests/unit/tap.h"
#include "x509.h"

#define EK_URI "urn:ek:sha256:qrs0rAYhg1e7wzq8lq6yIV-xxiAIlNumV7a6zESJcjM"
#define ASSIGNER "1.3.6.1.4.1.59207.1"

static void extensions_free(STACK_OF(X509_EXTENSION) *exts) {
        sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(STACK_OF(X509_EXTENSION) *, extensions_free);

#define T_2024_06_01 ((time_t) 1717200000)
#define T_2025_01_01 ((time_t) 1735689600)
#define T_2025_06_01 ((time_t) 1748736000)
#define T_2026_01_01 ((time_t) 1767225600)
#define T_2026_06_01 ((time_t) 1780272000)
#define T_2027_01_01 ((time_t) 1798761600)
#define T_2125_01_01 ((time_t) 4891363200)

/* The SANs generate.sh puts into leaf.csr, in order. */
static const x509_san leaf_sans[] = {
        { X509_SAN_DNS, (char *) "device-1234.example.com", NULL },
        { X509_SAN_DNS, (char *) "alt.example.com", NULL },
        { X509_SAN_IP, (char *) "192.0.2.7", NULL },
        { X509_SAN_IP, (char *) "2001:db8::1", NULL },
        { X509_SAN_URI, (char *) EK_URI, NULL },
        { X509_SAN_EMAIL, (char *) "device@example.com", NULL },
        { X509_SAN_PERMANENT_ID, (char *) EK_URI, (char *) ASSIGNER },
        { X509_SAN_PERMANENT_ID, (char *) "serial-0042", NULL },
};

static void check_sans(const x509_san_list *l, const x509_san *want, size_t n, const char *what) {
        printf("# SANs of %s\n", what);
        if (!is_int(l ? l->n : 0, n, "number of SANs"))
                return;
        for (size_t i = 0; i < n; i++) {
                is_int(l->items[i].type, want[i].type, "SAN type");
                is_str(l->items[i].value, want[i].value, "SAN value");
                if (want[i].assigner)
                        is_str(l->items[i].assigner, want[i].assigner, "PermanentIdentifier assigner");
                else
                        ok(l->items[i].assigner == NULL, "no assigner");
        }
}

static STACK_OF(X509) *stack_of(X509 *a, X509 *b) {
        STACK_OF(X509) *sk = sk_X509_new_null();
        if (!sk)
                abort();
        if (a && (X509_up_ref(a) != 1 || sk_X509_push(sk, a) <= 0))
                abort();
        if (b && (X509_up_ref(b) != 1 || sk_X509_push(sk, b) <= 0))
                abort();
        return sk;
}

static X509 *load_cert(const char *name) {
        _cleanup_free_ char *pem = NULL;
        X509 *c = NULL;
        size_t len;

        pem = testdata_read(name, &len);
        if (x509_cert_from_pem(pem, len, &c) < 0) {
                printf("Bail out! cannot load %s\n", name);
                exit(1);
        }
        return c;
}

static void test_openssl_csr(void) {
        _cleanup_free_ char *pem = NULL, *der = NULL, *cn = NULL, *pem2 = NULL;
        _cleanup_free_ uint8_t *der2 = NULL;
        _cleanup_(X509_REQ_freep) X509_REQ *a = NULL, *b = NULL;
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        _cleanup_pkey_ EVP_PKEY *key = testdata_key("leaf.key");
        size_t pem_len, der_len, len;

        pem = testdata_read("leaf.csr", &pem_len);
        der = testdata_read("leaf.csr.der", &der_len);
        is_ok(x509_csr_parse_pem(pem, pem_len, 4096, &a), "openssl CSR PEM parses");
        is_ok(x509_csr_parse_der((const uint8_t *) der, der_len, 4096, &b), "openssl CSR DER parses");
        if (!a || !b)
                return;
        is_ok(x509_csr_get_cn(a, &cn), "CN");
        is_str(cn, "device-1234", "CN value");
        is_ok(x509_csr_get_sans(a, &sans), "SANs");
        check_sans(sans, leaf_sans, ELEMENTSOF(leaf_sans), "openssl CSR");
        ok(x509_san_list_contains(sans, X509_SAN_PERMANENT_ID, EK_URI), "contains the EK URI");
        ok(!x509_san_list_contains(sans, X509_SAN_DNS, EK_URI), "but not as a DNS name");
        is_int(crypto_pubkey_equal(X509_REQ_get0_pubkey(a), key), 1, "CSR key is leaf.key");

        is_ok(x509_csr_to_der(a, &der2, &len), "CSR back to DER");
        is_mem(der2, len, der, der_len, "DER round trip is byte-exact");
        is_ok(x509_csr_der_to_pem(der2, len, &pem2), "DER to PEM");
        is_str(pem2, pem, "PEM matches openssl req output");
}

static void test_openssl_rsa_csr(void) {
        _cleanup_free_ char *pem = NULL, *cn = NULL;
        _cleanup_(X509_REQ_freep) X509_REQ *req = NULL;
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        static const x509_san want[] = { { X509_SAN_DNS, (char *) "rsa.example.com", NULL } };
        size_t len;

        pem = testdata_read("rsa2048.csr", &len);
        is_ok(x509_csr_parse_pem(pem, len, 4096, &req), "RSA CSR with empty subject parses");
        if (!req)
                return;
        is_err(x509_csr_get_cn(req, &cn), -ENOENT, "no CN");
        is_ok(x509_csr_get_sans(req, &sans), "SANs");
        check_sans(sans, want, 1, "RSA CSR");
}

static void test_csr_bad_input(void) {
        _cleanup_free_ char *der = NULL, *bad = NULL, *pem = NULL, *crt = NULL;
        _cleanup_free_ uint8_t *longer = NULL;
        size_t der_len, bad_len, pem_len, crt_len;
        X509_REQ *req = NULL;
        bool all = true;

        der = testdata_read("leaf.csr.der", &der_len);
        bad = testdata_read("leaf-badsig.csr.der", &bad_len);
        pem = testdata_read("leaf.csr", &pem_len);
        crt = testdata_read("leaf.crt", &crt_len);

        is_err(x509_csr_parse_der((const uint8_t *) bad, bad_len, 4096, &req), -EBADMSG,
               "CSR with a broken signature refused");
        for (size_t n = 0; n < der_len; n++)
                if (x509_csr_parse_der((const uint8_t *) der, n, 4096, &req) != -EBADMSG)
                        all = false;
        ok(all, "CSR DER truncated at every length refused");
        is_err(x509_csr_parse_der((const uint8_t *) der, der_len, der_len - 1, &req), -E2BIG,
               "CSR over max_len refused");
        is_ok(x509_csr_parse_der((const uint8_t *) der, der_len, der_len, &req), "CSR at exactly max_len");
        X509_REQ_free(TAKE_PTR(req));
        longer = malloc(der_len + 1);
        if (!longer)
                abort();
        memcpy(longer, der, der_len);
        longer[der_len] = 0;
        is_err(x509_csr_parse_der(longer, der_len + 1, 4096, &req), -EBADMSG, "trailing byte refused");
        /* Change the CN (device-1234 -> device-1235): still well-formed,
         * but the signature no longer covers it. */
        {
                uint8_t *cn = memmem(longer, der_len, "device-1234", 11);
                ok(cn != NULL, "CN found in the DER");
                if (cn)
                        cn[10] = '5';
                is_err(x509_csr_parse_der(longer, der_len, 4096, &req), -EBADMSG,
                       "CSR with a changed CN refused");
        }

        is_err(x509_csr_parse_pem(crt, crt_len, 4096, &req), -EBADMSG, "a certificate PEM is not a CSR");
        is_err(x509_csr_parse_pem("garbage", 7, 4096, &req), -EBADMSG, "garbage PEM");
        is_err(x509_csr_parse_pem("", 0, 4096, &req), -EBADMSG, "empty PEM");
        is_err(x509_csr_parse_pem(pem, pem_len, 64, &req), -E2BIG, "PEM text over the limit refused");
        is_err(x509_csr_parse_pem(pem, pem_len, der_len - 1, &req), -E2BIG, "PEM whose DER is over the limit");
        {
                static const char broken[] = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB!!!\n"
                                             "-----END CERTIFICATE REQUEST-----\n";
                is_err(x509_csr_parse_pem(broken, strlen(broken), 4096, &req), -EBADMSG, "broken base64");
        }
        ok(req == NULL, "nothing returned on failure");
}

static void build_and_check(const char *keyfile, int want_sig_nid, const char *cn) {
        _cleanup_pkey_ EVP_PKEY *key = testdata_key(keyfile);
        _cleanup_(signer_freep) signer *s = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        _cleanup_free_ char *pem = NULL, *got_cn = NULL;
        _cleanup_(X509_REQ_freep) X509_REQ *req = NULL, *req2 = NULL;
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        _cleanup_(extensions_freep) STACK_OF(X509_EXTENSION) *exts = NULL;
        size_t len;

        printf("# CSR built with %s, CN %s\n", keyfile, cn ? cn : "(none)");
        is_ok(signer_new_evp(key, &s), "software signer");
        is_ok(x509_csr_build(s, cn, leaf_sans, ELEMENTSOF(leaf_sans), &der, &len), "CSR built");
        if (!der)
                return;
        is_ok(x509_csr_parse_der(der, len, 8192, &req), "our CSR parses and its signature verifies");
        if (!req)
                return;
        is_int(X509_REQ_get_signature_nid(req), want_sig_nid, "signature algorithm");
        is_int(X509_REQ_get_version(req), 0, "version 1");
        is_int(crypto_pubkey_equal(X509_REQ_get0_pubkey(req), key), 1, "CSR carries the signer's key");
        if (cn) {
                is_ok(x509_csr_get_cn(req, &got_cn), "CN");
                is_str(got_cn, cn, "CN value");
        } else
                is_err(x509_csr_get_cn(req, &got_cn), -ENOENT, "empty subject");
        is_ok(x509_csr_get_sans(req, &sans), "SANs");
        check_sans(sans, leaf_sans, ELEMENTSOF(leaf_sans), "our CSR");

        exts = X509_REQ_get_extensions(req);
        ok(exts && sk_X509_EXTENSION_num(exts) == 1, "one requested extension");
        if (exts && sk_X509_EXTENSION_num(exts) == 1)
                is_int(X509_EXTENSION_get_critical(sk_X509_EXTENSION_value(exts, 0)), cn ? 0 : 1,
                       "SAN critical exactly when the subject is empty");

        is_ok(x509_csr_der_to_pem(der, len, &pem), "PEM");
        is_ok(x509_csr_parse_pem(pem, strlen(pem), 8192, &req2), "PEM parses back");
}

static void test_csr_build(void) {
        build_and_check("p256.key", NID_ecdsa_with_SHA256, "device-1234");
        build_and_check("p384.key", NID_ecdsa_with_SHA384, NULL);
        build_and_check("rsa2048.key", NID_sha256WithRSAEncryption, "rsa-device");
        build_and_check("rsa3072.key", NID_sha256WithRSAEncryption, NULL);
}

static void test_csr_build_no_sans(void) {
        _cleanup_pkey_ EVP_PKEY *key = testdata_key("p256.key");
        _cleanup_(signer_freep) signer *s = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        _cleanup_(X509_REQ_freep) X509_REQ *req = NULL;
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        _cleanup_free_ char *cn = NULL;
        size_t len;

        is_ok(signer_new_evp(key, &s), "signer");
        is_ok(x509_csr_build(s, NULL, NULL, 0, &der, &len), "CSR with no subject and no SANs");
        is_ok(x509_csr_parse_der(der, len, 4096, &req), "parses");
        is_ok(x509_csr_get_sans(req, &sans), "SANs of a CSR without extensionRequest");
        is_int(sans ? sans->n : 99, 0, "none");
        is_err(x509_csr_get_cn(req, &cn), -ENOENT, "no CN");
}

/* Many ECDSA signatures: some end in a zero byte, which the BIT STRING
 * encoding must keep. */
static void test_csr_many_signatures(void) {
        _cleanup_pkey_ EVP_PKEY *key = testdata_key("p256.key");
        _cleanup_(signer_freep) signer *s = NULL;
        unsigned good = 0, n = 600;

        if (signer_new_evp(key, &s) < 0)
                abort();
        for (unsigned i = 0; i < n; i++) {
                _cleanup_free_ uint8_t *der = NULL;
                _cleanup_(X509_REQ_freep) X509_REQ *req = NULL;
                char cn[32];
                size_t len;

                snprintf(cn, sizeof(cn), "device-%u", i);
                if (x509_csr_build(s, cn, NULL, 0, &der, &len) == 0 &&
                    x509_csr_parse_der(der, len, 4096, &req) == 0)
                        good++;
        }
        is_int(good, n, "600 CSRs built and verified");
}

static void test_csr_build_refusals(void) {
        _cleanup_pkey_ EVP_PKEY *key = testdata_key("p256.key");
        _cleanup_(signer_freep) signer *s = NULL;
        uint8_t *der = NULL;
        size_t len;
        static const struct {
                x509_san san;
                const char *what;
        } bad[] = {
                { { X509_SAN_IP, (char *) "192.0.2.300", NULL }, "bad IPv4" },
                { { X509_SAN_IP, (char *) "example.com", NULL }, "name as IP" },
                { { X509_SAN_IP, NULL, NULL }, "NULL IP" },
                { { X509_SAN_DNS, (char *) "", NULL }, "empty DNS" },
                { { X509_SAN_DNS, NULL, NULL }, "NULL DNS" },
                { { X509_SAN_DNS, (char *) "caf\xc3\xa9.example", NULL }, "non-ASCII DNS" },
                { { X509_SAN_URI, (char *) "urn:a\nb", NULL }, "control char in URI" },
                { { X509_SAN_PERMANENT_ID, (char *) "x", (char *) "not an oid" }, "bad assigner" },
                { { X509_SAN_PERMANENT_ID, (char *) "x", (char *) "commonName" }, "short name as assigner" },
                { { X509_SAN_PERMANENT_ID, NULL, NULL }, "empty PermanentIdentifier" },
                { { (x509_san_type) 42, (char *) "x", NULL }, "unknown type" },
        };

        if (signer_new_evp(key, &s) < 0)
                abort();
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                is_err(x509_csr_build(s, "x", &bad[i].san, 1, &der, &len), -EINVAL, bad[i].what);
        is_err(x509_csr_build(s, "", NULL, 0, &der, &len), -EINVAL, "empty CN");
        is_err(x509_csr_build(s, "0123456789012345678901234567890123456789012345678901234567890123456789",
                              NULL, 0, &der, &len),
               -EINVAL, "CN over 64 bytes");
        is_err(x509_csr_build(s, "x", NULL, 1, &der, &len), -EINVAL, "NULL SANs with a count");
        ok(der == NULL, "nothing returned on failure");
}

/* A signer that signs with a different key than the one it claims. */
static int liar_sign(void *userdata, int md_nid, const uint8_t *digest, size_t digest_len, uint8_t **ret_sig,
                     size_t *ret_sig_len) {
        _cleanup_(signer_freep) signer *other = NULL;
        int r = signer_new_evp(userdata, &other);
        return r < 0 ? r : signer_sign_digest(other, md_nid, digest, digest_len, ret_sig, ret_sig_len);
}
static int failing_sign(void *userdata, int md_nid, const uint8_t *digest, size_t digest_len,
                        uint8_t **ret_sig, size_t *ret_sig_len) {
        return -EIO;
}

static void test_csr_bad_signers(void) {
        static const signer_ops liar_ops = { .sign_digest = liar_sign };
        static const signer_ops failing_ops = { .sign_digest = failing_sign };
        _cleanup_pkey_ EVP_PKEY *claimed = testdata_key("p256.pub");
        _cleanup_pkey_ EVP_PKEY *actual = testdata_key("leaf.key");
        _cleanup_(signer_freep) signer *liar = NULL, *failing = NULL;
        uint8_t *der = NULL;
        size_t len;

        is_ok(signer_new(&liar_ops, actual, claimed, &liar), "lying signer");
        is_err(x509_csr_build(liar, "x", leaf_sans, 1, &der, &len), -EBADMSG,
               "CSR signed by the wrong key refused at build time");
        is_ok(signer_new(&failing_ops, NULL, claimed, &failing), "failing signer");
        is_err(x509_csr_build(failing, "x", NULL, 0, &der, &len), -EIO, "signer error passed through");
        ok(der == NULL, "nothing returned on failure");
}

/* A CSR (unsigned: x509_csr_get_sans does not look at the signature) whose
 * subjectAltName holds exactly one GeneralName, made with OpenSSL directly
 * so it can hold things our builder refuses to make. */
static X509_REQ *req_with_name(GENERAL_NAME *g) {
        _cleanup_(GENERAL_NAMES_freep) GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
        _cleanup_(extensions_freep) STACK_OF(X509_EXTENSION) *exts = NULL;
        X509_REQ *req = X509_REQ_new();

        if (!gens || !req || sk_GENERAL_NAME_push(gens, g) <= 0)
                abort();
        if (X509V3_add1_i2d(&exts, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) != 1 ||
            X509_REQ_add_extensions(req, exts) != 1)
                abort();
        return req;
}

static GENERAL_NAME *string_name(int type, int asn1_type, const void *data, int len) {
        GENERAL_NAME *g = GENERAL_NAME_new();
        ASN1_STRING *s = ASN1_STRING_type_new(asn1_type);

        if (!g || !s || ASN1_STRING_set(s, data, len) != 1)
                abort();
        GENERAL_NAME_set0_value(g, type, s);
        return g;
}

static GENERAL_NAME *other_name(const char *oid, int asn1_type, const void *data, int len) {
        GENERAL_NAME *g = GENERAL_NAME_new();
        ASN1_TYPE *t = ASN1_TYPE_new();
        ASN1_STRING *s = ASN1_STRING_type_new(asn1_type);

        if (!g || !t || !s || ASN1_STRING_set(s, data, len) != 1)
                abort();
        ASN1_TYPE_set(t, asn1_type, s);
        if (GENERAL_NAME_set0_othername(g, OBJ_txt2obj(oid, 1), t) != 1)
                abort();
        return g;
}

static void test_san_decoding_edges(void) {
        /* DER of PermanentIdentifier SEQUENCE bodies, tag and length included. */
        static const uint8_t only_assigner[] = { 0x30, 0x0b, 0x06, 0x09, 0x2b, 0x06, 0x01, 0x04,
                                                 0x01, 0x83, 0xce, 0x47, 0x01 };
        static const uint8_t empty_seq[] = { 0x30, 0x00 };
        static const uint8_t nul_in_value[] = { 0x30, 0x05, 0x0c, 0x03, 'a', 0x00, 'b' };
        static const uint8_t wrong_order[] = { 0x30, 0x0e, 0x06, 0x09, 0x2b, 0x06, 0x01, 0x04, 0x01,
                                               0x83, 0xce, 0x47, 0x01, 0x0c, 0x01, 'x' };
        static const uint8_t ip8[] = { 192, 0, 2, 0, 255, 255, 255, 0 };
        static const struct {
                const char *what;
                int kind; /* 0: other name sequence, 1: string */
                int gen_type, asn1_type;
                const char *oid;
                const void *data;
                int len;
                int want_r;
                const char *want_value, *want_assigner;
        } v[] = {
                { "PermanentIdentifier with only an assigner", 0, GEN_OTHERNAME, V_ASN1_SEQUENCE,
                  OID_PERMANENT_IDENTIFIER, only_assigner, sizeof(only_assigner), 0, "", ASSIGNER },
                { "empty PermanentIdentifier", 0, GEN_OTHERNAME, V_ASN1_SEQUENCE, OID_PERMANENT_IDENTIFIER,
                  empty_seq, sizeof(empty_seq), 0, "", NULL },
                { "NUL inside identifierValue", 0, GEN_OTHERNAME, V_ASN1_SEQUENCE, OID_PERMANENT_IDENTIFIER,
                  nul_in_value, sizeof(nul_in_value), -EBADMSG, NULL, NULL },
                { "fields in the wrong order", 0, GEN_OTHERNAME, V_ASN1_SEQUENCE, OID_PERMANENT_IDENTIFIER,
                  wrong_order, sizeof(wrong_order), -EBADMSG, NULL, NULL },
                { "PermanentIdentifier that is a bare UTF8String", 0, GEN_OTHERNAME, V_ASN1_UTF8STRING,
                  OID_PERMANENT_IDENTIFIER, "x", 1, -EBADMSG, NULL, NULL },
                { "foreign otherName skipped", 0, GEN_OTHERNAME, V_ASN1_UTF8STRING, "1.3.6.1.4.1.311.20.2.3",
                  "upn@example", 11, 0, NULL, NULL },
                { "DNS name with a NUL", 1, GEN_DNS, V_ASN1_IA5STRING, NULL, "a\0.example", 10, -EBADMSG,
                  NULL, NULL },
                { "DNS name with a high byte", 1, GEN_DNS, V_ASN1_IA5STRING, NULL, "caf\xc3\xa9", 5, -EBADMSG,
                  NULL, NULL },
                { "IP SAN of 8 bytes", 1, GEN_IPADD, V_ASN1_OCTET_STRING, NULL, ip8, sizeof(ip8), -EBADMSG,
                  NULL, NULL },
                { "registeredID skipped", 2, GEN_RID, 0, "1.2.3.4", NULL, 0, 0, NULL, NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                _cleanup_(X509_REQ_freep) X509_REQ *req = NULL;
                _cleanup_(x509_san_list_freep) x509_san_list *l = NULL;
                GENERAL_NAME *g;
                int r;

                if (v[i].kind == 0)
                        g = other_name(v[i].oid, v[i].asn1_type, v[i].data, v[i].len);
                else if (v[i].kind == 1)
                        g = string_name(v[i].gen_type, v[i].asn1_type, v[i].data, v[i].len);
                else {
                        g = GENERAL_NAME_new();
                        if (!g)
                                abort();
                        GENERAL_NAME_set0_value(g, GEN_RID, OBJ_txt2obj(v[i].oid, 1));
                }
                req = req_with_name(g);
                r = x509_csr_get_sans(req, &l);
                is_int(r, v[i].want_r, v[i].what);
                if (r < 0) {
                        ok(l == NULL, "no list on failure");
                        continue;
                }
                if (!v[i].want_value) {
                        is_int(l->n, 0, "nothing returned for a skipped name");
                        continue;
                }
                if (!is_int(l->n, 1, "one SAN"))
                        continue;
                is_int(l->items[0].type, X509_SAN_PERMANENT_ID, "type");
                is_str(l->items[0].value, v[i].want_value, "value");
                if (v[i].want_assigner)
                        is_str(l->items[0].assigner, v[i].want_assigner, "assigner");
                else
                        ok(!l->items[0].assigner, "no assigner");
        }
}

static void test_bad_extension_request(void) {
        _cleanup_(X509_REQ_freep) X509_REQ *not_seq = X509_REQ_new(), *twice = X509_REQ_new();
        _cleanup_(extensions_freep) STACK_OF(X509_EXTENSION) *exts = NULL;
        _cleanup_(GENERAL_NAMES_freep) GENERAL_NAMES *gens = NULL;
        static const x509_san san = { X509_SAN_DNS, (char *) "a.example", NULL };
        x509_san_list *l = NULL;

        if (!not_seq || !twice)
                abort();
        if (X509_REQ_add1_attr_by_NID(not_seq, NID_ext_req, V_ASN1_UTF8STRING,
                                      (const unsigned char *) "x", 1) != 1)
                abort();
        is_err(x509_csr_get_sans(not_seq, &l), -EBADMSG, "extensionRequest that is not a SEQUENCE");

        if (x509_sans_to_general_names(&san, 1, &gens) < 0 ||
            X509V3_add1_i2d(&exts, NID_subject_alt_name, gens, 0, X509V3_ADD_APPEND) != 1 ||
            X509V3_add1_i2d(&exts, NID_subject_alt_name, gens, 0, X509V3_ADD_APPEND) != 1 ||
            X509_REQ_add_extensions(twice, exts) != 1)
                abort();
        is_err(x509_csr_get_sans(twice, &l), -EBADMSG, "two subjectAltName extensions");
        ok(l == NULL, "nothing returned");
}

static void test_build_assigner_only(void) {
        static const x509_san sans[] = { { X509_SAN_PERMANENT_ID, NULL, (char *) ASSIGNER } };
        _cleanup_pkey_ EVP_PKEY *key = testdata_key("p256.key");
        _cleanup_(signer_freep) signer *s = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        _cleanup_(X509_REQ_freep) X509_REQ *req = NULL;
        _cleanup_(x509_san_list_freep) x509_san_list *l = NULL;
        size_t len;

        if (signer_new_evp(key, &s) < 0)
                abort();
        is_ok(x509_csr_build(s, "x", sans, 1, &der, &len), "PermanentIdentifier without identifierValue");
        is_ok(x509_csr_parse_der(der, len, 4096, &req), "parses");
        is_ok(x509_csr_get_sans(req, &l), "SANs");
        if (l && is_int(l->n, 1, "one SAN")) {
                is_str(l->items[0].value, "", "absent value reads as empty");
                is_str(l->items[0].assigner, ASSIGNER, "assigner");
        }
}

/* A directoryName of (oid, ASN.1 string type, value) entries, one RDN each. */
static GENERAL_NAME *dir_name(size_t n, const char *const *oids, const int *types, const char *const *values) {
        GENERAL_NAME *g = GENERAL_NAME_new();
        X509_NAME *name = X509_NAME_new();

        if (!g || !name)
                abort();
        for (size_t i = 0; i < n; i++) {
                ASN1_OBJECT *o = OBJ_txt2obj(oids[i], 1);
                if (!o || X509_NAME_add_entry_by_OBJ(name, o, types[i], (const unsigned char *) values[i], -1, -1,
                                                     0) != 1)
                        abort();
                ASN1_OBJECT_free(o);
        }
        GENERAL_NAME_set0_value(g, GEN_DIRNAME, name);
        return g;
}

static void test_tpm_device_san(void) {
        static const char swtpm_cert_note[] = "swtpm_cert's EK certificate";
        x509_tpm_attrs a = {};
        char long_model[X509_TPM_ATTR_MAX + 2];

        printf("# TPM device directoryName\n");
        is_ok(x509_tpm_attrs_from_tpm(0x49424d00, "SW   TPM", 0x2019000a, &a), "attributes from TPM properties");
        is_str(a.manufacturer, "id:49424D00", "manufacturer: id: and 8 uppercase hex digits");
        is_str(a.model, "SW   TPM", "model as given");
        is_str(a.version, "id:2019000A", "version: id: and 8 uppercase hex digits");
        x509_tpm_attrs_done(&a);
        ok(!a.manufacturer && !a.model && !a.version, "done clears");
        x509_tpm_attrs_done(NULL);
        memset(long_model, 'm', sizeof(long_model) - 1);
        long_model[sizeof(long_model) - 1] = '\0';
        is_err(x509_tpm_attrs_from_tpm(1, "", 1, &a), -EINVAL, "empty model refused");
        is_err(x509_tpm_attrs_from_tpm(1, NULL, 1, &a), -EINVAL, "NULL model refused");
        is_err(x509_tpm_attrs_from_tpm(1, "a\tb", 1, &a), -EINVAL, "control character refused");
        is_err(x509_tpm_attrs_from_tpm(1, long_model, 1, &a), -EINVAL, "model over 255 bytes refused");
        long_model[X509_TPM_ATTR_MAX] = '\0';
        is_ok(x509_tpm_attrs_from_tpm(1, long_model, 1, &a), "model of 255 bytes accepted");
        x509_tpm_attrs_done(&a);

        /* The encoding equals swtpm_cert's, byte for byte. */
        {
                _cleanup_free_ char *der = NULL;
                _cleanup_x509_ X509 *ek = NULL;
                _cleanup_(GENERAL_NAMES_freep) GENERAL_NAMES *gens = NULL;
                _cleanup_(x509_san_list_freep) x509_san_list *l = NULL;
                const ASN1_OCTET_STRING *ext_value;
                unsigned char *mine = NULL;
                size_t len;
                int n, idx;
                x509_san san = { .type = X509_SAN_TPM_DEVICE,
                                 .tpm = { (char *) "id:00001014", (char *) "swtpm", (char *) "id:20191023" } };

                der = testdata_read("ek-swtpm.der", &len);
                if (x509_cert_from_der((const uint8_t *) der, len, &ek) < 0) {
                        printf("Bail out! ek-swtpm.der does not load\n");
                        exit(1);
                }
                is_ok(x509_cert_get_sans(ek, &l), swtpm_cert_note);
                if (l && is_int(l->n, 1, "one SAN")) {
                        is_int(l->items[0].type, X509_SAN_TPM_DEVICE, "a TPM device name");
                        is_str(l->items[0].value, "", "value reads as empty");
                        is_str(l->items[0].tpm.manufacturer, "id:00001014", "manufacturer read");
                        is_str(l->items[0].tpm.model, "swtpm", "model read");
                        is_str(l->items[0].tpm.version, "id:20191023", "version read");
                }
                idx = X509_get_ext_by_NID(ek, NID_subject_alt_name, -1);
                ext_value = idx >= 0 ? X509_EXTENSION_get_data(X509_get_ext(ek, idx)) : NULL;
                is_ok(x509_sans_to_general_names(&san, 1, &gens), "TPM name encodes");
                n = gens ? i2d_GENERAL_NAMES(gens, &mine) : -1;
                if (ext_value && n > 0)
                        is_mem(mine, (size_t) n, ASN1_STRING_get0_data(ext_value),
                               (size_t) ASN1_STRING_length(ext_value), "same DER as swtpm_cert");
                else
                        ok(false, "same DER as swtpm_cert");
                OPENSSL_free(mine);
        }

        /* Built into a CSR next to a URI, read back in order. */
        {
                _cleanup_pkey_ EVP_PKEY *key = testdata_key("p256.key");
                _cleanup_(signer_freep) signer *sg = NULL;
                _cleanup_free_ uint8_t *der = NULL;
                _cleanup_(X509_REQ_freep) X509_REQ *req = NULL;
                _cleanup_(x509_san_list_freep) x509_san_list *l = NULL;
                size_t len;
                x509_san sans[] = {
                        { .type = X509_SAN_URI, .value = (char *) EK_URI },
                        { .type = X509_SAN_TPM_DEVICE,
                          .tpm = { (char *) "id:49424D00", (char *) "SW   TPM", (char *) "id:20191023" } },
                };

                if (signer_new_evp(key, &sg) < 0)
                        abort();
                is_ok(x509_csr_build(sg, NULL, sans, 2, &der, &len), "CSR with a TPM name");
                is_ok(x509_csr_parse_der(der, len, 4096, &req), "parses");
                is_ok(x509_csr_get_sans(req, &l), "SANs");
                if (l && is_int(l->n, 2, "two SANs")) {
                        is_int(l->items[0].type, X509_SAN_URI, "URI first");
                        is_int(l->items[1].type, X509_SAN_TPM_DEVICE, "then the TPM name");
                        is_str(l->items[1].tpm.model, "SW   TPM", "model round trip");
                        is_str(l->items[1].tpm.version, "id:20191023", "version round trip");
                }
                free(TAKE_PTR(der));
                sans[1].tpm.model = NULL;
                is_err(x509_csr_build(sg, NULL, sans, 2, &der, &len), -EINVAL, "TPM name without a model refused");
                sans[1].tpm.model = (char *) "bad\nmodel";
                is_err(x509_csr_build(sg, NULL, sans, 2, &der, &len), -EINVAL, "TPM name with a newline refused");
        }

        /* Decoding edges. */
        {
                static const char *const dup_oids[] = { OID_TCG_AT_TPM_MANUFACTURER, OID_TCG_AT_TPM_MANUFACTURER };
                static const char *const model_oid[] = { OID_TCG_AT_TPM_MODEL };
                static const char *const cn_oid[] = { "2.5.4.3" };
                static const char *const mixed_oids[] = { "2.5.4.3", OID_TCG_AT_TPM_VERSION };
                static const int utf8[] = { V_ASN1_UTF8STRING, V_ASN1_UTF8STRING };
                static const int printable[] = { V_ASN1_PRINTABLESTRING };
                static const int octets[] = { V_ASN1_BIT_STRING };
                static const char *const two[] = { "id:00000001", "id:00000002" };
                static const char *const one[] = { "model-x" };
                static const char *const mixed_values[] = { "host", "id:00010002" };
                char big[X509_TPM_ATTR_MAX + 2];
                const char *const big_value[] = { big };
                const struct {
                        const char *what;
                        GENERAL_NAME *g;
                        int want_r;
                        size_t want_n;
                } v[] = {
                        { "a TPM attribute twice", dir_name(2, dup_oids, utf8, two), -EBADMSG, 0 },
                        { "a directoryName without TPM attributes is skipped", dir_name(1, cn_oid, utf8, one), 0, 0 },
                        { "a model alone", dir_name(1, model_oid, printable, one), 0, 1 },
                        { "other attributes next to a TPM one", dir_name(2, mixed_oids, utf8, mixed_values), 0, 1 },
                        { "a value that is not a string", dir_name(1, model_oid, octets, one), -EBADMSG, 0 },
                        { "a value over 255 bytes", (memset(big, 'x', sizeof(big) - 1), big[sizeof(big) - 1] = 0,
                                                     dir_name(1, model_oid, utf8, big_value)),
                          -EBADMSG, 0 },
                };

                for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                        _cleanup_(X509_REQ_freep) X509_REQ *req = req_with_name(v[i].g);
                        _cleanup_(x509_san_list_freep) x509_san_list *l = NULL;
                        int r = x509_csr_get_sans(req, &l);

                        is_int(r, v[i].want_r, v[i].what);
                        if (r >= 0)
                                is_int(l->n, v[i].want_n, "number of names returned");
                        if (r >= 0 && l->n == 1 && i == 2) {
                                ok(!l->items[0].tpm.manufacturer && !l->items[0].tpm.version, "absent ones are NULL");
                                is_str(l->items[0].tpm.model, "model-x", "PrintableString read");
                        }
                        if (r >= 0 && l->n == 1 && i == 3)
                                is_str(l->items[0].tpm.version, "id:00010002", "version next to a CN");
                }
        }
}

static void test_certs(void) {
        _cleanup_free_ char *pem = NULL, *der = NULL, *chain_pem = NULL, *cn = NULL, *out_pem = NULL;
        _cleanup_free_ char *chain_out = NULL, *root_pem = NULL;
        _cleanup_free_ uint8_t *out_der = NULL;
        _cleanup_x509_ X509 *a = NULL, *b = NULL, *root = NULL;
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL, *root_sans = NULL;
        size_t pem_len, der_len, chain_len, len, root_len;
        time_t nb = 0, na = 0;

        pem = testdata_read("leaf.crt", &pem_len);
        der = testdata_read("leaf.crt.der", &der_len);
        chain_pem = testdata_read("chain.pem", &chain_len);
        root_pem = testdata_read("root.crt", &root_len);

        is_ok(x509_cert_from_pem(pem, pem_len, &a), "cert PEM");
        is_ok(x509_cert_from_der((const uint8_t *) der, der_len, &b), "cert DER");
        if (!a || !b)
                return;
        is_int(X509_cmp(a, b), 0, "same certificate");
        is_ok(x509_cert_to_der(a, &out_der, &len), "to DER");
        is_mem(out_der, len, der, der_len, "DER round trip");
        is_ok(x509_cert_to_pem(b, &out_pem), "to PEM");
        is_str(out_pem, pem, "PEM round trip");
        is_ok(x509_cert_get_cn(a, &cn), "CN");
        is_str(cn, "device-1234", "CN value");
        is_ok(x509_cert_get_sans(a, &sans), "SANs copied from the CSR by openssl ca");
        check_sans(sans, leaf_sans, ELEMENTSOF(leaf_sans), "openssl-issued certificate");
        is_ok(x509_cert_get_validity(a, &nb, &na), "validity");
        is_int(nb, T_2025_01_01, "notBefore 2025-01-01");
        is_int(na, T_2125_01_01, "notAfter 2125-01-01 (GeneralizedTime)");
        is_ok(x509_cert_get_validity(a, NULL, &na), "validity, notAfter only");

        is_ok(x509_cert_from_pem(root_pem, root_len, &root), "root");
        is_ok(x509_cert_get_sans(root, &root_sans), "SANs of a cert without the extension");
        is_int(root_sans ? root_sans->n : 99, 0, "none");

        is_ok(x509_chain_from_pem(chain_pem, chain_len, 8, &chain), "chain PEM");
        is_int(chain ? sk_X509_num(chain) : 0, 2, "two certificates");
        if (chain && sk_X509_num(chain) == 2) {
                is_int(X509_cmp(sk_X509_value(chain, 0), a), 0, "leaf first");
                is_ok(x509_chain_to_pem(chain, &chain_out), "chain to PEM");
                is_str(chain_out, chain_pem, "chain PEM round trip");
        }
}

static void test_cert_bad_input(void) {
        _cleanup_free_ char *der = NULL, *chain = NULL, *key = NULL, *chain3 = NULL;
        _cleanup_free_ uint8_t *longer = NULL;
        size_t der_len, chain_len, key_len, chain3_len;
        STACK_OF(X509) *sk = NULL;
        X509 *c = NULL;
        bool all = true;
        static const char broken[] = "-----BEGIN CERTIFICATE-----\nMIIB//==\n-----END CERTIFICATE-----\n";

        der = testdata_read("leaf.crt.der", &der_len);
        chain = testdata_read("chain.pem", &chain_len);
        chain3 = testdata_read("chain3.pem", &chain3_len);
        key = testdata_read("p256.key", &key_len);

        for (size_t n = 0; n < der_len; n += 3)
                if (x509_cert_from_der((const uint8_t *) der, n, &c) != -EBADMSG)
                        all = false;
        ok(all, "truncated certificate DER refused");
        longer = malloc(der_len + 2);
        if (!longer)
                abort();
        memcpy(longer, der, der_len);
        longer[der_len] = 0x30;
        longer[der_len + 1] = 0x00;
        is_err(x509_cert_from_der(longer, der_len + 2, &c), -EBADMSG, "trailing data after certificate");
        is_err(x509_cert_from_pem("nothing", 7, &c), -EBADMSG, "no certificate in PEM");
        is_err(x509_cert_from_pem(broken, strlen(broken), &c), -EBADMSG, "broken certificate PEM");
        ok(c == NULL, "nothing returned");

        is_err(x509_chain_from_pem(chain, chain_len, 1, &sk), -E2BIG, "more than max_certs");
        is_err(x509_chain_from_pem(chain3, chain3_len, 2, &sk), -E2BIG, "three certs, limit two");
        is_err(x509_chain_from_pem("", 0, 8, &sk), -ENOENT, "empty bundle");
        is_err(x509_chain_from_pem(key, key_len, 8, &sk), -ENOENT, "key only: no certificates");
        is_err(x509_chain_from_pem(broken, strlen(broken), 8, &sk), -EBADMSG, "broken block");
        {
                /* A good certificate followed by a broken one: the whole
                 * bundle is refused, not silently cut short. */
                _cleanup_free_ char *mixed = NULL;
                if (asprintf(&mixed, "%s%s", chain, broken) < 0)
                        abort();
                is_err(x509_chain_from_pem(mixed, strlen(mixed), 8, &sk), -EBADMSG,
                       "good then broken certificate");
        }
        {
                /* A bundle with a key block between certificates keeps the
                 * certificates. */
                _cleanup_free_ char *mixed = NULL;
                _cleanup_x509_stack_ STACK_OF(X509) *ok_sk = NULL;
                if (asprintf(&mixed, "%s%s", key, chain) < 0)
                        abort();
                is_ok(x509_chain_from_pem(mixed, strlen(mixed), 8, &ok_sk), "key block skipped");
                is_int(ok_sk ? sk_X509_num(ok_sk) : 0, 2, "both certificates found");
        }
        ok(sk == NULL, "nothing returned");
}

static void test_verify(void) {
        _cleanup_x509_ X509 *root = load_cert("root.crt");
        _cleanup_x509_ X509 *other = load_cert("other-root.crt");
        _cleanup_x509_ X509 *inter = load_cert("int.crt");
        _cleanup_x509_ X509 *leaf = load_cert("leaf.crt");
        _cleanup_x509_ X509 *server = load_cert("leaf-server.crt");
        _cleanup_x509_ X509 *y2025 = load_cert("leaf-2025.crt");
        _cleanup_x509_stack_ STACK_OF(X509) *roots = stack_of(root, NULL);
        _cleanup_x509_stack_ STACK_OF(X509) *other_roots = stack_of(other, NULL);
        _cleanup_x509_stack_ STACK_OF(X509) *both_roots = stack_of(other, root);
        _cleanup_x509_stack_ STACK_OF(X509) *inters = stack_of(inter, NULL);
        _cleanup_x509_stack_ STACK_OF(X509) *none = stack_of(NULL, NULL);

        is_ok(x509_chain_verify(leaf, inters, roots, T_2026_06_01, true), "leaf verifies for clientAuth");
        is_ok(x509_chain_verify(leaf, inters, roots, 0, true), "leaf verifies now");
        is_ok(x509_chain_verify(leaf, inters, both_roots, T_2026_06_01, true), "right root among several");
        is_ok(x509_chain_verify(inter, NULL, roots, T_2026_06_01, false), "intermediate verifies");
        is_ok(x509_chain_verify(root, NULL, roots, T_2026_06_01, false), "root verifies itself");
        is_err(x509_chain_verify(leaf, NULL, roots, T_2026_06_01, false), -EBADMSG, "missing intermediate");
        is_err(x509_chain_verify(leaf, inters, other_roots, T_2026_06_01, false), -EBADMSG,
               "same-name root with another key");
        is_err(x509_chain_verify(leaf, NULL, inters, T_2026_06_01, false), -EBADMSG,
               "intermediate is not a trust anchor");
        is_err(x509_chain_verify(leaf, inters, none, T_2026_06_01, false), -EBADMSG, "no roots at all");
        is_err(x509_chain_verify(leaf, inters, roots, T_2024_06_01, false), -EBADMSG, "not yet valid in 2024");
        is_err(x509_chain_verify(leaf, inters, roots, T_2125_01_01 + 1, false), -EBADMSG,
               "expired after 2125-01-01");
        {
                _cleanup_free_ char *ls = NULL, *rs = NULL;

                is_ok(x509_cert_serial_hex(leaf, &ls), "leaf serial");
                is_str(ls, "1003", "leaf serial as `openssl x509 -serial` shows it, lowercase");
                is_ok(x509_cert_serial_hex(root, &rs), "root serial");
                is_str(rs, "1000", "root serial");
        }
        {
                /* As a server sends it: leaf first, then the intermediates. */
                _cleanup_x509_stack_ STACK_OF(X509) *sent = stack_of(leaf, inter);
                _cleanup_x509_stack_ STACK_OF(X509) *leaf_only = stack_of(leaf, NULL);

                is_ok(x509_chain_verify_stack(sent, roots, T_2026_06_01, true), "sent chain verifies");
                is_int(sk_X509_num(sent), 2, "sent chain left as it was");
                ok(sk_X509_value(sent, 0) == leaf, "leaf still first");
                is_err(x509_chain_verify_stack(leaf_only, roots, T_2026_06_01, true), -EBADMSG,
                       "sent chain without its intermediate");
                is_err(x509_chain_verify_stack(sent, other_roots, T_2026_06_01, false), -EBADMSG,
                       "sent chain, wrong root");
                is_err(x509_chain_verify_stack(none, roots, T_2026_06_01, false), -EINVAL, "empty chain");
        }
        is_ok(x509_chain_verify(y2025, inters, roots, T_2025_06_01, true), "2025 cert valid in 2025");
        is_err(x509_chain_verify(y2025, inters, roots, T_2026_06_01, true), -EBADMSG, "2025 cert expired in 2026");
        is_err(x509_chain_verify(y2025, inters, roots, T_2026_01_01 + 1, false), -EBADMSG,
               "expired one second after notAfter");
        is_ok(x509_chain_verify(server, inters, roots, T_2026_06_01, false), "serverAuth cert, no purpose");
        is_err(x509_chain_verify(server, inters, roots, T_2026_06_01, true), -EBADMSG,
               "serverAuth cert refused for clientAuth");
        is_err(x509_chain_verify(inter, NULL, roots, T_2026_06_01, true), -EBADMSG,
               "cert without EKU refused for clientAuth");
        {
                /* Issued by the root directly, valid from 2026-11-22. */
                _cleanup_x509_ X509 *no_ku = load_cert("leaf-no_ku.crt");
                _cleanup_x509_ X509 *ku_enc = load_cert("leaf-ku_encipher.crt");

                is_ok(x509_chain_verify(no_ku, NULL, roots, T_2027_01_01, false), "no keyUsage, no purpose");
                is_err(x509_chain_verify(no_ku, NULL, roots, T_2027_01_01, true), -EBADMSG,
                       "no keyUsage refused for clientAuth");
                is_ok(x509_chain_verify(ku_enc, NULL, roots, T_2027_01_01, false),
                      "keyEncipherment only, no purpose");
                is_err(x509_chain_verify(ku_enc, NULL, roots, T_2027_01_01, true), -EBADMSG,
                       "keyEncipherment only refused for clientAuth");
        }
        is_err(x509_chain_verify(NULL, inters, roots, 0, false), -EINVAL, "NULL leaf");
        is_err(x509_chain_verify(leaf, inters, NULL, 0, false), -EINVAL, "NULL roots");
}

int main(void) {
        log_parse_environment();
        test_openssl_csr();
        test_openssl_rsa_csr();
        test_csr_bad_input();
        test_csr_build();
        test_csr_build_no_sans();
        test_csr_many_signatures();
        test_csr_build_refusals();
        test_csr_bad_signers();
        test_san_decoding_edges();
        test_bad_extension_request();
        test_build_assigner_only();
        test_tpm_device_san();
        test_certs();
        test_cert_bad_input();
        test_verify();
        return tap_done();
}
