/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys under the SRK: the key object and its blobs, loading under a freshly
 * created SRK, attestation keys with TPM2_CertifyCreation, device/account
 * keys with TPM2_Certify, and TPM2_Sign.
 */
#include "crypto.h"
#include "log.h"
#include "tpm-internal.h"
#include "tpm2util.h"

int tpm_key_alg_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        if (streq(s, "ecc256") || streq(s, "p256") || streq(s, "ec256") || streq(s, "ecc"))
                return TPM_KEY_ECC_P256;
        if (streq(s, "rsa2048") || streq(s, "rsa"))
                return TPM_KEY_RSA_2048;
        return -EINVAL;
}

const char *tpm_key_alg_to_string(tpm_key_alg alg) {
        switch (alg) {
        case TPM_KEY_ECC_P256:
                return "ecc256";
        case TPM_KEY_RSA_2048:
                return "rsa2048";
        default:
                return NULL;
        }
}

void tpm_key_free(tpm_key *k) {
        if (!k)
                return;
        EVP_PKEY_free(k->pkey);
        explicit_bzero(&k->private, sizeof(k->private));
        free(k);
}

/* The only keys we make or accept back: signing keys bound to this TPM. */
static int key_public_check(const TPMT_PUBLIC *p) {
        TPMA_OBJECT need = TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM |
                           TPMA_OBJECT_FIXEDPARENT;

        if ((p->objectAttributes & need) != need || (p->objectAttributes & TPMA_OBJECT_DECRYPT))
                return -EPERM;
        if (p->type != TPM2_ALG_ECC && p->type != TPM2_ALG_RSA)
                return -EOPNOTSUPP;
        return 0;
}

int tpm_key_new(const TPM2B_PUBLIC *pub, const TPM2B_PRIVATE *priv, tpm_key **ret) {
        _cleanup_(tpm_key_freep) tpm_key *k = NULL;
        int r;

        r = key_public_check(&pub->publicArea);
        if (r < 0)
                return r;
        k = calloc(1, sizeof(*k));
        if (!k)
                return -ENOMEM;
        k->public = *pub;
        k->private = *priv;
        r = tpm2_public_to_pkey(&pub->publicArea, &k->pkey);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(k);
        return 0;
}

EVP_PKEY *tpm_key_public_key(const tpm_key *k) {
        return k->pkey;
}

const TPMT_PUBLIC *tpm_key_public(const tpm_key *k) {
        return &k->public.publicArea;
}

int tpm_key_public_area(const tpm_key *k, uint8_t **ret, size_t *ret_len) {
        return tpm2_public_marshal(&k->public.publicArea, ret, ret_len);
}

int tpm_key_name(const tpm_key *k, TPM2B_NAME *ret) {
        return tpm2_public_name(&k->public.publicArea, ret);
}

bool tpm_key_is_restricted(const tpm_key *k) {
        return k->public.publicArea.objectAttributes & TPMA_OBJECT_RESTRICTED;
}

int tpm_key_to_blobs(const tpm_key *k, uint8_t **ret_pub, size_t *ret_pub_len, uint8_t **ret_priv,
                     size_t *ret_priv_len) {
        _cleanup_free_ uint8_t *pub = NULL;
        size_t pub_len;
        int r;

        if (!k || !ret_pub || !ret_pub_len || !ret_priv || !ret_priv_len)
                return -EINVAL;
        r = tpm2b_public_marshal(&k->public, &pub, &pub_len);
        if (r < 0)
                return r;
        r = tpm2b_private_marshal(&k->private, ret_priv, ret_priv_len);
        if (r < 0)
                return r;
        *ret_pub = TAKE_PTR(pub);
        *ret_pub_len = pub_len;
        return 0;
}

int tpm_key_from_blobs(const uint8_t *pub, size_t pub_len, const uint8_t *priv, size_t priv_len,
                       tpm_key **ret) {
        TPM2B_PUBLIC p;
        TPM2B_PRIVATE s;
        int r;

        if (!pub || !priv || !ret)
                return -EINVAL;
        r = tpm2b_public_unmarshal(pub, pub_len, &p);
        if (r < 0)
                return r;
        r = tpm2b_private_unmarshal(priv, priv_len, &s);
        if (r < 0)
                return r;
        if (s.size == 0)
                return -EBADMSG;
        r = tpm_key_new(&p, &s, ret);
        explicit_bzero(&s, sizeof(s));
        return r;
}

