/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the ca.conf parser (libinih plus our validation), with the
 * lookups serve and the ACME server do on the result.
 */
#include <stdint.h>

#include "ca/core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(ca_config_freep) ca_config *c = NULL;
        _cleanup_free_ char *err = NULL, *url = NULL;

        if (ca_config_parse((const char *) data, size, &c, &err) < 0)
                return 0;
        for (size_t i = 0; i < c->n_provisioners; i++) {
                const ca_provisioner *p = ca_config_provisioner(c, c->provisioners[i].name);
                (void) ca_provisioner_has_challenge(p, "http-01");
                (void) ca_provisioner_get(p, "type");
        }
        (void) ca_config_database_url(c, "/var/lib/deviceid-ca", &url);
        return 0;
}
