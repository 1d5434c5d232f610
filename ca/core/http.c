/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libmicrohttpd glue for http.h: our own listening socket handed to MHD
 * (so port 0 and quiesce work), a pool of epoll threads for the
 * connections, request bodies collected up to the limit, the GnuTLS client
 * chain copied out, dispatch through the route table (http-router.c) to a
 * handler run on a worker thread (http-workers.c) while MHD keeps the
 * connection suspended, responses (http-response.c) handed to MHD when it
 * resumes, the deadlines of http-guard.c fed from MHD's connection and
 * request callbacks, and the graceful stop (quiesce, wait for in-flight
 * requests, stop). Only this file includes microhttpd.h or gnutls.
 */
#include <ctype.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "crypto.h"
#include "http-guard.h"
#include "http-workers.h"
#include "http.h"
#include "log.h"

#define HTTP_DRAIN_TIMEOUT_S 30
/* Stacks of the event-loop and worker threads: handlers, OpenSSL, SQLite
 * and libpq use a few tens of KiB at most. */
#define HTTP_THREAD_STACK (256 * 1024)
#define HTTP_RETRY_AFTER_DEFAULT "2" /* seconds, on a 503 that names none */
#define HTTP_MAX_CLIENT_CERTS 8
/* Largest oversized body read and discarded so that its sender gets the
 * 413; a larger announced body is refused from the headers alone. */
#define HTTP_DISCARD_MAX (1024 * 1024)

typedef struct hook {
        void (*fn)(void *);
        void *userdata;
} hook;

struct http_server {
        char *listen, *cert_pem, *key_pem, *client_ca_pem;
        size_t max_body;
        unsigned io_threads, n_workers, max_connections, per_address;
        uint64_t header_timeout_ms, request_timeout_ms;
        http_router router;
        http_guard *guard;
        http_workers *workers;
        hook *hooks;
        size_t n_hooks;
        char *too_large_prefix, *too_large_type, *too_large_body; /* http_server_set_too_large() */
        struct MHD_Daemon *mhd;
        int listen_fd;
        unsigned port;
        pthread_t run_thread;
        bool running, stop_requested, stopped;

        pthread_mutex_t lock; /* in_flight, stop_requested, large_bodies */
        pthread_cond_t idle;
        unsigned in_flight;
        unsigned large_bodies; /* requests holding a body over the default limit */
};

typedef struct request_ctx {
        http_work_item item; /* first: a work item is its request_ctx */
        http_request req;
        http_server *server;
        struct MHD_Connection *conn;
        const http_route *route;   /* on a worker */
        http_response *resp;       /* the worker's answer, queued on resume */
        uint8_t *body;
        size_t body_len, body_alloc;
        size_t max_body;
        bool too_large, answered_early;
        bool large;  /* holds one of the HTTP_LARGE_BODIES slots */
        bool busy;   /* needed a slot and found none: 503 once the body is read */
        char remote[64];
        uint8_t *certs[HTTP_MAX_CLIENT_CERTS];
        size_t cert_lens[HTTP_MAX_CLIENT_CERTS];
} request_ctx;

/* ---- requests ---- */

static request_ctx *ctx_of(const http_request *req) {
        return req->_priv;
}

const char *http_request_header(const http_request *req, const char *name) {
        return MHD_lookup_connection_value(ctx_of(req)->conn, MHD_HEADER_KIND, name);
}

