/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TSS2_RC -> -errno (tpm-rc.c): the one place where TPM and TSS return
 * codes become the project's errors (the table in tpm.h). Pure.
 */
#pragma once

#include <tss2/tss2_common.h>

/* Maps a TSS2_RC (any layer) to a negative errno; 0 for TSS2_RC_SUCCESS. */
int tpm_rc_to_errno(TSS2_RC rc);
/* Logs rc with Tss2_RC_Decode at debug, naming the call, and maps it. */
int tpm_rc(TSS2_RC rc, const char *call);
