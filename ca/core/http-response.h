/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An HTTP response as handlers build it (http-response.c): a status, a
 * body with its Content-Type, headers. Handlers use the functions below;
 * the fields are for the server that sends it (http.c). No microhttpd.
 */
#pragma once

#include <stddef.h>

#include "json.h"
#include "macro.h"

typedef struct http_header {
        char *name, *value;
} http_header;

typedef struct http_response {
        unsigned status;
        void *body;
        size_t body_len;
        char *content_type;
        http_header *headers;
        size_t n_headers;
} http_response;

/* Response builder. All functions copy their arguments. */
http_response *http_response_new(unsigned status);
/* Sets the body (copied) and its Content-Type (NULL: none). Returns 0 or -ENOMEM. */
int http_response_set_body(http_response *r, const void *data, size_t len, const char *content_type);
/* Takes ownership of a malloc'ed body, also on failure. */
int http_response_take_body(http_response *r, void *data, size_t len, const char *content_type);
/* Adds a header; several headers of the same name (Link) are all sent.
 * Returns 0 or -ENOMEM. */
int http_response_add_header(http_response *r, const char *name, const char *value);
void http_response_free(http_response *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(http_response *, http_response_free);

/* Conveniences; NULL on out-of-memory only. */
/* Serialises o (not consumed) with the given content type
 * (NULL: "application/json"). */
http_response *http_response_json(unsigned status, json_object *o, const char *content_type);
/* {"status": status, "message": message} as application/json: the error
 * shape of the admin API and of step-ca's /1.0 endpoints. */
http_response *http_response_error(unsigned status, const char *message);
/* Text body, "text/plain; charset=utf-8". */
http_response *http_response_text(unsigned status, const char *text);

