/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the HTTP client (common/http-client.c) against a TLS or
 * plain server in a thread on 127.0.0.1 (one connection per response),
 * with a certificate made at run time under the fixed test root: what goes
 * on the wire (method, headers, body, User-Agent), status, Content-Type
 * and captured headers, the body cap (announced and chunked), trust
 * anchors given in memory (right and wrong root, or none checked),
 * http:// refused unless allowed, redirects (not followed by default,
 * followed by hand up to a limit, each target checked), proxies from the
 * environment and their refusal, cancellation, and the errno of each
 * failure (refused connection, timeout, empty reply, garbage reply, bad
 * arguments).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <openssl/ssl.h>

#include "tests/unit/cert-builder.h"
#include "tests/unit/crypto-testdata.h"
#include "http-client.h"
#include "log.h"
#include "tests/unit/tap.h"

typedef enum server_mode {
        SERVE_TLS,    /* answer with `response` over TLS */
        SERVE_PLAIN,  /* same without TLS */
        SERVE_SILENT, /* read the request, never answer */
        SERVE_CLOSE,  /* close right after the TLS handshake */
} server_mode;

typedef struct server {
        int listen_fd;
        uint16_t port;
        SSL_CTX *ctx;
        server_mode mode;
        const char *const *responses; /* one per connection */
        size_t n_responses;
        char request[8192]; /* what the client sent, headers and body */
        size_t request_len;
        pthread_t thread;
} server;

static size_t content_length(const char *req) {
        const char *h = strcasestr(req, "\r\nContent-Length:");
        return h ? (size_t) strtoul(h + 17, NULL, 10) : 0;
}

/* Reads until the end of the headers and Content-Length bytes of body. */
static void read_request(server *s, SSL *ssl, int fd) {
        for (;;) {
                const char *end;
                int n;

                if (s->request_len >= sizeof(s->request) - 1)
                        return;
                n = ssl ? SSL_read(ssl, s->request + s->request_len,
                                   (int) (sizeof(s->request) - 1 - s->request_len))
                        : (int) read(fd, s->request + s->request_len,
                                     sizeof(s->request) - 1 - s->request_len);
                if (n <= 0)
                        return;
                s->request_len += (size_t) n;
                s->request[s->request_len] = '\0';
                end = strstr(s->request, "\r\n\r\n");
                if (end && s->request_len >= (size_t) (end + 4 - s->request) + content_length(s->request))
                        return;
        }
}

static void serve_one(server *s, const char *response) {
        SSL *ssl = NULL;
        char drain[256];
        int fd;

        s->request_len = 0;
        s->request[0] = '\0';
        fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0)
                return;
        if (s->mode != SERVE_PLAIN) {
                ssl = SSL_new(s->ctx);
                if (!ssl || SSL_set_fd(ssl, fd) != 1 || SSL_accept(ssl) != 1)
                        goto out; /* e.g. the client refused our certificate */
        }
        if (s->mode == SERVE_CLOSE)
                goto out;
        read_request(s, ssl, fd);
        if (s->mode == SERVE_SILENT) {
                /* Until the client gives up and closes. */
                while ((ssl ? SSL_read(ssl, drain, sizeof(drain)) : (int) read(fd, drain, sizeof(drain))) > 0)
                        ;
                goto out;
        }
        if (ssl)
                (void) SSL_write(ssl, response, (int) strlen(response));
        else if (write(fd, response, strlen(response)) < 0)
                printf("# server write failed: %m\n");
out:
        if (ssl) {
                (void) SSL_shutdown(ssl);
                SSL_free(ssl);
        }
        close(fd);
}

static void *serve(void *userdata) {
        server *s = userdata;

        for (size_t i = 0; i < s->n_responses; i++)
                serve_one(s, s->responses[i]);
        return NULL;
}

/* Serves n connections, answering the i-th with responses[i]; the
 * request kept is the last one. */
