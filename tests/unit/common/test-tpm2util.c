/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the pure TPM helpers (common/tpm2util.h) against fixed
 * vectors: KDFa/KDFe/credential known answers computed by Python's
 * `cryptography` and the openssl CLI (tests/unit/data/tpm2/kat.py), TPM
 * structures and Names produced by a swtpm through tpm2-tools
 * (tests/unit/data/tpm2/generate.sh), and tpm2-tools' own off-TPM
 * MakeCredential output. Every rejection path of the attestation checks is
 * driven by a real structure with one thing changed.
 */
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto.h"
#include "tests/unit/tap.h"
#include "tpm2util.h"

#ifndef TPM2_TESTDATA
#define TPM2_TESTDATA "tests/unit/data/tpm2"
#endif

/* ---- Known answers (output of tests/unit/data/tpm2/kat.py; kat_kdfa_storage
 * also equals `openssl kdf -keylen 16 -kdfopt digest:SHA2-256 -kdfopt
 * hexkey:000102..1f -kdfopt salt:STORAGE -kdfopt hexinfo:000b4041..5f
 * -kdfopt mac:HMAC KBKDF`). key = 00..1f, u = 000b || 40..5f, z = 80..9f. */
static const uint8_t kat_kdfa_storage[16] = {
        0x7a, 0x58, 0xc2, 0x07, 0x9b, 0xee, 0x13, 0xe0, 0x0e, 0xd1, 0x60, 0xd6,
        0x57, 0xae, 0xca, 0xef,
};
static const uint8_t kat_kdfa_integrity[32] = {
        0xba, 0xcf, 0x68, 0x9f, 0x63, 0x4e, 0xce, 0x30, 0x1e, 0x1f, 0x1b, 0x15,
        0xb0, 0x72, 0xd9, 0xc8, 0x7d, 0xb6, 0xa6, 0x95, 0x85, 0xdb, 0x42, 0xb1,
        0xa0, 0xcb, 0x8f, 0x73, 0xeb, 0xe2, 0x69, 0x2e,
};
static const uint8_t kat_kdfa_long[80] = {
        0x37, 0x8a, 0x38, 0x01, 0x84, 0x3a, 0x30, 0x5b, 0xcd, 0x38, 0xdd, 0x87,
        0xbf, 0x05, 0x38, 0x16, 0x5e, 0xbc, 0xe3, 0x1c, 0x11, 0x95, 0xb3, 0xb6,
        0x29, 0x58, 0xb9, 0x62, 0x4c, 0x74, 0xfe, 0x91, 0x4b, 0x00, 0x63, 0x06,
        0x56, 0x5e, 0x5e, 0xc7, 0x89, 0x29, 0x6d, 0x2f, 0xb3, 0x17, 0x77, 0xc4,
        0x36, 0x1e, 0x91, 0xc5, 0x2a, 0x18, 0x03, 0x32, 0x4f, 0xe2, 0x79, 0xed,
        0x8a, 0x4b, 0x13, 0x0d, 0x60, 0x29, 0xcd, 0x09, 0xce, 0x8c, 0x6d, 0x20,
        0xad, 0x62, 0xe4, 0x7e, 0xd4, 0x60, 0x74, 0x62,
};
static const uint8_t kat_kdfa_sha384[32] = {
        0x4d, 0xa6, 0xb3, 0x4f, 0x56, 0x9d, 0x8b, 0x65, 0xed, 0xe9, 0xbc, 0x1c,
        0x37, 0xc4, 0x81, 0x79, 0xf6, 0x7a, 0x58, 0xce, 0x46, 0x99, 0x76, 0x40,
        0xf4, 0x61, 0x22, 0x5f, 0x1d, 0x97, 0xf5, 0x19,
};
static const uint8_t kat_kdfe[32] = {
        0xc7, 0x72, 0xfb, 0xac, 0x73, 0x12, 0xcf, 0x3a, 0xef, 0xed, 0x33, 0x78,
        0xcc, 0x84, 0x89, 0x23, 0xca, 0x03, 0xa8, 0x72, 0x99, 0x9c, 0x82, 0x04,
        0xde, 0xd1, 0x24, 0xf8, 0x9a, 0xe5, 0xc7, 0xae,
};
static const uint8_t kat_kdfe_long[100] = {
        0x99, 0x88, 0x10, 0x3f, 0xfa, 0x07, 0xdc, 0x4f, 0x80, 0x60, 0x35, 0xa4,
        0x7e, 0x74, 0x50, 0x0a, 0xf2, 0x39, 0x73, 0xed, 0x4d, 0x10, 0x6d, 0x16,
        0xd3, 0x76, 0x34, 0x63, 0x4b, 0x90, 0x50, 0xeb, 0x68, 0x10, 0xce, 0xb2,
        0x38, 0x1c, 0xec, 0xab, 0x77, 0xf9, 0x4b, 0x1b, 0xba, 0x0d, 0x72, 0xef,
        0x15, 0x63, 0x80, 0xa8, 0x53, 0xc1, 0x54, 0xbb, 0xcc, 0xe3, 0x20, 0x45,
        0xbe, 0x02, 0x32, 0x65, 0x0a, 0x0e, 0xc9, 0xf4, 0x7c, 0x22, 0x66, 0x58,
        0x8d, 0xb9, 0x33, 0xf1, 0x7e, 0x54, 0xc3, 0x2c, 0x06, 0x83, 0xb2, 0x1f,
        0x73, 0xad, 0xe5, 0xc4, 0xd8, 0xdf, 0x5e, 0x53, 0x93, 0x00, 0x5e, 0xb1,
        0x70, 0x64, 0xce, 0x9e,
};
static const uint8_t kat_credential[70] = {
        0x00, 0x44, 0x00, 0x20, 0x67, 0x81, 0x4f, 0x87, 0x94, 0x9f, 0xa6, 0x69,
        0xa4, 0x9b, 0x30, 0x14, 0xab, 0xce, 0x24, 0xcc, 0xc8, 0xfe, 0xc5, 0xda,
        0xdb, 0x93, 0x19, 0x7f, 0xea, 0x5f, 0x2d, 0x7a, 0x99, 0x16, 0x28, 0xe8,
        0x6e, 0x51, 0x30, 0x89, 0xd4, 0x1a, 0x1e, 0xab, 0xe5, 0x1c, 0xc1, 0xba,
        0xcd, 0x57, 0xee, 0x76, 0x2e, 0x20, 0x15, 0x44, 0x10, 0xbc, 0xb5, 0xa1,
        0x6e, 0xff, 0xb9, 0x38, 0x08, 0xd6, 0x31, 0x9f, 0x73, 0x32,
};

