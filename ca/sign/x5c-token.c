/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The X5C one-time token (x5c-token.h): parsing with limits, claim and
 * signature checks, and the device-certificate checks on its leaf. No I/O.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "ca/core/san-name.h"
#include "log.h"
#include "x5c-token.h"

void x5c_token_free(x5c_token *t) {
        if (!t)
                return;
        jws_free(t->jws);
        x509_stack_free(t->x5c);
        free(t->iss);
        for (size_t i = 0; i < t->n_aud; i++)
                free(t->aud[i]);
        free(t->aud);
        free(t->sub);
        x509_san_list_free(t->sans);
        free(t->jti);
        free(t);
}

int x5c_san_classify(const char *name, x509_san_type *ret) {
        return ca_san_classify(name, ret);
}

/* A string claim of 1..max bytes; 0, -ENOENT, or -EBADMSG. */
static int get_bounded(json_object *o, const char *key, size_t max, char **ret) {
        const char *s;
        int r;

        r = json_get_string(o, key, &s);
        if (r < 0)
                return r == -ENOENT ? r : -EBADMSG;
        if (!*s || strlen(s) > max)
                return -EBADMSG;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

#define REFUSE(why)                  \
        do {                         \
                if (ret_why)         \
                        *ret_why = (why); \
                return -EBADMSG;     \
        } while (0)

/* The digest of the x5c strings (x5c_token.x5c_digest). */
static int x5c_digest(json_object *arr, size_t n, uint8_t ret[32]) {
        _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();

        if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(arr, i);

                if (!EVP_DigestUpdate(ctx, json_object_get_string(e), (size_t) json_object_get_string_len(e) + 1))
                        return -ENOMEM;
        }
        return EVP_DigestFinal_ex(ctx, ret, NULL) ? 0 : -ENOMEM;
}

static int parse_x5c(x5c_token *t, x5c_chain_lookup lookup, void *userdata, const char **ret_why) {
        json_object *arr;
        size_t n;
        int r;

        r = json_get_array(t->jws->header, "x5c", &arr);
        if (r == -ENOENT)
                REFUSE("the token header has no \"x5c\"");
        if (r < 0)
                REFUSE("the token header's \"x5c\" is not an array");
        n = json_object_array_length(arr);
        if (n == 0 || n > X5C_MAX_CERTS)
                REFUSE("\"x5c\" must hold 1 to 4 certificates");
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(arr, i);

                if (!json_object_is_type(e, json_type_string))
                        REFUSE("an \"x5c\" entry is not a string");
                if ((size_t) json_object_get_string_len(e) > b64_encoded_len(B64_STD, X5C_CERT_MAX))
                        REFUSE("an \"x5c\" entry is not standard base64 of at most 4096 bytes");
        }
        r = x5c_digest(arr, n, t->x5c_digest);
        if (r < 0)
                return r;
        if (lookup) {
                t->x5c = lookup(t->x5c_digest, userdata);
                if (t->x5c) {
                        t->x5c_given = true;
                        return 0;
                }
        }
        t->x5c = sk_X509_new_null();
        if (!t->x5c)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(arr, i);
                _cleanup_free_ uint8_t *der = NULL;
                _cleanup_x509_ X509 *cert = NULL;
                size_t len;

                if (!json_object_is_type(e, json_type_string))
                        REFUSE("an \"x5c\" entry is not a string");
                r = b64_decode(B64_STD, json_object_get_string(e), (size_t) json_object_get_string_len(e),
                               b64_encoded_len(B64_STD, X5C_CERT_MAX), &der, &len);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 || len > X5C_CERT_MAX)
                        REFUSE("an \"x5c\" entry is not standard base64 of at most 4096 bytes");
                r = x509_cert_from_der(der, len, &cert);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        REFUSE("an \"x5c\" entry is not a DER certificate");
                if (!sk_X509_push(t->x5c, cert))
                        return -ENOMEM;
                TAKE_PTR(cert);
        }
        return 0;
}

