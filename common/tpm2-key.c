/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TPM public areas and signatures seen through OpenSSL: TPMT_PUBLIC ->
 * EVP_PKEY, key strength policy, TPMT_SIGNATURE verification and
 * conversion to the signer formats, and the EK URI.
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "b64.h"
#include "crypto.h"
#include "log.h"
#include "tpm2-internal.h"
#include "tpm2util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(OSSL_PARAM_BLD *, OSSL_PARAM_BLD_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(OSSL_PARAM *, OSSL_PARAM_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(ECDSA_SIG *, ECDSA_SIG_free);

static int curve_info(TPM2_ECC_CURVE curve, const char **ret_name, size_t *ret_field) {
        switch (curve) {
        case TPM2_ECC_NIST_P256:
                *ret_name = SN_X9_62_prime256v1;
                *ret_field = 32;
                return 0;
        case TPM2_ECC_NIST_P384:
                *ret_name = SN_secp384r1;
                *ret_field = 48;
                return 0;
        case TPM2_ECC_NIST_P521:
                *ret_name = SN_secp521r1;
                *ret_field = 66;
                return 0;
        default:
                return -EOPNOTSUPP;
        }
}

static int pkey_from_params(const char *type, OSSL_PARAM_BLD *bld, EVP_PKEY **ret) {
        _cleanup_(OSSL_PARAM_freep) OSSL_PARAM *params = NULL;
        _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = NULL;
        EVP_PKEY *pkey = NULL;

        params = OSSL_PARAM_BLD_to_param(bld);
        if (!params)
                return -ENOMEM;
        ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
        if (!ctx)
                return -ENOMEM;
        if (EVP_PKEY_fromdata_init(ctx) != 1 ||
            EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
                return log_debug_errno(EBADMSG, "TPM public key refused by OpenSSL: %s",
                                       tpm2_ossl_error());
        *ret = pkey;
        return 0;
}

static int rsa_to_pkey(const TPMT_PUBLIC *pub, EVP_PKEY **ret) {
        _cleanup_(OSSL_PARAM_BLD_freep) OSSL_PARAM_BLD *bld = NULL;
        _cleanup_(BN_freep) BIGNUM *n = NULL, *e = NULL;
        const TPMS_RSA_PARMS *p = &pub->parameters.rsaDetail;
        uint32_t exp = p->exponent ? p->exponent : 65537;

        if (p->keyBits < 1024 || p->keyBits > 16384 || p->keyBits % 8 != 0)
                return log_debug_errno(EOPNOTSUPP, "RSA key size %u unsupported", p->keyBits);
        if (pub->unique.rsa.size != p->keyBits / 8)
                return log_debug_errno(EBADMSG, "RSA modulus has %u bytes, keyBits says %u",
                                       pub->unique.rsa.size, p->keyBits);
        if (!(pub->unique.rsa.buffer[0] & 0x80))
                return log_debug_errno(EBADMSG, "RSA modulus shorter than keyBits");
        if (exp < 3 || !(exp & 1))
                return log_debug_errno(EBADMSG, "RSA exponent %u invalid", exp);
        n = BN_bin2bn(pub->unique.rsa.buffer, pub->unique.rsa.size, NULL);
        e = BN_new();
        bld = OSSL_PARAM_BLD_new();
        if (!n || !e || !bld || BN_set_word(e, exp) != 1 ||
            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1)
                return -ENOMEM;
        return pkey_from_params("RSA", bld, ret);
}

static int ecc_to_pkey(const TPMT_PUBLIC *pub, EVP_PKEY **ret) {
        _cleanup_(OSSL_PARAM_BLD_freep) OSSL_PARAM_BLD *bld = NULL;
        const TPMS_ECC_POINT *pt = &pub->unique.ecc;
        uint8_t point[1 + 2 * 66] = { 0x04 };
        const char *group;
        size_t field;
        int r;

        r = curve_info(pub->parameters.eccDetail.curveID, &group, &field);
        if (r < 0)
                return log_debug_errno(r, "ECC curve 0x%04x unsupported",
                                       pub->parameters.eccDetail.curveID);
        if (pt->x.size == 0 || pt->x.size > field || pt->y.size == 0 || pt->y.size > field)
                return log_debug_errno(EBADMSG, "ECC point coordinates of %u/%u bytes",
                                       pt->x.size, pt->y.size);
        /* Left-pad: a TPM may drop leading zero bytes of a coordinate. */
        memcpy(point + 1 + field - pt->x.size, pt->x.buffer, pt->x.size);
        memcpy(point + 1 + 2 * field - pt->y.size, pt->y.buffer, pt->y.size);

        bld = OSSL_PARAM_BLD_new();
        if (!bld ||
            OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
            OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
                                             1 + 2 * field) != 1)
                return -ENOMEM;
        /* EVP_PKEY_fromdata checks that the point is on the curve. */
        return pkey_from_params("EC", bld, ret);
}

int tpm2_public_to_pkey(const TPMT_PUBLIC *pub, EVP_PKEY **ret) {
        if (!pub || !ret)
                return -EINVAL;
        switch (pub->type) {
        case TPM2_ALG_RSA:
                return rsa_to_pkey(pub, ret);
        case TPM2_ALG_ECC:
                return ecc_to_pkey(pub, ret);
        default:
                return log_debug_errno(EOPNOTSUPP, "TPM key type 0x%04x unsupported", pub->type);
        }
}

