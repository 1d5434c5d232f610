/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TPM2_Quote on the verifier's side (docs/posture.md): the PCR selection
 * of one bank, the PCR digest over reported values, and the quote check
 * (TPMS_ATTEST of type ATTEST_QUOTE, parsed by tss2-mu through
 * tpm2util.h). Pure: bytes in, verdicts out; the reason of a refusal is a
 * static string for the caller's message.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#define TPM2UTIL_ST_ATTEST_QUOTE 0x8018u
#define TPM2_QUOTE_MAX_PCRS 24 /* PCR 0..23 of a PC client TPM */

/* The reported values of one bank: mask bit i set = PCR i selected, value
 * in v[i] (digest_size bytes of alg). */
typedef struct tpm2_pcr_values {
        TPM2_ALG_ID alg;
        uint32_t mask;
        uint8_t v[TPM2_QUOTE_MAX_PCRS][TPM2_SHA512_DIGEST_SIZE];
} tpm2_pcr_values;

/* "0-7", "0,2,4-7": a PCR selection as a mask; -EINVAL for anything else
 * (a PCR above 23, an empty list, a reversed range). Pure. */
int tpm2_pcr_mask_parse(const char *s, uint32_t *ret);
/* A posture selection, "[sha256:]LIST" with LIST as above: the mask.
 * -EOPNOTSUPP for another bank, -EINVAL for anything else. Pure. */
int tpm2_pcr_sha256_selection_parse(const char *s, uint32_t *ret);
/* The same back, ranges joined ("0-7,10"); buf of at least 64 bytes. */
void tpm2_pcr_mask_format(uint32_t mask, char *buf, size_t size);

/* "sha1", "sha256", "sha384", "sha512" to TPM2_ALG_ID; 0 for others. */
TPM2_ALG_ID tpm2_bank_from_string(const char *s);
const char *tpm2_bank_to_string(TPM2_ALG_ID alg);

/* The PCR digest of a quote: H_hash(v[i] for each selected i, in
 * increasing order), hash being the signing scheme's hash. *ret_len gets
 * its size. -EOPNOTSUPP for an unsupported hash. */
int tpm2_pcr_digest(const tpm2_pcr_values *pcrs, TPM2_ALG_ID hash, uint8_t ret[static TPM2_SHA512_DIGEST_SIZE],
                    size_t *ret_len);

/* Verifies a quote (attest and sig as TPM2_Quote returns them, no size
 * prefix) against the AK's public key: magic and type ATTEST_QUOTE, the
 * signature over the attest bytes (not SHA-1), extraData equal to
 * qualifying, exactly one PCR selection, of pcrs->alg and exactly
 * pcrs->mask, and a pcrDigest equal to the digest of pcrs under the
 * signature's hash. 0, or -errno with a static reason in *ret_why:
 * -EBADMSG malformed, -EPROTO not a quote, -EKEYREJECTED bad signature,
 * -EBADE wrong qualifying data, -ERANGE another selection, -ESTALE the
 * values do not match the digest. The clock info is returned in
 * *ret_clock (may be NULL). */
int tpm2_quote_check(EVP_PKEY *ak_pub, const uint8_t *attest, size_t attest_len, const uint8_t *sig,
                     size_t sig_len, const uint8_t *qualifying, size_t qualifying_len,
                     const tpm2_pcr_values *pcrs, TPMS_CLOCK_INFO *ret_clock, const char **ret_why);

/* ---- TCG event log ------------------------------------------------------ */

#define TPM2_EVENTLOG_MAX (256 * 1024)    /* bytes of a whole log */
#define TPM2_EVENTLOG_MAX_EVENTS 4096
#define TPM2_EVENTLOG_MAX_EVENT_DATA (64 * 1024)
#define TPM2_EVENTLOG_MAX_ALGS 8

/* Replays a TCG crypto-agile event log (TCG PC Client Platform Firmware
 * Profile, section 10: the SHA-1 header event holding "Spec ID Event03"
 * and its digest sizes, then TCG_PCR_EVENT2 records, little-endian) into
 * the PCRs 0-23 of bank alg: each event but EV_NO_ACTION extends its PCR
 * by its digest of alg; a StartupLocality EV_NO_ACTION event sets PCR 0's
 * starting value to its locality. ret->mask gets the PCRs that were
 * extended (the others are zero). -EBADMSG with a static reason for a
 * malformed or truncated log, a digest size that disagrees with the
 * header, or anything over the limits above; -EOPNOTSUPP if the log has
 * no digests of alg. Pure. */
int tpm2_eventlog_replay(const uint8_t *log, size_t len, TPM2_ALG_ID alg, tpm2_pcr_values *ret,
                         const char **ret_why);