const char *http_request_query(const http_request *req, const char *name) {
        return MHD_lookup_connection_value(ctx_of(req)->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_request_content_type(const http_request *req, char *buf, size_t size) {
        const char *ct = http_request_header(req, "Content-Type");
        size_t n;

        if (!ct || size == 0)
                return NULL;
        ct += strspn(ct, " \t");
        n = strcspn(ct, "; \t");
        if (n >= size)
                return NULL;
        for (size_t i = 0; i < n; i++)
                buf[i] = (char) tolower((unsigned char) ct[i]);
        buf[n] = '\0';
        return buf;
}

int http_request_client_chain(const http_request *req, STACK_OF(X509) **ret) {
        _cleanup_x509_stack_ STACK_OF(X509) *sk = NULL;

        if (req->n_client_certs == 0)
                return -ENOENT;
        sk = sk_X509_new_null();
        if (!sk)
                return -ENOMEM;
        for (size_t i = 0; i < req->n_client_certs; i++) {
                const unsigned char *p = req->client_cert_der[i];
                X509 *c = d2i_X509(NULL, &p, (long) req->client_cert_len[i]);

                if (!c || p != req->client_cert_der[i] + req->client_cert_len[i]) {
                        X509_free(c);
                        return -EBADMSG;
                }
                if (!sk_X509_push(sk, c)) {
                        X509_free(c);
                        return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(sk);
        return 0;
}

/* ---- server ---- */

static void mhd_logger(void *cls, const char *fmt, va_list ap) _printf_(2, 0);
static void mhd_logger(void *cls, const char *fmt, va_list ap) {
        char buf[512];

        vsnprintf(buf, sizeof(buf), fmt, ap);
        buf[strcspn(buf, "\n")] = '\0';
        log_debug("microhttpd: %s", buf);
}

int http_server_new(const http_server_config *cfg, http_server **ret) {
        _cleanup_(http_server_freep) http_server *s = NULL;

        if (!cfg->listen || !cfg->cert_pem != !cfg->key_pem || (!cfg->cert_pem && cfg->client_ca_pem))
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->listen_fd = -1;
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->idle, NULL);
        s->max_body = cfg->max_body ?: HTTP_MAX_BODY_DEFAULT;
        s->io_threads = cfg->io_threads ?: HTTP_IO_THREADS_DEFAULT;
        s->n_workers = cfg->workers ?: HTTP_WORKERS_DEFAULT;
        s->max_connections = cfg->max_connections ?: HTTP_MAX_CONNECTIONS_DEFAULT;
        s->per_address = cfg->connections_per_address ?: HTTP_CONNECTIONS_PER_ADDRESS_DEFAULT;
        s->header_timeout_ms = cfg->header_timeout_ms ?: HTTP_HEADER_TIMEOUT_MS_DEFAULT;
        s->request_timeout_ms = cfg->request_timeout_ms ?: HTTP_REQUEST_TIMEOUT_MS_DEFAULT;
        s->listen = strdup(cfg->listen);
        if (cfg->cert_pem) {
                s->cert_pem = strdup(cfg->cert_pem);
                s->key_pem = strdup(cfg->key_pem);
                if (!s->cert_pem || !s->key_pem)
                        return -ENOMEM;
        }
        if (cfg->client_ca_pem)
                s->client_ca_pem = strdup(cfg->client_ca_pem);
        if (!s->listen || (cfg->client_ca_pem && !s->client_ca_pem))
                return -ENOMEM;
        *ret = TAKE_PTR(s);
        return 0;
}

void http_server_free(http_server *s) {
        if (!s)
                return;
        if (s->workers)
                http_workers_stop(s->workers);
        if (s->mhd)
                MHD_stop_daemon(s->mhd);
        http_workers_free(s->workers);
        http_guard_free(s->guard);
        safe_close(s->listen_fd);
        http_router_done(&s->router);
        /* A server that never ran (a start that failed after routes were
         * registered) still stops what its hooks stop. */
        for (size_t i = s->n_hooks; i > 0; i--)
                s->hooks[i - 1].fn(s->hooks[i - 1].userdata);
        free(s->hooks);
        free(s->too_large_prefix);
        free(s->too_large_type);
        free(s->too_large_body);
        free(s->listen);
        free(s->cert_pem);
        if (s->key_pem)
                erase_and_free(s->key_pem, strlen(s->key_pem));
        free(s->client_ca_pem);
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->idle);
        free(s);
}

int http_server_route(http_server *s, const char *method, const char *path, bool prefix,
                      http_handler handler, void *userdata) {
        if (s->mhd)
                return -EINVAL;
        return http_router_add(&s->router, method, path, prefix, handler, userdata);
}

int http_server_set_body_limit(http_server *s, const char *prefix, size_t max_body) {
        if (s->mhd)
                return -EINVAL;
        return http_router_set_body_limit(&s->router, prefix, max_body);
}

int http_server_set_too_large(http_server *s, const char *prefix, const char *content_type, const char *body) {
        if (s->mhd || !prefix || !content_type || !body)
                return -EINVAL;
        free(s->too_large_prefix);
        free(s->too_large_type);
        free(s->too_large_body);
        s->too_large_prefix = strdup(prefix);
        s->too_large_type = strdup(content_type);
        s->too_large_body = strdup(body);
        return s->too_large_prefix && s->too_large_type && s->too_large_body ? 0 : -ENOMEM;
}

int http_server_add_shutdown_hook(http_server *s, void (*fn)(void *userdata), void *userdata) {
        hook *h = realloc(s->hooks, (s->n_hooks + 1) * sizeof(*h));

        if (!h)
                return -ENOMEM;
        s->hooks = h;
        h[s->n_hooks++] = (hook) { fn, userdata };
        return 0;
}

bool http_server_has_route(const http_server *s, const char *method, const char *path) {
        char allow[128];
        bool known;

        return http_router_find(&s->router, method, path, &known, allow, sizeof(allow)) != NULL;
}

static enum MHD_Result queue(struct MHD_Connection *conn, http_response *r) {
        struct MHD_Response *m;
        enum MHD_Result ret;
        bool retry_after = false;

        m = MHD_create_response_from_buffer(r->body_len, r->body, MHD_RESPMEM_MUST_COPY);
        if (!m)
                return MHD_NO;
        if (r->content_type)
                MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
        for (size_t i = 0; i < r->n_headers; i++) {
                MHD_add_response_header(m, r->headers[i].name, r->headers[i].value);
                retry_after = retry_after || strcasecmp(r->headers[i].name, "Retry-After") == 0;
        }
        /* RFC 9110 section 10.2.3: a 503 says when to come back. */
        if (r->status == 503 && !retry_after)
                MHD_add_response_header(m, "Retry-After", HTTP_RETRY_AFTER_DEFAULT);
        MHD_add_response_header(m, "Cache-Control", "no-store");
        ret = MHD_queue_response(conn, r->status, m);
        MHD_destroy_response(m);
        return ret;
}

static enum MHD_Result queue_simple(struct MHD_Connection *conn, unsigned status, const char *msg) {
        _cleanup_(http_response_freep) http_response *r = http_response_error(status, msg);

        if (!r)
                return MHD_NO;
        return queue(conn, r);
}

/* 413, in the shape http_server_set_too_large() asked for under its prefix. */
static enum MHD_Result queue_too_large(http_server *s, struct MHD_Connection *conn, const char *url) {
        _cleanup_(http_response_freep) http_response *r = NULL;

        if (!s->too_large_prefix || strncmp(url, s->too_large_prefix, strlen(s->too_large_prefix)) != 0)
                return queue_simple(conn, 413, "request body too large");
        r = http_response_new(413);
        if (!r || http_response_set_body(r, s->too_large_body, strlen(s->too_large_body), s->too_large_type) < 0)
                return MHD_NO;
        return queue(conn, r);
}

static void collect_client_certs(request_ctx *c) {
        const union MHD_ConnectionInfo *ci;
        const gnutls_datum_t *peers;
        unsigned n = 0;

        ci = MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
        if (!ci || !ci->tls_session)
                return;
        peers = gnutls_certificate_get_peers((gnutls_session_t) ci->tls_session, &n);
        if (!peers)
                return;
        for (unsigned i = 0; i < n && i < HTTP_MAX_CLIENT_CERTS; i++) {
                c->certs[i] = malloc(peers[i].size ?: 1);
                if (!c->certs[i])
                        break;
                memcpy(c->certs[i], peers[i].data, peers[i].size);
                c->cert_lens[i] = peers[i].size;
                c->req.n_client_certs = i + 1;
        }
}

static void remote_address(request_ctx *c) {
        const union MHD_ConnectionInfo *ci;

        ci = MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (!ci || !ci->client_addr)
                return;
        if (getnameinfo(ci->client_addr,
                        ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                               : sizeof(struct sockaddr_in),
                        c->remote, sizeof(c->remote), NULL, 0, NI_NUMERICHOST) != 0)
                c->remote[0] = '\0';
}

static http_response *run_handler(request_ctx *c) {
        http_response *resp = c->route->handler(&c->req, c->route->userdata);

        if (!resp)
                log_debug("http: handler for %s %s returned no response", c->req.method, c->req.path);
        else
                log_debug("http: %s %s -> %u", c->req.method, c->req.path, resp->status);
        return resp;
}

/* On a worker thread. */
static void run_work(http_work_item *item, void *userdata) {
        request_ctx *c = (request_ctx *) item;

        c->resp = run_handler(c);
        MHD_resume_connection(c->conn);
}

/* Queues the handler's answer (MHD leaves the body out for HEAD). */
static enum MHD_Result answer(request_ctx *c) {
        _cleanup_(http_response_freep) http_response *resp = TAKE_PTR(c->resp);

        c->route = NULL;
        if (!resp)
                return queue_simple(c->conn, 500, "internal error");
        return queue(c->conn, resp);
}

static enum MHD_Result dispatch(request_ctx *c, const char *url, const char *method) {
        http_server *s = c->server;
        _cleanup_(http_response_freep) http_response *resp = NULL;
        const http_route *r;
        bool known;
        char allow[128];

        if (c->too_large)
                return queue_too_large(s, c->conn, url);
        if (c->busy) {
                log_debug("HTTP: %s %s refused: %u large request bodies in flight.", method, url, HTTP_LARGE_BODIES);
                return queue_simple(c->conn, 503, "too many large requests in flight, retry later");
        }

        r = http_router_find(&s->router, method, url, &known, allow, sizeof(allow));
        if (!r) {
                if (known) {
                        resp = http_response_error(405, "method not allowed");
                        if (resp && http_response_add_header(resp, "Allow", allow) < 0)
                                return MHD_NO;
                } else
                        resp = http_response_error(404, "not found");
                return resp ? queue(c->conn, resp) : MHD_NO;
        }

        c->req.method = method;
        c->req.path = url;
        c->req.route_rest = r->prefix ? url + strlen(r->path) : "";
        c->req.body = c->body ?: (const uint8_t *) "";
        c->req.body_len = c->body_len;
        c->req.client_cert_der = (const uint8_t *const *) c->certs;
        c->req.client_cert_len = c->cert_lens;
        c->req.remote_addr = c->remote;
        c->req._priv = c;
        collect_client_certs(c);
        remote_address(c);
        c->route = r;

        /* To a worker; MHD calls on_request again once it resumes the
         * connection, and answer() queues what the handler returned.
         * When the workers stopped already (a kept-alive connection's
         * last request during the stop), the handler runs here. */
        MHD_suspend_connection(c->conn);
        if (http_workers_push(s->workers, &c->item) < 0) {
                MHD_resume_connection(c->conn);
                c->resp = run_handler(c);
                return answer(c);
        }
        return MHD_YES;
}

static http_guard_conn *guard_conn_of(struct MHD_Connection *conn) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

        return ci ? ci->socket_context : NULL;
}

/* A body past HTTP_MAX_BODY_DEFAULT (a route with a raised limit) takes
 * one of HTTP_LARGE_BODIES slots until its request completes: memory for
 * bodies stays under max_connections x the default limit plus
 * HTTP_LARGE_BODIES x the largest route limit, whatever the number of
 * connections. Without a free slot the body is dropped and 503 follows. */
static bool take_large_slot(request_ctx *c) {
        http_server *s = c->server;

        if (c->large)
                return true;
        pthread_mutex_lock(&s->lock);
        if (s->large_bodies < HTTP_LARGE_BODIES) {
                s->large_bodies++;
                c->large = true;
        }
        pthread_mutex_unlock(&s->lock);
        c->busy = !c->large;
        if (c->busy) {
                free(c->body);
                c->body = NULL;
                c->body_len = c->body_alloc = 0;
        }
        return c->large;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
        http_server *s = cls;
        request_ctx *c = *con_cls;

        if (!c) {
                const char *cl;

                c = calloc(1, sizeof(*c));
                if (!c)
                        return MHD_NO;
                c->server = s;
                c->conn = conn;
                c->max_body = http_router_body_limit(&s->router, url, s->max_body);
                *con_cls = c;
                http_guard_headers_done(s->guard, guard_conn_of(conn));
                pthread_mutex_lock(&s->lock);
                s->in_flight++;
                pthread_mutex_unlock(&s->lock);

                /* An announced oversized body: a client that waits for 100
                 * Continue, or one announcing more than we would discard,
                 * is answered now, before the body.  Otherwise the body is
                 * read and thrown away and 413 follows it: answering early
                 * and closing with unread bytes in the socket turns the
                 * close into a TCP reset, and the client would see a broken
                 * connection instead of the 413. */
                cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
                if (cl) {
                        const char *expect;
                        char *end;
                        unsigned long long v;

                        errno = 0;
                        v = strtoull(cl, &end, 10);
                        expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
                        if (errno != 0 || end == cl || *end != '\0' ||
                            (v > c->max_body && (v > HTTP_DISCARD_MAX ||
                                                 (expect && strcasecmp(expect, "100-continue") == 0)))) {
                                c->answered_early = true;
                                return queue_too_large(s, conn, url);
                        }
                        if (v > c->max_body)
                                c->too_large = true;
                }
                return MHD_YES;
        }

        if (c->answered_early) {
                *upload_data_size = 0;
                return MHD_YES;
        }
        if (c->route) /* back from the worker */
                return answer(c);

        if (*upload_data_size > 0) {
                size_t n = *upload_data_size;

                *upload_data_size = 0;
                if (c->too_large || n > c->max_body - c->body_len) {
                        c->too_large = true;
                        return MHD_YES;
                }
                if (c->busy || (c->body_len + n > HTTP_MAX_BODY_DEFAULT && !take_large_slot(c)))
                        return MHD_YES; /* read and dropped; 503 follows */
                if (c->body_len + n + 1 > c->body_alloc) {
                        size_t want = c->body_len + n + 1;
                        uint8_t *b = realloc(c->body, want);
                        if (!b)
                                return MHD_NO;
                        c->body = b;
                        c->body_alloc = want;
                }
                memcpy(c->body + c->body_len, upload_data, n);
                c->body_len += n;
                c->body[c->body_len] = 0;
                return MHD_YES;
        }

        return dispatch(c, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
        http_server *s = cls;
        request_ctx *c = *con_cls;
        bool large;

        http_guard_request_done(s->guard, guard_conn_of(conn));
        if (!c)
                return;
        *con_cls = NULL;
        http_response_free(c->resp);
        large = c->large;
        free(c->body);
        for (size_t i = 0; i < HTTP_MAX_CLIENT_CERTS; i++)
                free(c->certs[i]);
        free(c);

        pthread_mutex_lock(&s->lock);
        if (large && s->large_bodies > 0)
                s->large_bodies--;
        if (s->in_flight > 0)
                s->in_flight--;
        if (s->in_flight == 0)
                pthread_cond_broadcast(&s->idle);
        pthread_mutex_unlock(&s->lock);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
        http_server *s = cls;

        if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
                const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

                *socket_context = ci ? http_guard_add(s->guard, ci->connect_fd) : NULL;
        } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
                /* MHD calls this before it closes the socket. */
                http_guard_remove(s->guard, *socket_context);
                *socket_context = NULL;
        }
}

