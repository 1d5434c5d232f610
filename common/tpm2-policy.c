/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Recognizing the authorization policy of an endorsement key, so that the
 * TPM module knows which policy commands open it for ActivateCredential.
 * PolicyA is PolicySecret(TPM_RH_ENDORSEMENT), computed here (TPM 2.0
 * Part 3, 23.4: H(H(0...0 || TPM_CC_PolicySecret || authName) ||
 * policyRef)); PolicyC and PolicyB of the SHA-384 high-range templates are
 * the values of the TCG EK Credential Profile, checked against swtpm's
 * P-384 EK (whose authPolicy is PolicyOR(PolicyA, PolicyC)).
 */
#include <openssl/evp.h>

#include "macro.h"
#include "tpm2util.h"

#define CC_POLICY_SECRET 0x00000151u
#define CC_POLICY_OR 0x00000171u

static const uint8_t policy_c_sha384[48] = {
        0xd6, 0x03, 0x2c, 0xe6, 0x1f, 0x2f, 0xb3, 0xc2, 0x40, 0xeb, 0x3c, 0xf6,
        0xa3, 0x32, 0x37, 0xef, 0x2b, 0x6a, 0x16, 0xf4, 0x29, 0x3c, 0x22, 0xb4,
        0x55, 0xe2, 0x61, 0xcf, 0xfd, 0x21, 0x7a, 0xd5, 0xb4, 0x94, 0x7c, 0x2d,
        0x73, 0xe6, 0x30, 0x05, 0xee, 0xd2, 0xdc, 0x2b, 0x35, 0x93, 0xd1, 0x65,
};

static void put_u32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) (v >> 24);
        p[1] = (uint8_t) (v >> 16);
        p[2] = (uint8_t) (v >> 8);
        p[3] = (uint8_t) v;
}

static int digest(TPM2_ALG_ID alg, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                  TPM2B_DIGEST *ret) {
        const EVP_MD *md = EVP_get_digestbynid(tpm2_hash_alg_to_nid(alg));
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        unsigned n = 0;
        int ok;

        if (!ctx || !md)
                return -ENOMEM;
        ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, a, alen) == 1 &&
             EVP_DigestUpdate(ctx, b, blen) == 1 && EVP_DigestFinal_ex(ctx, ret->buffer, &n) == 1;
        EVP_MD_CTX_free(ctx);
        if (!ok)
                return -ENOMEM;
        ret->size = (UINT16) n;
        return 0;
}

/* PolicySecret(TPM_RH_ENDORSEMENT) with an empty policyRef. */
static int policy_a(TPM2_ALG_ID alg, TPM2B_DIGEST *ret) {
        uint8_t m[64 + 8] = {};
        size_t d = tpm2_hash_alg_size(alg);
        TPM2B_DIGEST t;
        int r;

        put_u32(m + d, CC_POLICY_SECRET);
        put_u32(m + d + 4, TPM2_RH_ENDORSEMENT); /* a permanent handle's Name is the handle */
        r = digest(alg, m, d + 8, NULL, 0, &t);
        if (r < 0)
                return r;
        return digest(alg, t.buffer, t.size, NULL, 0, ret);
}

static int policy_or(TPM2_ALG_ID alg, const TPM2B_DIGEST *a, const TPM2B_DIGEST *b,
                     TPM2B_DIGEST *ret) {
        uint8_t m[64 + 4 + 64] = {};
        size_t d = tpm2_hash_alg_size(alg);

        put_u32(m + d, CC_POLICY_OR);
        memcpy(m + d + 4, a->buffer, a->size);
        return digest(alg, m, d + 4 + a->size, b->buffer, b->size, ret);
}

static bool same(const TPM2B_DIGEST *d, const TPM2B_DIGEST *p) {
        return d->size == p->size && memcmp(d->buffer, p->buffer, d->size) == 0;
}

int tpm2_ek_policy_of(const TPMT_PUBLIC *ek, tpm2_ek_policy *ret) {
        TPM2B_DIGEST a, b, c;
        int r;

        if (!ek || !ret)
                return -EINVAL;
        if (tpm2_hash_alg_size(ek->nameAlg) == 0)
                return -EOPNOTSUPP;
        r = policy_a(ek->nameAlg, &a);
        if (r < 0)
                return r;
        if (same(&ek->authPolicy, &a)) {
                *ret = (tpm2_ek_policy) { .session_hash = ek->nameAlg };
                return 0;
        }
        if (ek->nameAlg == TPM2_ALG_SHA384) {
                c.size = sizeof(policy_c_sha384);
                memcpy(c.buffer, policy_c_sha384, sizeof(policy_c_sha384));
                r = policy_or(ek->nameAlg, &a, &c, &b);
                if (r < 0)
                        return r;
                if (same(&ek->authPolicy, &b)) {
                        *ret = (tpm2_ek_policy) { .session_hash = ek->nameAlg, .n_or = 2,
                                                  .or_branches = { a, c } };
                        return 0;
                }
        }
        return -EOPNOTSUPP;
}
