/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the deviceid-fsd configuration parser (fsd/config.c) on
 * arbitrary bytes. Whatever it accepts must satisfy the invariants the
 * daemon relies on: no key mode with bits beyond 0440, no cert mode beyond
 * 0444, sorted unique accounts, a sane poll interval.
 */
#include <stdint.h>

#include "fsd/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(fsd_config_freep) fsd_config *c = NULL;
        _cleanup_free_ char *err = NULL;

        if (fsd_config_parse((const char *) data, size, &c, &err) < 0)
                return 0;
        if (c->poll_interval_sec == 0 || c->poll_interval_sec > FSD_MAX_POLL_SEC)
                abort();
        for (size_t i = 0; i < c->n_accounts; i++) {
                const fsd_account_config *a = &c->accounts[i];

                if ((a->key_mode & ~(mode_t) FSD_MAX_KEY_MODE) || (a->cert_mode & ~(mode_t) FSD_MAX_CERT_MODE))
                        abort();
                if (!keyring_account_name_is_valid(a->name))
                        abort();
                if (i > 0 && strcmp(c->accounts[i - 1].name, a->name) >= 0)
                        abort();
                if (fsd_config_find_account(c, a->name) != a)
                        abort();
        }
        return 0;
}