typedef struct blob {
        uint8_t *data;
        size_t len;
} blob;

static void blob_free(blob *b) {
        free(b->data);
        b->data = NULL;
        b->len = 0;
}

static blob load(const char *name) {
        const char *dir = getenv("top_srcdir");
        _cleanup_free_ char *path = NULL;
        char *buf = NULL;
        blob b = {};
        int r;

        if (dir)
                r = asprintf(&path, "%s/tests/unit/data/tpm2/%s", dir, name);
        else
                r = asprintf(&path, "%s/%s", TPM2_TESTDATA, name);
        if (r < 0)
                abort();
        r = read_file_at(AT_FDCWD, path, 1 << 20, &buf, &b.len);
        if (r < 0) {
                printf("# cannot read %s: %s\n", path, strerror(-r));
                abort();
        }
        b.data = (uint8_t *) buf;
        return b;
}

/* A tpm2-tools -u file holds a TPM2B_PUBLIC; returns its TPMT_PUBLIC bytes. */
static blob load_tpmt_public(const char *name) {
        blob b = load(name);

        if (b.len < 2 || (size_t) (b.data[0] << 8 | b.data[1]) != b.len - 2)
                abort();
        memmove(b.data, b.data + 2, b.len - 2);
        b.len -= 2;
        return b;
}

static blob dup_blob(const blob *b, size_t extra) {
        blob d = { malloc(b->len + extra + 1), b->len };

        if (!d.data)
                abort();
        memcpy(d.data, b->data, b->len);
        memset(d.data + b->len, 0, extra + 1);
        return d;
}

static EVP_PKEY *load_pem_key(const char *name, bool private) {
        blob b = load(name);
        BIO *bio = BIO_new_mem_buf(b.data, (int) b.len);
        EVP_PKEY *k;

        k = private ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
                    : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        BIO_free(bio);
        blob_free(&b);
        if (!k)
                abort();
        return k;
}

static void test_kdf(void) {
        static const uint8_t key[32] = { 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                         11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                         22, 23, 24, 25, 26, 27, 28, 29, 30, 31 };
        uint8_t u[34], z[32], U[48], V[48], out[128];

        u[0] = 0x00;
        u[1] = 0x0b;
        for (int i = 0; i < 32; i++) {
                u[2 + i] = (uint8_t) (0x40 + i);
                z[i] = (uint8_t) (0x80 + i);
        }
        memset(U, 'U', sizeof(U));
        memset(V, 'V', sizeof(V));

        is_ok(tpm2_kdfa(TPM2_ALG_SHA256, key, 32, "STORAGE", u, 34, NULL, 0, 128, out), "KDFa STORAGE");
        is_mem(out, 16, kat_kdfa_storage, 16, "KDFa STORAGE known answer");
        is_ok(tpm2_kdfa(TPM2_ALG_SHA256, key, 32, "INTEGRITY", NULL, 0, NULL, 0, 256, out),
              "KDFa INTEGRITY");
        is_mem(out, 32, kat_kdfa_integrity, 32, "KDFa INTEGRITY known answer");
        is_ok(tpm2_kdfa(TPM2_ALG_SHA256, key, 32, "KDF TEST", (const uint8_t *) "uuu", 3,
                        (const uint8_t *) "vvvv", 4, 640, out),
              "KDFa three blocks");
        is_mem(out, 80, kat_kdfa_long, 80, "KDFa three blocks with u and v known answer");
        is_ok(tpm2_kdfa(TPM2_ALG_SHA384, key, 16, "STORAGE", u, 34, NULL, 0, 256, out), "KDFa SHA-384");
        is_mem(out, 32, kat_kdfa_sha384, 32, "KDFa SHA-384 known answer");
        is_ok(tpm2_kdfe(TPM2_ALG_SHA256, z, 32, "IDENTITY", U, 32, V, 32, 256, out), "KDFe");
        is_mem(out, 32, kat_kdfe, 32, "KDFe SHA-256 known answer");
        is_ok(tpm2_kdfe(TPM2_ALG_SHA384, z, 32, "IDENTITY", U, 48, V, 48, 800, out), "KDFe long");
        is_mem(out, 100, kat_kdfe_long, 100, "KDFe SHA-384 three blocks known answer");

        is_err(tpm2_kdfa(TPM2_ALG_SHA256, key, 32, "X", NULL, 0, NULL, 0, 0, out), -EINVAL,
               "KDFa refuses 0 bits");
        is_err(tpm2_kdfa(TPM2_ALG_SHA256, key, 32, "X", NULL, 0, NULL, 0, 12, out), -EINVAL,
               "KDFa refuses bits not a multiple of 8");
        is_err(tpm2_kdfa(TPM2_ALG_SHA256, key, 32, "X", NULL, 0, NULL, 0, 8200, out), -EINVAL,
               "KDFa refuses more than 8192 bits");
        is_err(tpm2_kdfa(TPM2_ALG_SM3_256, key, 32, "X", NULL, 0, NULL, 0, 8, out), -EOPNOTSUPP,
               "KDFa refuses an unknown hash");

        /* The credential known answer: seed = key, name = u. */
        static const tpm2_ek_scheme s = { TPM2_ALG_SHA256, 128 };
        static const char secret[] = "0123456789abcdef0123456789abcdef";
        _cleanup_free_ uint8_t *cred = NULL, *back = NULL;
        size_t cred_len = 0, back_len = 0;

        is_ok(tpm2_credential_wrap(&s, key, 32, u, 34, (const uint8_t *) secret, 32, &cred, &cred_len),
              "credential wrap");
        is_mem(cred, cred_len, kat_credential, sizeof(kat_credential), "credential known answer");
        is_ok(tpm2_credential_unwrap(&s, key, 32, u, 34, cred, cred_len, &back, &back_len),
              "credential unwrap");
        is_mem(back, back_len, secret, 32, "credential unwrap gives the secret back");
        u[5] ^= 1;
        is_err(tpm2_credential_unwrap(&s, key, 32, u, 34, cred, cred_len, &back, &back_len), -EBADE,
               "credential for another Name fails the integrity check");
        u[5] ^= 1;
        cred[cred_len - 1] ^= 0x80;
        is_err(tpm2_credential_unwrap(&s, key, 32, u, 34, cred, cred_len, &back, &back_len), -EBADE,
               "tampered credential fails the integrity check");
        is_err(tpm2_credential_unwrap(&s, key, 32, u, 34, cred, cred_len - 1, &back, &back_len),
               -EBADMSG, "truncated credential is malformed");
        is_err(tpm2_credential_wrap(&s, key, 32, u, 34, (const uint8_t *) secret, 0, &cred,
                                    &cred_len),
               -EINVAL, "empty credential refused");
}

