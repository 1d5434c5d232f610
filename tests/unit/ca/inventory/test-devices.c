/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the devices table on test-db.h's database: adding,
 * duplicate EKs, lookups, tags, search and paging, and disabling or
 * removing a device revoking its certificates, and the posture verdict
 * filter.
 */
#include "ca/core/certificates.h"
#include "ca/inventory/devices.h"
#include "ca/inventory/posture-store.h"
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
                  " VALUES ('aa01', 'agent', ?, 0, 1, ?, 0)",
                  "ib", d.id, "", (size_t) 1);
        is_int(devices_set_status(st, d.id, DEVICE_DISABLED), 1, "devices: disable revokes one certificate");
        is_int(devices_set_status(st, d.id, DEVICE_ACTIVE), 0, "devices: enable revokes nothing");
        is_int(devices_remove(st, d.id), 0, "devices: remove (already revoked)");
        is_err(devices_remove(st, d.id), -ENOENT, "devices: remove again");
        is_err(devices_set_status(st, 9999, DEVICE_DISABLED), -ENOENT, "devices: unknown id");
}

/* The verdict of the newest report: device 0 failed then passed, device 1
 * passed then failed, device 2 sent none. */
static void test_search_posture(store *st, const int64_t ids[3]) {
        static const struct {
                device_posture want;
                size_t index;
                const char *search, *found;
        } cases[] = {
                { DEVICE_POSTURE_PASS, 0, "posture: search by pass", "posture: pass, the newest of two reports" },
                { DEVICE_POSTURE_FAIL, 1, "posture: search by fail", "posture: fail, the newest of two reports" },
                { DEVICE_POSTURE_NONE, 2, "posture: search by none", "posture: none, the device without reports" },
        };
        device *v = NULL;
        size_t n = 0, total = 0;

        is_ok(posture_store_report_add(st, ids[0], 100, "wifi", false, "[]", NULL, NULL, NULL, 0), "posture: report 1");
        is_ok(posture_store_report_add(st, ids[0], 200, "wifi", true, "[]", NULL, NULL, NULL, 0), "posture: report 2");
        is_ok(posture_store_report_add(st, ids[1], 300, "wifi", true, "[]", NULL, NULL, NULL, 0), "posture: report 3");
        is_ok(posture_store_report_add(st, ids[1], 400, "wifi", false, "[]", NULL, NULL, NULL, 0), "posture: report 4");
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                is_ok(devices_search(st, &(device_query) { .status = -1, .posture = cases[i].want, .limit = 10 }, &v,
                                     &n, &total),
                      cases[i].search);
                ok(total == 1 && n == 1 && v[0].id == ids[cases[i].index] && v[0].posture == cases[i].want,
                   cases[i].found);
                for (size_t j = 0; j < n; j++)
                        device_done(&v[j]);
                free(v);
                v = NULL;
        }
        is_ok(devices_search(st, &(device_query) { .status = -1, .limit = 10 }, &v, &n, &total),
              "posture: search without the filter");
        ok(n == 3 && v[0].posture == DEVICE_POSTURE_PASS && v[1].posture == DEVICE_POSTURE_FAIL &&
                   v[2].posture == DEVICE_POSTURE_NONE,
           "posture: every listed device carries its verdict");
        for (size_t j = 0; j < n; j++)
                device_done(&v[j]);
        free(v);
        v = NULL;
        is_ok(devices_search(st, &(device_query) { .q = "office", .status = -1, .posture = DEVICE_POSTURE_PASS,
                                                   .limit = 0 },
                             &v, &n, &total),
              "posture: with words, count only");
        ok(total == 0 && n == 0, "posture: the filters combine");
        free(v);
        is_int(device_posture_from_string("pass"), DEVICE_POSTURE_PASS, "posture: name parsed");
        is_int(device_posture_from_string("PASS"), DEVICE_POSTURE_UNKNOWN, "posture: other text is unknown");
        ok(device_posture_to_string(DEVICE_POSTURE_UNKNOWN) == NULL, "posture: unknown has no name");
}

