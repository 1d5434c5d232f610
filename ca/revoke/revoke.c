/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The revocation service (revoke.h): its state, the worker thread, and
 * the handlers of the plain-HTTP server.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <unistd.h>

#include "ca/core/certificates.h"
#include "crl-number.h"
#include "crl.h"
#include "crypto.h"
#include "log.h"
#include "ocsp-cache.h"
#include "ocsp-req.h"
#include "ocsp-resp.h"
#include "responder.h"
#include "revoke.h"

/* The CRL issuers: the three intermediates, then the root. */
#define CRL_ROOT _CA_KIND_MAX
#define CRL_ACCOUNT_ROOT (_CA_KIND_MAX + 1) /* the Account CA's own root */
#define N_CRLS (_CA_KIND_MAX + 2)
/* Threads of the plain-HTTP server: OCSP and CRL requests are short and
 * come on new connections. */
#define REVOKE_HTTP_THREADS 4

typedef struct crl_slot {
        const char *name;
        X509 *cert;          /* borrowed from the issuer */
        EVP_PKEY *key;       /* borrowed (the root's: owned by the service) */
        uint8_t *der;        /* current CRL, under the service lock */
        size_t der_len;
        time_t signed_at;
        int64_t seen_revoked;
} crl_slot;

struct revoke_service {
        store *st;
        issuer *iss;
        uint64_t crl_delay, crl_resign, crl_validity, ocsp_validity, responder_lifetime;
        EVP_PKEY *root_key, *account_root_key;
        crl_slot crls[N_CRLS];
        responder responders[_CA_KIND_MAX];
        ocsp_cache *cache;
        http_server *http;

        pthread_mutex_t lock; /* crls[].der, kicked, stopping */
        pthread_cond_t cond;
        bool kicked, stopping, worker_running;
        pthread_t worker;
};

static void kick(void *userdata) {
        revoke_service *s = userdata;

        pthread_mutex_lock(&s->lock);
        s->kicked = true;
        pthread_cond_signal(&s->cond);
        pthread_mutex_unlock(&s->lock);
}

static int add_revoked(const char *serial, time_t revoked_at, int reason, void *userdata) {
        int r = crl_builder_add(userdata, serial, revoked_at, reason);
        /* One bad row (a reason code the table should never hold) must not
         * keep every other revocation off the CRL. */
        if (r == -EINVAL) {
                log_warning("Certificate %s: revocation reason %d is not an RFC 5280 code; listed without one.",
                            serial, reason);
                r = crl_builder_add(userdata, serial, revoked_at, CRL_REASON_UNSPECIFIED);
        }
        return r;
}

static int sign_crl(revoke_service *s, int k, time_t now) {
        _cleanup_(crl_builder_freep) crl_builder *b = NULL;
        crl_slot *c = &s->crls[k];
        uint8_t *der = NULL;
        size_t len;
        uint64_t number;
        int r;

        r = crl_builder_new(c->cert, &b);
        if (r < 0)
                return r;
        if (k < _CA_KIND_MAX) {
                r = certificates_foreach_revoked(s->st, (ca_kind) k, now, add_revoked, b);
                if (r < 0)
                        return log_error_errno(r, "Failed to read the revoked certificates of the %s CA: %m", c->name);
        }
        r = crl_number_next(s->st, c->name, &number);
        if (r < 0)
                return log_error_errno(r, "Failed to take the next CRL number of the %s CA: %m", c->name);
        r = crl_builder_sign(b, c->key, number, now - 60, now + (time_t) s->crl_validity, &der, &len);
        if (r < 0)
                return log_error_errno(r, "Failed to sign the CRL of the %s CA: %m", c->name);
        pthread_mutex_lock(&s->lock);
        free(c->der);
        c->der = der;
        c->der_len = len;
        c->signed_at = now;
        pthread_mutex_unlock(&s->lock);
        log_debug("Signed CRL %" PRIu64 " of the %s CA: %zu revoked.", number, c->name, crl_builder_count(b));
        return 0;
}

/* One round of the worker: revocations seen, CRLs due, responders due. */
static void refresh(revoke_service *s, bool startup) {
        int64_t counts[_CA_KIND_MAX];
        time_t now = time(NULL);
        int r;

        r = certificates_revoked_counts(s->st, counts);
        if (r < 0) {
                log_warning_errno(r, "Failed to read the revocation counts: %m");
                return;
        }
        for (int k = 0; k < N_CRLS; k++) {
                crl_slot *c = &s->crls[k];
                bool changed = k < _CA_KIND_MAX && counts[k] != c->seen_revoked;

                if (!c->key)
                        continue;
                if (changed)
                        /* First, so that no good answer outlives the news. */
                        ocsp_cache_invalidate(s->cache, (size_t) k);
                if (!startup && !changed && now < c->signed_at + (time_t) s->crl_resign)
                        continue;
                if (sign_crl(s, k, now) >= 0 && k < _CA_KIND_MAX)
                        c->seen_revoked = counts[k];
        }
        for (int k = 0; k < _CA_KIND_MAX; k++) {
                r = responder_renew(&s->responders[k], s->responder_lifetime, now);
                if (r < 0)
                        log_error_errno(r, "Failed to renew the OCSP responder of the %s CA: %m", s->crls[k].name);
                else if (r > 0)
                        log_debug("New OCSP responder certificate for the %s CA.", s->crls[k].name);
        }
}

