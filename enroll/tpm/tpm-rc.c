/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TSS2_RC -> -errno: the one place where TPM and TSS return codes become
 * the project's errors (see the table in tpm.h). Pure; unit-tested with
 * fixed codes.
 */
#include <tss2/tss2_rc.h>

#include "enroll/tpm/tpm-rc.h"
#include "log.h"

/* TPM 2.0 Part 2, 6.6: format-one codes carry the handle/parameter/session
 * number above bit 7 and a P bit at 0x40; the error itself is bits 0-5. */
static int tpm_layer_to_errno(uint32_t rc) {
        if (rc & TPM2_RC_FMT1) {
                switch (rc & (TPM2_RC_FMT1 | 0x3f)) {
                case TPM2_RC_HANDLE:
                        return -ENOENT;
                case TPM2_RC_AUTH_FAIL:
                case TPM2_RC_BAD_AUTH:
                case TPM2_RC_POLICY_FAIL:
                case TPM2_RC_EXPIRED:
                case TPM2_RC_TICKET:
                        return -EACCES;
                case TPM2_RC_INTEGRITY:
                        return -EBADE;
                case TPM2_RC_ASYMMETRIC:
                case TPM2_RC_HASH:
                case TPM2_RC_SCHEME:
                case TPM2_RC_CURVE:
                case TPM2_RC_KDF:
                case TPM2_RC_SYMMETRIC:
                case TPM2_RC_MODE:
                case TPM2_RC_KEY_SIZE:
                        return -EOPNOTSUPP;
                default:
                        return -EINVAL;
                }
        }
        switch (rc & 0xf7f) {
        case TPM2_RC_CONTEXT_GAP:
        case TPM2_RC_OBJECT_MEMORY:
        case TPM2_RC_SESSION_MEMORY:
        case TPM2_RC_MEMORY:
        case TPM2_RC_SESSION_HANDLES:
        case TPM2_RC_OBJECT_HANDLES:
        case TPM2_RC_NV_SPACE:
                return -ENOSPC;
        case TPM2_RC_RETRY:
        case TPM2_RC_YIELDED:
        case TPM2_RC_TESTING:
        case TPM2_RC_CANCELED:
        case TPM2_RC_NV_RATE:
        case TPM2_RC_NV_UNAVAILABLE:
                return -EAGAIN;
        case TPM2_RC_LOCKOUT:
        case TPM2_RC_AUTH_UNAVAILABLE:
        case TPM2_RC_AUTH_MISSING:
        case TPM2_RC_NV_AUTHORIZATION:
        case TPM2_RC_NV_LOCKED:
        case TPM2_RC_POLICY:
                return -EACCES;
        case TPM2_RC_NV_UNINITIALIZED:
                return -ENODATA;
        case TPM2_RC_COMMAND_CODE:
                return -EOPNOTSUPP;
        case TPM2_RC_NV_RANGE:
        case TPM2_RC_NV_SIZE:
        case TPM2_RC_SENSITIVE:
        case TPM2_RC_REFERENCE_H0:
                return -EINVAL;
        default:
                return -EIO;
        }
}

