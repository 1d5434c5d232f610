/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for tpm2_eventlog_replay() (common/tpm2quote.h): any bytes
 * as a TCG event log, replayed into the sha256 and sha1 banks. A log that
 * replays must only have extended PCRs 0-23.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tpm2quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        tpm2_pcr_values v;

        if (tpm2_eventlog_replay(data, size, TPM2_ALG_SHA256, &v, NULL) >= 0 && v.mask >> TPM2_QUOTE_MAX_PCRS)
                abort();
        (void) tpm2_eventlog_replay(data, size, TPM2_ALG_SHA1, &v, NULL);
        return 0;
}
