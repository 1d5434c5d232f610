/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TSS2 PRIVATE KEY files (enroll/tpm-pem.c) and key blobs: a key file our
 * layer wrote on swtpm and one tpm2-openssl 1.1.1 generated (`openssl
 * genpkey -provider tpm2`), both with their public keys as OpenSSL prints
 * them; exact re-encoding; every truncation and a set of malformed DER
 * forms.
 */
#include "b64.h"
#include "crypto.h"
#include "enroll/tpm/tpm-internal.h"
#include "enroll/tpm/tpm-key.h"
#include "tests/unit/tap.h"

static const char ours_pem[] =
        "-----BEGIN TSS2 PRIVATE KEY-----\n"
        "MIHyBgZngQUKAQOgAwEB/wIEQAAAAQRaAFgAIwALAAQEcgAAABAAGAALAAMAEAAg\n"
        "kfwQbk3hMzazm7znnGTXaV0eauP7XENxYIk9ZaWci0gAIKab2YOTJiisRtCLAW+s\n"
        "MVNGloJpatHvvYju+hE/mfNjBIGAAH4AINSpUaasV8ZuBOzCLWJZnGM8c/1Ju8GG\n"
        "uR2KT1vgE3OjABCflMK+u8Ia/wGbHBjyWTaxZr+DpKVHR0atvq56k6sW7d8QDGLC\n"
        "Bke9RcuJHkahHTrsexsgPgO9yqT6wHC4M3fK3++SiEZwlrNCQBmKTjlOjXyOpXbb\n"
        "ccCX+SE=\n"
        "-----END TSS2 PRIVATE KEY-----\n";
static const char ours_pub[] =
        "-----BEGIN PUBLIC KEY-----\n"
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEkfwQbk3hMzazm7znnGTXaV0eauP7\n"
        "XENxYIk9ZaWci0imm9mDkyYorEbQiwFvrDFTRpaCaWrR772I7voRP5nzYw==\n"
        "-----END PUBLIC KEY-----\n";
/* tpm2-openssl: BOOLEAN TRUE written as 0x01, key sign|decrypt, NULL scheme. */
static const char provider_pem[] =
        "-----BEGIN TSS2 PRIVATE KEY-----\n"
        "MIHwBgZngQUKAQOgAwEBAQIEQAAAAQRYAFYAIwALAAYAcgAAABAAEAADABAAIJ7w\n"
        "rnHjoJKmDwvVBI8Tb+X3OmO52OKUvhKjczY+lnjHACBwh3DTTh/eD4bjd+wWYOMY\n"
        "znOB8sHpaheSGT1Dmvml2ASBgAB+ACAS/TsdklSvIS7mITURaeWBbuxbPD0OMdql\n"
        "mmAotFmsygAQ8bo3MLvlTt02RpXoZIK3R3HUvuaNUYnRVsGuPNXQ+MgAndTW5m46\n"
        "JLZAIFUMoXe+iHmZQRZQOXT3nBUKUoGH3E9afjv/yEk6XjtiMTlJSfDgD/JMsC+7\n"
        "jIaH\n"
        "-----END TSS2 PRIVATE KEY-----";
static const char provider_pub[] =
        "-----BEGIN PUBLIC KEY-----\n"
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEnvCuceOgkqYPC9UEjxNv5fc6Y7nY\n"
        "4pS+EqNzNj6WeMdwh3DTTh/eD4bjd+wWYOMYznOB8sHpaheSGT1Dmvml2A==\n"
        "-----END PUBLIC KEY-----\n";

static void pem_der(const char *pem, uint8_t **ret, size_t *ret_len) {
        char body[2048];
        size_t n = 0;
        const char *s = strchr(pem, '\n') + 1, *e = strstr(pem, "-----END");

        for (; s < e; s++)
                if (*s != '\n')
                        body[n++] = *s;
        if (b64_decode(B64_STD, body, n, sizeof(body), ret, ret_len) < 0)
                abort();
}

static void check_pub(tpm_key *k, const char *want, const char *what) {
        _cleanup_free_ char *pem = NULL;
        ok(crypto_pubkey_to_pem(tpm_key_public_key(k), &pem) >= 0, "public key to PEM");
        is_str(pem, want, what);
}

static int decode(const uint8_t *der, size_t len) {
        const uint8_t *p, *q;
        size_t pl, ql;
        return tpm_pem_decode_der(der, len, &p, &pl, &q, &ql);
}

