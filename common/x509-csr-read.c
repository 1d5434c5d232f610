/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CSRs read for issuance (x509.h, x509_csr): the common case, a P-256 key
 * in an uncompressed SubjectPublicKeyInfo signed with ecdsa-with-SHA256,
 * is read without OpenSSL's generic key decoder: the DER is walked with
 * ASN1_get_object and an ASN.1 template whose SubjectPublicKeyInfo is an
 * ANY, the key is built from the point with EVP_PKEY_fromdata, and the
 * self-signature is checked over the CertificationRequestInfo as received.
 * The fast path takes only strict DER (the info re-encodes to the same
 * bytes, every length in its minimal form, attributes none or one
 * extensionRequest that decodes whole); any other CSR goes through
 * x509_csr_parse_der(), which decides as it always has.
 */
#include <limits.h>
#include <pthread.h>
#include <openssl/asn1t.h>
#include <openssl/core_names.h>
#include <openssl/err.h>

#include "log.h"
#include "x509-internal.h"

struct x509_csr {
        X509_REQ *req; /* the general path's parse; NULL on the fast path */
        X509_NAME *subject;                /* owned on the fast path */
        STACK_OF(X509_EXTENSION) *exts;    /* fast path: its extensionRequest, or NULL */
        EVP_PKEY *pub;                     /* owned on the fast path */
        uint8_t *der;
        size_t der_len;
};

/* CertificationRequestInfo (RFC 2986 4.1) with the key left encoded. */
typedef struct csr_info_anykey {
        ASN1_INTEGER *version;
        X509_NAME *subject;
        ASN1_TYPE *spki;
        STACK_OF(X509_ATTRIBUTE) *attributes;
} csr_info_anykey;

ASN1_SEQUENCE(csr_info_anykey) = {
        ASN1_SIMPLE(csr_info_anykey, version, ASN1_INTEGER),
        ASN1_SIMPLE(csr_info_anykey, subject, X509_NAME),
        ASN1_SIMPLE(csr_info_anykey, spki, ASN1_ANY),
        ASN1_IMP_SET_OF(csr_info_anykey, attributes, X509_ATTRIBUTE, 0),
} static_ASN1_SEQUENCE_END(csr_info_anykey)

static void csr_info_free(csr_info_anykey *i) {
        ASN1_item_free((ASN1_VALUE *) i, ASN1_ITEM_rptr(csr_info_anykey));
}
DEFINE_TRIVIAL_CLEANUP_FUNC(csr_info_anykey *, csr_info_free);

static void extensions_free(STACK_OF(X509_EXTENSION) *exts) {
        sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}

/* SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING { 0 unused
 * bits, 0x04 (uncompressed) ... } }, followed by the 64 bytes of X and Y. */
static const uint8_t spki_p256_prefix[] = {
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
        0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
};
#define SPKI_P256_LEN (sizeof(spki_p256_prefix) + 64)

/* AlgorithmIdentifier { ecdsa-with-SHA256 } with the parameters absent
 * (RFC 5758 3.2). */
static const uint8_t alg_ecdsa_sha256[] = {
        0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
};

/* One DER TLV of the given universal tag at *p (at most end - *p bytes),
 * definite and with its length in the minimal form: its content in
 * ret and ret_len, and p moved past it. */
static bool der_tlv(const uint8_t **p, const uint8_t *end, int want_tag, bool constructed, const uint8_t **ret,
                    size_t *ret_len) {
        const unsigned char *q = *p;
        long len;
        int tag, class, inf;

        if (end <= *p || end - *p > LONG_MAX)
                return false;
        inf = ASN1_get_object(&q, &len, &tag, &class, (long) (end - *p));
        if (inf & 0x80 || inf != (constructed ? V_ASN1_CONSTRUCTED : 0) || tag != want_tag ||
            class != V_ASN1_UNIVERSAL)
                return false;
        if (ASN1_object_size(constructed, len, tag) != (q - *p) + len)
                return false; /* a long or padded length */
        *ret = q;
        *ret_len = (size_t) len;
        *p = q + len;
        return true;
}

/* The P-256 group as a key of parameters only, made once: a key copies
 * its parameters and takes the point (EVP_PKEY_set1_encoded_public_key
 * checks it is on the curve), several times cheaper than a fromdata
 * import, which builds the group anew each time. */
static EVP_PKEY *p256_params;
static pthread_once_t p256_params_once = PTHREAD_ONCE_INIT;

