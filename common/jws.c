/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON Web Signature (jws.h): signing through a signer and strict parsing
 * and verification of the flattened JSON and compact serializations
 * (RFC 7515 sections 7.1 and 7.2.2) for ES256, ES384 and RS256 only.
 * Parsing never trusts the header's "alg" beyond the caller's allow-list,
 * and verification insists that the key is the one that alg names, so a
 * header cannot talk us into another algorithm (RFC 8725 section 3.1).
 */
#include "crypto.h"
#include "jws.h"
#include "log.h"

typedef struct jws_alg_info {
        jws_alg alg;
        const char *name;
        int md_nid;
        size_t field_len; /* ECDSA: bytes per half of r||s; 0 for RSA */
        const char *group; /* ECDSA: the one curve this alg signs with */
} jws_alg_info;

static const jws_alg_info algs[] = {
        { JWS_ALG_ES256, "ES256", NID_sha256, 32, "prime256v1" },
        { JWS_ALG_ES384, "ES384", NID_sha384, 48, "secp384r1" },
        { JWS_ALG_RS256, "RS256", NID_sha256, 0, NULL },
};

#define RSA_MIN_BITS 2048

static const jws_alg_info *alg_info(jws_alg a) {
        for (size_t i = 0; i < ELEMENTSOF(algs); i++)
                if (algs[i].alg == a)
                        return &algs[i];
        return NULL;
}

const char *jws_alg_to_string(jws_alg a) {
        const jws_alg_info *i = alg_info(a);
        return i ? i->name : NULL;
}

int jws_alg_from_string(const char *s, jws_alg *ret) {
        if (!s || !ret)
                return -EINVAL;
        /* Case-sensitive, as RFC 7515 section 4.1.1 says. */
        for (size_t i = 0; i < ELEMENTSOF(algs); i++)
                if (streq(s, algs[i].name)) {
                        *ret = algs[i].alg;
                        return 0;
                }
        return -EINVAL;
}

int jws_alg_for_key(EVP_PKEY *pkey, jws_alg *ret) {
        char group[64];

        if (!pkey || !ret)
                return -EINVAL;
        if (EVP_PKEY_is_a(pkey, "EC")) {
                if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), NULL) != 1)
                        return -EOPNOTSUPP;
                for (size_t i = 0; i < ELEMENTSOF(algs); i++)
                        if (algs[i].group && streq(group, algs[i].group)) {
                                *ret = algs[i].alg;
                                return 0;
                        }
                return log_debug_errno(EOPNOTSUPP, "No JWS algorithm for EC group \"%s\".", group);
        }
        if (EVP_PKEY_is_a(pkey, "RSA")) {
                if (EVP_PKEY_get_bits(pkey) < RSA_MIN_BITS)
                        return log_debug_errno(EOPNOTSUPP, "RSA key of %d bits is too small.",
                                               EVP_PKEY_get_bits(pkey));
                *ret = JWS_ALG_RS256;
                return 0;
        }
        return log_debug_errno(EOPNOTSUPP, "No JWS algorithm for key type \"%s\".",
                               EVP_PKEY_get0_type_name(pkey));
}

/* ---- signing ---- */

/* base64url(protected header with "alg" first, then header's members). */
static int protected_header_b64(json_object *header, const jws_alg_info *info, char **ret) {
        _cleanup_json_ json_object *h = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        if (header && !json_object_is_type(header, json_type_object))
                return -EINVAL;
        h = json_object_new_object();
        if (!h)
                return -ENOMEM;
        r = json_add_string(h, "alg", info->name);
        if (r < 0)
                return r;
        if (header) {
                json_object_object_foreach(header, key, value) {
                        if (streq(key, "alg")) {
                                /* Only the key decides the algorithm. */
                                if (!json_object_is_type(value, json_type_string) ||
                                    !streq(json_object_get_string(value), info->name))
                                        return log_debug_errno(EINVAL, "Header \"alg\" does not match the key (%s).",
                                                               info->name);
                                continue;
                        }
                        /* Shared by reference; the caller's header is not changed. */
                        r = json_add_object(h, key, json_object_get(value));
                        if (r < 0)
                                return r;
                }
        }
        r = json_to_string_dup(h, &text);
        if (r < 0)
                return r;
        return b64_encode(B64_URL, text, strlen(text), ret);
}