int tpm_srk_create(tpm_ctx *t, ESYS_TR *ret) {
        TPM2B_PUBLIC tmpl;

        tpm_template_srk(&tmpl);
        return tpm_esys_create_primary(t, ESYS_TR_RH_OWNER, &tmpl, ret, NULL);
}

int tpm_keys_load(tpm_ctx *t, const tpm_key *const *keys, size_t n, ESYS_TR *ret) {
        ESYS_TR srk = ESYS_TR_NONE, h[4];
        size_t i;
        int r;

        if (n > ELEMENTSOF(h))
                return -EINVAL;
        for (i = 0; i < n; i++)
                h[i] = ESYS_TR_NONE;
        r = tpm_srk_create(t, &srk);
        if (r < 0)
                return r;
        for (i = 0; i < n; i++) {
                r = tpm_esys_load(t, srk, &keys[i]->private, &keys[i]->public, &h[i]);
                if (r < 0)
                        break;
        }
        (void) tpm_esys_flush(t, &srk);
        if (r < 0) {
                for (i = 0; i < n; i++)
                        (void) tpm_esys_flush(t, &h[i]);
                return r;
        }
        memcpy(ret, h, n * sizeof(ESYS_TR));
        return 0;
}

/* Creates a key under a fresh SRK. The creation data, hash and ticket are
 * handed back for AKs; the SRK is flushed before returning. */
static int key_create(tpm_ctx *t, tpm_key_alg alg, bool restricted, tpm_key **ret,
                      TPM2B_CREATION_DATA **ret_cdata, TPM2B_DIGEST **ret_chash,
                      TPMT_TK_CREATION **ret_ticket) {
        _cleanup_esys_ TPM2B_PRIVATE *priv = NULL;
        _cleanup_esys_ TPM2B_PUBLIC *pub = NULL;
        TPM2B_PUBLIC tmpl;
        ESYS_TR srk = ESYS_TR_NONE;
        int r;

        r = tpm_template_key(alg, restricted, &tmpl);
        if (r < 0)
                return r;
        r = tpm_srk_create(t, &srk);
        if (r < 0)
                return r;
        r = tpm_esys_create(t, srk, &tmpl, &priv, &pub, ret_cdata, ret_chash, ret_ticket);
        (void) tpm_esys_flush(t, &srk);
        if (r < 0)
                return r;
        r = tpm_key_new(pub, priv, ret);
        explicit_bzero(priv, sizeof(*priv));
        return r;
}

int tpm_key_create(tpm_ctx *t, tpm_key_alg alg, tpm_key **ret) {
        if (!t || !ret)
                return -EINVAL;
        return key_create(t, alg, false, ret, NULL, NULL, NULL);
}

void tpm_ak_params_done(tpm_ak_params *p) {
        if (!p)
                return;
        free(p->public);
        free(p->create_data);
        free(p->attest);
        free(p->signature);
        *p = (tpm_ak_params) {};
}

