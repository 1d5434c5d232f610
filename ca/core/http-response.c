/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Responses of the HTTP server (http-response.h): handlers build these
 * and http.c hands them to microhttpd.
 */
#include "http-response.h"

http_response *http_response_new(unsigned status) {
        http_response *r = calloc(1, sizeof(*r));

        if (r)
                r->status = status;
        return r;
}

void http_response_free(http_response *r) {
        if (!r)
                return;
        free(r->body);
        free(r->content_type);
        for (size_t i = 0; i < r->n_headers; i++) {
                free(r->headers[i].name);
                free(r->headers[i].value);
        }
        free(r->headers);
        free(r);
}

int http_response_take_body(http_response *r, void *data, size_t len, const char *content_type) {
        char *ct = NULL;

        if (content_type) {
                ct = strdup(content_type);
                if (!ct) {
                        free(data);
                        return -ENOMEM;
                }
        }
        free(r->body);
        free(r->content_type);
        r->body = data;
        r->body_len = len;
        r->content_type = ct;
        return 0;
}

int http_response_set_body(http_response *r, const void *data, size_t len, const char *content_type) {
        void *copy = malloc(len ?: 1);

        if (!copy)
                return -ENOMEM;
        if (len)
                memcpy(copy, data, len);
        return http_response_take_body(r, copy, len, content_type);
}

int http_response_add_header(http_response *r, const char *name, const char *value) {
        http_header *h;

        h = realloc(r->headers, (r->n_headers + 1) * sizeof(*h));
        if (!h)
                return -ENOMEM;
        r->headers = h;
        h[r->n_headers].name = strdup(name);
        h[r->n_headers].value = strdup(value);
        if (!h[r->n_headers].name || !h[r->n_headers].value) {
                free(h[r->n_headers].name);
                free(h[r->n_headers].value);
                return -ENOMEM;
        }
        r->n_headers++;
        return 0;
}

http_response *http_response_json(unsigned status, json_object *o, const char *content_type) {
        _cleanup_(http_response_freep) http_response *r = http_response_new(status);
        char *s = NULL;

        if (!r || json_to_string_dup(o, &s) < 0)
                return NULL;
        if (http_response_take_body(r, s, strlen(s), content_type ?: "application/json") < 0)
                return NULL;
        return TAKE_PTR(r);
}

http_response *http_response_error(unsigned status, const char *message) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!o || json_add_int64(o, "status", status) < 0 || json_add_string(o, "message", message) < 0)
                return NULL;
        return http_response_json(status, o, NULL);
}

http_response *http_response_text(unsigned status, const char *text) {
        _cleanup_(http_response_freep) http_response *r = http_response_new(status);

        if (!r || http_response_set_body(r, text, strlen(text), "text/plain; charset=utf-8") < 0)
                return NULL;
        return TAKE_PTR(r);
}