static void server_start_n(server *s, server_mode mode, const char *const *responses, size_t n) {
        s->mode = mode;
        s->responses = responses;
        s->n_responses = n;
        s->request_len = 0;
        s->request[0] = '\0';
        if (pthread_create(&s->thread, NULL, serve, s) != 0)
                abort();
}

static void server_start(server *s, server_mode mode, const char *response) {
        static const char *one[1];

        one[0] = response ?: "";
        server_start_n(s, mode, one, 1);
}

static void server_wait(server *s) {
        pthread_join(s->thread, NULL);
}

static void server_init(server *s, X509 *cert, EVP_PKEY *key) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);

        s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *) &a, sizeof(a)) < 0 ||
            listen(s->listen_fd, 4) < 0 || getsockname(s->listen_fd, (struct sockaddr *) &a, &len) < 0)
                abort();
        s->port = ntohs(a.sin_port);
        s->ctx = SSL_CTX_new(TLS_server_method());
        if (!s->ctx || SSL_CTX_use_certificate(s->ctx, cert) != 1 ||
            SSL_CTX_use_PrivateKey(s->ctx, key) != 1)
                abort();
}

static char *url(const server *s, const char *scheme, const char *path) {
        char *u;

        if (asprintf(&u, "%s://127.0.0.1:%u%s", scheme, s->port, path) < 0)
                abort();
        return u;
}

/* A loopback port nobody listens on (a tiny race, fine for a test). */
static uint16_t closed_port(void) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0 || bind(fd, (struct sockaddr *) &a, sizeof(a)) < 0 ||
            getsockname(fd, (struct sockaddr *) &a, &len) < 0)
                abort();
        close(fd);
        return ntohs(a.sin_port);
}

static const char json_reply[] =
        "HTTP/1.1 403 Forbidden\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        "Replay-Nonce:   nonce-1  \r\n"
        "Location: https://elsewhere/\r\n"
        "Content-Length: 40\r\n"
        "Connection: close\r\n\r\n"
        "{\"status\":403,\"message\":\"not allowed\"}\r\n";

static void test_exchange(server *s, const char *root_pem) {
        _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
        _cleanup_free_ char *u = url(s, "https", "/attestation/attest");
        const char *headers[] = { "X-Request-Id: 0b4c2d56-2c0e-4c1e-9b7e-000000000001", NULL };
        const char *capture[] = { "replay-nonce", "Retry-After", NULL };
        const char body[] = "{\"secret\":\"AAEC\"}";
        http_client_request req = {
                .url = u, .body = body, .body_len = strlen(body), .headers = headers,
                .capture = capture, .root_pem = root_pem,
        };
        char error[HTTP_CLIENT_ERROR_MAX];
        int r;

        printf("# POST with a JSON body, 403 with a JSON body\n");
        server_start(s, SERVE_TLS, json_reply);
        r = http_client_perform(&req, &resp, error);
        is_ok(r, "POST succeeds at the HTTP level");
        server_wait(s);
        is_str(error, "", "no error text");
        ok(strncmp(s->request, "POST /attestation/attest HTTP/1.1\r\n", 35) == 0, "request line");
        ok(strcasestr(s->request, "\r\nContent-Type: application/json\r\n") != NULL, "JSON content type");
        ok(strstr(s->request, "\r\nX-Request-Id: 0b4c2d56-2c0e-4c1e-9b7e-000000000001\r\n") != NULL,
           "extra header sent");
        ok(!strcasestr(s->request, "\r\nExpect:"), "no Expect: 100-continue");
        ok(s->request_len > strlen(body) && streq(s->request + s->request_len - strlen(body), body),
           "body sent as is");
        if (!resp)
                return;
        is_int(resp->status, 403, "status");
        is_str(resp->content_type, "application/json; charset=utf-8", "Content-Type");
        ok(http_client_media_type_is(resp->content_type, "application/json"), "media type matches");
        is_str(http_client_response_header(resp, "Replay-Nonce"), "nonce-1", "captured header, trimmed");
        ok(!http_client_response_header(resp, "Retry-After"), "absent header");
        ok(!http_client_response_header(resp, "Location"), "header not asked for");
        is_str(resp->body, "{\"status\":403,\"message\":\"not allowed\"}\r\n", "body");
        is_int(resp->body_len, 40, "body length");
}

