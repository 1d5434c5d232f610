/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Credential protection, the CA's half of TPM2_ActivateCredential:
 * KDFa and KDFe (TPM 2.0 Library Part 1, section 11.4.10), the wrapping of
 * a secret for an object Name under a seed (Part 1, section 24, "Credential
 * Protection"), and the encryption of that seed to an endorsement key (RSA:
 * OAEP with label "IDENTITY"; ECC: one-pass ECDH with KDFe, Part 1 section
 * 11.4.10.3 and Annex C of Part 1 as applied by TPM2_MakeCredential).
 * The software inverse (activate with an EK private key) exists for tests
 * and tools.
 */
#include <limits.h>
#include <sys/param.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "crypto.h"
#include "log.h"
#include "tpm2-internal.h"
#include "tpm2util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_CIPHER_CTX *, EVP_CIPHER_CTX_free);

#define KDF_MAX_BITS 8192
#define CREDENTIAL_MAX 64 /* TPM2B_DIGEST: sizeof(TPMU_HA) */
#define IDENTITY_LABEL "IDENTITY"

static void put_u32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) (v >> 24);
        p[1] = (uint8_t) (v >> 16);
        p[2] = (uint8_t) (v >> 8);
        p[3] = (uint8_t) v;
}

static void put_u16(uint8_t *p, uint16_t v) {
        p[0] = (uint8_t) (v >> 8);
        p[1] = (uint8_t) v;
}

static uint16_t get_u16(const uint8_t *p) {
        return (uint16_t) (p[0] << 8 | p[1]);
}

static void erase_freep(uint8_t **p, size_t len) {
        if (*p) {
                OPENSSL_cleanse(*p, len);
                free(*p);
        }
}

/* Builds the fixed part that follows the counter in both KDFs:
 * [z] || label || 0x00 || u || v || [u32 bits]; the first 4 bytes are left
 * for the counter. */
static int kdf_message(const uint8_t *z, size_t z_len, const char *label, const uint8_t *u,
                       size_t u_len, const uint8_t *v, size_t v_len, size_t bits, bool with_bits,
                       uint8_t **ret, size_t *ret_len) {
        size_t label_len = label ? strlen(label) + 1 : 0;
        size_t len = 4 + z_len + label_len + u_len + v_len + (with_bits ? 4 : 0);
        uint8_t *m, *p;

        m = malloc(len);
        if (!m)
                return -ENOMEM;
        p = m + 4;
        if (z_len)
                p = mempcpy(p, z, z_len);
        if (label_len)
                p = mempcpy(p, label, label_len); /* with its NUL */
        if (u_len)
                p = mempcpy(p, u, u_len);
        if (v_len)
                p = mempcpy(p, v, v_len);
        if (with_bits)
                put_u32(p, (uint32_t) bits);
        *ret = m;
        *ret_len = len;
        return 0;
}

static int kdf_check(TPM2_ALG_ID hash, const uint8_t *key, size_t key_len, const uint8_t *u,
                     size_t u_len, const uint8_t *v, size_t v_len, size_t bits, uint8_t *ret,
                     int *ret_nid) {
        int nid = tpm2_hash_alg_to_nid(hash);

        if (nid < 0)
                return nid;
        if ((!key && key_len) || (!u && u_len) || (!v && v_len) || !ret)
                return -EINVAL;
        if (bits == 0 || bits % 8 != 0 || bits > KDF_MAX_BITS)
                return -EINVAL;
        if (key_len > INT_MAX || u_len > 65536 || v_len > 65536)
                return -EINVAL;
        *ret_nid = nid;
        return 0;
}

int tpm2_kdfa(TPM2_ALG_ID hash, const uint8_t *key, size_t key_len, const char *label,
              const uint8_t *context_u, size_t u_len, const uint8_t *context_v, size_t v_len,
              size_t bits, uint8_t *ret) {
        _cleanup_free_ uint8_t *msg = NULL;
        size_t msg_len, done = 0, want = bits / 8;
        int nid, r;

        r = kdf_check(hash, key, key_len, context_u, u_len, context_v, v_len, bits, ret, &nid);
        if (r < 0)
                return r;
        r = kdf_message(NULL, 0, label, context_u, u_len, context_v, v_len, bits, true, &msg,
                        &msg_len);
        if (r < 0)
                return r;
        for (uint32_t i = 1; done < want; i++) {
                uint8_t block[EVP_MAX_MD_SIZE];
                unsigned blen = 0;

                put_u32(msg, i);
                if (!HMAC(EVP_get_digestbynid(nid), key ? key : (const uint8_t *) "", (int) key_len,
                          msg, msg_len, block, &blen))
                        return log_debug_errno(ENOMEM, "KDFa HMAC: %s", tpm2_ossl_error());
                memcpy(ret + done, block, MIN((size_t) blen, want - done));
                done += MIN((size_t) blen, want - done);
                OPENSSL_cleanse(block, sizeof(block));
        }
        return 0;
}