int tpm_rc_to_errno(TSS2_RC rc) {
        uint32_t layer = rc & TSS2_RC_LAYER_MASK;

        if (rc == TSS2_RC_SUCCESS)
                return 0;
        /* A resource manager relaying a TPM code uses its own layer. */
        if (layer == TSS2_TPM_RC_LAYER || layer == TSS2_RESMGR_TPM_RC_LAYER)
                return tpm_layer_to_errno(rc & 0xffff);

        switch (rc & 0xffff) {
        case TSS2_BASE_RC_NOT_IMPLEMENTED:
        case TSS2_BASE_RC_NOT_SUPPORTED:
                return -EOPNOTSUPP;
        case TSS2_BASE_RC_BAD_CONTEXT:
        case TSS2_BASE_RC_BAD_REFERENCE:
        case TSS2_BASE_RC_BAD_SEQUENCE:
        case TSS2_BASE_RC_BAD_VALUE:
        case TSS2_BASE_RC_INVALID_SESSIONS:
        case TSS2_BASE_RC_BAD_TR:
        case TSS2_BASE_RC_INCOMPATIBLE_TCTI:
        case TSS2_BASE_RC_BAD_TCTI_STRUCTURE:
                return -EINVAL;
        case TSS2_BASE_RC_BAD_SIZE:
        case TSS2_BASE_RC_MALFORMED_RESPONSE:
        case TSS2_BASE_RC_INSUFFICIENT_RESPONSE:
        case TSS2_BASE_RC_INSUFFICIENT_BUFFER:
        case TSS2_BASE_RC_INSUFFICIENT_CONTEXT:
                return -EBADMSG;
        case TSS2_BASE_RC_ABI_MISMATCH:
                return -EPROTO;
        case TSS2_BASE_RC_NO_CONNECTION:
                return -ECONNREFUSED;
        case TSS2_BASE_RC_TRY_AGAIN:
                return -EAGAIN;
        case TSS2_BASE_RC_NOT_PERMITTED:
                return -EPERM;
        case TSS2_BASE_RC_MEMORY:
                return -ENOMEM;
        case TSS2_BASE_RC_RSP_AUTH_FAILED:
        case TSS2_BASE_RC_AUTHORIZATION_FAILED:
                return -EACCES;
        case TSS2_BASE_RC_NO_CONFIG:
        case TSS2_BASE_RC_BAD_PATH:
        case TSS2_BASE_RC_KEY_NOT_FOUND:
        case TSS2_BASE_RC_PATH_NOT_FOUND:
        case TSS2_BASE_RC_NO_TPM:
        case TSS2_BASE_RC_NO_HANDLE:
                return -ENOENT;
        case TSS2_BASE_RC_SIGNATURE_VERIFICATION_FAILED:
                return -EKEYREJECTED;
        case TSS2_BASE_RC_HASH_MISMATCH:
                return -EBADE;
        default:
                return -EIO;
        }
}

int tpm_rc(TSS2_RC rc, const char *call) {
        int r = tpm_rc_to_errno(rc);

        if (r < 0)
                log_debug("%s failed: 0x%x %s", call, (unsigned) rc, Tss2_RC_Decode(rc));
        return r;
}

bool tpm_rc_breaks_context(TSS2_RC rc) {
        uint32_t layer = rc & TSS2_RC_LAYER_MASK;

        if (rc == TSS2_RC_SUCCESS)
                return false;
        if (layer == TSS2_TCTI_RC_LAYER)
                return true;
        if (layer == TSS2_TPM_RC_LAYER || layer == TSS2_RESMGR_TPM_RC_LAYER) {
                if (rc & TPM2_RC_FMT1)
                        return false;
                switch (rc & 0xf7f) {
                case TPM2_RC_INITIALIZE:
                case TPM2_RC_FAILURE:
                case TPM2_RC_CONTEXT_GAP:
                case TPM2_RC_OBJECT_MEMORY:
                case TPM2_RC_SESSION_MEMORY:
                case TPM2_RC_MEMORY:
                case TPM2_RC_SESSION_HANDLES:
                case TPM2_RC_OBJECT_HANDLES:
                        return true;
                default:
                        return false;
                }
        }
        if (layer != TSS2_ESAPI_RC_LAYER && layer != TSS2_SYS_RC_LAYER && layer != TSS2_RESMGR_RC_LAYER)
                return false;
        switch (rc & 0xffff) {
        case TSS2_BASE_RC_BAD_SEQUENCE:
        case TSS2_BASE_RC_NO_CONNECTION:
        case TSS2_BASE_RC_IO_ERROR:
        case TSS2_BASE_RC_GENERAL_FAILURE:
        case TSS2_BASE_RC_TRY_AGAIN:
        case TSS2_BASE_RC_MALFORMED_RESPONSE:
        case TSS2_BASE_RC_INSUFFICIENT_RESPONSE:
        case TSS2_BASE_RC_BAD_SIZE:
                return true;
        default:
                return false;
        }
}
