/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TPM layer's flows against a fake ESAPI, linked in with
 * -Wl,--wrap=Esys_*: every transient object and session is flushed on
 * success and on every failure path, TPM errors come back as the right
 * -errno, and nothing is returned on failure. The fake hands out handles,
 * tracks which are loaded, and fails the Nth call of a chosen function
 * with a chosen TSS2_RC.
 */
#include "crypto.h"
#include "enroll/tpm/tpm-activate.h"
#include "enroll/tpm/tpm-info.h"
#include "enroll/tpm/tpm-internal.h"
#include "tests/unit/tap.h"
#include "tpm2util.h"

/* ---- the fake ---- */

static struct {
        const char *fail_call;
        unsigned fail_nth; /* 1-based */
        TSS2_RC fail_rc;
        unsigned calls[32];
        unsigned loaded, max_loaded, sessions, esys_calls;
        ESYS_TR next;
        bool policy_or_seen;
} fake;

static void fake_reset(void) {
        memset(&fake, 0, sizeof(fake));
        fake.next = 0x1000;
}

enum { C_CREATEPRIMARY, C_CREATE, C_LOAD, C_FLUSH, C_CERTIFYCREATION, C_CERTIFY, C_SIGN,
       C_STARTAUTH, C_POLICYSECRET, C_POLICYOR, C_ACTIVATE, C_GETCAP, C_SETATTR };
static const char *const names[] = { "CreatePrimary", "Create", "Load", "FlushContext",
                                     "CertifyCreation", "Certify", "Sign", "StartAuthSession",
                                     "PolicySecret", "PolicyOR", "ActivateCredential",
                                     "GetCapability", "TRSess_SetAttributes" };

static TSS2_RC fake_enter(int c) {
        fake.esys_calls++;
        fake.calls[c]++;
        if (fake.fail_call && streq(fake.fail_call, names[c]) && fake.calls[c] == fake.fail_nth)
                return fake.fail_rc;
        return TSS2_RC_SUCCESS;
}

static ESYS_TR fake_new_object(void) {
        fake.loaded++;
        if (fake.loaded > fake.max_loaded)
                fake.max_loaded = fake.loaded;
        return fake.next++;
}

/* P-256 generator: a valid public point for tpm2_public_to_pkey. */
static void fake_unique(TPMT_PUBLIC *p) {
        static const char gx[] = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296";
        static const char gy[] = "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
        if (p->type != TPM2_ALG_ECC || p->unique.ecc.x.size != 0)
                return;
        for (int i = 0; i < 32; i++) {
                unsigned v;
                sscanf(gx + 2 * i, "%2x", &v);
                p->unique.ecc.x.buffer[i] = v;
                sscanf(gy + 2 * i, "%2x", &v);
                p->unique.ecc.y.buffer[i] = v;
        }
        p->unique.ecc.x.size = p->unique.ecc.y.size = 32;
}

#define ALLOC(T) ((T *) calloc(1, sizeof(T)))

TSS2_RC __wrap_Esys_CreatePrimary(ESYS_CONTEXT *e, ESYS_TR h, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                                  const TPM2B_SENSITIVE_CREATE *sens, const TPM2B_PUBLIC *in,
                                  const TPM2B_DATA *outside, const TPML_PCR_SELECTION *pcr,
                                  ESYS_TR *obj, TPM2B_PUBLIC **out, TPM2B_CREATION_DATA **cd,
                                  TPM2B_DIGEST **ch, TPMT_TK_CREATION **ct);
TSS2_RC __wrap_Esys_CreatePrimary(ESYS_CONTEXT *e, ESYS_TR h, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                                  const TPM2B_SENSITIVE_CREATE *sens, const TPM2B_PUBLIC *in,
                                  const TPM2B_DATA *outside, const TPML_PCR_SELECTION *pcr,
                                  ESYS_TR *obj, TPM2B_PUBLIC **out, TPM2B_CREATION_DATA **cd,
                                  TPM2B_DIGEST **ch, TPMT_TK_CREATION **ct) {
        TSS2_RC rc = fake_enter(C_CREATEPRIMARY);
        if (rc)
                return rc;
        *obj = fake_new_object();
        if (out) {
                *out = ALLOC(TPM2B_PUBLIC);
                **out = *in;
        }
        return 0;
}