static int parse_aud(x5c_token *t, json_object *claims, const char **ret_why) {
        json_object *a;
        size_t n;

        if (!json_object_object_get_ex(claims, "aud", &a))
                REFUSE("the token has no \"aud\"");
        if (json_object_is_type(a, json_type_string)) {
                t->aud = calloc(1, sizeof(char *));
                if (!t->aud)
                        return -ENOMEM;
                if (json_object_get_string_len(a) == 0 || json_object_get_string_len(a) > X5C_AUD_MAX ||
                    strlen(json_object_get_string(a)) != (size_t) json_object_get_string_len(a))
                        REFUSE("\"aud\" is empty or too long");
                t->aud[0] = strdup(json_object_get_string(a));
                if (!t->aud[0])
                        return -ENOMEM;
                t->n_aud = 1;
                return 0;
        }
        if (!json_object_is_type(a, json_type_array))
                REFUSE("\"aud\" is neither a string nor an array");
        n = json_object_array_length(a);
        if (n == 0 || n > X5C_MAX_AUD)
                REFUSE("\"aud\" must hold 1 to 8 audiences");
        t->aud = calloc(n, sizeof(char *));
        if (!t->aud)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i);
                if (!json_object_is_type(e, json_type_string) || json_object_get_string_len(e) == 0 ||
                    json_object_get_string_len(e) > X5C_AUD_MAX ||
                    strlen(json_object_get_string(e)) != (size_t) json_object_get_string_len(e))
                        REFUSE("an \"aud\" entry is not a non-empty string of at most 512 bytes");
                t->aud[i] = strdup(json_object_get_string(e));
                if (!t->aud[i])
                        return -ENOMEM;
                t->n_aud++;
        }
        return 0;
}

static int san_list_add(x509_san_list *l, const char *name, const char **ret_why) {
        x509_san_type type;
        x509_san *items;

        if (x5c_san_classify(name, &type) < 0)
                REFUSE("a requested name is not a DNS name, IP address, email address or URI");
        if (x509_san_list_contains(l, type, name))
                return 0; /* duplicates are harmless; issue each name once */
        items = realloc(l->items, (l->n + 1) * sizeof(*items));
        if (!items)
                return -ENOMEM;
        l->items = items;
        items[l->n] = (x509_san) { .type = type, .value = strdup(name) };
        if (!items[l->n].value)
                return -ENOMEM;
        l->n++;
        return 0;
}

static int parse_sans(x5c_token *t, json_object *claims, const char **ret_why) {
        json_object *arr = NULL;
        int r;

        t->sans = calloc(1, sizeof(*t->sans));
        if (!t->sans)
                return -ENOMEM;
        r = json_get_array_opt(claims, "sans", &arr);
        if (r < 0)
                REFUSE("\"sans\" is not an array");
        if (r == 0) {
                x509_san_type type;

                /* A subject that is no name (an account's "Wi-Fi laptop")
                 * gives no default SAN; whether that may be issued is the
                 * provisioner's business. */
                if (x5c_san_classify(t->sub, &type) < 0)
                        return 0;
                return san_list_add(t->sans, t->sub, ret_why);
        }
        t->sans_given = true;
        if (json_object_array_length(arr) == 0 || json_object_array_length(arr) > X5C_MAX_SANS)
                REFUSE("\"sans\" must hold 1 to 16 names");
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                json_object *e = json_object_array_get_idx(arr, i);
                if (!json_object_is_type(e, json_type_string) ||
                    strlen(json_object_get_string(e)) != (size_t) json_object_get_string_len(e))
                        REFUSE("a \"sans\" entry is not a string");
                r = san_list_add(t->sans, json_object_get_string(e), ret_why);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_cnf(x5c_token *t, json_object *claims, const char **ret_why) {
        _cleanup_free_ uint8_t *h = NULL;
        json_object *cnf = NULL;
        size_t len;
        int r;

        r = json_get_object_opt(claims, "cnf", &cnf);
        if (r < 0)
                REFUSE("\"cnf\" is not an object");
        if (r == 0)
                return 0;
        if (json_object_object_length(cnf) != 1)
                REFUSE("\"cnf\" must hold exactly \"x5rt#S256\"");
        r = json_get_b64(cnf, "x5rt#S256", B64_URL, 64, &h, &len);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || len != 32)
                REFUSE("\"cnf\" must hold \"x5rt#S256\", base64url of a SHA-256 hash");
        memcpy(t->cnf_x5rt_s256, h, 32);
        t->has_cnf = true;
        return 0;
}

static int parse_claims(x5c_token *t, const char **ret_why) {
        _cleanup_json_ json_object *claims = NULL;
        int r;

        r = json_parse_object((const char *) t->jws->payload, t->jws->payload_len, X5C_TOKEN_MAX, &claims);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                REFUSE("the token payload is not a JSON object");

        r = get_bounded(claims, "iss", X5C_ISS_MAX, &t->iss);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                REFUSE("\"iss\" is missing or not a string of 1 to 64 bytes");
        r = parse_aud(t, claims, ret_why);
        if (r < 0)
                return r;
        r = get_bounded(claims, "sub", X5C_SUB_MAX, &t->sub);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                REFUSE("\"sub\" is missing or not a string of 1 to 64 bytes");
        for (const char *p = t->sub; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        REFUSE("\"sub\" holds control characters");
        r = parse_sans(t, claims, ret_why);
        if (r < 0)
                return r;
        r = get_bounded(claims, "jti", X5C_JTI_MAX, &t->jti);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || !ca_printable_ascii(t->jti))
                REFUSE("\"jti\" is missing or not 1 to 128 printable ASCII characters");

        if (json_get_int64(claims, "exp", &t->exp) < 0)
                REFUSE("\"exp\" is missing or not an integer");
        if (json_get_int64(claims, "iat", &t->iat) < 0)
                REFUSE("\"iat\" is missing or not an integer");
        r = json_get_int64_opt(claims, "nbf", &t->nbf);
        if (r < 0)
                REFUSE("\"nbf\" is not an integer");
        if (r == 0)
                t->nbf = t->iat;
        return parse_cnf(t, claims, ret_why);
}