static int open_listener(const char *listen_addr, int *ret_fd, unsigned *ret_port) {
        _cleanup_free_ char *host = NULL;
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
        struct addrinfo *res = NULL;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        char portstr[8];
        unsigned port;
        int fd = -1, r, one = 1, zero = 0;

        r = ca_parse_listen(listen_addr, &host, &port);
        if (r < 0)
                return r;
        snprintf(portstr, sizeof(portstr), "%u", port);
        if (!*host)
                hints.ai_family = AF_INET6;
        r = getaddrinfo(*host ? host : NULL, portstr, &hints, &res);
        if (r != 0) {
                log_debug("http: cannot resolve \"%s\": %s", listen_addr, gai_strerror(r));
                return -EADDRNOTAVAIL;
        }
        fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                r = negative_errno();
                freeaddrinfo(res);
                return r;
        }
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (res->ai_family == AF_INET6 && !*host)
                (void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
                r = negative_errno();
                freeaddrinfo(res);
                safe_close(fd);
                return r;
        }
        freeaddrinfo(res);
        if (getsockname(fd, (struct sockaddr *) &ss, &sl) == 0)
                port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &ss)->sin6_port
                                                      : ((struct sockaddr_in *) &ss)->sin_port);
        *ret_fd = fd;
        *ret_port = port;
        return 0;
}

