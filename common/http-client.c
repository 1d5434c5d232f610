/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP client over libcurl (see http-client.h): one easy handle per
 * request, TLS 1.2 or later, peer and host name verified (unless the
 * caller says otherwise), redirects followed by hand and only as asked, a
 * body cap enforced while receiving (not after), and every CURLcode turned
 * into one -errno here, with curl's text at debug.
 */
#include <pthread.h>
#include <stdarg.h>
#include <strings.h>
#include <curl/curl.h>

#include "http-client.h"
#include "log.h"

/* A captured header value longer than this is cut (no header we want is
 * anywhere near it; the cap keeps a hostile server from growing us). */
#define HEADER_VALUE_MAX 4096

DEFINE_TRIVIAL_CLEANUP_FUNC(CURL *, curl_easy_cleanup);
DEFINE_TRIVIAL_CLEANUP_FUNC(CURLU *, curl_url_cleanup);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct curl_slist *, curl_slist_free_all);

static void curl_freep(char **p) {
        curl_free(*p);
}

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_result = CURLE_FAILED_INIT;

static void global_init(void) {
        global_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int http_client_global_init(void) {
        (void) pthread_once(&global_once, global_init);
        if (global_result != CURLE_OK)
                return log_debug_errno(EIO, "curl_global_init: %s", curl_easy_strerror(global_result));
        return 0;
}

typedef struct transfer {
        const http_client_request *req;
        size_t max_body;
        char *body;
        size_t body_len, body_cap;
        bool too_large, oom;
        http_client_header *headers;
        size_t n_headers;
} transfer;

static void headers_free(http_client_header *h, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(h[i].name);
                free(h[i].value);
        }
        free(h);
}

void http_client_response_free(http_client_response *r) {
        if (!r)
                return;
        free(r->content_type);
        free(r->body);
        headers_free(r->headers, r->n_headers);
        free(r);
}

const char *http_client_response_header(const http_client_response *r, const char *name) {
        if (!r || !name)
                return NULL;
        for (size_t i = 0; i < r->n_headers; i++)
                if (strcasecmp(r->headers[i].name, name) == 0)
                        return r->headers[i].value;
        return NULL;
}

bool http_client_media_type_is(const char *content_type, const char *type) {
        size_t n;

        if (!content_type || !type)
                return false;
        n = strlen(type);
        if (strncasecmp(content_type, type, n) != 0)
                return false;
        content_type += n;
        content_type += strspn(content_type, " \t");
        return *content_type == '\0' || *content_type == ';';
}

static size_t body_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
        transfer *x = userdata;
        size_t n = size * nmemb;

        if (n > x->max_body - x->body_len) {
                x->too_large = true;
                return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
        }
        if (x->body_len + n + 1 > x->body_cap) {
                size_t cap = x->body_cap ? x->body_cap : 4096;
                char *p;

                while (cap < x->body_len + n + 1)
                        cap *= 2;
                if (cap > x->max_body + 1)
                        cap = x->max_body + 1;
                p = realloc(x->body, cap);
                if (!p) {
                        x->oom = true;
                        return 0;
                }
                x->body = p;
                x->body_cap = cap;
        }
        memcpy(x->body + x->body_len, ptr, n);
        x->body_len += n;
        x->body[x->body_len] = '\0';
        return n;
}

/* Keeps the headers the caller asked for; an interim (1xx) response's
 * headers are dropped when the next status line arrives. */
static size_t header_write(char *line, size_t size, size_t nitems, void *userdata) {
        transfer *x = userdata;
        size_t n = size * nitems, name_len, len;
        const char *colon, *v, *end;

        if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
                headers_free(x->headers, x->n_headers);
                x->headers = NULL;
                x->n_headers = 0;
                return n;
        }
        if (!x->req->capture)
                return n;
        colon = memchr(line, ':', n);
        if (!colon)
                return n;
        name_len = (size_t) (colon - line);
        for (const char *const *c = x->req->capture; *c; c++) {
                http_client_header *h = NULL;
                char *value;

                if (strlen(*c) != name_len || strncasecmp(*c, line, name_len) != 0)
                        continue;
                v = colon + 1;
                end = line + n;
                while (v < end && (*v == ' ' || *v == '\t'))
                        v++;
                while (end > v && strchr(" \t\r\n", end[-1]))
                        end--;
                len = (size_t) (end - v);
                value = strndup(v, len < HEADER_VALUE_MAX ? len : HEADER_VALUE_MAX);
                if (!value) {
                        x->oom = true;
                        return 0;
                }
                for (size_t i = 0; i < x->n_headers; i++)
                        if (strcasecmp(x->headers[i].name, *c) == 0)
                                h = &x->headers[i];
                if (h) { /* a repeated header: the last one wins */
                        free(h->value);
                        h->value = value;
                        return n;
                }
                h = reallocarray(x->headers, x->n_headers + 1, sizeof(*h));
                if (!h) {
                        free(value);
                        x->oom = true;
                        return 0;
                }
                x->headers = h;
                h[x->n_headers].value = value;
                h[x->n_headers].name = strdup(*c);
                if (!h[x->n_headers].name) {
                        free(value);
                        x->oom = true;
                        return 0;
                }
                x->n_headers++;
                return n;
        }
        return n;
}