int tpm2_kdfe(TPM2_ALG_ID hash, const uint8_t *z, size_t z_len, const char *label,
              const uint8_t *party_u, size_t u_len, const uint8_t *party_v, size_t v_len,
              size_t bits, uint8_t *ret) {
        uint8_t *msg = NULL;
        size_t msg_len = 0, done = 0, want = bits / 8;
        int nid, r;

        r = kdf_check(hash, z, z_len, party_u, u_len, party_v, v_len, bits, ret, &nid);
        if (r < 0)
                return r;
        r = kdf_message(z, z_len, label, party_u, u_len, party_v, v_len, bits, false, &msg,
                        &msg_len);
        if (r < 0)
                return r;
        for (uint32_t i = 1; done < want; i++) {
                uint8_t block[EVP_MAX_MD_SIZE];
                unsigned blen = 0;

                put_u32(msg, i);
                if (EVP_Digest(msg, msg_len, block, &blen, EVP_get_digestbynid(nid), NULL) != 1) {
                        r = -ENOMEM;
                        break;
                }
                memcpy(ret + done, block, MIN((size_t) blen, want - done));
                done += MIN((size_t) blen, want - done);
                OPENSSL_cleanse(block, sizeof(block));
        }
        erase_freep(&msg, msg_len); /* holds the shared secret Z */
        return r;
}

/* ---- EK schemes -------------------------------------------------------- */

static int ec_curve_of(EVP_PKEY *pkey, TPM2_ECC_CURVE *ret) {
        char group[64];

        if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), NULL) != 1)
                return -EOPNOTSUPP;
        if (streq(group, SN_X9_62_prime256v1))
                *ret = TPM2_ECC_NIST_P256;
        else if (streq(group, SN_secp384r1))
                *ret = TPM2_ECC_NIST_P384;
        else if (streq(group, SN_secp521r1))
                *ret = TPM2_ECC_NIST_P521;
        else
                return -EOPNOTSUPP;
        return 0;
}

static size_t curve_field_size(TPM2_ECC_CURVE c) {
        switch (c) {
        case TPM2_ECC_NIST_P256:
                return 32;
        case TPM2_ECC_NIST_P384:
                return 48;
        case TPM2_ECC_NIST_P521:
                return 66;
        default:
                return 0;
        }
}

int tpm2_ek_scheme_default(EVP_PKEY *ek, tpm2_ek_scheme *ret) {
        TPM2_ECC_CURVE curve;
        int bits;

        if (!ek || !ret)
                return -EINVAL;
        switch (EVP_PKEY_get_base_id(ek)) {
        case EVP_PKEY_RSA:
                bits = EVP_PKEY_get_bits(ek);
                if (bits == 2048)
                        *ret = (tpm2_ek_scheme) { TPM2_ALG_SHA256, 128 };
                else if (bits == 3072 || bits == 4096)
                        *ret = (tpm2_ek_scheme) { TPM2_ALG_SHA384, 256 };
                else
                        return log_debug_errno(EOPNOTSUPP, "no TCG EK template for RSA-%d", bits);
                return 0;
        case EVP_PKEY_EC:
                if (ec_curve_of(ek, &curve) < 0)
                        return log_debug_errno(EOPNOTSUPP, "no TCG EK template for this curve");
                if (curve == TPM2_ECC_NIST_P256)
                        *ret = (tpm2_ek_scheme) { TPM2_ALG_SHA256, 128 };
                else if (curve == TPM2_ECC_NIST_P384)
                        *ret = (tpm2_ek_scheme) { TPM2_ALG_SHA384, 256 };
                else
                        *ret = (tpm2_ek_scheme) { TPM2_ALG_SHA512, 256 };
                return 0;
        default:
                return log_debug_errno(EOPNOTSUPP, "EK is neither RSA nor EC");
        }
}