TSS2_RC __wrap_Esys_Create(ESYS_CONTEXT *e, ESYS_TR parent, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                           const TPM2B_SENSITIVE_CREATE *sens, const TPM2B_PUBLIC *in,
                           const TPM2B_DATA *outside, const TPML_PCR_SELECTION *pcr,
                           TPM2B_PRIVATE **priv, TPM2B_PUBLIC **pub, TPM2B_CREATION_DATA **cd,
                           TPM2B_DIGEST **ch, TPMT_TK_CREATION **ct);
TSS2_RC __wrap_Esys_Create(ESYS_CONTEXT *e, ESYS_TR parent, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                           const TPM2B_SENSITIVE_CREATE *sens, const TPM2B_PUBLIC *in,
                           const TPM2B_DATA *outside, const TPML_PCR_SELECTION *pcr,
                           TPM2B_PRIVATE **priv, TPM2B_PUBLIC **pub, TPM2B_CREATION_DATA **cd,
                           TPM2B_DIGEST **ch, TPMT_TK_CREATION **ct) {
        TSS2_RC rc = fake_enter(C_CREATE);
        if (rc)
                return rc;
        *priv = ALLOC(TPM2B_PRIVATE);
        (*priv)->size = 16;
        memset((*priv)->buffer, 0xaa, 16);
        *pub = ALLOC(TPM2B_PUBLIC);
        **pub = *in;
        fake_unique(&(*pub)->publicArea);
        if (cd) {
                *cd = ALLOC(TPM2B_CREATION_DATA);
                (*cd)->creationData.parentNameAlg = TPM2_ALG_SHA256;
        }
        if (ch) {
                *ch = ALLOC(TPM2B_DIGEST);
                (*ch)->size = 32;
        }
        if (ct) {
                *ct = ALLOC(TPMT_TK_CREATION);
                (*ct)->tag = TPM2_ST_CREATION;
                (*ct)->hierarchy = TPM2_RH_OWNER;
        }
        return 0;
}

TSS2_RC __wrap_Esys_Load(ESYS_CONTEXT *e, ESYS_TR parent, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                         const TPM2B_PRIVATE *priv, const TPM2B_PUBLIC *pub, ESYS_TR *obj);
TSS2_RC __wrap_Esys_Load(ESYS_CONTEXT *e, ESYS_TR parent, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                         const TPM2B_PRIVATE *priv, const TPM2B_PUBLIC *pub, ESYS_TR *obj) {
        TSS2_RC rc = fake_enter(C_LOAD);
        if (rc)
                return rc;
        *obj = fake_new_object();
        return 0;
}

TSS2_RC __wrap_Esys_FlushContext(ESYS_CONTEXT *e, ESYS_TR h);
TSS2_RC __wrap_Esys_FlushContext(ESYS_CONTEXT *e, ESYS_TR h) {
        fake_enter(C_FLUSH);
        if (h >= 0x8000) {
                fake.sessions--;
                return 0;
        }
        fake.loaded--;
        return 0;
}

static TPMT_SIGNATURE *fake_sig(void) {
        TPMT_SIGNATURE *s = ALLOC(TPMT_SIGNATURE);
        s->sigAlg = TPM2_ALG_ECDSA;
        s->signature.ecdsa.hash = TPM2_ALG_SHA256;
        s->signature.ecdsa.signatureR.size = 1;
        s->signature.ecdsa.signatureR.buffer[0] = 1;
        s->signature.ecdsa.signatureS.size = 1;
        s->signature.ecdsa.signatureS.buffer[0] = 2;
        return s;
}

static TPM2B_ATTEST *fake_attest(void) {
        TPM2B_ATTEST *a = ALLOC(TPM2B_ATTEST);
        a->size = 8;
        memcpy(a->attestationData, "\xff\x54\x43\x47\x80\x17\x00\x00", 8);
        return a;
}

TSS2_RC __wrap_Esys_CertifyCreation(ESYS_CONTEXT *e, ESYS_TR sign, ESYS_TR obj, ESYS_TR s1,
                                    ESYS_TR s2, ESYS_TR s3, const TPM2B_DATA *q,
                                    const TPM2B_DIGEST *ch, const TPMT_SIG_SCHEME *sch,
                                    const TPMT_TK_CREATION *tk, TPM2B_ATTEST **att,
                                    TPMT_SIGNATURE **sig);