/* Names against `tpm2_readpublic -n` / `tpm2_load -n`, and marshal round
 * trips of real public areas. */
static void test_names(void) {
        static const char *const objs[] = { "ak-ecc", "ak-rsa", "key-ecc", "key-rsa", "ek-rsa",
                                            "ek-ecc384" };

        for (size_t i = 0; i < ELEMENTSOF(objs); i++) {
                char f[64], what[128];
                blob pub, name;
                TPMT_PUBLIC p;
                TPM2B_NAME n = {}, n2 = {};
                TPM2B_PUBLIC p2b;
                _cleanup_free_ uint8_t *m = NULL;
                size_t mlen = 0;

                snprintf(f, sizeof(f), "%s.pub", objs[i]);
                pub = load_tpmt_public(f);
                snprintf(f, sizeof(f), "%s.name", objs[i]);
                name = load(f);

                snprintf(what, sizeof(what), "%s: TPMT_PUBLIC parses", objs[i]);
                is_ok(tpm2_public_unmarshal(pub.data, pub.len, &p), what);
                snprintf(what, sizeof(what), "%s: Name equals tpm2-tools'", objs[i]);
                is_ok(tpm2_public_name(&p, &n), what);
                is_mem(n.name, n.size, name.data, name.len, what);
                snprintf(what, sizeof(what), "%s: Name from bytes equals tpm2-tools'", objs[i]);
                is_ok(tpm2_public_name_from_bytes(pub.data, pub.len, &n2), what);
                is_mem(n2.name, n2.size, name.data, name.len, what);
                snprintf(what, sizeof(what), "%s: marshal round trip", objs[i]);
                is_ok(tpm2_public_marshal(&p, &m, &mlen), what);
                is_mem(m, mlen, pub.data, pub.len, what);

                snprintf(what, sizeof(what), "%s: truncated TPMT_PUBLIC refused", objs[i]);
                is_err(tpm2_public_unmarshal(pub.data, pub.len - 1, &p), -EBADMSG, what);
                blob longer = dup_blob(&pub, 1);
                snprintf(what, sizeof(what), "%s: trailing byte refused", objs[i]);
                is_err(tpm2_public_unmarshal(longer.data, pub.len + 1, &p), -EBADMSG, what);
                blob_free(&longer);

                /* The TPM2B form, as tpm2-tools stores it. */
                snprintf(f, sizeof(f), "%s.pub", objs[i]);
                blob pub2b = load(f);
                snprintf(what, sizeof(what), "%s: TPM2B_PUBLIC parses", objs[i]);
                is_ok(tpm2b_public_unmarshal(pub2b.data, pub2b.len, &p2b), what);
                blob_free(&pub2b);

                blob_free(&pub);
                blob_free(&name);
        }

        TPMT_PUBLIC p;
        uint8_t big[TPM2UTIL_MAX_STRUCT + 1] = {};
        is_err(tpm2_public_unmarshal(big, 0, &p), -EBADMSG, "empty TPMT_PUBLIC refused");
        is_err(tpm2_public_unmarshal(big, sizeof(big), &p), -EBADMSG, "oversized input refused");
}