int tpm2_ek_scheme_from_public(const TPMT_PUBLIC *ek, tpm2_ek_scheme *ret) {
        const TPMT_SYM_DEF_OBJECT *sym;

        if (!ek || !ret)
                return -EINVAL;
        if (ek->type == TPM2_ALG_RSA)
                sym = &ek->parameters.rsaDetail.symmetric;
        else if (ek->type == TPM2_ALG_ECC)
                sym = &ek->parameters.eccDetail.symmetric;
        else
                return -EOPNOTSUPP;
        if (tpm2_hash_alg_size(ek->nameAlg) == 0 || sym->algorithm != TPM2_ALG_AES ||
            sym->mode.aes != TPM2_ALG_CFB ||
            (sym->keyBits.aes != 128 && sym->keyBits.aes != 192 && sym->keyBits.aes != 256))
                return log_debug_errno(EOPNOTSUPP, "EK is not an AES-CFB storage key");
        *ret = (tpm2_ek_scheme) { ek->nameAlg, sym->keyBits.aes };
        return 0;
}

static int scheme_check(const tpm2_ek_scheme *s) {
        if (tpm2_hash_alg_size(s->name_alg) == 0)
                return -EOPNOTSUPP;
        if (s->aes_bits != 128 && s->aes_bits != 192 && s->aes_bits != 256)
                return -EOPNOTSUPP;
        return 0;
}

/* ---- The credential blob ----------------------------------------------- */

static const EVP_CIPHER *aes_cfb(uint16_t bits) {
        return bits == 128 ? EVP_aes_128_cfb128() : bits == 192 ? EVP_aes_192_cfb128()
                                                                : EVP_aes_256_cfb128();
}

static int aes_cfb_crypt(uint16_t bits, const uint8_t *key, bool enc, const uint8_t *in, size_t len,
                         uint8_t *out) {
        _cleanup_(EVP_CIPHER_CTX_freep) EVP_CIPHER_CTX *ctx = NULL;
        static const uint8_t iv[16] = {};
        int n1 = 0, n2 = 0;

        ctx = EVP_CIPHER_CTX_new();
        if (!ctx)
                return -ENOMEM;
        if (EVP_CipherInit_ex(ctx, aes_cfb(bits), NULL, key, iv, enc ? 1 : 0) != 1 ||
            EVP_CipherUpdate(ctx, out, &n1, in, (int) len) != 1 ||
            EVP_CipherFinal_ex(ctx, out + n1, &n2) != 1 || (size_t) (n1 + n2) != len)
                return log_debug_errno(ENOMEM, "AES-CFB: %s", tpm2_ossl_error());
        return 0;
}

/* The outer HMAC: HMAC_nameAlg(KDFa(seed, "INTEGRITY"), encIdentity || name). */
static int credential_hmac(const tpm2_ek_scheme *s, const uint8_t *seed, size_t seed_len,
                           const uint8_t *enc, size_t enc_len, const uint8_t *name,
                           size_t name_len, uint8_t *ret) {
        size_t d = tpm2_hash_alg_size(s->name_alg);
        uint8_t key[EVP_MAX_MD_SIZE];
        _cleanup_free_ uint8_t *msg = NULL;
        unsigned n = 0;
        int r;

        r = tpm2_kdfa(s->name_alg, seed, seed_len, "INTEGRITY", NULL, 0, NULL, 0, d * 8, key);
        if (r < 0)
                return r;
        msg = malloc(enc_len + name_len);
        if (!msg) {
                OPENSSL_cleanse(key, sizeof(key));
                return -ENOMEM;
        }
        memcpy(msg, enc, enc_len);
        memcpy(msg + enc_len, name, name_len);
        if (!HMAC(EVP_get_digestbynid(tpm2_hash_alg_to_nid(s->name_alg)), key, (int) d, msg,
                  enc_len + name_len, ret, &n) ||
            n != d)
                r = -ENOMEM;
        OPENSSL_cleanse(key, sizeof(key));
        return r;
}

static int name_check(const uint8_t *name, size_t len) {
        if (!name || len < 2 || len > sizeof(TPMU_NAME))
                return -EINVAL;
        return 0;
}