TSS2_RC __wrap_Esys_CertifyCreation(ESYS_CONTEXT *e, ESYS_TR sign, ESYS_TR obj, ESYS_TR s1,
                                    ESYS_TR s2, ESYS_TR s3, const TPM2B_DATA *q,
                                    const TPM2B_DIGEST *ch, const TPMT_SIG_SCHEME *sch,
                                    const TPMT_TK_CREATION *tk, TPM2B_ATTEST **att,
                                    TPMT_SIGNATURE **sig) {
        TSS2_RC rc = fake_enter(C_CERTIFYCREATION);
        if (rc)
                return rc;
        *att = fake_attest();
        *sig = fake_sig();
        return 0;
}

TSS2_RC __wrap_Esys_Certify(ESYS_CONTEXT *e, ESYS_TR obj, ESYS_TR sign, ESYS_TR s1, ESYS_TR s2,
                            ESYS_TR s3, const TPM2B_DATA *q, const TPMT_SIG_SCHEME *sch,
                            TPM2B_ATTEST **att, TPMT_SIGNATURE **sig);
TSS2_RC __wrap_Esys_Certify(ESYS_CONTEXT *e, ESYS_TR obj, ESYS_TR sign, ESYS_TR s1, ESYS_TR s2,
                            ESYS_TR s3, const TPM2B_DATA *q, const TPMT_SIG_SCHEME *sch,
                            TPM2B_ATTEST **att, TPMT_SIGNATURE **sig) {
        TSS2_RC rc = fake_enter(C_CERTIFY);
        if (rc)
                return rc;
        *att = fake_attest();
        *sig = fake_sig();
        return 0;
}

TSS2_RC __wrap_Esys_Sign(ESYS_CONTEXT *e, ESYS_TR key, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                         const TPM2B_DIGEST *d, const TPMT_SIG_SCHEME *sch,
                         const TPMT_TK_HASHCHECK *tk, TPMT_SIGNATURE **sig);
TSS2_RC __wrap_Esys_Sign(ESYS_CONTEXT *e, ESYS_TR key, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                         const TPM2B_DIGEST *d, const TPMT_SIG_SCHEME *sch,
                         const TPMT_TK_HASHCHECK *tk, TPMT_SIGNATURE **sig) {
        TSS2_RC rc = fake_enter(C_SIGN);
        if (rc)
                return rc;
        *sig = fake_sig();
        return 0;
}

TSS2_RC __wrap_Esys_StartAuthSession(ESYS_CONTEXT *e, ESYS_TR tk, ESYS_TR bind, ESYS_TR s1,
                                     ESYS_TR s2, ESYS_TR s3, const TPM2B_NONCE *n, TPM2_SE type,
                                     const TPMT_SYM_DEF *sym, TPMI_ALG_HASH hash, ESYS_TR *ret);
TSS2_RC __wrap_Esys_StartAuthSession(ESYS_CONTEXT *e, ESYS_TR tk, ESYS_TR bind, ESYS_TR s1,
                                     ESYS_TR s2, ESYS_TR s3, const TPM2B_NONCE *n, TPM2_SE type,
                                     const TPMT_SYM_DEF *sym, TPMI_ALG_HASH hash, ESYS_TR *ret) {
        TSS2_RC rc = fake_enter(C_STARTAUTH);
        if (rc)
                return rc;
        fake.sessions++;
        *ret = 0x8000 + fake.sessions;
        return 0;
}

TSS2_RC __wrap_Esys_TRSess_SetAttributes(ESYS_CONTEXT *e, ESYS_TR s, TPMA_SESSION f,
                                         TPMA_SESSION m);
TSS2_RC __wrap_Esys_TRSess_SetAttributes(ESYS_CONTEXT *e, ESYS_TR s, TPMA_SESSION f,
                                         TPMA_SESSION m) {
        return fake_enter(C_SETATTR);
}

TSS2_RC __wrap_Esys_PolicySecret(ESYS_CONTEXT *e, ESYS_TR auth, ESYS_TR s, ESYS_TR s1, ESYS_TR s2,
                                 ESYS_TR s3, const TPM2B_NONCE *n, const TPM2B_DIGEST *cp,
                                 const TPM2B_NONCE *ref, INT32 exp, TPM2B_TIMEOUT **to,
                                 TPMT_TK_AUTH **tk);
