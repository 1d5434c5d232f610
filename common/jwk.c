/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON Web Keys (jwk.h): public EC P-256/P-384 and RSA keys to and from
 * their JWK form (RFC 7518 section 6), and RFC 7638 thumbprints. EC
 * coordinates are always the full field width and RSA integers carry no
 * leading zero octets (RFC 7518 sections 6.2.1.2 and 6.3.1.1), so a key
 * has exactly one JWK and exactly one thumbprint. Import is strict: the
 * JWK comes from the network (ACME newAccount) and becomes a trusted key.
 */
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "crypto.h"
#include "jwk.h"
#include "log.h"

#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 8192
/* e = 65537 needs 3 octets; RFC 7518 allows more but nothing real uses it. */
#define RSA_MAX_E_BYTES 8

DEFINE_TRIVIAL_CLEANUP_FUNC(OSSL_PARAM_BLD *, OSSL_PARAM_BLD_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(OSSL_PARAM *, OSSL_PARAM_free);

typedef struct jwk_curve {
        const char *crv;        /* JWK name (RFC 7518 section 6.2.1.1) */
        const char *group;      /* OpenSSL group name */
        size_t field_len;
} jwk_curve;

static const jwk_curve curves[] = {
        { "P-256", "prime256v1", 32 },
        { "P-384", "secp384r1", 48 },
};

static const jwk_curve *curve_of_pkey(EVP_PKEY *pkey) {
        char group[64];

        if (!EVP_PKEY_is_a(pkey, "EC") ||
            EVP_PKEY_get_group_name(pkey, group, sizeof(group), NULL) != 1)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(curves); i++)
                if (streq(group, curves[i].group))
                        return &curves[i];
        return NULL;
}

/* The public members of a key, base64url-encoded, in RFC 7638 order:
 * EC: crv, kty, x, y; RSA: e, kty, n (first/second hold x/y or e/n). */
typedef struct jwk_members {
        const char *kty;
        const char *crv;        /* EC only */
        char *first, *second;
} jwk_members;

static void jwk_members_done(jwk_members *m) {
        free(m->first);
        free(m->second);
}

static int bn_param_b64(EVP_PKEY *pkey, const char *param, size_t pad_to, char **ret) {
        _cleanup_(BN_freep) BIGNUM *bn = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;

        if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1)
                return log_debug_errno(EINVAL, "Key has no \"%s\": %s", param, crypto_last_error());
        n = pad_to ? pad_to : (size_t) BN_num_bytes(bn);
        if ((size_t) BN_num_bytes(bn) > n || n == 0)
                return -EINVAL;
        buf = malloc(n);
        if (!buf)
                return -ENOMEM;
        if (BN_bn2binpad(bn, buf, (int) n) < 0)
                return -EINVAL;
        return b64_encode(B64_URL, buf, n, ret);
}

static int jwk_members_from_pkey(EVP_PKEY *pkey, jwk_members *ret) {
        jwk_members m = {};
        const jwk_curve *c;
        int r;

        if (!pkey)
                return -EINVAL;
        c = curve_of_pkey(pkey);
        if (c) {
                m.kty = "EC";
                m.crv = c->crv;
                r = bn_param_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_X, c->field_len, &m.first);
                if (r >= 0)
                        r = bn_param_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, c->field_len, &m.second);
        } else if (EVP_PKEY_is_a(pkey, "RSA")) {
                int bits = EVP_PKEY_get_bits(pkey);
                if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
                        return log_debug_errno(EOPNOTSUPP, "RSA key of %d bits not supported.", bits);
                m.kty = "RSA";
                r = bn_param_b64(pkey, OSSL_PKEY_PARAM_RSA_E, 0, &m.first);
                if (r >= 0)
                        r = bn_param_b64(pkey, OSSL_PKEY_PARAM_RSA_N, 0, &m.second);
        } else
                return log_debug_errno(EOPNOTSUPP, "Key type \"%s\" has no JWK form here.",
                                       EVP_PKEY_get0_type_name(pkey));
        if (r < 0) {
                jwk_members_done(&m);
                return r;
        }
        *ret = m;
        return 0;
}

