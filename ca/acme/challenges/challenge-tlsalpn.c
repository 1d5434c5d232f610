/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls-alpn-01 (RFC 8737; IP identifiers per RFC 8738 section 6): a TLS
 * handshake to <identifier>:<port> offering only ALPN "acme-tls/1" with
 * SNI = the name (the reverse-DNS name for an IP), then checks of the
 * self-signed certificate: exactly one subjectAltName, the identifier,
 * and a critical acmeIdentifier extension (1.3.6.1.5.5.7.1.31) holding
 * OCTET STRING SHA-256(keyAuthorization). Certificates are not verified
 * against any root: the extension is the proof.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

#include "challenge-tlsalpn.h"
#include "challenge.h"
#include "crypto.h"
#include "log.h"
#include "x509.h"

#define OID_ACME_IDENTIFIER "1.3.6.1.5.5.7.1.31"

int challenge_tlsalpn_check_cert(X509 *cert, acme_id_type id_type, const char *id_value,
                                 const char *key_authorization, acme_problem *p) {
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        _cleanup_(ASN1_OBJECT_freep) ASN1_OBJECT *oid = NULL;
        uint8_t digest[32];
        const ASN1_OCTET_STRING *data;
        X509_EXTENSION *ext;
        int idx, r;

        r = x509_cert_get_sans(cert, &sans);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || sans->n != 1)
                return acme_problem_set(p, ACME_ERR_INCORRECT_RESPONSE,
                                        "The certificate must have exactly one subjectAltName.");
        if ((id_type == ACME_ID_IP && (sans->items[0].type != X509_SAN_IP ||
                                       !streq(sans->items[0].value, id_value))) ||
            (id_type != ACME_ID_IP && (sans->items[0].type != X509_SAN_DNS ||
                                       strcasecmp(sans->items[0].value, id_value) != 0)))
                return acme_problem_set(p, ACME_ERR_INCORRECT_RESPONSE,
                                        "The certificate's subjectAltName is not \"%.253s\".", id_value);

        oid = OBJ_txt2obj(OID_ACME_IDENTIFIER, 1);
        if (!oid)
                return -ENOMEM;
        idx = X509_get_ext_by_OBJ(cert, oid, -1);
        if (idx < 0)
                return acme_problem_set(p, ACME_ERR_INCORRECT_RESPONSE,
                                        "The certificate has no acmeIdentifier extension.");
        if (X509_get_ext_by_OBJ(cert, oid, idx) >= 0)
                return acme_problem_set(p, ACME_ERR_INCORRECT_RESPONSE,
                                        "The certificate has several acmeIdentifier extensions.");
        ext = X509_get_ext(cert, idx);
        if (!X509_EXTENSION_get_critical(ext))
                return acme_problem_set(p, ACME_ERR_INCORRECT_RESPONSE,
                                        "The acmeIdentifier extension must be critical.");
        r = crypto_sha256(key_authorization, strlen(key_authorization), digest);
        if (r < 0)
                return r;
        data = X509_EXTENSION_get_data(ext);
        /* extnValue = DER of OCTET STRING (SIZE (32)). */
        if (!data || ASN1_STRING_length(data) != 34 || ASN1_STRING_get0_data(data)[0] != 0x04 ||
            ASN1_STRING_get0_data(data)[1] != 32 ||
            CRYPTO_memcmp(ASN1_STRING_get0_data(data) + 2, digest, 32) != 0)
                return acme_problem_set(p, ACME_ERR_INCORRECT_RESPONSE,
                                        "The acmeIdentifier extension does not match the key authorization.");
        return 0;
}

/* SNI for an IP address: the reverse-mapping name (RFC 8738 section 6). */
static int sni_name(acme_id_type t, const char *value, char **ret) {
        uint8_t a[16];

        if (t != ACME_ID_IP)
                return (*ret = strdup(value)) ? 0 : -ENOMEM;
        if (inet_pton(AF_INET, value, a) == 1)
                return asprintf(ret, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]) < 0 ? -ENOMEM : 0;
        if (inet_pton(AF_INET6, value, a) == 1) {
                char *s = malloc(64 + 9 + 1), *w = s;

                if (!s)
                        return -ENOMEM;
                for (int i = 15; i >= 0; i--)
                        w += sprintf(w, "%x.%x.", a[i] & 0xf, a[i] >> 4);
                strcpy(w, "ip6.arpa");
                *ret = s;
                return 0;
        }
        return -EINVAL;
}

