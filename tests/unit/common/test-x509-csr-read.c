/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for common/x509-csr-read.c: every CSR is read both by
 * x509_csr_read_der() and by the general x509_csr_parse_der(), and the two
 * must agree (same verdict; for a CSR both take, the same key, CN, SANs
 * and DER), while the test says which CSRs the fast path must take. The
 * CSRs: openssl-made fixed vectors (P-256 with extensionRequest SANs, a
 * plain P-256, RSA, P-384, a compressed point, ecdsa-with-SHA384, a bad
 * signature), each field of the leaf CSR mutated and re-signed with its
 * key (version, a padded length, attributes absent, empty, extra or
 * unordered, two subjectAltNames, an unknown extension request), and
 * trailing, truncated, oversized and corrupted bytes.
 */
#include <openssl/pem.h>

#include "tests/unit/crypto-testdata.h"
#include "log.h"
#include "tests/unit/tap.h"
#include "x509.h"

static bool sans_equal(const x509_san_list *a, const x509_san_list *b) {
        if (a->n != b->n)
                return false;
        for (size_t i = 0; i < a->n; i++)
                if (a->items[i].type != b->items[i].type || !streq(a->items[i].value, b->items[i].value) ||
                    !streq_ptr(a->items[i].assigner, b->items[i].assigner))
                        return false;
        return true;
}

/* Reads der both ways; both must return want; for a CSR both take, the
 * fast path must (or must not) have taken it and the results must match. */
static void agree(const uint8_t *der, size_t len, size_t max, int want, bool want_fast, const char *what) {
        _cleanup_(x509_csr_freep) x509_csr *c = NULL;
        _cleanup_(X509_REQ_freep) X509_REQ *req = NULL;
        _cleanup_(x509_san_list_freep) x509_san_list *sa = NULL, *sb = NULL;
        _cleanup_free_ char *cna = NULL, *cnb = NULL;
        _cleanup_free_ uint8_t *der2 = NULL;
        const uint8_t *d;
        size_t dl, len2;
        int a, b;

        printf("# %s\n", what);
        a = x509_csr_read_der(der, len, max, &c);
        b = x509_csr_parse_der(der, len, max, &req);
        is_int(a, want, "x509_csr_read_der's verdict");
        is_int(b, want, "x509_csr_parse_der's verdict");
        if (a < 0 || b < 0)
                return;
        is_int(x509_csr_read_fast(c), want_fast, want_fast ? "read on the fast path" : "read on the general path");
        is_int(EVP_PKEY_eq(x509_csr_public_key(c), X509_REQ_get0_pubkey(req)), 1, "same public key");
        d = x509_csr_der(c, &dl);
        is_ok(x509_csr_to_der(req, &der2, &len2), "general DER");
        is_mem(d, dl, der2, len2, "same DER");
        a = x509_csr_cn(c, &cna);
        b = x509_csr_get_cn(req, &cnb);
        is_int(a, b, "same CN verdict");
        if (a == 0 && b == 0)
                is_str(cna, cnb, "same CN");
        a = x509_csr_sans(c, &sa);
        b = x509_csr_get_sans(req, &sb);
        is_int(a, b, "same SAN verdict");
        if (a == 0 && b == 0)
                ok(sans_equal(sa, sb), "same SANs");
}

/* The CertificationRequestInfo TLV of a DER CSR (its header is 4 bytes
 * long: 30 82 HI LO). */
static void info_of(const uint8_t *der, const uint8_t **ret, size_t *ret_len) {
        size_t outer = 4; /* 30 82 HI LO */

        *ret = der + outer;
        *ret_len = 4 + ((size_t) der[outer + 2] << 8 | der[outer + 3]);
}

static void put_len(uint8_t **p, size_t n) {
        if (n < 0x80)
                *(*p)++ = (uint8_t) n;
        else if (n < 0x100) {
                *(*p)++ = 0x81;
                *(*p)++ = (uint8_t) n;
        } else {
                *(*p)++ = 0x82;
                *(*p)++ = (uint8_t) (n >> 8);
                *(*p)++ = (uint8_t) n;
        }
}

/* A CSR around info signed by key with ecdsa-with-SHA256, DER-encoded. */
static uint8_t *sign_info(EVP_PKEY *key, const uint8_t *info, size_t info_len, size_t *ret_len) {
        static const uint8_t alg[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
        _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *md = EVP_MD_CTX_new();
        uint8_t sig[128], *out, *p;
        size_t sig_len = sizeof(sig), body;

        if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
            EVP_DigestSign(md, sig, &sig_len, info, info_len) != 1)
                abort();
        body = info_len + sizeof(alg) + 2 + 1 + sig_len;
        out = malloc(body + 8);
        if (!out)
                abort();
        p = out;
        *p++ = 0x30;
        put_len(&p, body);
        memcpy(p, info, info_len);
        p += info_len;
        memcpy(p, alg, sizeof(alg));
        p += sizeof(alg);
        *p++ = 0x03;
        *p++ = (uint8_t) (sig_len + 1);
        *p++ = 0x00;
        memcpy(p, sig, sig_len);
        p += sig_len;
        *ret_len = (size_t) (p - out);
        return out;
}