int http_server_start(http_server *s) {
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                         MHD_USE_TLS | MHD_USE_ERROR_LOG;
        /* MHD's inactivity timeout, restarted by every byte: the guard's
         * deadlines bound a connection anyway, this only closes a silent
         * one a little earlier. */
        unsigned idle_s = (unsigned) ((s->request_timeout_ms + 999) / 1000);
        sigset_t mask;
        int r;

        if (s->mhd)
                return -EBUSY;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        r = pthread_sigmask(SIG_BLOCK, &mask, NULL);
        if (r != 0)
                return -r;
        /* A client going away mid-write must not kill the server. */
        signal(SIGPIPE, SIG_IGN);

        r = http_guard_new(s->header_timeout_ms, s->request_timeout_ms, &s->guard);
        if (r < 0)
                return r;
        r = http_workers_new(s->n_workers, HTTP_THREAD_STACK, run_work, s, &s->workers);
        if (r < 0)
                return r;
        r = open_listener(s->listen, &s->listen_fd, &s->port);
        if (r < 0)
                return r;

        if (!s->cert_pem) /* plain HTTP */
                flags &= ~(unsigned) MHD_USE_TLS;
        s->mhd = MHD_start_daemon(
                flags, 0, NULL, NULL, on_request, s,
                MHD_OPTION_LISTEN_SOCKET, s->listen_fd,
                MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
                MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
                MHD_OPTION_CONNECTION_LIMIT, s->max_connections,
                MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->per_address,
                MHD_OPTION_CONNECTION_TIMEOUT, idle_s,
                MHD_OPTION_THREAD_POOL_SIZE, s->io_threads,
                MHD_OPTION_THREAD_STACK_SIZE, (size_t) HTTP_THREAD_STACK,
                /* Last, because they may end the list: */
                s->cert_pem ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, s->cert_pem,
                MHD_OPTION_HTTPS_MEM_KEY, s->key_pem,
                s->client_ca_pem ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, s->client_ca_pem,
                MHD_OPTION_END);
        if (!s->mhd)
                return -EINVAL;
        s->listen_fd = -1; /* MHD owns it now */
        return 0;
}

