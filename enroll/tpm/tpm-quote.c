/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TPM2_Quote and TPM2_PCR_Read (tpm-quote.h). Like every operation of
 * this layer, the AK is loaded under a fresh SRK and flushed at once.
 */
#include <stdlib.h>
#include <string.h>

#include "enroll/tpm/tpm-internal.h"
#include "enroll/tpm/tpm-key.h"
#include "enroll/tpm/tpm-quote.h"
#include "log.h"
#include "tpm2util.h"

#define QUOTE_TRIES 3

static void selection_set(TPML_PCR_SELECTION *sel, TPM2_ALG_ID bank, uint32_t mask) {
        *sel = (TPML_PCR_SELECTION) { .count = 1 };
        sel->pcrSelections[0].hash = bank;
        sel->pcrSelections[0].sizeofSelect = 3;
        for (unsigned i = 0; i < 3; i++)
                sel->pcrSelections[0].pcrSelect[i] = (uint8_t) (mask >> (8 * i));
}

/* PCR_Read answers at most 8 digests at a time: asks for what is left
 * until every PCR of mask is read. */
static int pcrs_read(tpm_ctx *t, TPM2_ALG_ID bank, uint32_t mask, tpm2_pcr_values *ret) {
        size_t len = tpm2_hash_alg_size(bank);
        uint32_t left = mask;

        if (len == 0)
                return -EOPNOTSUPP;
        *ret = (tpm2_pcr_values) { .alg = bank, .mask = mask };
        while (left) {
                _cleanup_esys_ TPML_PCR_SELECTION *out = NULL;
                _cleanup_esys_ TPML_DIGEST *values = NULL;
                TPML_PCR_SELECTION sel;
                uint32_t got = 0;
                size_t k = 0;
                int r;

                selection_set(&sel, bank, left);
                r = tpm_esys_pcr_read(t, &sel, &out, &values);
                if (r < 0)
                        return r;
                if (out->count == 1 && out->pcrSelections[0].hash == bank)
                        for (unsigned i = 0; i < out->pcrSelections[0].sizeofSelect && i < 3; i++)
                                got |= (uint32_t) out->pcrSelections[0].pcrSelect[i] << (8 * i);
                got &= left;
                if (got == 0)
                        return log_debug_errno(EOPNOTSUPP, "The TPM has no %s PCR bank.",
                                               tpm2_bank_to_string(bank) ?: "such");
                for (unsigned i = 0; i < TPM2_QUOTE_MAX_PCRS; i++) {
                        if (!(got & (UINT32_C(1) << i)))
                                continue;
                        if (k >= values->count || values->digests[k].size != len)
                                return -EBADMSG;
                        memcpy(ret->v[i], values->digests[k].buffer, len);
                        k++;
                }
                left &= ~got;
        }
        return 0;
}

int tpm_quote(tpm_ctx *t, const tpm_key *ak, TPM2_ALG_ID bank, uint32_t mask, const uint8_t *qualifying,
              size_t qualifying_len, uint8_t **ret_attest, size_t *ret_attest_len, uint8_t **ret_sig,
              size_t *ret_sig_len, tpm2_pcr_values *ret_pcrs) {
        TPML_PCR_SELECTION sel;
        TPM2B_DATA q = {};
        int r;

        if (!t || !ak || !ret_attest || !ret_attest_len || !ret_sig || !ret_sig_len || !ret_pcrs ||
            (qualifying_len > 0 && !qualifying) || mask == 0 || mask >> TPM2_QUOTE_MAX_PCRS)
                return -EINVAL;
        if (qualifying_len > sizeof(q.buffer))
                return -EINVAL;
        if (!tpm_key_is_restricted(ak))
                return -EPERM;
        q.size = qualifying_len;
        if (qualifying_len > 0)
                memcpy(q.buffer, qualifying, qualifying_len);
        selection_set(&sel, bank, mask);

        for (unsigned tries = 0; tries < QUOTE_TRIES; tries++) {
                _cleanup_esys_ TPM2B_ATTEST *attest = NULL;
                _cleanup_esys_ TPMT_SIGNATURE *sig = NULL;
                _cleanup_free_ uint8_t *a = NULL;
                uint8_t digest[TPM2_SHA512_DIGEST_SIZE];
                tpm2_pcr_values values;
                TPMS_ATTEST att;
                ESYS_TR h = ESYS_TR_NONE;
                size_t dlen;

                r = pcrs_read(t, bank, mask, &values);
                if (r < 0)
                        return r;
                r = tpm_keys_load(t, (const tpm_key *const[]) { ak }, 1, &h);
                if (r < 0)
                        return r;
                r = tpm_esys_quote(t, h, &q, &sel, &attest, &sig);
                (void) tpm_esys_flush(t, &h);
                if (r < 0)
                        return r;

                /* The values read must be the ones quoted. */
                r = tpm2_attest_unmarshal(attest->attestationData, attest->size, &att);
                if (r < 0)
                        return r;
                r = tpm2_pcr_digest(&values, sig->signature.any.hashAlg, digest, &dlen);
                if (r < 0)
                        return r;
                if (att.attested.quote.pcrDigest.size != dlen ||
                    memcmp(att.attested.quote.pcrDigest.buffer, digest, dlen) != 0) {
                        log_debug("A PCR changed between reading and quoting; quoting again.");
                        continue;
                }
                a = malloc(attest->size);
                if (!a)
                        return -ENOMEM;
                memcpy(a, attest->attestationData, attest->size);
                r = tpm2_signature_marshal(sig, ret_sig, ret_sig_len);
                if (r < 0)
                        return r;
                *ret_attest_len = attest->size;
                *ret_attest = TAKE_PTR(a);
                *ret_pcrs = values;
                return 0;
        }
        return -EAGAIN;
}