static void test_ek(void) {
        static const struct {
                const char *name;
                TPM2_ALG_ID alg;
                uint16_t bits;
        } eks[] = { { "ek-rsa", TPM2_ALG_SHA256, 128 }, { "ek-ecc384", TPM2_ALG_SHA384, 256 } };

        for (size_t i = 0; i < ELEMENTSOF(eks); i++) {
                _cleanup_pkey_ EVP_PKEY *k = NULL, *pem = NULL;
                _cleanup_free_ char *uri = NULL;
                tpm2_ek_scheme s1 = {}, s2 = {};
                char f[64], what[128];
                blob pub, want;
                TPMT_PUBLIC p;

                snprintf(f, sizeof(f), "%s.pub", eks[i].name);
                pub = load_tpmt_public(f);
                snprintf(f, sizeof(f), "%s.uri", eks[i].name);
                want = load(f);
                while (want.len > 0 && want.data[want.len - 1] == '\n')
                        want.data[--want.len] = 0;
                snprintf(f, sizeof(f), "%s.pem", eks[i].name);
                pem = load_pem_key(f, false);

                (void) tpm2_public_unmarshal(pub.data, pub.len, &p);
                snprintf(what, sizeof(what), "%s: public key", eks[i].name);
                is_ok(tpm2_public_to_pkey(&p, &k), what);
                snprintf(what, sizeof(what), "%s: same key as tpm2_readpublic -f pem", eks[i].name);
                ok(k && EVP_PKEY_eq(k, pem) == 1, what);
                snprintf(what, sizeof(what), "%s: EK URI equals openssl's", eks[i].name);
                is_ok(tpm2_ek_uri(k, &uri), what);
                is_str(uri, (const char *) want.data, what);
                snprintf(what, sizeof(what), "%s: scheme from public", eks[i].name);
                is_ok(tpm2_ek_scheme_from_public(&p, &s1), what);
                ok(s1.name_alg == eks[i].alg && s1.aes_bits == eks[i].bits, what);
                snprintf(what, sizeof(what), "%s: default scheme matches swtpm's EK", eks[i].name);
                is_ok(tpm2_ek_scheme_default(k, &s2), what);
                ok(s2.name_alg == s1.name_alg && s2.aes_bits == s1.aes_bits, what);

                tpm2_ek_policy pol = {};
                snprintf(what, sizeof(what), "%s: EK policy recognized", eks[i].name);
                is_ok(tpm2_ek_policy_of(&p, &pol), what);
                ok(pol.session_hash == eks[i].alg, what);
                if (eks[i].alg == TPM2_ALG_SHA256)
                        is_int(pol.n_or, 0, "low-range EK: PolicySecret alone");
                else {
                        static const uint8_t a384[] = {
                                0x8b, 0xbf, 0x22, 0x66, 0x53, 0x7c, 0x17, 0x1c, 0xb5, 0x6e, 0x40, 0x3c,
                                0x4d, 0xc1, 0xd4, 0xb6, 0x4f, 0x43, 0x26, 0x11, 0xdc, 0x38, 0x6e, 0x6f,
                                0x53, 0x20, 0x50, 0xc3, 0x27, 0x8c, 0x93, 0x0e, 0x14, 0x3e, 0x8b, 0xb1,
                                0x13, 0x38, 0x24, 0xcc, 0xb4, 0x31, 0x05, 0x38, 0x71, 0xc6, 0xdb, 0x53,
                        };
                        is_int(pol.n_or, 2, "high-range P-384 EK: PolicyOR of two branches");
                        is_mem(pol.or_branches[0].buffer, pol.or_branches[0].size, a384, sizeof(a384),
                               "first branch is PolicyA (SHA-384) of the EK profile");
                }
                p.authPolicy.buffer[0] ^= 1;
                snprintf(what, sizeof(what), "%s: other policy not recognized", eks[i].name);
                is_err(tpm2_ek_policy_of(&p, &pol), -EOPNOTSUPP, what);
                blob_free(&pub);
                blob_free(&want);
        }
}

typedef struct creation_set {
        blob pub, cdata, attest, sig, name;
} creation_set;

static creation_set load_creation(const char *a) {
        creation_set c;
        char f[64];

        snprintf(f, sizeof(f), "ak-%s.pub", a);
        c.pub = load_tpmt_public(f);
        snprintf(f, sizeof(f), "ak-%s.cdata", a);
        c.cdata = load(f);
        /* tpm2-tools stores TPM2B_CREATION_DATA; the wire carries the TPMS. */
        memmove(c.cdata.data, c.cdata.data + 2, c.cdata.len - 2);
        c.cdata.len -= 2;
        snprintf(f, sizeof(f), "ak-%s.cattest", a);
        c.attest = load(f);
        snprintf(f, sizeof(f), "ak-%s.csig", a);
        c.sig = load(f);
        snprintf(f, sizeof(f), "ak-%s.name", a);
        c.name = load(f);
        return c;
}

static void free_creation(creation_set *c) {
        blob_free(&c->pub);
        blob_free(&c->cdata);
        blob_free(&c->attest);
        blob_free(&c->sig);
        blob_free(&c->name);
}

static int run_creation(const creation_set *c, const char **why) {
        return tpm2_check_creation(c->pub.data, c->pub.len, c->cdata.data, c->cdata.len,
                                   c->attest.data, c->attest.len, c->sig.data, c->sig.len, NULL,
                                   NULL, why);
}