int tpm2_credential_wrap(const tpm2_ek_scheme *scheme, const uint8_t *seed, size_t seed_len,
                         const uint8_t *ak_name, size_t ak_name_len, const uint8_t *secret,
                         size_t secret_len, uint8_t **ret, size_t *ret_len) {
        uint8_t sym[32], plain[2 + CREDENTIAL_MAX];
        size_t d, enc_len, total;
        _cleanup_free_ uint8_t *blob = NULL;
        uint8_t *enc;
        int r;

        if (!scheme || !seed || seed_len == 0 || !secret || !ret || !ret_len)
                return -EINVAL;
        if (secret_len == 0 || secret_len > CREDENTIAL_MAX)
                return -EINVAL;
        if (name_check(ak_name, ak_name_len) < 0)
                return -EINVAL;
        r = scheme_check(scheme);
        if (r < 0)
                return r;
        d = tpm2_hash_alg_size(scheme->name_alg);
        /* TPM2_MakeCredential refuses a credential longer than the digest of
         * the EK's nameAlg (TPM_RC_SIZE, Part 3 section 12.6). */
        if (secret_len > d)
                return -EINVAL;
        enc_len = 2 + secret_len;
        total = 2 + d + enc_len;
        if (total > sizeof(TPMS_ID_OBJECT))
                return -EINVAL;

        blob = malloc(2 + total);
        if (!blob)
                return -ENOMEM;
        put_u16(blob, (uint16_t) total);
        put_u16(blob + 2, (uint16_t) d);
        enc = blob + 4 + d;

        /* encIdentity = CFB(symKey, 0, marshalled TPM2B_DIGEST credential) */
        put_u16(plain, (uint16_t) secret_len);
        memcpy(plain + 2, secret, secret_len);
        r = tpm2_kdfa(scheme->name_alg, seed, seed_len, "STORAGE", ak_name, ak_name_len, NULL, 0,
                      scheme->aes_bits, sym);
        if (r >= 0)
                r = aes_cfb_crypt(scheme->aes_bits, sym, true, plain, enc_len, enc);
        OPENSSL_cleanse(sym, sizeof(sym));
        OPENSSL_cleanse(plain, sizeof(plain));
        if (r < 0)
                return r;

        r = credential_hmac(scheme, seed, seed_len, enc, enc_len, ak_name, ak_name_len, blob + 4);
        if (r < 0)
                return r;
        *ret_len = 2 + total;
        *ret = TAKE_PTR(blob);
        return 0;
}

int tpm2_credential_unwrap(const tpm2_ek_scheme *scheme, const uint8_t *seed, size_t seed_len,
                           const uint8_t *ak_name, size_t ak_name_len, const uint8_t *blob,
                           size_t blob_len, uint8_t **ret, size_t *ret_len) {
        uint8_t sym[32], mac[EVP_MAX_MD_SIZE], plain[sizeof(TPMS_ID_OBJECT)];
        size_t d, enc_len, n;
        const uint8_t *enc;
        uint8_t *out;
        int r;

        if (!scheme || !seed || seed_len == 0 || !blob || !ret || !ret_len)
                return -EINVAL;
        if (name_check(ak_name, ak_name_len) < 0)
                return -EINVAL;
        r = scheme_check(scheme);
        if (r < 0)
                return r;
        d = tpm2_hash_alg_size(scheme->name_alg);

        /* u16 size || u16 hmacLen || hmac || encIdentity */
        if (blob_len < 4 || get_u16(blob) != blob_len - 2 || blob_len - 2 > sizeof(TPMS_ID_OBJECT))
                return log_debug_errno(EBADMSG, "credential blob size field mismatch");
        if (get_u16(blob + 2) != d || blob_len < 4 + d + 2)
                return log_debug_errno(EBADMSG, "credential HMAC size is not the nameAlg size");
        enc = blob + 4 + d;
        enc_len = blob_len - 4 - d;

        r = credential_hmac(scheme, seed, seed_len, enc, enc_len, ak_name, ak_name_len, mac);
        if (r < 0)
                return r;
        if (CRYPTO_memcmp(mac, blob + 4, d) != 0)
                return log_debug_errno(EBADE, "credential integrity check failed");

        r = tpm2_kdfa(scheme->name_alg, seed, seed_len, "STORAGE", ak_name, ak_name_len, NULL, 0,
                      scheme->aes_bits, sym);
        if (r >= 0)
                r = aes_cfb_crypt(scheme->aes_bits, sym, false, enc, enc_len, plain);
        OPENSSL_cleanse(sym, sizeof(sym));
        if (r < 0)
                goto finish;
        n = get_u16(plain);
        if (n == 0 || n != enc_len - 2 || n > CREDENTIAL_MAX) {
                r = log_debug_errno(EBADMSG, "decrypted credential has a bad size field");
                goto finish;
        }
        out = malloc(n);
        if (!out) {
                r = -ENOMEM;
                goto finish;
        }
        memcpy(out, plain + 2, n);
        *ret = out;
        *ret_len = n;
        r = 0;
finish:
        OPENSSL_cleanse(plain, sizeof(plain));
        return r;
}

