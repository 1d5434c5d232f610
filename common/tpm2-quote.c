/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Quote verification (tpm2quote.h): PCR selections of one bank, the PCR
 * digest of TPM 2.0 Part 3 section 18.4 (TPM2_Quote: the selected PCRs
 * concatenated in selection order and hashed with the signing scheme's
 * hash), and the checks of a TPMS_ATTEST of type ATTEST_QUOTE. The
 * structure itself is parsed by tss2-mu (tpm2_attest_unmarshal).
 */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "log.h"
#include "tpm2quote.h"
#include "tpm2util.h"

static int fail(int err, const char **ret_why, const char *why) {
        if (ret_why)
                *ret_why = why;
        return log_debug_errno(err, "TPM quote refused: %s", why);
}

static int parse_pcr(const char **p, unsigned *ret) {
        unsigned v = 0;
        const char *s = *p;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        while (*s >= '0' && *s <= '9') {
                v = v * 10 + (unsigned) (*s - '0');
                if (v >= TPM2_QUOTE_MAX_PCRS)
                        return -EINVAL;
                s++;
        }
        *p = s;
        *ret = v;
        return 0;
}

int tpm2_pcr_mask_parse(const char *s, uint32_t *ret) {
        uint32_t mask = 0;

        if (!s || !ret)
                return -EINVAL;
        for (;;) {
                unsigned a, b;

                if (parse_pcr(&s, &a) < 0)
                        return -EINVAL;
                b = a;
                if (*s == '-') {
                        s++;
                        if (parse_pcr(&s, &b) < 0 || b < a)
                                return -EINVAL;
                }
                for (unsigned i = a; i <= b; i++)
                        mask |= UINT32_C(1) << i;
                if (*s == '\0')
                        break;
                if (*s++ != ',')
                        return -EINVAL;
        }
        *ret = mask;
        return 0;
}

int tpm2_pcr_sha256_selection_parse(const char *s, uint32_t *ret) {
        const char *colon = s ? strchr(s, ':') : NULL;

        if (!s || !ret)
                return -EINVAL;
        if (colon) {
                if ((size_t) (colon - s) != strlen("sha256") || strncmp(s, "sha256", 6) != 0)
                        return -EOPNOTSUPP;
                s = colon + 1;
        }
        return tpm2_pcr_mask_parse(s, ret);
}

void tpm2_pcr_mask_format(uint32_t mask, char *buf, size_t size) {
        size_t off = 0;

        if (size == 0)
                return;
        buf[0] = '\0';
        for (unsigned i = 0; i < TPM2_QUOTE_MAX_PCRS; i++) {
                unsigned j = i;
                int n;

                if (!(mask & (UINT32_C(1) << i)))
                        continue;
                while (j + 1 < TPM2_QUOTE_MAX_PCRS && (mask & (UINT32_C(1) << (j + 1))))
                        j++;
                if (j > i)
                        n = snprintf(buf + off, size - off, "%s%u-%u", off ? "," : "", i, j);
                else
                        n = snprintf(buf + off, size - off, "%s%u", off ? "," : "", i);
                if (n < 0 || (size_t) n >= size - off)
                        return;
                off += (size_t) n;
                i = j;
        }
}

static const struct {
        const char *name;
        TPM2_ALG_ID alg;
} banks[] = {
        { "sha1", TPM2_ALG_SHA1 },
        { "sha256", TPM2_ALG_SHA256 },
        { "sha384", TPM2_ALG_SHA384 },
        { "sha512", TPM2_ALG_SHA512 },
};

TPM2_ALG_ID tpm2_bank_from_string(const char *s) {
        for (size_t i = 0; s && i < ELEMENTSOF(banks); i++)
                if (streq(banks[i].name, s))
                        return banks[i].alg;
        return 0;
}

const char *tpm2_bank_to_string(TPM2_ALG_ID alg) {
        for (size_t i = 0; i < ELEMENTSOF(banks); i++)
                if (banks[i].alg == alg)
                        return banks[i].name;
        return NULL;
}

int tpm2_pcr_digest(const tpm2_pcr_values *pcrs, TPM2_ALG_ID hash, uint8_t ret[static TPM2_SHA512_DIGEST_SIZE],
                    size_t *ret_len) {
        _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = NULL;
        size_t vlen = tpm2_hash_alg_size(pcrs->alg);
        int nid = tpm2_hash_alg_to_nid(hash);
        unsigned n = 0;

        if (nid < 0 || vlen == 0)
                return -EOPNOTSUPP;
        ctx = EVP_MD_CTX_new();
        if (!ctx)
                return -ENOMEM;
        if (EVP_DigestInit_ex(ctx, EVP_get_digestbynid(nid), NULL) != 1)
                return -ENOMEM;
        for (unsigned i = 0; i < TPM2_QUOTE_MAX_PCRS; i++)
                if ((pcrs->mask & (UINT32_C(1) << i)) && EVP_DigestUpdate(ctx, pcrs->v[i], vlen) != 1)
                        return -ENOMEM;
        if (EVP_DigestFinal_ex(ctx, ret, &n) != 1)
                return -ENOMEM;
        if (ret_len)
                *ret_len = n;
        return 0;
}