/* A CSR for key made and signed by OpenSSL's X509_REQ API, after
 * setup(req) added what the case needs. */
static uint8_t *build_csr(EVP_PKEY *key, void (*setup)(X509_REQ *req), size_t *ret_len) {
        _cleanup_(X509_REQ_freep) X509_REQ *req = X509_REQ_new();
        uint8_t *der = NULL;
        size_t len;

        if (!req || X509_REQ_set_pubkey(req, key) != 1 ||
            X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_UTF8,
                                       (const unsigned char *) "built", -1, -1, 0) != 1)
                abort();
        setup(req);
        if (X509_REQ_sign(req, key, EVP_sha256()) <= 0 || x509_csr_to_der(req, &der, &len) < 0)
                abort();
        *ret_len = len;
        return der;
}

static void add_exts(X509_REQ *req, const char *const *sans, size_t n, int nid) {
        STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();

        for (size_t i = 0; i < n; i++) {
                X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, sans[i]);

                if (!e || !sk_X509_EXTENSION_push(exts, e))
                        abort();
        }
        if (!exts || X509_REQ_add_extensions_nid(req, exts, nid) != 1)
                abort();
        sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}

static void setup_one_san(X509_REQ *req) {
        static const char *const s[] = { "DNS:a.example.com,IP:192.0.2.1" };
        add_exts(req, s, 1, NID_ext_req);
}
static void setup_two_sans(X509_REQ *req) {
        static const char *const s[] = { "DNS:a.example.com", "DNS:b.example.com" };
        add_exts(req, s, 2, NID_ext_req);
}
static void setup_ms_ext_req(X509_REQ *req) {
        static const char *const s[] = { "DNS:ms.example.com" };
        add_exts(req, s, 1, NID_ms_ext_req);
}
static void setup_password_and_sans(X509_REQ *req) {
        setup_one_san(req);
        if (X509_REQ_add1_attr_by_NID(req, NID_pkcs9_challengePassword, MBSTRING_ASC,
                                      (const unsigned char *) "secret", -1) != 1)
                abort();
}
static void setup_nothing(X509_REQ *req) {
        (void) req;
}

static void test_openssl_vectors(void) {
        static const struct {
                const char *file;
                bool fast;
        } v[] = {
                { "leaf.csr.der", true },       { "p256-plain.csr.der", true },
                { "p384.csr.der", false },      { "leaf-compressed.csr.der", false },
                { "leaf-sha384.csr.der", false },
        };
        _cleanup_free_ char *rsa_pem = NULL, *bad = NULL;
        _cleanup_(X509_REQ_freep) X509_REQ *rsa = NULL;
        _cleanup_free_ uint8_t *rsa_der = NULL;
        size_t len;

        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                _cleanup_free_ char *der = testdata_read(v[i].file, &len);
                agree((const uint8_t *) der, len, 4096, 0, v[i].fast, v[i].file);
        }
        rsa_pem = testdata_read("rsa2048.csr", &len);
        if (x509_csr_parse_pem(rsa_pem, len, 4096, &rsa) < 0 || x509_csr_to_der(rsa, &rsa_der, &len) < 0)
                abort();
        agree(rsa_der, len, 4096, 0, false, "RSA CSR");
        bad = testdata_read("leaf-badsig.csr.der", &len);
        agree((const uint8_t *) bad, len, 4096, -EBADMSG, false, "bad signature");
}

static void test_pem(void) {
        _cleanup_free_ char *pem = testdata_read("leaf.csr", NULL);
        _cleanup_(x509_csr_freep) x509_csr *c = NULL;
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        _cleanup_free_ char *cn = NULL;

        is_ok(x509_csr_read_pem(pem, strlen(pem), 4096, &c), "leaf.csr PEM read");
        ok(x509_csr_read_fast(c), "on the fast path");
        is_ok(x509_csr_cn(c, &cn), "CN");
        is_str(cn, "device-1234", "CN value");
        is_ok(x509_csr_sans(c, &sans), "SANs");
        is_int(sans->n, 8, "all 8 SANs (two PermanentIdentifiers among them)");
        is_err(x509_csr_read_pem(pem, strlen(pem), 64, &c), -E2BIG, "PEM over the limit");
        is_err(x509_csr_read_pem("garbage", 7, 4096, &c), -EBADMSG, "garbage PEM");
}