static void p256_params_make(void) {
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        char group[] = SN_X9_62_prime256v1;
        OSSL_PARAM params[] = {
                OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
                OSSL_PARAM_END,
        };

        if (ctx && EVP_PKEY_fromdata_init(ctx) == 1)
                (void) EVP_PKEY_fromdata(ctx, &p256_params, EVP_PKEY_KEY_PARAMETERS, params);
        EVP_PKEY_CTX_free(ctx);
}

/* NULL for a point not on the curve (or no memory): the general path
 * then decides. */
static EVP_PKEY *p256_key(const uint8_t *point, size_t len) {
        EVP_PKEY *pkey;

        (void) pthread_once(&p256_params_once, p256_params_make);
        if (!p256_params)
                return NULL;
        pkey = EVP_PKEY_new();
        if (pkey && EVP_PKEY_copy_parameters(pkey, p256_params) == 1 &&
            EVP_PKEY_set1_encoded_public_key(pkey, point, len) == 1)
                return pkey;
        EVP_PKEY_free(pkey);
        return NULL;
}

static int ecdsa_sha256_verify(EVP_PKEY *pkey, const uint8_t *tbs, size_t tbs_len, const uint8_t *sig,
                               size_t sig_len) {
        EVP_PKEY_CTX *ctx;
        uint8_t digest[32];
        int r;

        r = crypto_sha256(tbs, tbs_len, digest);
        if (r < 0)
                return r;
        ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
        if (!ctx)
                return -ENOMEM;
        r = EVP_PKEY_verify_init(ctx) == 1 && EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
                        EVP_PKEY_verify(ctx, sig, sig_len, digest, sizeof(digest)) == 1
                ? 0
                : -EBADMSG;
        EVP_PKEY_CTX_free(ctx);
        return r;
}

/* The extensionRequest of a fast-path CSR: true with *ret NULL for no
 * attribute, true with the decoded extensions for exactly one
 * extensionRequest holding one SEQUENCE that decodes to its end; false
 * for anything else (the general path decides). */
static bool fast_extensions(const STACK_OF(X509_ATTRIBUTE) *attrs, STACK_OF(X509_EXTENSION) **ret) {
        const X509_ATTRIBUTE *a;
        const ASN1_TYPE *t;
        const unsigned char *p;
        STACK_OF(X509_EXTENSION) *exts;

        *ret = NULL;
        if (sk_X509_ATTRIBUTE_num(attrs) == 0)
                return true;
        if (sk_X509_ATTRIBUTE_num(attrs) != 1)
                return false;
        a = sk_X509_ATTRIBUTE_value(attrs, 0);
        if (OBJ_obj2nid(X509_ATTRIBUTE_get0_object((X509_ATTRIBUTE *) a)) != NID_ext_req ||
            X509_ATTRIBUTE_count(a) != 1)
                return false;
        t = X509_ATTRIBUTE_get0_type((X509_ATTRIBUTE *) a, 0);
        if (!t || t->type != V_ASN1_SEQUENCE || t->value.sequence->length <= 0)
                return false;
        p = t->value.sequence->data;
        exts = (STACK_OF(X509_EXTENSION) *) ASN1_item_d2i(NULL, &p, t->value.sequence->length,
                                                           ASN1_ITEM_rptr(X509_EXTENSIONS));
        if (!exts)
                return false;
        if (p != t->value.sequence->data + t->value.sequence->length) {
                extensions_free(exts);
                return false;
        }
        *ret = exts;
        return true;
}

/* 0 with *c filled, -EBADMSG for a CSR the fast path read whole whose
 * signature does not verify, -EAGAIN for one it does not take, -ENOMEM. */
