/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TPM2_ActivateCredential with the EK (protocols.md 1): loads the AK,
 * makes the EK usable, satisfies the EK's policy in a policy session and
 * recovers the secret the Attestation CA wrapped for this AK and EK.
 */
#include "enroll/tpm/tpm-activate.h"
#include "enroll/tpm/tpm-internal.h"
#include "log.h"
#include "tpm2util.h"

/* Makes the EK usable as the keyHandle of ActivateCredential: an ESYS_TR
 * for the persistent handle (*ret_transient = false: close, don't flush)
 * or the recreated primary (flush). The public area must still match. */
static int ek_load(tpm_ctx *t, const tpm_ek *ek, ESYS_TR *ret, bool *ret_transient) {
        _cleanup_esys_ TPM2B_PUBLIC *pub = NULL;
        TPM2B_PUBLIC tmpl;
        ESYS_TR tr = ESYS_TR_NONE;
        bool transient;
        int r;

        if (ek->handle != 0) {
                r = tpm_esys_tr_from_public(t, ek->handle, &tr);
                if (r < 0)
                        return r;
                r = tpm_esys_read_public(t, tr, &pub);
                transient = false;
        } else {
                r = tpm_template_ek(ek->type, &tmpl);
                if (r < 0)
                        return r;
                r = tpm_esys_create_primary(t, ESYS_TR_RH_ENDORSEMENT, &tmpl, &tr, &pub);
                transient = true;
        }
        if (r >= 0) {
                /* The object found must still be the EK we reported. */
                TPM2B_NAME a, b;

                if (tpm2_public_name(&pub->publicArea, &a) < 0 ||
                    tpm2_public_name(&ek->public.publicArea, &b) < 0 || a.size != b.size ||
                    memcmp(a.name, b.name, a.size) != 0)
                        r = -ESTALE;
        }
        if (r < 0) {
                if (transient)
                        (void) tpm_esys_flush(t, &tr);
                else
                        (void) tpm_esys_tr_close(t, &tr);
                return r;
        }
        *ret = tr;
        *ret_transient = transient;
        return 0;
}

/* Satisfies the EK's authPolicy: PolicyA (PolicySecret(TPM_RH_ENDORSEMENT))
 * for the low-range templates; PolicyB = PolicyOR(PolicyA, PolicyC) for the
 * high-range ones, satisfied through its A branch. */
static int ek_policy_session(tpm_ctx *t, const TPMT_PUBLIC *ek, ESYS_TR *ret) {
        TPM2B_DIGEST a, b, c;
        ESYS_TR s = ESYS_TR_NONE;
        bool use_or;
        int r;

        r = tpm_ek_policy_digests(ek->nameAlg, &a, &b, &c);
        if (r < 0)
                return r;
        if (ek->authPolicy.size == a.size && memcmp(ek->authPolicy.buffer, a.buffer, a.size) == 0)
                use_or = false;
        else if (ek->authPolicy.size == b.size &&
                 memcmp(ek->authPolicy.buffer, b.buffer, b.size) == 0)
                use_or = true;
        else {
                log_debug("EK authPolicy is neither TCG PolicyA nor PolicyB.");
                return -EOPNOTSUPP;
        }

        r = tpm_esys_start_policy_session(t, ek->nameAlg, &s);
        if (r < 0)
                return r;
        r = tpm_esys_policy_secret_endorsement(t, s);
        if (r >= 0 && use_or) {
                TPML_DIGEST list = { .count = 2 };

                list.digests[0] = a;
                list.digests[1] = c;
                r = tpm_esys_policy_or(t, s, &list);
        }
        if (r < 0) {
                (void) tpm_esys_flush(t, &s);
                return r;
        }
        *ret = s;
        return 0;
}

int tpm_activate_credential(tpm_ctx *t, const tpm_key *ak, const tpm_ek *ek,
                            const uint8_t *credential, size_t credential_len, const uint8_t *secret,
                            size_t secret_len, uint8_t **ret, size_t *ret_len) {
        _cleanup_esys_ TPM2B_DIGEST *out = NULL;
        TPM2B_ID_OBJECT cred;
        TPM2B_ENCRYPTED_SECRET sec;
        ESYS_TR akh = ESYS_TR_NONE, ekh = ESYS_TR_NONE, session = ESYS_TR_NONE, enc = ESYS_TR_NONE;
        bool ek_transient = false;
        uint8_t *buf;
        int r;

        if (!t || !ak || !ek || !credential || !secret || !ret || !ret_len)
                return -EINVAL;
        if (!tpm_key_is_restricted(ak))
                return -EPERM;
        r = tpm2b_id_object_unmarshal(credential, credential_len, &cred);
        if (r < 0)
                return r;
        r = tpm2b_encrypted_secret_unmarshal(secret, secret_len, &sec);
        if (r < 0)
                return r;
        if (cred.size == 0 || sec.size == 0)
                return -EBADMSG;

        r = tpm_keys_load(t, (const tpm_key *const[]) { ak }, 1, &akh);
        if (r < 0)
                return r;
        r = ek_load(t, ek, &ekh, &ek_transient);
        if (r < 0)
                goto finish;
        r = ek_policy_session(t, &ek->public.publicArea, &session);
        if (r < 0)
                goto finish;
        /* The recovered secret is the response's first parameter: have the
         * TPM encrypt it under a session salted with the EK, so it does not
         * cross the bus (or the resource manager) in the clear. */
        r = tpm_esys_start_encrypt_session(t, ekh, &enc);
        if (r < 0)
                goto finish;
        r = tpm_esys_activate_credential(t, akh, ekh, session, enc, &cred, &sec, &out);
        if (r < 0)
                goto finish;
        buf = malloc(out->size > 0 ? out->size : 1);
        if (!buf) {
                r = -ENOMEM;
                goto finish;
        }
        memcpy(buf, out->buffer, out->size);
        *ret = buf;
        *ret_len = out->size;
        r = 0;
finish:
        if (out)
                explicit_bzero(out, sizeof(*out));
        (void) tpm_esys_flush(t, &enc);
        (void) tpm_esys_flush(t, &session);
        if (ek_transient)
                (void) tpm_esys_flush(t, &ekh);
        else
                (void) tpm_esys_tr_close(t, &ekh);
        (void) tpm_esys_flush(t, &akh);
        return r;
}
