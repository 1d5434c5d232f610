/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Building and signing certificates (cert-build.h). This is the CA's
 * signing core, so it uses OpenSSL's X509 API directly; keys, PEM and DER
 * conversions go through common/.
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "cert-build.h"
#include "log.h"

#define CERT_BACKDATE 60

cert_profile cert_profile_leaf(EVP_PKEY *key, unsigned ext_key_usage, uint64_t lifetime) {
        cert_profile p = {
                .lifetime = lifetime,
                .key_usage = CERT_KU_DIGITAL_SIGNATURE,
                .ext_key_usage = ext_key_usage,
                .path_len = -1,
        };

        if (key && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA)
                p.key_usage |= CERT_KU_KEY_ENCIPHERMENT;
        return p;
}

static int add_ext_nid(X509 *cert, X509V3_CTX *ctx, int nid, const char *value) {
        X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
        int ok;

        if (!ext) {
                log_debug("x509: extension %s=\"%s\": %s", OBJ_nid2sn(nid), value, crypto_last_error());
                return -EINVAL;
        }
        ok = X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
        return ok ? 0 : -ENOMEM;
}

/* SANs are encoded (and checked) by common/x509-san.c, the same code that
 * reads them back, so what we issue is what our parsers accept. */
static int add_sans(X509 *cert, const x509_san *sans, size_t n, bool critical) {
        _cleanup_(GENERAL_NAMES_freep) GENERAL_NAMES *names = NULL;
        int r;

        r = x509_sans_to_general_names(sans, n, &names);
        if (r < 0)
                return r;
        if (!X509_add1_ext_i2d(cert, NID_subject_alt_name, names, critical ? 1 : 0, X509V3_ADD_DEFAULT))
                return -ENOMEM;
        return 0;
}

static bool url_usable(const char *url) {
        /* Plain http:// (relying parties fetch without TLS), and nothing
         * the extension syntax of X509V3_EXT_conf_nid would split on. */
        return strncmp(url, "http://", 7) == 0 && strlen(url) < 512 && !strpbrk(url, ", \t\r\n");
}

static int add_revocation_exts(X509 *cert, X509V3_CTX *ctx, const cert_profile *p) {
        char buf[600];
        int r;

        if (p->crl_url) {
                if (!url_usable(p->crl_url))
                        return -EINVAL;
                snprintf(buf, sizeof(buf), "URI:%s", p->crl_url);
                r = add_ext_nid(cert, ctx, NID_crl_distribution_points, buf);
                if (r < 0)
                        return r;
        }
        if (p->ocsp_url) {
                if (!url_usable(p->ocsp_url))
                        return -EINVAL;
                snprintf(buf, sizeof(buf), "OCSP;URI:%s", p->ocsp_url);
                r = add_ext_nid(cert, ctx, NID_info_access, buf);
                if (r < 0)
                        return r;
        }
        if (p->ocsp_nocheck) {
                r = add_ext_nid(cert, ctx, NID_id_pkix_OCSP_noCheck, "ignored");
                if (r < 0)
                        return r;
        }
        return 0;
}

static int random_serial(ASN1_INTEGER **ret) {
        _cleanup_(BN_freep) BIGNUM *bn = NULL;
        uint8_t bytes[16];
        ASN1_INTEGER *ai;
        int r;

        do {
                r = crypto_random(bytes, sizeof(bytes));
                if (r < 0)
                        return r;
                BN_free(bn);
                bn = BN_bin2bn(bytes, sizeof(bytes), NULL);
                if (!bn)
                        return -ENOMEM;
        } while (BN_is_zero(bn));
        ai = BN_to_ASN1_INTEGER(bn, NULL);
        if (!ai)
                return -ENOMEM;
        *ret = ai;
        return 0;
}

/* The subject key into cert. For a named-curve EC key, the SPKI is
 * written from the key's encoded point and curve, as the key already
 * holds them: X509_set_pubkey() would encode the key and decode the
 * encoding again through OpenSSL's encoder and decoder frameworks, a
 * large part of an issuance's CPU time. Only for a profile with
 * encode_only (the X509 then holds no decoded key); other keys and
 * profiles take X509_set_pubkey(). */
static int set_subject_key(X509 *cert, EVP_PKEY *key, bool encode_only) {
        unsigned char *point = NULL;
        size_t len = 0;
        char group[64];
        int nid;

        if (!encode_only || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
            !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) ||
            (nid = OBJ_sn2nid(group)) == NID_undef)
                return X509_set_pubkey(cert, key) ? 0 : -EINVAL;
        if (!EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0, &len) || len == 0 ||
            len > 1024)
                return -EINVAL;
        point = OPENSSL_malloc(len);
        if (!point)
                return -ENOMEM;
        if (!EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, len, &len) ||
            !X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(cert), OBJ_nid2obj(NID_X9_62_id_ecPublicKey), V_ASN1_OBJECT,
                                    OBJ_nid2obj(nid), point, (int) len)) {
                OPENSSL_free(point);
                return -EINVAL;
        }
        return 0;
}

static const EVP_MD *digest_for(EVP_PKEY *signing_key) {
        return crypto_key_type_of(signing_key) == CRYPTO_KEY_EC_P384 ? EVP_sha384() : EVP_sha256();
}

