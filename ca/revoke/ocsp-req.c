/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCSP request parsing (ocsp-req.h): OpenSSL's DER decoder under our
 * limits, then each CertID checked and copied out.
 */
#include <openssl/bn.h>

#include "b64.h"
#include "ocsp-req.h"

void ocsp_query_done(ocsp_query *q) {
        if (!q)
                return;
        OCSP_REQUEST_free(q->req);
        *q = (ocsp_query) {};
}

static int item_from_certid(OCSP_CERTID *id, ocsp_query_item *ret) {
        ASN1_OCTET_STRING *name_hash = NULL, *key_hash = NULL;
        ASN1_OBJECT *md = NULL;
        ASN1_INTEGER *serial = NULL;
        BIGNUM *bn;
        char *hex;
        size_t want;
        int nid;

        if (!OCSP_id_get0_info(&name_hash, &md, &key_hash, &serial, id) || !name_hash || !md || !key_hash || !serial)
                return -EBADMSG;
        nid = OBJ_obj2nid(md);
        want = nid == NID_sha1 ? 20 : nid == NID_sha256 ? 32 : 0;
        *ret = (ocsp_query_item) { .id = id };
        if (want > 0) {
                if ((size_t) ASN1_STRING_length(name_hash) != want || (size_t) ASN1_STRING_length(key_hash) != want)
                        return -EBADMSG;
                ret->hash_nid = nid;
                ret->hash_len = want;
                memcpy(ret->name_hash, ASN1_STRING_get0_data(name_hash), want);
                memcpy(ret->key_hash, ASN1_STRING_get0_data(key_hash), want);
        }
        /* A serial we could never have issued stays "" (answered unknown). */
        if (ASN1_STRING_type(serial) != V_ASN1_INTEGER || ASN1_STRING_length(serial) > 21)
                return 0;
        bn = ASN1_INTEGER_to_BN(serial, NULL);
        if (!bn)
                return -ENOMEM;
        if (BN_is_zero(bn) || BN_is_negative(bn)) {
                BN_free(bn);
                return 0;
        }
        hex = BN_bn2hex(bn);
        BN_free(bn);
        if (!hex)
                return -ENOMEM;
        const char *h = hex;
        while (*h == '0' && h[1])
                h++;
        if (strlen(h) <= OCSP_SERIAL_HEX_MAX) {
                size_t i;
                for (i = 0; h[i]; i++)
                        ret->serial[i] = (char) (h[i] >= 'A' && h[i] <= 'F' ? h[i] - 'A' + 'a' : h[i]);
                ret->serial[i] = '\0';
        }
        OPENSSL_free(hex);
        return 0;
}

int ocsp_query_parse(const uint8_t *der, size_t len, ocsp_query *ret) {
        _cleanup_(ocsp_query_done) ocsp_query q = {};
        const unsigned char *p = der;
        int n, idx, r;

        if (!der || len == 0)
                return -EBADMSG;
        if (len > OCSP_REQUEST_MAX)
                return -E2BIG;
        q.req = d2i_OCSP_REQUEST(NULL, &p, (long) len);
        if (!q.req || p != der + len)
                return -EBADMSG;
        n = OCSP_request_onereq_count(q.req);
        if (n <= 0)
                return -EBADMSG;
        if (n > OCSP_REQUEST_MAX_CERTS)
                return -E2BIG;
        for (int i = 0; i < n; i++) {
                OCSP_ONEREQ *one = OCSP_request_onereq_get0(q.req, i);
                if (!one)
                        return -EBADMSG;
                r = item_from_certid(OCSP_onereq_get0_id(one), &q.items[i]);
                if (r < 0)
                        return r;
        }
        q.n = (size_t) n;

        idx = OCSP_REQUEST_get_ext_by_NID(q.req, NID_id_pkix_OCSP_Nonce, -1);
        if (idx >= 0) {
                X509_EXTENSION *ext = OCSP_REQUEST_get_ext(q.req, idx);
                ASN1_OCTET_STRING *v = ext ? X509_EXTENSION_get_data(ext) : NULL;
                /* The value wraps the nonce in an OCTET STRING (2 bytes of
                 * header at these sizes). */
                if (!v || ASN1_STRING_length(v) < 1)
                        return -EBADMSG;
                if (ASN1_STRING_length(v) > OCSP_NONCE_MAX + 2)
                        return -E2BIG;
                if (OCSP_REQUEST_get_ext_by_NID(q.req, NID_id_pkix_OCSP_Nonce, idx) >= 0)
                        return -EBADMSG; /* two nonces */
                q.has_nonce = true;
        }
        *ret = q;
        q = (ocsp_query) {};
        return 0;
}

int ocsp_request_from_get(const char *path, uint8_t **ret, size_t *ret_len) {
        _cleanup_free_ char *b = NULL;
        size_t len, o = 0;
        int r;

        if (!path)
                return -EBADMSG;
        while (*path == '/')
                path++;
        len = strlen(path);
        if (len == 0)
                return -EBADMSG;
        if (len > b64_encoded_len(B64_STD, OCSP_REQUEST_MAX) * 3)
                return -E2BIG;
        b = malloc(len + 1);
        if (!b)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++) {
                if (path[i] == '%' && i + 2 < len && path[i + 1] == '2') {
                        char c = path[i + 2];
                        if (c == 'B' || c == 'b') { b[o++] = '+'; i += 2; continue; }
                        if (c == 'F' || c == 'f') { b[o++] = '/'; i += 2; continue; }
                }
                if (path[i] == '%' && i + 2 < len && path[i + 1] == '3' && (path[i + 2] == 'D' || path[i + 2] == 'd')) {
                        b[o++] = '=';
                        i += 2;
                        continue;
                }
                b[o++] = path[i];
        }
        b[o] = '\0';
        r = b64_decode(B64_STD, b, o, b64_encoded_len(B64_STD, OCSP_REQUEST_MAX), ret, ret_len);
        return r == -E2BIG ? -E2BIG : r < 0 ? (r == -ENOMEM ? r : -EBADMSG) : 0;
}
