/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CSRs (x509.h): built through a signer (the TBS is signed with
 * signer_sign_digest, so a TPM key can sign) and checked against its
 * public key, encoded as DER or PEM, and parsed from bounded DER or PEM
 * with their self-signature verified and no trailing data.
 */
#include <limits.h>
#include <openssl/pem.h>

#include "log.h"
#include "x509-internal.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(ASN1_BIT_STRING *, ASN1_BIT_STRING_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_ALGOR *, X509_ALGOR_free);

static void extensions_free(STACK_OF(X509_EXTENSION) *exts) {
        sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(STACK_OF(X509_EXTENSION) *, extensions_free);

/* ---- CSR building ---- */

static int csr_sign(X509_REQ *req, signer *s) {
        _cleanup_(x509_openssl_freep) unsigned char *tbs = NULL;
        _cleanup_free_ uint8_t *sig = NULL;
        _cleanup_(ASN1_BIT_STRING_freep) ASN1_BIT_STRING *bits = NULL;
        _cleanup_(X509_ALGOR_freep) X509_ALGOR *alg = NULL;
        EVP_PKEY *pub = signer_public_key(s);
        uint8_t digest[EVP_MAX_MD_SIZE];
        size_t digest_len, sig_len;
        int md = signer_default_md(s), sig_nid, tbs_len, r;

        if (OBJ_find_sigid_by_algs(&sig_nid, md, EVP_PKEY_get_base_id(pub)) != 1)
                return log_debug_errno(EOPNOTSUPP, "No signature algorithm for this key and digest.");

        tbs_len = i2d_re_X509_REQ_tbs(req, &tbs);
        if (tbs_len <= 0)
                return log_debug_errno(ENOMEM, "Encoding the CSR info failed: %s", crypto_last_error());
        r = crypto_digest(md, tbs, (size_t) tbs_len, digest, &digest_len);
        if (r < 0)
                return r;
        r = signer_sign_digest(s, md, digest, digest_len, &sig, &sig_len);
        if (r < 0)
                return log_debug_errno(r, "Signing the CSR failed: %m");
        if (sig_len > INT_MAX)
                return -EBADMSG;

        bits = ASN1_BIT_STRING_new();
        if (!bits || ASN1_BIT_STRING_set(bits, sig, (int) sig_len) != 1)
                return -ENOMEM;
        /* Every bit is used: stop OpenSSL from trimming trailing zero bytes
         * of the signature when it encodes the BIT STRING. */
        bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
        bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
        X509_REQ_set0_signature(req, TAKE_PTR(bits));

        alg = X509_ALGOR_new();
        if (!alg)
                return -ENOMEM;
        /* RFC 4055: RSA PKCS#1 v1.5 carries NULL parameters; RFC 5758:
         * ECDSA omits them. */
        if (X509_ALGOR_set0(alg, OBJ_nid2obj(sig_nid),
                            EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA ? V_ASN1_NULL : V_ASN1_UNDEF,
                            NULL) != 1)
                return -ENOMEM;
        if (X509_REQ_set1_signature_algo(req, alg) != 1)
                return -ENOMEM;

        /* A signer that signs with another key than it claims (a wrong TPM
         * handle, say) must fail here, not at the CA. */
        if (X509_REQ_verify(req, pub) != 1)
                return log_debug_errno(EBADMSG, "The signer's CSR signature does not verify: %s",
                                       crypto_last_error());
        return 0;
}

int x509_csr_build(signer *s, const char *cn, const x509_san *sans, size_t n_sans, uint8_t **ret_der,
                   size_t *ret_len) {
        _cleanup_(X509_REQ_freep) X509_REQ *req = NULL;
        _cleanup_(extensions_freep) STACK_OF(X509_EXTENSION) *exts = NULL;
        int r;

        if (!s || (!sans && n_sans > 0) || !ret_der || !ret_len)
                return -EINVAL;
        if (cn && (!*cn || strlen(cn) > 64)) /* RFC 5280 ub-common-name */
                return log_debug_errno(EINVAL, "CN \"%s\" is empty or longer than 64 bytes.", cn);

        req = X509_REQ_new();
        if (!req)
                return -ENOMEM;
        if (X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
            X509_REQ_set_pubkey(req, signer_public_key(s)) != 1)
                return log_debug_errno(ENOMEM, "Setting up the CSR failed: %s", crypto_last_error());
        if (cn && X509_NAME_add_entry_by_NID(X509_REQ_get_subject_name(req), NID_commonName,
                                             MBSTRING_UTF8, (const unsigned char *) cn, -1, -1, 0) != 1)
                return log_debug_errno(EINVAL, "Setting CN \"%s\" failed: %s", cn, crypto_last_error());

        if (n_sans > 0) {
                _cleanup_(GENERAL_NAMES_freep) GENERAL_NAMES *gens = NULL;

                r = x509_sans_to_general_names(sans, n_sans, &gens);
                if (r < 0)
                        return r;
                /* RFC 5280 4.2.1.6: with an empty subject the SAN extension
                 * is the identity and must be critical. */
                if (X509V3_add1_i2d(&exts, NID_subject_alt_name, gens, cn ? 0 : 1, X509V3_ADD_DEFAULT) != 1)
                        return log_debug_errno(ENOMEM, "Encoding the SANs failed: %s", crypto_last_error());
                if (X509_REQ_add_extensions(req, exts) != 1)
                        return log_debug_errno(ENOMEM, "Adding the extensionRequest failed: %s",
                                               crypto_last_error());
        }

        r = csr_sign(req, s);
        if (r < 0)
                return r;
        return x509_csr_to_der(req, ret_der, ret_len);
}

int x509_csr_to_der(X509_REQ *req, uint8_t **ret, size_t *ret_len) {
        _cleanup_free_ uint8_t *der = NULL;
        uint8_t *p;
        int n;

        if (!req || !ret || !ret_len)
                return -EINVAL;
        n = i2d_X509_REQ(req, NULL);
        if (n <= 0)
                return log_debug_errno(EIO, "Encoding the CSR failed: %s", crypto_last_error());
        der = malloc((size_t) n);
        if (!der)
                return -ENOMEM;
        p = der;
        if (i2d_X509_REQ(req, &p) != n)
                return -EIO;
        *ret = TAKE_PTR(der);
        *ret_len = (size_t) n;
        return 0;
}

/* ---- CSR encoding ---- */

int x509_csr_der_to_pem(const uint8_t *der, size_t len, char **ret) {
        _cleanup_bio_ BIO *bio = NULL;

        if (!der || !ret || len == 0 || len > LONG_MAX)
                return -EINVAL;
        bio = BIO_new(BIO_s_mem());
        if (!bio)
                return -ENOMEM;
        if (PEM_write_bio(bio, PEM_STRING_X509_REQ, "", der, (long) len) <= 0)
                return log_debug_errno(EIO, "Encoding the CSR as PEM failed: %s", crypto_last_error());
        return crypto_bio_to_string(bio, ret, NULL);
}

/* ---- CSR parsing ---- */

int x509_csr_parse_der(const uint8_t *der, size_t len, size_t max_len, X509_REQ **ret) {
        _cleanup_(X509_REQ_freep) X509_REQ *req = NULL;
        const unsigned char *p = der;
        EVP_PKEY *pub;

        if (!der || !ret)
                return -EINVAL;
        if (len > max_len || len > LONG_MAX)
                return log_debug_errno(E2BIG, "CSR of %zu bytes exceeds the limit of %zu.", len, max_len);
        if (len == 0)
                return -EBADMSG;

        req = d2i_X509_REQ(NULL, &p, (long) len);
        if (!req)
                return log_debug_errno(EBADMSG, "Malformed CSR: %s", crypto_last_error());
        if (p != der + len)
                return log_debug_errno(EBADMSG, "Trailing data after the CSR.");
        pub = X509_REQ_get0_pubkey(req);
        if (!pub)
                return log_debug_errno(EBADMSG, "CSR public key unusable: %s", crypto_last_error());
        if (X509_REQ_verify(req, pub) != 1)
                return log_debug_errno(EBADMSG, "CSR self-signature does not verify: %s",
                                       crypto_last_error());
        *ret = TAKE_PTR(req);
        return 0;
}

int x509_csr_pem_to_der(const char *pem, size_t len, size_t max_len, uint8_t **ret, size_t *ret_len) {
        _cleanup_bio_ BIO *bio = NULL;
        _cleanup_(x509_openssl_freep) char *name = NULL, *header = NULL;
        _cleanup_(x509_openssl_freep) unsigned char *der = NULL;
        long der_len = 0;
        uint8_t *copy;
        int r;

        if (!pem || !ret || !ret_len)
                return -EINVAL;
        /* Base64 grows by 4/3 plus line breaks and armor: bound the text
         * before decoding anything. */
        if (len > INT_MAX || len / 2 > max_len + 128)
                return log_debug_errno(E2BIG, "CSR PEM of %zu bytes exceeds the limit.", len);
        r = crypto_bio_from_mem(pem, len, &bio);
        if (r < 0)
                return r;
        if (PEM_read_bio(bio, &name, &header, &der, &der_len) != 1)
                return log_debug_errno(EBADMSG, "No PEM block: %s", crypto_last_error());
        if (!streq(name, PEM_STRING_X509_REQ) && !streq(name, PEM_STRING_X509_REQ_OLD))
                return log_debug_errno(EBADMSG, "PEM block is \"%s\", not a CSR.", name);
        if (header && *header)
                return log_debug_errno(EBADMSG, "CSR PEM with headers refused.");
        if (der_len <= 0)
                return -EBADMSG;
        copy = malloc((size_t) der_len);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, der, (size_t) der_len);
        *ret = copy;
        *ret_len = (size_t) der_len;
        return 0;
}

