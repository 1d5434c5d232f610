/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TPM's self-description as strings: the tpmInfo fields of the /attest
 * request (protocols.md section 1) and a display form of the manufacturer.
 * Input values come from TPM2_GetCapability(TPM_CAP_TPM_PROPERTIES), read
 * by the TPM module.
 */
#include <inttypes.h>

#include "macro.h"
#include "tpm2util.h"

int tpm2_info_manufacturer(uint32_t manufacturer, char **ret) {
        char *s;

        if (!ret)
                return -EINVAL;
        if (asprintf(&s, "%" PRIu32, manufacturer) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* Appends the 4 big-endian bytes of each word, dropping NULs. */
static char *words_to_string(const uint32_t *words, size_t n) {
        char *s, *p;

        s = p = malloc(4 * n + 1);
        if (!s)
                return NULL;
        for (size_t i = 0; i < n; i++)
                for (int shift = 24; shift >= 0; shift -= 8) {
                        uint8_t c = (uint8_t) (words[i] >> shift);

                        if (c == 0)
                                continue;
                        *p++ = c >= 0x20 && c < 0x7f ? (char) c : '?';
                }
        *p = 0;
        return s;
}

int tpm2_info_vendor_string(const uint32_t *words, size_t n, char **ret) {
        char *s;

        if ((!words && n > 0) || n > 4 || !ret)
                return -EINVAL;
        s = words_to_string(words, n);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int tpm2_info_firmware(uint32_t fw1, char **ret) {
        char *s;

        if (!ret)
                return -EINVAL;
        if (asprintf(&s, "%" PRIu32 ".%" PRIu32, fw1 >> 16, fw1 & 0xffff) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int tpm2_info_manufacturer_id(uint32_t manufacturer, char **ret) {
        char *s;
        size_t l;

        if (!ret)
                return -EINVAL;
        s = words_to_string(&manufacturer, 1);
        if (!s)
                return -ENOMEM;
        l = strlen(s);
        while (l > 0 && s[l - 1] == ' ')
                s[--l] = 0;
        *ret = s;
        return 0;
}
