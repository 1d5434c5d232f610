/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the deviceid-enrolld configuration parser
 * (enroll/enrolld-config.c) on arbitrary bytes. Whatever it accepts must
 * hold what the daemon relies on: an https URL and a root, renew_at and
 * durations in range, valid unique account names with valid specs.
 */
#include <stdint.h>
#include <stdlib.h>

#include "enroll/agent/enrolld-config.h"
#include "keyring/keyring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(enrolld_config_freep) enrolld_config *c = NULL;
        _cleanup_free_ char *err = NULL;

        if (enrolld_config_parse((const char *) data, size, &c, &err) < 0) {
                if (size <= ENROLLD_CONFIG_MAX_SIZE && !err)
                        abort(); /* every refusal explains itself (unless out of memory) */
                return 0;
        }
        if (!c->ca_url || strncmp(c->ca_url, "https://", 8) != 0 || !c->ca_root || !*c->ca_root)
                abort();
        if (c->renew_at < ENROLLD_MIN_RENEW_AT || c->renew_at > ENROLLD_MAX_RENEW_AT)
                abort();
        if (c->retry_min < 1 || c->retry_min > c->retry_max || c->retry_max > ENROLLD_MAX_DURATION ||
            c->check_interval < 1 || c->check_interval > ENROLLD_MAX_DURATION)
                abort();
        if (c->n_accounts > ENROLLD_CONFIG_MAX_ACCOUNTS)
                abort();
        for (size_t i = 0; i < c->n_accounts; i++) {
                const sign_client_account *a = &c->accounts[i];

                if (!keyring_account_name_is_valid(a->name) || !a->sub || !*a->sub ||
                    strlen(a->sub) > SIGN_CLIENT_MAX_SUB || a->n_sans > SIGN_CLIENT_MAX_SANS)
                        abort();
                for (size_t j = 0; j < a->n_sans; j++)
                        if (!a->sans[j] || !*a->sans[j] || strlen(a->sans[j]) > SIGN_CLIENT_MAX_SAN)
                                abort();
                if (enrolld_config_find_account(c, a->name) != a)
                        abort();
        }
        return 0;
}