static int check_url(const char *url, bool allow_http) {
        _cleanup_(curl_url_cleanupp) CURLU *u = curl_url();
        _cleanup_(curl_freep) char *scheme = NULL;

        if (!u)
                return -ENOMEM;
        if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
                return log_debug_errno(EINVAL, "Malformed URL \"%s\".", url);
        if (strcasecmp(scheme, "https") == 0 || (allow_http && strcasecmp(scheme, "http") == 0))
                return 0;
        return log_debug_errno(EPROTONOSUPPORT, "Refusing URL scheme \"%s\" (HTTPS only).", scheme);
}

static bool header_ok(const char *h) {
        return h && !strpbrk(h, "\r\n") && strchr(h, ':') && h[0] != ':';
}

static int build_headers(const http_client_request *req, bool post, struct curl_slist **ret) {
        _cleanup_(curl_slist_free_allp) struct curl_slist *list = NULL;
        _cleanup_free_ char *ct = NULL;
        struct curl_slist *l;

        if (post) {
                const char *type = req->content_type ?: "application/json";

                if (strpbrk(type, "\r\n"))
                        return -EINVAL;
                if (asprintf(&ct, "Content-Type: %s", type) < 0)
                        return -ENOMEM;
                l = curl_slist_append(list, ct);
                if (!l)
                        return -ENOMEM;
                list = l;
                /* No "Expect: 100-continue" round trip for our small bodies. */
                l = curl_slist_append(list, "Expect:");
                if (!l)
                        return -ENOMEM;
                list = l;
        }
        for (const char *const *h = req->headers; h && *h; h++) {
                if (!header_ok(*h))
                        return log_debug_errno(EINVAL, "Refusing malformed request header.");
                l = curl_slist_append(list, *h);
                if (!l)
                        return -ENOMEM;
                list = l;
        }
        *ret = TAKE_PTR(list);
        return 0;
}

static int connect_errno(CURL *c) {
        long os = 0;

        (void) curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os);
        switch (os) {
        case ECONNREFUSED:
        case EHOSTUNREACH:
        case ENETUNREACH:
        case ETIMEDOUT:
                return (int) -os;
        default:
                return -ECONNREFUSED;
        }
}

static int curl_code_to_errno(CURL *c, CURLcode cc) {
        switch (cc) {
        case CURLE_OK:
                return 0;
        case CURLE_UNSUPPORTED_PROTOCOL:
                /* The scheme was checked before: this is curl refusing a
                 * reply without a status line (HTTP/0.9). */
                return -EBADMSG;
        case CURLE_URL_MALFORMAT:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_BAD_FUNCTION_ARGUMENT:
                return -EINVAL;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
                return -ENXIO;
        case CURLE_COULDNT_CONNECT:
                return connect_errno(c);
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_PEER_FAILED_VERIFICATION:
                return -EKEYREJECTED;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_SSL_SHUTDOWN_FAILED:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
        case CURLE_USE_SSL_FAILED:
                return -EPROTO;
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
                return -ECONNRESET;
        case CURLE_WEIRD_SERVER_REPLY:
        case CURLE_BAD_CONTENT_ENCODING:
                return -EBADMSG;
        case CURLE_FILESIZE_EXCEEDED:
                return -EMSGSIZE;
        case CURLE_OUT_OF_MEMORY:
                return -ENOMEM;
        case CURLE_ABORTED_BY_CALLBACK:
                return -ECANCELED;
        default:
                return -EIO;
        }
}

static void set_error(char *error, const char *fmt, ...) _printf_(2, 3);
static void set_error(char *error, const char *fmt, ...) {
        va_list ap;

        if (!error)
                return;
        va_start(ap, fmt);
        (void) vsnprintf(error, HTTP_CLIENT_ERROR_MAX, fmt, ap);
        va_end(ap);
}

/* Every option the request needs; any failure here is ours (bad
 * argument or memory), never the server's. */
static int xfer_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                         curl_off_t ulnow) {
        const atomic_bool *cancel = clientp;

        return atomic_load(cancel) ? 1 : 0; /* non-zero aborts */
}