/* Computes the three encoded parts of a JWS. */
static int jws_sign_parts(signer *s, json_object *header, const void *payload, size_t len,
                          char **ret_protected, char **ret_payload, char **ret_signature) {
        _cleanup_free_ char *protected = NULL, *payload_b64 = NULL, *input = NULL;
        _cleanup_free_ uint8_t *sig = NULL, *raw = NULL;
        const jws_alg_info *info;
        size_t sig_len, raw_len;
        jws_alg alg;
        int r;

        if (!s || (!payload && len > 0))
                return -EINVAL;
        r = jws_alg_for_key(signer_public_key(s), &alg);
        if (r < 0)
                return r;
        info = alg_info(alg);

        r = protected_header_b64(header, info, &protected);
        if (r < 0)
                return r;
        r = b64_encode(B64_URL, payload, len, &payload_b64);
        if (r < 0)
                return r;
        if (asprintf(&input, "%s.%s", protected, payload_b64) < 0)
                return -ENOMEM;

        r = signer_sign(s, info->md_nid, input, strlen(input), &sig, &sig_len);
        if (r < 0)
                return log_debug_errno(r, "Signing JWS failed: %s", strerror(-r));
        if (info->field_len > 0) {
                /* ECDSA in JWS is r||s, not DER (RFC 7518 section 3.4). */
                r = crypto_ecdsa_der_to_raw(sig, sig_len, info->field_len, &raw, &raw_len);
                if (r < 0)
                        return log_debug_errno(r, "Signer returned a malformed ECDSA signature.");
                free(sig);
                sig = TAKE_PTR(raw);
                sig_len = raw_len;
        }
        r = b64_encode(B64_URL, sig, sig_len, ret_signature);
        if (r < 0)
                return r;
        *ret_protected = TAKE_PTR(protected);
        *ret_payload = TAKE_PTR(payload_b64);
        return 0;
}

int jws_sign_flattened(signer *s, json_object *header, const void *payload, size_t len, char **ret) {
        _cleanup_free_ char *protected = NULL, *payload_b64 = NULL, *signature = NULL;
        _cleanup_json_ json_object *o = NULL;
        int r;

        if (!ret)
                return -EINVAL;
        r = jws_sign_parts(s, header, payload, len, &protected, &payload_b64, &signature);
        if (r < 0)
                return r;
        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        if (json_add_string(o, "protected", protected) < 0 ||
            json_add_string(o, "payload", payload_b64) < 0 ||
            json_add_string(o, "signature", signature) < 0)
                return -ENOMEM;
        return json_to_string_dup(o, ret);
}

int jws_sign_compact(signer *s, json_object *header, const void *payload, size_t len, char **ret) {
        _cleanup_free_ char *protected = NULL, *payload_b64 = NULL, *signature = NULL;
        int r;

        if (!ret)
                return -EINVAL;
        r = jws_sign_parts(s, header, payload, len, &protected, &payload_b64, &signature);
        if (r < 0)
                return r;
        if (asprintf(ret, "%s.%s.%s", protected, payload_b64, signature) < 0)
                return -ENOMEM;
        return 0;
}

/* ---- parsing ---- */

void jws_free(jws *j) {
        if (!j)
                return;
        json_object_put(j->header);
        free(j->payload);
        free(j->signing_input);
        free(j->signature);
        free(j);
}

/* Decodes the three base64url parts (each given with its length, no NUL
 * needed) into a jws, validating the protected header. */
static int jws_from_parts(const char *protected, size_t protected_len, const char *payload,
                          size_t payload_len, const char *signature, size_t signature_len,
                          jws_alg allowed, jws **ret) {
        _cleanup_(jws_freep) jws *j = NULL;
        _cleanup_free_ uint8_t *header_text = NULL;
        size_t header_len;
        const char *alg;
        int r;

        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;

        r = b64_decode(B64_URL, protected, protected_len, JWS_MAX_SIZE, &header_text, &header_len);
        if (r < 0)
                return log_debug_errno(EBADMSG, "JWS protected header is not base64url.");
        r = json_parse_object((const char *) header_text, header_len, JWS_MAX_SIZE, &j->header);
        if (r < 0)
                return log_debug_errno(EBADMSG, "JWS protected header is not a JSON object.");

        r = json_get_string(j->header, "alg", &alg);
        if (r < 0)
                return log_debug_errno(EBADMSG, "JWS protected header has no string \"alg\".");
        if (jws_alg_from_string(alg, &j->alg) < 0 || !(j->alg & allowed))
                return log_debug_errno(EPROTONOSUPPORT, "JWS algorithm \"%s\" not allowed.", alg);
        /* We implement no extensions, so any "crit" names one we do not
         * understand (RFC 7515 section 4.1.11). */
        if (json_object_object_get_ex(j->header, "crit", NULL))
                return log_debug_errno(EBADMSG, "JWS header has \"crit\", refusing.");

        r = b64_decode(B64_URL, payload, payload_len, JWS_MAX_SIZE, &j->payload, &j->payload_len);
        if (r < 0)
                return log_debug_errno(EBADMSG, "JWS payload is not base64url.");
        r = b64_decode(B64_URL, signature, signature_len, JWS_MAX_SIZE, &j->signature,
                       &j->signature_len);
        if (r < 0 || j->signature_len == 0)
                return log_debug_errno(EBADMSG, "JWS signature is empty or not base64url.");

        j->signing_input_len = protected_len + 1 + payload_len;
        j->signing_input = malloc(j->signing_input_len + 1);
        if (!j->signing_input)
                return -ENOMEM;
        memcpy(j->signing_input, protected, protected_len);
        j->signing_input[protected_len] = '.';
        memcpy(j->signing_input + protected_len + 1, payload, payload_len);
        j->signing_input[j->signing_input_len] = '\0';

        *ret = TAKE_PTR(j);
        return 0;
}

