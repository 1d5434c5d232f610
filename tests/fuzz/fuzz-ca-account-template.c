/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: account name templates (ca/inventory/account-template.h)
 * as an administrator writes them (`deviceid-ca account add --sub/--san`,
 * POST /admin/accounts) and device records fill them in. The input is
 * "TEMPLATE\nNAME\nSERIAL\nOWNER": the template is checked as a subject
 * and as a SAN and expanded with the other lines as device fields; the
 * first line also goes through the account name and tag checks.
 */
#include <stdint.h>
#include <string.h>

#include "ca/inventory/account-template.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *buf = NULL;
        char *fields[4] = {}, *p;
        const char *why;

        if (size > 4096)
                return 0;
        buf = strndup((const char *) data, size);
        if (!buf)
                return 0;
        p = buf;
        for (int i = 0; i < 4 && p; i++) {
                fields[i] = p;
                p = strchr(p, '\n');
                if (p)
                        *p++ = '\0';
        }
        (void) account_name_is_valid(fields[0]);
        (void) account_tag_is_valid(fields[0]);
        for (int k = ACCOUNT_TEMPLATE_SUBJECT; k <= ACCOUNT_TEMPLATE_SAN; k++) {
                account_vars v = { .name = fields[1], .serial = fields[2], .owner = fields[3],
                                   .ek_uri = "urn:ek:sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", .id = 7 };
                char *out = NULL;

                (void) account_template_check(fields[0], (account_template_kind) k, &why);
                if (account_template_expand(fields[0], (account_template_kind) k, &v, &out, &why) == 0) {
                        if (strlen(out) > ACCOUNT_TEMPLATE_MAX)
                                __builtin_trap();
                        free(out);
                }
        }
        return 0;
}
