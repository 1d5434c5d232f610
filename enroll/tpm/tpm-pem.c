/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TPM key files: the `TSS2 PRIVATE KEY` PEM of tpm2-tss-engine and
 * tpm2-openssl ("ASN.1 Specification for TPM 2.0 Key Files"):
 *
 *   TPMKey ::= SEQUENCE {
 *     type       OBJECT IDENTIFIER (2.23.133.10.1.3, id-loadablekey),
 *     emptyAuth  [0] EXPLICIT BOOLEAN OPTIONAL,
 *     parent     INTEGER,         -- 0x40000001: the owner-hierarchy SRK
 *     pubkey     OCTET STRING,    -- TPM2B_PUBLIC
 *     privkey    OCTET STRING }   -- TPM2B_PRIVATE
 *
 * A small strict DER writer and reader of exactly this shape (definite
 * minimal lengths, nothing trailing). Pure; the reader has a fuzz target.
 * Keys with policies, an import secret or a non-empty auth are refused.
 */
#include "b64.h"
#include "enroll/tpm/tpm-internal.h"
#include "enroll/tpm/tpm-key.h"
#include "log.h"
#include "tpm2util.h"

#define PEM_BEGIN "-----BEGIN TSS2 PRIVATE KEY-----"
#define PEM_END "-----END TSS2 PRIVATE KEY-----"
#define PEM_MAX 16384

static const uint8_t oid_loadable_key[] = { 0x06, 0x06, 0x67, 0x81, 0x05, 0x0a, 0x01, 0x03 };
#define PARENT_OWNER 0x40000001u

/* ---- writer ---- */

static size_t der_len_size(size_t len) {
        return len < 0x80 ? 1 : len < 0x100 ? 2 : 3;
}

static uint8_t *der_put_header(uint8_t *p, uint8_t tag, size_t len) {
        *p++ = tag;
        if (len < 0x80)
                *p++ = len;
        else if (len < 0x100) {
                *p++ = 0x81;
                *p++ = len;
        } else {
                *p++ = 0x82;
                *p++ = len >> 8;
                *p++ = len & 0xff;
        }
        return p;
}

int tpm_pem_encode_der(const uint8_t *pub, size_t pub_len, const uint8_t *priv, size_t priv_len,
                       uint8_t **ret, size_t *ret_len) {
        static const uint8_t empty_auth[] = { 0xa0, 0x03, 0x01, 0x01, 0xff };
        static const uint8_t parent[] = { 0x02, 0x04, 0x40, 0x00, 0x00, 0x01 };
        size_t body, total;
        uint8_t *buf, *p;

        if (pub_len > 0xffff || priv_len > 0xffff)
                return -EINVAL;
        body = sizeof(oid_loadable_key) + sizeof(empty_auth) + sizeof(parent) + 1 +
               der_len_size(pub_len) + pub_len + 1 + der_len_size(priv_len) + priv_len;
        if (body > 0xffff)
                return -EINVAL;
        total = 1 + der_len_size(body) + body;
        buf = malloc(total);
        if (!buf)
                return -ENOMEM;
        p = der_put_header(buf, 0x30, body);
        memcpy(p, oid_loadable_key, sizeof(oid_loadable_key));
        p += sizeof(oid_loadable_key);
        memcpy(p, empty_auth, sizeof(empty_auth));
        p += sizeof(empty_auth);
        memcpy(p, parent, sizeof(parent));
        p += sizeof(parent);
        p = der_put_header(p, 0x04, pub_len);
        memcpy(p, pub, pub_len);
        p += pub_len;
        p = der_put_header(p, 0x04, priv_len);
        memcpy(p, priv, priv_len);
        *ret = buf;
        *ret_len = total;
        return 0;
}

/* ---- reader ---- */

typedef struct der {
        const uint8_t *p;
        size_t left;
} der;

/* Reads one TLV with the given tag; minimal definite lengths only. */
static int der_get(der *d, uint8_t tag, const uint8_t **ret, size_t *ret_len) {
        size_t len;

        if (d->left < 2 || d->p[0] != tag)
                return -EBADMSG;
        if (d->p[1] < 0x80) {
                len = d->p[1];
                d->p += 2;
                d->left -= 2;
        } else if (d->p[1] == 0x81) {
                if (d->left < 3 || d->p[2] < 0x80)
                        return -EBADMSG;
                len = d->p[2];
                d->p += 3;
                d->left -= 3;
        } else if (d->p[1] == 0x82) {
                if (d->left < 4 || d->p[2] == 0)
                        return -EBADMSG;
                len = (size_t) d->p[2] << 8 | d->p[3];
                d->p += 4;
                d->left -= 4;
        } else
                return -EBADMSG;
        if (len > d->left)
                return -EBADMSG;
        *ret = d->p;
        *ret_len = len;
        d->p += len;
        d->left -= len;
        return 0;
}

