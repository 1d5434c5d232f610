/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the X5C one-time token (ca/sign/x5c-token.c) with the fixed
 * vectors of x5c-testdata.h (gen-vectors.py): a valid token, each claim
 * missing or wrong, alg none and HS256, a bad signature, expired and
 * not-yet-valid tokens, x5c limits, and the leaf checks (chain to the
 * provisioner roots, PermanentIdentifier, web-server leaf, foreign CA).
 */
#include <string.h>

#include "ca/sign/x5c-cache.h"
#include "ca/sign/x5c-token.h"
#include "tests/unit/tap.h"
#include "x5c-testdata.h"

static const char *const audiences[] = { "https://ca.example.org:8443/1.0/sign#x5c/devices", X5C_AUD, NULL };

static STACK_OF(X509) *pem_stack(const char *pem) {
        STACK_OF(X509) *sk = NULL;
        if (x509_chain_from_pem(pem, strlen(pem), 8, &sk) < 0)
                abort();
        return sk;
}

static int parse(const char *tok, x5c_token **ret) {
        const char *why = NULL;
        int r = x5c_token_parse(tok, strlen(tok), ret, &why);
        if (r < 0 && !why)
                tap_result(false, __FILE__, __LINE__, "a refusal comes with a reason");
        return r;
}

/* Parses and checks at X5C_NOW; the first error, or 0. */
static int parse_check(const char *tok) {
        _cleanup_(x5c_token_freep) x5c_token *t = NULL;
        const char *why = NULL;
        int r = parse(tok, &t);
        if (r < 0)
                return r;
        r = x5c_token_check(t, "devices", audiences, X5C_NOW, &why);
        if (r < 0 && !why)
                tap_result(false, __FILE__, __LINE__, "a refusal comes with a reason");
        return r;
}

static void test_valid(void) {
        _cleanup_(x5c_token_freep) x5c_token *t = NULL;
        const char *why = NULL;

        is_ok(parse(X5C_TOKEN_VALID, &t), "valid token parses");
        if (!t)
                return;
        is_str(t->iss, "devices", "iss");
        is_str(t->sub, "alice@example.org", "sub");
        is_int(t->n_aud, 1, "one aud");
        is_int(strlen(t->jti), 64, "jti");
        is_int(t->alg, JWS_ALG_ES256, "alg");
        is_int(sk_X509_num(t->x5c), 2, "x5c holds two certificates");
        is_int(t->nbf, X5C_NOW - 10, "nbf");
        is_int(t->exp, X5C_NOW + 290, "exp");
        ok(!t->has_cnf, "no cnf");
        is_int(t->sans->n, 4, "four sans");
        if (t->sans->n == 4) {
                is_int(t->sans->items[0].type, X509_SAN_EMAIL, "email SAN");
                is_int(t->sans->items[1].type, X509_SAN_DNS, "DNS SAN");
                is_int(t->sans->items[2].type, X509_SAN_IP, "IP SAN");
                is_int(t->sans->items[3].type, X509_SAN_URI, "URI SAN");
        }
        is_ok(x5c_token_check(t, "devices", audiences, X5C_NOW, &why), "valid token checks");
        is_ok(x5c_token_check(t, "devices", audiences, X5C_NOW + 290 + 59, &why), "within the exp leeway");
        is_err(x5c_token_check(t, "devices", audiences, X5C_NOW + 290 + 60, &why), -EPERM, "past the leeway");
        is_err(x5c_token_check(t, "other", audiences, X5C_NOW, &why), -EPERM, "other provisioner");
}

static void test_minimal_and_cnf(void) {
        _cleanup_(x5c_token_freep) x5c_token *t = NULL, *c = NULL, *a = NULL;
        uint8_t h[32];

        is_ok(parse(X5C_TOKEN_MINIMAL, &t), "token without sans and nbf");
        if (t) {
                is_int(t->sans->n, 1, "sans default to [sub]");
                if (t->sans->n == 1) {
                        is_str(t->sans->items[0].value, "alice@example.org", "sans[0] = sub");
                        is_int(t->sans->items[0].type, X509_SAN_EMAIL, "classified");
                }
                is_int(t->nbf, t->iat, "nbf defaults to iat");
        }
        is_ok(parse_check(X5C_TOKEN_MINIMAL), "minimal token checks");
        is_ok(parse(X5C_TOKEN_CNF, &c), "token with cnf");
        if (c) {
                ok(c->has_cnf, "cnf present");
                crypto_sha256("csr", 3, h);
                is_mem(c->cnf_x5rt_s256, 32, h, 32, "cnf hash");
        }
        is_ok(parse(X5C_TOKEN_AUD_ARRAY, &a), "aud array");
        is_ok(parse_check(X5C_TOKEN_AUD_ARRAY), "aud array with ours checks");
}

