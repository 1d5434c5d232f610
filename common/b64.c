/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict base64 and base64url (RFC 4648 sections 4 and 5). Pure functions,
 * no I/O. Decoding accepts exactly one spelling per value: the right
 * alphabet, padding exactly where the variant wants it, and zero bits in
 * the unused low bits of the last character (RFC 4648 section 3.5 lets a
 * decoder refuse anything else; we do, so signatures over encoded strings
 * cannot be malleated).
 */
#include <stdint.h>

#include "b64.h"
#include "macro.h"

static const char alphabet_std[64] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char alphabet_url[64] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static bool variant_padded(b64_variant v) {
        return v == B64_STD || v == B64_URL_PADDED;
}

static const char *variant_alphabet(b64_variant v) {
        return v == B64_STD ? alphabet_std : alphabet_url;
}

/* Value of c in the variant's alphabet, or -1. */
static int decode_char(b64_variant v, char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (v == B64_STD) {
                if (c == '+')
                        return 62;
                if (c == '/')
                        return 63;
        } else {
                if (c == '-')
                        return 62;
                if (c == '_')
                        return 63;
        }
        return -1;
}

size_t b64_encoded_len(b64_variant v, size_t len) {
        size_t groups = len / 3, rest = len % 3;

        if (groups > (SIZE_MAX - 4) / 4)
                return SIZE_MAX;
        if (variant_padded(v))
                return (groups + (rest ? 1 : 0)) * 4;
        return groups * 4 + (rest ? rest + 1 : 0);
}

int b64_encode(b64_variant v, const void *data, size_t len, char **ret) {
        const char *alpha = variant_alphabet(v);
        const uint8_t *in = data;
        size_t n = b64_encoded_len(v, len), o = 0, i = 0;
        char *out;

        if (!ret || (!data && len > 0))
                return -EINVAL;
        if (v != B64_STD && v != B64_URL && v != B64_URL_PADDED)
                return -EINVAL;
        if (n == SIZE_MAX)
                return -E2BIG;
        out = malloc(n + 1);
        if (!out)
                return -ENOMEM;

        for (; i + 3 <= len; i += 3) {
                uint32_t w = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8 | in[i + 2];
                out[o++] = alpha[(w >> 18) & 63];
                out[o++] = alpha[(w >> 12) & 63];
                out[o++] = alpha[(w >> 6) & 63];
                out[o++] = alpha[w & 63];
        }
        if (len - i == 1) {
                uint32_t w = (uint32_t) in[i] << 16;
                out[o++] = alpha[(w >> 18) & 63];
                out[o++] = alpha[(w >> 12) & 63];
                if (variant_padded(v)) {
                        out[o++] = '=';
                        out[o++] = '=';
                }
        } else if (len - i == 2) {
                uint32_t w = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8;
                out[o++] = alpha[(w >> 18) & 63];
                out[o++] = alpha[(w >> 12) & 63];
                out[o++] = alpha[(w >> 6) & 63];
                if (variant_padded(v))
                        out[o++] = '=';
        }
        out[o] = '\0';
        *ret = out;
        return 0;
}

int b64_decode(b64_variant v, const char *s, size_t slen, size_t max_len, uint8_t **ret,
               size_t *ret_len) {
        _cleanup_free_ uint8_t *out = NULL;
        size_t data_chars = slen, o = 0;
        uint32_t acc = 0;
        unsigned bits = 0;

        if (!ret || !ret_len || (!s && slen > 0))
                return -EINVAL;
        if (v != B64_STD && v != B64_URL && v != B64_URL_PADDED)
                return -EINVAL;
        if (slen > max_len)
                return -E2BIG;

        if (variant_padded(v)) {
                if (slen % 4 != 0)
                        return -EBADMSG;
                /* At most two '=', only as the last characters; an '=' any
                 * earlier fails the alphabet check below. */
                for (unsigned k = 0; k < 2 && data_chars > 0 && s[data_chars - 1] == '='; k++)
                        data_chars--;
        }
        /* A single character left over carries only 6 bits: never valid. */
        if (data_chars % 4 == 1)
                return -EBADMSG;
        /* The padding must be exactly what the data length implies. */
        if (variant_padded(v) && slen - data_chars != (4 - data_chars % 4) % 4)
                return -EBADMSG;

        out = malloc(data_chars / 4 * 3 + 3 + 1);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < data_chars; i++) {
                int d = decode_char(v, s[i]);
                if (d < 0)
                        return -EBADMSG;
                acc = (acc << 6) | (uint32_t) d;
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        out[o++] = (uint8_t) (acc >> bits);
                        acc &= (1u << bits) - 1;
                }
        }
        /* Leftover bits (2 or 4) must be zero: one encoding per value. */
        if (acc != 0)
                return -EBADMSG;

        out[o] = 0;
        *ret = TAKE_PTR(out);
        *ret_len = o;
        return 0;
}