static void expect_error(server *s, server_mode mode, const char *response, http_client_request *req,
                         int want, const char *what) {
        http_client_response *resp = NULL;
        char error[HTTP_CLIENT_ERROR_MAX];
        int r;

        if (s)
                server_start(s, mode, response);
        r = http_client_perform(req, &resp, error);
        if (s)
                server_wait(s);
        is_err(r, want, what);
        ok(!resp, "no response on failure");
        ok(error[0] != '\0', "an error text");
        printf("#   %s\n", error);
        http_client_response_free(resp);
}

static void test_failures(server *s, const char *root_pem, const char *other_root_pem,
                          const char *impostor_root_pem) {
        _cleanup_free_ char *u = url(s, "https", "/x"), *plain = url(s, "http", "/x"), *refused = NULL;
        _cleanup_free_ char *big = NULL, *chunked = NULL, *filler = NULL;
        const char *bad_headers[] = { "X-Evil: a\r\nX-Injected: b", NULL };
        http_client_request req = { .url = u, .root_pem = root_pem };
        http_client_response *resp = NULL;
        int r;

        printf("# failures\n");
        req.root_pem = other_root_pem;
        expect_error(s, SERVE_TLS, json_reply, &req, -EKEYREJECTED, "server certificate under another root");
        /* A root of the same name but another key: OpenSSL reports the
         * failed signature check first, which curl then calls a handshake
         * failure rather than a verification failure. Refused either way. */
        req.root_pem = impostor_root_pem;
        server_start(s, SERVE_TLS, json_reply);
        r = http_client_perform(&req, &resp, NULL);
        server_wait(s);
        ok(r == -EKEYREJECTED || r == -EPROTO, "same-name root with another key refused");
        ok(!resp, "no response");
        req.root_pem = NULL;
        expect_error(s, SERVE_TLS, json_reply, &req, -EKEYREJECTED, "system store does not know our root");
        req.root_pem = "not a certificate";
        expect_error(s, SERVE_CLOSE, NULL, &req, -EINVAL, "root PEM without a certificate");
        req.root_pem = root_pem;

        if (asprintf(&big, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 300000\r\n"
                           "Connection: close\r\n\r\n{}") < 0)
                abort();
        expect_error(s, SERVE_TLS, big, &req, -EMSGSIZE, "announced body over the default cap");

        filler = malloc(2001);
        if (!filler)
                abort();
        memset(filler, 'a', 2000);
        filler[2000] = '\0';
        if (asprintf(&chunked, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                               "7d0\r\n%s\r\n0\r\n\r\n", filler) < 0)
                abort();
        req.max_body = 1000;
        expect_error(s, SERVE_TLS, chunked, &req, -EMSGSIZE, "chunked body over a cap of 1000");
        req.max_body = 2000;
        server_start(s, SERVE_TLS, chunked);
        r = http_client_perform(&req, &resp, NULL);
        is_ok(r, "exactly at the cap is fine");
        server_wait(s);
        is_int(resp ? resp->body_len : 0, 2000, "whole body");
        http_client_response_free(TAKE_PTR(resp));
        req.max_body = 0;

        req.timeout_sec = 1;
        expect_error(s, SERVE_SILENT, NULL, &req, -ETIMEDOUT, "server never answers");
        req.timeout_sec = 0;
        expect_error(s, SERVE_CLOSE, NULL, &req, -ECONNRESET, "server closes without a response");
        expect_error(s, SERVE_TLS, "garbage\r\n\r\n", &req, -EBADMSG, "not HTTP");

        if (asprintf(&refused, "https://127.0.0.1:%u/x", closed_port()) < 0)
                abort();
        req.url = refused;
        expect_error(NULL, SERVE_TLS, NULL, &req, -ECONNREFUSED, "nobody listening");

        req.url = plain;
        expect_error(NULL, SERVE_TLS, NULL, &req, -EPROTONOSUPPORT, "http:// refused by default");
        req.allow_http = true;
        server_start(s, SERVE_PLAIN, json_reply);
        r = http_client_perform(&req, &resp, NULL);
        is_ok(r, "http:// when explicitly allowed");
        server_wait(s);
        is_int(resp ? resp->status : 0, 403, "status over plain HTTP");
        ok(strncmp(s->request, "GET /x HTTP/1.1\r\n", 17) == 0, "GET without a body");
        http_client_response_free(TAKE_PTR(resp));
        req.allow_http = false;

        req.url = "ftp://127.0.0.1/x";
        expect_error(NULL, SERVE_TLS, NULL, &req, -EPROTONOSUPPORT, "ftp:// refused");
        req.url = "https://[::1";
        expect_error(NULL, SERVE_TLS, NULL, &req, -EINVAL, "malformed URL");
        req.url = u;
        req.headers = bad_headers;
        expect_error(NULL, SERVE_TLS, NULL, &req, -EINVAL, "header with CR LF refused");
        req.headers = NULL;
        req.method = "DELETE";
        expect_error(NULL, SERVE_TLS, NULL, &req, -EINVAL, "unsupported method");
}

