/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Recovery of the TPM context (tpm-recover.c): re-opening a context a
 * failed call broke (tpm_broken()), and, on a TPM reached without a
 * resource manager (tpm_is_raw()), flushing the transient objects and
 * sessions a killed process left behind. Policy, in docs/tpm.md: with a
 * resource manager (/dev/tpmrm0, tabrmd) nothing is ever flushed here: the
 * manager flushes what a process held when it exits, and other processes'
 * handles are not ours. Without one, the caller is the TPM's only user,
 * so everything transient in it is a leftover of ours.
 */
#pragma once

#include "enroll/tpm/tpm.h"

/* On a raw TPM: flushes every transient object, loaded session and saved
 * session context. Returns how many were flushed (0 on a TPM behind a
 * resource manager, where it does nothing), or -errno. */
int tpm_flush_leftovers(tpm_ctx *t);

/* If t is broken: re-opens the TCTI and ESAPI in place (every reference
 * stays valid), sends a raw TPM TPM2_Startup(CLEAR) (a TPM reset without
 * it needs it; a running one refuses it, changing nothing), and flushes
 * the leftovers of a raw TPM. Returns 0
 * when t was not broken, 1 when it was re-opened (*ret_flushed: objects
 * and sessions flushed; may be NULL), or -errno with t still broken
 * (tpm_last_error() says why). */
int tpm_recover(tpm_ctx *t, unsigned *ret_flushed);
