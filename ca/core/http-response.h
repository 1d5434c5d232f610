/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What an http_response holds, for the server that sends it (http.c).
 * Handlers see http_response as opaque and build it with the functions of
 * http.h (http-response.c).
 */
#pragma once

#include <stddef.h>

typedef struct http_header {
        char *name, *value;
} http_header;

struct http_response {
        unsigned status;
        void *body;
        size_t body_len;
        char *content_type;
        http_header *headers;
        size_t n_headers;
};
