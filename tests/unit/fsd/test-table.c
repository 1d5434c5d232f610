/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the deviceid-fsd name table (fsd/table.c) with fixed
 * entries: layout, bytes, modes and owners, status.json, refusals.
 */
#include "fsd/table.h"
#include "tests/unit/fsd/fsd-entries.h"
#include "tests/unit/tap.h"

static void test_status_json(void) {
        keyring_entry d = entry("device", 3, CHAIN_A, NULL, KEYRING_KEY_NONE, 1800000000, 1700000000);
        keyring_entry w = entry("wifi", 7, CHAIN_A, KEY_A, KEYRING_KEY_PKCS8, 1800003600, 1700000100);
        keyring_entry r = entry("roots", 1, ROOTS, NULL, KEYRING_KEY_NONE, 0, 1700000200);
        const keyring_entry *v[] = { &d, &r, &w };
        _cleanup_free_ char *s = NULL;
        size_t len;

        is_ok(fsd_status_json(v, 3, &s, &len), "status.json builds");
        is_str(s,
               "{\"version\":1,\"entries\":["
               "{\"name\":\"device\",\"generation\":3,\"keyKind\":\"none\",\"notAfter\":\"2027-01-15T08:00:00Z\","
               "\"notAfterUnix\":1800000000,\"published\":\"2023-11-14T22:13:20Z\",\"files\":[\"device.pem\"]},"
               "{\"name\":\"roots\",\"generation\":1,\"keyKind\":\"none\",\"published\":\"2023-11-14T22:16:40Z\","
               "\"files\":[\"roots.pem\"]},"
               "{\"name\":\"wifi\",\"generation\":7,\"keyKind\":\"pkcs8\",\"notAfter\":\"2027-01-15T09:00:00Z\","
               "\"notAfterUnix\":1800003600,\"published\":\"2023-11-14T22:15:00Z\","
               "\"files\":[\"wifi.pem\",\"wifi.key.pem\",\"wifi.bundle.pem\"]}]}",
               "status.json bytes");
        is_int(len, strlen(s), "length");
}

