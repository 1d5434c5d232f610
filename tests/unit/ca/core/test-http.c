/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests of the CA's HTTPS layer (ca/core/http.c) on loopback, with libcurl as
 * the client: TLS verified against a root made here, the router's
 * matching rules (exact over prefix, longest prefix, 404, 405 + Allow),
 * headers and query arguments, repeated response headers, body limits,
 * client certificates, and a stop through http_server_stop() that runs
 * the shutdown hooks.
 */
#include <pthread.h>
#include <curl/curl.h>

#include "ca/core/http.h"
#include "ca/core/issuer.h"
#include "tests/unit/tap.h"

static char *root_pem, *server_pem, *server_key_pem, *client_pem, *client_key_pem;
static unsigned port;

typedef struct reply {
        long status;
        char body[4096];
        size_t len;
        char headers[4096];
        size_t hlen;
} reply;

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
        reply *r = ud;
        size_t len = size * n, room = sizeof(r->body) - 1 - r->len;

        if (len > room)
                len = room;
        memcpy(r->body + r->len, p, len);
        r->len += len;
        r->body[r->len] = 0;
        return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
        reply *r = ud;
        size_t len = size * n, room = sizeof(r->headers) - 1 - r->hlen;

        if (len > room)
                len = room;
        memcpy(r->headers + r->hlen, p, len);
        r->hlen += len;
        r->headers[r->hlen] = 0;
        return size * n;
}

static int request(const char *method, const char *path, const char *body, size_t body_len, const char *ctype,
                   bool client_cert, reply *ret) {
        CURL *c = curl_easy_init();
        struct curl_slist *h = NULL;
        struct curl_blob ca = { root_pem, strlen(root_pem), CURL_BLOB_COPY };
        char url[256], ct[128];
        CURLcode rc;

        *ret = (reply) {};
        snprintf(url, sizeof(url), "https://localhost:%u%s", port, path);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, ret);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, ret);
        h = curl_slist_append(h, "X-Test: Hello");
        h = curl_slist_append(h, "Expect:");
        if (ctype) {
                snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
                h = curl_slist_append(h, ct);
        }
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        if (body) {
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
                curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) body_len);
        }
        if (client_cert) {
                struct curl_blob cb = { client_pem, strlen(client_pem), CURL_BLOB_COPY };
                struct curl_blob kb = { client_key_pem, strlen(client_key_pem), CURL_BLOB_COPY };
                curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cb);
                curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
                curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &kb);
                curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
        }
        rc = curl_easy_perform(c);
        if (rc == CURLE_OK)
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ret->status);
        else
                printf("# curl: %s\n", curl_easy_strerror(rc));
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        return rc == CURLE_OK ? 0 : -EIO;
}

/* Echoes what the router handed over. */
static http_response *echo(const http_request *req, void *userdata) {
        _cleanup_json_ json_object *o = json_object_new_object();
        char buf[64];
        http_response *r;

        json_add_string(o, "route", userdata);
        json_add_string(o, "method", req->method);
        json_add_string(o, "rest", req->route_rest);
        if (http_request_header(req, "x-TEST"))
                json_add_string(o, "x_test", http_request_header(req, "x-TEST"));
        if (http_request_query(req, "q"))
                json_add_string(o, "q", http_request_query(req, "q"));
        if (http_request_content_type(req, buf, sizeof(buf)))
                json_add_string(o, "ctype", buf);
        json_add_int64(o, "body_len", (int64_t) req->body_len);
        json_add_int64(o, "certs", (int64_t) req->n_client_certs);
        r = http_response_json(200, o, NULL);
        http_response_add_header(r, "Link", "<https://example.org/a>;rel=\"up\"");
        http_response_add_header(r, "Link", "<https://example.org/b>;rel=\"index\"");
        return r;
}