int x509_csr_parse_pem(const char *pem, size_t len, size_t max_len, X509_REQ **ret) {
        _cleanup_free_ uint8_t *der = NULL;
        size_t der_len;
        int r;

        if (!pem || !ret)
                return -EINVAL;
        r = x509_csr_pem_to_der(pem, len, max_len, &der, &der_len);
        if (r < 0)
                return r;
        return x509_csr_parse_der(der, der_len, max_len, ret);
}

int x509_sans_from_extensions(const STACK_OF(X509_EXTENSION) *exts, x509_san_list **ret) {
        _cleanup_(GENERAL_NAMES_freep) GENERAL_NAMES *gens = NULL;
        int idx;

        idx = exts ? X509v3_get_ext_by_NID(exts, NID_subject_alt_name, -1) : -1;
        if (idx >= 0) {
                if (X509v3_get_ext_by_NID(exts, NID_subject_alt_name, idx) >= 0)
                        return log_debug_errno(EBADMSG, "CSR requests two subjectAltName extensions.");
                gens = X509V3_EXT_d2i(sk_X509_EXTENSION_value(exts, idx));
                if (!gens)
                        return log_debug_errno(EBADMSG, "Malformed subjectAltName in CSR: %s",
                                               crypto_last_error());
        }
        if (!gens) {
                x509_san_list *l = calloc(1, sizeof(*l));
                if (!l)
                        return -ENOMEM;
                *ret = l;
                return 0;
        }
        return x509_sans_from_general_names(gens, ret);
}

int x509_csr_get_sans(X509_REQ *req, x509_san_list **ret) {
        _cleanup_(extensions_freep) STACK_OF(X509_EXTENSION) *exts = NULL;

        if (!req || !ret)
                return -EINVAL;
        /* NULL with an extension attribute present means it did not parse;
         * without one, older OpenSSL returns NULL for "no extensions". */
        exts = X509_REQ_get_extensions(req);
        if (!exts && (X509_REQ_get_attr_by_NID(req, NID_ext_req, -1) >= 0 ||
                      X509_REQ_get_attr_by_NID(req, NID_ms_ext_req, -1) >= 0))
                return log_debug_errno(EBADMSG, "Malformed extensionRequest: %s", crypto_last_error());
        (void) crypto_last_error();
        return x509_sans_from_extensions(exts, ret);
}

int x509_csr_get_cn(X509_REQ *req, char **ret) {
        if (!req)
                return -EINVAL;
        return x509_name_get_cn(X509_REQ_get_subject_name(req), ret);
}
