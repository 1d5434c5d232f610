/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for what the keyring agent parses from the kernel: the
 * generation frame (a key payload anyone with write access could have
 * planted), keyctl_describe() lines and the generation counter. A decoded
 * frame must re-encode to the same bytes.
 */
#include <stdint.h>

#include "keyring/payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        keyring_entry *e = NULL;
        uint64_t counter;
        char *line;

        if (keyring_payload_decode(data, size, &e) >= 0) {
                uint8_t *again = NULL;
                size_t again_len = 0;

                if (keyring_payload_encode(e, &again, &again_len) < 0 || again_len != size ||
                    memcmp(again, data, size) != 0)
                        abort();
                if (strlen(e->chain_pem) != e->chain_len || (e->key_pem && strlen(e->key_pem) != e->key_len))
                        abort();
                erase_and_free(again, again_len);
                keyring_entry_free(e);
        }

        (void) keyring_counter_parse((const char *) data, size, &counter);

        line = strndup((const char *) data, size);
        if (line) {
                const char *type, *desc, *name;
                uint32_t uid, gid, perm;

                if (keyring_describe_parse(line, &type, &uid, &gid, &perm, &desc) >= 0)
                        (void) keyring_entry_name_from_description(desc, &name);
                free(line);
        }
        return 0;
}
