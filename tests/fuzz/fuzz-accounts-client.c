/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the account list parser of the agent
 * (enroll/client/accounts-client.h), as fed by the Account CA's answer to
 * GET /1.0/accounts.
 */
#include <stdint.h>

#include "enroll/client/accounts-client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        accounts_list *l = NULL;
        const char *why = NULL;

        if (accounts_client_parse((const char *) data, size, &l, &why) == 0) {
                if (l->n > ACCOUNTS_CLIENT_MAX_ACCOUNTS)
                        __builtin_trap();
                accounts_list_free(l);
        }
        return 0;
}
