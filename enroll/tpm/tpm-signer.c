/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A signer (common/signer.h) over a TPM key. It owns a copy of the key
 * (blobs only) and a reference to the TPM context, and loads and flushes
 * the key for every signature, so nothing stays loaded between uses.
 */
#include "enroll/tpm/tpm-internal.h"
#include "enroll/tpm/tpm-key.h"

typedef struct tpm_signer {
        tpm_ctx *tpm;
        tpm_key *key;
} tpm_signer;

static int tpm_signer_sign(void *userdata, int md_nid, const uint8_t *digest, size_t digest_len,
                           uint8_t **ret_sig, size_t *ret_sig_len) {
        tpm_signer *s = userdata;

        return tpm_key_sign_digest(s->tpm, s->key, md_nid, digest, digest_len, ret_sig,
                                   ret_sig_len);
}

static void tpm_signer_free(void *userdata) {
        tpm_signer *s = userdata;

        if (!s)
                return;
        tpm_key_free(s->key);
        tpm_unref(s->tpm);
        free(s);
}

static const signer_ops tpm_signer_ops = {
        .sign_digest = tpm_signer_sign,
        .free_userdata = tpm_signer_free,
};

int tpm_key_signer(tpm_ctx *t, const tpm_key *key, signer **ret) {
        tpm_signer *s;
        int r;

        if (!t || !key || !ret)
                return -EINVAL;
        if (tpm_key_is_restricted(key))
                return -EPERM;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        r = tpm_key_new(&key->public, &key->private, &s->key);
        if (r < 0) {
                free(s);
                return r;
        }
        s->tpm = tpm_ref(t);
        r = signer_new(&tpm_signer_ops, s, s->key->pkey, ret);
        if (r < 0)
                tpm_signer_free(s);
        return r;
}
