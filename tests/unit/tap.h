/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tiny TAP (Test Anything Protocol) producer for the C unit tests; the
 * automake harness (build-aux/tap-driver.sh) counts every assertion.
 * Each check prints "ok N - what" or "not ok N - what" with the location
 * and the two values on failure; tap_done() prints the plan and returns
 * the exit status for main().
 */
#pragma once

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned tap_count, tap_failed;

static inline bool tap_result(bool pass, const char *file, int line, const char *what) {
        tap_count++;
        printf("%sok %u - %s\n", pass ? "" : "not ", tap_count, what);
        if (!pass) {
                tap_failed++;
                printf("#   failed at %s:%d\n", file, line);
        }
        fflush(stdout);
        return pass;
}

static inline void tap_diag_hex(const char *label, const void *p, size_t n) {
        const uint8_t *b = p;
        printf("#   %s (%zu bytes): ", label, n);
        for (size_t i = 0; i < n && i < 64; i++)
                printf("%02x", b[i]);
        printf("%s\n", n > 64 ? "..." : "");
}

#define ok(cond, what) tap_result(!!(cond), __FILE__, __LINE__, (what))

#define is_int(got, want, what)                                                                   \
        ({                                                                                        \
                long long _g = (long long) (got), _w = (long long) (want);                        \
                bool _p = tap_result(_g == _w, __FILE__, __LINE__, (what));                       \
                if (!_p)                                                                          \
                        printf("#   got %lld, want %lld\n", _g, _w);                             \
                _p;                                                                               \
        })

#define is_str(got, want, what)                                                                   \
        ({                                                                                        \
                const char *_g = (got), *_w = (want);                                             \
                bool _p = tap_result(_g && _w && strcmp(_g, _w) == 0, __FILE__, __LINE__, (what)); \
                if (!_p)                                                                          \
                        printf("#   got  \"%s\"\n#   want \"%s\"\n", _g ? _g : "(null)",          \
                               _w ? _w : "(null)");                                               \
                _p;                                                                               \
        })

#define is_mem(got, got_len, want, want_len, what)                                                \
        ({                                                                                        \
                const void *_g = (got), *_w = (want);                                             \
                size_t _gl = (got_len), _wl = (want_len);                                         \
                bool _p = tap_result(_g && _gl == _wl && memcmp(_g, _w, _wl) == 0, __FILE__,      \
                                     __LINE__, (what));                                           \
                if (!_p) {                                                                        \
                        tap_diag_hex("got ", _g, _g ? _gl : 0);                                   \
                        tap_diag_hex("want", _w, _wl);                                            \
                }                                                                                 \
                _p;                                                                               \
        })

/* A function returning 0 / -errno: passes if r == 0 (or >= 0 with ok_ge). */
#define is_ok(r, what) is_int((r) < 0 ? (r) : 0, 0, (what))
/* Expects a specific negative errno. */
#define is_err(r, err, what) is_int((r), (err), (what))

static inline int tap_done(void) {
        printf("1..%u\n", tap_count);
        return tap_failed ? 1 : 0;
}