/* ---- Seed encryption to the EK ---------------------------------------- */

static int rsa_oaep(EVP_PKEY *key, const tpm2_ek_scheme *s, bool enc, const uint8_t *in,
                    size_t in_len, uint8_t **ret, size_t *ret_len) {
        _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = NULL;
        const EVP_MD *md = EVP_get_digestbynid(tpm2_hash_alg_to_nid(s->name_alg));
        _cleanup_free_ uint8_t *out = NULL;
        unsigned char *label;
        size_t out_len = 0;

        ctx = EVP_PKEY_CTX_new(key, NULL);
        if (!ctx)
                return -ENOMEM;
        /* The label is "IDENTITY" with its terminating NUL (Part 1, 24.4 and
         * Annex B.10.4). set0 hands the copy to OpenSSL. */
        label = OPENSSL_memdup(IDENTITY_LABEL, sizeof(IDENTITY_LABEL));
        if (!label)
                return -ENOMEM;
        if ((enc ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_decrypt_init(ctx)) != 1 ||
            EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
            EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) != 1 || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) != 1 ||
            EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, sizeof(IDENTITY_LABEL)) != 1) {
                OPENSSL_free(label);
                return log_debug_errno(EINVAL, "OAEP setup: %s", tpm2_ossl_error());
        }
        if ((enc ? EVP_PKEY_encrypt(ctx, NULL, &out_len, in, in_len)
                 : EVP_PKEY_decrypt(ctx, NULL, &out_len, in, in_len)) != 1)
                return log_debug_errno(EBADE, "OAEP: %s", tpm2_ossl_error());
        out = malloc(out_len);
        if (!out)
                return -ENOMEM;
        if ((enc ? EVP_PKEY_encrypt(ctx, out, &out_len, in, in_len)
                 : EVP_PKEY_decrypt(ctx, out, &out_len, in, in_len)) != 1)
                return log_debug_errno(enc ? EINVAL : EBADE, "OAEP: %s", tpm2_ossl_error());
        *ret_len = out_len;
        *ret = TAKE_PTR(out);
        return 0;
}

/* x and y of an EC public key, each left-padded to the field size. */
static int ec_point_xy(EVP_PKEY *key, size_t field, uint8_t *x, uint8_t *y) {
        _cleanup_(BN_freep) BIGNUM *bx = NULL, *by = NULL;

        if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &bx) != 1 ||
            EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &by) != 1 ||
            BN_bn2binpad(bx, x, (int) field) < 0 || BN_bn2binpad(by, y, (int) field) < 0)
                return log_debug_errno(EINVAL, "EC point: %s", tpm2_ossl_error());
        return 0;
}

/* Z = x coordinate of priv * peer (field size bytes). */
static int ecdh(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t *z, size_t field) {
        _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = NULL;
        size_t len = field;

        ctx = EVP_PKEY_CTX_new(priv, NULL);
        if (!ctx)
                return -ENOMEM;
        if (EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
            EVP_PKEY_derive(ctx, z, &len) != 1 || len != field)
                return log_debug_errno(EBADE, "ECDH: %s", tpm2_ossl_error());
        return 0;
}

static int ecc_seed(const tpm2_ek_scheme *s, const uint8_t *z, const uint8_t *eph_x,
                    const uint8_t *ek_x, size_t field, uint8_t *seed) {
        return tpm2_kdfe(s->name_alg, z, field, IDENTITY_LABEL, eph_x, field, ek_x, field,
                         tpm2_hash_alg_size(s->name_alg) * 8, seed);
}