static int read_fast(const uint8_t *der, size_t len, x509_csr *c) {
        _cleanup_(csr_info_freep) csr_info_anykey *info = NULL;
        _cleanup_(x509_openssl_freep) unsigned char *again = NULL;
        const uint8_t *p = der, *end = der + len, *body, *tbs, *alg, *sig, *spki;
        size_t body_len, tbs_len, alg_len, sig_len;
        const unsigned char *q;
        int again_len, r;

        if (!der_tlv(&p, end, V_ASN1_SEQUENCE, true, &body, &body_len) || p != end)
                return -EAGAIN;
        p = body;
        tbs = p;
        if (!der_tlv(&p, end, V_ASN1_SEQUENCE, true, &q, &tbs_len))
                return -EAGAIN;
        tbs_len = (size_t) (p - tbs);
        alg = p;
        if (!der_tlv(&p, end, V_ASN1_SEQUENCE, true, &q, &alg_len) || (size_t) (p - alg) != sizeof(alg_ecdsa_sha256) ||
            memcmp(alg, alg_ecdsa_sha256, sizeof(alg_ecdsa_sha256)) != 0)
                return -EAGAIN;
        if (!der_tlv(&p, end, V_ASN1_BIT_STRING, false, &sig, &sig_len) || p != end || sig_len < 2 || sig[0] != 0)
                return -EAGAIN;

        q = tbs;
        info = (csr_info_anykey *) ASN1_item_d2i(NULL, &q, (long) tbs_len, ASN1_ITEM_rptr(csr_info_anykey));
        if (!info || q != tbs + tbs_len)
                return -EAGAIN;
        /* Strict DER: the info re-encodes to the bytes received (SET OF
         * order, INTEGER form, lengths; the subject keeps its encoding as
         * it does on the general path). */
        again_len = ASN1_item_i2d((ASN1_VALUE *) info, &again, ASN1_ITEM_rptr(csr_info_anykey));
        if (again_len < 0 || (size_t) again_len != tbs_len || memcmp(again, tbs, tbs_len) != 0)
                return -EAGAIN;
        if (ASN1_INTEGER_get(info->version) != 0 || info->spki->type != V_ASN1_SEQUENCE ||
            (size_t) info->spki->value.sequence->length != SPKI_P256_LEN)
                return -EAGAIN;
        spki = info->spki->value.sequence->data;
        if (memcmp(spki, spki_p256_prefix, sizeof(spki_p256_prefix)) != 0)
                return -EAGAIN;
        if (!fast_extensions(info->attributes, &c->exts))
                return -EAGAIN;

        c->pub = p256_key(spki + sizeof(spki_p256_prefix) - 1, 65);
        if (!c->pub)
                return -EAGAIN; /* not on the curve: the general path says so */
        r = ecdsa_sha256_verify(c->pub, tbs, tbs_len, sig + 1, sig_len - 1);
        if (r < 0)
                return log_debug_errno(r, "CSR self-signature does not verify.");

        c->der = malloc(len);
        if (!c->der)
                return -ENOMEM;
        memcpy(c->der, der, len);
        c->der_len = len;
        c->subject = TAKE_PTR(info->subject);
        return 0;
}

void x509_csr_free(x509_csr *c) {
        if (!c)
                return;
        if (c->req)
                X509_REQ_free(c->req);
        else {
                X509_NAME_free(c->subject);
                EVP_PKEY_free(c->pub);
        }
        extensions_free(c->exts);
        free(c->der);
        free(c);
}

int x509_csr_read_der(const uint8_t *der, size_t len, size_t max_len, x509_csr **ret) {
        _cleanup_(x509_csr_freep) x509_csr *c = NULL;
        int r;

        if (!der || !ret)
                return -EINVAL;
        if (len > max_len || len > LONG_MAX)
                return log_debug_errno(E2BIG, "CSR of %zu bytes exceeds the limit of %zu.", len, max_len);
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        /* What the fast path leaves in OpenSSL's error queue (a length
         * past the end, an off-curve point) is not the caller's. */
        ERR_set_mark();
        r = read_fast(der, len, c);
        (void) ERR_pop_to_mark();
        if (r == -EAGAIN) {
                extensions_free(TAKE_PTR(c->exts));
                EVP_PKEY_free(TAKE_PTR(c->pub));
                r = x509_csr_parse_der(der, len, max_len, &c->req);
                if (r < 0)
                        return r;
                c->subject = X509_REQ_get_subject_name(c->req);
                c->pub = X509_REQ_get0_pubkey(c->req);
                r = x509_csr_to_der(c->req, &c->der, &c->der_len);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int x509_csr_read_pem(const char *pem, size_t len, size_t max_len, x509_csr **ret) {
        _cleanup_free_ uint8_t *der = NULL;
        size_t der_len;
        int r;

        if (!pem || !ret)
                return -EINVAL;
        r = x509_csr_pem_to_der(pem, len, max_len, &der, &der_len);
        if (r < 0)
                return r;
        return x509_csr_read_der(der, der_len, max_len, ret);
}

EVP_PKEY *x509_csr_public_key(const x509_csr *c) {
        return c ? c->pub : NULL;
}

const uint8_t *x509_csr_der(const x509_csr *c, size_t *ret_len) {
        if (!c || !ret_len)
                return NULL;
        *ret_len = c->der_len;
        return c->der;
}

bool x509_csr_read_fast(const x509_csr *c) {
        return c && !c->req;
}

int x509_csr_sans(const x509_csr *c, x509_san_list **ret) {
        if (!c || !ret)
                return -EINVAL;
        if (c->req)
                return x509_csr_get_sans(c->req, ret);
        return x509_sans_from_extensions(c->exts, ret);
}

int x509_csr_cn(const x509_csr *c, char **ret) {
        if (!c || !ret)
                return -EINVAL;
        return x509_name_get_cn(c->subject, ret);
}