/* The selection of a quote as (bank, mask); -ERANGE unless it is one bank
 * with PCRs 0..23 only. */
static int selection_of(const TPML_PCR_SELECTION *sel, TPM2_ALG_ID *ret_alg, uint32_t *ret_mask) {
        const TPMS_PCR_SELECTION *s;
        uint32_t mask = 0;

        if (sel->count != 1)
                return -ERANGE;
        s = &sel->pcrSelections[0];
        if (s->sizeofSelect > sizeof(s->pcrSelect))
                return -ERANGE;
        for (unsigned i = 0; i < s->sizeofSelect; i++)
                for (unsigned b = 0; b < 8; b++)
                        if (s->pcrSelect[i] & (1u << b)) {
                                if (i * 8 + b >= TPM2_QUOTE_MAX_PCRS)
                                        return -ERANGE;
                                mask |= UINT32_C(1) << (i * 8 + b);
                        }
        *ret_alg = s->hash;
        *ret_mask = mask;
        return 0;
}

int tpm2_quote_check(EVP_PKEY *ak_pub, const uint8_t *attest, size_t attest_len, const uint8_t *sig,
                     size_t sig_len, const uint8_t *qualifying, size_t qualifying_len,
                     const tpm2_pcr_values *pcrs, TPMS_CLOCK_INFO *ret_clock, const char **ret_why) {
        uint8_t digest[TPM2_SHA512_DIGEST_SIZE];
        TPMT_SIGNATURE tsig;
        TPMS_ATTEST att;
        TPM2_ALG_ID hash, bank;
        uint32_t mask;
        size_t dlen;
        int r;

        if (!ak_pub || !attest || !sig || !pcrs || (!qualifying && qualifying_len > 0))
                return -EINVAL;
        if (tpm2_attest_unmarshal(attest, attest_len, &att) < 0)
                return fail(EBADMSG, ret_why, "the quote is malformed");
        if (tpm2_signature_unmarshal(sig, sig_len, &tsig) < 0)
                return fail(EBADMSG, ret_why, "the quote signature is malformed");
        if (att.magic != TPM2UTIL_GENERATED_VALUE)
                return fail(EPROTO, ret_why, "the quote's magic is not TPM_GENERATED_VALUE");
        if (att.type != TPM2UTIL_ST_ATTEST_QUOTE)
                return fail(EPROTO, ret_why, "the attestation is not a quote");
        switch (tsig.sigAlg) {
        case TPM2_ALG_ECDSA:
        case TPM2_ALG_RSASSA:
        case TPM2_ALG_RSAPSS:
                /* The three share the layout {hash, ...}. */
                hash = tsig.signature.any.hashAlg;
                break;
        default:
                return fail(EKEYREJECTED, ret_why, "the quote signature scheme is not supported");
        }
        if (hash == TPM2_ALG_SHA1)
                return fail(EKEYREJECTED, ret_why, "a SHA-1 quote signature is not accepted");
        r = tpm2_signature_verify(ak_pub, &tsig, attest, attest_len);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(EKEYREJECTED, ret_why, "the quote signature does not verify with the AK");
        if (att.extraData.size != qualifying_len ||
            CRYPTO_memcmp(att.extraData.buffer, qualifying, qualifying_len) != 0)
                return fail(EBADE, ret_why, "the quote's qualifying data is not this request's");
        if (selection_of(&att.attested.quote.pcrSelect, &bank, &mask) < 0 || bank != pcrs->alg ||
            mask != pcrs->mask)
                return fail(ERANGE, ret_why, "the quote covers another PCR selection than the one reported");
        r = tpm2_pcr_digest(pcrs, hash, digest, &dlen);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(EOPNOTSUPP, ret_why, "the PCR bank or quote hash is not supported");
        if (att.attested.quote.pcrDigest.size != dlen ||
            CRYPTO_memcmp(att.attested.quote.pcrDigest.buffer, digest, dlen) != 0)
                return fail(ESTALE, ret_why, "the reported PCR values do not match the quote's digest");
        if (ret_clock)
                *ret_clock = att.clockInfo;
        if (ret_why)
                *ret_why = NULL;
        return 0;
}
