/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Taking over a live FUSE connection (contract in takeover.h). The wire
 * structures come from <linux/fuse.h>; the two constants Debian 12's copy
 * (protocol 7.38) lacks are defined below with their values from the
 * kernel's include/uapi/linux/fuse.h (protocol 7.40, Linux 6.9).
 *
 * The state memfd holds: 8 bytes "DIDFSD01", a 32-bit length (host
 * order), then the FUSE_INIT request as the kernel sent it. Only the
 * holder and its servers (root) have it.
 */
#include <linux/fuse.h>

#include "fsd/takeover.h"
#include "log.h"

#ifndef FUSE_HAS_RESEND
#define FUSE_HAS_RESEND (1ULL << 39)
#endif
#define FSD_FUSE_NOTIFY_RESEND 7 /* enum fuse_notify_code, after FUSE_NOTIFY_DELETE (6) */

#define STATE_MAGIC "DIDFSD01"
#define STATE_HEADER (sizeof(STATE_MAGIC) - 1 + sizeof(uint32_t))
/* An INIT request is a header and fuse_init_in (64 bytes in 7.40); leave
 * room for growth, refuse anything larger. */
#define INIT_MAX 1024
/* Even (not an interrupt), below the resend bit (1 << 63), and far above
 * any unique the kernel's counter (+2 per request) reaches. */
#define REPLAY_UNIQUE UINT64_C(0x7ffffffffffff000)

static bool init_has_resend(const void *buf, size_t len) {
        const struct fuse_init_in *in = (const void *) ((const char *) buf + sizeof(struct fuse_in_header));
        uint64_t flags;

        if (len < sizeof(struct fuse_in_header) + offsetof(struct fuse_init_in, flags2) + sizeof(in->flags2))
                return false;
        flags = in->flags;
        if (flags & FUSE_INIT_EXT)
                flags |= (uint64_t) in->flags2 << 32;
        return in->major == 7 && (flags & FUSE_HAS_RESEND);
}

static int state_save(int fd, const void *buf, size_t len) {
        char hdr[STATE_HEADER];
        uint32_t l = (uint32_t) len;

        memcpy(hdr, STATE_MAGIC, sizeof(STATE_MAGIC) - 1);
        memcpy(hdr + sizeof(STATE_MAGIC) - 1, &l, sizeof(l));
        if (pwrite(fd, hdr, sizeof(hdr), 0) != (ssize_t) sizeof(hdr) ||
            pwrite(fd, buf, len, sizeof(hdr)) != (ssize_t) len || ftruncate(fd, (off_t) (sizeof(hdr) + len)) < 0)
                return negative_errno();
        return 0;
}

/* Reads the saved INIT into buf (INIT_MAX bytes): its length, 0 if the
 * state is empty, -EBADMSG if it is not ours or not an INIT. */
static int state_load(int fd, void *buf) {
        char hdr[STATE_HEADER];
        const struct fuse_in_header *h = buf;
        uint32_t len;
        ssize_t n;

        n = pread(fd, hdr, sizeof(hdr), 0);
        if (n < 0)
                return negative_errno();
        if (n == 0)
                return 0;
        if (n != (ssize_t) sizeof(hdr) || memcmp(hdr, STATE_MAGIC, sizeof(STATE_MAGIC) - 1) != 0)
                return -EBADMSG;
        memcpy(&len, hdr + sizeof(STATE_MAGIC) - 1, sizeof(len));
        if (len < sizeof(struct fuse_in_header) + sizeof(uint32_t) * 2 || len > INIT_MAX)
                return -EBADMSG;
        n = pread(fd, buf, len, sizeof(hdr));
        if (n < 0)
                return negative_errno();
        if ((size_t) n != len || h->len != len || h->opcode != FUSE_INIT)
                return -EBADMSG;
        return (int) len;
}

int fsd_takeover_has_state(int state_fd) {
        char buf[INIT_MAX];
        int r = state_load(state_fd, buf);

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
        if ((size_t) r < sizeof(*h) || h->opcode != FUSE_INIT || (size_t) r > INIT_MAX) {
                free(fbuf.mem);
                return log_error_errno(EPROTO, "The first FUSE request is not FUSE_INIT.");
        }
        *ret_has_resend = init_has_resend(fbuf.mem, (size_t) r);
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
        _Alignas(struct fuse_in_header) char buf[INIT_MAX];
        struct fuse_in_header *h = (void *) buf;
        struct fuse_buf fbuf;
        int len, r;

        len = state_load(state_fd, buf);
        if (len <= 0)
                return log_error_errno(len < 0 ? len : ENOENT, "No usable FUSE_INIT saved by the previous server: %m");
        if (!init_has_resend(buf, (size_t) len))
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