int tpm_ak_create(tpm_ctx *t, tpm_key_alg alg, tpm_key **ret_ak, tpm_ak_params *ret_params) {
        _cleanup_esys_ TPM2B_CREATION_DATA *cdata = NULL;
        _cleanup_esys_ TPM2B_DIGEST *chash = NULL;
        _cleanup_esys_ TPMT_TK_CREATION *ticket = NULL;
        _cleanup_esys_ TPM2B_ATTEST *attest = NULL;
        _cleanup_esys_ TPMT_SIGNATURE *sig = NULL;
        _cleanup_(tpm_key_freep) tpm_key *ak = NULL;
        _cleanup_(tpm_ak_params_done) tpm_ak_params params = {};
        ESYS_TR h = ESYS_TR_NONE;
        int r;

        if (!t || !ret_ak)
                return -EINVAL;
        r = key_create(t, alg, true, &ak, &cdata, &chash, &ticket);
        if (r < 0)
                return r;
        r = tpm_keys_load(t, (const tpm_key *const[]) { ak }, 1, &h);
        if (r < 0)
                return r;
        r = tpm_esys_certify_creation(t, h, h, chash, ticket, &attest, &sig);
        (void) tpm_esys_flush(t, &h);
        if (r < 0)
                return r;

        if (ret_params) {
                r = tpm2_public_marshal(&ak->public.publicArea, &params.public, &params.public_len);
                if (r < 0)
                        return r;
                r = tpm2_creation_data_marshal(&cdata->creationData, &params.create_data,
                                               &params.create_data_len);
                if (r < 0)
                        return r;
                params.attest = malloc(attest->size);
                if (!params.attest)
                        return -ENOMEM;
                memcpy(params.attest, attest->attestationData, attest->size);
                params.attest_len = attest->size;
                r = tpm2_signature_marshal(sig, &params.signature, &params.signature_len);
                if (r < 0)
                        return r;
                *ret_params = params;
                params = (tpm_ak_params) {};
        }
        *ret_ak = TAKE_PTR(ak);
        return 0;
}

int tpm_key_certify(tpm_ctx *t, const tpm_key *key, const tpm_key *ak, const uint8_t *qualifying,
                    size_t qualifying_len, uint8_t **ret_attest, size_t *ret_attest_len,
                    uint8_t **ret_sig, size_t *ret_sig_len) {
        _cleanup_esys_ TPM2B_ATTEST *attest = NULL;
        _cleanup_esys_ TPMT_SIGNATURE *sig = NULL;
        _cleanup_free_ uint8_t *a = NULL;
        TPM2B_DATA q = {};
        ESYS_TR h[2] = { ESYS_TR_NONE, ESYS_TR_NONE };
        int r;

        if (!t || !key || !ak || !ret_attest || !ret_attest_len || !ret_sig || !ret_sig_len ||
            (qualifying_len > 0 && !qualifying))
                return -EINVAL;
        if (qualifying_len > sizeof(q.buffer))
                return -EINVAL;
        if (!tpm_key_is_restricted(ak))
                return -EPERM;
        q.size = qualifying_len;
        if (qualifying_len > 0)
                memcpy(q.buffer, qualifying, qualifying_len);

        r = tpm_keys_load(t, (const tpm_key *const[]) { key, ak }, 2, h);
        if (r < 0)
                return r;
        r = tpm_esys_certify(t, h[0], h[1], &q, &attest, &sig);
        (void) tpm_esys_flush(t, &h[0]);
        (void) tpm_esys_flush(t, &h[1]);
        if (r < 0)
                return r;

        a = malloc(attest->size);
        if (!a)
                return -ENOMEM;
        memcpy(a, attest->attestationData, attest->size);
        r = tpm2_signature_marshal(sig, ret_sig, ret_sig_len);
        if (r < 0)
                return r;
        *ret_attest_len = attest->size;
        *ret_attest = TAKE_PTR(a);
        return 0;
}

int tpm_key_sign_digest(tpm_ctx *t, const tpm_key *key, int md_nid, const uint8_t *digest,
                        size_t digest_len, uint8_t **ret_sig, size_t *ret_sig_len) {
        _cleanup_esys_ TPMT_SIGNATURE *sig = NULL;
        TPM2B_DIGEST d = {};
        ESYS_TR h = ESYS_TR_NONE;
        int r;

        if (!t || !key || !digest || !ret_sig || !ret_sig_len)
                return -EINVAL;
        if (tpm_key_is_restricted(key))
                return -EPERM;
        /* Our keys carry a fixed SHA-256 scheme (protocols.md 2). */
        if (md_nid != NID_sha256)
                return -EOPNOTSUPP;
        if (digest_len != 32)
                return -EINVAL;
        d.size = digest_len;
        memcpy(d.buffer, digest, digest_len);

        r = tpm_keys_load(t, (const tpm_key *const[]) { key }, 1, &h);
        if (r < 0)
                return r;
        r = tpm_esys_sign(t, h, &d, &sig);
        (void) tpm_esys_flush(t, &h);
        if (r < 0)
                return r;
        return tpm2_signature_to_der(sig, ret_sig, ret_sig_len, NULL);
}
