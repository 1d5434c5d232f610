/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Taking over a live FUSE connection (kernel 6.9 and later). The holder
 * (holder.h) keeps the /dev/fuse descriptor and a small state memfd; each
 * server it starts serves that descriptor. The first one answers the
 * kernel's FUSE_INIT and saves its bytes in the memfd; a successor never
 * sees FUSE_INIT again (the kernel sends it once per connection), so it
 * replays the saved one into its own libfuse session, which sets up the
 * session exactly as the first server's was (libfuse 3.14 has no other
 * way: its session state is private). The replayed INIT carries a unique
 * ID the kernel never issued, so its reply is refused with ENOENT, which
 * libfuse treats as an interrupted request. Then FUSE_NOTIFY_RESEND puts
 * the requests the dead server had read but not answered back in the
 * queue.
 */
#pragma once

#include <stdbool.h>

#include "fsd/fsd.h"

/* Receives the first request of a fresh connection (FUSE_INIT; asking
 * the kernel to resend it first, should a predecessor have died holding
 * it unsaved), saves it in state_fd (from offset 0) and processes it. *ret_has_resend: whether
 * the kernel offers FUSE_NOTIFY_RESEND (its INIT flags say so). */
int fsd_takeover_first_init(struct fuse_session *se, int state_fd, bool *ret_has_resend);

/* Whether state_fd holds a saved FUSE_INIT (a connection a predecessor
 * served): 1 yes, 0 no (empty), -errno if it holds something else. */
int fsd_takeover_has_state(int state_fd);

/* Replays the saved FUSE_INIT into se, then asks the kernel to resend
 * what the predecessor left unanswered. -EOPNOTSUPP if the kernel has no
 * FUSE_NOTIFY_RESEND (the connection cannot be taken over safely). */
int fsd_takeover_resume(struct fuse_session *se, int state_fd);
