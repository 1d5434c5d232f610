/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the ACME protocol client (enroll/acme-client.c) against a
 * scripted server: http_client_perform() is replaced at link time
 * (-Wl,--wrap) by a fake that checks each request and hands back the next
 * scripted response. Covers the nonce rules (newNonce once, Replay-Nonce
 * reuse, one retry on badNonce and no second), jwk before the account and
 * kid after it, POST-as-GET with an empty payload, polling on
 * Retry-After, problem documents turned into REFUSED, and the download's
 * Accept header.
 */
#include "enroll/client/acme-client.h"
#include "http-client.h"
#include "json.h"
#include "jws.h"
#include "tests/unit/tap.h"

int __wrap_http_client_perform(const http_client_request *req, http_client_response **ret, char *error);

typedef struct reply {
        long status;
        const char *content_type;
        const char *body;
        const char *nonce;       /* Replay-Nonce, or NULL */
        const char *location;    /* Location, or NULL */
        const char *retry_after; /* Retry-After, or NULL */
} reply;

typedef struct seen {
        char method[8];
        char url[256];
        char nonce[64];
        bool has_jwk, has_kid;
        char payload[512];
        bool accept_pem;
} seen;

static const reply *script;
static size_t n_script, next_reply;
static seen requests[32];
static size_t n_requests;

static void add_header(http_client_response *r, const char *name, const char *value) {
        if (!value)
                return;
        r->headers = realloc(r->headers, (r->n_headers + 1) * sizeof(http_client_header));
        r->headers[r->n_headers++] = (http_client_header) { .name = strdup(name), .value = strdup(value) };
}

int __wrap_http_client_perform(const http_client_request *req, http_client_response **ret, char *error) {
        seen *s = &requests[n_requests < ELEMENTSOF(requests) ? n_requests++ : n_requests - 1];
        http_client_response *r;
        const reply *rep;

        *s = (seen) {};
        snprintf(s->method, sizeof(s->method), "%s", req->method ?: (req->body ? "POST" : "GET"));
        snprintf(s->url, sizeof(s->url), "%s", req->url);
        for (const char *const *h = req->headers; h && *h; h++)
                if (streq(*h, "Accept: application/pem-certificate-chain"))
                        s->accept_pem = true;
        if (req->body) {
                jws *j = NULL;
                const char *v;

                if (jws_parse_flattened(req->body, req->body_len, JWS_MAX_SIZE, JWS_ALG_ALL, &j) >= 0) {
                        if (json_get_string(j->header, "nonce", &v) >= 0)
                                snprintf(s->nonce, sizeof(s->nonce), "%s", v);
                        s->has_kid = json_get_string(j->header, "kid", &v) >= 0;
                        s->has_jwk = json_object_object_get_ex(j->header, "jwk", NULL);
                        snprintf(s->payload, sizeof(s->payload), "%.*s", (int) j->payload_len,
                                 (const char *) j->payload);
                        jws_free(j);
                } else
                        snprintf(s->payload, sizeof(s->payload), "(not a JWS)");
        }
        if (error)
                error[0] = '\0';
        if (next_reply >= n_script) {
                if (error)
                        snprintf(error, HTTP_CLIENT_ERROR_MAX, "script exhausted");
                return -ECONNREFUSED;
        }
        rep = &script[next_reply++];
        r = calloc(1, sizeof(*r));
        r->status = rep->status;
        r->content_type = rep->content_type ? strdup(rep->content_type) : NULL;
        r->body = strdup(rep->body ?: "");
        r->body_len = strlen(r->body);
        add_header(r, "Replay-Nonce", rep->nonce);
        add_header(r, "Location", rep->location);
        add_header(r, "Retry-After", rep->retry_after);
        *ret = r;
        return 0;
}

static void run_script(const reply *s, size_t n) {
        script = s;
        n_script = n;
        next_reply = 0;
        n_requests = 0;
}

#define JSON "application/json"
#define PROBLEM "application/problem+json"
#define DIRECTORY \
        "{\"newNonce\":\"https://ca/nonce\",\"newAccount\":\"https://ca/acct\",\"newOrder\":\"https://ca/order\"}"
#define ORDER_PENDING \
        "{\"status\":\"pending\",\"authorizations\":[\"https://ca/authz/1\"],\"finalize\":\"https://ca/fin/1\"}"
#define ORDER_VALID                                                                                     \
        "{\"status\":\"valid\",\"authorizations\":[\"https://ca/authz/1\"],\"finalize\":\"https://ca/fin/1\"," \
        "\"certificate\":\"https://ca/cert/1\"}"
#define BAD_NONCE "{\"type\":\"urn:ietf:params:acme:error:badNonce\",\"detail\":\"stale\"}"

