/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The public-area templates the TPM layer creates objects from, and the
 * EK policy digests. Pure: no TPM access.
 *
 * Sources: TCG EK Credential Profile 2.x, section 2.2.1 (templates L-1,
 * L-2, H-3, and policies A, B, C); the SRK is the owner-hierarchy primary
 * that tpm2-openssl (src/tpm2-provider-pkey.c) derives for parent
 * 0x40000001, so that our key files load in OpenSSL's tpm2 provider.
 */
#include "crypto.h"
#include "enroll/tpm/tpm-internal.h"
#include "tpm2util.h"

#define EK_ATTRS                                                                           \
        (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN | \
         TPMA_OBJECT_ADMINWITHPOLICY | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT)

void tpm_template_srk(TPM2B_PUBLIC *ret) {
        *ret = (TPM2B_PUBLIC) {
                .publicArea = {
                        .type = TPM2_ALG_ECC,
                        .nameAlg = TPM2_ALG_SHA256,
                        .objectAttributes = TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED |
                                            TPMA_OBJECT_DECRYPT | TPMA_OBJECT_NODA |
                                            TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                            TPMA_OBJECT_SENSITIVEDATAORIGIN,
                        .parameters.eccDetail = {
                                .symmetric = { .algorithm = TPM2_ALG_AES,
                                               .keyBits.aes = 128,
                                               .mode.aes = TPM2_ALG_CFB },
                                .scheme.scheme = TPM2_ALG_NULL,
                                .curveID = TPM2_ECC_NIST_P256,
                                .kdf.scheme = TPM2_ALG_NULL,
                        },
                },
        };
}

int tpm_template_ek(tpm_ek_type type, TPM2B_PUBLIC *ret) {
        TPM2B_DIGEST a, b;
        TPMT_PUBLIC *p;
        int r;

        *ret = (TPM2B_PUBLIC) {};
        p = &ret->publicArea;
        switch (type) {
        case TPM_EK_RSA2048: /* L-1 */
                r = tpm_ek_policy_digests(TPM2_ALG_SHA256, &a, NULL, NULL);
                if (r < 0)
                        return r;
                p->type = TPM2_ALG_RSA;
                p->nameAlg = TPM2_ALG_SHA256;
                p->objectAttributes = EK_ATTRS;
                p->authPolicy = a;
                p->parameters.rsaDetail.symmetric = (TPMT_SYM_DEF_OBJECT) {
                        .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB
                };
                p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
                p->parameters.rsaDetail.keyBits = 2048;
                p->parameters.rsaDetail.exponent = 0;
                p->unique.rsa.size = 256; /* zeros */
                return 0;
        case TPM_EK_ECC_P256: /* L-2 */
                r = tpm_ek_policy_digests(TPM2_ALG_SHA256, &a, NULL, NULL);
                if (r < 0)
                        return r;
                p->type = TPM2_ALG_ECC;
                p->nameAlg = TPM2_ALG_SHA256;
                p->objectAttributes = EK_ATTRS;
                p->authPolicy = a;
                p->parameters.eccDetail.symmetric = (TPMT_SYM_DEF_OBJECT) {
                        .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB
                };
                p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
                p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
                p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
                p->unique.ecc.x.size = 32; /* zeros */
                p->unique.ecc.y.size = 32;
                return 0;
        case TPM_EK_ECC_P384: /* H-3 */
                r = tpm_ek_policy_digests(TPM2_ALG_SHA384, NULL, &b, NULL);
                if (r < 0)
                        return r;
                p->type = TPM2_ALG_ECC;
                p->nameAlg = TPM2_ALG_SHA384;
                p->objectAttributes = EK_ATTRS | TPMA_OBJECT_USERWITHAUTH;
                p->authPolicy = b;
                p->parameters.eccDetail.symmetric = (TPMT_SYM_DEF_OBJECT) {
                        .algorithm = TPM2_ALG_AES, .keyBits.aes = 256, .mode.aes = TPM2_ALG_CFB
                };
                p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
                p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P384;
                p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
                return 0;
        default:
                return -EINVAL;
        }
}

