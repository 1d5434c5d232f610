/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Base64 (RFC 4648 section 4) and base64url (section 5), pure and strict.
 * Decoding refuses whitespace, characters of the other alphabet, bad or
 * missing padding (for B64_STD), any padding (for B64_URL), and non-zero
 * trailing bits, so that every value has exactly one encoding.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef enum b64_variant {
        B64_STD,        /* '+' '/', padded with '=' (step-ca, PEM bodies) */
        B64_URL,        /* '-' '_', no padding (JOSE, ACME) */
        B64_URL_PADDED, /* '-' '_', padded */
} b64_variant;

/* Encodes len bytes; *ret is a malloc'ed NUL-terminated string. Returns 0,
 * -EINVAL (unknown variant, NULL data with len > 0) or -ENOMEM. */
int b64_encode(b64_variant v, const void *data, size_t len, char **ret);

/* Decodes slen characters of s (no NUL needed). Refuses input longer than
 * max_len characters with -E2BIG, malformed input with -EBADMSG. *ret is
 * malloc'ed with a NUL after the data (for convenience; not counted in
 * *ret_len); the empty string decodes to a 0-byte buffer. Outputs are
 * written only on success. */
int b64_decode(b64_variant v, const char *s, size_t slen, size_t max_len, uint8_t **ret,
               size_t *ret_len);

/* Length of the encoding of len bytes, without NUL. */
size_t b64_encoded_len(b64_variant v, size_t len);
