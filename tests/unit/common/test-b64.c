/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for common/b64.c: the RFC 4648 section 10 test vectors in
 * both alphabets and all three variants, round trips of every byte value,
 * and each way a strict decoder must refuse input.
 */
#include "b64.h"
#include "macro.h"
#include "tests/unit/tap.h"

static const struct {
        const char *in, *std, *url;
} rfc4648[] = {
        /* RFC 4648 section 10. */
        { "", "", "" },
        { "f", "Zg==", "Zg" },
        { "fo", "Zm8=", "Zm8" },
        { "foo", "Zm9v", "Zm9v" },
        { "foob", "Zm9vYg==", "Zm9vYg" },
        { "fooba", "Zm9vYmE=", "Zm9vYmE" },
        { "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};

static void check_encode(b64_variant v, const char *in, const char *want, const char *what) {
        _cleanup_free_ char *out = NULL;
        char label[128];

        snprintf(label, sizeof(label), "%s encode \"%s\"", what, in);
        if (is_ok(b64_encode(v, in, strlen(in), &out), label))
                is_str(out, want, label);
        snprintf(label, sizeof(label), "%s encoded_len \"%s\"", what, in);
        is_int(b64_encoded_len(v, strlen(in)), strlen(want), label);
}

static void check_decode(b64_variant v, const char *in, const char *want, const char *what) {
        _cleanup_free_ uint8_t *out = NULL;
        size_t n = 0;
        char label[128];

        snprintf(label, sizeof(label), "%s decode \"%s\"", what, in);
        if (is_ok(b64_decode(v, in, strlen(in), 64, &out, &n), label)) {
                is_mem(out, n, want, strlen(want), label);
                ok(out[n] == 0, "decoded buffer is NUL-terminated");
        }
}

static void check_refused(b64_variant v, const char *in, size_t len, int err, const char *what) {
        uint8_t *out = (uint8_t *) "untouched";
        size_t n = 12345;

        is_err(b64_decode(v, in, len, 64, &out, &n), err, what);
        ok(n == 12345 && streq((char *) out, "untouched"), "outputs untouched on failure");
}

static void test_rfc4648(void) {
        for (size_t i = 0; i < ELEMENTSOF(rfc4648); i++) {
                check_encode(B64_STD, rfc4648[i].in, rfc4648[i].std, "std");
                check_encode(B64_URL_PADDED, rfc4648[i].in, rfc4648[i].std, "url-padded");
                check_encode(B64_URL, rfc4648[i].in, rfc4648[i].url, "url");
                check_decode(B64_STD, rfc4648[i].std, rfc4648[i].in, "std");
                check_decode(B64_URL_PADDED, rfc4648[i].std, rfc4648[i].in, "url-padded");
                check_decode(B64_URL, rfc4648[i].url, rfc4648[i].in, "url");
        }
}

static void test_alphabets(void) {
        /* 0xfb 0xff 0xbf encodes to characters 62 and 63 of each alphabet. */
        static const uint8_t bytes[] = { 0xfb, 0xff, 0xbf, 0xfe };
        _cleanup_free_ char *std = NULL, *url = NULL, *urlp = NULL;
        _cleanup_free_ uint8_t *back = NULL;
        size_t n;

        is_ok(b64_encode(B64_STD, bytes, sizeof(bytes), &std), "encode std high bytes");
        is_str(std, "+/+//g==", "std uses + and /");
        is_ok(b64_encode(B64_URL, bytes, sizeof(bytes), &url), "encode url high bytes");
        is_str(url, "-_-__g", "url uses - and _");
        is_ok(b64_encode(B64_URL_PADDED, bytes, sizeof(bytes), &urlp), "encode url-padded");
        is_str(urlp, "-_-__g==", "url-padded pads");
        is_ok(b64_decode(B64_URL, "-_-__g", 6, 6, &back, &n), "decode url high bytes");
        is_mem(back, n, bytes, sizeof(bytes), "url round trip");

        check_refused(B64_STD, "-_-__g==", 8, -EBADMSG, "std refuses url alphabet");
        check_refused(B64_URL, "+/+//g", 6, -EBADMSG, "url refuses std alphabet");
        check_refused(B64_URL_PADDED, "+/+//g==", 8, -EBADMSG, "url-padded refuses std alphabet");
}

static void test_all_bytes(void) {
        uint8_t all[256];
        b64_variant variants[] = { B64_STD, B64_URL, B64_URL_PADDED };
        bool good = true;

        for (size_t i = 0; i < sizeof(all); i++)
                all[i] = (uint8_t) i;
        for (size_t v = 0; v < ELEMENTSOF(variants); v++)
                for (size_t len = 0; len <= sizeof(all); len++) {
                        _cleanup_free_ char *enc = NULL;
                        _cleanup_free_ uint8_t *dec = NULL;
                        size_t n = 0;

                        if (b64_encode(variants[v], all + (256 - len), len, &enc) < 0 ||
                            strlen(enc) != b64_encoded_len(variants[v], len) ||
                            b64_decode(variants[v], enc, strlen(enc), 1024, &dec, &n) < 0 ||
                            n != len || memcmp(dec, all + (256 - len), len) != 0)
                                good = false;
                }
        ok(good, "every length 0..256 of every byte value round-trips in all variants");
}

static void test_refusals(void) {
        check_refused(B64_STD, "Zm9v\n", 5, -EBADMSG, "trailing newline");
        check_refused(B64_STD, "Zm 9v", 5, -EBADMSG, "space inside");
        check_refused(B64_URL, " Zm9v", 5, -EBADMSG, "leading space");
        check_refused(B64_URL, "Zm9v\r\nYg", 8, -EBADMSG, "CRLF line break");
        check_refused(B64_STD, "Zm\0v", 4, -EBADMSG, "embedded NUL");
        check_refused(B64_URL, "Zm9v.g", 6, -EBADMSG, "dot");

        check_refused(B64_URL, "Zg==", 4, -EBADMSG, "url refuses padding");
        check_refused(B64_URL, "Zm8=", 4, -EBADMSG, "url refuses single pad");
        check_refused(B64_STD, "Zg", 2, -EBADMSG, "std requires padding");
        check_refused(B64_URL_PADDED, "Zm8", 3, -EBADMSG, "url-padded requires padding");
        check_refused(B64_STD, "Zg=", 3, -EBADMSG, "short padding");
        check_refused(B64_STD, "Zm9=v===", 8, -EBADMSG, "padding in the middle");
        check_refused(B64_STD, "Zg==Zg==", 8, -EBADMSG, "two padded groups");
        check_refused(B64_STD, "Z===", 4, -EBADMSG, "three pads");
        check_refused(B64_STD, "====", 4, -EBADMSG, "only pads");
        check_refused(B64_STD, "Zm9v=", 5, -EBADMSG, "pad after a full group");
        check_refused(B64_STD, "Zm9v====", 8, -EBADMSG, "full group of pads");
        check_refused(B64_STD, "Zm8==", 5, -EBADMSG, "too much padding");

        check_refused(B64_URL, "Z", 1, -EBADMSG, "one character");
        check_refused(B64_URL, "Zm9vY", 5, -EBADMSG, "length 1 mod 4");

        /* "f" is Zg; Zh, Zi, ... set bits that fall outside the byte. */
        check_refused(B64_STD, "Zh==", 4, -EBADMSG, "non-zero trailing bits (1 byte)");
        check_refused(B64_URL, "Zh", 2, -EBADMSG, "non-zero trailing bits (url)");
        check_refused(B64_STD, "Zm9=", 4, -EBADMSG, "non-zero trailing bits (2 bytes)");
        check_refused(B64_URL, "Zm_", 3, -EBADMSG, "non-zero trailing bits (url, 2 bytes)");
}

static void test_limits(void) {
        _cleanup_free_ uint8_t *out = NULL;
        uint8_t *none = NULL;
        size_t n = 0;

        is_err(b64_decode(B64_URL, "Zm9vYmFy", 8, 7, &none, &n), -E2BIG, "max_len below input");
        ok(!none, "no output above max_len");
        is_ok(b64_decode(B64_URL, "Zm9vYmFy", 8, 8, &out, &n), "max_len equal to input");
        is_mem(out, n, "foobar", 6, "decoded at the limit");
        is_err(b64_decode(B64_URL, NULL, 4, 8, &none, &n), -EINVAL, "NULL input with length");
        is_err(b64_decode((b64_variant) 7, "Zm9v", 4, 8, &none, &n), -EINVAL, "unknown variant");
        is_int(b64_encoded_len(B64_URL, 32), 43, "32 bytes are 43 url characters");
        is_int(b64_encoded_len(B64_STD, 32), 44, "32 bytes are 44 std characters");
        is_int(b64_encoded_len(B64_URL, 64), 86, "64 bytes are 86 url characters");
}

int main(void) {
        test_rfc4648();
        test_alphabets();
        test_all_bytes();
        test_refusals();
        test_limits();
        return tap_done();
}
