/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: what the console reads from an untrusted request before
 * any database lookup: the Cookie header (console_cookie_find), the shape
 * of the session cookie and login token it finds (console_token_valid),
 * and the client address that keys the sign-in limit.
 */
#include <stdint.h>

#include "ca/auth/cookie.h"
#include "ca/console/ratelimit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *v = NULL;
        char key[RATELIMIT_KEY_MAX], addr[80];
        size_t n = 0;

        if (console_cookie_find((const char *) data, size, CONSOLE_COOKIE_NAME, &v, &n) >= 0) {
                if (v < (const char *) data || v + n > (const char *) data + size)
                        __builtin_trap();
                (void) console_token_valid(v, n);
        }
        (void) console_cookie_find((const char *) data, size, "a", &v, &n);
        (void) console_token_valid((const char *) data, size);
        snprintf(addr, sizeof(addr), "%.*s", (int) (size < 79 ? size : 79), (const char *) data);
        ratelimit_key_for_address(addr, key);
        return 0;
}
