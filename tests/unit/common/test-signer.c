/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for common/signer.c and the signature helpers of
 * common/crypto-sig.c, against signatures made by `openssl dgst -sign`
 * (tests/unit/data/crypto/generate.sh): RSA PKCS#1 v1.5 is deterministic,
 * so our signature must equal openssl's byte for byte; ECDSA signatures
 * from either side must verify on the other. Also the ops contract of
 * signer_new (userdata ownership, digest hand-off) and its refusals.
 */
#include "tests/unit/crypto-testdata.h"
#include "signer.h"
#include "tests/unit/tap.h"

static void test_defaults(void) {
        static const struct {
                const char *file;
                int md;
        } v[] = {
                { "p256.key", NID_sha256 },
                { "p384.key", NID_sha384 },
                { "rsa2048.key", NID_sha256 },
                { "rsa4096.key", NID_sha256 },
        };
        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                _cleanup_pkey_ EVP_PKEY *k = testdata_key(v[i].file);
                _cleanup_(signer_freep) signer *s = NULL;

                is_ok(signer_new_evp(k, &s), v[i].file);
                if (!s)
                        continue;
                is_int(signer_default_md(s), v[i].md, "default digest");
                is_int(crypto_pubkey_equal(signer_public_key(s), k), 1, "public key");
        }
}

static void test_refusals(void) {
        _cleanup_pkey_ EVP_PKEY *pub = testdata_key("p256.pub");
        _cleanup_pkey_ EVP_PKEY *ed = testdata_key("ed25519.key");
        _cleanup_pkey_ EVP_PKEY *k = testdata_key("p256.key");
        _cleanup_(signer_freep) signer *ok_signer = NULL;
        signer *s = NULL;
        uint8_t digest[32] = {}, *sig = NULL;
        size_t sig_len;

        is_err(signer_new_evp(pub, &s), -EINVAL, "public key is not a signer");
        is_err(signer_new_evp(ed, &s), -EINVAL, "Ed25519 is not supported");
        {
                _cleanup_pkey_ EVP_PKEY *p521 = testdata_key("p521.key");
                _cleanup_pkey_ EVP_PKEY *rsa1024 = testdata_key("rsa1024.key");
                is_err(signer_new_evp(p521, &s), -EINVAL, "P-521 is not supported");
                is_err(signer_new_evp(rsa1024, &s), -EINVAL, "RSA-1024 is not supported");
        }
        is_err(signer_new_evp(NULL, &s), -EINVAL, "NULL key");
        ok(s == NULL, "nothing returned");

        is_ok(signer_new_evp(k, &ok_signer), "P-256 signer");
        is_err(signer_sign_digest(ok_signer, NID_sha256, digest, 31, &sig, &sig_len), -EINVAL,
               "digest of the wrong length");
        is_err(signer_sign_digest(ok_signer, NID_sha384, digest, 32, &sig, &sig_len), -EINVAL,
               "digest length does not match the md");
        ok(sig == NULL, "no signature on failure");
}

static void test_rsa_vector(void) {
        _cleanup_free_ char *msg = NULL, *want = NULL;
        _cleanup_free_ uint8_t *sig = NULL;
        _cleanup_pkey_ EVP_PKEY *k = testdata_key("rsa2048.key");
        _cleanup_pkey_ EVP_PKEY *pub = testdata_key("rsa2048.pub");
        _cleanup_(signer_freep) signer *s = NULL;
        uint8_t digest[32];
        size_t msg_len, want_len, sig_len = 0;

        msg = testdata_read("msg.txt", &msg_len);
        want = testdata_read("rsa2048-msg.sig", &want_len);
        is_ok(signer_new_evp(k, &s), "RSA signer");
        is_ok(signer_sign(s, NID_sha256, msg, msg_len, &sig, &sig_len), "RSA sign");
        is_mem(sig, sig_len, want, want_len, "RSA PKCS#1 v1.5 signature equals openssl dgst -sign");
        is_ok(crypto_sha256(msg, msg_len, digest), "digest");
        is_ok(crypto_verify_digest(pub, NID_sha256, digest, 32, (const uint8_t *) want, want_len),
              "openssl's RSA signature verifies");
        want[want_len / 2] ^= 0x01;
        is_err(crypto_verify_digest(pub, NID_sha256, digest, 32, (const uint8_t *) want, want_len), -EBADMSG,
               "tampered RSA signature refused");
}

