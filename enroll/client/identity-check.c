/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The checks of an issued AK or device certificate (identity-check.h):
 * one sequence of checks, with the kind choosing what the leaf must carry
 * and what the refusal says.
 */
#include <openssl/objects.h>

#include "crypto.h"
#include "enroll/client/identity-check.h"
#include "log.h"
#include "x509.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EXTENDED_KEY_USAGE *, EXTENDED_KEY_USAGE_free);

typedef enum refusal {
        REFUSE_OTHER_KEY,
        REFUSE_BAD_EXTENSIONS,
        REFUSE_CA,
        REFUSE_BAD_SAN,
        REFUSE_NO_URI_SAN,
        REFUSE_NO_PERMANENT_ID,
        REFUSE_NO_EKU,
        REFUSE_NO_VERIFY,
        _REFUSE_MAX,
} refusal;

/* What each refusal says, per kind (AK, device). */
static const char *const refusals[_REFUSE_MAX][_IDENTITY_CERT_MAX] = {
        [REFUSE_OTHER_KEY] = { "the AK certificate is for another key",
                               "the device certificate is for another key" },
        [REFUSE_BAD_EXTENSIONS] = { "the AK certificate has malformed extensions",
                                    "the device certificate has malformed extensions" },
        [REFUSE_CA] = { "the AK certificate is a CA certificate", "the device certificate is a CA certificate" },
        [REFUSE_BAD_SAN] = { "the AK certificate's subjectAltName is malformed",
                             "the device certificate's subjectAltName is malformed" },
        [REFUSE_NO_URI_SAN] = { "the AK certificate has no URI SAN with this TPM's EK URI", NULL },
        [REFUSE_NO_PERMANENT_ID] = { "the AK certificate has no PermanentIdentifier SAN with this TPM's EK URI",
                                     "the device certificate has no PermanentIdentifier SAN with this TPM's EK URI" },
        [REFUSE_NO_EKU] = { "the AK certificate does not carry the extended key usage "
                            OID_TCG_KP_AIK_CERTIFICATE, NULL },
        [REFUSE_NO_VERIFY] = { "the AK certificate chain does not verify up to the given root",
                               "the device certificate does not verify to the root for client authentication" },
};

static int refuse(identity_cert kind, refusal what, int r, const char **ret_why) {
        const char *why = refusals[what][kind];

        if (ret_why)
                *ret_why = why;
        return log_debug_errno(r, "Certificate refused: %s", why);
}

static int has_eku(X509 *cert, const char *oid) {
        _cleanup_(EXTENDED_KEY_USAGE_freep) EXTENDED_KEY_USAGE *eku = NULL;
        _cleanup_(ASN1_OBJECT_freep) ASN1_OBJECT *want = NULL;
        int crit = -1;

        eku = X509_get_ext_d2i(cert, NID_ext_key_usage, &crit, NULL);
        if (!eku)
                return 0; /* absent, repeated or malformed */
        want = OBJ_txt2obj(oid, 1);
        if (!want)
                return -ENOMEM;
        for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++)
                if (OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), want) == 0)
                        return 1;
        return 0;
}

int identity_check_chain(identity_cert kind, STACK_OF(X509) *chain, EVP_PKEY *key, const char *ek_uri,
                         STACK_OF(X509) *roots, time_t at, const char **ret_why) {
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        bool ak = kind == IDENTITY_CERT_AK;
        EVP_PKEY *cert_key;
        X509 *leaf;
        int r;

        if (ret_why)
                *ret_why = NULL;
        if ((unsigned) kind >= _IDENTITY_CERT_MAX || !chain || sk_X509_num(chain) < 1 || !key || !ek_uri)
                return -EINVAL;
        leaf = sk_X509_value(chain, 0);

        cert_key = X509_get0_pubkey(leaf);
        if (!cert_key || crypto_pubkey_equal(cert_key, key) != 1)
                return refuse(kind, REFUSE_OTHER_KEY, -EBADE, ret_why);
        if (X509_get_extension_flags(leaf) & EXFLAG_INVALID)
                return refuse(kind, REFUSE_BAD_EXTENSIONS, -EPERM, ret_why);
        if (X509_check_ca(leaf) != 0)
                return refuse(kind, REFUSE_CA, -EPERM, ret_why);
        r = x509_cert_get_sans(leaf, &sans);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return refuse(kind, REFUSE_BAD_SAN, -EBADE, ret_why);
        if (ak && !x509_san_list_contains(sans, X509_SAN_URI, ek_uri))
                return refuse(kind, REFUSE_NO_URI_SAN, -EBADE, ret_why);
        if (!x509_san_list_contains(sans, X509_SAN_PERMANENT_ID, ek_uri))
                return refuse(kind, REFUSE_NO_PERMANENT_ID, -EBADE, ret_why);
        if (ak) {
                r = has_eku(leaf, OID_TCG_KP_AIK_CERTIFICATE);
                if (r < 0)
                        return r;
                if (r == 0)
                        return refuse(kind, REFUSE_NO_EKU, -EPERM, ret_why);
        }
        if (!roots)
                return 0;

        r = x509_chain_verify_stack(chain, roots, at, /* client_auth= */ !ak);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return refuse(kind, REFUSE_NO_VERIFY, -EKEYREJECTED, ret_why);
        return 0;
}
