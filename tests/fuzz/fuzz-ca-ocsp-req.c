/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the OCSP request parser of deviceid-ca's responder
 * (ca/revoke/ocsp-req.c), on the DER of POST bodies and on the same bytes
 * as the path of a GET request.
 */
#include <stdint.h>

#include "ca/revoke/ocsp-req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(ocsp_query_done) ocsp_query q = {};
        _cleanup_free_ char *path = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        size_t len;

        if (ocsp_query_parse(data, size, &q) == 0) {
                for (size_t i = 0; i < q.n; i++)
                        if (q.items[i].hash_len > sizeof(q.items[i].key_hash) ||
                            strlen(q.items[i].serial) > OCSP_SERIAL_HEX_MAX)
                                abort();
                ocsp_query_done(&q);
        }
        path = strndup((const char *) data, size);
        if (path && ocsp_request_from_get(path, &der, &len) == 0 && ocsp_query_parse(der, len, &q) == 0)
                ocsp_query_done(&q);
        return 0;
}