static void *worker(void *userdata) {
        revoke_service *s = userdata;

        for (;;) {
                struct timespec deadline;
                bool stop;

                clock_gettime(CLOCK_REALTIME, &deadline);
                deadline.tv_sec += (time_t) s->crl_delay;
                pthread_mutex_lock(&s->lock);
                while (!s->kicked && !s->stopping)
                        if (pthread_cond_timedwait(&s->cond, &s->lock, &deadline) == ETIMEDOUT)
                                break;
                s->kicked = false;
                stop = s->stopping;
                pthread_mutex_unlock(&s->lock);
                if (stop)
                        break;
                refresh(s, false);
        }
        return NULL;
}

/* ---- OCSP ---- */

static http_response *der_response(uint8_t *der, size_t len, unsigned max_age) {
        http_response *resp = http_response_new(200);
        char buf[64];

        if (!resp || http_response_take_body(resp, der, len, "application/ocsp-response") < 0) {
                if (!resp)
                        free(der);
                http_response_free(resp);
                return NULL;
        }
        snprintf(buf, sizeof(buf), max_age ? "max-age=%u, public, no-transform, must-revalidate" : "no-store",
                 max_age);
        if (http_response_add_header(resp, "Cache-Control", buf) < 0) {
                http_response_free(resp);
                return NULL;
        }
        return resp;
}

static http_response *ocsp_error(int status) {
        uint8_t *der = NULL;
        size_t len;

        if (ocsp_response_error(status, &der, &len) < 0)
                return NULL;
        return der_response(der, len, 0);
}

/* The CA whose responder answers every item, or -1. */
static int issuing_ca(revoke_service *s, const ocsp_query *q) {
        int ca = -1;

        for (size_t i = 0; i < q->n; i++) {
                int found = -1;
                for (int k = 0; k < _CA_KIND_MAX && found < 0; k++)
                        if (responder_matches(&s->responders[k], &q->items[i]))
                                found = k;
                if (found < 0 || (ca >= 0 && found != ca))
                        return -1;
                ca = found;
        }
        return ca;
}

static int answer_item(revoke_service *s, int ca, const ocsp_query_item *item, ocsp_answer *ret) {
        issued_info info = {};
        int r;

        *ret = (ocsp_answer) { .status = V_OCSP_CERTSTATUS_UNKNOWN };
        if (!item->serial[0])
                return 0;
        r = certificates_lookup(s->st, item->serial, &info);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (streq(info.ca, ca_kind_to_string(ca))) {
                if (info.revoked)
                        *ret = (ocsp_answer) {
                                .status = V_OCSP_CERTSTATUS_REVOKED,
                                .revoked_at = info.revoked_at,
                                .reason = info.reason,
                        };
                else
                        ret->status = V_OCSP_CERTSTATUS_GOOD;
        }
        issued_info_done(&info);
        return 0;
}

