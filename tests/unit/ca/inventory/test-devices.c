/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the devices table on a temporary SQLite file: adding,
 * duplicate EKs, lookups, and disabling or removing a device revoking its
 * certificates.
 */
#include "ca/core/certificates.h"
#include "ca/inventory/devices.h"
#include "tests/unit/ca/ca-test.h"
#include "tests/unit/tap.h"

static char tmpdir[] = "/tmp/test-ca-devices-XXXXXX";

static void test_devices(store *st) {
        _cleanup_(device_done) device d = {}, got = {};
        _cleanup_(device_done) device d2 = {};
        device_spec spec = { .ek_uri = "urn:ek:sha256:NHgvkZPoFoagjgrFb2a02qAEhp4o9tvWaZu/hkmE2WA=", .name = "n" };

        is_ok(device_from_spec(&spec, &d, NULL), "devices: spec");
        is_ok(devices_add(st, &d), "devices: add");
        ok(d.id > 0, "devices: id assigned");
        is_ok(device_from_spec(&spec, &d2, NULL), "devices: same spec again");
        is_err(devices_add(st, &d2), -EEXIST, "devices: duplicate EK refused");
        is_ok(devices_get_by_ek_uri(st, spec.ek_uri, &got), "devices: lookup by EK URI");
        is_str(got.name, "n", "devices: name stored");
        store_run(st,
                  "INSERT INTO certificates (serial, ca, device_id, not_before, not_after, der, created_at)"
                  " VALUES ('aa01', 'agent', ?, 0, 1, x'00', 0)",
                  "i", d.id);
        is_int(devices_set_status(st, d.id, DEVICE_DISABLED), 1, "devices: disable revokes one certificate");
        is_int(devices_set_status(st, d.id, DEVICE_ACTIVE), 0, "devices: enable revokes nothing");
        is_int(devices_remove(st, d.id), 0, "devices: remove (already revoked)");
        is_err(devices_remove(st, d.id), -ENOENT, "devices: remove again");
        is_err(devices_set_status(st, 9999, DEVICE_DISABLED), -ENOENT, "devices: unknown id");
}

int main(void) {
        _cleanup_(store_closep) store *st = NULL;

        if (ca_test_store_open(tmpdir, &st) < 0)
                return tap_done();
        is_ok(certificates_store_migrate(st), "certificates schema");
        is_ok(devices_store_migrate(st), "devices schema");
        test_devices(st);
        store_close(TAKE_PTR(st));
        ca_test_dir_remove(tmpdir);
        return tap_done();
}
