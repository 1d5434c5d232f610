/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for common/crypto.c: key type names, generation of every
 * supported type, type detection of openssl-made keys (and refusal of
 * unsupported ones), PEM and DER encodings compared byte for byte with the
 * openssl CLI's output, public key equality, and bad input.
 */
#include <openssl/pem.h>

#include "tests/unit/crypto-testdata.h"
#include "crypto.h"
#include "tests/unit/tap.h"

static void test_type_names(void) {
        is_int(crypto_key_type_from_string("ec256"), CRYPTO_KEY_EC_P256, "ec256");
        is_int(crypto_key_type_from_string("p256"), CRYPTO_KEY_EC_P256, "p256 alias");
        is_int(crypto_key_type_from_string("ec384"), CRYPTO_KEY_EC_P384, "ec384");
        is_int(crypto_key_type_from_string("p384"), CRYPTO_KEY_EC_P384, "p384 alias");
        is_int(crypto_key_type_from_string("rsa2048"), CRYPTO_KEY_RSA_2048, "rsa2048");
        is_int(crypto_key_type_from_string("rsa3072"), CRYPTO_KEY_RSA_3072, "rsa3072");
        is_int(crypto_key_type_from_string("rsa4096"), CRYPTO_KEY_RSA_4096, "rsa4096");
        is_int(crypto_key_type_from_string("rsa1024"), CRYPTO_KEY_INVALID, "rsa1024 refused");
        is_int(crypto_key_type_from_string("EC256"), CRYPTO_KEY_INVALID, "names are case sensitive");
        is_int(crypto_key_type_from_string(""), CRYPTO_KEY_INVALID, "empty refused");
        is_int(crypto_key_type_from_string(NULL), CRYPTO_KEY_INVALID, "NULL refused");
        for (int t = 0; t < _CRYPTO_KEY_TYPE_MAX; t++)
                is_int(crypto_key_type_from_string(crypto_key_type_to_string(t)), t,
                       "to_string/from_string round trip");
        ok(crypto_key_type_to_string(CRYPTO_KEY_INVALID) == NULL, "no name for INVALID");
        ok(crypto_key_type_to_string(_CRYPTO_KEY_TYPE_MAX) == NULL, "no name past the end");
}

static void test_generate(void) {
        for (int t = 0; t < _CRYPTO_KEY_TYPE_MAX; t++) {
                _cleanup_pkey_ EVP_PKEY *k = NULL;
                _cleanup_free_ uint8_t *der = NULL;
                _cleanup_pkey_ EVP_PKEY *pub = NULL;
                size_t len = 0;

                is_ok(crypto_key_generate(t, &k), crypto_key_type_to_string(t));
                is_int(crypto_key_type_of(k), t, "generated key has the asked type");
                is_int(crypto_key_is_private(k), 1, "generated key is private");
                is_ok(crypto_pubkey_to_der(k, &der, &len), "public DER");
                is_ok(crypto_pubkey_from_der(der, len, &pub), "public DER parses");
                is_int(crypto_key_is_private(pub), 0, "public half is not private");
                is_int(crypto_pubkey_equal(k, pub), 1, "key equals its public half");
                is_int(crypto_key_type_of(pub), t, "public half has the same type");
        }
        {
                EVP_PKEY *k = NULL;
                is_err(crypto_key_generate(CRYPTO_KEY_INVALID, &k), -EINVAL, "invalid type refused");
                is_err(crypto_key_generate(_CRYPTO_KEY_TYPE_MAX, &k), -EINVAL, "type past the end");
                ok(k == NULL, "nothing returned on failure");
        }
}

static void test_type_of_files(void) {
        static const struct {
                const char *file;
                crypto_key_type type;
                int private;
        } v[] = {
                { "p256.key", CRYPTO_KEY_EC_P256, 1 },
                { "p256-sec1.key", CRYPTO_KEY_EC_P256, 1 },
                { "p256.pub", CRYPTO_KEY_EC_P256, 0 },
                { "p384.key", CRYPTO_KEY_EC_P384, 1 },
                { "rsa2048.key", CRYPTO_KEY_RSA_2048, 1 },
                { "rsa2048-pkcs1.key", CRYPTO_KEY_RSA_2048, 1 },
                { "rsa2048.pub", CRYPTO_KEY_RSA_2048, 0 },
                { "rsa3072.key", CRYPTO_KEY_RSA_3072, 1 },
                { "rsa4096.key", CRYPTO_KEY_RSA_4096, 1 },
                { "ed25519.key", CRYPTO_KEY_INVALID, -EOPNOTSUPP },
                { "p521.key", CRYPTO_KEY_INVALID, 1 },
                { "rsa1024.key", CRYPTO_KEY_INVALID, 1 },
        };
        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                _cleanup_pkey_ EVP_PKEY *k = testdata_key(v[i].file);
                is_int(crypto_key_type_of(k), v[i].type, v[i].file);
                is_int(crypto_key_is_private(k), v[i].private, "private part detected");
        }
        is_int(crypto_key_type_of(NULL), CRYPTO_KEY_INVALID, "NULL key");
}