http_response *revoke_ocsp_answer(revoke_service *s, const uint8_t *der, size_t len) {
        _cleanup_(ocsp_query_done) ocsp_query q = {};
        ocsp_answer answers[OCSP_REQUEST_MAX_CERTS];
        _cleanup_x509_ X509 *rcert = NULL;
        _cleanup_pkey_ EVP_PKEY *rkey = NULL;
        time_t now = time(NULL);
        bool cacheable;
        uint64_t gen;
        uint8_t *out = NULL;
        size_t out_len;
        int ca, r;

        r = ocsp_query_parse(der, len, &q);
        if (r < 0) {
                log_debug("OCSP: refusing a request of %zu bytes: %s", len, r == -E2BIG ? "too large" : "malformed");
                return ocsp_error(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
        }
        ca = issuing_ca(s, &q);
        if (ca < 0)
                return ocsp_error(OCSP_RESPONSE_STATUS_UNAUTHORIZED);

        /* Nonce-less single requests (what TLS servers and RFC 5019
         * clients send) share one signed answer while it is good. */
        cacheable = q.n == 1 && !q.has_nonce && q.items[0].serial[0];
        if (cacheable) {
                r = ocsp_cache_get(s->cache, (size_t) ca, q.items[0].hash_nid, q.items[0].serial, now, &out, &out_len);
                if (r > 0)
                        return der_response(out, out_len, 0);
        }
        gen = ocsp_cache_generation(s->cache, (size_t) ca);
        for (size_t i = 0; i < q.n; i++) {
                r = answer_item(s, ca, &q.items[i], &answers[i]);
                if (r < 0) {
                        log_warning_errno(r, "OCSP: failed to look up serial %s: %m", q.items[i].serial);
                        return ocsp_error(OCSP_RESPONSE_STATUS_TRYLATER);
                }
        }
        r = responder_get(&s->responders[ca], &rcert, &rkey);
        if (r < 0)
                return ocsp_error(OCSP_RESPONSE_STATUS_TRYLATER);
        r = ocsp_response_sign(&q, answers, rcert, rkey, s->crls[ca].cert, now, s->ocsp_validity, &out, &out_len);
        if (r < 0) {
                log_error_errno(r, "OCSP: failed to sign a response: %m");
                return ocsp_error(OCSP_RESPONSE_STATUS_INTERNALERROR);
        }
        if (cacheable && answers[0].status == V_OCSP_CERTSTATUS_GOOD)
                (void) ocsp_cache_put(s->cache, (size_t) ca, q.items[0].hash_nid, q.items[0].serial, out, out_len,
                                      now + (time_t) (s->ocsp_validity / 2), gen);
        return der_response(out, out_len, 0);
}

static http_response *handle_ocsp(const http_request *req, void *userdata) {
        revoke_service *s = userdata;
        _cleanup_free_ uint8_t *der = NULL;
        size_t len;
        char ct[64];
        int r;

        if (streq(req->method, "POST")) {
                const char *t = http_request_content_type(req, ct, sizeof(ct));
                if (*req->route_rest && !streq(req->route_rest, "/"))
                        return http_response_text(404, "POST OCSP requests to /ocsp.\n");
                if (t && !streq(t, "application/ocsp-request"))
                        return http_response_text(415, "Content-Type must be application/ocsp-request.\n");
                return revoke_ocsp_answer(s, req->body, req->body_len);
        }
        if (!streq(req->method, "GET")) {
                http_response *resp = http_response_text(405, "Use GET or POST.\n");
                if (resp && http_response_add_header(resp, "Allow", "GET, POST") < 0) {
                        http_response_free(resp);
                        return NULL;
                }
                return resp;
        }
        r = ocsp_request_from_get(req->route_rest, &der, &len);
        if (r == -ENOMEM)
                return NULL;
        if (r == -E2BIG)
                return http_response_text(414, "OCSP request too large.\n");
        if (r < 0)
                return ocsp_error(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
        return revoke_ocsp_answer(s, der, len);
}

/* ---- CRLs ---- */

static http_response *handle_crl(const http_request *req, void *userdata) {
        revoke_service *s = userdata;
        http_response *resp;
        char name[32];
        int r;

        for (int k = 0; k < N_CRLS; k++) {
                crl_slot *c = &s->crls[k];
                uint8_t *copy = NULL;
                size_t len = 0;
                bool have;

                snprintf(name, sizeof(name), "%s.crl", c->name);
                if (!streq(req->route_rest, name))
                        continue;
                if (!c->key)
                        return http_response_text(404, "No CRL: the root key is not in the CA directory.\n");
                pthread_mutex_lock(&s->lock);
                have = c->der;
                if (have && (copy = malloc(c->der_len))) {
                        memcpy(copy, c->der, c->der_len);
                        len = c->der_len;
                }
                pthread_mutex_unlock(&s->lock);
                if (!have)
                        return http_response_text(503, "The CRL is not signed yet.\n");
                if (!copy)
                        return NULL;
                resp = http_response_new(200);
                if (!resp) {
                        free(copy);
                        return NULL;
                }
                r = http_response_take_body(resp, copy, len, "application/pkix-crl");
                if (r >= 0)
                        r = http_response_add_header(resp, "Cache-Control", "no-cache");
                if (r < 0) {
                        http_response_free(resp);
                        return NULL;
                }
                return resp;
        }
        return http_response_text(404, "No such CRL (attestation.crl, agent.crl, account.crl, root.crl, account-root.crl).\n");
}

/* ---- setup ---- */

int revoke_service_new(const ca_config *cfg, store *st, issuer *iss, int dirfd, revoke_service **ret) {
        revoke_service *s;
        int r;

        r = revoke_store_migrate(st);
        if (r < 0)
                return log_error_errno(r, "Failed to prepare the database for CRLs: %m");
        s = calloc(1, sizeof(*s));
        if (!s)
                return log_oom();
        s->st = st;
        s->iss = iss;
        s->crl_delay = cfg->crl_delay;
        s->crl_resign = cfg->crl_resign;
        s->crl_validity = cfg->crl_validity;
        s->ocsp_validity = cfg->ocsp_validity;
        s->responder_lifetime = cfg->responder_lifetime;
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->cond, NULL);
        for (int k = 0; k < _CA_KIND_MAX; k++) {
                s->crls[k] = (crl_slot) {
                        .name = ca_kind_to_string(k),
                        .cert = issuer_ca_cert(iss, k),
                        .key = issuer_ca_key(iss, k),
                        .seen_revoked = -1,
                };
                r = responder_init(&s->responders[k], s->crls[k].cert, s->crls[k].key, s->crls[k].name);
                if (r < 0) {
                        revoke_service_free(s);
                        return log_error_errno(r, "Failed to set up the OCSP responder of the %s CA: %m",
                                               ca_kind_to_string(k));
                }
        }
        s->crls[CRL_ROOT] = (crl_slot) { .name = "root", .cert = issuer_root(iss) };
        if (faccessat(dirfd, "root.key", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
                r = issuer_load_key(dirfd, "root.key", &s->root_key);
                if (r < 0) {
                        revoke_service_free(s);
                        return r;
                }
                s->crls[CRL_ROOT].key = s->root_key;
        } else
                log_info("No root.key in the CA directory: the root's CRL is not served.");
        /* The Account CA's own root, in a directory that has one: its CRL
         * for relying parties that check every CA of an account chain. */
        s->crls[CRL_ACCOUNT_ROOT] = (crl_slot) { .name = "account-root", .cert = issuer_ca_root(iss, CA_ACCOUNT) };
        if (issuer_has_account_root(iss) && faccessat(dirfd, "account-root.key", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
                r = issuer_load_key(dirfd, "account-root.key", &s->account_root_key);
                if (r < 0) {
                        revoke_service_free(s);
                        return r;
                }
                s->crls[CRL_ACCOUNT_ROOT].key = s->account_root_key;
        }
        r = ocsp_cache_new(_CA_KIND_MAX, &s->cache);
        if (r < 0) {
                revoke_service_free(s);
                return log_oom();
        }
        refresh(s, true);
        for (int k = 0; k < N_CRLS; k++)
                if (s->crls[k].key && !s->crls[k].der) {
                        revoke_service_free(s);
                        return -EIO; /* logged by sign_crl() */
                }
        certificates_set_revoke_hook(kick, s);
        *ret = s;
        return 0;
}

int revoke_service_start(revoke_service *s, const char *listen) {
        int r;

        http_server_config hc = {
                .listen = listen,
                .max_body = OCSP_REQUEST_MAX,
                .workers = REVOKE_HTTP_THREADS,
        };
        r = http_server_new(&hc, &s->http);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the CRL/OCSP server: %m");
        r = http_server_route(s->http, "GET", "/crl/", true, handle_crl, s);
        if (r >= 0)
                r = http_server_route(s->http, NULL, "/ocsp", true, handle_ocsp, s);
        if (r < 0)
                return log_error_errno(r, "Failed to register the CRL/OCSP routes: %m");
        r = http_server_start(s->http);
        if (r < 0)
                return log_error_errno(r, "Failed to listen for CRL/OCSP requests on \"%s\": %m", listen);
        r = -pthread_create(&s->worker, NULL, worker, s);
        if (r < 0)
                return log_error_errno(r, "Failed to start the CRL signer: %m");
        s->worker_running = true;
        log_info("CRLs and OCSP over plain HTTP on %s (port %u).", listen, http_server_port(s->http));
        return 0;
}

unsigned revoke_service_port(const revoke_service *s) {
        return s->http ? http_server_port(s->http) : 0;
}

void revoke_service_stop(revoke_service *s) {
        if (!s)
                return;
        if (s->worker_running) {
                pthread_mutex_lock(&s->lock);
                s->stopping = true;
                pthread_cond_signal(&s->cond);
                pthread_mutex_unlock(&s->lock);
                pthread_join(s->worker, NULL);
                s->worker_running = false;
        }
        http_server_shutdown(s->http);
}

void revoke_service_free(revoke_service *s) {
        if (!s)
                return;
        revoke_service_stop(s);
        certificates_set_revoke_hook(NULL, NULL);
        http_server_free(s->http);
        for (int k = 0; k < N_CRLS; k++)
                free(s->crls[k].der);
        for (int k = 0; k < _CA_KIND_MAX; k++)
                if (s->responders[k].cn)
                        responder_done(&s->responders[k]);
        ocsp_cache_free(s->cache);
        EVP_PKEY_free(s->root_key);
        EVP_PKEY_free(s->account_root_key);
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->cond);
        free(s);
}