/* Ephemeral ECDH to the EK: seed and marshalled TPMS_ECC_POINT. */
static int ecc_encrypt_seed(EVP_PKEY *ek, const tpm2_ek_scheme *s, uint8_t *seed,
                            uint8_t **ret_point, size_t *ret_point_len) {
        _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = NULL;
        _cleanup_pkey_ EVP_PKEY *eph = NULL;
        uint8_t ek_x[66], ek_y[66], z[66];
        TPMS_ECC_POINT pt = {};
        TPM2_ECC_CURVE curve;
        size_t field, off = 0;
        uint8_t *out;
        int r;

        r = ec_curve_of(ek, &curve);
        if (r < 0)
                return r;
        field = curve_field_size(curve);
        ctx = EVP_PKEY_CTX_new(ek, NULL);
        if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &eph) != 1)
                return log_debug_errno(ENOMEM, "ephemeral EC key: %s", tpm2_ossl_error());
        r = ec_point_xy(ek, field, ek_x, ek_y);
        if (r < 0)
                return r;
        r = ec_point_xy(eph, field, pt.x.buffer, pt.y.buffer);
        if (r < 0)
                return r;
        pt.x.size = pt.y.size = (UINT16) field;
        r = ecdh(eph, ek, z, field);
        if (r >= 0)
                r = ecc_seed(s, z, pt.x.buffer, ek_x, field, seed);
        OPENSSL_cleanse(z, sizeof(z));
        if (r < 0)
                return r;
        out = malloc(sizeof(pt));
        if (!out)
                return -ENOMEM;
        if (Tss2_MU_TPMS_ECC_POINT_Marshal(&pt, out, sizeof(pt), &off) != TSS2_RC_SUCCESS) {
                free(out);
                return -EINVAL;
        }
        *ret_point = out;
        *ret_point_len = off;
        return 0;
}

/* Prefixes a buffer with its u16 size (a TPM2B). */
static int tpm2b_wrap(const uint8_t *in, size_t len, size_t max, uint8_t **ret, size_t *ret_len) {
        uint8_t *b;

        if (len > max || len > UINT16_MAX)
                return -EINVAL;
        b = malloc(2 + len);
        if (!b)
                return -ENOMEM;
        put_u16(b, (uint16_t) len);
        memcpy(b + 2, in, len);
        *ret = b;
        *ret_len = 2 + len;
        return 0;
}

int tpm2_make_credential(EVP_PKEY *ek, const tpm2_ek_scheme *scheme, const uint8_t *ak_name,
                         size_t ak_name_len, const uint8_t *secret, size_t secret_len,
                         uint8_t **ret_credential, size_t *ret_credential_len, uint8_t **ret_secret,
                         size_t *ret_secret_len) {
        _cleanup_free_ uint8_t *enc = NULL, *cred = NULL, *enc2b = NULL;
        size_t enc_len = 0, cred_len = 0, enc2b_len = 0, d;
        uint8_t seed[EVP_MAX_MD_SIZE];
        tpm2_ek_scheme s;
        int r;

        if (!ek || !secret || !ret_credential || !ret_credential_len || !ret_secret ||
            !ret_secret_len)
                return -EINVAL;
        if (name_check(ak_name, ak_name_len) < 0 || secret_len == 0 || secret_len > CREDENTIAL_MAX)
                return -EINVAL;
        if (scheme)
                s = *scheme;
        else {
                r = tpm2_ek_scheme_default(ek, &s);
                if (r < 0)
                        return r;
        }
        r = scheme_check(&s);
        if (r < 0)
                return r;
        d = tpm2_hash_alg_size(s.name_alg);

        switch (EVP_PKEY_get_base_id(ek)) {
        case EVP_PKEY_RSA:
                /* A seed of the nameAlg digest size, as TPM2_MakeCredential in
                 * the reference implementation draws it. */
                if (RAND_bytes(seed, (int) d) != 1)
                        return log_debug_errno(EIO, "RAND_bytes: %s", tpm2_ossl_error());
                r = rsa_oaep(ek, &s, true, seed, d, &enc, &enc_len);
                break;
        case EVP_PKEY_EC:
                r = ecc_encrypt_seed(ek, &s, seed, &enc, &enc_len);
                break;
        default:
                r = log_debug_errno(EOPNOTSUPP, "EK is neither RSA nor EC");
        }
        if (r >= 0)
                r = tpm2_credential_wrap(&s, seed, d, ak_name, ak_name_len, secret, secret_len,
                                         &cred, &cred_len);
        OPENSSL_cleanse(seed, sizeof(seed));
        if (r < 0)
                return r;
        r = tpm2b_wrap(enc, enc_len, sizeof(TPMU_ENCRYPTED_SECRET), &enc2b, &enc2b_len);
        if (r < 0)
                return r;
        *ret_credential = TAKE_PTR(cred);
        *ret_credential_len = cred_len;
        *ret_secret = TAKE_PTR(enc2b);
        *ret_secret_len = enc2b_len;
        return 0;
}

