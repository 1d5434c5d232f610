/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The console's pure parsers of untrusted input, with explicit limits:
 * the Cookie request header (to find the session cookie) and the shape of
 * the secrets it hands out (login-link tokens, session ids, anti-CSRF
 * tokens: 32 random bytes as 43 characters of unpadded base64url).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define CONSOLE_COOKIE_NAME "__Host-deviceid-session"
#define CONSOLE_TOKEN_BYTES 32
#define CONSOLE_TOKEN_LEN 43
#define CONSOLE_COOKIE_HEADER_MAX 8192
#define CONSOLE_COOKIE_PAIRS_MAX 64

/* True if s[0..len) is exactly CONSOLE_TOKEN_LEN characters of the
 * base64url alphabet. */
bool console_token_valid(const char *s, size_t len);

/* Finds cookie `name` in a Cookie header value (RFC 6265 section 4.2.1:
 * name=value pairs separated by ";" and optional spaces; a value may be
 * in double quotes, which are removed). On success *ret_value points into
 * header (not NUL-terminated) with *ret_len bytes. Returns 0; -ENOENT if
 * the cookie is absent; -EINVAL if the header is longer than
 * CONSOLE_COOKIE_HEADER_MAX, has more than CONSOLE_COOKIE_PAIRS_MAX pairs,
 * holds control characters, or names the cookie twice (which one the
 * browser meant cannot be told). Pairs without "=" are ignored. */
int console_cookie_find(const char *header, size_t len, const char *name, const char **ret_value,
                        size_t *ret_len);