int x5c_token_parse(const char *buf, size_t len, x5c_token **ret, const char **ret_why) {
        return x5c_token_parse_with(buf, len, NULL, NULL, ret, ret_why);
}

int x5c_token_parse_with(const char *buf, size_t len, x5c_chain_lookup lookup, void *userdata, x5c_token **ret,
                         const char **ret_why) {
        _cleanup_(x5c_token_freep) x5c_token *t = NULL;
        const char *typ = NULL;
        int r;

        if (!buf || !ret)
                return -EINVAL;
        if (len > X5C_TOKEN_MAX) {
                if (ret_why)
                        *ret_why = "the token is longer than 16 KiB";
                return -E2BIG;
        }
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        r = jws_parse_compact(buf, len, X5C_TOKEN_MAX, JWS_ALG_ALL, &t->jws);
        if (r == -ENOMEM)
                return r;
        if (r == -EPROTONOSUPPORT)
                REFUSE("the token's \"alg\" is not ES256, ES384 or RS256");
        if (r < 0)
                REFUSE("the token is not a compact JWS");
        t->alg = t->jws->alg;
        r = json_get_string_opt(t->jws->header, "typ", &typ);
        if (r < 0 || (r > 0 && !streq(typ, "JWT")))
                REFUSE("the token's \"typ\" is not \"JWT\"");
        r = parse_x5c(t, lookup, userdata, ret_why);
        if (r < 0)
                return r;
        r = parse_claims(t, ret_why);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(t);
        return 0;
}

#undef REFUSE
#define REFUSE(why)                  \
        do {                         \
                if (ret_why)         \
                        *ret_why = (why); \
                return -EPERM;       \
        } while (0)

int x5c_token_check(const x5c_token *t, const char *provisioner, const char *const *audiences, time_t now,
                    const char **ret_why) {
        bool aud_ok = false;
        int64_t n = (int64_t) now;

        if (!t || !provisioner || !audiences)
                return -EINVAL;
        if (jws_verify(t->jws, X509_get0_pubkey(sk_X509_value(t->x5c, 0))) < 0)
                REFUSE("the token's signature does not verify with the x5c leaf's key");
        if (!streq(t->iss, provisioner))
                REFUSE("the token's \"iss\" is not the provisioner's name");
        for (size_t i = 0; i < t->n_aud && !aud_ok; i++)
                for (const char *const *a = audiences; *a && !aud_ok; a++)
                        aud_ok = streq(t->aud[i], *a);
        if (!aud_ok)
                REFUSE("the token's \"aud\" is not this provisioner's /1.0/sign URL");
        if (t->nbf >= t->exp)
                REFUSE("the token's \"nbf\" is not before its \"exp\"");
        if (t->exp - t->nbf > X5C_MAX_VALIDITY)
                REFUSE("the token is valid for more than 10 minutes");
        if (t->nbf > n + X5C_LEEWAY || t->iat > n + X5C_LEEWAY)
                REFUSE("the token is not valid yet");
        if (t->exp <= n - X5C_LEEWAY)
                REFUSE("the token has expired");
        return 0;
}

int x5c_token_verify_leaf(const x5c_token *t, STACK_OF(X509) *anchors, STACK_OF(X509) *intermediates, time_t now,
                          const char **ret_why) {
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        X509 *leaf;
        int r;

        if (!t || !anchors)
                return -EINVAL;
        leaf = sk_X509_value(t->x5c, 0);
        r = x509_chain_verify(leaf, intermediates, anchors, now, true);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                REFUSE("the x5c leaf is not a valid client certificate of the provisioner's roots (chain, "
                       "validity, EKU clientAuth, KU digitalSignature)");
        r = x509_cert_get_sans(leaf, &sans);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                REFUSE("the x5c leaf's subjectAltName is malformed");
        for (size_t i = 0; i < sans->n; i++)
                if (sans->items[i].type == X509_SAN_PERMANENT_ID && *sans->items[i].value)
                        return 0;
        REFUSE("the x5c leaf is not a device certificate (no PermanentIdentifier)");
}