static const char redirect_reply[] =
        "HTTP/1.1 302 Found\r\n"
        "Location: /moved?x=1\r\n"
        "Content-Length: 5\r\n"
        "Connection: close\r\n\r\n"
        "moved";

typedef struct redirect_policy {
        unsigned port;
        unsigned calls;
        char seen[256];
} redirect_policy;

static bool redirect_ok(const http_client_target *t, void *userdata) {
        redirect_policy *p = userdata;

        p->calls++;
        snprintf(p->seen, sizeof(p->seen), "%s %s %u %s", t->scheme, t->host, t->port, t->url);
        return t->port == p->port;
}

static void test_redirects(server *s, const char *root_pem) {
        _cleanup_free_ char *plain = url(s, "http", "/x"), *tls = url(s, "https", "/x"), *want = NULL;
        const char *hop_then_json[] = { redirect_reply, json_reply };
        const char *three_hops[] = { redirect_reply, redirect_reply, redirect_reply };
        redirect_policy policy = { .port = s->port };
        http_client_request req = {
                .url = plain, .allow_http = true, .redirect_ok = redirect_ok, .redirect_userdata = &policy,
        };
        http_client_response *resp = NULL;
        char error[HTTP_CLIENT_ERROR_MAX];
        int r;

        printf("# redirects\n");
        server_start(s, SERVE_PLAIN, redirect_reply);
        r = http_client_perform(&req, &resp, error);
        server_wait(s);
        is_ok(r, "not followed by default");
        is_int(resp ? resp->status : 0, 302, "the 3xx is the response");
        is_str(resp ? resp->body : NULL, "moved", "with its body");
        is_int(policy.calls, 0, "no target checked");
        http_client_response_free(TAKE_PTR(resp));

        req.max_redirects = 5;
        server_start_n(s, SERVE_PLAIN, hop_then_json, 2);
        r = http_client_perform(&req, &resp, error);
        server_wait(s);
        is_ok(r, "one redirect followed");
        is_int(resp ? resp->status : 0, 403, "the final response");
        ok(resp && strstr(resp->body, "not allowed"), "its body only");
        ok(strncmp(s->request, "GET /moved?x=1 HTTP/1.1\r\n", 25) == 0, "the target requested");
        if (asprintf(&want, "http 127.0.0.1 %u http://127.0.0.1:%u/moved?x=1", s->port, s->port) < 0)
                abort();
        is_str(policy.seen, want, "the policy saw the absolute target");
        http_client_response_free(TAKE_PTR(resp));

        req.max_redirects = 2;
        server_start_n(s, SERVE_PLAIN, three_hops, 3);
        expect_error(NULL, SERVE_PLAIN, NULL, &req, -ELOOP, "more redirects than allowed");
        server_wait(s);

        policy.port = 1;
        server_start(s, SERVE_PLAIN, redirect_reply);
        r = http_client_perform(&req, &resp, error);
        server_wait(s);
        is_err(r, -EPERM, "a target the policy refuses");
        ok(!resp, "no response");
        ok(strstr(error, "refusing redirect from http://127.0.0.1:") != NULL, "the error says so");
        policy.port = s->port;

        /* https -> http is refused unless http is allowed. */
        req = (http_client_request) { .url = tls, .root_pem = root_pem, .max_redirects = 1 };
        server_start(s, SERVE_TLS, "HTTP/1.1 301 Moved\r\nLocation: http://127.0.0.1/\r\nContent-Length: 0\r\n\r\n");
        expect_error(NULL, SERVE_TLS, NULL, &req, -EPERM, "https to http refused");
        server_wait(s);
        req.method = "POST";
        req.body = "{}";
        req.body_len = 2;
        expect_error(NULL, SERVE_TLS, NULL, &req, -EINVAL, "POST with redirects is not supported");
}

