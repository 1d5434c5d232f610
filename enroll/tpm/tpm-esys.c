/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One wrapper per Esys_* call the TPM layer makes. Each passes the fixed
 * arguments (password sessions, empty outside info, NULL schemes that
 * select the key's own scheme), decodes the TSS2_RC once through tpm_call()
 * and returns 0 or -errno. Unit tests replace Esys_* at link time.
 */
#include "enroll/tpm/tpm-internal.h"
#include "enroll/tpm/tpm-rc.h"
#include "log.h"

int tpm_esys_get_capability(tpm_ctx *t, TPM2_CAP cap, uint32_t property, uint32_t count,
                            TPMS_CAPABILITY_DATA **ret) {
        TPMI_YES_NO more;

        return tpm_call(t, Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, cap,
                                         property, count, &more, ret),
                      "Esys_GetCapability");
}

int tpm_esys_tr_from_public(tpm_ctx *t, TPM2_HANDLE handle, ESYS_TR *ret) {
        return tpm_call(t, Esys_TR_FromTPMPublic(t->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE,
                                            ESYS_TR_NONE, ret),
                      "Esys_TR_FromTPMPublic");
}

int tpm_esys_startup_clear(tpm_ctx *t) {
        TSS2_RC rc = Esys_Startup(t->esys, TPM2_SU_CLEAR);

        /* TPM2_RC_INITIALIZE here: started already. */
        return rc == TPM2_RC_INITIALIZE ? 0 : tpm_call(t, rc, "Esys_Startup");
}

int tpm_esys_tr_close(tpm_ctx *t, ESYS_TR *tr) {
        if (*tr == ESYS_TR_NONE)
                return 0;
        return tpm_call(t, Esys_TR_Close(t->esys, tr), "Esys_TR_Close");
}

int tpm_esys_flush(tpm_ctx *t, ESYS_TR *tr) {
        TSS2_RC rc;

        if (*tr == ESYS_TR_NONE)
                return 0;
        rc = Esys_FlushContext(t->esys, *tr);
        *tr = ESYS_TR_NONE;
        return tpm_call(t, rc, "Esys_FlushContext");
}

int tpm_esys_read_public(tpm_ctx *t, ESYS_TR obj, TPM2B_PUBLIC **ret) {
        return tpm_call(t, Esys_ReadPublic(t->esys, obj, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ret,
                                      NULL, NULL),
                      "Esys_ReadPublic");
}

static const TPM2B_SENSITIVE_CREATE empty_sensitive = {};
static const TPM2B_DATA empty_data = {};
static const TPML_PCR_SELECTION no_pcrs = {};

int tpm_esys_create_primary(tpm_ctx *t, ESYS_TR hierarchy, const TPM2B_PUBLIC *tmpl, ESYS_TR *ret,
                            TPM2B_PUBLIC **ret_public) {
        return tpm_call(t, Esys_CreatePrimary(t->esys, hierarchy, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                         ESYS_TR_NONE, &empty_sensitive, tmpl, &empty_data,
                                         &no_pcrs, ret, ret_public, NULL, NULL, NULL),
                      "Esys_CreatePrimary");
}

int tpm_esys_create(tpm_ctx *t, ESYS_TR parent, const TPM2B_PUBLIC *tmpl, TPM2B_PRIVATE **ret_priv,
                    TPM2B_PUBLIC **ret_pub, TPM2B_CREATION_DATA **ret_cdata,
                    TPM2B_DIGEST **ret_chash, TPMT_TK_CREATION **ret_ticket) {
        return tpm_call(t, Esys_Create(t->esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                  &empty_sensitive, tmpl, &empty_data, &no_pcrs, ret_priv, ret_pub,
                                  ret_cdata, ret_chash, ret_ticket),
                      "Esys_Create");
}

int tpm_esys_load(tpm_ctx *t, ESYS_TR parent, const TPM2B_PRIVATE *priv, const TPM2B_PUBLIC *pub,
                  ESYS_TR *ret) {
        return tpm_call(t, Esys_Load(t->esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, priv,
                                pub, ret),
                      "Esys_Load");
}

static const TPMT_SIG_SCHEME key_scheme = { .scheme = TPM2_ALG_NULL };

int tpm_esys_certify_creation(tpm_ctx *t, ESYS_TR sign, ESYS_TR obj, const TPM2B_DIGEST *chash,
                              const TPMT_TK_CREATION *ticket, TPM2B_ATTEST **ret_attest,
                              TPMT_SIGNATURE **ret_sig) {
        return tpm_call(t, Esys_CertifyCreation(t->esys, sign, obj, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                           ESYS_TR_NONE, &empty_data, chash, &key_scheme, ticket,
                                           ret_attest, ret_sig),
                      "Esys_CertifyCreation");
}

int tpm_esys_certify(tpm_ctx *t, ESYS_TR obj, ESYS_TR sign, const TPM2B_DATA *qualifying,
                     TPM2B_ATTEST **ret_attest, TPMT_SIGNATURE **ret_sig) {
        /* Both the object and the signing key authorize with their (empty)
         * passwords. */
        return tpm_call(t, Esys_Certify(t->esys, obj, sign, ESYS_TR_PASSWORD, ESYS_TR_PASSWORD,
                                   ESYS_TR_NONE, qualifying, &key_scheme, ret_attest, ret_sig),
                      "Esys_Certify");
}

