/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TSS2_RC -> -errno (tpm-rc.c): the one place where TPM and TSS return
 * codes become the project's errors (the table in tpm.h). Pure.
 */
#pragma once

#include <stdbool.h>
#include <tss2/tss2_common.h>

/* Maps a TSS2_RC (any layer) to a negative errno; 0 for TSS2_RC_SUCCESS. */
int tpm_rc_to_errno(TSS2_RC rc);
/* Logs rc with Tss2_RC_Decode at debug, naming the call, and maps it. */
int tpm_rc(TSS2_RC rc, const char *call);
/* True if rc leaves the context unusable until it is re-opened: any error
 * of the TCTI (transport), an ESAPI/SAPI sequence, connection or response
 * error (ESAPI's state after a broken exchange), a TPM that was restarted
 * (TPM2_RC_INITIALIZE) or is in failure mode, or out of object or session
 * memory (handles left behind by a killed process on a TPM without a
 * resource manager). Pure. */
bool tpm_rc_breaks_context(TSS2_RC rc);