static int ecc_decrypt_seed(EVP_PKEY *ek_priv, const tpm2_ek_scheme *s, const uint8_t *in,
                            size_t in_len, uint8_t *seed) {
        _cleanup_pkey_ EVP_PKEY *eph = NULL;
        uint8_t ek_x[66], ek_y[66], z[66], eph_x[66];
        TPMT_PUBLIC pub = {};
        TPMS_ECC_POINT pt = {};
        TPM2_ECC_CURVE curve;
        size_t field, off = 0;
        int r;

        r = ec_curve_of(ek_priv, &curve);
        if (r < 0)
                return r;
        field = curve_field_size(curve);
        if (Tss2_MU_TPMS_ECC_POINT_Unmarshal(in, in_len, &off, &pt) != TSS2_RC_SUCCESS ||
            off != in_len)
                return log_debug_errno(EBADMSG, "encrypted seed is not a TPMS_ECC_POINT");
        pub.type = TPM2_ALG_ECC;
        pub.parameters.eccDetail.curveID = curve;
        pub.unique.ecc = pt;
        r = tpm2_public_to_pkey(&pub, &eph);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADE;
        r = ec_point_xy(ek_priv, field, ek_x, ek_y);
        if (r < 0)
                return r;
        r = ec_point_xy(eph, field, eph_x, z);
        if (r < 0)
                return r;
        r = ecdh(ek_priv, eph, z, field);
        if (r >= 0)
                r = ecc_seed(s, z, eph_x, ek_x, field, seed);
        OPENSSL_cleanse(z, sizeof(z));
        return r;
}

int tpm2_activate_credential_soft(EVP_PKEY *ek_priv, const tpm2_ek_scheme *scheme,
                                  const uint8_t *ak_name, size_t ak_name_len,
                                  const uint8_t *credential, size_t credential_len,
                                  const uint8_t *enc_secret, size_t enc_secret_len, uint8_t **ret,
                                  size_t *ret_len) {
        _cleanup_free_ uint8_t *rsa_seed = NULL;
        uint8_t seed[EVP_MAX_MD_SIZE];
        TPM2B_ENCRYPTED_SECRET es;
        size_t seed_len = 0;
        tpm2_ek_scheme s;
        int r;

        if (!ek_priv || !credential || !enc_secret || !ret || !ret_len)
                return -EINVAL;
        if (name_check(ak_name, ak_name_len) < 0)
                return -EINVAL;
        if (scheme)
                s = *scheme;
        else {
                r = tpm2_ek_scheme_default(ek_priv, &s);
                if (r < 0)
                        return r;
        }
        r = scheme_check(&s);
        if (r < 0)
                return r;
        r = tpm2b_encrypted_secret_unmarshal(enc_secret, enc_secret_len, &es);
        if (r < 0)
                return r;

        switch (EVP_PKEY_get_base_id(ek_priv)) {
        case EVP_PKEY_RSA:
                r = rsa_oaep(ek_priv, &s, false, es.secret, es.size, &rsa_seed, &seed_len);
                if (r < 0)
                        return r;
                if (seed_len == 0 || seed_len > sizeof(seed))
                        return -EBADE;
                memcpy(seed, rsa_seed, seed_len);
                OPENSSL_cleanse(rsa_seed, seed_len);
                break;
        case EVP_PKEY_EC:
                r = ecc_decrypt_seed(ek_priv, &s, es.secret, es.size, seed);
                if (r < 0)
                        return r;
                seed_len = tpm2_hash_alg_size(s.name_alg);
                break;
        default:
                return -EOPNOTSUPP;
        }
        r = tpm2_credential_unwrap(&s, seed, seed_len, ak_name, ak_name_len, credential,
                                   credential_len, ret, ret_len);
        OPENSSL_cleanse(seed, sizeof(seed));
        return r;
}
