/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How the ACME handlers answer (acme-reply.c): each response gets a fresh
 * Replay-Nonce and Link rel="index"; problems go out as
 * application/problem+json with their status. Functions that take a
 * response consume it: on failure they free it and return NULL (answered
 * with 500).
 */
#pragma once

#include "acme-context.h"

http_response *acme_reply(acme_ctx *c, http_response *r);
http_response *acme_reply_json(acme_ctx *c, unsigned status, json_object *o);
/* c->problem as the answer. */
http_response *acme_reply_problem(acme_ctx *c);
/* Sets c->problem (type, formatted detail) and answers with it. */
http_response *acme_reply_problemf(acme_ctx *c, acme_error type, const char *fmt, ...) _printf_(3, 4);
/* Maps an internal error to serverInternal (logging it) unless it is
 * -EPROTO, which means c->problem is already set. -ENOSPC (disk full),
 * -EROFS (the database cannot write) and -EBUSY (locked) are 503 with Retry-After
 * (ACME_RETRY_AFTER_FULL, 1 s): what failed was rolled back. */
http_response *acme_reply_error(acme_ctx *c, int r);
/* 429 rateLimited "Too many WHAT" with Retry-After: seconds. */
http_response *acme_reply_rate_limited(acme_ctx *c, unsigned seconds, const char *what);

/* Adds a header to r (value NULL: out of memory, r is freed). */
http_response *acme_reply_header(http_response *r, const char *name, const char *value);
/* Adds Retry-After: seconds. */
http_response *acme_reply_retry_after(http_response *r, unsigned seconds);
/* Adds a stored problem document (JSON text; NULL: none) to an object
 * view as its "error" member. 0 or -ENOMEM. */
int acme_json_add_error(json_object *o, const char *problem_json);

/* Adds a header with a formatted value; 0 or -ENOMEM (r is kept). */
int acme_add_header_fmt(http_response *r, const char *name, const char *fmt, ...) _printf_(3, 4);