static void *cancel_later(void *userdata) {
        struct timespec ts = { .tv_nsec = 100 * 1000 * 1000 };

        nanosleep(&ts, NULL);
        atomic_store((atomic_bool *) userdata, true);
        return NULL;
}

static void test_options(server *s, const char *other_root_pem) {
        _cleanup_free_ char *plain = url(s, "http", "/x"), *tls = url(s, "https", "/x"), *proxy = NULL;
        _cleanup_free_ char *saved_no_proxy = NULL, *saved_NO_PROXY = NULL;
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t alen = sizeof(a);
        _cleanup_free_ char *mute = NULL;
        atomic_bool cancel = false;
        pthread_t canceller;
        int fd;
        http_client_request req = { .url = tls, .root_pem = other_root_pem, .skip_verify = true };
        http_client_response *resp = NULL;
        int r;

        printf("# options\n");
        server_start(s, SERVE_TLS, json_reply);
        r = http_client_perform(&req, &resp, NULL);
        server_wait(s);
        is_ok(r, "skip_verify: a certificate under another root is accepted");
        is_int(resp ? resp->status : 0, 403, "  and the response read");
        ok(strcasestr(s->request, "\r\nUser-Agent: deviceid/") != NULL, "default User-Agent");
        http_client_response_free(TAKE_PTR(resp));

        req = (http_client_request) { .url = plain, .allow_http = true, .user_agent = "test agent/1" };
        server_start(s, SERVE_PLAIN, json_reply);
        r = http_client_perform(&req, &resp, NULL);
        server_wait(s);
        is_ok(r, "plain request with a User-Agent");
        ok(strcasestr(s->request, "\r\nUser-Agent: test agent/1\r\n") != NULL, "User-Agent sent");
        http_client_response_free(TAKE_PTR(resp));

        /* A proxy from the environment that nobody serves. */
        saved_no_proxy = getenv("no_proxy") ? strdup(getenv("no_proxy")) : NULL;
        saved_NO_PROXY = getenv("NO_PROXY") ? strdup(getenv("NO_PROXY")) : NULL;
        unsetenv("no_proxy");
        unsetenv("NO_PROXY");
        if (asprintf(&proxy, "http://127.0.0.1:%u/", closed_port()) < 0 || setenv("http_proxy", proxy, 1) < 0)
                abort();
        r = http_client_perform(&req, &resp, NULL);
        ok(r < 0, "http_proxy from the environment is used");
        http_client_response_free(TAKE_PTR(resp));
        req.no_proxy = true;
        server_start(s, SERVE_PLAIN, json_reply);
        r = http_client_perform(&req, &resp, NULL);
        server_wait(s);
        is_ok(r, "no_proxy: straight to the server");
        http_client_response_free(TAKE_PTR(resp));
        unsetenv("http_proxy");
        if (saved_no_proxy)
                setenv("no_proxy", saved_no_proxy, 1);
        if (saved_NO_PROXY)
                setenv("NO_PROXY", saved_NO_PROXY, 1);

        /* A listener that never accepts: the request waits for an answer
         * until another thread cancels it (well before its timeout). */
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &a, sizeof(a)) < 0 || listen(fd, 4) < 0 ||
            getsockname(fd, (struct sockaddr *) &a, &alen) < 0 ||
            asprintf(&mute, "http://127.0.0.1:%u/x", ntohs(a.sin_port)) < 0)
                abort();
        req = (http_client_request) { .url = mute, .allow_http = true, .timeout_sec = 60, .cancel = &cancel };
        if (pthread_create(&canceller, NULL, cancel_later, &cancel) != 0)
                abort();
        expect_error(NULL, SERVE_SILENT, NULL, &req, -ECANCELED, "cancelled while waiting for the answer");
        pthread_join(canceller, NULL);
        close(fd);
}

