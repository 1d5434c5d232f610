/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the CA's posture policy parsers (ca/posture/
 * posture-policy.h): any bytes as a pcr_file for sha256 PCRs 0-7, and as
 * two kernel releases (split at the first NUL) to compare both ways.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ca/posture/posture-policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ posture_pcr_allowed *a = malloc(sizeof(*a));
        _cleanup_free_ char *s = NULL;
        const char *b;
        int x, y;

        if (!a)
                return 0;
        if (posture_pcr_file_parse((const char *) data, size, TPM2_ALG_SHA256, 0xff, a, NULL) >= 0)
                for (unsigned i = 0; i < 8; i++)
                        if (a->n[i] == 0 || a->n[i] > POSTURE_PCR_FILE_VALUES)
                                abort();
        s = malloc(size + 2);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = s[size + 1] = '\0';
        b = s + strlen(s) + 1;
        if (b > s + size)
                b = "";
        x = posture_kernel_compare(s, b);
        y = posture_kernel_compare(b, s);
        if ((x < 0) != (y > 0) || (x == 0) != (y == 0))
                abort();
        return 0;
}
