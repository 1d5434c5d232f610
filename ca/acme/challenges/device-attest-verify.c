/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verification half of device-attest-01 (see device-attest.h): the
 * AK certificate chain and profile, then the TPM2_Certify structures.
 * Pure: certificates and keys in, a verdict and the attested key out.
 */
#include <openssl/x509v3.h>

#include "crypto.h"
#include "device-attest.h"
#include "tpm2util.h"
#include "x509.h"

#define OID_TCG_KP_AIK_CERTIFICATE "2.23.133.8.3"

DEFINE_TRIVIAL_CLEANUP_FUNC(EXTENDED_KEY_USAGE *, EXTENDED_KEY_USAGE_free);

static int fail(const char **ret_why, const char *why) {
        if (ret_why)
                *ret_why = why;
        return -EPROTO;
}

static int load_chain(const device_attest_stmt *s, X509 **ret_leaf, STACK_OF(X509) **ret_untrusted,
                      const char **ret_why) {
        _cleanup_x509_ X509 *leaf = NULL;
        _cleanup_x509_stack_ STACK_OF(X509) *untrusted = sk_X509_new_null();
        int r;

        if (!untrusted)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_x5c; i++) {
                X509 *c = NULL;

                r = x509_cert_from_der(s->x5c[i].data, s->x5c[i].len, &c);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return fail(ret_why, i == 0 ? "the AK certificate (x5c[0]) does not parse"
                                                    : "an x5c intermediate certificate does not parse");
                if (i == 0)
                        leaf = c;
                else if (!sk_X509_push(untrusted, c)) {
                        X509_free(c);
                        return -ENOMEM;
                }
        }
        *ret_leaf = TAKE_PTR(leaf);
        *ret_untrusted = TAKE_PTR(untrusted);
        return 0;
}

static bool has_aik_eku(X509 *cert) {
        _cleanup_(EXTENDED_KEY_USAGE_freep) EXTENDED_KEY_USAGE *eku = NULL;
        _cleanup_(ASN1_OBJECT_freep) ASN1_OBJECT *aik = OBJ_txt2obj(OID_TCG_KP_AIK_CERTIFICATE, 1);
        int crit = 0;

        eku = X509_get_ext_d2i(cert, NID_ext_key_usage, &crit, NULL);
        if (!eku || !aik)
                return false;
        for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++)
                if (OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), aik) == 0)
                        return true;
        return false;
}

/* Section 1's profile of the AK certificate plus the identifier binding. */
static int check_ak_profile(X509 *ak, const char *identifier, const char **ret_why) {
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        bool any = false;
        int r;

        if (X509_get_version(ak) != X509_VERSION_3)
                return fail(ret_why, "the AK certificate is not X.509 v3");
        if (X509_NAME_entry_count(X509_get_subject_name(ak)) != 0)
                return fail(ret_why, "the AK certificate subject is not empty");
        if (X509_check_ca(ak) != 0)
                return fail(ret_why, "the AK certificate is a CA certificate");
        if (!has_aik_eku(ak))
                return fail(ret_why, "the AK certificate lacks the EKU tcg-kp-AIKCertificate (2.23.133.8.3)");
        r = x509_cert_get_sans(ak, &sans);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(ret_why, "the AK certificate subjectAltName does not parse");
        for (size_t i = 0; i < sans->n; i++)
                if (sans->items[i].type == X509_SAN_PERMANENT_ID)
                        any = true;
        if (!any)
                return fail(ret_why, "the AK certificate has no PermanentIdentifier subjectAltName");
        if (!x509_san_list_contains(sans, X509_SAN_PERMANENT_ID, identifier))
                return fail(ret_why, "the AK certificate's PermanentIdentifier is not the order's identifier");
        return 0;
}

static int check_alg(int64_t alg, EVP_PKEY *ak_pub, const char **ret_why) {
        crypto_key_type t = crypto_key_type_of(ak_pub);

        if (alg == DEVICE_ATTEST_COSE_ES256 && t == CRYPTO_KEY_EC_P256)
                return 0;
        if (alg == DEVICE_ATTEST_COSE_RS256 && EVP_PKEY_get_base_id(ak_pub) == EVP_PKEY_RSA)
                return 0;
        return fail(ret_why, "attStmt.alg does not match the AK certificate key");
}

int device_attest_verify(const device_attest_stmt *s, STACK_OF(X509) *roots, const char *identifier,
                         const char *key_authorization, time_t at, EVP_PKEY **ret_key,
                         const char **ret_why) {
        _cleanup_x509_ X509 *ak = NULL;
        _cleanup_x509_stack_ STACK_OF(X509) *untrusted = NULL;
        _cleanup_pkey_ EVP_PKEY *key = NULL;
        uint8_t extra[32];
        size_t extra_len = sizeof(extra);
        const char *why = NULL;
        EVP_PKEY *ak_pub;
        int r;

        if (!s || !identifier || !key_authorization || !ret_key)
                return -EINVAL;
        if (!roots || sk_X509_num(roots) == 0)
                return fail(ret_why, "no attestation roots are configured");
        r = load_chain(s, &ak, &untrusted, ret_why);
        if (r < 0)
                return r;
        if (x509_chain_verify(ak, untrusted, roots, at, false) < 0)
                return fail(ret_why, "the x5c chain does not verify to the attestation roots");
        r = check_ak_profile(ak, identifier, ret_why);
        if (r < 0)
                return r;
        ak_pub = X509_get0_pubkey(ak);
        if (!ak_pub)
                return fail(ret_why, "the AK certificate key is not usable");
        r = check_alg(s->alg, ak_pub, ret_why);
        if (r < 0)
                return r;

        r = crypto_digest(NID_sha256, key_authorization, strlen(key_authorization), extra, &extra_len);
        if (r < 0)
                return r;
        r = tpm2_check_certify(ak_pub, s->pub_area.data, s->pub_area.len, s->cert_info.data, s->cert_info.len,
                               s->sig.data, s->sig.len, extra, extra_len, &key, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(ret_why, why ?: "the TPM2_Certify statement does not verify");
        *ret_key = TAKE_PTR(key);
        return 0;
}
