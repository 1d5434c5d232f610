/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the posture claim (common/posture.h) and PCR lists
 * (common/tpm2quote.h): any bytes as the JSON of a "deviceid/posture"
 * claim and as a PCR selection. An accepted claim must build back into a
 * claim that parses to the same values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "posture.h"
#include "tpm2quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_json_ json_object *o = NULL, *o2 = NULL;
        _cleanup_(posture_report_done) posture_report r = {}, r2 = {};
        _cleanup_free_ char *s = NULL;
        uint32_t mask;

        s = strndup((const char *) data, size);
        if (!s)
                return 0;
        if (tpm2_pcr_mask_parse(s, &mask) >= 0 && (mask == 0 || mask >> TPM2_QUOTE_MAX_PCRS))
                abort();
        if (json_parse((const char *) data, size, 64 * 1024, &o) < 0)
                return 0;
        if (posture_report_from_json(o, &r, NULL) < 0)
                return 0;
        if (posture_report_to_json(&r, &o2) < 0 || posture_report_from_json(o2, &r2, NULL) < 0)
                abort();
        if (r.quote_len != r2.quote_len || memcmp(r.quote, r2.quote, r.quote_len) != 0 || r.pcrs.mask != r2.pcrs.mask ||
            memcmp(&r.pcrs, &r2.pcrs, sizeof(r.pcrs)) != 0 || r.facts.secure_boot != r2.facts.secure_boot)
                abort();
        return 0;
}