static void test_layout(void) {
        static const char *const names[] = { "device.pem",   "roots.pem",     "status.json", "vpn.bundle.pem",
                                             "vpn.key.pem",  "vpn.pem",       "web.pem",     "wifi.bundle.pem",
                                             "wifi.key.pem", "wifi.pem" };
        keyring_entry w = entry("wifi", 7, CHAIN_A, KEY_A, KEYRING_KEY_PKCS8, 1800003600, 1700000100);
        keyring_entry p = entry("vpn", 2, CHAIN_B, KEY_B, KEYRING_KEY_TSS2, 1800003600, 1700000000);
        keyring_entry d = entry("device", 3, CHAIN_A, NULL, KEYRING_KEY_NONE, 1800000000, 1700000000);
        keyring_entry r = entry("roots", 1, ROOTS, NULL, KEYRING_KEY_NONE, 0, 1700000200);
        keyring_entry x = entry("web", 1, CHAIN_B, NULL, KEYRING_KEY_NONE, 1800000000, 1700000000);
        const keyring_entry *v[] = { &w, &p, &d, &r, &x };
        _cleanup_(fsd_config_freep) fsd_config *cfg = NULL;
        _cleanup_(fsd_specs_done) fsd_specs s = {};
        const fsd_spec *sp;
        static const char cfgtext[] = "[account:wifi]\nUser=101\nGroup=102\nMode=0440\n";

        is_ok(fsd_config_parse(cfgtext, strlen(cfgtext), &cfg, NULL), "config parses");
        is_ok(fsd_specs_build(v, ELEMENTSOF(v), cfg, &s), "specs build");
        is_int(s.n, ELEMENTSOF(names), "file count");
        for (size_t i = 0; i < s.n && i < ELEMENTSOF(names); i++)
                is_str(s.v[i].name, names[i], "name in sorted order");

        sp = fsd_specs_find(&s, "wifi.pem");
        ok(sp && sp->blob->len == strlen(CHAIN_A) && memcmp(sp->blob->data, CHAIN_A, sp->blob->len) == 0,
           "wifi.pem is the chain");
        ok(sp && sp->mode == 0444 && sp->uid == 0 && sp->gid == 0, "wifi.pem 0444 root");
        ok(sp && !sp->blob->secret, "chain not secret");
        ok(sp && sp->mtime.tv_sec == 1700000100, "mtime is the publication time");

        sp = fsd_specs_find(&s, "wifi.key.pem");
        ok(sp && sp->blob->len == strlen(KEY_A) && memcmp(sp->blob->data, KEY_A, sp->blob->len) == 0,
           "wifi.key.pem is the key");
        ok(sp && sp->mode == 0440 && sp->uid == 101 && sp->gid == 102, "wifi.key.pem from the config");
        ok(sp && sp->blob->secret, "key secret");

        sp = fsd_specs_find(&s, "wifi.bundle.pem");
        ok(sp && sp->blob->len == strlen(KEY_A "\n" CHAIN_A) &&
                   memcmp(sp->blob->data, KEY_A "\n" CHAIN_A, sp->blob->len) == 0,
           "bundle is key, newline, chain");
        ok(sp && sp->mode == 0440 && sp->uid == 101 && sp->gid == 102 && sp->blob->secret, "bundle like the key");

        sp = fsd_specs_find(&s, "vpn.bundle.pem");
        ok(sp && sp->blob->len == strlen(KEY_B CHAIN_B) && memcmp(sp->blob->data, KEY_B CHAIN_B, sp->blob->len) == 0,
           "bundle adds no newline when the key has one");
        sp = fsd_specs_find(&s, "vpn.key.pem");
        ok(sp && sp->mode == FSD_DEFAULT_KEY_MODE && sp->uid == 0, "unconfigured key 0400 root");

        sp = fsd_specs_find(&s, "device.pem");
        ok(sp && sp->mode == 0444 && sp->blob->len == strlen(CHAIN_A), "device.pem");
        ok(!fsd_specs_find(&s, "device.key.pem"), "no device key file");
        sp = fsd_specs_find(&s, "roots.pem");
        ok(sp && sp->blob->len == strlen(ROOTS), "roots.pem");
        sp = fsd_specs_find(&s, "status.json");
        ok(sp && sp->mode == 0444 && sp->blob->len > 0 && sp->blob->data[sp->blob->len - 1] == '\n',
           "status.json ends in a newline");
        ok(sp && sp->mtime.tv_sec == 1700000200, "status.json mtime is the newest publication");

        ok(fsd_specs_find(&s, "device.pem") == &s.v[0], "find the first name");
        ok(fsd_specs_find(&s, "wifi.pem") == &s.v[s.n - 1], "find the last name");
        ok(!fsd_specs_find(&s, "wifi") && !fsd_specs_find(&s, "zzz.pem") && !fsd_specs_find(&s, ""),
           "names not in the table are not found");
}

static void test_refusals(void) {
        keyring_entry a = entry("wifi", 1, CHAIN_A, NULL, KEYRING_KEY_NONE, 0, 0);
        keyring_entry b = entry("wifi", 2, CHAIN_A, NULL, KEYRING_KEY_NONE, 0, 0);
        keyring_entry bad = entry("Bad.Name", 1, CHAIN_A, NULL, KEYRING_KEY_NONE, 0, 0);
        keyring_entry big = entry("big", 1, CHAIN_A, NULL, KEYRING_KEY_NONE, 0, 0);
        const keyring_entry *dup[] = { &a, &b }, *inv[] = { &bad }, *large[] = { &big };
        fsd_specs s = {};

        big.chain_len = KEYRING_MAX_CHAIN + 1;
        is_err(fsd_specs_build(dup, 2, NULL, &s), -EINVAL, "duplicate entry refused");
        is_err(fsd_specs_build(inv, 1, NULL, &s), -EINVAL, "invalid name refused");
        is_err(fsd_specs_build(large, 1, NULL, &s), -E2BIG, "oversized chain refused");
        is_ok(fsd_specs_build(NULL, 0, NULL, &s), "empty keyring builds");
        is_int(s.n, 1, "only status.json");
        fsd_specs_done(&s);
        ok(!fsd_specs_find(&s, "status.json"), "nothing found in an empty table");
}

int main(void) {
        test_status_json();
        test_layout();
        test_refusals();
        return tap_done();
}