TSS2_RC __wrap_Esys_PolicySecret(ESYS_CONTEXT *e, ESYS_TR auth, ESYS_TR s, ESYS_TR s1, ESYS_TR s2,
                                 ESYS_TR s3, const TPM2B_NONCE *n, const TPM2B_DIGEST *cp,
                                 const TPM2B_NONCE *ref, INT32 exp, TPM2B_TIMEOUT **to,
                                 TPMT_TK_AUTH **tk) {
        return fake_enter(C_POLICYSECRET);
}

TSS2_RC __wrap_Esys_PolicyOR(ESYS_CONTEXT *e, ESYS_TR s, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                             const TPML_DIGEST *l);
TSS2_RC __wrap_Esys_PolicyOR(ESYS_CONTEXT *e, ESYS_TR s, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                             const TPML_DIGEST *l) {
        TPM2B_DIGEST a, c;
        TSS2_RC rc = fake_enter(C_POLICYOR);
        if (rc)
                return rc;
        if (tpm_ek_policy_digests(TPM2_ALG_SHA384, &a, NULL, &c) >= 0 && l->count == 2 &&
            l->digests[0].size == 48 && memcmp(l->digests[0].buffer, a.buffer, 48) == 0 &&
            memcmp(l->digests[1].buffer, c.buffer, 48) == 0)
                fake.policy_or_seen = true;
        return 0;
}

TSS2_RC __wrap_Esys_ActivateCredential(ESYS_CONTEXT *e, ESYS_TR ak, ESYS_TR ek, ESYS_TR s1,
                                       ESYS_TR s2, ESYS_TR s3, const TPM2B_ID_OBJECT *cred,
                                       const TPM2B_ENCRYPTED_SECRET *sec, TPM2B_DIGEST **out);
TSS2_RC __wrap_Esys_ActivateCredential(ESYS_CONTEXT *e, ESYS_TR ak, ESYS_TR ek, ESYS_TR s1,
                                       ESYS_TR s2, ESYS_TR s3, const TPM2B_ID_OBJECT *cred,
                                       const TPM2B_ENCRYPTED_SECRET *sec, TPM2B_DIGEST **out) {
        TSS2_RC rc = fake_enter(C_ACTIVATE);
        if (rc)
                return rc;
        *out = ALLOC(TPM2B_DIGEST);
        (*out)->size = 4;
        memcpy((*out)->buffer, "sec!", 4);
        return 0;
}

TSS2_RC __wrap_Esys_GetCapability(ESYS_CONTEXT *e, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                                  TPM2_CAP cap, UINT32 prop, UINT32 count, TPMI_YES_NO *more,
                                  TPMS_CAPABILITY_DATA **out);
TSS2_RC __wrap_Esys_GetCapability(ESYS_CONTEXT *e, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                                  TPM2_CAP cap, UINT32 prop, UINT32 count, TPMI_YES_NO *more,
                                  TPMS_CAPABILITY_DATA **out) {
        /* swtpm's values. */
        static const uint32_t v[] = { 0x49424d00, 0x53572020, 0x2054504d, 0, 0, 1, 0x20191023,
                                      0x163636 };
        TSS2_RC rc = fake_enter(C_GETCAP);
        if (rc)
                return rc;
        *out = ALLOC(TPMS_CAPABILITY_DATA);
        (*out)->capability = cap;
        (*out)->data.tpmProperties.count = ELEMENTSOF(v);
        for (unsigned i = 0; i < ELEMENTSOF(v); i++) {
                (*out)->data.tpmProperties.tpmProperty[i].property = TPM2_PT_MANUFACTURER + i;
                (*out)->data.tpmProperties.tpmProperty[i].value = v[i];
        }
        *more = 0;
        return 0;
}

/* ---- the tests ---- */

static tpm_ctx *fake_ctx(void) {
        static tpm_ctx t;
        t.n_ref = 1;
        t.esys = (ESYS_CONTEXT *) &t; /* never dereferenced by the fake */
        return &t;
}

static void fail_with(const char *call, unsigned nth, TSS2_RC rc) {
        fake_reset();
        fake.fail_call = call;
        fake.fail_nth = nth;
        fake.fail_rc = rc;
}

static bool clean(void) {
        return fake.loaded == 0 && fake.sessions == 0;
}