unsigned http_server_port(const http_server *s) {
        return s->port;
}

void http_server_stop(http_server *s) {
        bool running;

        pthread_mutex_lock(&s->lock);
        s->stop_requested = true;
        running = s->running;
        pthread_mutex_unlock(&s->lock);
        /* Wakes sigwait() in http_server_run(); if it is not there yet,
         * it sees stop_requested first. */
        if (running)
                pthread_kill(s->run_thread, SIGTERM);
}

static void drain_and_stop(http_server *s) {
        struct timespec deadline;
        MHD_socket fd;

        /* Stop accepting; connections already open keep going. */
        fd = MHD_quiesce_daemon(s->mhd);
        if (fd != MHD_INVALID_SOCKET)
                safe_close(fd);
        s->listen_fd = -1;

        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += HTTP_DRAIN_TIMEOUT_S;
        pthread_mutex_lock(&s->lock);
        while (s->in_flight > 0)
                if (pthread_cond_timedwait(&s->idle, &s->lock, &deadline) == ETIMEDOUT) {
                        log_warning("Stopping with %u request(s) still running after %d s.",
                                    s->in_flight, HTTP_DRAIN_TIMEOUT_S);
                        break;
                }
        pthread_mutex_unlock(&s->lock);

        /* Every handler still queued or running finishes and resumes its
         * connection (MHD must not stop with a connection suspended). */
        http_workers_stop(s->workers);
        MHD_stop_daemon(s->mhd);
        s->mhd = NULL;

        for (size_t i = s->n_hooks; i > 0; i--)
                s->hooks[i - 1].fn(s->hooks[i - 1].userdata);
        s->n_hooks = 0;
}

void http_server_shutdown(http_server *s) {
        if (s && s->mhd)
                drain_and_stop(s);
}

int http_server_run(http_server *s) {
        sigset_t mask;
        int sig = 0, r;

        if (!s->mhd)
                return -EINVAL;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        pthread_mutex_lock(&s->lock);
        s->run_thread = pthread_self();
        s->running = true;
        pthread_mutex_unlock(&s->lock);

        (void) sd_notify(0, "READY=1");
        for (;;) {
                bool stop;

                pthread_mutex_lock(&s->lock);
                stop = s->stop_requested;
                pthread_mutex_unlock(&s->lock);
                if (stop)
                        break;
                r = sigwait(&mask, &sig);
                if (r != 0)
                        return -r;
                if (sig == SIGTERM || sig == SIGINT)
                        break;
        }
        pthread_mutex_lock(&s->lock);
        s->running = false;
        pthread_mutex_unlock(&s->lock);
        if (sig == SIGINT || sig == SIGTERM)
                log_info("Received %s, stopping.", sig == SIGINT ? "SIGINT" : "SIGTERM");
        else
                log_info("Stopping.");
        (void) sd_notify(0, "STOPPING=1");
        drain_and_stop(s);
        return 0;
}
