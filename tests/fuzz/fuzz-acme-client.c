/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target of the ACME client's parsers (enroll/client/acme-wire.c): every
 * input is tried as a directory, an order, an authorization, a challenge,
 * a problem document and (NUL-terminated) a Retry-After value.
 */
#include "enroll/client/acme-wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *body = (const char *) data;
        acme_directory d = {};
        acme_order o = {};
        acme_authorization a = {};
        acme_challenge c = {};
        acme_problem p = {};
        unsigned sec;
        char *s;

        if (acme_parse_directory(body, size, &d) >= 0)
                acme_directory_done(&d);
        if (acme_parse_order(body, size, &o) >= 0)
                acme_order_done(&o);
        if (acme_parse_authorization(body, size, &a) >= 0) {
                (void) acme_authorization_find(&a, "device-attest-01");
                acme_authorization_done(&a);
        }
        if (acme_parse_challenge(body, size, &c) >= 0)
                acme_challenge_done(&c);
        if (acme_parse_problem(body, size, &p) >= 0)
                acme_problem_done(&p);
        s = strndup(body, size);
        if (s) {
                (void) acme_parse_retry_after(s, &sec);
                free(s);
        }
        return 0;
}
