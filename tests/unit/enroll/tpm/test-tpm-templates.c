/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The object templates and EK policy digests (enroll/tpm-templates.c)
 * against fixed values: the TCG EK Credential Profile's PolicyA/B/C
 * digests, the marshalled SRK template of tpm2-openssl, and the EK and key
 * template fields.
 */
#include "enroll/tpm/tpm-ek.h"
#include "enroll/tpm/tpm-internal.h"
#include "enroll/tpm/tpm-key.h"
#include "tests/unit/tap.h"
#include "tpm2util.h"

static size_t unhex(const char *s, uint8_t *out) {
        size_t n = strlen(s) / 2;
        for (size_t i = 0; i < n; i++) {
                unsigned v;
                sscanf(s + 2 * i, "%2x", &v);
                out[i] = v;
        }
        return n;
}

static void check_digest(const TPM2B_DIGEST *d, const char *hex, const char *what) {
        uint8_t want[64];
        size_t n = unhex(hex, want);
        is_mem(d->buffer, d->size, want, n, what);
}

int main(void) {
        TPM2B_DIGEST a, b, c;
        TPM2B_PUBLIC t;
        uint8_t *buf = NULL, want[128];
        size_t len, n;

        /* TCG EK Credential Profile 2.x, policy digests. */
        is_ok(tpm_ek_policy_digests(TPM2_ALG_SHA256, &a, &b, &c), "SHA-256 policies");
        check_digest(&a, "837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa",
                     "PolicyA SHA-256");
        check_digest(&b, "ca3d0a99a2b93906f7a3342414efcfb3a385d44cd1fd459089d19b5071c0b7a0",
                     "PolicyB SHA-256");
        check_digest(&c, "3767e2edd43ff45a3a7e1eaefcef78643dca964632e7aad82c673a30d8633fde",
                     "PolicyC SHA-256");
        is_ok(tpm_ek_policy_digests(TPM2_ALG_SHA384, &a, &b, NULL), "SHA-384 policies");
        check_digest(&a,
                     "8bbf2266537c171cb56e403c4dc1d4b64f432611dc386e6f532050c3278c930e"
                     "143e8bb1133824ccb431053871c6db53",
                     "PolicyA SHA-384");
        check_digest(&b,
                     "b26e7d28d11a50bc53d882bcf5fd3a1a074148bb35d3b4e4cb1c0ad9bde419ca"
                     "cb47ba09699646150f9fc000f3f80e12",
                     "PolicyB SHA-384 (authPolicy of swtpm's P-384 EK)");
        is_err(tpm_ek_policy_digests(TPM2_ALG_SHA1, &a, NULL, NULL), -EOPNOTSUPP, "SHA-1 refused");

        /* The SRK: tpm2-openssl's ECC parent template for 0x40000001. */
        tpm_template_srk(&t);
        is_ok(tpm2_public_marshal(&t.publicArea, &buf, &len), "marshal SRK template");
        n = unhex("0023000b00030472000000060080004300100003001000000000", want);
        is_mem(buf, len, want, n, "SRK template bytes");
        free(buf);

        /* EK templates. */
        is_ok(tpm_template_ek(TPM_EK_RSA2048, &t), "L-1");
        is_int(t.publicArea.objectAttributes, 0x000300b2, "L-1 attributes");
        is_int(t.publicArea.unique.rsa.size, 256, "L-1 unique: 256 zero bytes");
        is_int(t.publicArea.parameters.rsaDetail.symmetric.keyBits.aes, 128, "L-1 AES-128");
        check_digest(&t.publicArea.authPolicy,
                     "837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa",
                     "L-1 authPolicy = PolicyA");
        is_ok(tpm_template_ek(TPM_EK_ECC_P256, &t), "L-2");
        is_int(t.publicArea.unique.ecc.x.size, 32, "L-2 unique x: 32 zero bytes");
        is_int(t.publicArea.unique.ecc.y.size, 32, "L-2 unique y: 32 zero bytes");
        is_int(t.publicArea.parameters.eccDetail.curveID, TPM2_ECC_NIST_P256, "L-2 P-256");
        is_ok(tpm_template_ek(TPM_EK_ECC_P384, &t), "H-3");
        is_int(t.publicArea.objectAttributes, 0x000300f2, "H-3 attributes (userWithAuth)");
        is_int(t.publicArea.nameAlg, TPM2_ALG_SHA384, "H-3 nameAlg SHA-384");
        is_int(t.publicArea.parameters.eccDetail.symmetric.keyBits.aes, 256, "H-3 AES-256");
        is_int(t.publicArea.unique.ecc.x.size, 0, "H-3 unique empty");
        is_err(tpm_template_ek(_TPM_EK_TYPE_MAX, &t), -EINVAL, "unknown EK type");

        /* Keys of protocols.md 2 and AKs. */
        is_ok(tpm_template_key(TPM_KEY_ECC_P256, false, &t), "ECC device key");
        is_int(t.publicArea.objectAttributes, 0x00040472, "device key: sign fixedTPM fixedParent "
                                                          "sensitiveDataOrigin userWithAuth noDA");
        is_int(t.publicArea.parameters.eccDetail.scheme.scheme, TPM2_ALG_ECDSA, "ECDSA");
        is_int(t.publicArea.parameters.eccDetail.scheme.details.ecdsa.hashAlg, TPM2_ALG_SHA256,
               "ECDSA SHA-256");
        is_ok(tpm_template_key(TPM_KEY_RSA_2048, true, &t), "RSA AK");
        is_int(t.publicArea.objectAttributes, 0x00050472, "AK: + restricted");
        is_int(t.publicArea.parameters.rsaDetail.scheme.scheme, TPM2_ALG_RSASSA, "RSASSA");
        is_int(t.publicArea.parameters.rsaDetail.keyBits, 2048, "RSA-2048");
        is_err(tpm_template_key(_TPM_KEY_ALG_MAX, false, &t), -EINVAL, "unknown key alg");

        is_int(tpm_key_alg_from_string("p256"), TPM_KEY_ECC_P256, "alg p256");
        is_int(tpm_key_alg_from_string("rsa2048"), TPM_KEY_RSA_2048, "alg rsa2048");
        is_err(tpm_key_alg_from_string("ed25519"), -EINVAL, "alg ed25519 refused");
        is_int(tpm_ek_type_from_string("ecc384"), TPM_EK_ECC_P384, "EK type ecc384");
        is_str(tpm_ek_type_to_string(TPM_EK_RSA2048), "rsa2048", "EK type name");
        return tap_done();
}
