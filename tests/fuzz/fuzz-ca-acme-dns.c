/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for dns_txt_parse() (ca/acme/challenges/challenge-dns-txt.c): any bytes as
 * a DNS response to dns-01's TXT query.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ca/acme/challenges/challenge-dns-txt.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char **v = NULL;
        size_t n = 0;

        if (dns_txt_parse(data, size, &v) == 0) {
                for (; v[n]; n++)
                        if (strlen(v[n]) > DNS_TXT_MAX_LEN)
                                abort();
                if (n > DNS_TXT_MAX_RECORDS)
                        abort();
                dns_txt_free(v);
        }
        return 0;
}
