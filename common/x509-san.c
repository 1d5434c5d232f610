/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Names in certificates and CSRs (x509.h): SAN lists, their encoding as
 * GeneralNames (DNS, IP, URI, email, RFC 4043 PermanentIdentifier, and the
 * TCG TPM directoryName through x509-tpm.c) and their decoding, and the
 * subject CN. Decoders treat their input as hostile: names holding NUL or
 * non-ASCII bytes where the type forbids them are refused.
 */
#include <arpa/inet.h>
#include <openssl/asn1t.h>
#include <openssl/objects.h>

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
DEFINE_TRIVIAL_CLEANUP_FUNC(ASN1_OCTET_STRING *, ASN1_OCTET_STRING_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(ASN1_IA5STRING *, ASN1_IA5STRING_free);

static const char *strna(const char *s) {
        return s ?: "n/a";
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
int x509_sans_from_general_names(const GENERAL_NAMES *gens, x509_san_list **ret) {
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

/* ---- the subject CN ---- */

int x509_name_get_cn(const X509_NAME *name, char **ret) {
        const ASN1_STRING *data;
        _cleanup_(x509_openssl_freep) unsigned char *utf8 = NULL;
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
