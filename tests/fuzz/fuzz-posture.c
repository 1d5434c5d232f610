/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the posture claim (common/posture.h) and PCR lists
 * (common/tpm2quote.h): any bytes as the JSON of a "deviceid/posture"
 * claim and as a PCR selection; an object with a "posture" member is
 * taken as a /1.0/sign body or ACME payload, its report with the event
 * log beside it. An accepted claim must build back into a claim that
 * parses to the same values; an attached event log must be the one the
 * claim's digest names.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "posture.h"
#include "tpm2quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_json_ json_object *o = NULL, *o2 = NULL;
        _cleanup_(posture_report_done) posture_report r = {}, r2 = {};
        _cleanup_free_ char *s = NULL;
        json_object *claim = NULL;
        uint8_t d[32];
        uint32_t mask;

        s = strndup((const char *) data, size);
        if (!s)
                return 0;
        if (tpm2_pcr_mask_parse(s, &mask) >= 0 && (mask == 0 || mask >> TPM2_QUOTE_MAX_PCRS))
                abort();
        if (json_parse((const char *) data, size, 1024 * 1024, &o) < 0)
                return 0;
        if (!json_object_object_get_ex(o, POSTURE_ACME_MEMBER, &claim))
                claim = o;
        if (posture_report_from_json(claim, &r, NULL) < 0)
                return 0;
        if (claim != o && posture_eventlog_attach(&r, o, NULL) >= 0 && r.eventlog_sent_beside &&
            (!r.eventlog || crypto_sha256(r.eventlog, r.eventlog_len, d) < 0 ||
             memcmp(d, r.eventlog_sha256, sizeof(d)) != 0))
                abort();
        if (posture_report_to_json(&r, &o2) < 0 || posture_report_from_json(o2, &r2, NULL) < 0)
                abort();
        if (r.quote_len != r2.quote_len || memcmp(r.quote, r2.quote, r.quote_len) != 0 || r.pcrs.mask != r2.pcrs.mask ||
            memcmp(&r.pcrs, &r2.pcrs, sizeof(r.pcrs)) != 0 || r.facts.secure_boot != r2.facts.secure_boot ||
            r.eventlog_sent_beside != r2.eventlog_sent_beside ||
            memcmp(r.eventlog_sha256, r2.eventlog_sha256, sizeof(r.eventlog_sha256)) != 0)
                abort();
        return 0;
}