static void test_media_type(void) {
        printf("# media types\n");
        ok(http_client_media_type_is("application/json", "application/json"), "exact");
        ok(http_client_media_type_is("Application/JSON;charset=utf-8", "application/json"),
           "case, parameter");
        ok(http_client_media_type_is("application/json ; x=y", "application/json"), "blank before ;");
        ok(!http_client_media_type_is("application/jsonx", "application/json"), "longer type");
        ok(!http_client_media_type_is("application/problem+json", "application/json"), "other type");
        ok(!http_client_media_type_is(NULL, "application/json"), "NULL");
}

int main(void) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *root_key = testdata_key("root.key"), *key = NULL,
                                            *other_key = NULL;
        _cleanup_x509_ X509 *root = NULL, *cert = NULL, *other_root = NULL;
        _cleanup_free_ char *root_pem = NULL, *other_root_pem = NULL, *impostor_root_pem = NULL;
        testcert_spec other_spec = { .cn = "another test root", .ca = true };
        const x509_san sans[] = { { X509_SAN_IP, (char *) "127.0.0.1", NULL } };
        testcert_spec spec = { .cn = "127.0.0.1", .sans = sans, .n_sans = 1, .eku = "serverAuth" };
        server s = {};
        size_t len;

        log_parse_environment();
        signal(SIGPIPE, SIG_IGN);
        root_pem = testdata_read("root.crt", &len);
        /* Same name as the test root, another key. */
        impostor_root_pem = testdata_read("other-root.crt", NULL);
        if (x509_cert_from_pem(root_pem, len, &root) < 0 ||
            crypto_key_generate(CRYPTO_KEY_EC_P256, &key) < 0 ||
            crypto_key_generate(CRYPTO_KEY_EC_P256, &other_key) < 0)
                abort();
        other_root = testcert_make(other_key, NULL, other_key, &other_spec);
        if (x509_cert_to_pem(other_root, &other_root_pem) < 0)
                abort();
        cert = testcert_make(key, root, root_key, &spec);
        server_init(&s, cert, key);

        test_media_type();
        test_exchange(&s, root_pem);
        test_failures(&s, root_pem, other_root_pem, impostor_root_pem);
        test_redirects(&s, root_pem);
        test_options(&s, other_root_pem);

        SSL_CTX_free(s.ctx);
        close(s.listen_fd);
        return tap_done();
}