static void test_pem_der_vectors(void) {
        _cleanup_free_ char *pkcs8 = NULL, *sec1 = NULL, *pub_pem = NULL, *pub_der = NULL;
        _cleanup_free_ char *our_pem = NULL;
        _cleanup_free_ uint8_t *our_der = NULL;
        _cleanup_pkey_ EVP_PKEY *k = NULL, *k1 = NULL, *pub = NULL;
        size_t pkcs8_len, sec1_len, pub_pem_len, pub_der_len, len;
        char *out = NULL;

        pkcs8 = testdata_read("p256.key", &pkcs8_len);
        sec1 = testdata_read("p256-sec1.key", &sec1_len);
        pub_pem = testdata_read("p256.pub", &pub_pem_len);
        pub_der = testdata_read("p256.pub.der", &pub_der_len);

        /* Private key: the traditional form comes back as the same PKCS#8
         * bytes that openssl genpkey wrote. */
        is_ok(crypto_key_from_pem(sec1, sec1_len, &k), "SEC1 PEM loads");
        is_ok(crypto_key_to_pem_pkcs8(k, &out, &len), "PKCS#8 PEM");
        is_mem(out, len, pkcs8, pkcs8_len, "PKCS#8 matches openssl genpkey");
        ok(out && out[len] == '\0', "PKCS#8 PEM is NUL-terminated");
        erase_and_free(out, len);

        /* Length not counting a NUL, and one counting it: both load. */
        is_ok(crypto_key_from_pem(pkcs8, pkcs8_len, &k1), "PKCS#8 PEM loads");
        is_int(crypto_pubkey_equal(k, k1), 1, "SEC1 and PKCS#8 are the same key");

        is_ok(crypto_pubkey_to_pem(k, &our_pem), "SPKI PEM");
        is_str(our_pem, pub_pem, "SPKI PEM matches openssl pkey -pubout");
        is_ok(crypto_pubkey_to_der(k, &our_der, &len), "SPKI DER");
        is_mem(our_der, len, pub_der, pub_der_len, "SPKI DER matches openssl pkey -pubout -outform DER");

        is_ok(crypto_pubkey_from_der((const uint8_t *) pub_der, pub_der_len, &pub), "SPKI DER parses");
        is_int(crypto_pubkey_equal(pub, k), 1, "parsed SPKI equals the key");
        is_int(crypto_key_is_private(pub), 0, "SPKI is public only");
        is_err(crypto_key_to_pem_pkcs8(pub, &out, &len), -EINVAL, "no PKCS#8 of a public key");
}

static void test_rsa_vectors(void) {
        _cleanup_free_ char *pkcs8 = NULL, *pub_pem = NULL, *our_pem = NULL;
        _cleanup_pkey_ EVP_PKEY *k = NULL, *pub = NULL;
        size_t pkcs8_len, pub_len, len;
        char *out = NULL;

        pkcs8 = testdata_read("rsa2048.key", &pkcs8_len);
        pub_pem = testdata_read("rsa2048.pub", &pub_len);
        k = testdata_key("rsa2048-pkcs1.key");
        is_ok(crypto_key_to_pem_pkcs8(k, &out, &len), "RSA PKCS#8 PEM");
        is_mem(out, len, pkcs8, pkcs8_len, "RSA PKCS#8 matches openssl genpkey");
        erase_and_free(out, len);
        is_ok(crypto_pubkey_to_pem(k, &our_pem), "RSA SPKI PEM");
        is_str(our_pem, pub_pem, "RSA SPKI PEM matches openssl");
        is_ok(crypto_key_from_pem(pub_pem, pub_len, &pub), "RSA SPKI PEM loads");
        is_int(crypto_pubkey_equal(k, pub), 1, "RSA key equals its public half");
}

