/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keyChange's inner JWS (RFC 8555 section 7.3.5), checked without any
 * state: it must be a flattened JWS with an allowed algorithm, carry a
 * "jwk" (the new key), no "kid", no "nonce", the outer request's "url",
 * be signed by that new key, and hold {"account", "oldKey"}. What needs
 * the store (account match, old key, key already in use) stays in the
 * handler.
 */
#include "acme-payload.h"
#include "crypto.h"
#include "jwk.h"
#include "jws.h"

int acme_key_change_parse(const uint8_t *payload, size_t len, const char *url, EVP_PKEY **ret_new_key,
                          acme_key_change *ret, acme_problem *p) {
        _cleanup_(jws_freep) jws *inner = NULL;
        _cleanup_pkey_ EVP_PKEY *new_key = NULL;
        json_object *jwk_obj = NULL;
        const char *inner_url;
        jws_alg alg;
        int r;

        r = jws_parse_flattened((const char *) payload, len, ACME_MAX_PAYLOAD, JWS_ALG_ALL, &inner);
        if (r == -ENOMEM)
                return r;
        if (r == -EPROTONOSUPPORT)
                return acme_problem_set(p, ACME_ERR_BAD_SIGNATURE_ALGORITHM, "The inner JWS algorithm is not allowed.");
        if (r < 0)
                return acme_problem_set(p, ACME_ERR_MALFORMED, "The payload is not a flattened JWS.");
        if (!json_object_object_get_ex(inner->header, "jwk", &jwk_obj) ||
            json_object_object_get_ex(inner->header, "kid", NULL) ||
            json_object_object_get_ex(inner->header, "nonce", NULL) ||
            json_get_string(inner->header, "url", &inner_url) < 0 || !streq(inner_url, url))
                return acme_problem_set(p, ACME_ERR_MALFORMED,
                                        "The inner JWS needs a jwk, no kid, no nonce, and the outer url.");
        r = jwk_to_pkey(jwk_obj, &new_key);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || jws_alg_for_key(new_key, &alg) < 0 || alg != inner->alg)
                return acme_problem_set(p, ACME_ERR_BAD_PUBLIC_KEY,
                                        "The new key is not supported or does not fit the algorithm.");
        r = jws_verify(inner, new_key);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return acme_problem_set(p, ACME_ERR_MALFORMED, "The inner JWS signature does not verify.");
        r = acme_parse_key_change_inner(inner->payload, inner->payload_len, ret, p);
        if (r < 0)
                return r;
        *ret_new_key = TAKE_PTR(new_key);
        return 0;
}