/* devices_search() on three devices: words, status and whole tags. */
static void test_search(store *st) {
        static const device_spec specs[] = {
                { .ek_uri = "urn:ek:sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", .name = "Lab-01", .tags = "lab,x" },
                { .ek_uri = "urn:ek:sha256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=", .name = "lab-02", .owner = "bob",
                  .tags = "lab2" },
                { .ek_uri = "urn:ek:sha256:CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCA=", .name = "office_1%" },
        };
        int64_t ids[3] = {};
        device *v = NULL;
        size_t n = 0, total = 0;

        for (size_t i = 0; i < 3; i++) {
                _cleanup_(device_done) device d = {};

                is_ok(device_from_spec(&specs[i], &d, NULL), "search: spec");
                is_ok(devices_add(st, &d), "search: add");
                ids[i] = d.id;
        }
        is_ok(devices_search(st, &(device_query) { .q = "LAB", .status = -1, .limit = 10 }, &v, &n, &total),
              "search: by word");
        is_int((int) total, 2, "search: case-insensitive substring of the name");
        is_int((int) n, 2, "search: both on the page");
        if (n == 2)
                ok(v[0].id == ids[0] && v[1].id == ids[1], "search: ordered by id");
        for (size_t i = 0; i < n; i++)
                device_done(&v[i]);
        free(v);
        v = NULL;
        is_ok(devices_search(st, &(device_query) { .tag = "lab", .status = -1, .limit = 10 }, &v, &n, &total),
              "search: by tag");
        is_int((int) total, 1, "search: a tag matches whole tags only (not lab2)");
        for (size_t i = 0; i < n; i++)
                device_done(&v[i]);
        free(v);
        v = NULL;
        is_ok(devices_search(st, &(device_query) { .q = "_1%", .status = -1, .limit = 10 }, &v, &n, &total),
              "search: LIKE wildcards in the words");
        is_int((int) total, 1, "search: _ and % match themselves");
        for (size_t i = 0; i < n; i++)
                device_done(&v[i]);
        free(v);
        v = NULL;
        is_ok(devices_set_status(st, ids[1], DEVICE_DISABLED), "search: disable one");
        is_ok(devices_search(st, &(device_query) { .q = "lab", .status = DEVICE_DISABLED, .limit = 1 }, &v, &n,
                             &total),
              "search: by status");
        is_int((int) total, 1, "search: one disabled");
        if (n == 1)
                is_str(v[0].owner, "bob", "search: the disabled one");
        for (size_t i = 0; i < n; i++)
                device_done(&v[i]);
        free(v);
        v = NULL;
        is_ok(devices_search(st, &(device_query) { .status = -1, .limit = 1, .offset = 2 }, &v, &n, &total),
              "search: a page");
        ok(total == 3 && n == 1 && v && v[0].id == ids[2], "search: offset 2 of 3 gives the third");
        for (size_t i = 0; i < n; i++)
                device_done(&v[i]);
        free(v);
        v = NULL;
        is_ok(devices_set_tags(st, ids[2], ",office,"), "search: set tags");
        is_ok(devices_search(st, &(device_query) { .tag = "office", .status = -1, .limit = 0 }, &v, &n, &total),
              "search: count only");
        ok(total == 1 && n == 0, "search: the new tag counted");
        free(v);
        is_err(devices_set_tags(st, 9999, NULL), -ENOENT, "search: tags of an unknown device");
        test_search_posture(st, ids);
}

int main(void) {
        _cleanup_(store_closep) store *st = NULL;

        if (ca_test_store_open(tmpdir, &st) < 0)
                return tap_done();
        is_ok(certificates_store_migrate(st), "certificates schema");
        is_ok(devices_store_migrate(st), "devices schema");
        is_ok(posture_store_migrate(st), "posture schema");
        test_devices(st);
        test_search(st);
        store_close(TAKE_PTR(st));
        ca_test_dir_remove(tmpdir);
        return tap_done();
}