static void test_equal(void) {
        _cleanup_pkey_ EVP_PKEY *p256 = testdata_key("p256.key");
        _cleanup_pkey_ EVP_PKEY *p256pub = testdata_key("p256.pub");
        _cleanup_pkey_ EVP_PKEY *leaf = testdata_key("leaf.key");
        _cleanup_pkey_ EVP_PKEY *p384 = testdata_key("p384.key");
        _cleanup_pkey_ EVP_PKEY *rsa = testdata_key("rsa2048.key");
        _cleanup_pkey_ EVP_PKEY *rsapub = testdata_key("rsa2048.pub");

        is_int(crypto_pubkey_equal(p256, p256pub), 1, "P-256 key and its SPKI");
        is_int(crypto_pubkey_equal(p256pub, p256), 1, "symmetric");
        is_int(crypto_pubkey_equal(p256, leaf), 0, "two P-256 keys differ");
        is_int(crypto_pubkey_equal(p256, p384), 0, "P-256 vs P-384");
        is_int(crypto_pubkey_equal(p256, rsa), 0, "EC vs RSA");
        is_int(crypto_pubkey_equal(rsapub, p256pub), 0, "RSA vs EC public");
        is_int(crypto_pubkey_equal(rsa, rsapub), 1, "RSA key and its SPKI");
        is_err(crypto_pubkey_equal(NULL, rsa), -EINVAL, "NULL refused");
}

static void test_bad_input(void) {
        static const char garbage[] = "-----BEGIN PRIVATE KEY-----\nAAAA!!!!\n-----END PRIVATE KEY-----\n";
        static const char cert_only[] = "hello world\n";
        _cleanup_free_ char *enc = NULL, *pkcs8 = NULL, *der = NULL, *crt = NULL;
        _cleanup_free_ uint8_t *longer = NULL;
        size_t enc_len, pkcs8_len, der_len, crt_len;
        EVP_PKEY *k = NULL;

        enc = testdata_read("p256-enc.key", &enc_len);
        is_err(crypto_key_from_pem(enc, enc_len, &k), -EBADMSG, "encrypted key refused without prompting");
        is_err(crypto_key_from_pem(garbage, strlen(garbage), &k), -EBADMSG, "garbage PEM");
        is_err(crypto_key_from_pem(cert_only, strlen(cert_only), &k), -EBADMSG, "no PEM at all");
        is_err(crypto_key_from_pem("", 0, &k), -EBADMSG, "empty input");
        crt = testdata_read("root.crt", &crt_len);
        is_err(crypto_key_from_pem(crt, crt_len, &k), -EBADMSG, "a certificate is not a key");
        pkcs8 = testdata_read("p256.key", &pkcs8_len);
        is_err(crypto_key_from_pem(pkcs8, pkcs8_len / 2, &k), -EBADMSG, "truncated PEM");
        ok(k == NULL, "nothing returned on failure");

        der = testdata_read("p256.pub.der", &der_len);
        for (size_t n = 0; n < der_len; n += 7)
                if (crypto_pubkey_from_der((const uint8_t *) der, n, &k) != -EBADMSG) {
                        ok(false, "truncated SPKI DER refused");
                        break;
                }
        ok(k == NULL, "truncated SPKI DER refused at every length");
        longer = malloc(der_len + 1);
        if (!longer)
                abort();
        memcpy(longer, der, der_len);
        longer[der_len] = 0;
        is_err(crypto_pubkey_from_der(longer, der_len + 1, &k), -EBADMSG, "trailing byte after SPKI refused");
        longer[0] ^= 0x20;
        is_err(crypto_pubkey_from_der(longer, der_len, &k), -EBADMSG, "wrong outer tag refused");
        ok(k == NULL, "nothing returned on failure");
}

/* RFC 4231 section 4.3 (test case 2) and 4.2 (test case 1). */
static void test_hmac(void) {
        static const uint8_t want2[32] = {
                0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
                0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
        };
        static const uint8_t want1[32] = {
                0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53, 0x5c, 0xa8, 0xaf, 0xce, 0xaf, 0x0b, 0xf1, 0x2b,
                0x88, 0x1d, 0xc2, 0x00, 0xc9, 0x83, 0x3d, 0xa7, 0x26, 0xe9, 0x37, 0x6c, 0x2e, 0x32, 0xcf, 0xf7,
        };
        uint8_t key1[20], mac[32];

        is_ok(crypto_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac), "HMAC-SHA-256 test case 2");
        is_mem(mac, sizeof(mac), want2, sizeof(want2), "HMAC-SHA-256 test case 2 value");
        memset(key1, 0x0b, sizeof(key1));
        is_ok(crypto_hmac_sha256(key1, sizeof(key1), "Hi There", 8, mac), "HMAC-SHA-256 test case 1");
        is_mem(mac, sizeof(mac), want1, sizeof(want1), "HMAC-SHA-256 test case 1 value");
}

int main(void) {
        test_type_names();
        test_hmac();
        test_generate();
        test_type_of_files();
        test_pem_der_vectors();
        test_rsa_vectors();
        test_equal();
        test_bad_input();
        return tap_done();
}