int jwk_from_pkey(EVP_PKEY *pkey, json_object **ret) {
        _cleanup_json_ json_object *o = NULL;
        jwk_members m;
        int r;

        if (!ret)
                return -EINVAL;
        r = jwk_members_from_pkey(pkey, &m);
        if (r < 0)
                return r;
        o = json_object_new_object();
        if (!o)
                r = -ENOMEM;
        else if (m.crv)
                r = (json_add_string(o, "crv", m.crv) < 0 || json_add_string(o, "kty", m.kty) < 0 ||
                     json_add_string(o, "x", m.first) < 0 || json_add_string(o, "y", m.second) < 0)
                            ? -ENOMEM
                            : 0;
        else
                r = (json_add_string(o, "e", m.first) < 0 || json_add_string(o, "kty", m.kty) < 0 ||
                     json_add_string(o, "n", m.second) < 0)
                            ? -ENOMEM
                            : 0;
        jwk_members_done(&m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int jwk_thumbprint_json(EVP_PKEY *pkey, char **ret) {
        jwk_members m;
        int r;

        if (!ret)
                return -EINVAL;
        r = jwk_members_from_pkey(pkey, &m);
        if (r < 0)
                return r;
        /* Every value is a fixed name or base64url, so nothing needs
         * escaping and the text can be written directly (RFC 7638 3.2). */
        if (m.crv)
                r = asprintf(ret, "{\"crv\":\"%s\",\"kty\":\"%s\",\"x\":\"%s\",\"y\":\"%s\"}", m.crv,
                             m.kty, m.first, m.second);
        else
                r = asprintf(ret, "{\"e\":\"%s\",\"kty\":\"%s\",\"n\":\"%s\"}", m.first, m.kty,
                             m.second);
        jwk_members_done(&m);
        return r < 0 ? -ENOMEM : 0;
}

int jwk_thumbprint(EVP_PKEY *pkey, uint8_t ret[32]) {
        _cleanup_free_ char *json = NULL;
        int r;

        r = jwk_thumbprint_json(pkey, &json);
        if (r < 0)
                return r;
        return crypto_sha256(json, strlen(json), ret);
}

int jwk_thumbprint_b64(EVP_PKEY *pkey, char **ret) {
        uint8_t digest[32];
        int r;

        r = jwk_thumbprint(pkey, digest);
        if (r < 0)
                return r;
        return b64_encode(B64_URL, digest, sizeof(digest), ret);
}

/* ---- import ---- */

static int refuse_members(json_object *jwk, const char *const *names) {
        for (; *names; names++)
                if (json_object_object_get_ex(jwk, *names, NULL))
                        return log_debug_errno(EBADMSG, "JWK has private member \"%s\", refusing.",
                                               *names);
        return 0;
}

/* Decodes an unpadded base64url member of exactly want bytes (want > 0),
 * or, with want == 0, of 1..max bytes without a leading zero octet.
 * -E2BIG if longer, -EBADMSG if missing or malformed. */
static int get_octets(json_object *jwk, const char *key, size_t want, size_t max, uint8_t **ret,
                      size_t *ret_len) {
        _cleanup_free_ uint8_t *b = NULL;
        size_t n;
        int r;

        r = json_get_b64(jwk, key, B64_URL, b64_encoded_len(B64_URL, want ? want : max), &b, &n);
        if (r < 0)
                return r == -ENOENT ? -EBADMSG : r;
        if (want ? n != want : (n == 0 || b[0] == 0))
                return log_debug_errno(EBADMSG, "JWK member \"%s\" has the wrong length (%zu).",
                                       key, n);
        *ret = TAKE_PTR(b);
        *ret_len = n;
        return 0;
}

static int pkey_from_params(const char *type, OSSL_PARAM_BLD *bld, bool check, EVP_PKEY **ret) {
        _cleanup_(OSSL_PARAM_freep) OSSL_PARAM *params = NULL;
        _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = NULL;
        _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *check_ctx = NULL;
        _cleanup_pkey_ EVP_PKEY *pkey = NULL;

        params = OSSL_PARAM_BLD_to_param(bld);
        ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
        if (!params || !ctx)
                return -ENOMEM;
        if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
            EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
                return log_debug_errno(EBADMSG, "JWK is not a valid %s key: %s", type,
                                       crypto_last_error());
        if (check) {
                /* EC: the point is on the curve and in the prime-order subgroup. */
                check_ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
                if (!check_ctx)
                        return -ENOMEM;
                if (EVP_PKEY_public_check(check_ctx) != 1)
                        return log_debug_errno(EBADMSG, "JWK %s public key fails validation: %s",
                                               type, crypto_last_error());
        }
        *ret = TAKE_PTR(pkey);
        return 0;
}

static int jwk_to_pkey_ec(json_object *jwk, EVP_PKEY **ret) {
        static const char *const private_members[] = { "d", NULL };
        _cleanup_(OSSL_PARAM_BLD_freep) OSSL_PARAM_BLD *bld = NULL;
        _cleanup_free_ uint8_t *x = NULL, *y = NULL;
        const jwk_curve *c = NULL;
        uint8_t point[1 + 2 * 66];
        const char *crv;
        size_t xn, yn;
        int r;

        r = json_get_string(jwk, "crv", &crv);
        if (r < 0)
                return -EBADMSG;
        for (size_t i = 0; i < ELEMENTSOF(curves); i++)
                if (streq(crv, curves[i].crv))
                        c = &curves[i];
        if (!c)
                return log_debug_errno(EOPNOTSUPP, "JWK curve \"%s\" not supported.", crv);
        r = refuse_members(jwk, private_members);
        if (r < 0)
                return r;
        r = get_octets(jwk, "x", c->field_len, 0, &x, &xn);
        if (r >= 0)
                r = get_octets(jwk, "y", c->field_len, 0, &y, &yn);
        if (r < 0)
                return r == -E2BIG ? -EBADMSG : r;

        /* SEC 1 uncompressed point: 0x04 || x || y. */
        point[0] = 0x04;
        memcpy(point + 1, x, xn);
        memcpy(point + 1 + xn, y, yn);
        bld = OSSL_PARAM_BLD_new();
        if (!bld ||
            OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, c->group, 0) != 1 ||
            OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + xn + yn) != 1)
                return -ENOMEM;
        return pkey_from_params("EC", bld, true, ret);
}