static int check_size(const char *buf, size_t len, size_t max_len, jws **ret) {
        if (!ret || (!buf && len > 0))
                return -EINVAL;
        if (len > max_len || len > JWS_MAX_SIZE)
                return log_debug_errno(E2BIG, "JWS of %zu bytes is too large.", len);
        return 0;
}

int jws_parse_flattened(const char *buf, size_t len, size_t max_len, jws_alg allowed, jws **ret) {
        _cleanup_json_ json_object *o = NULL;
        json_object *protected, *payload, *signature;
        int r;

        r = check_size(buf, len, max_len, ret);
        if (r < 0)
                return r;
        r = json_parse_object(buf, len, JWS_MAX_SIZE, &o);
        if (r < 0)
                return log_debug_errno(EBADMSG, "Flattened JWS is not a JSON object.");
        json_object_object_foreach(o, key, value) {
                (void) value;
                if (!streq(key, "protected") && !streq(key, "payload") && !streq(key, "signature"))
                        return log_debug_errno(EBADMSG, "Flattened JWS has member \"%s\", refusing.",
                                               key);
        }
        /* Lengths come from json-c, so an embedded NUL fails base64url. */
        if (!json_object_object_get_ex(o, "protected", &protected) ||
            !json_object_object_get_ex(o, "payload", &payload) ||
            !json_object_object_get_ex(o, "signature", &signature) ||
            !json_object_is_type(protected, json_type_string) ||
            !json_object_is_type(payload, json_type_string) ||
            !json_object_is_type(signature, json_type_string))
                return log_debug_errno(EBADMSG, "Flattened JWS lacks a string member.");

        return jws_from_parts(json_object_get_string(protected),
                              (size_t) json_object_get_string_len(protected),
                              json_object_get_string(payload),
                              (size_t) json_object_get_string_len(payload),
                              json_object_get_string(signature),
                              (size_t) json_object_get_string_len(signature), allowed, ret);
}

int jws_parse_compact(const char *buf, size_t len, size_t max_len, jws_alg allowed, jws **ret) {
        const char *dot1, *dot2;
        int r;

        r = check_size(buf, len, max_len, ret);
        if (r < 0)
                return r;
        dot1 = len > 0 ? memchr(buf, '.', len) : NULL;
        dot2 = dot1 ? memchr(dot1 + 1, '.', (size_t) (buf + len - dot1 - 1)) : NULL;
        if (!dot2)
                return log_debug_errno(EBADMSG, "Compact JWS does not have three parts.");
        /* A third dot fails the base64url check of the signature. */
        return jws_from_parts(buf, (size_t) (dot1 - buf), dot1 + 1, (size_t) (dot2 - dot1 - 1),
                              dot2 + 1, (size_t) (buf + len - dot2 - 1), allowed, ret);
}

/* ---- verification ---- */

int jws_verify(const jws *j, EVP_PKEY *key) {
        _cleanup_free_ uint8_t *der = NULL;
        uint8_t digest[EVP_MAX_MD_SIZE];
        const jws_alg_info *info;
        size_t digest_len, der_len;
        jws_alg key_alg;
        int r;

        if (!j || !key)
                return -EINVAL;
        info = alg_info(j->alg);
        if (!info)
                return -EINVAL;
        if (jws_alg_for_key(key, &key_alg) < 0 || key_alg != j->alg)
                return log_debug_errno(EBADMSG, "Key does not fit JWS algorithm %s.", info->name);

        r = crypto_digest(info->md_nid, j->signing_input, j->signing_input_len, digest, &digest_len);
        if (r < 0)
                return r;
        if (info->field_len == 0)
                return crypto_verify_digest(key, info->md_nid, digest, digest_len, j->signature,
                                            j->signature_len);

        if (j->signature_len != 2 * info->field_len)
                return log_debug_errno(EBADMSG, "%s signature has %zu bytes, expected %zu.",
                                       info->name, j->signature_len, 2 * info->field_len);
        r = crypto_ecdsa_raw_to_der(j->signature, j->signature_len, &der, &der_len);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        return crypto_verify_digest(key, info->md_nid, digest, digest_len, der, der_len);
}
