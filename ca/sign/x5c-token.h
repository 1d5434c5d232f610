/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The X5C one-time token of the Account CA (protocols.md section 3): a
 * compact JWS whose header carries the signer's certificate chain
 * ("x5c", standard base64 DER, leaf first) and whose claims say which
 * certificate the bearer wants. Pure: bytes in, values out, no clock and
 * no store; the caller passes "now" and the accepted audiences.
 *
 * x5c_token_parse() checks the shape and the limits of everything;
 * x5c_token_check() checks the signature with the leaf's key and the
 * claims against the provisioner; x5c_token_verify_leaf() checks the leaf
 * as a device certificate (chain, EKU clientAuth, KU digitalSignature,
 * PermanentIdentifier SAN). What the store knows (revocation, the device
 * link) is the caller's business (ca/sign/sign.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "jws.h"
#include "x509.h"

#define X5C_TOKEN_MAX (16 * 1024)  /* the whole compact token */
#define X5C_MAX_CERTS 4            /* x5c entries */
#define X5C_CERT_MAX 4096          /* DER bytes per certificate */
#define X5C_SUB_MAX 64             /* bytes; the CN */
#define X5C_MAX_SANS 16
#define X5C_SAN_MAX 253            /* bytes per SAN */
#define X5C_JTI_MAX 128
#define X5C_MAX_AUD 8              /* entries of an "aud" array */
#define X5C_AUD_MAX 512            /* bytes per audience */
#define X5C_ISS_MAX 64
#define X5C_LEEWAY 60              /* seconds of clock skew allowed */
#define X5C_MAX_VALIDITY 600       /* exp - nbf, seconds */

typedef struct x5c_token {
        jws *jws;
        jws_alg alg;
        STACK_OF(X509) *x5c;     /* leaf first, at least one */
        uint8_t x5c_digest[32];  /* SHA-256 of the x5c strings, each followed by a NUL */
        bool x5c_given;          /* x5c came from the parse's lookup, not parsed here */
        char *iss;
        char **aud;              /* n_aud >= 1 */
        size_t n_aud;
        char *sub;
        x509_san_list *sans;     /* from "sans", or [sub] if sub is a name, else empty; classified */
        bool sans_given;         /* "sans" was present */
        char *jti;
        int64_t iat, nbf, exp;   /* nbf = iat when absent */
        bool has_cnf;
        uint8_t cnf_x5rt_s256[32];
} x5c_token;

void x5c_token_free(x5c_token *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(x5c_token *, x5c_token_free);

/* Parses a token of len bytes without verifying anything cryptographic.
 * Refuses (-EBADMSG, or -E2BIG above X5C_TOKEN_MAX) a malformed JWS, an
 * alg other than ES256/ES384/RS256 ("none" and HS* included), a "typ"
 * other than "JWT" (if present), "crit", a missing or malformed "x5c"
 * (1 to X5C_MAX_CERTS certificates of at most X5C_CERT_MAX bytes),
 * claims of the wrong type or beyond the limits above: "iss", "aud"
 * (string or array), "sub" (1 to X5C_SUB_MAX bytes, no control
 * characters), "sans" (array of 1 to X5C_MAX_SANS strings, each classified
 * as IP, email, URI or DNS name, see x5c_san_classify()), "jti" (1 to
 * X5C_JTI_MAX printable ASCII), "exp" and "iat" required integers, "nbf"
 * optional, "cnf" optional with exactly one member "x5rt#S256" (base64url
 * of 32 bytes). On failure *ret_why (if not NULL) is a static reason.
 * *ret is written only on success; free with x5c_token_free(). */
int x5c_token_parse(const char *buf, size_t len, x5c_token **ret, const char **ret_why);

/* x5c_token_parse(), but once the x5c strings are checked for shape and
 * length, lookup(digest, userdata) may give the chain they hold (parsed
 * before: a stack the token then owns; NULL: parse them here), with
 * x5c_given set. */
typedef STACK_OF(X509) *(*x5c_chain_lookup)(const uint8_t digest[32], void *userdata);
int x5c_token_parse_with(const char *buf, size_t len, x5c_chain_lookup lookup, void *userdata, x5c_token **ret,
                         const char **ret_why);

/* Checks the signature with the leaf's public key, "iss" == provisioner,
 * one "aud" in audiences (NULL-terminated), and the times at now with
 * X5C_LEEWAY: nbf <= now + leeway, exp > now - leeway, iat <= now +
 * leeway, nbf < exp, exp - nbf <= X5C_MAX_VALIDITY. 0, or -EPERM with a
 * static reason in *ret_why. */
int x5c_token_check(const x5c_token *t, const char *provisioner, const char *const *audiences, time_t now,
                    const char **ret_why);

/* Verifies the leaf at now as a device certificate: it chains to one of
 * anchors through intermediates only (the token's other x5c entries are
 * NOT used to build the path, so that the provisioner decides which
 * issuing CAs count), it names EKU clientAuth and KU digitalSignature,
 * and it carries a PermanentIdentifier SAN. 0, or -EPERM with a static
 * reason in *ret_why. */
int x5c_token_verify_leaf(const x5c_token *t, STACK_OF(X509) *anchors, STACK_OF(X509) *intermediates, time_t now,
                          const char **ret_why);

/* The SAN type of a requested name: an IPv4/IPv6 literal is IP, a string
 * with '@' and no ':' is an email address, "scheme:..." (RFC 3986 scheme)
 * is a URI, a host name of letters, digits, '-', '_' and dots (an initial
 * "*." allowed) is DNS. -EINVAL for anything else, including control
 * characters, spaces and non-ASCII. */
int x5c_san_classify(const char *name, x509_san_type *ret);
