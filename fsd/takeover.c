/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Taking over a live FUSE connection (contract in takeover.h). What the
 * state memfd holds and how it is read: initstate.h. The notification
 * code Debian 12's <linux/fuse.h> (protocol 7.38) lacks is defined below
 * with its value from the kernel's include/uapi/linux/fuse.h (protocol
 * 7.40, Linux 6.9).
 */
#include <linux/fuse.h>

#include "fsd/initstate.h"
#include "fsd/takeover.h"
#include "log.h"

#define FSD_FUSE_NOTIFY_RESEND 7 /* enum fuse_notify_code, after FUSE_NOTIFY_DELETE (6) */

/* Even (not an interrupt), below the resend bit (1 << 63), and far above
 * any unique the kernel's counter (+2 per request) reaches. */
#define REPLAY_UNIQUE UINT64_C(0x7ffffffffffff000)

static int state_save(int fd, const void *init, size_t len) {
        char buf[FSD_INIT_STATE_MAX];
        int n = fsd_init_state_encode(init, len, buf);

        if (n < 0)
                return n;
        if (pwrite(fd, buf, (size_t) n, 0) != n || ftruncate(fd, n) < 0)
                return negative_errno();
        return 0;
}

/* The saved request, copied into init (FSD_INIT_MAX bytes): its length,
 * 0 if the state is empty, -EBADMSG if it is not a saved FUSE_INIT. */
static int state_load(int fd, void *init) {
        char buf[FSD_INIT_STATE_MAX + 1];
        const void *p = NULL;
        ssize_t n;
        int len;

        n = pread(fd, buf, sizeof(buf), 0);
        if (n < 0)
                return negative_errno();
        len = fsd_init_state_decode(buf, (size_t) n, &p);
        if (len > 0)
                memcpy(init, p, (size_t) len);
        return len;
}

int fsd_takeover_has_state(int state_fd) {
        char init[FSD_INIT_MAX];
        int r = state_load(state_fd, init);

        return r < 0 ? r : r > 0;
}

static int send_resend(struct fuse_session *se) {
        struct fuse_out_header resend = {
                .len = sizeof(resend),
                .error = FSD_FUSE_NOTIFY_RESEND,
                .unique = 0, /* a notification */
        };

        return write(fuse_session_fd(se), &resend, sizeof(resend)) == (ssize_t) sizeof(resend) ? 0 : negative_errno();
}

int fsd_takeover_first_init(struct fuse_session *se, int state_fd, bool *ret_has_resend) {
        struct fuse_buf fbuf = {};
        const struct fuse_in_header *h;
        int r;

        /* A predecessor killed after reading FUSE_INIT and before saving it
         * left it on the kernel's processing list: have it sent again.
         * Nothing happens on a fresh connection; an older kernel refuses
         * the code (EINVAL), which changes nothing either. */
        (void) send_resend(se);
        do
                r = fuse_session_receive_buf(se, &fbuf);
        while (r == -EINTR);
        if (r <= 0) {
                free(fbuf.mem);
                return log_error_errno(r < 0 ? r : EIO, "Failed to read FUSE_INIT: %m");
        }
        h = fbuf.mem;
        if ((size_t) r < sizeof(*h) || h->opcode != FUSE_INIT) {
                free(fbuf.mem);
                return log_error_errno(EPROTO, "The first FUSE request is not FUSE_INIT.");
        }
        *ret_has_resend = fsd_init_has_resend(fbuf.mem, (size_t) r);
        if (state_fd >= 0) {
                int s = state_save(state_fd, fbuf.mem, (size_t) r);

                if (s < 0)
                        log_warning_errno(s, "Failed to save the FUSE_INIT for a successor, ignoring: %m");
        }
        fbuf.size = (size_t) r;
        fuse_session_process_buf(se, &fbuf);
        free(fbuf.mem);
        if (fuse_session_exited(se))
                return log_error_errno(EPROTO, "FUSE_INIT failed.");
        return 0;
}

int fsd_takeover_resume(struct fuse_session *se, int state_fd) {
        _Alignas(struct fuse_in_header) char buf[FSD_INIT_MAX];
        struct fuse_in_header *h = (void *) buf;
        struct fuse_buf fbuf;
        int len, r;

        len = state_load(state_fd, buf);
        if (len <= 0)
                return log_error_errno(len < 0 ? len : ENOENT, "No usable FUSE_INIT saved by the previous server: %m");
        if (!fsd_init_has_resend(buf, (size_t) len))
                return log_error_errno(EOPNOTSUPP, "The kernel has no FUSE_NOTIFY_RESEND (Linux 6.9 or later): "
                                                   "the connection cannot be taken over.");
        h->unique = REPLAY_UNIQUE;
        fbuf = (struct fuse_buf) { .mem = buf, .size = (size_t) len };
        fuse_session_process_buf(se, &fbuf);
        if (fuse_session_exited(se))
                return log_error_errno(EPROTO, "Replaying the saved FUSE_INIT failed.");
        r = send_resend(se);
        if (r < 0)
                return log_error_errno(r, "FUSE_NOTIFY_RESEND failed: %m");
        return 0;
}
