/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TPM context (TCTI + ESAPI, reference counted) and TPM info.
 */
#include "log.h"
#include "enroll/tpm/tpm-internal.h"
#include "tpm2util.h"

static const char *startswith(const char *s, const char *prefix) {
        size_t n = strlen(prefix);
        return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

const char *tpm_tcti_resolve(const char *tcti) {
        if (!tcti || !*tcti)
                tcti = getenv("DEVICEID_TCTI");
        if (!tcti || !*tcti)
                tcti = TPM_DEFAULT_TCTI;
        return tcti;
}

int tpm_open(const char *tcti, tpm_ctx **ret) {
        _cleanup_(tpm_unrefp) tpm_ctx *t = NULL;
        const char *conf = tpm_tcti_resolve(tcti);
        int r;

        if (!ret)
                return -EINVAL;

        /* The TSS logs its own errors to stderr, also for the expected
         * ones (an absent persistent handle). We decode and log every
         * return code ourselves; keep its log for debugging only. */
        if (log_get_max_level() < LOG_DEBUG)
                (void) setenv("TSS2_LOG", "all+none", 0);

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->n_ref = 1;
        t->tcti_conf = strdup(conf);
        if (!t->tcti_conf)
                return -ENOMEM;

        r = tpm_rc(Tss2_TctiLdr_Initialize(conf, &t->tcti), "Tss2_TctiLdr_Initialize");
        if (r < 0) {
                const char *path = startswith(conf, "device:");

                t->tcti = NULL;
                /* The loader reports every failure to open as an I/O
                 * error. For a device node, say why (absent, no
                 * permission); for a socket or daemon, "not reachable". */
                if (path && access(path, R_OK | W_OK) < 0)
                        return negative_errno();
                return r == -EIO || r == -ENOENT ? -ECONNREFUSED : r;
        }
        r = tpm_rc(Esys_Initialize(&t->esys, t->tcti, NULL), "Esys_Initialize");
        if (r < 0) {
                t->esys = NULL;
                return r;
        }
        *ret = TAKE_PTR(t);
        return 0;
}

tpm_ctx *tpm_ref(tpm_ctx *t) {
        if (t)
                t->n_ref++;
        return t;
}

tpm_ctx *tpm_unref(tpm_ctx *t) {
        if (!t || --t->n_ref > 0)
                return NULL;
        if (t->esys)
                Esys_Finalize(&t->esys);
        if (t->tcti)
                Tss2_TctiLdr_Finalize(&t->tcti);
        free(t->tcti_conf);
        free(t);
        return NULL;
}

const char *tpm_tcti(const tpm_ctx *t) {
        return t->tcti_conf;
}

int tpm_handle_exists(tpm_ctx *t, TPM2_HANDLE handle) {
        _cleanup_esys_ TPMS_CAPABILITY_DATA *cap = NULL;
        int r;

        r = tpm_esys_get_capability(t, TPM2_CAP_HANDLES, handle, 1, &cap);
        if (r < 0)
                return r;
        return cap->capability == TPM2_CAP_HANDLES && cap->data.handles.count >= 1 &&
               cap->data.handles.handle[0] == handle;
}

/* Fixed properties TPM_PT_MANUFACTURER .. TPM_PT_FIRMWARE_VERSION_2. */
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