static int setup(CURL *c, const http_client_request *req, const char *url, bool post, bool head,
                 struct curl_slist *headers, transfer *x, char *errbuf) {
        unsigned connect_timeout = req->connect_timeout_sec ?: HTTP_CLIENT_CONNECT_TIMEOUT_DEFAULT;
        unsigned timeout = req->timeout_sec ?: HTTP_CLIENT_TIMEOUT_DEFAULT;
        CURLcode cc = CURLE_OK;

#define SET(opt, val)                                          \
        do {                                                   \
                if (cc == CURLE_OK)                            \
                        cc = curl_easy_setopt(c, (opt), (val)); \
        } while (0)

        SET(CURLOPT_URL, url);
        SET(CURLOPT_PROTOCOLS_STR, req->allow_http ? "http,https" : "https");
        SET(CURLOPT_FOLLOWLOCATION, 0L);
        SET(CURLOPT_NOSIGNAL, 1L);
        SET(CURLOPT_CONNECTTIMEOUT, (long) connect_timeout);
        SET(CURLOPT_TIMEOUT, (long) timeout);
        SET(CURLOPT_USERAGENT, req->user_agent ?: "deviceid/" PACKAGE_VERSION);
        SET(CURLOPT_ERRORBUFFER, errbuf);
        SET(CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2);
        SET(CURLOPT_SSL_VERIFYPEER, req->skip_verify ? 0L : 1L);
        SET(CURLOPT_SSL_VERIFYHOST, req->skip_verify ? 0L : 2L);
        if (req->no_proxy)
                SET(CURLOPT_NOPROXY, "*");
        if (req->cancel) {
                SET(CURLOPT_NOPROGRESS, 0L);
                SET(CURLOPT_XFERINFOFUNCTION, xfer_progress);
                SET(CURLOPT_XFERINFODATA, (void *) req->cancel);
        }
        if (req->root_pem) {
                struct curl_blob blob = {
                        .data = (void *) req->root_pem,
                        .len = strlen(req->root_pem),
                        .flags = CURL_BLOB_COPY,
                };

                /* Only these anchors: drop the built-in bundle and path. */
                SET(CURLOPT_CAINFO, (char *) NULL);
                SET(CURLOPT_CAPATH, (char *) NULL);
                SET(CURLOPT_CAINFO_BLOB, &blob);
        }
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) x->max_body);
        SET(CURLOPT_WRITEFUNCTION, body_write);
        SET(CURLOPT_WRITEDATA, x);
        SET(CURLOPT_HEADERFUNCTION, header_write);
        SET(CURLOPT_HEADERDATA, x);
        SET(CURLOPT_HTTPHEADER, headers);
        if (post) {
                SET(CURLOPT_POST, 1L);
                SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_len);
                SET(CURLOPT_POSTFIELDS, req->body ? (const char *) req->body : "");
        } else if (head)
                SET(CURLOPT_NOBODY, 1L);
        else
                SET(CURLOPT_HTTPGET, 1L);
#undef SET
        if (cc != CURLE_OK) {
                log_debug("curl_easy_setopt: %s", curl_easy_strerror(cc));
                return cc == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
        }
        return 0;
}

/* One request to url, no redirect followed: 0 and *ret, plus in *ret_next
 * the absolute target of a 3xx with a Location if want_next (else NULL). */
static int perform_one(const http_client_request *req, const char *url, const char *method,
                       struct curl_slist *headers, bool want_next, http_client_response **ret, char **ret_next,
                       char *error) {
        _cleanup_(curl_easy_cleanupp) CURL *c = NULL;
        _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
        char errbuf[CURL_ERROR_SIZE] = "";
        const char *ct = NULL, *next = NULL;
        bool post = streq(method, "POST"), head = streq(method, "HEAD");
        transfer x = {};
        CURLcode cc;
        long status = 0;
        int r;

        c = curl_easy_init();
        if (!c)
                return -ENOMEM;
        x.req = req;
        x.max_body = req->max_body ?: HTTP_CLIENT_MAX_BODY_DEFAULT;
        r = setup(c, req, url, post, head, headers, &x, errbuf);
        if (r < 0) {
                set_error(error, "%s", "setting up the transfer failed");
                return r;
        }

        cc = curl_easy_perform(c);
        if (x.oom)
                r = -ENOMEM;
        else if (x.too_large || cc == CURLE_FILESIZE_EXCEEDED) {
                r = -EMSGSIZE;
                (void) snprintf(errbuf, sizeof(errbuf), "response body larger than %zu bytes",
                                x.max_body);
        } else
                r = curl_code_to_errno(c, cc);
        if (r < 0) {
                const char *text = errbuf[0] ? errbuf : curl_easy_strerror(cc);

                set_error(error, "%s", text);
                free(x.body);
                headers_free(x.headers, x.n_headers);
                return log_debug_errno(r, "%s %s failed: %s", method, url, text);
        }

        (void) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        (void) curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
        resp = calloc(1, sizeof(*resp));
        if (!resp) {
                free(x.body);
                headers_free(x.headers, x.n_headers);
                return -ENOMEM;
        }
        resp->status = status;
        resp->body = x.body ?: strdup("");
        resp->body_len = x.body_len;
        resp->headers = x.headers;
        resp->n_headers = x.n_headers;
        if (!resp->body)
                return -ENOMEM;
        if (ct) {
                resp->content_type = strdup(ct);
                if (!resp->content_type)
                        return -ENOMEM;
        }
        if (status < 100 || status > 599) {
                set_error(error, "invalid HTTP status %ld", status);
                return log_debug_errno(EBADMSG, "%s %s: invalid HTTP status %ld", method, url, status);
        }
        log_debug("%s %s: HTTP %ld, %zu bytes of %s", method, url, status, resp->body_len,
                  resp->content_type ?: "(no Content-Type)");
        *ret_next = NULL;
        if (want_next && status >= 300 && status < 400 &&
            curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &next) == CURLE_OK && next) {
                *ret_next = strdup(next);
                if (!*ret_next)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(resp);
        return 0;
}