static void test_creation(void) {
        creation_set ecc = load_creation("ecc"), rsa = load_creation("rsa");
        _cleanup_pkey_ EVP_PKEY *ak = NULL;
        const char *why = NULL;
        TPM2B_NAME name = {};
        TPMS_CREATION_DATA cd;

        is_ok(tpm2_creation_data_unmarshal(ecc.cdata.data, ecc.cdata.len, &cd), "creation data parses");
        is_ok(tpm2_check_creation(ecc.pub.data, ecc.pub.len, ecc.cdata.data, ecc.cdata.len,
                                  ecc.attest.data, ecc.attest.len, ecc.sig.data, ecc.sig.len, &ak,
                                  &name, &why),
              "ECC AK creation attestation accepted");
        ok(why == NULL && ak && EVP_PKEY_get_base_id(ak) == EVP_PKEY_EC, "AK key returned");
        is_mem(name.name, name.size, ecc.name.data, ecc.name.len, "AK Name returned");
        is_ok(run_creation(&rsa, &why), "RSA AK creation attestation accepted");

        /* Truncated / trailing bytes. */
        ecc.attest.len--;
        is_err(run_creation(&ecc, &why), -EBADMSG, "truncated attestation refused");
        ok(why && strstr(why, "malformed"), "reason names the malformed structure");
        ecc.attest.len++;
        blob longer = dup_blob(&ecc.sig, 1);
        blob saved = ecc.sig;
        ecc.sig = longer;
        ecc.sig.len++;
        is_err(run_creation(&ecc, &why), -EBADMSG, "signature with a trailing byte refused");
        ecc.sig = saved;
        blob_free(&longer);

        /* Wrong magic, wrong type (a certify attestation). */
        ecc.attest.data[0] ^= 1;
        is_err(run_creation(&ecc, &why), -EPROTO, "wrong magic refused");
        ecc.attest.data[0] ^= 1;
        blob certify = load("key-ecc.attest");
        saved = ecc.attest;
        ecc.attest = certify;
        is_err(run_creation(&ecc, &why), -EPROTO, "ATTEST_CERTIFY where CREATION expected refused");
        ecc.attest = saved;
        blob_free(&certify);

        /* Attributes: objectAttributes is at offset 4 of TPMT_PUBLIC (u32). */
        TPMT_PUBLIC p;
        (void) tpm2_public_unmarshal(ecc.pub.data, ecc.pub.len, &p);
        ok(p.objectAttributes & TPMA_OBJECT_RESTRICTED, "AK vector is restricted");
        ecc.pub.data[4 + 3 - 2] ^= (uint8_t) (TPMA_OBJECT_RESTRICTED >> 16); /* bit 16 */
        is_err(run_creation(&ecc, &why), -EPERM, "AK without restricted refused");
        ecc.pub.data[4 + 3 - 2] ^= (uint8_t) (TPMA_OBJECT_RESTRICTED >> 16);
        ecc.pub.data[4 + 3] ^= (uint8_t) TPMA_OBJECT_FIXEDTPM; /* bit 1 */
        is_err(run_creation(&ecc, &why), -EPERM, "AK without fixedTPM refused");
        ecc.pub.data[4 + 3] ^= (uint8_t) TPMA_OBJECT_FIXEDTPM;
        is_ok(run_creation(&ecc, &why), "restored AK accepted again");

        /* Bindings: creation data, Name. */
        /* A byte inside parentQualifiedName (the last field but outsideInfo). */
        ecc.cdata.data[ecc.cdata.len - 10] ^= 1;
        is_err(run_creation(&ecc, &why), -EBADE, "creation data not matching creationHash refused");
        ecc.cdata.data[ecc.cdata.len - 10] ^= 1;
        saved = ecc.pub;
        ecc.pub = rsa.pub;
        is_err(run_creation(&ecc, &why), -EBADE, "another AK's public area refused (Name)");
        ecc.pub = saved;

        /* Signatures: another AK's, and a flipped bit in r. */
        saved = ecc.sig;
        blob other = load("key-ecc.sig");
        ecc.sig = other;
        is_err(run_creation(&ecc, &why), -EKEYREJECTED, "signature over other data refused");
        ecc.sig = saved;
        blob_free(&other);
        ecc.sig.data[10] ^= 0x40;
        is_err(run_creation(&ecc, &why), -EKEYREJECTED, "corrupted signature refused");
        ok(why && strstr(why, "signature"), "reason names the signature");
        ecc.sig.data[10] ^= 0x40;
        saved = ecc.sig;
        ecc.sig = rsa.sig;
        is_err(run_creation(&ecc, &why), -EKEYREJECTED, "RSA signature for an ECC AK refused");
        ecc.sig = saved;

        free_creation(&ecc);
        free_creation(&rsa);
}