int cert_create(X509 *issuer_cert, EVP_PKEY *issuer_key, EVP_PKEY *subject_key, const char *subject_cn,
                const x509_san *sans, size_t n_sans, const cert_profile *p, X509 **ret) {
        _cleanup_x509_ X509 *cert = NULL;
        X509_NAME *name;
        ASN1_INTEGER *serial = NULL;
        X509V3_CTX ctx;
        time_t nb, na, now = time(NULL);
        char buf[128];
        int r;

        if (!issuer_key || !subject_key || !p || p->lifetime == 0 || (!issuer_cert && !subject_cn))
                return -EINVAL;
        if (!subject_cn && n_sans == 0)
                return -EINVAL; /* RFC 5280: empty subject needs a SAN */

        cert = X509_new();
        if (!cert || !X509_set_version(cert, X509_VERSION_3))
                return -ENOMEM;
        r = random_serial(&serial);
        if (r < 0)
                return r;
        if (!X509_set_serialNumber(cert, serial)) {
                ASN1_INTEGER_free(serial);
                return -ENOMEM;
        }
        ASN1_INTEGER_free(serial);

        nb = p->not_before ?: now - CERT_BACKDATE;
        if ((uint64_t) nb + p->lifetime > (uint64_t) INT64_MAX / 2)
                return -EINVAL;
        na = nb + (time_t) p->lifetime;
        if (issuer_cert) {
                /* Never outlive the issuer. */
                const ASN1_TIME *ina = X509_get0_notAfter(issuer_cert);
                struct tm tm;
                if (ASN1_TIME_to_tm(ina, &tm) == 1) {
                        time_t limit = timegm(&tm);
                        if (na > limit)
                                na = limit;
                }
        }
        if (!ASN1_TIME_set(X509_getm_notBefore(cert), nb) || !ASN1_TIME_set(X509_getm_notAfter(cert), na))
                return -ENOMEM;

        name = X509_get_subject_name(cert);
        if (subject_cn && !X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                                      (const unsigned char *) subject_cn, -1, -1, 0))
                return -EINVAL;
        if (!X509_set_issuer_name(cert, issuer_cert ? X509_get_subject_name(issuer_cert) : name))
                return -ENOMEM;
        r = set_subject_key(cert, subject_key, p->encode_only);
        if (r < 0)
                return r;

        X509V3_set_ctx(&ctx, issuer_cert ?: cert, cert, NULL, NULL, 0);
        if (p->is_ca) {
                if (p->path_len >= 0)
                        snprintf(buf, sizeof(buf), "critical,CA:TRUE,pathlen:%d", p->path_len);
                else
                        snprintf(buf, sizeof(buf), "critical,CA:TRUE");
        } else
                snprintf(buf, sizeof(buf), "critical,CA:FALSE");
        r = add_ext_nid(cert, &ctx, NID_basic_constraints, buf);
        if (r < 0)
                return r;

        if (p->key_usage) {
                snprintf(buf, sizeof(buf), "critical%s%s%s%s%s",
                         p->key_usage & CERT_KU_DIGITAL_SIGNATURE ? ",digitalSignature" : "",
                         p->key_usage & CERT_KU_KEY_ENCIPHERMENT ? ",keyEncipherment" : "",
                         p->key_usage & CERT_KU_KEY_AGREEMENT ? ",keyAgreement" : "",
                         p->key_usage & CERT_KU_KEY_CERT_SIGN ? ",keyCertSign" : "",
                         p->key_usage & CERT_KU_CRL_SIGN ? ",cRLSign" : "");
                r = add_ext_nid(cert, &ctx, NID_key_usage, buf);
                if (r < 0)
                        return r;
        }
        if (p->ext_key_usage) {
                snprintf(buf, sizeof(buf), "%s%s%s%s",
                         p->ext_key_usage & CERT_EKU_TCG_AIK ? "2.23.133.8.3," : "",
                         p->ext_key_usage & CERT_EKU_SERVER_AUTH ? "serverAuth," : "",
                         p->ext_key_usage & CERT_EKU_CLIENT_AUTH ? "clientAuth," : "",
                         p->ext_key_usage & CERT_EKU_OCSP_SIGNING ? "OCSPSigning," : "");
                buf[strlen(buf) - 1] = '\0';
                r = add_ext_nid(cert, &ctx, NID_ext_key_usage, buf);
                if (r < 0)
                        return r;
        }
        r = add_ext_nid(cert, &ctx, NID_subject_key_identifier, "hash");
        if (r < 0)
                return r;
        if (issuer_cert) {
                r = add_ext_nid(cert, &ctx, NID_authority_key_identifier, "keyid:always");
                if (r < 0)
                        return r;
        }
        if (n_sans > 0) {
                r = add_sans(cert, sans, n_sans, !subject_cn);
                if (r < 0)
                        return r;
        }
        r = add_revocation_exts(cert, &ctx, p);
        if (r < 0)
                return r;

        if (X509_sign(cert, issuer_key, digest_for(issuer_key)) <= 0) {
                log_debug("x509: signing failed: %s", crypto_last_error());
                return -EINVAL;
        }
        *ret = TAKE_PTR(cert);
        return 0;
}
