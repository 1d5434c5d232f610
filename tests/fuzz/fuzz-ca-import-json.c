/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the device import json parser and the conversion of its
 * records into devices (EK URI, PEM/base64 key material), as fed by
 * `deviceid-ca device import` and POST /admin/devices/import.
 */
#include <stdint.h>

#include "ca/inventory/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(import_list_freep) import_list *l = NULL;
        _cleanup_free_ char *err = NULL, *err2 = NULL;
        device *v = NULL;
        size_t n = 0;

        if (import_parse((const char *) data, size, IMPORT_JSON, &l, &err) < 0)
                return 0;
        if (import_to_devices(l, &v, &n, &err2) < 0)
                return 0;
        for (size_t i = 0; i < n; i++)
                device_done(&v[i]);
        free(v);
        return 0;
}