int main(void) {
        _cleanup_free_ uint8_t *der = NULL, *pub = NULL, *priv = NULL;
        _cleanup_free_ char *pem = NULL, *pem2 = NULL;
        tpm_key *k = NULL, *k2 = NULL;
        size_t der_len, pub_len, priv_len, pem_len;
        uint8_t buf[512];
        bool all_bad = true;

        /* Our file: loads, and re-encodes to the same bytes. */
        is_ok(tpm_key_from_pem(ours_pem, strlen(ours_pem), &k), "our key file loads");
        check_pub(k, ours_pub, "our key: public key");
        ok(!tpm_key_is_restricted(k), "our key is not restricted");
        is_int(tpm_key_public(k)->parameters.eccDetail.scheme.scheme, TPM2_ALG_ECDSA, "ECDSA");
        is_ok(tpm_key_to_pem(k, &pem, &pem_len), "re-encode");
        is_str(pem, ours_pem, "re-encoding is byte-identical");
        is_int(pem_len, strlen(ours_pem), "length reported");

        /* Blobs round trip. */
        is_ok(tpm_key_to_blobs(k, &pub, &pub_len, &priv, &priv_len), "to blobs");
        is_ok(tpm_key_from_blobs(pub, pub_len, priv, priv_len, &k2), "from blobs");
        check_pub(k2, ours_pub, "blobs: same public key");
        tpm_key_free(k2);
        k2 = NULL;
        is_err(tpm_key_from_blobs(pub, pub_len - 1, priv, priv_len, &k2), -EBADMSG,
               "truncated public blob");
        is_err(tpm_key_from_blobs(pub, pub_len, priv, priv_len - 1, &k2), -EBADMSG,
               "truncated private blob");
        memcpy(buf, pub, pub_len);
        buf[pub_len] = 0;
        is_err(tpm_key_from_blobs(buf, pub_len + 1, priv, priv_len, &k2), -EBADMSG,
               "trailing byte after public blob");
        is_err(tpm_key_from_blobs(pub, pub_len, (const uint8_t[]) { 0, 0 }, 2, &k2), -EBADMSG,
               "empty private blob");
        /* Attributes 0x00040472 -> make it a storage key (restricted|decrypt, no sign). */
        memcpy(buf, pub, pub_len);
        buf[2 + 4 + 1] = 0x03; /* objectAttributes byte 1: restricted | decrypt */
        is_err(tpm_key_from_blobs(buf, pub_len, priv, priv_len, &k2), -EPERM,
               "a storage key is not a signing key");
        ok(!k2, "nothing returned on failure");
        tpm_key_free(k);
        k = NULL;

        /* tpm2-openssl's file. */
        is_ok(tpm_key_from_pem(provider_pem, strlen(provider_pem), &k), "provider key loads");
        check_pub(k, provider_pub, "provider key: public key");
        is_ok(tpm_key_to_pem(k, &pem2, NULL), "re-encode provider key");
        tpm_key_free(k);
        k = NULL;
        is_ok(tpm_key_from_pem(pem2, strlen(pem2), &k), "re-encoded provider key loads");
        check_pub(k, provider_pub, "same public key");
        tpm_key_free(k);
        k = NULL;

        /* Every truncation of the DER is refused. */
        pem_der(ours_pem, &der, &der_len);
        is_ok(decode(der, der_len), "DER decodes");
        for (size_t i = 0; i < der_len; i++)
                if (decode(der, i) != -EBADMSG)
                        all_bad = false;
        ok(all_bad, "every truncated DER is -EBADMSG");
        memcpy(buf, der, der_len);
        buf[der_len] = 0;
        is_err(decode(buf, der_len + 1), -EBADMSG, "trailing byte after the SEQUENCE");

        memcpy(buf, der, der_len);
        buf[10] ^= 1; /* last OID byte */
        is_err(decode(buf, der_len), -EBADMSG, "other OID");
        memcpy(buf, der, der_len);
        buf[21] = 0x02; /* parent 0x40000002 */
        is_err(decode(buf, der_len), -EBADMSG, "other parent");
        memcpy(buf, der, der_len);
        buf[15] = 0x00; /* emptyAuth FALSE */
        is_err(decode(buf, der_len), -EOPNOTSUPP, "emptyAuth FALSE: needs a password");
        memcpy(buf, der, der_len);
        buf[11] = 0xa1; /* [1] policy instead of [0] */
        is_err(decode(buf, der_len), -EBADMSG, "policy keys are refused");
        memcpy(buf, der, der_len);
        buf[18] = 0x80; /* negative parent */
        is_err(decode(buf, der_len), -EBADMSG, "negative parent");
        /* Without emptyAuth: SEQUENCE shrinks by 5 bytes. */
        {
                uint8_t b2[512];
                size_t n = 0;
                b2[n++] = 0x30;
                b2[n++] = 0x81;
                b2[n++] = der[2] - 5;
                memcpy(b2 + n, der + 3, 8);
                n += 8;
                memcpy(b2 + n, der + 16, der_len - 16);
                n += der_len - 16;
                is_err(decode(b2, n), -EOPNOTSUPP, "no emptyAuth: needs a password");
                b2[1] = 0x82; /* non-minimal length form */
                is_err(decode(b2, n), -EBADMSG, "bad length form");
        }

        /* PEM armor. */
        is_err(tpm_key_from_pem(ours_pem, strlen(ours_pem) - 32, &k), -EBADMSG, "no END line");
        {
                static const char bad[] = "-----BEGIN TSS2 PRIVATE KEY-----\n!!!!\n"
                                          "-----END TSS2 PRIVATE KEY-----\n";
                is_err(tpm_key_from_pem(bad, sizeof(bad) - 1, &k), -EBADMSG, "bad base64");
        }
        is_err(tpm_key_from_pem(ours_pub, strlen(ours_pub), &k), -EBADMSG, "a PUBLIC KEY PEM");
        is_err(tpm_key_from_pem("", 0, &k), -EBADMSG, "empty input");
        ok(!k, "nothing returned");
        return tap_done();
}