static void test_bytes(void) {
        _cleanup_free_ char *der = NULL;
        _cleanup_free_ uint8_t *longer = NULL, *padded = NULL;
        size_t len;

        der = testdata_read("leaf.csr.der", &len);
        if (len < 64 || len > 4096)
                abort();
        agree((const uint8_t *) der, len, len - 1, -E2BIG, false, "one byte over max_len");
        agree((const uint8_t *) der, len, len, 0, true, "exactly max_len");
        for (size_t n = 0; n < len; n += 37)
                agree((const uint8_t *) der, n, 4096, -EBADMSG, false, "truncated");

        longer = malloc(len + 1);
        padded = malloc(len + 1);
        if (!longer || !padded)
                abort();
        memcpy(longer, der, len);
        longer[len] = 0;
        agree(longer, len + 1, 4096, -EBADMSG, false, "a trailing byte");

        /* The outer length as 83 00 HI LO: BER, not DER; the signature still
         * covers the info. */
        padded[0] = 0x30;
        padded[1] = 0x83;
        padded[2] = 0x00;
        memcpy(padded + 3, der + 2, len - 2);
        agree(padded, len + 1, 4096, 0, false, "outer length padded");

        /* One byte of the public key changed: off the curve, or another key
         * the signature does not verify under. */
        for (size_t off = 0; off < len; off++)
                if (memcmp(der + off, "\x03\x42\x00\x04", 4) == 0) {
                        ((uint8_t *) der)[off + 30] ^= 0x01;
                        agree((const uint8_t *) der, len, 4096, -EBADMSG, false, "a changed public key");
                        break;
                }
}

static void test_resigned(void) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *key = testdata_key("leaf.key");
        _cleanup_free_ char *der = NULL;
        const uint8_t *info;
        size_t len, info_len;

        der = testdata_read("leaf.csr.der", &len);
        info_of((const uint8_t *) der, &info, &info_len);
        if (info_len < 16 || info_len > 4096)
                abort();

        {
                _cleanup_free_ uint8_t *csr = sign_info(key, info, info_len, &len);
                agree(csr, len, 4096, 0, true, "the info re-signed as is");
        }
        {
                _cleanup_free_ uint8_t *m = malloc(info_len), *csr = NULL;
                memcpy(m, info, info_len);
                if (memcmp(m + 4, "\x02\x01\x00", 3) != 0)
                        abort();
                m[6] = 1;
                csr = sign_info(key, m, info_len, &len);
                agree(csr, len, 4096, 0, false, "version 1 (left to the general path)");
        }
        {
                /* The info's own length as 83 00 HI LO. */
                _cleanup_free_ uint8_t *m = malloc(info_len + 1), *csr = NULL;
                m[0] = 0x30;
                m[1] = 0x83;
                m[2] = 0x00;
                memcpy(m + 3, info + 2, info_len - 2);
                csr = sign_info(key, m, info_len + 1, &len);
                agree(csr, len, 4096, 0, false, "info length padded");
        }
        {
                /* The INTEGER version as 02 02 00 00: not minimal. */
                _cleanup_free_ uint8_t *m = malloc(info_len + 1), *csr = NULL;
                size_t body = info_len - 4 + 1;
                m[0] = 0x30;
                m[1] = 0x82;
                m[2] = (uint8_t) (body >> 8);
                m[3] = (uint8_t) body;
                memcpy(m + 4, "\x02\x02\x00\x00", 4);
                memcpy(m + 8, info + 7, info_len - 7);
                csr = sign_info(key, m, info_len + 1, &len);
                agree(csr, len, 4096, -EBADMSG, false, "version INTEGER padded");
        }
}

static void test_built(void) {
        static const struct {
                void (*setup)(X509_REQ *req);
                bool fast;
                const char *what;
        } v[] = {
                { setup_nothing, true, "empty attributes" },
                { setup_one_san, true, "an extensionRequest with DNS and IP SANs" },
                { setup_two_sans, true, "two subjectAltName extensions" },
                { setup_ms_ext_req, false, "a Microsoft extension request" },
                { setup_password_and_sans, false, "challengePassword and an extensionRequest" },
        };
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *p256 = testdata_key("leaf.key"), *p384 = testdata_key("p384.key"),
                                           *rsa = testdata_key("rsa2048.key");

        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                _cleanup_free_ uint8_t *der = NULL;
                size_t len;

                der = build_csr(p256, v[i].setup, &len);
                agree(der, len, 4096, 0, v[i].fast, v[i].what);
        }
        {
                _cleanup_free_ uint8_t *der = NULL;
                size_t len;
                der = build_csr(p384, setup_one_san, &len);
                agree(der, len, 4096, 0, false, "P-384 with SANs");
        }
        {
                _cleanup_free_ uint8_t *der = NULL;
                size_t len;
                der = build_csr(rsa, setup_one_san, &len);
                agree(der, len, 4096, 0, false, "RSA with SANs");
        }
}

int main(void) {
        log_parse_environment();
        test_openssl_vectors();
        test_pem();
        test_bytes();
        test_resigned();
        test_built();
        return tap_done();
}
