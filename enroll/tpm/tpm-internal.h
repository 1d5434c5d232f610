/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the files of enroll/tpm/: the context, the key, one
 * thin wrapper per Esys_* call (tpm-esys.c) that decodes the return code
 * once (tpm-rc.h) and logs the TSS message at debug, and the helpers the
 * files share. Nothing outside enroll/tpm/ includes this header, except
 * the unit tests of the TPM layer.
 */
#pragma once

#include <openssl/evp.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include "enroll/tpm/tpm.h"

struct tpm_ctx {
        unsigned n_ref;
        char *tcti_conf;
        TSS2_TCTI_CONTEXT *tcti;
        ESYS_CONTEXT *esys;     /* NULL after a failed tpm_reopen() */
        bool broken;            /* a call failed so that only a re-open helps (tpm_rc_breaks_context) */
        char last_error[160];   /* the last failed call and the TSS's text, for messages */
};

struct tpm_key {
        TPM2B_PUBLIC public;
        TPM2B_PRIVATE private;
        EVP_PKEY *pkey;
};

static inline void esys_freep(void *p) {
        Esys_Free(*(void **) p);
}
#define _cleanup_esys_ _cleanup_(esys_freep)

/* Decodes rc of the call named `call` (tpm_rc), and on failure records
 * it in t: last_error, and broken when only a re-open helps (tpm.c). */
int tpm_call(tpm_ctx *t, TSS2_RC rc, const char *call);
/* Closes ESAPI and the TCTI and opens them again on the same TCTI
 * string, in place. On failure t stays broken (esys NULL). */
int tpm_reopen(tpm_ctx *t);

/* ---- Esys wrappers (tpm-esys.c). All return 0 or -errno. ---- */
/* 1 if the persistent handle or NV index exists, 0 if not. */
int tpm_handle_exists(tpm_ctx *t, TPM2_HANDLE handle);
int tpm_esys_get_capability(tpm_ctx *t, TPM2_CAP cap, uint32_t property, uint32_t count,
                            TPMS_CAPABILITY_DATA **ret);
int tpm_esys_tr_from_public(tpm_ctx *t, TPM2_HANDLE handle, ESYS_TR *ret);
int tpm_esys_tr_close(tpm_ctx *t, ESYS_TR *tr);
/* TPM2_Startup(TPM_SU_CLEAR): for a raw TPM restarted without it; 0 if
 * it was started already. */
int tpm_esys_startup_clear(tpm_ctx *t);
/* Flushes *tr if it is not ESYS_TR_NONE and sets it to ESYS_TR_NONE.
 * Failures are logged at debug and returned. */
int tpm_esys_flush(tpm_ctx *t, ESYS_TR *tr);
int tpm_esys_read_public(tpm_ctx *t, ESYS_TR obj, TPM2B_PUBLIC **ret);
int tpm_esys_create_primary(tpm_ctx *t, ESYS_TR hierarchy, const TPM2B_PUBLIC *tmpl, ESYS_TR *ret,
                            TPM2B_PUBLIC **ret_public);
int tpm_esys_create(tpm_ctx *t, ESYS_TR parent, const TPM2B_PUBLIC *tmpl, TPM2B_PRIVATE **ret_priv,
                    TPM2B_PUBLIC **ret_pub, TPM2B_CREATION_DATA **ret_cdata,
                    TPM2B_DIGEST **ret_chash, TPMT_TK_CREATION **ret_ticket);
int tpm_esys_load(tpm_ctx *t, ESYS_TR parent, const TPM2B_PRIVATE *priv, const TPM2B_PUBLIC *pub,
                  ESYS_TR *ret);
int tpm_esys_certify_creation(tpm_ctx *t, ESYS_TR sign, ESYS_TR obj, const TPM2B_DIGEST *chash,
                              const TPMT_TK_CREATION *ticket, TPM2B_ATTEST **ret_attest,
                              TPMT_SIGNATURE **ret_sig);
int tpm_esys_certify(tpm_ctx *t, ESYS_TR obj, ESYS_TR sign, const TPM2B_DATA *qualifying,
                     TPM2B_ATTEST **ret_attest, TPMT_SIGNATURE **ret_sig);
/* scheme: TPM2_ALG_NULL for the key's own scheme. */
int tpm_esys_sign(tpm_ctx *t, ESYS_TR key, const TPM2B_DIGEST *digest,
                  const TPMT_SIG_SCHEME *scheme, TPMT_SIGNATURE **ret);
