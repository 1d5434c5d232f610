/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the /1.0/sign body parser and the validity rules
 * (ca/sign/sign-req.c). Checks the contracts: a parsed body respects the
 * limits; an accepted validity lies between the minimum and maximum
 * lifetime and never past the limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ca/sign/sign-req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(sign_request_done) sign_request req = {};
        const time_t now = 1790000000, limit = now + 3 * 86400;
        const char *why = NULL;
        time_t nb, na;
        int r;

        r = sign_request_parse((const char *) data, size, &req, &why);
        if (r < 0) {
                if (r != -ENOMEM && !why)
                        abort();
                return 0;
        }
        if (!req.csr_pem || req.csr_pem_len == 0 || req.csr_pem_len > SIGN_CSR_PEM_MAX || !req.ott ||
            req.ott_len == 0 || req.ott_len > SIGN_OTT_MAX)
                abort();
        if (req.has_eventlog) {
                const char *log = NULL;

                if (json_get_string(req.json, POSTURE_EVENTLOG_MEMBER, &log) < 0 || strlen(log) > POSTURE_EVENTLOG_B64_MAX)
                        abort();
        }
        r = sign_validity(&req.not_before, &req.not_after, now, 86400, 86400, limit, &nb, &na, &why);
        if (r == 0 && (na - nb < SIGN_MIN_LIFETIME || na > limit || nb < now - SIGN_BACKDATE ||
                       na - (nb > now ? nb : now) > 86400))
                abort();
        if (r < 0 && !why)
                abort();
        return 0;
}
