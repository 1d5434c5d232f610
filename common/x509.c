/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Certificates and CSRs over OpenSSL: CSR building through a signer (the
 * TBS is signed with signer_sign_digest, so a TPM key can sign), SAN
 * encoding and decoding including RFC 4043 PermanentIdentifier (and the
 * TCG TPM directoryName, through x509-tpm.c), bounded
 * DER/PEM parsing, and chain verification. Parsers treat their input as
 * hostile: exact lengths, no trailing data, malformed names refused.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <openssl/asn1t.h>
#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include "log.h"
#include "x509-internal.h"

/* RFC 4043 section 2:
 *   PermanentIdentifier ::= SEQUENCE {
 *      identifierValue UTF8String OPTIONAL,
 *      assigner        OBJECT IDENTIFIER OPTIONAL }
 */
typedef struct PERMANENT_IDENTIFIER {
        ASN1_UTF8STRING *identifierValue;
        ASN1_OBJECT *assigner;
} PERMANENT_IDENTIFIER;

ASN1_SEQUENCE(PERMANENT_IDENTIFIER) = {
        ASN1_OPT(PERMANENT_IDENTIFIER, identifierValue, ASN1_UTF8STRING),
        ASN1_OPT(PERMANENT_IDENTIFIER, assigner, ASN1_OBJECT),
} static_ASN1_SEQUENCE_END(PERMANENT_IDENTIFIER)

IMPLEMENT_STATIC_ASN1_ALLOC_FUNCTIONS(PERMANENT_IDENTIFIER)

DEFINE_TRIVIAL_CLEANUP_FUNC(PERMANENT_IDENTIFIER *, PERMANENT_IDENTIFIER_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(GENERAL_NAME *, GENERAL_NAME_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(ASN1_TYPE *, ASN1_TYPE_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(ASN1_BIT_STRING *, ASN1_BIT_STRING_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_ALGOR *, X509_ALGOR_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(ASN1_OCTET_STRING *, ASN1_OCTET_STRING_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(ASN1_IA5STRING *, ASN1_IA5STRING_free);

static void extensions_free(STACK_OF(X509_EXTENSION) *exts) {
        sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(STACK_OF(X509_EXTENSION) *, extensions_free);

static const char *strna(const char *s) {
        return s ?: "n/a";
}

static void openssl_freep(void *p) {
        OPENSSL_free(*(void **) p);
}

/* ---- SAN lists ---- */

void x509_san_list_free(x509_san_list *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].value);
                free(l->items[i].assigner);
                x509_tpm_attrs_done(&l->items[i].tpm);
        }
        free(l->items);
        free(l);
}

bool x509_san_list_contains(const x509_san_list *l, x509_san_type type, const char *value) {
        if (!l || !value)
                return false;
        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].type == type && streq_ptr(l->items[i].value, value))
                        return true;
        return false;
}

/* Takes ownership of value, assigner and tpm's strings on success only. */
static int san_list_add(x509_san_list *l, x509_san_type type, char *value, char *assigner,
                        const x509_tpm_attrs *tpm) {
        x509_san *items;

        items = reallocarray(l->items, l->n + 1, sizeof(*items));
        if (!items)
                return -ENOMEM;
        l->items = items;
        l->items[l->n++] = (x509_san) {
                .type = type, .value = value, .assigner = assigner, .tpm = tpm ? *tpm : (x509_tpm_attrs) {},
        };
        return 0;
}

/* IA5String names (DNS, URI, email) must be 7-bit and free of NUL, or a
 * C string comparison would see something else than the certificate says. */
static int ia5_to_string(const ASN1_STRING *s, char **ret) {
        const unsigned char *d = ASN1_STRING_get0_data(s);
        int len = ASN1_STRING_length(s);
        char *out;

        if (len < 0)
                return -EBADMSG;
        for (int i = 0; i < len; i++)
                if (d[i] == 0 || d[i] >= 0x80)
                        return log_debug_errno(EBADMSG, "Name contains a NUL or non-ASCII byte.");
        out = strndup((const char *) d, (size_t) len);
        if (!out)
                return -ENOMEM;
        *ret = out;
        return 0;
}

/* UTF8String to C string: must not contain NUL. */
static int utf8_to_string(const ASN1_STRING *s, char **ret) {
        const unsigned char *d = ASN1_STRING_get0_data(s);
        int len = ASN1_STRING_length(s);
        char *out;

        if (len < 0 || memchr(d, 0, (size_t) len))
                return log_debug_errno(EBADMSG, "UTF8String contains a NUL byte.");
        out = strndup((const char *) d, (size_t) len);
        if (!out)
                return -ENOMEM;
        *ret = out;
        return 0;
}

static int oid_to_string(const ASN1_OBJECT *obj, char **ret) {
        _cleanup_free_ char *buf = NULL;
        int n;

        n = OBJ_obj2txt(NULL, 0, obj, 1);
        if (n <= 0)
                return -EBADMSG;
        buf = malloc((size_t) n + 1);
        if (!buf)
                return -ENOMEM;
        if (OBJ_obj2txt(buf, n + 1, obj, 1) != n)
                return -EBADMSG;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int permanent_id_decode(const ASN1_TYPE *value, char **ret_value, char **ret_assigner) {
        _cleanup_(PERMANENT_IDENTIFIER_freep) PERMANENT_IDENTIFIER *pi = NULL;
        _cleanup_free_ char *v = NULL, *a = NULL;
        int r;

        if (!value || value->type != V_ASN1_SEQUENCE || !value->value.sequence)
                return log_debug_errno(EBADMSG, "PermanentIdentifier is not a SEQUENCE.");
        pi = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PERMANENT_IDENTIFIER), value);
        if (!pi)
                return log_debug_errno(EBADMSG, "Malformed PermanentIdentifier: %s",
                                       crypto_last_error());
        /* An absent identifierValue reads as "", so callers always get a string. */
        if (pi->identifierValue)
                r = utf8_to_string(pi->identifierValue, &v);
        else
                r = (v = strdup("")) ? 0 : -ENOMEM;
        if (r < 0)
                return r;
        if (pi->assigner) {
                r = oid_to_string(pi->assigner, &a);
                if (r < 0)
                        return r;
        }
        *ret_value = TAKE_PTR(v);
        *ret_assigner = TAKE_PTR(a);
        return 0;
}