int main(void) {
        tpm_ctx *t = fake_ctx();
        tpm_key *key = NULL, *ak = NULL, *k = NULL;
        tpm_ak_params p = {};
        uint8_t *a = NULL, *s = NULL, d[32] = {}, q[32] = {};
        size_t al, sl;
        tpm_info info;

        /* Info. */
        fake_reset();
        is_ok(tpm_get_info(t, &info), "info");
        is_str(info.manufacturer_dec, "1229081856", "manufacturer as decimal");
        is_str(info.manufacturer_id, "IBM", "manufacturer id");
        is_str(info.model, "SW   TPM", "model from vendor strings");
        is_str(info.firmware, "8217.4131", "firmware major.minor");
        fail_with("GetCapability", 1, TSS2_TCTI_RC_IO_ERROR);
        is_err(tpm_get_info(t, &info), -EIO, "info: TCTI I/O error");
        ok(tpm_broken(t), "a TCTI I/O error breaks the context");
        ok(tpm_last_error(t) && strstr(tpm_last_error(t), "Esys_GetCapability: 0xa000a"), "... and is recorded");
        t->broken = false;

        /* Key creation. */
        fake_reset();
        is_ok(tpm_key_create(t, TPM_KEY_ECC_P256, &key), "key create");
        ok(clean(), "key create: SRK flushed");
        fail_with("Create", 1, 0x902);
        is_err(tpm_key_create(t, TPM_KEY_ECC_P256, &k), -ENOSPC, "key create: 0x902 -> -ENOSPC");
        ok(clean() && !k, "key create failure: SRK flushed, nothing returned");
        ok(tpm_broken(t), "0x902 breaks the context (leftovers to flush)");
        t->broken = false;
        fail_with("CreatePrimary", 1, 0x9a2);
        is_err(tpm_key_create(t, TPM_KEY_ECC_P256, &k), -EACCES, "owner auth set -> -EACCES");
        ok(!tpm_broken(t), "a refusal leaves the context intact");
        ok(clean() && !k, "nothing loaded, nothing returned");

        /* AK creation. */
        fake_reset();
        is_ok(tpm_ak_create(t, TPM_KEY_ECC_P256, &ak, &p), "AK create");
        ok(clean(), "AK create: everything flushed");
        ok(p.public && p.create_data && p.attest_len == 8 && p.signature, "AK params returned");
        ok(tpm_key_is_restricted(ak), "AK is restricted");
        tpm_ak_params_done(&p);
        fail_with("CertifyCreation", 1, 0x2c4);
        is_err(tpm_ak_create(t, TPM_KEY_ECC_P256, &k, &p), -EINVAL, "CertifyCreation 0x2c4");
        ok(clean() && !k && !p.public, "AK failure: AK flushed, nothing returned");
        fail_with("Load", 1, 0x902);
        is_err(tpm_ak_create(t, TPM_KEY_ECC_P256, &k, &p), -ENOSPC, "AK load 0x902");
        ok(clean() && !k, "AK load failure: SRK flushed");

        /* Certify: at most SRK + key + AK loaded at once. */
        fake_reset();
        is_ok(tpm_key_certify(t, key, ak, q, sizeof(q), &a, &al, &s, &sl), "certify");
        ok(clean(), "certify: everything flushed");
        is_int(fake.max_loaded, 3, "certify: three slots at most");
        free(a);
        free(s);
        a = s = NULL;
        fail_with("Load", 2, 0x902);
        is_err(tpm_key_certify(t, key, ak, q, sizeof(q), &a, &al, &s, &sl), -ENOSPC,
               "certify: second load 0x902");
        ok(clean() && !a && !s, "certify failure: first key and SRK flushed");
        fail_with("Certify", 1, 0x9a2);
        is_err(tpm_key_certify(t, key, ak, q, sizeof(q), &a, &al, &s, &sl), -EACCES,
               "certify: bad auth");
        ok(clean() && !a, "certify failure: both keys flushed");
        fake_reset();
        is_err(tpm_key_certify(t, key, key, q, sizeof(q), &a, &al, &s, &sl), -EPERM,
               "certify with an unrestricted signer refused");
        is_int(fake.esys_calls, 0, "... before any TPM call");

        /* Sign. */
        fake_reset();
        is_ok(tpm_key_sign_digest(t, key, NID_sha256, d, sizeof(d), &s, &sl), "sign");
        ok(clean(), "sign: flushed");
        free(s);
        s = NULL;
        fail_with("Sign", 1, 0x2d2);
        is_err(tpm_key_sign_digest(t, key, NID_sha256, d, sizeof(d), &s, &sl), -EOPNOTSUPP,
               "sign: scheme error");
        ok(clean() && !s, "sign failure: flushed");
        fake_reset();
        is_err(tpm_key_sign_digest(t, key, NID_sha384, d, 48, &s, &sl), -EOPNOTSUPP,
               "SHA-384 digest with a SHA-256 key");
        is_err(tpm_key_sign_digest(t, key, NID_sha256, d, 20, &s, &sl), -EINVAL, "short digest");
        is_err(tpm_key_sign_digest(t, ak, NID_sha256, d, 32, &s, &sl), -EPERM,
               "AKs do not sign arbitrary digests");
        is_int(fake.esys_calls, 0, "... before any TPM call");

        /* Signer: loads and flushes per signature. */
        {
                signer *sg = NULL;
                fake_reset();
                is_ok(tpm_key_signer(t, key, &sg), "signer");
                is_ok(signer_sign_digest(sg, NID_sha256, d, 32, &s, &sl), "signer signs");
                ok(clean(), "signer: nothing stays loaded");
                free(s);
                s = NULL;
                signer_free(sg);
                is_int(t->n_ref, 1, "signer dropped its context reference");
        }

        /* Activation, with a recreated high-range P-384 EK. */
        {
                tpm_ek ek = { .type = TPM_EK_ECC_P384 };
                uint8_t cred[] = { 0, 4, 1, 2, 3, 4 }, sec[] = { 0, 2, 9, 9 };
                uint8_t *out = NULL;
                size_t out_len;

                tpm_template_ek(TPM_EK_ECC_P384, &ek.public);
                fake_reset();
                is_ok(tpm_activate_credential(t, ak, &ek, cred, sizeof(cred), sec, sizeof(sec),
                                              &out, &out_len),
                      "activate");
                is_mem(out, out_len, "sec!", 4, "secret returned");
                ok(fake.policy_or_seen, "PolicyOR(PolicyA, PolicyC) for the H-3 EK");
                ok(clean(), "activate: AK, EK and sessions flushed");
                is_int(fake.calls[C_STARTAUTH], 2, "policy session + salted encrypt session");
                free(out);
                out = NULL;

                fail_with("StartAuthSession", 2, TSS2_ESYS_RC_MEMORY);
                is_err(tpm_activate_credential(t, ak, &ek, cred, sizeof(cred), sec, sizeof(sec),
                                               &out, &out_len),
                       -ENOMEM, "encrypt session failure");
                ok(clean() && !out, "encrypt session failure: everything flushed");
                fail_with("PolicySecret", 1, 0x98e);
                is_err(tpm_activate_credential(t, ak, &ek, cred, sizeof(cred), sec, sizeof(sec),
                                               &out, &out_len),
                       -EACCES, "PolicySecret auth failure");
                ok(clean() && !out, "policy failure: everything flushed");
                fail_with("ActivateCredential", 1, 0x2df);
                is_err(tpm_activate_credential(t, ak, &ek, cred, sizeof(cred), sec, sizeof(sec),
                                               &out, &out_len),
                       -EBADE, "integrity failure (other AK Name) -> -EBADE");
                ok(clean() && !out, "activation failure: everything flushed");
                fail_with("Load", 1, 0x902);
                is_err(tpm_activate_credential(t, ak, &ek, cred, sizeof(cred), sec, sizeof(sec),
                                               &out, &out_len),
                       -ENOSPC, "AK load failure");
                ok(clean(), "AK load failure: SRK flushed");

                fake_reset();
                is_err(tpm_activate_credential(t, ak, &ek, cred, sizeof(cred) - 1, sec,
                                               sizeof(sec), &out, &out_len),
                       -EBADMSG, "truncated credential");
                is_err(tpm_activate_credential(t, ak, &ek, cred, sizeof(cred), sec, 1, &out,
                                               &out_len),
                       -EBADMSG, "truncated secret");
                is_err(tpm_activate_credential(t, key, &ek, cred, sizeof(cred), sec, sizeof(sec),
                                               &out, &out_len),
                       -EPERM, "activation needs a restricted AK");
                is_int(fake.esys_calls, 0, "... before any TPM call");
        }

        tpm_key_free(key);
        tpm_key_free(ak);
        return tap_done();
}
