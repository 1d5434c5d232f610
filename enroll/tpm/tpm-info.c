/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TPM info (tpm-info.h): the fixed properties TPM_PT_MANUFACTURER ..
 * TPM_PT_FIRMWARE_VERSION_2, read in one TPM2_GetCapability and turned
 * into the strings of protocols.md 1 by common/tpm2util.
 */
#include "enroll/tpm/tpm-info.h"
#include "enroll/tpm/tpm-internal.h"
#include "tpm2util.h"

int tpm_get_info(tpm_ctx *t, tpm_info *ret) {
        _cleanup_esys_ TPMS_CAPABILITY_DATA *cap = NULL;
        _cleanup_free_ char *dec = NULL, *id = NULL, *model = NULL, *fw = NULL;
        tpm_info info = {};
        unsigned seen = 0;
        int r;

        if (!t || !ret)
                return -EINVAL;
        r = tpm_esys_get_capability(t, TPM2_CAP_TPM_PROPERTIES, TPM2_PT_MANUFACTURER,
                                    TPM2_PT_FIRMWARE_VERSION_2 - TPM2_PT_MANUFACTURER + 1, &cap);
        if (r < 0)
                return r;
        if (cap->capability != TPM2_CAP_TPM_PROPERTIES)
                return -EBADMSG;
        for (uint32_t i = 0; i < cap->data.tpmProperties.count && i < TPM2_MAX_TPM_PROPERTIES; i++) {
                const TPMS_TAGGED_PROPERTY *p = &cap->data.tpmProperties.tpmProperty[i];

                switch (p->property) {
                case TPM2_PT_MANUFACTURER:
                        info.manufacturer = p->value;
                        seen |= 1;
                        break;
                case TPM2_PT_VENDOR_STRING_1:
                case TPM2_PT_VENDOR_STRING_2:
                case TPM2_PT_VENDOR_STRING_3:
                case TPM2_PT_VENDOR_STRING_4:
                        info.vendor[p->property - TPM2_PT_VENDOR_STRING_1] = p->value;
                        break;
                case TPM2_PT_FIRMWARE_VERSION_1:
                        info.firmware1 = p->value;
                        seen |= 2;
                        break;
                case TPM2_PT_FIRMWARE_VERSION_2:
                        info.firmware2 = p->value;
                        break;
                }
        }
        if (seen != 3)
                return -EBADMSG;

        r = tpm2_info_manufacturer(info.manufacturer, &dec);
        if (r < 0)
                return r;
        r = tpm2_info_manufacturer_id(info.manufacturer, &id);
        if (r < 0)
                return r;
        r = tpm2_info_vendor_string(info.vendor, 4, &model);
        if (r < 0)
                return r;
        r = tpm2_info_firmware(info.firmware1, &fw);
        if (r < 0)
                return r;
        if (strlen(dec) >= sizeof(info.manufacturer_dec) || strlen(id) >= sizeof(info.manufacturer_id) ||
            strlen(model) >= sizeof(info.model) || strlen(fw) >= sizeof(info.firmware))
                return -EBADMSG;
        strcpy(info.manufacturer_dec, dec);
        strcpy(info.manufacturer_id, id);
        strcpy(info.model, model);
        strcpy(info.firmware, fw);
        *ret = info;
        return 0;
}
