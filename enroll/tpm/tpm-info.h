/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TPM info: the fixed properties that name the TPM's maker, model and
 * firmware, in the strings of protocols.md 1 tpmInfo.
 */
#pragma once

#include <stdint.h>

#include "enroll/tpm/tpm.h"

typedef struct tpm_info {
        uint32_t manufacturer;  /* TPM_PT_MANUFACTURER */
        uint32_t vendor[4];     /* TPM_PT_VENDOR_STRING_1..4 */
        uint32_t firmware1;     /* TPM_PT_FIRMWARE_VERSION_1 */
        uint32_t firmware2;     /* TPM_PT_FIRMWARE_VERSION_2 */
        /* The strings of protocols.md 1 tpmInfo, NUL-terminated:
         * manufacturer as decimal, model = vendor strings, "major.minor". */
        char manufacturer_dec[16];
        char manufacturer_id[8]; /* "IBM", "INTC", ... (display only) */
        char model[20];
        char firmware[16];
} tpm_info;

int tpm_get_info(tpm_ctx *t, tpm_info *ret);