int tpm2_public_check_strength(const TPMT_PUBLIC *pub) {
        if (!pub)
                return -EINVAL;
        switch (pub->type) {
        case TPM2_ALG_RSA:
                return pub->parameters.rsaDetail.keyBits >= 2048 ? 0 : -EPERM;
        case TPM2_ALG_ECC:
                switch (pub->parameters.eccDetail.curveID) {
                case TPM2_ECC_NIST_P256:
                case TPM2_ECC_NIST_P384:
                case TPM2_ECC_NIST_P521:
                        return 0;
                case TPM2_ECC_NIST_P192:
                case TPM2_ECC_NIST_P224:
                        return -EPERM;
                default:
                        return -EOPNOTSUPP;
                }
        default:
                return -EOPNOTSUPP;
        }
}

static int ecdsa_sig_to_der(const TPMS_SIGNATURE_ECC *e, uint8_t **ret, size_t *ret_len) {
        if (e->signatureR.size == 0 || e->signatureS.size == 0)
                return log_debug_errno(EBADMSG, "ECDSA signature with empty r or s");
        return crypto_ecdsa_rs_to_der(e->signatureR.buffer, e->signatureR.size, e->signatureS.buffer,
                                      e->signatureS.size, ret, ret_len);
}

/* Hash algorithm and the signer-format signature of a TPMT_SIGNATURE. */
int tpm2_signature_to_der(const TPMT_SIGNATURE *sig, uint8_t **ret, size_t *ret_len,
                          int *ret_md_nid) {
        _cleanup_free_ uint8_t *b = NULL;
        size_t len = 0;
        int nid, r;

        if (!sig || !ret || !ret_len)
                return -EINVAL;
        switch (sig->sigAlg) {
        case TPM2_ALG_ECDSA:
                nid = tpm2_hash_alg_to_nid(sig->signature.ecdsa.hash);
                if (nid < 0)
                        return nid;
                r = ecdsa_sig_to_der(&sig->signature.ecdsa, &b, &len);
                if (r < 0)
                        return r;
                break;
        case TPM2_ALG_RSASSA:
        case TPM2_ALG_RSAPSS:
                nid = tpm2_hash_alg_to_nid(sig->signature.rsassa.hash);
                if (nid < 0)
                        return nid;
                len = sig->signature.rsassa.sig.size;
                if (len == 0)
                        return log_debug_errno(EBADMSG, "empty RSA signature");
                b = malloc(len);
                if (!b)
                        return -ENOMEM;
                memcpy(b, sig->signature.rsassa.sig.buffer, len);
                break;
        default:
                return log_debug_errno(EOPNOTSUPP, "signature scheme 0x%04x unsupported",
                                       sig->sigAlg);
        }
        if (ret_md_nid)
                *ret_md_nid = nid;
        *ret_len = len;
        *ret = TAKE_PTR(b);
        return 0;
}

int tpm2_signature_verify(EVP_PKEY *pub, const TPMT_SIGNATURE *sig, const uint8_t *data,
                          size_t len) {
        _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *md_ctx = NULL;
        _cleanup_free_ uint8_t *s = NULL;
        EVP_PKEY_CTX *pctx = NULL;
        int key_id, md_nid, r;
        size_t slen;

        if (!pub || !sig || (!data && len > 0))
                return -EINVAL;
        r = tpm2_signature_to_der(sig, &s, &slen, &md_nid);
        if (r < 0)
                return r == -EBADMSG ? -EKEYREJECTED : r;

        key_id = EVP_PKEY_get_base_id(pub);
        if (sig->sigAlg == TPM2_ALG_ECDSA ? key_id != EVP_PKEY_EC : key_id != EVP_PKEY_RSA)
                return log_debug_errno(EKEYREJECTED, "signature scheme 0x%04x does not fit the key",
                                       sig->sigAlg);

        md_ctx = EVP_MD_CTX_new();
        if (!md_ctx)
                return -ENOMEM;
        if (EVP_DigestVerifyInit(md_ctx, &pctx, EVP_get_digestbynid(md_nid), NULL, pub) != 1)
                return log_debug_errno(ENOMEM, "DigestVerifyInit: %s", tpm2_ossl_error());
        if (sig->sigAlg == TPM2_ALG_RSAPSS &&
            (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1))
                return -ENOMEM;
        if (sig->sigAlg == TPM2_ALG_RSASSA &&
            EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
                return -ENOMEM;
        if (EVP_DigestVerify(md_ctx, s, slen, data, len) != 1)
                return log_debug_errno(EKEYREJECTED, "TPM signature does not verify: %s",
                                       tpm2_ossl_error());
        return 0;
}

const char *tpm2_ossl_error(void) {
        static char buf[256];
        unsigned long e = ERR_get_error();

        if (e == 0)
                return "no OpenSSL error";
        ERR_error_string_n(e, buf, sizeof(buf));
        ERR_clear_error();
        return buf;
}

int tpm2_ek_uri(EVP_PKEY *ek, char **ret) {
        _cleanup_free_ char *b64 = NULL, *uri = NULL;
        unsigned char *der = NULL;
        uint8_t digest[32];
        unsigned dlen = 0;
        int n, r;

        if (!ek || !ret)
                return -EINVAL;
        n = i2d_PUBKEY(ek, &der);
        if (n <= 0)
                return log_debug_errno(EINVAL, "EK has no SPKI encoding: %s", tpm2_ossl_error());
        r = EVP_Digest(der, (size_t) n, digest, &dlen, EVP_sha256(), NULL);
        OPENSSL_free(der);
        if (r != 1)
                return -ENOMEM;
        r = b64_encode(B64_STD, digest, dlen, &b64);
        if (r < 0)
                return r;
        if (asprintf(&uri, "urn:ek:sha256:%s", b64) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(uri);
        return 0;
}
