/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The takeover state of deviceid-fsd, pure: how the FUSE_INIT a
 * connection began with is kept for a successor server (takeover.h), and
 * what it says. The state is 8 bytes "DIDFSD01", a 32-bit length (host
 * order), then the FUSE_INIT request as the kernel sent it. Only the
 * holder and its servers (root) hold it, but it is parsed with limits all
 * the same (fuzz target tests/fuzz/fuzz-fsd-initstate.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define FSD_INIT_STATE_HEADER 12
/* A FUSE_INIT request is a header and fuse_init_in (104 bytes in 7.40);
 * room for growth, nothing larger is taken. */
#define FSD_INIT_MAX 1024
#define FSD_INIT_STATE_MAX (FSD_INIT_STATE_HEADER + FSD_INIT_MAX)

/* Writes the state for the request init (len bytes) into out (room for
 * FSD_INIT_STATE_MAX). Returns its length, or -EINVAL if init is not a
 * whole FUSE_INIT request within the limits. */
int fsd_init_state_encode(const void *init, size_t len, void *out);

/* Finds the request in a state of len bytes: 0 for an empty state (a
 * fresh connection), else its length with *ret_init pointing into buf;
 * -EBADMSG for anything but a whole FUSE_INIT request within the limits. */
int fsd_init_state_decode(const void *buf, size_t len, const void **ret_init);

/* Whether a FUSE_INIT request offers FUSE_NOTIFY_RESEND (its flags carry
 * FUSE_HAS_RESEND: Linux 6.9 and later). */
bool fsd_init_has_resend(const void *init, size_t len);