static int connect_timeout(const struct addrinfo *ai, int timeout_sec) {
        _cleanup_close_ int fd = -1;
        struct pollfd pfd;
        struct timeval tv = { .tv_sec = timeout_sec };
        int err = 0, flags;
        socklen_t el = sizeof(err);

        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0)
                return negative_errno();
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
                if (errno != EINPROGRESS)
                        return negative_errno();
                pfd = (struct pollfd) { .fd = fd, .events = POLLOUT };
                if (poll(&pfd, 1, timeout_sec * 1000) <= 0)
                        return -ETIMEDOUT;
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err != 0)
                        return err ? -err : -ECONNREFUSED;
        }
        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
                return negative_errno();
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        (void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        return TAKE_FD(fd);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(SSL_CTX *, SSL_CTX_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(SSL *, SSL_free);

static void freeaddrinfop(struct addrinfo **ai) {
        if (*ai)
                freeaddrinfo(*ai);
}

static int tlsalpn01_validate(const challenge_ctx *ctx, json_object *payload, acme_problem *problem) {
        static const unsigned char alpn[] = "\x0a" "acme-tls/1";
        _cleanup_(freeaddrinfop) struct addrinfo *res = NULL;
        _cleanup_(SSL_CTX_freep) SSL_CTX *sctx = NULL;
        _cleanup_(SSL_freep) SSL *ssl = NULL;
        _cleanup_x509_ X509 *peer = NULL;
        _cleanup_free_ char *sni = NULL;
        _cleanup_close_ int fd = -1;
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
        unsigned port = ctx->provisioner && ctx->provisioner->tlsalpn01_port ? ctx->provisioner->tlsalpn01_port : 443;
        const unsigned char *sel = NULL;
        unsigned sel_len = 0;
        char service[16];
        int r;

        r = sni_name(ctx->id_type, ctx->id_value, &sni);
        if (r < 0)
                return r;
        (void) snprintf(service, sizeof(service), "%u", port);
        if (ctx->id_type == ACME_ID_IP)
                hints.ai_flags |= AI_NUMERICHOST;
        r = getaddrinfo(ctx->id_value, service, &hints, &res);
        if (r != 0) {
                (void) acme_problem_set(problem, ACME_ERR_DNS, "Cannot resolve \"%s\": %s", ctx->id_value,
                                        gai_strerror(r));
                return 0;
        }
        for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
                if (ctx->cancel && atomic_load(ctx->cancel))
                        return -ECANCELED;
                fd = connect_timeout(ai, CHALLENGE_CONNECT_TIMEOUT);
        }
        if (fd < 0) {
                (void) acme_problem_set(problem, ACME_ERR_CONNECTION, "Cannot connect to %s port %u: %s",
                                        ctx->id_value, port, strerror(-fd));
                return 0;
        }

        sctx = SSL_CTX_new(TLS_client_method());
        if (!sctx)
                return -ENOMEM;
        SSL_CTX_set_min_proto_version(sctx, TLS1_2_VERSION);
        SSL_CTX_set_verify(sctx, SSL_VERIFY_NONE, NULL);
        ssl = SSL_new(sctx);
        if (!ssl)
                return -ENOMEM;
        if (SSL_set_alpn_protos(ssl, alpn, sizeof(alpn) - 1) != 0 ||
            SSL_set_tlsext_host_name(ssl, sni) != 1 ||
            SSL_set_fd(ssl, fd) != 1)
                return -ENOMEM;
        if (SSL_connect(ssl) != 1) {
                log_debug("tls-alpn-01 handshake with %s:%u: %s", ctx->id_value, port, crypto_last_error());
                (void) acme_problem_set(problem, ACME_ERR_TLS, "TLS handshake with %s port %u failed.",
                                        ctx->id_value, port);
                return 0;
        }
        SSL_get0_alpn_selected(ssl, &sel, &sel_len);
        if (sel_len != 10 || memcmp(sel, "acme-tls/1", 10) != 0) {
                (void) acme_problem_set(problem, ACME_ERR_TLS, "%s port %u did not select ALPN acme-tls/1.",
                                        ctx->id_value, port);
                return 0;
        }
        peer = SSL_get1_peer_certificate(ssl);
        (void) SSL_shutdown(ssl);
        if (!peer) {
                (void) acme_problem_set(problem, ACME_ERR_TLS, "%s port %u sent no certificate.", ctx->id_value, port);
                return 0;
        }
        r = challenge_tlsalpn_check_cert(peer, ctx->id_type, ctx->id_value, ctx->key_authorization, problem);
        if (r == -EPROTO)
                return 0;
        return r < 0 ? r : 1;
}

const challenge_type challenge_tlsalpn01 = {
        .name = "tls-alpn-01",
        .id_mask = ACME_ID_MASK(ACME_ID_DNS) | ACME_ID_MASK(ACME_ID_IP),
        .wildcard_ok = false,
        .sync = false,
        .validate = tlsalpn01_validate,
};