static http_response *client_chain(const http_request *req, void *userdata) {
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        _cleanup_free_ char *cn = NULL;
        int r = http_request_client_chain(req, &chain);

        if (r == -ENOENT)
                return http_response_text(401, "none");
        if (r < 0 || x509_cert_get_cn(sk_X509_value(chain, 0), &cn) < 0)
                return NULL;
        return http_response_text(200, cn);
}

static http_response *returns_null(const http_request *req, void *userdata) {
        return NULL;
}

static int hook_calls;
static void hook(void *userdata) {
        hook_calls += userdata == &hook_calls;
}

static void *runner(void *p) {
        return (void *) (intptr_t) http_server_run(p);
}

static int make_pki(void) {
        _cleanup_pkey_ EVP_PKEY *rk = NULL, *sk = NULL, *ck = NULL;
        _cleanup_x509_ X509 *root = NULL, *srv = NULL, *cli = NULL;
        cert_profile ca = { .lifetime = 3600, .key_usage = CERT_KU_KEY_CERT_SIGN, .is_ca = true, .path_len = 0 };
        x509_san names[] = { { .type = X509_SAN_DNS, .value = (char *) "localhost" } };
        cert_profile sp, cp;
        size_t len;

        if (crypto_key_generate(CRYPTO_KEY_EC_P256, &rk) < 0 || crypto_key_generate(CRYPTO_KEY_EC_P256, &sk) < 0 ||
            crypto_key_generate(CRYPTO_KEY_EC_P256, &ck) < 0)
                return -1;
        sp = cert_profile_leaf(sk, CERT_EKU_SERVER_AUTH, 3600);
        cp = cert_profile_leaf(ck, CERT_EKU_CLIENT_AUTH, 3600);
        if (cert_create(NULL, rk, rk, "http test root", NULL, 0, &ca, &root) < 0 ||
            cert_create(root, rk, sk, "localhost", names, 1, &sp, &srv) < 0 ||
            cert_create(root, rk, ck, "test client", NULL, 0, &cp, &cli) < 0)
                return -1;
        if (x509_cert_to_pem(root, &root_pem) < 0 || x509_cert_to_pem(srv, &server_pem) < 0 ||
            x509_cert_to_pem(cli, &client_pem) < 0 || crypto_key_to_pem_pkcs8(sk, &server_key_pem, &len) < 0 ||
            crypto_key_to_pem_pkcs8(ck, &client_key_pem, &len) < 0)
                return -1;
        return 0;
}