static void test_certify(void) {
        static const uint8_t extra[] = { 0x00, 0xff, 0x55, 0xaa };
        _cleanup_pkey_ EVP_PKEY *ak_ecc = NULL, *ak_rsa = NULL, *key = NULL, *want = NULL;
        blob ak_ecc_pub = load_tpmt_public("ak-ecc.pub"), ak_rsa_pub = load_tpmt_public("ak-rsa.pub");
        blob pub = load_tpmt_public("key-ecc.pub"), att = load("key-ecc.attest"),
             sig = load("key-ecc.sig");
        blob rpub = load_tpmt_public("key-rsa.pub"), ratt = load("key-rsa.attest"),
             rsig = load("key-rsa.sig");
        blob self_att = load("akself-ecc.attest"), self_sig = load("akself-ecc.sig");
        blob cattest = load("ak-ecc.cattest"), csig = load("ak-ecc.csig");
        const char *why = NULL;
        TPMT_PUBLIC p;

        (void) tpm2_public_unmarshal(ak_ecc_pub.data, ak_ecc_pub.len, &p);
        (void) tpm2_public_to_pkey(&p, &ak_ecc);
        (void) tpm2_public_unmarshal(ak_rsa_pub.data, ak_rsa_pub.len, &p);
        (void) tpm2_public_to_pkey(&p, &ak_rsa);
        (void) tpm2_public_unmarshal(pub.data, pub.len, &p);
        (void) tpm2_public_to_pkey(&p, &want);

#define CERTIFY(akk, pb, a, s, x, xl, k) \
        tpm2_check_certify(akk, pb.data, pb.len, a.data, a.len, s.data, s.len, x, xl, k, &why)

        is_ok(CERTIFY(ak_ecc, pub, att, sig, extra, 4, &key), "ECC key certified by ECC AK accepted");
        ok(key && EVP_PKEY_eq(key, want) == 1, "certified key returned");
        is_ok(CERTIFY(ak_rsa, rpub, ratt, rsig, extra, 4, NULL), "RSA key certified by RSA AK accepted");

        static const uint8_t wrong[] = { 0x00, 0xff, 0x55, 0xab };
        is_err(CERTIFY(ak_ecc, pub, att, sig, wrong, 4, NULL), -EBADE, "wrong extraData refused");
        is_err(CERTIFY(ak_ecc, pub, att, sig, extra, 3, NULL), -EBADE, "shorter extraData refused");
        is_err(CERTIFY(ak_ecc, ak_ecc_pub, self_att, self_sig, extra, 4, NULL), -EPERM,
               "restricted key (AK certifying itself) refused");
        ok(why && strstr(why, "restricted"), "reason says restricted");
        is_err(CERTIFY(ak_ecc, ak_ecc_pub, cattest, csig, extra, 4, NULL), -EPROTO,
               "creation attestation where certify expected refused");
        is_err(CERTIFY(ak_rsa, pub, att, sig, extra, 4, NULL), -EKEYREJECTED,
               "signature checked with another AK refused");
        is_err(CERTIFY(ak_ecc, rpub, att, sig, extra, 4, NULL), -EBADE,
               "pubArea of another key refused (Name)");
        /* certify.name digest: magic 4, type 2, qualifiedSigner 36, extraData 6,
         * clockInfo 17, firmwareVersion 8, size 2, nameAlg 2. */
        att.data[77] ^= 1;
        is_err(CERTIFY(ak_ecc, pub, att, sig, extra, 4, NULL), -EBADE,
               "certified Name altered refused");
        att.data[77] ^= 1;
        att.data[20] ^= 1; /* inside the qualifiedSigner */
        is_err(CERTIFY(ak_ecc, pub, att, sig, extra, 4, NULL), -EKEYREJECTED,
               "altered certInfo fails the signature");
        att.data[20] ^= 1;
        att.data[4] ^= 0xff;
        is_err(CERTIFY(ak_ecc, pub, att, sig, extra, 4, NULL), -EBADMSG,
               "unknown attestation type is malformed");
        att.data[4] ^= 0xff;
        sig.data[3] = 0x04; /* TPMT_SIGNATURE.signature.ecdsa.hash = SHA-1 */
        is_err(CERTIFY(ak_ecc, pub, att, sig, extra, 4, NULL), -EPERM, "SHA-1 signature refused");
        ok(why && strstr(why, "SHA-1"), "reason names SHA-1");
        sig.data[3] = 0x0b;
        is_ok(CERTIFY(ak_ecc, pub, att, sig, extra, 4, NULL), "restored signature accepted");
        sig.len -= 1;
        is_err(CERTIFY(ak_ecc, pub, att, sig, extra, 4, NULL), -EBADMSG, "truncated sig refused");
        sig.len += 1;
        pub.len -= 1;
        is_err(CERTIFY(ak_ecc, pub, att, sig, extra, 4, NULL), -EBADMSG, "truncated pubArea refused");
        pub.len += 1;

        /* Key strength: an RSA-1024 claim (keyBits at offset 10 + policy). */
        TPMT_PUBLIC weak;
        _cleanup_free_ uint8_t *wb = NULL;
        size_t wlen = 0;
        (void) tpm2_public_unmarshal(rpub.data, rpub.len, &weak);
        weak.parameters.rsaDetail.keyBits = 1024;
        is_ok(tpm2_public_marshal(&weak, &wb, &wlen), "marshal weak key");
        blob wblob = { wb, wlen };
        is_err(CERTIFY(ak_rsa, wblob, ratt, rsig, extra, 4, NULL), -EPERM, "RSA-1024 refused");
        is_err(tpm2_public_check_strength(&weak), -EPERM, "strength check says RSA-1024 is weak");
        weak.objectAttributes &= ~TPMA_OBJECT_SENSITIVEDATAORIGIN;
        weak.parameters.rsaDetail.keyBits = 2048;
        free(wb);
        wb = NULL;
        (void) tpm2_public_marshal(&weak, &wb, &wlen);
        wblob = (blob) { wb, wlen };
        is_err(CERTIFY(ak_rsa, wblob, ratt, rsig, extra, 4, NULL), -EPERM,
               "key without sensitiveDataOrigin refused");
#undef CERTIFY

        blob_free(&ak_ecc_pub);
        blob_free(&ak_rsa_pub);
        blob_free(&pub);
        blob_free(&att);
        blob_free(&sig);
        blob_free(&rpub);
        blob_free(&ratt);
        blob_free(&rsig);
        blob_free(&self_att);
        blob_free(&self_sig);
        blob_free(&cattest);
        blob_free(&csig);
}

