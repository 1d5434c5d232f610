/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for device_attest_parse_cbor() and device_attest_parse()
 * (ca/acme/challenges/device-attest.c): any bytes as the CBOR attObj of device-attest-01,
 * and as its base64url text. A parsed statement must respect the limits,
 * and no input may run the parser out of memory: the pre-pass bounds what
 * libcbor is given (run under libFuzzer with -rss_limit_mb, `make
 * fuzz-smoke`).
 */
#include <stdint.h>
#include <stdlib.h>

#include "ca/acme/challenges/device-attest.h"
#include "macro.h"
#include "tpm2util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const device_attest_stmt *s) {
        if (s->n_x5c == 0 || s->n_x5c > DEVICE_ATTEST_MAX_X5C)
                abort();
        for (size_t i = 0; i < s->n_x5c; i++)
                if (!s->x5c[i].data || s->x5c[i].len > DEVICE_ATTEST_MAX_CERT)
                        abort();
        if (s->sig.len > TPM2UTIL_MAX_STRUCT || s->cert_info.len > TPM2UTIL_MAX_STRUCT ||
            s->pub_area.len > TPM2UTIL_MAX_STRUCT)
                abort();
        if (s->alg != DEVICE_ATTEST_COSE_ES256 && s->alg != DEVICE_ATTEST_COSE_RS256)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        device_attest_stmt s = {};
        const char *why = NULL;
        int r;

        r = device_attest_parse_cbor(data, size, &s, &why);
        if (r == 0)
                check(&s);
        else if (r == -ENOMEM || !why)
                abort();
        device_attest_stmt_done(&s);

        if (device_attest_parse((const char *) data, size, &s, &why) == 0)
                check(&s);
        device_attest_stmt_done(&s);
        return 0;
}