int tpm_template_key(tpm_key_alg alg, bool restricted, TPM2B_PUBLIC *ret) {
        TPMT_PUBLIC *p;

        *ret = (TPM2B_PUBLIC) {};
        p = &ret->publicArea;
        p->nameAlg = TPM2_ALG_SHA256;
        p->objectAttributes = TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM |
                              TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                              TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA;
        if (restricted)
                p->objectAttributes |= TPMA_OBJECT_RESTRICTED;
        switch (alg) {
        case TPM_KEY_ECC_P256:
                p->type = TPM2_ALG_ECC;
                p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
                p->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
                p->parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
                p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
                p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
                return 0;
        case TPM_KEY_RSA_2048:
                p->type = TPM2_ALG_RSA;
                p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
                p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
                p->parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
                p->parameters.rsaDetail.keyBits = 2048;
                p->parameters.rsaDetail.exponent = 0;
                return 0;
        default:
                return -EINVAL;
        }
}

static void put_u32(uint8_t *p, uint32_t v) {
        p[0] = v >> 24;
        p[1] = v >> 16;
        p[2] = v >> 8;
        p[3] = v;
}

/* policyDigest' = H(policyDigest || parts...), Part 1 section 19.7.1. */
static int policy_extend(int nid, TPM2B_DIGEST *d, const uint8_t *data, size_t len) {
        uint8_t buf[64 + 4 + 2 + 64 + 64];
        size_t n;

        if (d->size + len > sizeof(buf))
                return -EINVAL;
        memcpy(buf, d->buffer, d->size);
        if (len > 0)
                memcpy(buf + d->size, data, len);
        return crypto_digest(nid, buf, d->size + len, d->buffer, &n);
}

int tpm_ek_policy_digests(TPMI_ALG_HASH hash, TPM2B_DIGEST *ret_a, TPM2B_DIGEST *ret_b,
                          TPM2B_DIGEST *ret_c) {
        /* The TCG policy NV index I-1 (SHA-256) / I-2 (SHA-384) of the EK
         * profile: POLICYWRITE | WRITEALL | PPREAD | OWNERREAD | AUTHREAD |
         * POLICYREAD | NO_DA | WRITTEN, authPolicy PolicyA, data a TPMT_HA. */
        const uint32_t nv_attrs = 0x220f1008;
        TPM2B_DIGEST a = {}, b = {}, c = {}, h = {};
        uint8_t buf[128];
        size_t n, off = 0;
        int nid, r;

        nid = tpm2_hash_alg_to_nid(hash);
        if (nid < 0 || (hash != TPM2_ALG_SHA256 && hash != TPM2_ALG_SHA384))
                return -EOPNOTSUPP;
        n = tpm2_hash_alg_size(hash);

        /* PolicyA = PolicySecret(TPM_RH_ENDORSEMENT), empty policyRef. */
        a.size = c.size = b.size = n;
        put_u32(buf, TPM2_CC_PolicySecret);
        put_u32(buf + 4, TPM2_RH_ENDORSEMENT);
        r = policy_extend(nid, &a, buf, 8);
        if (r < 0)
                return r;
        r = policy_extend(nid, &a, NULL, 0);
        if (r < 0)
                return r;

        /* PolicyC = PolicyAuthorizeNV(Name of the policy index). */
        put_u32(buf, hash == TPM2_ALG_SHA256 ? 0x01c07f01 : 0x01c07f02);
        buf[4] = hash >> 8;
        buf[5] = hash & 0xff;
        put_u32(buf + 6, nv_attrs);
        buf[10] = n >> 8;
        buf[11] = n & 0xff;
        memcpy(buf + 12, a.buffer, n);
        off = 12 + n;
        buf[off] = (n + 2) >> 8;
        buf[off + 1] = (n + 2) & 0xff;
        off += 2;
        h.size = 0;
        r = crypto_digest(nid, buf, off, h.buffer, NULL);
        if (r < 0)
                return r;
        put_u32(buf, TPM2_CC_PolicyAuthorizeNV);
        buf[4] = hash >> 8;
        buf[5] = hash & 0xff;
        memcpy(buf + 6, h.buffer, n);
        r = policy_extend(nid, &c, buf, 6 + n);
        if (r < 0)
                return r;

        /* PolicyB = PolicyOR(PolicyA, PolicyC). */
        put_u32(buf, TPM2_CC_PolicyOR);
        memcpy(buf + 4, a.buffer, n);
        memcpy(buf + 4 + n, c.buffer, n);
        r = policy_extend(nid, &b, buf, 4 + 2 * n);
        if (r < 0)
                return r;

        if (ret_a)
                *ret_a = a;
        if (ret_b)
                *ret_b = b;
        if (ret_c)
                *ret_c = c;
        return 0;
}