static void test_signatures(void) {
        blob pub = load_tpmt_public("ak-ecc.pub"), att = load("key-ecc.attest"), sig = load("key-ecc.sig");
        _cleanup_pkey_ EVP_PKEY *ak = NULL;
        _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *md = EVP_MD_CTX_new();
        _cleanup_free_ uint8_t *der = NULL, *m = NULL;
        size_t der_len = 0, mlen = 0;
        TPMT_SIGNATURE s;
        TPMT_PUBLIC p;
        int nid = 0;

        (void) tpm2_public_unmarshal(pub.data, pub.len, &p);
        (void) tpm2_public_to_pkey(&p, &ak);
        is_ok(tpm2_signature_unmarshal(sig.data, sig.len, &s), "TPMT_SIGNATURE parses");
        ok(s.sigAlg == TPM2_ALG_ECDSA, "ECDSA signature");
        is_ok(tpm2_signature_marshal(&s, &m, &mlen), "TPMT_SIGNATURE marshals");
        is_mem(m, mlen, sig.data, sig.len, "TPMT_SIGNATURE round trip");
        is_ok(tpm2_signature_verify(ak, &s, att.data, att.len), "signature verifies");
        is_ok(tpm2_signature_to_der(&s, &der, &der_len, &nid), "signature to DER");
        is_int(nid, NID_sha256, "digest is SHA-256");
        /* The DER form verifies with plain OpenSSL. */
        ok(md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, ak) == 1 &&
                   EVP_DigestVerify(md, der, der_len, att.data, att.len) == 1,
           "DER signature verifies with OpenSSL directly");
        is_err(tpm2_signature_verify(ak, &s, att.data, att.len - 1), -EKEYREJECTED,
               "signature over other data refused");

        TPMS_ATTEST a;
        _cleanup_free_ uint8_t *am = NULL;
        size_t alen = 0;
        is_ok(tpm2_attest_unmarshal(att.data, att.len, &a), "TPMS_ATTEST parses");
        is_int(a.magic, TPM2UTIL_GENERATED_VALUE, "magic");
        is_int(a.type, TPM2UTIL_ST_ATTEST_CERTIFY, "type certify");
        is_ok(tpm2_attest_marshal(&a, &am, &alen), "TPMS_ATTEST marshals");
        is_mem(am, alen, att.data, att.len, "TPMS_ATTEST round trip");
        blob_free(&pub);
        blob_free(&att);
        blob_free(&sig);
}

/* The file of `tpm2_makecredential -T none`: u32 0xBADCC0DE, u32 version 1,
 * TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET (tpm2-tools
 * tools/tpm2_makecredential.c, write_cred_and_secret). */
static void test_tpm2_tools_makecredential(void) {
        static const char *const algs[] = { "rsa", "ecc" };
        blob secret = load("secret.bin"), name = load("ak-ecc.name"), other = load("ak-rsa.name");

        for (size_t i = 0; i < ELEMENTSOF(algs); i++) {
                _cleanup_free_ uint8_t *got = NULL, *our_cred = NULL, *our_sec = NULL;
                size_t got_len = 0, our_cred_len = 0, our_sec_len = 0, idlen;
                _cleanup_pkey_ EVP_PKEY *ek = NULL;
                TPM2B_ID_OBJECT id, our_id;
                TPM2B_ENCRYPTED_SECRET es, our_es;
                char f[64], what[128];
                blob mc;

                snprintf(f, sizeof(f), "mc-%s.bin", algs[i]);
                mc = load(f);
                snprintf(f, sizeof(f), "softek-%s.key", algs[i]);
                ek = load_pem_key(f, true);

                snprintf(what, sizeof(what), "%s: tpm2-tools header magic and version", algs[i]);
                ok(mc.len > 10 && memcmp(mc.data, "\xba\xdc\xc0\xde\x00\x00\x00\x01", 8) == 0, what);
                idlen = 2 + (size_t) (mc.data[8] << 8 | mc.data[9]);
                snprintf(what, sizeof(what), "%s: TPM2B_ID_OBJECT parses", algs[i]);
                is_ok(tpm2b_id_object_unmarshal(mc.data + 8, idlen, &id), what);
                snprintf(what, sizeof(what), "%s: TPM2B_ENCRYPTED_SECRET is the rest, exactly", algs[i]);
                is_ok(tpm2b_encrypted_secret_unmarshal(mc.data + 8 + idlen, mc.len - 8 - idlen, &es),
                      what);
                snprintf(what, sizeof(what), "%s: ID object is hmacLen 32 || hmac || enc(2+secret)",
                         algs[i]);
                ok(id.size == 2 + 32 + 2 + secret.len && id.credential[0] == 0 &&
                           id.credential[1] == 32,
                   what);

                /* Ours for the same key, Name and secret has the same layout. */
                snprintf(what, sizeof(what), "%s: our MakeCredential", algs[i]);
                is_ok(tpm2_make_credential(ek, NULL, name.data, name.len, secret.data, secret.len,
                                           &our_cred, &our_cred_len, &our_sec, &our_sec_len),
                      what);
                (void) tpm2b_id_object_unmarshal(our_cred, our_cred_len, &our_id);
                (void) tpm2b_encrypted_secret_unmarshal(our_sec, our_sec_len, &our_es);
                snprintf(what, sizeof(what), "%s: same sizes as tpm2-tools", algs[i]);
                ok(our_id.size == id.size && our_es.size == es.size &&
                           memcmp(our_id.credential, id.credential, 2) == 0,
                   what);

                snprintf(what, sizeof(what), "%s: tpm2-tools' blob opens with our activation", algs[i]);
                is_ok(tpm2_activate_credential_soft(ek, NULL, name.data, name.len, mc.data + 8, idlen,
                                                    mc.data + 8 + idlen, mc.len - 8 - idlen, &got,
                                                    &got_len),
                      what);
                is_mem(got, got_len, secret.data, secret.len, what);
                snprintf(what, sizeof(what), "%s: tpm2-tools' blob for another Name refused", algs[i]);
                is_err(tpm2_activate_credential_soft(ek, NULL, other.data, other.len, mc.data + 8,
                                                     idlen, mc.data + 8 + idlen, mc.len - 8 - idlen,
                                                     &got, &got_len),
                       -EBADE, what);
                blob_free(&mc);
        }
        blob_free(&secret);
        blob_free(&name);
        blob_free(&other);
}

