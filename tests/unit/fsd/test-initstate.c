/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the deviceid-fsd takeover state (fsd/initstate.c): a
 * FUSE_INIT request as kernels 6.18 and 6.6 send it (protocol 7.45 with
 * FUSE_HAS_RESEND in flags2, 7.39 without), kept and found again, and
 * what is refused.
 */
#include <errno.h>
#include <linux/fuse.h>
#include <stdint.h>
#include <string.h>

#include "fsd/initstate.h"
#include "tests/unit/tap.h"

/* fuse_in_header + fuse_init_in (7.36 and later: 64 bytes). */
typedef struct init_req {
        struct fuse_in_header h;
        struct fuse_init_in in;
} init_req;

static init_req make_init(uint32_t minor, uint32_t flags2) {
        init_req r = {
                .h = { .len = sizeof(init_req), .opcode = FUSE_INIT, .unique = 2 },
                .in = { .major = 7, .minor = minor, .max_readahead = 131072,
                        .flags = FUSE_ASYNC_READ | FUSE_INIT_EXT, .flags2 = flags2 },
        };
        return r;
}

int main(void) {
        init_req k618 = make_init(45, 1u << 7), k66 = make_init(39, 0), bad;
        char state[FSD_INIT_STATE_MAX + 8];
        const void *p = NULL;
        int n, len;

        ok(fsd_init_has_resend(&k618, sizeof(k618)), "7.45 with FUSE_HAS_RESEND (flags2 bit 7) can resend");
        ok(!fsd_init_has_resend(&k66, sizeof(k66)), "7.39 cannot");
        k618.in.flags &= ~(uint32_t) FUSE_INIT_EXT;
        ok(!fsd_init_has_resend(&k618, sizeof(k618)), "flags2 counts only with FUSE_INIT_EXT");
        k618.in.flags |= FUSE_INIT_EXT;

        n = fsd_init_state_encode(&k618, sizeof(k618), state);
        is_int(n, FSD_INIT_STATE_HEADER + (int) sizeof(k618), "encoded: header and request");
        len = fsd_init_state_decode(state, (size_t) n, &p);
        is_int(len, (int) sizeof(k618), "decoded length");
        ok(p && memcmp(p, &k618, sizeof(k618)) == 0, "decoded bytes are the request");
        ok(fsd_init_has_resend(p, (size_t) len), "and it still says it can resend");
        is_int(fsd_init_state_decode(state, 0, &p), 0, "an empty state is a fresh connection");

        is_err(fsd_init_state_decode(state, (size_t) n - 1, &p), -EBADMSG, "truncated");
        state[n] = 'x';
        is_err(fsd_init_state_decode(state, (size_t) n + 1, &p), -EBADMSG, "trailing bytes");
        is_err(fsd_init_state_decode(state, 5, &p), -EBADMSG, "shorter than the header");
        state[0] = 'X';
        is_err(fsd_init_state_decode(state, (size_t) n, &p), -EBADMSG, "wrong magic");

        bad = k618;
        bad.h.opcode = FUSE_LOOKUP;
        is_err(fsd_init_state_encode(&bad, sizeof(bad), state), -EINVAL, "not an INIT: not kept");
        ok(!fsd_init_has_resend(&bad, sizeof(bad)), "not an INIT: no resend");
        bad = k618;
        bad.h.len = 1000;
        is_err(fsd_init_state_encode(&bad, sizeof(bad), state), -EINVAL, "header length disagrees");
        is_err(fsd_init_state_encode(&k618, 20, state), -EINVAL, "shorter than a header and the flags");
        n = fsd_init_state_encode(&k618, sizeof(k618), state);
        memset(state + 8, 0xff, 4); /* length 4 GiB */
        is_err(fsd_init_state_decode(state, (size_t) n, &p), -EBADMSG, "length beyond the limit");
        return tap_done();
}
