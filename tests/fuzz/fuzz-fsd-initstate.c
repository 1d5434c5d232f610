/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the deviceid-fsd takeover state (fsd/initstate.c) on
 * arbitrary bytes. What it accepts is a FUSE_INIT request within the
 * limits, inside the input, and encodes back to the same bytes.
 */
#include <linux/fuse.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fsd/initstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char again[FSD_INIT_STATE_MAX];
        const void *p = NULL;
        int len = fsd_init_state_decode(data, size, &p);

        if (len <= 0)
                return 0;
        if (len > FSD_INIT_MAX || (const uint8_t *) p < data || (const uint8_t *) p + len > data + size)
                abort();
        (void) fsd_init_has_resend(p, (size_t) len);
        if (fsd_init_state_encode(p, (size_t) len, again) != (int) size || memcmp(again, data, size) != 0)
                abort();
        return 0;
}
