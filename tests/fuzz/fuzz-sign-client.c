/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target of the Account CA client's parsers (enroll/sign-client.c):
 * every input is tried as a /1.0/sign response and, NUL-terminated, as an
 * --account specification and a CA URL for the audience.
 */
#include "crypto.h"
#include "enroll/client/sign-client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        STACK_OF(X509) *chain = NULL;
        sign_client_account a = {};
        char *s, *aud = NULL;

        if (sign_client_parse_response((const char *) data, size, &chain) >= 0)
                x509_stack_free(chain);
        s = strndup((const char *) data, size);
        if (!s)
                return 0;
        if (sign_client_parse_account_spec(s, &a) >= 0)
                sign_client_account_done(&a);
        if (sign_client_audience(s, "devices", &aud) >= 0)
                free(aud);
        free(s);
        return 0;
}