static void test_ecdsa_vectors(void) {
        static const struct {
                const char *key, *sig;
                int md;
                size_t field;
        } v[] = {
                { "p256.key", "p256-msg.sig", NID_sha256, 32 },
                { "p384.key", "p384-msg.sig", NID_sha384, 48 },
        };
        _cleanup_free_ char *msg = NULL;
        size_t msg_len;

        msg = testdata_read("msg.txt", &msg_len);
        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                _cleanup_free_ char *theirs = NULL;
                _cleanup_free_ uint8_t *ours = NULL, *raw = NULL, *der = NULL;
                _cleanup_pkey_ EVP_PKEY *k = testdata_key(v[i].key);
                _cleanup_(signer_freep) signer *s = NULL;
                uint8_t digest[EVP_MAX_MD_SIZE];
                size_t theirs_len, ours_len = 0, digest_len = 0, raw_len = 0, der_len = 0;

                printf("# %s\n", v[i].key);
                theirs = testdata_read(v[i].sig, &theirs_len);
                is_ok(crypto_digest(v[i].md, msg, msg_len, digest, &digest_len), "digest");
                is_ok(crypto_verify_digest(k, v[i].md, digest, digest_len, (const uint8_t *) theirs, theirs_len),
                      "openssl's ECDSA signature verifies");
                is_ok(signer_new_evp(k, &s), "signer");
                is_ok(signer_sign(s, v[i].md, msg, msg_len, &ours, &ours_len), "our signature");
                is_ok(crypto_verify_digest(k, v[i].md, digest, digest_len, ours, ours_len),
                      "our ECDSA signature verifies");

                is_ok(crypto_ecdsa_der_to_raw((const uint8_t *) theirs, theirs_len, v[i].field, &raw, &raw_len),
                      "DER to raw r||s");
                is_int(raw_len, 2 * v[i].field, "raw length is twice the field size");
                is_ok(crypto_ecdsa_raw_to_der(raw, raw_len, &der, &der_len), "raw back to DER");
                is_mem(der, der_len, theirs, theirs_len, "DER round trip is exact");

                theirs[theirs_len - 1] ^= 0x01;
                is_err(crypto_verify_digest(k, v[i].md, digest, digest_len, (const uint8_t *) theirs, theirs_len),
                       -EBADMSG, "tampered ECDSA signature refused");
        }
}

/* ---- signer_new with caller ops ---- */

typedef struct fake {
        int md_seen;
        uint8_t digest_seen[EVP_MAX_MD_SIZE];
        size_t digest_len_seen;
        unsigned freed;
} fake;

static int fake_sign(void *userdata, int md_nid, const uint8_t *digest, size_t digest_len, uint8_t **ret_sig,
                     size_t *ret_sig_len) {
        fake *f = userdata;

        f->md_seen = md_nid;
        memcpy(f->digest_seen, digest, digest_len);
        f->digest_len_seen = digest_len;
        *ret_sig = malloc(3);
        if (!*ret_sig)
                return -ENOMEM;
        memcpy(*ret_sig, "sig", 3);
        *ret_sig_len = 3;
        return 0;
}

static void fake_free(void *userdata) {
        ((fake *) userdata)->freed++;
}

static void test_ops(void) {
        static const signer_ops ops = { .sign_digest = fake_sign, .free_userdata = fake_free };
        static const signer_ops no_sign = { .free_userdata = fake_free };
        _cleanup_pkey_ EVP_PKEY *pub = testdata_key("p384.key");
        _cleanup_pkey_ EVP_PKEY *ed = testdata_key("ed25519.key");
        _cleanup_free_ uint8_t *sig = NULL;
        uint8_t want[48];
        size_t sig_len = 0;
        fake f = {};
        signer *s = NULL;

        is_err(signer_new(&ops, &f, ed, &s), -EOPNOTSUPP, "unsupported public key");
        is_err(signer_new(&no_sign, &f, pub, &s), -EINVAL, "ops without sign_digest");
        is_err(signer_new(&ops, &f, NULL, &s), -EINVAL, "no public key");
        is_int(f.freed, 0, "userdata not released on failure");

        is_ok(signer_new(&ops, &f, pub, &s), "signer over caller ops");
        is_int(signer_default_md(s), NID_sha384, "P-384 public key: SHA-384 by default");
        is_ok(signer_sign(s, NID_sha384, "abc", 3, &sig, &sig_len), "sign through ops");
        is_int(f.md_seen, NID_sha384, "ops saw the md");
        is_ok(crypto_digest(NID_sha384, "abc", 3, want, NULL), "SHA-384 of abc");
        is_mem(f.digest_seen, f.digest_len_seen, want, 48, "ops saw the digest");
        is_mem(sig, sig_len, "sig", 3, "signature handed back");
        signer_free(s);
        is_int(f.freed, 1, "userdata released once by signer_free");
        signer_free(NULL);
}

int main(void) {
        test_defaults();
        test_refusals();
        test_rsa_vector();
        test_ecdsa_vectors();
        test_ops();
        return tap_done();
}
