/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The takeover state of deviceid-fsd (contract in initstate.h). The wire
 * structures come from <linux/fuse.h>; the flag Debian 12's copy
 * (protocol 7.38) lacks is defined with its value from the kernel's
 * include/uapi/linux/fuse.h (protocol 7.40, Linux 6.9).
 */
#include <errno.h>
#include <linux/fuse.h>
#include <stdint.h>
#include <string.h>

#include "fsd/initstate.h"

#ifndef FUSE_HAS_RESEND
#define FUSE_HAS_RESEND (1ULL << 39)
#endif

#define MAGIC "DIDFSD01"
#define MAGIC_LEN (sizeof(MAGIC) - 1)

_Static_assert(FSD_INIT_STATE_HEADER == MAGIC_LEN + sizeof(uint32_t), "header size");

/* A whole FUSE_INIT request: its header says so and its length is len. */
static bool is_init(const void *init, size_t len) {
        struct fuse_in_header h;

        if (len < sizeof(h) + offsetof(struct fuse_init_in, flags) + sizeof(uint32_t) || len > FSD_INIT_MAX)
                return false;
        memcpy(&h, init, sizeof(h));
        return h.opcode == FUSE_INIT && h.len == len;
}

int fsd_init_state_encode(const void *init, size_t len, void *out) {
        uint32_t l = (uint32_t) len;

        if (!is_init(init, len))
                return -EINVAL;
        memcpy(out, MAGIC, MAGIC_LEN);
        memcpy((char *) out + MAGIC_LEN, &l, sizeof(l));
        memcpy((char *) out + FSD_INIT_STATE_HEADER, init, len);
        return (int) (FSD_INIT_STATE_HEADER + len);
}

int fsd_init_state_decode(const void *buf, size_t len, const void **ret_init) {
        uint32_t l;

        if (len == 0)
                return 0;
        if (len < FSD_INIT_STATE_HEADER || memcmp(buf, MAGIC, MAGIC_LEN) != 0)
                return -EBADMSG;
        memcpy(&l, (const char *) buf + MAGIC_LEN, sizeof(l));
        if (l > FSD_INIT_MAX || len != FSD_INIT_STATE_HEADER + (size_t) l ||
            !is_init((const char *) buf + FSD_INIT_STATE_HEADER, l))
                return -EBADMSG;
        *ret_init = (const char *) buf + FSD_INIT_STATE_HEADER;
        return (int) l;
}

bool fsd_init_has_resend(const void *init, size_t len) {
        struct fuse_init_in in = {};
        size_t n;
        uint64_t flags;

        if (!is_init(init, len))
                return false;
        n = len - sizeof(struct fuse_in_header);
        memcpy(&in, (const char *) init + sizeof(struct fuse_in_header), n < sizeof(in) ? n : sizeof(in));
        flags = in.flags;
        if ((flags & FUSE_INIT_EXT) && n >= offsetof(struct fuse_init_in, flags2) + sizeof(in.flags2))
                flags |= (uint64_t) in.flags2 << 32;
        return in.major == 7 && (flags & FUSE_HAS_RESEND);
}