static void test_refused(void) {
        static const struct {
                const char *tok;
                int err;
                const char *what;
        } cases[] = {
                { X5C_TOKEN_WRONG_ISS, -EPERM, "wrong iss" },
                { X5C_TOKEN_WRONG_AUD, -EPERM, "wrong aud" },
                { X5C_TOKEN_NO_SUB, -EBADMSG, "no sub" },
                { X5C_TOKEN_EMPTY_SUB, -EBADMSG, "empty sub" },
                { X5C_TOKEN_LONG_SUB, -EBADMSG, "sub of 65 bytes" },
                { X5C_TOKEN_NO_JTI, -EBADMSG, "no jti" },
                { X5C_TOKEN_LONG_JTI, -EBADMSG, "jti of 129 chars" },
                { X5C_TOKEN_NO_EXP, -EBADMSG, "no exp" },
                { X5C_TOKEN_NO_IAT, -EBADMSG, "no iat" },
                { X5C_TOKEN_NO_ISS, -EBADMSG, "no iss" },
                { X5C_TOKEN_NO_AUD, -EBADMSG, "no aud" },
                { X5C_TOKEN_BAD_SAN, -EBADMSG, "unclassifiable SAN" },
                { X5C_TOKEN_TOO_MANY_SANS, -EBADMSG, "17 SANs" },
                { X5C_TOKEN_EXP_STRING, -EBADMSG, "exp as a string" },
                { X5C_TOKEN_BAD_CNF, -EBADMSG, "cnf not a SHA-256" },
                { X5C_TOKEN_EXPIRED, -EPERM, "expired" },
                { X5C_TOKEN_NOT_YET, -EPERM, "not yet valid" },
                { X5C_TOKEN_TOO_LONG, -EPERM, "valid for more than 10 minutes" },
                { X5C_TOKEN_BAD_SIG, -EPERM, "signed by another key" },
                { X5C_TOKEN_ALG_NONE, -EBADMSG, "alg none" },
                { X5C_TOKEN_ALG_HS256, -EBADMSG, "alg HS256" },
                { X5C_TOKEN_TYP, -EBADMSG, "typ not JWT" },
                { X5C_TOKEN_NO_X5C, -EBADMSG, "x5c null" },
                { X5C_TOKEN_X5C_EMPTY, -EBADMSG, "x5c empty" },
                { X5C_TOKEN_X5C_TOO_MANY, -EBADMSG, "x5c of 5" },
                { X5C_TOKEN_X5C_GARBAGE, -EBADMSG, "x5c not a certificate" },
                { "", -EBADMSG, "empty" },
                { "a.b", -EBADMSG, "two parts" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                is_err(parse_check(cases[i].tok), cases[i].err, cases[i].what);

        /* A one-byte change to the payload breaks the signature. */
        _cleanup_free_ char *copy = strdup(X5C_TOKEN_VALID);
        char *dot = strchr(copy, '.');
        dot[5] = dot[5] == 'A' ? 'B' : 'A';
        ok(parse_check(copy) < 0, "tampered payload");

        _cleanup_free_ char *big = malloc(X5C_TOKEN_MAX + 2);
        memset(big, 'a', X5C_TOKEN_MAX + 1);
        big[X5C_TOKEN_MAX + 1] = 0;
        is_err(parse_check(big), -E2BIG, "token over 16 KiB");
}

static void test_leaf(void) {
        _cleanup_x509_stack_ STACK_OF(X509) *root = pem_stack(X5C_ROOT_PEM), *agent = pem_stack(X5C_AGENT_PEM),
                                            *other = pem_stack(X5C_OTHER_ROOT_PEM);
        _cleanup_(x5c_token_freep) x5c_token *t = NULL, *w = NULL, *o = NULL;
        const char *why = NULL;

        is_ok(parse(X5C_TOKEN_VALID, &t), "parse");
        is_ok(parse(X5C_TOKEN_WEB_LEAF, &w), "parse web leaf token");
        is_ok(parse(X5C_TOKEN_OTHER_CA, &o), "parse foreign leaf token");
        if (!t || !w || !o)
                return;
        is_ok(x5c_token_verify_leaf(t, root, agent, X5C_NOW, &why), "device leaf verifies");
        is_err(x5c_token_verify_leaf(t, root, NULL, X5C_NOW, &why), -EPERM,
               "x5c intermediates are not used to build the path");
        is_err(x5c_token_verify_leaf(t, other, agent, X5C_NOW, &why), -EPERM, "other roots");
        is_err(x5c_token_verify_leaf(t, root, agent, 2100000000, &why), -EPERM, "leaf expired");
        is_err(x5c_token_verify_leaf(w, root, agent, X5C_NOW, &why), -EPERM, "web-server leaf: no PermanentIdentifier");
        is_ok(x5c_token_check(w, "devices", audiences, X5C_NOW, &why), "(its token itself is fine)");
        is_err(x5c_token_verify_leaf(o, root, agent, X5C_NOW, &why), -EPERM, "leaf of another CA");
}

static void test_classify(void) {
        static const struct {
                const char *name;
                int type; /* -1: refused */
        } cases[] = {
                { "example.org", X509_SAN_DNS },   { "*.example.org", X509_SAN_DNS },
                { "host_1", X509_SAN_DNS },        { "10.1.2.3", X509_SAN_IP },
                { "::1", X509_SAN_IP },            { "2001:db8::1", X509_SAN_IP },
                { "a@b", X509_SAN_EMAIL },         { "https://x/y", X509_SAN_URI },
                { "urn:ek:sha256:AA==", X509_SAN_URI }, { "", -1 },
                { "a b", -1 },                     { "a..b", -1 },
                { ".a", -1 },                      { "@b", -1 },
                { "a@b@c", -1 },                   { "1x:y", -1 },
                { "a:", -1 },                      { "caf\xc3\xa9", -1 },
                { "*.", -1 },                      { "a.b.", -1 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                x509_san_type t;
                int r = x5c_san_classify(cases[i].name, &t);
                if (cases[i].type < 0)
                        is_err(r, -EINVAL, cases[i].name);
                else
                        ok(r == 0 && (int) t == cases[i].type, cases[i].name);
        }
}

/* The lookup hook of x5c_token_parse_with(), on a cache. */
static STACK_OF(X509) *lookup(const uint8_t digest[32], void *userdata) {
        return x5c_cache_get(userdata, digest, X5C_NOW, NULL);
}

static void test_cache(void) {
        _cleanup_(x5c_cache_freep) x5c_cache *c = NULL;
        _cleanup_(x5c_token_freep) x5c_token *a = NULL, *b = NULL, *d = NULL;
        STACK_OF(X509) *sk;
        const void *who = NULL;
        static const int roots = 1;

        if (!is_ok(x5c_cache_new(&c), "cache: new"))
                return;
        is_ok(x5c_token_parse_with(X5C_TOKEN_VALID, strlen(X5C_TOKEN_VALID), lookup, c, &a, NULL),
              "cache: parse with an empty cache");
        ok(a && !a->x5c_given, "cache: a miss parses the chain");
        if (!a)
                return;
        is_ok(x5c_cache_put(c, a->x5c_digest, a->x5c, &roots, X5C_NOW + 10), "cache: put");
        /* Another token of the same device: same x5c, other claims. */
        is_ok(x5c_token_parse_with(X5C_TOKEN_MINIMAL, strlen(X5C_TOKEN_MINIMAL), lookup, c, &b, NULL),
              "cache: parse with the chain cached");
        ok(b && b->x5c_given, "cache: a hit takes the cached chain");
        ok(b && memcmp(a->x5c_digest, b->x5c_digest, 32) == 0, "cache: same x5c, same digest");
        ok(b && sk_X509_value(b->x5c, 0) == sk_X509_value(a->x5c, 0), "cache: the same parsed leaf");
        ok(b && b->sub && strcmp(b->sub, "alice@example.org") == 0, "cache: the claims are the token's own");
        sk = x5c_cache_get(c, a->x5c_digest, X5C_NOW, &who);
        ok(sk && who == &roots, "cache: remembers what verified it");
        sk_X509_pop_free(sk, X509_free);
        ok(!x5c_cache_get(c, a->x5c_digest, X5C_NOW + 10, NULL), "cache: expired at its time");
        is_ok(x5c_cache_put(c, a->x5c_digest, a->x5c, &roots, X5C_NOW + 10), "cache: put again");
        x5c_cache_drop(c, a->x5c_digest);
        is_ok(x5c_token_parse_with(X5C_TOKEN_VALID, strlen(X5C_TOKEN_VALID), lookup, c, &d, NULL),
              "cache: parse after the drop");
        ok(d && !d->x5c_given, "cache: a dropped chain is parsed anew");
}

int main(void) {
        test_cache();
        test_valid();
        test_minimal_and_cnf();
        test_refused();
        test_leaf();
        test_classify();
        return tap_done();
}
