/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request context of the ACME server (acme-context.h): request
 * authentication (RFC 8555 section 6: JWS, nonce, url, account), ids and
 * object URLs.
 */
#include <time.h>

#include "acme-context.h"
#include "crypto.h"
#include "jwk.h"

uint64_t acme_now(void) {
        return (uint64_t) time(NULL);
}

int acme_id_new(char **ret) {
        return crypto_random_b64url(16, ret);
}

char *acme_url(const acme_ctx *c, const char *kind, const char *id, const char *suffix) {
        char *s;

        if (asprintf(&s, "%s%s%s%s%s%s", c->base, kind, id ? "/" : "", id ?: "", suffix ? "/" : "",
                     suffix ?: "") < 0)
                return NULL;
        return s;
}

void acme_ctx_done(acme_ctx *c) {
        free(c->base);
        free(c->url);
        jws_free(c->jws);
        EVP_PKEY_free(c->key);
        acme_account_row_done(&c->account);
}

bool acme_is_post_as_get(const acme_ctx *c) {
        return c->jws && c->jws->payload_len == 0;
}

const char *acme_account_id_from_url(const acme_ctx *c, const char *url) {
        size_t n = strlen(c->base);
        const char *id;

        if (!url || strncmp(url, c->base, n) != 0 || strncmp(url + n, "account/", 8) != 0)
                return NULL;
        id = url + n + 8;
        if (*id == '\0' || strchr(id, '/'))
                return NULL;
        return id;
}

int acme_authenticate(acme_ctx *c, unsigned flags) {
        json_object *jwk_obj = NULL, *kid_obj = NULL, *tmp;
        const char *nonce, *url;
        size_t max = flags & ACME_AUTH_CHALLENGE ? ACME_MAX_CHALLENGE_JWS : ACME_MAX_JWS;
        char ctype[64];
        jws_alg key_alg;
        int r;

        if (!http_request_content_type(c->req, ctype, sizeof(ctype)) ||
            !streq(ctype, "application/jose+json"))
                return acme_problem_set_status(&c->problem, ACME_ERR_MALFORMED, 415,
                                               "Content-Type must be application/jose+json.");
        if (c->req->body_len > max)
                return acme_problem_set_status(&c->problem, ACME_ERR_MALFORMED, 413,
                                               "Request body is larger than %zu bytes.", max);

        r = jws_parse_flattened((const char *) c->req->body, c->req->body_len, max, JWS_ALG_ALL, &c->jws);
        if (r == -ENOMEM)
                return r;
        if (r == -EPROTONOSUPPORT)
                return acme_problem_set(&c->problem, ACME_ERR_BAD_SIGNATURE_ALGORITHM,
                                        "The JWS algorithm is not one of ES256, ES384, RS256.");
        if (r < 0)
                return acme_problem_set(&c->problem, ACME_ERR_MALFORMED, "The request is not a valid flattened JWS.");

        (void) json_object_object_get_ex(c->jws->header, "jwk", &jwk_obj);
        (void) json_object_object_get_ex(c->jws->header, "kid", &kid_obj);
        if (!!jwk_obj == !!kid_obj)
                return acme_problem_set(&c->problem, ACME_ERR_MALFORMED,
                                        "The JWS header must have exactly one of \"jwk\" and \"kid\".");
        if (jwk_obj && !(flags & ACME_AUTH_JWK))
                return acme_problem_set(&c->problem, ACME_ERR_MALFORMED,
                                        "This resource needs a \"kid\", not a \"jwk\".");
        if (kid_obj && !(flags & ACME_AUTH_KID))
                return acme_problem_set(&c->problem, ACME_ERR_MALFORMED,
                                        "This resource needs a \"jwk\", not a \"kid\".");
        if (json_object_object_get_ex(c->jws->header, "x5c", &tmp) ||
            json_object_object_get_ex(c->jws->header, "jku", &tmp) ||
            json_object_object_get_ex(c->jws->header, "x5u", &tmp))
                return acme_problem_set(&c->problem, ACME_ERR_MALFORMED, "Unsupported JWS key parameter.");

        /* Nonce (RFC 8555 section 6.5): missing, unknown or reused -> badNonce. */
        if (json_get_string(c->jws->header, "nonce", &nonce) < 0)
                return acme_problem_set(&c->problem, ACME_ERR_BAD_NONCE, "The JWS header has no \"nonce\".");
        r = acme_nonce_consume(c->srv->nonces, nonce, acme_now());
        if (r == -EBADMSG || r == -ESTALE)
                return acme_problem_set(&c->problem, ACME_ERR_BAD_NONCE, "The nonce is unknown, used or expired.");
        if (r < 0)
                return r;

        /* url (section 6.4): exactly the URL this request went to. */
        if (json_get_string(c->jws->header, "url", &url) < 0)
                return acme_problem_set(&c->problem, ACME_ERR_MALFORMED, "The JWS header has no \"url\".");
        if (!streq(url, c->url))
                return acme_problem_set(&c->problem, ACME_ERR_UNAUTHORIZED,
                                        "The JWS \"url\" does not match the request URL.");

        if (jwk_obj) {
                r = jwk_to_pkey(jwk_obj, &c->key);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return acme_problem_set(&c->problem, ACME_ERR_BAD_PUBLIC_KEY,
                                                "The JWK is not a supported public key.");
        } else {
                _cleanup_json_ json_object *stored = NULL;
                const char *kid, *id;

                if (!json_object_is_type(kid_obj, json_type_string))
                        return acme_problem_set(&c->problem, ACME_ERR_MALFORMED, "\"kid\" must be a string.");
                kid = json_object_get_string(kid_obj);
                id = acme_account_id_from_url(c, kid);
                if (!id)
                        return acme_problem_set(&c->problem, ACME_ERR_ACCOUNT_DOES_NOT_EXIST,
                                                "\"kid\" is not an account URL of this server.");
                r = acme_db_account_get(c->srv->st, c->prov->name, id, &c->account);
                if (r == -ENOENT)
                        return acme_problem_set(&c->problem, ACME_ERR_ACCOUNT_DOES_NOT_EXIST,
                                                "No account at \"%.200s\".", kid);
                if (r < 0)
                        return r;
                c->has_account = true;
                if (!streq(c->account.status, "valid"))
                        return acme_problem_set(&c->problem, ACME_ERR_UNAUTHORIZED, "The account is %s.",
                                                c->account.status);
                r = json_parse_object(c->account.jwk, strlen(c->account.jwk), 64 * 1024, &stored);
                if (r >= 0)
                        r = jwk_to_pkey(stored, &c->key);
                if (r < 0)
                        return r;
        }

        if (jws_alg_for_key(c->key, &key_alg) < 0 || key_alg != c->jws->alg)
                return acme_problem_set(&c->problem, ACME_ERR_BAD_SIGNATURE_ALGORITHM,
                                        "The JWS algorithm does not fit the key.");
        r = jws_verify(c->jws, c->key);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return acme_problem_set(&c->problem, ACME_ERR_MALFORMED, "The JWS signature does not verify.");
        return 0;
}
