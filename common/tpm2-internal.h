/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private helpers of the tpm2util module (common/tpm2-*.c); not for use
 * outside it.
 */
#pragma once

/* OpenSSL's error queue as one line for a debug log; clears the queue.
 * Returns a static buffer. */
const char *tpm2_ossl_error(void);