static int jwk_to_pkey_rsa(json_object *jwk, EVP_PKEY **ret) {
        static const char *const private_members[] = { "d", "p", "q", "dp", "dq", "qi", "oth", NULL };
        _cleanup_(OSSL_PARAM_BLD_freep) OSSL_PARAM_BLD *bld = NULL;
        _cleanup_(BN_freep) BIGNUM *n = NULL;
        _cleanup_(BN_freep) BIGNUM *e = NULL;
        _cleanup_free_ uint8_t *nb = NULL, *eb = NULL;
        size_t nn, en;
        int r;

        r = refuse_members(jwk, private_members);
        if (r < 0)
                return r;
        r = get_octets(jwk, "n", 0, RSA_MAX_BITS / 8, &nb, &nn);
        if (r == -E2BIG)
                return log_debug_errno(EOPNOTSUPP, "JWK RSA modulus above %d bits.", RSA_MAX_BITS);
        if (r < 0)
                return r;
        r = get_octets(jwk, "e", 0, RSA_MAX_E_BYTES, &eb, &en);
        if (r < 0)
                return r == -E2BIG ? -EBADMSG : r;
        n = BN_bin2bn(nb, (int) nn, NULL);
        e = BN_bin2bn(eb, (int) en, NULL);
        if (!n || !e)
                return -ENOMEM;
        if (BN_num_bits(n) < RSA_MIN_BITS)
                return log_debug_errno(EOPNOTSUPP, "JWK RSA key of %d bits is too small.",
                                       BN_num_bits(n));
        /* Plain shape checks only: OpenSSL's RSA public check runs a
         * randomised primality test, so its verdict on a malformed modulus
         * can change from call to call. A bad modulus only weakens its
         * owner's own signatures. */
        if (!BN_is_odd(n) || !BN_is_odd(e) || BN_is_one(e))
                return log_debug_errno(EBADMSG, "JWK RSA modulus or exponent is even or e is 1.");
        bld = OSSL_PARAM_BLD_new();
        if (!bld || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1)
                return -ENOMEM;
        return pkey_from_params("RSA", bld, false, ret);
}

int jwk_to_pkey(json_object *jwk, EVP_PKEY **ret) {
        const char *kty;
        int r;

        if (!ret)
                return -EINVAL;
        if (!json_object_is_type(jwk, json_type_object))
                return log_debug_errno(EBADMSG, "JWK is not a JSON object.");
        r = json_get_string(jwk, "kty", &kty);
        if (r < 0)
                return -EBADMSG;
        if (streq(kty, "EC"))
                return jwk_to_pkey_ec(jwk, ret);
        if (streq(kty, "RSA"))
                return jwk_to_pkey_rsa(jwk, ret);
        return log_debug_errno(EOPNOTSUPP, "JWK key type \"%s\" not supported.", kty);
}