int tpm_esys_start_policy_session(tpm_ctx *t, TPMI_ALG_HASH hash, ESYS_TR *ret);
int tpm_esys_policy_secret_endorsement(tpm_ctx *t, ESYS_TR session);
int tpm_esys_policy_or(tpm_ctx *t, ESYS_TR session, const TPML_DIGEST *digests);
/* enc: an encrypt session (response parameter encryption) or ESYS_TR_NONE. */
int tpm_esys_activate_credential(tpm_ctx *t, ESYS_TR ak, ESYS_TR ek, ESYS_TR session,
                                 ESYS_TR enc, const TPM2B_ID_OBJECT *cred,
                                 const TPM2B_ENCRYPTED_SECRET *secret, TPM2B_DIGEST **ret);
/* An HMAC session salted with salt_key (the EK), AES-128-CFB, with
 * TPMA_SESSION_ENCRYPT: the TPM encrypts the first response parameter. */
int tpm_esys_start_encrypt_session(tpm_ctx *t, ESYS_TR salt_key, ESYS_TR *ret);
int tpm_esys_nv_read_public(tpm_ctx *t, ESYS_TR nv, TPM2B_NV_PUBLIC **ret);
/* auth: the index itself (TPMA_NV_AUTHREAD) or ESYS_TR_RH_OWNER. */
int tpm_esys_nv_read(tpm_ctx *t, ESYS_TR auth, ESYS_TR nv, uint16_t size, uint16_t offset,
                     TPM2B_MAX_NV_BUFFER **ret);
/* TPM2_Quote by sign over sel; TPM2_PCR_Read of sel (the TPM may return
 * fewer PCRs than asked: at most 8 digests per call). */
int tpm_esys_quote(tpm_ctx *t, ESYS_TR sign, const TPM2B_DATA *qualifying, const TPML_PCR_SELECTION *sel,
                   TPM2B_ATTEST **ret_attest, TPMT_SIGNATURE **ret_sig);
int tpm_esys_pcr_read(tpm_ctx *t, const TPML_PCR_SELECTION *sel, TPML_PCR_SELECTION **ret_sel,
                      TPML_DIGEST **ret_values);

/* ---- Shared helpers (tpm-key.c) ---- */

/* Creates the SRK: the transient owner-hierarchy primary of tpm2-openssl's
 * parent 0x40000001. The caller flushes it. */
int tpm_srk_create(tpm_ctx *t, ESYS_TR *ret);
/* Recreates the SRK, loads the n keys under it, flushes the SRK. On
 * failure every handle already loaded is flushed and ret untouched. */
int tpm_keys_load(tpm_ctx *t, const tpm_key *const *keys, size_t n, ESYS_TR *ret);
/* A key object from TPM2B_PUBLIC/PRIVATE structures (copied). */
int tpm_key_new(const TPM2B_PUBLIC *pub, const TPM2B_PRIVATE *priv, tpm_key **ret);

/* The templates (tpm-templates.c). */
void tpm_template_srk(TPM2B_PUBLIC *ret);
int tpm_template_ek(tpm_ek_type type, TPM2B_PUBLIC *ret);
int tpm_template_key(tpm_key_alg alg, bool restricted, TPM2B_PUBLIC *ret);
/* The EK policy digests: PolicyA (PolicySecret endorsement) and PolicyC
 * (PolicyAuthorizeNV of the TCG policy index) for SHA-256 or SHA-384;
 * PolicyB = PolicyOR(A, C) is the authPolicy of high-range templates. */
int tpm_ek_policy_digests(TPMI_ALG_HASH hash, TPM2B_DIGEST *ret_a, TPM2B_DIGEST *ret_b,
                          TPM2B_DIGEST *ret_c);

/* tpm-pem.c: the DER TPMKey of exactly our shape (emptyAuth TRUE, parent
 * 0x40000001) from TPM2B_PUBLIC / TPM2B_PRIVATE bytes, and the strict
 * reader (pointers into buf; -EBADMSG on anything malformed, -EOPNOTSUPP
 * for a key that needs an auth value). */
int tpm_pem_encode_der(const uint8_t *pub, size_t pub_len, const uint8_t *priv, size_t priv_len,
                       uint8_t **ret, size_t *ret_len);
int tpm_pem_decode_der(const uint8_t *buf, size_t len, const uint8_t **ret_pub,
                       size_t *ret_pub_len, const uint8_t **ret_priv, size_t *ret_priv_len);