int tpm_pem_decode_der(const uint8_t *buf, size_t len, const uint8_t **ret_pub,
                       size_t *ret_pub_len, const uint8_t **ret_priv, size_t *ret_priv_len) {
        der outer = { buf, len }, seq;
        const uint8_t *v;
        size_t n;
        uint64_t parent = 0;
        bool empty_auth = false;
        int r;

        r = der_get(&outer, 0x30, &seq.p, &seq.left);
        if (r < 0)
                return r;
        if (outer.left != 0)
                return -EBADMSG;
        r = der_get(&seq, 0x06, &v, &n);
        if (r < 0)
                return r;
        if (n != sizeof(oid_loadable_key) - 2 || memcmp(v, oid_loadable_key + 2, n) != 0)
                return -EBADMSG;
        if (seq.left > 0 && seq.p[0] == 0xa0) {
                der inner;

                r = der_get(&seq, 0xa0, &inner.p, &inner.left);
                if (r < 0)
                        return r;
                r = der_get(&inner, 0x01, &v, &n);
                if (r < 0)
                        return r;
                if (n != 1 || inner.left != 0)
                        return -EBADMSG;
                /* OpenSSL writes TRUE as 0x01 (BER), not DER's 0xff. */
                empty_auth = v[0] != 0x00;
        }
        /* [1] policy, [2] secret, [3] authPolicy ... are not for us. */
        r = der_get(&seq, 0x02, &v, &n);
        if (r < 0)
                return r;
        if (n == 0 || n > 5 || (v[0] & 0x80) || (n > 1 && v[0] == 0 && !(v[1] & 0x80)))
                return -EBADMSG;
        for (size_t i = 0; i < n; i++)
                parent = parent << 8 | v[i];
        /* tpm2-openssl reads parent 0 as the owner hierarchy too. */
        if (parent != PARENT_OWNER && parent != 0)
                return -EBADMSG;
        r = der_get(&seq, 0x04, ret_pub, ret_pub_len);
        if (r < 0)
                return r;
        r = der_get(&seq, 0x04, ret_priv, ret_priv_len);
        if (r < 0)
                return r;
        if (seq.left != 0)
                return -EBADMSG;
        if (!empty_auth)
                return -EOPNOTSUPP;
        return 0;
}

int tpm_key_to_pem(const tpm_key *k, char **ret, size_t *ret_len) {
        _cleanup_free_ uint8_t *pub = NULL, *priv = NULL, *der_buf = NULL;
        _cleanup_free_ char *b64 = NULL;
        size_t pub_len = 0, priv_len = 0, der_len = 0, b64_len, out_len;
        char *out, *p;
        int r;

        if (!k || !ret)
                return -EINVAL;
        r = tpm_key_to_blobs(k, &pub, &pub_len, &priv, &priv_len);
        if (r < 0)
                return r;
        r = tpm_pem_encode_der(pub, pub_len, priv, priv_len, &der_buf, &der_len);
        explicit_bzero(priv, priv_len);
        if (r < 0)
                return r;
        r = b64_encode(B64_STD, der_buf, der_len, &b64);
        if (r < 0)
                return r;
        b64_len = strlen(b64);
        out_len = strlen(PEM_BEGIN) + 1 + b64_len + b64_len / 64 + 1 + strlen(PEM_END) + 1;
        out = malloc(out_len + 1);
        if (!out)
                return -ENOMEM;
        p = stpcpy(out, PEM_BEGIN "\n");
        for (size_t i = 0; i < b64_len; i += 64) {
                size_t n = b64_len - i < 64 ? b64_len - i : 64;
                memcpy(p, b64 + i, n);
                p += n;
                *p++ = '\n';
        }
        p = stpcpy(p, PEM_END "\n");
        *ret = out;
        if (ret_len)
                *ret_len = p - out;
        return 0;
}

/* The base64 body between the BEGIN and END lines, line breaks removed. */
static int pem_body(const char *pem, size_t len, char **ret, size_t *ret_len) {
        const char *begin, *end, *s;
        _cleanup_free_ char *body = NULL;
        size_t n = 0;

        if (len > PEM_MAX)
                return -EBADMSG;
        begin = memmem(pem, len, PEM_BEGIN, strlen(PEM_BEGIN));
        if (!begin)
                return -EBADMSG;
        s = begin + strlen(PEM_BEGIN);
        end = memmem(s, len - (s - pem), PEM_END, strlen(PEM_END));
        if (!end)
                return -EBADMSG;
        body = malloc(end - s + 1);
        if (!body)
                return -ENOMEM;
        for (; s < end; s++) {
                if (*s == '\n' || *s == '\r')
                        continue;
                body[n++] = *s;
        }
        body[n] = 0;
        *ret_len = n;
        *ret = TAKE_PTR(body);
        return 0;
}

int tpm_key_from_pem(const char *pem, size_t len, tpm_key **ret) {
        _cleanup_free_ char *body = NULL;
        _cleanup_free_ uint8_t *der_buf = NULL;
        const uint8_t *pub, *priv;
        size_t body_len, der_len, pub_len, priv_len;
        int r;

        if (!pem || !ret)
                return -EINVAL;
        r = pem_body(pem, len, &body, &body_len);
        if (r < 0)
                return r;
        r = b64_decode(B64_STD, body, body_len, PEM_MAX, &der_buf, &der_len);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        r = tpm_pem_decode_der(der_buf, der_len, &pub, &pub_len, &priv, &priv_len);
        if (r >= 0)
                r = tpm_key_from_blobs(pub, pub_len, priv, priv_len, ret);
        explicit_bzero(der_buf, der_len);
        return r;
}