static void test_make_credential_roundtrip(void) {
        static const struct {
                const char *what;
                const char *alg;
                const char *param;
        } keys[] = { { "RSA-2048", "RSA", NULL }, { "P-256", "EC", "P-256" }, { "P-384", "EC", "P-384" } };
        static const uint8_t name[34] = { 0x00, 0x0b, 1, 2, 3 };
        uint8_t secret[32];

        for (size_t i = 0; i < sizeof(secret); i++)
                secret[i] = (uint8_t) (i * 7);
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                _cleanup_pkey_ EVP_PKEY *ek = NULL, *other = NULL;
                _cleanup_free_ uint8_t *cred = NULL, *sec = NULL, *got = NULL;
                size_t cred_len = 0, sec_len = 0, got_len = 0;
                char what[128];

                ek = keys[i].param ? EVP_PKEY_Q_keygen(NULL, NULL, keys[i].alg, keys[i].param)
                                   : EVP_PKEY_Q_keygen(NULL, NULL, keys[i].alg, (size_t) 2048);
                other = keys[i].param ? EVP_PKEY_Q_keygen(NULL, NULL, keys[i].alg, keys[i].param)
                                      : EVP_PKEY_Q_keygen(NULL, NULL, keys[i].alg, (size_t) 2048);
                snprintf(what, sizeof(what), "%s: make credential", keys[i].what);
                is_ok(tpm2_make_credential(ek, NULL, name, sizeof(name), secret, sizeof(secret), &cred,
                                           &cred_len, &sec, &sec_len),
                      what);
                snprintf(what, sizeof(what), "%s: activate gives the secret", keys[i].what);
                is_ok(tpm2_activate_credential_soft(ek, NULL, name, sizeof(name), cred, cred_len, sec,
                                                    sec_len, &got, &got_len),
                      what);
                is_mem(got, got_len, secret, sizeof(secret), what);
                snprintf(what, sizeof(what), "%s: another EK cannot activate", keys[i].what);
                is_err(tpm2_activate_credential_soft(other, NULL, name, sizeof(name), cred, cred_len,
                                                     sec, sec_len, &got, &got_len),
                       -EBADE, what);
        }

        _cleanup_pkey_ EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 1024);
        _cleanup_free_ uint8_t *c = NULL, *s = NULL;
        size_t cl, sl;
        is_err(tpm2_make_credential(small, NULL, name, sizeof(name), secret, 32, &c, &cl, &s, &sl),
               -EOPNOTSUPP, "no default scheme for an RSA-1024 EK");
}

static void test_public_to_pkey_rejects(void) {
        blob pub = load_tpmt_public("key-ecc.pub"), rpub = load_tpmt_public("key-rsa.pub");
        _cleanup_pkey_ EVP_PKEY *k = NULL;
        TPMT_PUBLIC p;

        (void) tpm2_public_unmarshal(pub.data, pub.len, &p);
        p.unique.ecc.y.buffer[5] ^= 1;
        is_err(tpm2_public_to_pkey(&p, &k), -EBADMSG, "ECC point off the curve refused");
        p.parameters.eccDetail.curveID = TPM2_ECC_BN_P256;
        is_err(tpm2_public_to_pkey(&p, &k), -EOPNOTSUPP, "BN curve unsupported");
        (void) tpm2_public_unmarshal(rpub.data, rpub.len, &p);
        p.unique.rsa.size = 128;
        is_err(tpm2_public_to_pkey(&p, &k), -EBADMSG, "RSA modulus size not matching keyBits refused");
        p.type = TPM2_ALG_KEYEDHASH;
        is_err(tpm2_public_to_pkey(&p, &k), -EOPNOTSUPP, "keyedhash object is not a public key");
        ok(!k, "nothing returned on failure");
        blob_free(&pub);
        blob_free(&rpub);

        TPM2B_ID_OBJECT id;
        uint8_t big[2 + sizeof(TPMS_ID_OBJECT) + 1] = { (uint8_t) ((sizeof(TPMS_ID_OBJECT) + 1) >> 8),
                                                       (uint8_t) (sizeof(TPMS_ID_OBJECT) + 1) };
        is_err(tpm2b_id_object_unmarshal(big, sizeof(big), &id), -EBADMSG,
               "TPM2B_ID_OBJECT larger than its type refused");
        uint8_t shortb[] = { 0x00, 0x05, 1, 2 };
        is_err(tpm2b_id_object_unmarshal(shortb, sizeof(shortb), &id), -EBADMSG,
               "TPM2B_ID_OBJECT shorter than its size refused");
}

static void test_info(void) {
        static const uint32_t vendor[4] = { 0x53572020, 0x2054504d, 0, 0 }; /* "SW  " " TPM" */
        static const uint32_t odd[2] = { 0x41004201, 0x43000000 };
        _cleanup_free_ char *m = NULL, *id = NULL, *v = NULL, *fw = NULL, *o = NULL;

        is_ok(tpm2_info_manufacturer(0x49424d00, &m), "manufacturer");
        is_str(m, "1229081856", "manufacturer as decimal");
        is_ok(tpm2_info_manufacturer_id(0x49424d00, &id), "manufacturer id");
        is_str(id, "IBM", "manufacturer id trimmed");
        is_ok(tpm2_info_vendor_string(vendor, 4, &v), "vendor string");
        is_str(v, "SW   TPM", "vendor string NULs removed");
        is_ok(tpm2_info_vendor_string(odd, 2, &o), "vendor string with control bytes");
        is_str(o, "AB?C", "control bytes replaced");
        is_ok(tpm2_info_firmware(0x20191023, &fw), "firmware");
        is_str(fw, "8217.4131", "firmware major.minor");
        is_err(tpm2_info_vendor_string(vendor, 5, &v), -EINVAL, "more than 4 vendor words refused");
}

int main(void) {
        test_kdf();
        test_names();
        test_ek();
        test_creation();
        test_certify();
        test_signatures();
        test_tpm2_tools_makecredential();
        test_make_credential_roundtrip();
        test_public_to_pkey_rejects();
        test_info();
        return tap_done();
}