static void test_account_and_order(void) {
        static const reply s[] = {
                { 200, JSON, DIRECTORY },
                { 200, NULL, "", "n1" },                          /* HEAD newNonce */
                { 400, PROBLEM, BAD_NONCE, "n2" },                /* newAccount: badNonce */
                { 201, JSON, "{\"status\":\"valid\"}", "n3", "https://ca/acct/7" },
                { 201, JSON, ORDER_PENDING, "n4", "https://ca/order/1" },
                { 200, JSON, "{\"type\":\"device-attest-01\",\"url\":\"https://ca/ch/1\",\"status\":\"processing\"}",
                  "n5", NULL, "1" },
                { 200, JSON, "{\"type\":\"device-attest-01\",\"url\":\"https://ca/ch/1\",\"status\":\"valid\"}", "n6" },
                { 200, JSON, ORDER_VALID, "n7" },                 /* finalize */
                { 200, "application/pem-certificate-chain", "-----BEGIN CERTIFICATE-----\n", "n8" },
        };
        acme_client *c = NULL;
        client_failure e = {};
        acme_order o = {}, done = {};
        acme_challenge ch = {};
        char *order_url = NULL, *pem = NULL;
        size_t pem_len = 0;
        uint8_t csr[3] = { 1, 2, 3 };

        run_script(s, ELEMENTSOF(s));
        is_int(acme_client_new("https://ca/dir", NULL, &c, &e), 0, "directory read");
        if (!c)
                return;
        is_int(acme_client_new_account(c, &e), 0, "account created after one badNonce");
        is_str(requests[1].method, "HEAD", "nonce by HEAD newNonce");
        is_str(requests[2].nonce, "n1", "first newAccount uses the fresh nonce");
        is_str(requests[3].nonce, "n2", "the retry uses the badNonce answer's nonce");
        ok(requests[3].has_jwk && !requests[3].has_kid, "newAccount carries jwk, not kid");
        is_str(requests[3].payload, "{\"termsOfServiceAgreed\":true}", "newAccount payload");

        is_int(acme_client_new_order(c, "permanent-identifier", "urn:ek:sha256:x", &o, &order_url, &e), 0,
               "order created");
        is_int(n_requests, 5, "no extra newNonce: the last Replay-Nonce is reused");
        is_str(requests[4].nonce, "n3", "newOrder uses the account answer's nonce");
        ok(requests[4].has_kid && !requests[4].has_jwk, "newOrder carries kid, not jwk");
        is_str(requests[4].payload,
               "{\"identifiers\":[{\"type\":\"permanent-identifier\",\"value\":\"urn:ek:sha256:x\"}]}",
               "newOrder payload");
        is_str(order_url, "https://ca/order/1", "order URL from Location");

        is_int(acme_client_answer_challenge(c, "https://ca/ch/1", "{\"attObj\":\"oA\"}", &ch, &e), 0,
               "challenge answered and polled");
        is_int(ch.status, ACME_STATUS_VALID, "challenge valid");
        is_str(requests[5].payload, "{\"attObj\":\"oA\"}", "challenge answer payload");
        is_str(requests[6].payload, "", "poll is POST-as-GET with an empty payload");

        is_int(acme_client_finalize(c, &o, order_url, csr, sizeof(csr), &done, &e), 0, "finalized");
        is_str(requests[7].payload, "{\"csr\":\"AQID\"}", "finalize payload is base64url DER");
        is_int(acme_client_download(c, done.certificate, &pem, &pem_len, &e), 0, "downloaded");
        ok(requests[8].accept_pem, "download asks for application/pem-certificate-chain");
        is_str(requests[8].url, "https://ca/cert/1", "download URL");

        acme_challenge_done(&ch);
        acme_order_done(&o);
        acme_order_done(&done);
        free(order_url);
        free(pem);
        acme_client_free(c);
}

static void test_refusals(void) {
        static const reply s[] = {
                { 200, JSON, DIRECTORY },
                { 200, NULL, "", "n1" },
                { 400, PROBLEM, BAD_NONCE, "n2" },
                { 400, PROBLEM, BAD_NONCE, "n3" },               /* a second badNonce is final */
                { 403, PROBLEM,
                  "{\"type\":\"urn:ietf:params:acme:error:unauthorized\",\"detail\":\"not for you\"}", "n4" },
        };
        static const reply s2[] = {
                { 200, "text/html", "<html>" },
        };
        acme_client *c = NULL;
        client_failure e = {};

        run_script(s, ELEMENTSOF(s));
        is_int(acme_client_new("https://ca/dir", NULL, &c, &e), 0, "directory read");
        if (!c)
                return;
        is_int(acme_client_new_account(c, &e), -EACCES, "two badNonce in a row fail");
        is_int(e.kind, CLIENT_FAIL_REFUSED, "as REFUSED");
        is_int(e.status, 400, "with the status");
        is_str(e.detail, "badNonce: stale", "and the problem");
        is_int(acme_client_new_account(c, &e), -EACCES, "403 problem");
        is_str(e.detail, "unauthorized: not for you", "problem name and detail");
        is_str(e.url, "https://ca/acct", "the URL of the request");
        is_int(acme_client_new_account(c, &e), -ECONNREFUSED, "no answer");
        is_int(e.kind, CLIENT_FAIL_CONNECT, "as CONNECT");
        acme_client_free(c);

        run_script(s2, ELEMENTSOF(s2));
        c = NULL;
        is_int(acme_client_new("https://ca/dir", NULL, &c, &e), -EPROTO, "directory that is not JSON");
        is_int(e.kind, CLIENT_FAIL_RESPONSE, "as RESPONSE");
        is_int(acme_client_new("http://ca/dir", NULL, &c, &e), -EINVAL, "http:// directory refused");
        is_int(e.kind, CLIENT_FAIL_LOCAL, "as LOCAL");
}

int main(void) {
        test_account_and_order();
        test_refusals();
        return tap_done();
}
