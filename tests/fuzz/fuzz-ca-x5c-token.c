/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the X5C one-time token parser (ca/sign/x5c-token.c) and, on
 * what parses, the claim and signature checks. Checks the contract too: a
 * parsed token respects every limit, a refusal comes with a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ca/sign/x5c-token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const aud[] = { "https://ca.example.org/1.0/sign#x5c/devices", NULL };
        _cleanup_(x5c_token_freep) x5c_token *t = NULL;
        const char *why = NULL;
        int r;

        r = x5c_token_parse((const char *) data, size, &t, &why);
        if (r < 0) {
                if (r != -ENOMEM && !why)
                        abort();
                return 0;
        }
        if (!t->iss || !t->sub || !*t->sub || strlen(t->sub) > X5C_SUB_MAX || !t->jti ||
            strlen(t->jti) > X5C_JTI_MAX || t->n_aud < 1 || t->n_aud > X5C_MAX_AUD || !t->sans ||
            t->sans->n < 1 || t->sans->n > X5C_MAX_SANS || sk_X509_num(t->x5c) < 1 ||
            sk_X509_num(t->x5c) > X5C_MAX_CERTS)
                abort();
        why = NULL;
        r = x5c_token_check(t, "devices", aud, 1790000000, &why);
        if (r < 0 && r != -ENOMEM && !why)
                abort();
        return 0;
}