int tpm_esys_sign(tpm_ctx *t, ESYS_TR key, const TPM2B_DIGEST *digest,
                  const TPMT_SIG_SCHEME *scheme, TPMT_SIGNATURE **ret) {
        /* A NULL ticket: allowed because our signing keys are not restricted. */
        static const TPMT_TK_HASHCHECK no_ticket = {
                .tag = TPM2_ST_HASHCHECK,
                .hierarchy = TPM2_RH_NULL,
        };

        return tpm_call(t, Esys_Sign(t->esys, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, digest,
                                scheme, &no_ticket, ret),
                      "Esys_Sign");
}

int tpm_esys_start_policy_session(tpm_ctx *t, TPMI_ALG_HASH hash, ESYS_TR *ret) {
        static const TPMT_SYM_DEF no_sym = { .algorithm = TPM2_ALG_NULL };
        ESYS_TR s = ESYS_TR_NONE;
        int r;

        r = tpm_call(t, Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                         ESYS_TR_NONE, ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &no_sym,
                                         hash, &s),
                   "Esys_StartAuthSession");
        if (r < 0)
                return r;
        /* Keep the session alive after use, so that flushing it is always
         * ours to do and never a double flush. */
        r = tpm_call(t, Esys_TRSess_SetAttributes(t->esys, s, TPMA_SESSION_CONTINUESESSION,
                                             TPMA_SESSION_CONTINUESESSION),
                   "Esys_TRSess_SetAttributes");
        if (r < 0) {
                (void) tpm_esys_flush(t, &s);
                return r;
        }
        *ret = s;
        return 0;
}

int tpm_esys_start_encrypt_session(tpm_ctx *t, ESYS_TR salt_key, ESYS_TR *ret) {
        static const TPMT_SYM_DEF aes = {
                .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB
        };
        ESYS_TR s = ESYS_TR_NONE;
        int r;

        r = tpm_call(t, Esys_StartAuthSession(t->esys, salt_key, ESYS_TR_NONE, ESYS_TR_NONE,
                                         ESYS_TR_NONE, ESYS_TR_NONE, NULL, TPM2_SE_HMAC, &aes,
                                         TPM2_ALG_SHA256, &s),
                   "Esys_StartAuthSession");
        if (r < 0)
                return r;
        r = tpm_call(t, Esys_TRSess_SetAttributes(t->esys, s,
                                             TPMA_SESSION_ENCRYPT | TPMA_SESSION_CONTINUESESSION,
                                             0xff),
                   "Esys_TRSess_SetAttributes");
        if (r < 0) {
                (void) tpm_esys_flush(t, &s);
                return r;
        }
        *ret = s;
        return 0;
}

int tpm_esys_policy_secret_endorsement(tpm_ctx *t, ESYS_TR session) {
        return tpm_call(t, Esys_PolicySecret(t->esys, ESYS_TR_RH_ENDORSEMENT, session, ESYS_TR_PASSWORD,
                                        ESYS_TR_NONE, ESYS_TR_NONE, NULL, NULL, NULL, 0, NULL,
                                        NULL),
                      "Esys_PolicySecret");
}

int tpm_esys_policy_or(tpm_ctx *t, ESYS_TR session, const TPML_DIGEST *digests) {
        return tpm_call(t, Esys_PolicyOR(t->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                    digests),
                      "Esys_PolicyOR");
}

int tpm_esys_activate_credential(tpm_ctx *t, ESYS_TR ak, ESYS_TR ek, ESYS_TR session,
                                 ESYS_TR enc, const TPM2B_ID_OBJECT *cred,
                                 const TPM2B_ENCRYPTED_SECRET *secret, TPM2B_DIGEST **ret) {
        return tpm_call(t, Esys_ActivateCredential(t->esys, ak, ek, ESYS_TR_PASSWORD, session, enc,
                                              cred, secret, ret),
                      "Esys_ActivateCredential");
}

int tpm_esys_nv_read_public(tpm_ctx *t, ESYS_TR nv, TPM2B_NV_PUBLIC **ret) {
        return tpm_call(t, Esys_NV_ReadPublic(t->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ret,
                                         NULL),
                      "Esys_NV_ReadPublic");
}

int tpm_esys_nv_read(tpm_ctx *t, ESYS_TR auth, ESYS_TR nv, uint16_t size, uint16_t offset,
                     TPM2B_MAX_NV_BUFFER **ret) {
        return tpm_call(t, Esys_NV_Read(t->esys, auth, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                   size, offset, ret),
                      "Esys_NV_Read");
}

int tpm_handle_exists(tpm_ctx *t, TPM2_HANDLE handle) {
        _cleanup_esys_ TPMS_CAPABILITY_DATA *cap = NULL;
        int r;

        r = tpm_esys_get_capability(t, TPM2_CAP_HANDLES, handle, 1, &cap);
        if (r < 0)
                return r;
        return cap->capability == TPM2_CAP_HANDLES && cap->data.handles.count >= 1 &&
               cap->data.handles.handle[0] == handle;
}

int tpm_esys_quote(tpm_ctx *t, ESYS_TR sign, const TPM2B_DATA *qualifying, const TPML_PCR_SELECTION *sel,
                   TPM2B_ATTEST **ret_attest, TPMT_SIGNATURE **ret_sig) {
        /* The AK authorizes with its (empty) password and signs with its
         * own scheme. */
        return tpm_call(t, Esys_Quote(t->esys, sign, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, qualifying, &key_scheme,
                                 sel, ret_attest, ret_sig),
                      "Esys_Quote");
}

int tpm_esys_pcr_read(tpm_ctx *t, const TPML_PCR_SELECTION *sel, TPML_PCR_SELECTION **ret_sel,
                      TPML_DIGEST **ret_values) {
        return tpm_call(t, Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, sel, NULL, ret_sel,
                                    ret_values),
                      "Esys_PCR_Read");
}
