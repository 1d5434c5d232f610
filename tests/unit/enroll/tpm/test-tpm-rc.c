/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TSS2_RC -> -errno decoding (enroll/tpm/tpm-rc.c) with fixed return codes of
 * every layer, including the handle/parameter/session numbers that
 * format-one TPM codes carry; which codes break the context.
 */
#include <errno.h>
#include <tss2/tss2_tpm2_types.h>

#include "enroll/tpm/tpm-rc.h"
#include "tests/unit/tap.h"

int main(void) {
        is_int(tpm_rc_to_errno(TSS2_RC_SUCCESS), 0, "success");
        /* TPM layer, format zero (warnings and version-1 errors). */
        is_int(tpm_rc_to_errno(0x902), -ENOSPC, "0x902 object memory");
        is_int(tpm_rc_to_errno(0x903), -ENOSPC, "0x903 session memory");
        is_int(tpm_rc_to_errno(0x922), -EAGAIN, "0x922 retry");
        is_int(tpm_rc_to_errno(0x908), -EAGAIN, "0x908 yielded");
        is_int(tpm_rc_to_errno(0x921), -EACCES, "0x921 DA lockout");
        is_int(tpm_rc_to_errno(0x101), -EIO, "0x101 failure mode");
        is_int(tpm_rc_to_errno(0x14a), -ENODATA, "0x14a NV uninitialized");
        is_int(tpm_rc_to_errno(0x143), -EOPNOTSUPP, "0x143 command code");
        is_int(tpm_rc_to_errno(0x149), -EACCES, "0x149 NV authorization");
        /* TPM layer, format one: error | P | number. */
        is_int(tpm_rc_to_errno(0x18b), -ENOENT, "0x18b handle 1 absent");
        is_int(tpm_rc_to_errno(0x28b), -ENOENT, "0x28b handle 2 absent");
        is_int(tpm_rc_to_errno(0x9a2), -EACCES, "0x9a2 bad auth, session 1");
        is_int(tpm_rc_to_errno(0x98e), -EACCES, "0x98e auth fail, session 1");
        is_int(tpm_rc_to_errno(0x99d), -EACCES, "0x99d policy fail, session 1");
        is_int(tpm_rc_to_errno(0x2df), -EBADE, "0x2df integrity, parameter 2");
        is_int(tpm_rc_to_errno(0x1df), -EBADE, "0x1df integrity, parameter 1");
        is_int(tpm_rc_to_errno(0x2c4), -EINVAL, "0x2c4 value, parameter 2");
        is_int(tpm_rc_to_errno(0x1d5), -EINVAL, "0x1d5 size, parameter 1");
        is_int(tpm_rc_to_errno(0x2e6), -EOPNOTSUPP, "0x2e6 curve, parameter 2");
        is_int(tpm_rc_to_errno(0x2d2), -EOPNOTSUPP, "0x2d2 scheme, parameter 2");
        is_int(tpm_rc_to_errno(0x2c3), -EOPNOTSUPP, "0x2c3 hash, parameter 2");
        is_int(tpm_rc_to_errno(0x2c2), -EINVAL, "0x2c2 attributes, parameter 2");
        /* A resource manager relaying a TPM code. */
        is_int(tpm_rc_to_errno(TSS2_RESMGR_TPM_RC_LAYER | 0x902), -ENOSPC, "RM: 0x902");
        is_int(tpm_rc_to_errno(TSS2_RESMGR_RC_LAYER | TSS2_BASE_RC_NOT_PERMITTED), -EPERM,
               "RM: not permitted");
        /* TSS layers. */
        is_int(tpm_rc_to_errno(TSS2_TCTI_RC_IO_ERROR), -EIO, "TCTI I/O error");
        is_int(tpm_rc_to_errno(TSS2_TCTI_RC_NO_CONNECTION), -ECONNREFUSED, "TCTI no connection");
        is_int(tpm_rc_to_errno(TSS2_TCTI_RC_TRY_AGAIN), -EAGAIN, "TCTI try again");
        is_int(tpm_rc_to_errno(TSS2_ESYS_RC_MEMORY), -ENOMEM, "ESYS memory");
        is_int(tpm_rc_to_errno(TSS2_ESYS_RC_BAD_REFERENCE), -EINVAL, "ESYS bad reference");
        is_int(tpm_rc_to_errno(TSS2_ESYS_RC_RSP_AUTH_FAILED), -EACCES, "ESYS response HMAC");
        is_int(tpm_rc_to_errno(TSS2_ESYS_RC_MALFORMED_RESPONSE), -EBADMSG, "ESYS malformed response");
        is_int(tpm_rc_to_errno(TSS2_MU_RC_INSUFFICIENT_BUFFER), -EBADMSG, "MU short buffer");
        is_int(tpm_rc_to_errno(TSS2_MU_RC_BAD_SIZE), -EBADMSG, "MU bad size");
        is_int(tpm_rc_to_errno(TSS2_SYS_RC_ABI_MISMATCH), -EPROTO, "SYS ABI mismatch");
        is_int(tpm_rc_to_errno(TSS2_ESYS_RC_NOT_IMPLEMENTED), -EOPNOTSUPP, "ESYS not implemented");
        is_int(tpm_rc_to_errno(TSS2_TCTI_RC_GENERAL_FAILURE), -EIO, "TCTI general failure");
        /* tpm_rc() returns the same and only logs. */
        is_int(tpm_rc(0x902, "Esys_Load"), -ENOSPC, "tpm_rc maps like tpm_rc_to_errno");
        is_int(tpm_rc(TSS2_RC_SUCCESS, "Esys_Load"), 0, "tpm_rc success");
        /* What only a re-open of the context mends. */
        ok(!tpm_rc_breaks_context(TSS2_RC_SUCCESS), "success: intact");
        ok(tpm_rc_breaks_context(TSS2_TCTI_RC_IO_ERROR), "TCTI I/O error: broken");
        ok(tpm_rc_breaks_context(TSS2_TCTI_RC_NO_CONNECTION), "TCTI no connection: broken");
        ok(tpm_rc_breaks_context(TSS2_ESYS_RC_BAD_SEQUENCE), "0x70007 ESYS out of step: broken");
        ok(tpm_rc_breaks_context(TSS2_ESYS_RC_MALFORMED_RESPONSE), "ESYS malformed response: broken");
        ok(tpm_rc_breaks_context(0x100), "0x100 TPM not started (restarted): broken");
        ok(tpm_rc_breaks_context(0x101), "0x101 failure mode: broken");
        ok(tpm_rc_breaks_context(0x902), "0x902 object memory: broken");
        ok(tpm_rc_breaks_context(0x903), "0x903 session memory: broken");
        ok(tpm_rc_breaks_context(TSS2_RESMGR_TPM_RC_LAYER | 0x902), "RM relaying 0x902: broken");
        ok(!tpm_rc_breaks_context(0x18b), "0x18b handle absent: intact");
        ok(!tpm_rc_breaks_context(0x9a2), "0x9a2 bad auth: intact");
        ok(!tpm_rc_breaks_context(0x921), "0x921 DA lockout: intact");
        ok(!tpm_rc_breaks_context(0x922), "0x922 retry: intact");
        ok(!tpm_rc_breaks_context(TSS2_ESYS_RC_BAD_REFERENCE), "ESYS bad reference: intact");
        ok(!tpm_rc_breaks_context(TSS2_ESYS_RC_MEMORY), "ESYS out of memory: intact");
        ok(!tpm_rc_breaks_context(TSS2_MU_RC_BAD_SIZE), "MU bad size: intact");
        return tap_done();
}
