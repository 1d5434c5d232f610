/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Recovery of the TPM context (tpm-recover.h): re-open in place, startup
 * after a TPM restart, flush of leftovers on a raw TPM.
 */
#include "enroll/tpm/tpm-internal.h"
#include "enroll/tpm/tpm-recover.h"
#include "log.h"

/* The handle ranges of TPM 2.0 Part 2, 7.2 (TPM_HT), written out: the
 * TSS's macros shift a signed int into its sign bit. */
#define RANGE_MASK UINT32_C(0xff000000)
#define TRANSIENT_FIRST UINT32_C(0x80000000)
#define LOADED_SESSION_FIRST UINT32_C(0x02000000) /* HMAC and policy sessions, loaded */
#define SAVED_SESSION_FIRST UINT32_C(0x03000000)  /* sessions whose context is saved */
#define POLICY_SESSION_RANGE UINT32_C(0x03000000)

/* Flushes every handle the TPM lists from `first` in its range. */
static int flush_range(tpm_ctx *t, TPM2_HANDLE first, unsigned *n) {
        _cleanup_esys_ TPMS_CAPABILITY_DATA *cap = NULL;
        int r;

        r = tpm_esys_get_capability(t, TPM2_CAP_HANDLES, first, TPM2_MAX_CAP_HANDLES, &cap);
        if (r < 0)
                return r;
        if (cap->capability != TPM2_CAP_HANDLES)
                return -EBADMSG;
        for (uint32_t i = 0; i < cap->data.handles.count; i++) {
                TPM2_HANDLE h = cap->data.handles.handle[i];
                ESYS_TR tr = ESYS_TR_NONE;

                /* The list may run into the next range. */
                if ((h & RANGE_MASK) != (first & RANGE_MASK) &&
                    !(first == LOADED_SESSION_FIRST && (h & RANGE_MASK) == POLICY_SESSION_RANGE))
                        break;
                r = tpm_esys_tr_from_public(t, h, &tr);
                if (r >= 0)
                        r = tpm_esys_flush(t, &tr);
                if (r < 0) {
                        (void) tpm_esys_tr_close(t, &tr);
                        return r;
                }
                log_debug("Flushed the leftover TPM handle 0x%08x.", (unsigned) h);
                (*n)++;
        }
        return 0;
}

int tpm_flush_leftovers(tpm_ctx *t) {
        unsigned n = 0;
        int r;

        if (!tpm_is_raw(t))
                return 0;
        r = flush_range(t, TRANSIENT_FIRST, &n);
        if (r >= 0)
                r = flush_range(t, LOADED_SESSION_FIRST, &n);
        if (r >= 0)
                r = flush_range(t, SAVED_SESSION_FIRST, &n);
        return r < 0 ? r : (int) n;
}

int tpm_recover(tpm_ctx *t, unsigned *ret_flushed) {
        int r, n;

        if (!tpm_broken(t))
                return 0;
        r = tpm_reopen(t);
        if (r < 0)
                return r;
        /* A raw TPM that was reset may wait for TPM2_Startup, which
         * nobody else sends; one that runs refuses it, changing nothing. */
        if (tpm_is_raw(t)) {
                r = tpm_esys_startup_clear(t);
                if (r < 0)
                        goto fail;
        }
        n = tpm_flush_leftovers(t);
        if (n < 0) {
                r = n;
                goto fail;
        }
        if (ret_flushed)
                *ret_flushed = (unsigned) n;
        t->broken = false;
        return 1;
fail:
        t->broken = true;
        return r;
}
