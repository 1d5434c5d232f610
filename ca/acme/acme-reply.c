/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ACME server's answers (acme-reply.h): every one carries a fresh
 * Replay-Nonce and Link rel="index"; problems are application/problem+json.
 */
#include <stdarg.h>

#include "acme-reply.h"
#include "log.h"

int acme_add_header_fmt(http_response *r, const char *name, const char *fmt, ...) {
        _cleanup_free_ char *v = NULL;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&v, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        return http_response_add_header(r, name, v);
}

http_response *acme_reply(acme_ctx *c, http_response *r) {
        char nonce[ACME_NONCE_STRLEN + 1];

        if (!r)
                return NULL;
        if (acme_nonce_issue(c->srv->nonces, acme_now(), nonce) < 0 ||
            http_response_add_header(r, "Replay-Nonce", nonce) < 0 ||
            (c->base && acme_add_header_fmt(r, "Link", "<%sdirectory>;rel=\"index\"", c->base) < 0)) {
                http_response_free(r);
                return NULL;
        }
        return r;
}

http_response *acme_reply_json(acme_ctx *c, unsigned status, json_object *o) {
        if (!o)
                return NULL;
        return acme_reply(c, http_response_json(status, o, "application/json"));
}

http_response *acme_reply_problem(acme_ctx *c) {
        _cleanup_json_ json_object *o = acme_problem_to_json(&c->problem);

        if (!o)
                return NULL;
        if (c->problem.type == ACME_ERR_BAD_SIGNATURE_ALGORITHM) {
                json_object *algs = json_object_new_array();

                if (!algs)
                        return NULL;
                json_object_array_add(algs, json_object_new_string("ES256"));
                json_object_array_add(algs, json_object_new_string("ES384"));
                json_object_array_add(algs, json_object_new_string("RS256"));
                if (json_add_object(o, "algorithms", algs) < 0)
                        return NULL;
        }
        log_debug("ACME %s %s: %s: %s", c->req->method, c->req->path,
                  acme_error_name(c->problem.type), c->problem.detail);
        return acme_reply(c, http_response_json(acme_problem_http_status(&c->problem), o,
                                                 "application/problem+json"));
}

http_response *acme_reply_error(acme_ctx *c, int r) {
        if (r == -ENOSPC || r == -EROFS || r == -EBUSY) {
                /* The database cannot take a write now (disk full or read
                 * only, busy or unreachable): what the request changed was
                 * rolled back; the client may retry. */
                log_warning_errno(r, "ACME request %s \"%s\" refused with 503: %m", c->req->method, c->req->path);
                (void) acme_problem_set_status(&c->problem, ACME_ERR_SERVER_INTERNAL, 503,
                                               r == -EBUSY ? "The database is busy or unreachable; retry later."
                                                           : "The CA cannot store this now; retry later.");
                return acme_reply_retry_after(acme_reply_problem(c), r == -EBUSY ? 1 : ACME_RETRY_AFTER_FULL);
        }
        if (r != -EPROTO) {
                log_error_errno(r, "ACME request %s \"%s\" failed: %m", c->req->method, c->req->path);
                (void) acme_problem_set(&c->problem, ACME_ERR_SERVER_INTERNAL, "Internal error.");
        }
        return acme_reply_problem(c);
}

http_response *acme_reply_rate_limited(acme_ctx *c, unsigned seconds, const char *what) {
        log_info("ACME %s %s from %s: rate limited (%s), retry in %u s.", c->req->method, c->req->path,
                 c->req->remote_addr, what, seconds);
        (void) acme_problem_set(&c->problem, ACME_ERR_RATE_LIMITED, "Too many %s; retry in %u s.", what, seconds);
        return acme_reply_retry_after(acme_reply_problem(c), seconds);
}

http_response *acme_reply_problemf(acme_ctx *c, acme_error type, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) acme_problem_setv(&c->problem, type, fmt, ap);
        va_end(ap);
        return acme_reply_problem(c);
}

http_response *acme_reply_header(http_response *r, const char *name, const char *value) {
        if (r && (!value || http_response_add_header(r, name, value) < 0)) {
                http_response_free(r);
                return NULL;
        }
        return r;
}

http_response *acme_reply_retry_after(http_response *r, unsigned seconds) {
        char v[16];

        (void) snprintf(v, sizeof(v), "%u", seconds);
        return acme_reply_header(r, "Retry-After", v);
}

int acme_json_add_error(json_object *o, const char *problem_json) {
        json_object *err = NULL;

        if (!problem_json || json_parse(problem_json, strlen(problem_json), 64 * 1024, &err) < 0)
                return 0; /* nothing readable to show */
        return json_add_object(o, "error", err);
}
