/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the parser of deviceid-enrolld's state file
 * (enroll/agent/enrolld-status.c), which deviceidctl status reads as
 * untrusted input. Whatever it accepts must hold what deviceidctl relies
 * on (entries within the limit, valid names, known states, printable
 * messages within their limit) and format back to text that parses to the
 * same state.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enroll/agent/enrolld-status.h"
#include "keyring/keyring.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *err = NULL, *text = NULL, *err2 = NULL;
        enrolld_status s, back;
        size_t len;

        if (enrolld_status_parse((const char *) data, size, &s, &err) < 0) {
                if (size <= ENROLLD_STATUS_FILE_MAX && !err)
                        abort(); /* every refusal says which line (unless out of memory) */
                return 0;
        }
        if (s.n > ENROLLD_STATUS_MAX_ENTRIES || s.pid < 1)
                abort();
        for (size_t i = 0; i < s.n; i++) {
                const enrolld_status_entry *e = &s.v[i];

                if (!enrolld_entry_state_to_string(e->state) || strlen(e->message) > ENROLLD_STATUS_MESSAGE_MAX ||
                    (e->device ? i != 0 || !streq(e->name, "device") : !keyring_account_name_is_valid(e->name)))
                        abort();
                for (const char *p = e->message; *p; p++)
                        if ((unsigned char) *p < 0x20 || (unsigned char) *p >= 0x7f)
                                abort();
                (void) enrolld_status_entry_needs_attention(e, 1764755000);
        }
        if (enrolld_status_format(&s, &text, &len) < 0)
                abort();
        if (enrolld_status_parse(text, len, &back, &err2) < 0 || back.n != s.n || back.pid != s.pid ||
            back.updated != s.updated || memcmp(back.v, s.v, sizeof(s.v[0]) * s.n) != 0)
                abort();
        return 0;
}