static int ip_to_string(const ASN1_OCTET_STRING *ip, char **ret) {
        char buf[INET6_ADDRSTRLEN];
        int len = ASN1_STRING_length(ip);
        int af;

        if (len == 4)
                af = AF_INET;
        else if (len == 16)
                af = AF_INET6;
        else
                return log_debug_errno(EBADMSG, "IP address SAN of %d bytes.", len);
        if (!inet_ntop(af, ASN1_STRING_get0_data(ip), buf, sizeof(buf)))
                return -EBADMSG;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

/* Decodes the name types we know; others (directoryNames without TPM
 * attributes, registeredID, foreign otherNames, ...) are skipped. */
static int sans_from_general_names(const GENERAL_NAMES *gens, x509_san_list **ret) {
        _cleanup_(x509_san_list_freep) x509_san_list *l = NULL;
        int r;

        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
                const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
                _cleanup_free_ char *v = NULL, *a = NULL;
                _cleanup_(x509_tpm_attrs_done) x509_tpm_attrs tpm = {};
                x509_san_type type;

                switch (g->type) {
                case GEN_DNS:
                        type = X509_SAN_DNS;
                        r = ia5_to_string(g->d.dNSName, &v);
                        break;
                case GEN_URI:
                        type = X509_SAN_URI;
                        r = ia5_to_string(g->d.uniformResourceIdentifier, &v);
                        break;
                case GEN_EMAIL:
                        type = X509_SAN_EMAIL;
                        r = ia5_to_string(g->d.rfc822Name, &v);
                        break;
                case GEN_IPADD:
                        type = X509_SAN_IP;
                        r = ip_to_string(g->d.iPAddress, &v);
                        break;
                case GEN_OTHERNAME:
                        if (OBJ_obj2nid(g->d.otherName->type_id) != NID_id_on_permanentIdentifier) {
                                log_debug("Skipping an otherName SAN of another type.");
                                continue;
                        }
                        type = X509_SAN_PERMANENT_ID;
                        r = permanent_id_decode(g->d.otherName->value, &v, &a);
                        break;
                case GEN_DIRNAME:
                        r = x509_tpm_name_decode(g->d.directoryName, &tpm);
                        if (r == -ENOENT) {
                                log_debug("Skipping a directoryName SAN without TPM attributes.");
                                continue;
                        }
                        type = X509_SAN_TPM_DEVICE;
                        if (r >= 0)
                                r = (v = strdup("")) ? 0 : -ENOMEM;
                        break;
                default:
                        log_debug("Skipping a SAN of GeneralName type %d.", g->type);
                        continue;
                }
                if (r < 0)
                        return r;
                r = san_list_add(l, type, v, a, &tpm);
                if (r < 0)
                        return r;
                v = a = NULL;
                tpm = (x509_tpm_attrs) {};
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* ---- SAN encoding ---- */

static bool name_ok(const char *s) {
        if (!s || !*s)
                return false;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < 0x20 || *p >= 0x7f)
                        return false;
        return true;
}

static int permanent_id_encode(const char *value, const char *assigner, ASN1_TYPE **ret) {
        _cleanup_(PERMANENT_IDENTIFIER_freep) PERMANENT_IDENTIFIER *pi = NULL;
        ASN1_TYPE *t;

        pi = PERMANENT_IDENTIFIER_new();
        if (!pi)
                return -ENOMEM;
        if (value) {
                pi->identifierValue = ASN1_UTF8STRING_new();
                if (!pi->identifierValue)
                        return -ENOMEM;
                if (ASN1_STRING_set(pi->identifierValue, value, -1) != 1)
                        return -ENOMEM;
        }
        if (assigner) {
                /* no_name = 1: dotted numbers only, never a short name. */
                pi->assigner = OBJ_txt2obj(assigner, 1);
                if (!pi->assigner)
                        return log_debug_errno(EINVAL, "Assigner \"%s\" is not a dotted OID.", assigner);
        }
        t = ASN1_TYPE_pack_sequence(ASN1_ITEM_rptr(PERMANENT_IDENTIFIER), pi, NULL);
        if (!t)
                return -ENOMEM;
        *ret = t;
        return 0;
}

static int general_name_from_san(const x509_san *san, GENERAL_NAME **ret) {
        _cleanup_(GENERAL_NAME_freep) GENERAL_NAME *g = NULL;
        int r;

        g = GENERAL_NAME_new();
        if (!g)
                return -ENOMEM;

        switch (san->type) {
        case X509_SAN_DNS:
        case X509_SAN_URI:
        case X509_SAN_EMAIL: {
                _cleanup_(ASN1_IA5STRING_freep) ASN1_IA5STRING *s = NULL;

                if (!name_ok(san->value))
                        return log_debug_errno(EINVAL, "SAN \"%s\" is empty or not printable ASCII.",
                                               strna(san->value));
                s = ASN1_IA5STRING_new();
                if (!s || ASN1_STRING_set(s, san->value, -1) != 1)
                        return -ENOMEM;
                GENERAL_NAME_set0_value(g,
                                        san->type == X509_SAN_DNS   ? GEN_DNS
                                        : san->type == X509_SAN_URI ? GEN_URI
                                                                    : GEN_EMAIL,
                                        TAKE_PTR(s));
                break;
        }
        case X509_SAN_IP: {
                _cleanup_(ASN1_OCTET_STRING_freep) ASN1_OCTET_STRING *os = NULL;
                unsigned char addr[16];
                int len;

                if (san->value && inet_pton(AF_INET, san->value, addr) == 1)
                        len = 4;
                else if (san->value && inet_pton(AF_INET6, san->value, addr) == 1)
                        len = 16;
                else
                        return log_debug_errno(EINVAL, "\"%s\" is not an IPv4 or IPv6 address.",
                                               strna(san->value));
                os = ASN1_OCTET_STRING_new();
                if (!os || ASN1_OCTET_STRING_set(os, addr, len) != 1)
                        return -ENOMEM;
                GENERAL_NAME_set0_value(g, GEN_IPADD, TAKE_PTR(os));
                break;
        }
        case X509_SAN_PERMANENT_ID: {
                _cleanup_(ASN1_TYPE_freep) ASN1_TYPE *value = NULL;
                _cleanup_(ASN1_OBJECT_freep) ASN1_OBJECT *oid = NULL;

                if (!san->value && !san->assigner)
                        return log_debug_errno(EINVAL, "PermanentIdentifier with neither value nor assigner.");
                r = permanent_id_encode(san->value, san->assigner, &value);
                if (r < 0)
                        return r;
                oid = OBJ_nid2obj(NID_id_on_permanentIdentifier);
                if (!oid)
                        return -ENOMEM;
                if (GENERAL_NAME_set0_othername(g, oid, value) != 1)
                        return -ENOMEM;
                oid = NULL;
                value = NULL;
                break;
        }
        case X509_SAN_TPM_DEVICE:
                GENERAL_NAME_free(TAKE_PTR(g));
                r = x509_tpm_name_encode(&san->tpm, &g);
                if (r < 0)
                        return r;
                break;
        default:
                return -EINVAL;
        }
        *ret = TAKE_PTR(g);
        return 0;
}

int x509_sans_to_general_names(const x509_san *sans, size_t n_sans, GENERAL_NAMES **ret) {
        _cleanup_(GENERAL_NAMES_freep) GENERAL_NAMES *gens = NULL;
        int r;

        if ((!sans && n_sans > 0) || !ret)
                return -EINVAL;
        gens = sk_GENERAL_NAME_new_null();
        if (!gens)
                return -ENOMEM;
        for (size_t i = 0; i < n_sans; i++) {
                _cleanup_(GENERAL_NAME_freep) GENERAL_NAME *g = NULL;

                r = general_name_from_san(&sans[i], &g);
                if (r < 0)
                        return r;
                if (sk_GENERAL_NAME_push(gens, g) <= 0)
                        return -ENOMEM;
                g = NULL;
        }
        *ret = TAKE_PTR(gens);
        return 0;
}

/* ---- CSR building ---- */

static int csr_sign(X509_REQ *req, signer *s) {
        _cleanup_(openssl_freep) unsigned char *tbs = NULL;
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

/* ---- PEM helpers ---- */

static int bio_to_string(BIO *bio, char **ret) {
        BUF_MEM *mem = NULL;
        char *s;

        BIO_get_mem_ptr(bio, &mem);
        if (!mem || mem->length == 0)
                return -EIO;
        s = strndup(mem->data, mem->length);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int x509_csr_der_to_pem(const uint8_t *der, size_t len, char **ret) {
        _cleanup_bio_ BIO *bio = NULL;

        if (!der || !ret || len == 0 || len > LONG_MAX)
                return -EINVAL;
        bio = BIO_new(BIO_s_mem());
        if (!bio)
                return -ENOMEM;
        if (PEM_write_bio(bio, PEM_STRING_X509_REQ, "", der, (long) len) <= 0)
                return log_debug_errno(EIO, "Encoding the CSR as PEM failed: %s", crypto_last_error());
        return bio_to_string(bio, ret);
}

/* True if OpenSSL's last error says "no more PEM blocks", i.e. clean end. */
static bool pem_error_is_eof(void) {
        unsigned long e = ERR_peek_last_error();

        return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
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

int x509_csr_parse_pem(const char *pem, size_t len, size_t max_len, X509_REQ **ret) {
        _cleanup_bio_ BIO *bio = NULL;
        _cleanup_(openssl_freep) char *name = NULL, *header = NULL;
        _cleanup_(openssl_freep) unsigned char *der = NULL;
        long der_len = 0;

        if (!pem || !ret)
                return -EINVAL;
        /* Base64 grows by 4/3 plus line breaks and armor: bound the text
         * before decoding anything. */
        if (len > INT_MAX || len / 2 > max_len + 128)
                return log_debug_errno(E2BIG, "CSR PEM of %zu bytes exceeds the limit.", len);
        bio = BIO_new_mem_buf(pem, (int) len);
        if (!bio)
                return -ENOMEM;
        if (PEM_read_bio(bio, &name, &header, &der, &der_len) != 1)
                return log_debug_errno(EBADMSG, "No PEM block: %s", crypto_last_error());
        if (!streq(name, PEM_STRING_X509_REQ) && !streq(name, PEM_STRING_X509_REQ_OLD))
                return log_debug_errno(EBADMSG, "PEM block is \"%s\", not a CSR.", name);
        if (header && *header)
                return log_debug_errno(EBADMSG, "CSR PEM with headers refused.");
        if (der_len <= 0)
                return -EBADMSG;
        return x509_csr_parse_der(der, (size_t) der_len, max_len, ret);
}

int x509_csr_get_sans(X509_REQ *req, x509_san_list **ret) {
        _cleanup_(extensions_freep) STACK_OF(X509_EXTENSION) *exts = NULL;
        _cleanup_(GENERAL_NAMES_freep) GENERAL_NAMES *gens = NULL;
        int idx;

        if (!req || !ret)
                return -EINVAL;
        /* NULL with an extension attribute present means it did not parse;
         * without one, older OpenSSL returns NULL for "no extensions". */
        exts = X509_REQ_get_extensions(req);
        if (!exts && (X509_REQ_get_attr_by_NID(req, NID_ext_req, -1) >= 0 ||
                      X509_REQ_get_attr_by_NID(req, NID_ms_ext_req, -1) >= 0))
                return log_debug_errno(EBADMSG, "Malformed extensionRequest: %s", crypto_last_error());
        (void) crypto_last_error();

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
        return sans_from_general_names(gens, ret);
}

static int name_get_cn(const X509_NAME *name, char **ret) {
        const ASN1_STRING *data;
        _cleanup_(openssl_freep) unsigned char *utf8 = NULL;
        char *s;
        int idx, n;

        if (!name || !ret)
                return -EINVAL;
        idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
        if (idx < 0)
                return -ENOENT;
        /* Two CNs make the identity ambiguous. */
        if (X509_NAME_get_index_by_NID(name, NID_commonName, idx) >= 0)
                return log_debug_errno(EBADMSG, "Subject has more than one CN.");
        data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
        n = ASN1_STRING_to_UTF8(&utf8, data);
        if (n < 0)
                return log_debug_errno(EBADMSG, "CN is not convertible to UTF-8: %s", crypto_last_error());
        if (memchr(utf8, 0, (size_t) n))
                return log_debug_errno(EBADMSG, "CN contains a NUL byte.");
        s = strndup((const char *) utf8, (size_t) n);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int x509_csr_get_cn(X509_REQ *req, char **ret) {
        if (!req)
                return -EINVAL;
        return name_get_cn(X509_REQ_get_subject_name(req), ret);
}

/* ---- certificates ---- */

int x509_cert_from_der(const uint8_t *der, size_t len, X509 **ret) {
        const unsigned char *p = der;
        X509 *cert;

        if (!der || !ret)
                return -EINVAL;
        if (len == 0 || len > LONG_MAX)
                return -EBADMSG;
        cert = d2i_X509(NULL, &p, (long) len);
        if (!cert)
                return log_debug_errno(EBADMSG, "Malformed certificate: %s", crypto_last_error());
        if (p != der + len) {
                X509_free(cert);
                return log_debug_errno(EBADMSG, "Trailing data after the certificate.");
        }
        *ret = cert;
        return 0;
}

int x509_cert_from_pem(const char *pem, size_t len, X509 **ret) {
        _cleanup_bio_ BIO *bio = NULL;
        X509 *cert;

        if (!pem || !ret)
                return -EINVAL;
        if (len > INT_MAX)
                return -E2BIG;
        bio = BIO_new_mem_buf(pem, (int) len);
        if (!bio)
                return -ENOMEM;
        cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        if (!cert)
                return log_debug_errno(EBADMSG, "No certificate in PEM: %s", crypto_last_error());
        *ret = cert;
        return 0;
}

int x509_chain_from_pem(const char *pem, size_t len, size_t max_certs, STACK_OF(X509) **ret) {
        _cleanup_x509_stack_ STACK_OF(X509) *sk = NULL;
        _cleanup_bio_ BIO *bio = NULL;

        if (!pem || !ret)
                return -EINVAL;
        if (len > INT_MAX)
                return -E2BIG;
        bio = BIO_new_mem_buf(pem, (int) len);
        sk = sk_X509_new_null();
        if (!bio || !sk)
                return -ENOMEM;

        for (;;) {
                X509 *cert;

                ERR_clear_error();
                cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
                if (!cert) {
                        if (pem_error_is_eof()) {
                                ERR_clear_error();
                                break;
                        }
                        return log_debug_errno(EBADMSG, "Malformed certificate %d in PEM bundle: %s",
                                               sk_X509_num(sk) + 1, crypto_last_error());
                }
                if ((size_t) sk_X509_num(sk) >= max_certs) {
                        X509_free(cert);
                        return log_debug_errno(E2BIG, "PEM bundle holds more than %zu certificates.",
                                               max_certs);
                }
                if (sk_X509_push(sk, cert) <= 0) {
                        X509_free(cert);
                        return -ENOMEM;
                }
        }
        if (sk_X509_num(sk) == 0)
                return -ENOENT;
        *ret = TAKE_PTR(sk);
        return 0;
}

int x509_cert_to_der(X509 *cert, uint8_t **ret, size_t *ret_len) {
        _cleanup_free_ uint8_t *der = NULL;
        uint8_t *p;
        int n;

        if (!cert || !ret || !ret_len)
                return -EINVAL;
        n = i2d_X509(cert, NULL);
        if (n <= 0)
                return log_debug_errno(EIO, "Encoding the certificate failed: %s", crypto_last_error());
        der = malloc((size_t) n);
        if (!der)
                return -ENOMEM;
        p = der;
        if (i2d_X509(cert, &p) != n)
                return -EIO;
        *ret = TAKE_PTR(der);
        *ret_len = (size_t) n;
        return 0;
}

static int chain_write_pem(X509 *const *certs, int n, char **ret) {
        _cleanup_bio_ BIO *bio = NULL;

        bio = BIO_new(BIO_s_mem());
        if (!bio)
                return -ENOMEM;
        for (int i = 0; i < n; i++)
                if (PEM_write_bio_X509(bio, certs[i]) != 1)
                        return log_debug_errno(EIO, "Encoding certificate %d as PEM failed: %s", i,
                                               crypto_last_error());
        return bio_to_string(bio, ret);
}

int x509_cert_to_pem(X509 *cert, char **ret) {
        if (!cert || !ret)
                return -EINVAL;
        return chain_write_pem(&cert, 1, ret);
}

int x509_chain_to_pem(STACK_OF(X509) *chain, char **ret) {
        _cleanup_free_ X509 **certs = NULL;
        int n;

        if (!chain || !ret)
                return -EINVAL;
        n = sk_X509_num(chain);
        if (n <= 0)
                return -ENOENT;
        certs = calloc((size_t) n, sizeof(*certs));
        if (!certs)
                return -ENOMEM;
        for (int i = 0; i < n; i++)
                certs[i] = sk_X509_value(chain, i);
        return chain_write_pem(certs, n, ret);
}

int x509_cert_get_sans(X509 *cert, x509_san_list **ret) {
        _cleanup_(GENERAL_NAMES_freep) GENERAL_NAMES *gens = NULL;
        int crit = -1;

        if (!cert || !ret)
                return -EINVAL;
        gens = X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, NULL);
        if (!gens) {
                x509_san_list *l;

                if (crit == -2)
                        return log_debug_errno(EBADMSG, "Certificate has two subjectAltName extensions.");
                if (crit >= 0)
                        return log_debug_errno(EBADMSG, "Malformed subjectAltName: %s", crypto_last_error());
                l = calloc(1, sizeof(*l));
                if (!l)
                        return -ENOMEM;
                *ret = l;
                return 0;
        }
        return sans_from_general_names(gens, ret);
}

int x509_cert_get_cn(X509 *cert, char **ret) {
        if (!cert)
                return -EINVAL;
        return name_get_cn(X509_get_subject_name(cert), ret);
}

static int asn1_time_to_time_t(const ASN1_TIME *t, time_t *ret) {
        struct tm tm = {};
        time_t v;

        if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
                return log_debug_errno(EBADMSG, "Malformed certificate time: %s", crypto_last_error());
        v = timegm(&tm);
        if (v == (time_t) -1)
                return -ERANGE;
        *ret = v;
        return 0;
}

int x509_cert_get_validity(X509 *cert, time_t *ret_not_before, time_t *ret_not_after) {
        time_t nb, na;
        int r;

        if (!cert)
                return -EINVAL;
        r = asn1_time_to_time_t(X509_get0_notBefore(cert), &nb);
        if (r < 0)
                return r;
        r = asn1_time_to_time_t(X509_get0_notAfter(cert), &na);
        if (r < 0)
                return r;
        if (ret_not_before)
                *ret_not_before = nb;
        if (ret_not_after)
                *ret_not_after = na;
        return 0;
}

/* ---- verification ---- */

int x509_cert_serial_hex(X509 *cert, char **ret) {
        _cleanup_(BN_freep) BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
        char *hex, *copy;
        const char *p;

        if (!bn)
                return -ENOMEM;
        hex = BN_bn2hex(bn);
        if (!hex)
                return -ENOMEM;
        /* BN_bn2hex writes whole bytes ("0A..."); our form has no leading zeros. */
        p = hex;
        while (*p == '0' && p[1])
                p++;
        copy = strdup(p);
        OPENSSL_free(hex);
        if (!copy)
                return -ENOMEM;
        for (char *c = copy; *c; c++)
                *c = (char) (*c >= 'A' && *c <= 'F' ? *c - 'A' + 'a' : *c);
        *ret = copy;
        return 0;
}

int x509_chain_verify_stack(STACK_OF(X509) *chain, STACK_OF(X509) *roots, time_t at, bool purpose_clientauth) {
        STACK_OF(X509) *untrusted;
        int r;

        if (!chain || sk_X509_num(chain) < 1)
                return -EINVAL;
        /* A shallow copy: the certificates stay the caller's. */
        untrusted = sk_X509_dup(chain);
        if (!untrusted)
                return -ENOMEM;
        (void) sk_X509_shift(untrusted);
        r = x509_chain_verify(sk_X509_value(chain, 0), untrusted, roots, at, purpose_clientauth);
        sk_X509_free(untrusted);
        return r;
}

int x509_chain_verify(X509 *leaf, STACK_OF(X509) *untrusted, STACK_OF(X509) *roots, time_t at,
                      bool purpose_clientauth) {
        _cleanup_(X509_STORE_freep) X509_STORE *store = NULL;
        _cleanup_(X509_STORE_CTX_freep) X509_STORE_CTX *ctx = NULL;
        int err;

        if (!leaf || !roots)
                return -EINVAL;
        if (sk_X509_num(roots) <= 0)
                return log_debug_errno(EBADMSG, "No trust anchors to verify against.");

        store = X509_STORE_new();
        ctx = X509_STORE_CTX_new();
        if (!store || !ctx)
                return -ENOMEM;
        for (int i = 0; i < sk_X509_num(roots); i++)
                if (X509_STORE_add_cert(store, sk_X509_value(roots, i)) != 1)
                        return log_debug_errno(ENOMEM, "Adding a trust anchor failed: %s",
                                               crypto_last_error());
        if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1)
                return log_debug_errno(ENOMEM, "Verification setup failed: %s", crypto_last_error());
        if (at != 0)
                X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), at);
        if (purpose_clientauth) {
                /* OpenSSL's purpose check accepts a leaf with no EKU at all;
                 * we want clientAuth named explicitly. */
                if (!(X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) ||
                    !(X509_get_extended_key_usage(leaf) & XKU_SSL_CLIENT))
                        return log_debug_errno(EBADMSG, "Certificate has no clientAuth extended key usage.");
                /* Likewise keyUsage: our clients sign in the handshake, so
                 * digitalSignature must be named (keyAgreement alone, which
                 * OpenSSL would take, does not do). */
                if (!(X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) ||
                    !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE))
                        return log_debug_errno(EBADMSG, "Certificate has no digitalSignature key usage.");
                if (X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT) != 1)
                        return log_debug_errno(ENOMEM, "Setting the purpose failed: %s", crypto_last_error());
        }

        if (X509_verify_cert(ctx) == 1) {
                ERR_clear_error();
                return 0;
        }
        err = X509_STORE_CTX_get_error(ctx);
        return log_debug_errno(EBADMSG, "Certificate chain does not verify at depth %d: %s",
                               X509_STORE_CTX_get_error_depth(ctx), X509_verify_cert_error_string(err));
}