int main(void) {
        _cleanup_(http_server_freep) http_server *s = NULL;
        reply r;
        pthread_t t;
        void *ret;
        char *big;

        if (!ok(make_pki() == 0, "pki for the test"))
                return tap_done();
        curl_global_init(CURL_GLOBAL_DEFAULT);

        http_server_config cfg = { .listen = "127.0.0.1:0", .cert_pem = server_pem, .key_pem = server_key_pem,
                                   .client_ca_pem = root_pem, .max_body = 1024 };
        is_ok(http_server_new(&cfg, &s), "server created");
        is_ok(http_server_route(s, "GET", "/exact", false, echo, (void *) "exact"), "route exact");
        is_ok(http_server_route(s, NULL, "/pre/", true, echo, (void *) "pre"), "route prefix");
        is_ok(http_server_route(s, NULL, "/pre/longer/", true, echo, (void *) "longer"), "route longer prefix");
        is_ok(http_server_route(s, "GET", "/pre/x", false, echo, (void *) "pre-exact"), "route exact under prefix");
        is_ok(http_server_route(s, "POST", "/body", false, echo, (void *) "body"), "route body");
        is_ok(http_server_route(s, "POST", "/big/upload", false, echo, (void *) "big"), "route big");
        is_ok(http_server_route(s, "GET", "/client", false, client_chain, NULL), "route client");
        is_ok(http_server_route(s, "GET", "/null", false, returns_null, NULL), "route null");
        is_err(http_server_route(s, "GET", "relative", false, echo, NULL), -EINVAL, "relative path refused");
        is_ok(http_server_set_body_limit(s, "/big/", 8192), "body limit for /big/");
        is_ok(http_server_add_shutdown_hook(s, hook, &hook_calls), "shutdown hook");
        if (!is_ok(http_server_start(s), "server started"))
                return tap_done();
        port = http_server_port(s);
        ok(port > 0, "a port was bound");

        request("GET", "/exact?q=v%20w", NULL, 0, NULL, false, &r);
        is_int(r.status, 200, "exact: 200");
        ok(strstr(r.body, "\"route\":\"exact\"") && strstr(r.body, "\"x_test\":\"Hello\"") &&
           strstr(r.body, "\"q\":\"v w\""), "exact: header (case-insensitive) and query");
        ok(strstr(r.headers, "rel=\"up\"") && strstr(r.headers, "rel=\"index\""), "two Link headers sent");

        request("GET", "/pre/x", NULL, 0, NULL, false, &r);
        ok(strstr(r.body, "\"route\":\"pre-exact\""), "exact route wins over prefix");
        request("DELETE", "/pre/a/b", NULL, 0, NULL, false, &r);
        ok(strstr(r.body, "\"route\":\"pre\"") && strstr(r.body, "\"rest\":\"a\\/b\"") == NULL &&
           strstr(r.body, "\"rest\":\"a/b\"") && strstr(r.body, "\"method\":\"DELETE\""),
           "prefix route with any method, rest of path");
        request("GET", "/pre/longer/z", NULL, 0, NULL, false, &r);
        ok(strstr(r.body, "\"route\":\"longer\"") && strstr(r.body, "\"rest\":\"z\""), "longest prefix wins");

        request("GET", "/nothing", NULL, 0, NULL, false, &r);
        is_int(r.status, 404, "unknown path: 404");
        request("POST", "/exact", "", 0, NULL, false, &r);
        is_int(r.status, 405, "wrong method: 405");
        ok(strstr(r.headers, "Allow: GET"), "405 names the allowed method");
        request("GET", "/null", NULL, 0, NULL, false, &r);
        is_int(r.status, 500, "handler without response: 500");

        request("POST", "/body", "{\"a\":1}", 7, "Application/JSON; charset=utf-8", false, &r);
        ok(strstr(r.body, "\"body_len\":7") && strstr(r.body, "\"ctype\":\"application/json\""),
           "body and media type");
        big = malloc(8192);
        memset(big, 'x', 8192);
        request("POST", "/body", big, 1025, "text/plain", false, &r);
        is_int(r.status, 413, "1025 bytes over the 1024 limit: 413");
        request("POST", "/body", big, 1024, "text/plain", false, &r);
        is_int(r.status, 200, "exactly the limit: 200");
        request("POST", "/big/upload", big, 8192, "text/plain", false, &r);
        ok(r.status == 200 && strstr(r.body, "\"body_len\":8192"), "raised limit on /big/");
        free(big);

        request("GET", "/client", NULL, 0, NULL, false, &r);
        is_int(r.status, 401, "no client certificate seen");
        request("GET", "/client", NULL, 0, NULL, true, &r);
        is_int(r.status, 200, "client certificate passed to the handler");
        is_str(r.body, "test client", "client certificate is the one sent");

        is_int(pthread_create(&t, NULL, runner, s), 0, "run in a thread");
        http_server_stop(s);
        pthread_join(t, &ret);
        is_int((intptr_t) ret, 0, "run returns 0 after stop");
        is_int(hook_calls, 1, "shutdown hook ran once");
        ok(request("GET", "/exact", NULL, 0, NULL, false, &r) < 0, "no longer listening");

        curl_global_cleanup();
        free(root_pem);
        free(server_pem);
        free(client_pem);
        erase_and_free(server_key_pem, strlen(server_key_pem));
        erase_and_free(client_key_pem, strlen(client_key_pem));
        return tap_done();
}