/* May the request go on to url? The scheme rule, then the caller's. */
static int redirect_check(const http_client_request *req, const char *from, const char *url, char *error) {
        _cleanup_(curl_url_cleanupp) CURLU *u = curl_url();
        _cleanup_(curl_freep) char *scheme = NULL, *host = NULL, *port = NULL;
        http_client_target t = { .url = url };
        int r;

        if (!u)
                return -ENOMEM;
        r = check_url(url, req->allow_http);
        if (r >= 0 && (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
                       curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
                       curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
                       curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK))
                r = -EINVAL;
        if (r >= 0) {
                t.scheme = scheme;
                t.host = host;
                t.port = (unsigned) strtoul(port, NULL, 10);
                if (req->redirect_ok && !req->redirect_ok(&t, req->redirect_userdata))
                        r = -EPERM;
        }
        if (r < 0) {
                set_error(error, "refusing redirect from %.100s to \"%.100s\"", from, url);
                return log_debug_errno(r == -ENOMEM ? r : EPERM, "Refusing redirect from %s to \"%s\".", from,
                                       url);
        }
        return 0;
}

int http_client_perform(const http_client_request *req, http_client_response **ret, char *error) {
        _cleanup_(curl_slist_free_allp) struct curl_slist *headers = NULL;
        _cleanup_free_ char *url = NULL;
        const char *method;
        bool post, head;
        int r;

        set_error(error, "%s", "invalid request");
        if (!req || !req->url || !ret || (req->body_len > 0 && !req->body))
                return -EINVAL;
        method = req->method ?: (req->body ? "POST" : "GET");
        post = streq(method, "POST");
        head = streq(method, "HEAD");
        if ((!post && !head && !streq(method, "GET")) || (!post && req->body) || (post && req->max_redirects))
                return log_debug_errno(EINVAL, "Unsupported request: %s with%s body%s.", method,
                                       req->body ? "" : "out", req->max_redirects ? ", redirects" : "");
        set_error(error, "%s", "");

        r = http_client_global_init();
        if (r < 0) {
                set_error(error, "curl_global_init: %s", curl_easy_strerror(global_result));
                return r;
        }

        r = check_url(req->url, req->allow_http);
        if (r < 0) {
                set_error(error, "%s", r == -EPROTONOSUPPORT ? "URL scheme is not https" : "malformed URL");
                return r;
        }
        r = build_headers(req, post, &headers);
        if (r < 0) {
                set_error(error, "%s", r == -ENOMEM ? "out of memory" : "malformed request header");
                return r;
        }

        for (unsigned hop = 0;; hop++) {
                _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
                _cleanup_free_ char *next = NULL;

                r = perform_one(req, url ?: req->url, method, headers, req->max_redirects > 0, &resp, &next,
                                error);
                if (r < 0)
                        return r;
                if (!next) {
                        *ret = TAKE_PTR(resp);
                        return 0;
                }
                if (hop >= req->max_redirects) {
                        set_error(error, "more than %u redirects", req->max_redirects);
                        return log_debug_errno(ELOOP, "%s %s: more than %u redirects.", method, req->url,
                                               req->max_redirects);
                }
                r = redirect_check(req, url ?: req->url, next, error);
                if (r < 0)
                        return r;
                free(url);
                url = TAKE_PTR(next);
        }
}
