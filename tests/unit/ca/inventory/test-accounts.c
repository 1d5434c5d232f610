/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of accounts (ca/inventory/account-template.h, accounts.h):
 * names and tags, template expansion and the checks at save, building an
 * account from what an administrator wrote, targeting by tags, and the
 * store: tags, accounts for a device, revocation on removal and untagging.
 */
#include "ca/core/cert-build.h"
#include "ca/core/certificates.h"
#include "ca/inventory/accounts.h"
#include "tests/unit/ca/ca-test.h"
#include "tests/unit/tap.h"

static char tmpdir[] = "/tmp/test-accounts-XXXXXX";

static const account_vars dev_vars = {
        .name = "laptop1", .serial = "SN 42", .owner = "alice",
        .ek_uri = "urn:ek:sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", .id = 12,
};

static void expect(const char *tpl, account_template_kind k, const char *want) {
        _cleanup_free_ char *out = NULL;
        const char *why = NULL;
        int r = account_template_expand(tpl, k, &dev_vars, &out, &why);

        if (want)
                ok(r == 0 && streq_ptr(out, want), tpl);
        else
                ok(r == -EINVAL && why, tpl);
}

static void test_names(void) {
        ok(account_name_is_valid("wifi") && account_name_is_valid("vpn-2") && account_name_is_valid("0_a"),
           "names: lower-case names");
        ok(!account_name_is_valid("Wifi") && !account_name_is_valid("-a") && !account_name_is_valid("") &&
                   !account_name_is_valid("a.b") && !account_name_is_valid(NULL),
           "names: upper case, leading dash, empty, dots refused");
        ok(!account_name_is_valid("device") && !account_name_is_valid("roots"), "names: the agent's own names refused");
        ok(account_name_is_valid("a23456789012345678901234567890123456789012345678901234567890123") &&
                   !account_name_is_valid("a234567890123456789012345678901234567890123456789012345678901234"),
           "names: at most 63 bytes");
        ok(account_tag_is_valid("lab.2") && account_tag_is_valid("x_y-z") && !account_tag_is_valid("Lab") &&
                   !account_tag_is_valid("lab 2") && !account_tag_is_valid("") &&
                   !account_tag_is_valid("a23456789012345678901234567890123"),
           "tags: as device tags: a-z 0-9 _ . -, 1 to 32 bytes");
}

static void test_templates(void) {
        expect("{name}.wifi.example.org", ACCOUNT_TEMPLATE_SAN, "laptop1.wifi.example.org");
        expect("{owner}@example.org", ACCOUNT_TEMPLATE_SAN, "alice@example.org");
        expect("{ek_uri}", ACCOUNT_TEMPLATE_SAN, dev_vars.ek_uri);
        expect("spiffe://example.org/dev/{id}", ACCOUNT_TEMPLATE_SAN, "spiffe://example.org/dev/12");
        expect("Wi-Fi {name} ({serial})", ACCOUNT_TEMPLATE_SUBJECT, "Wi-Fi laptop1 (SN 42)");
        expect("plain", ACCOUNT_TEMPLATE_SUBJECT, "plain");
        expect("{serial}.example.org", ACCOUNT_TEMPLATE_SAN, NULL);  /* a blank in a DNS name */
        expect("{name", ACCOUNT_TEMPLATE_SUBJECT, NULL);
        expect("name}", ACCOUNT_TEMPLATE_SUBJECT, NULL);
        expect("{nmae}", ACCOUNT_TEMPLATE_SUBJECT, NULL);
        expect("", ACCOUNT_TEMPLATE_SUBJECT, NULL);
        expect("a\tb", ACCOUNT_TEMPLATE_SUBJECT, NULL);
        expect("{ek_uri} {ek_uri}", ACCOUNT_TEMPLATE_SUBJECT, NULL); /* over 64 bytes */

        {
                account_vars none = { .ek_uri = dev_vars.ek_uri, .id = 3 };
                _cleanup_free_ char *out = NULL;
                const char *why = NULL;

                is_err(account_template_expand("{owner}", ACCOUNT_TEMPLATE_SUBJECT, &none, &out, &why), -EINVAL,
                       "templates: an unset variable fails, never an empty name");
                ok(why && strstr(why, "no value"), "templates: and says so");
        }
        is_ok(account_template_check("{name}.example.org", ACCOUNT_TEMPLATE_SAN, NULL), "check: a DNS template");
        is_err(account_template_check("{name}..example.org", ACCOUNT_TEMPLATE_SAN, NULL), -EINVAL,
               "check: an empty label refused at save");
        is_err(account_template_check("@{name}", ACCOUNT_TEMPLATE_SAN, NULL), -EINVAL,
               "check: an email without a local part refused at save");
        is_err(account_template_check("-{name}.example.org:", ACCOUNT_TEMPLATE_SAN, NULL), -EINVAL,
               "check: a URI without a scheme refused at save");
}

static void test_build(void) {
        ca_provisioner prov = { .name = (char *) "devices", .type = (char *) "x5c" };
        ca_config cfg = { .lifetime_account = 12 * 3600, .provisioners = &prov, .n_provisioners = 1 };
        char *sans[] = { (char *) "{name}.example.org" }, *devs[] = { (char *) "tag:lab", (char *) "tag:office" },
             *all_and_tag[] = { (char *) "all", (char *) "tag:lab" }, *bad_target[] = { (char *) "lab" };
        _cleanup_(account_done) account a = {};
        account b = {};
        char *why = NULL;

        is_ok(account_build("wifi", NULL, sans, 1, NULL, NULL, NULL, 0, &cfg, &a, &why), "build: defaults");
        ok(streq_ptr(a.sub, "wifi") && a.lifetime == 12 * 3600 && a.key == ACCOUNT_KEY_SOFTWARE && a.n_tags == 0,
           "build: subject = name, lifetime = the CA's maximum under 24h, software key, every device");
        ok(account_targets(&a, NULL), "targets: every device");
        account_done(&a);
        is_ok(account_build("vpn", "{name}", NULL, 0, "2h", "tpm", devs, 2, &cfg, &a, &why), "build: tags");
        ok(a.n_tags == 2 && a.key == ACCOUNT_KEY_TPM && a.lifetime == 7200, "build: tags, tpm, 2h");
        ok(account_targets(&a, ",home,lab,") && account_targets(&a, ",office,") && !account_targets(&a, ",home,") &&
                   !account_targets(&a, ",lab2,xlab,") && !account_targets(&a, NULL),
           "targets: by whole tag only");

        is_err(account_build("devices", NULL, NULL, 0, NULL, NULL, NULL, 0, &cfg, &b, &why), -EINVAL,
               "build: a provisioner's name refused");
        ok(why && strstr(why, "provisioner"), "build: and says so");
        free(why), why = NULL;
        is_err(account_build("x", NULL, NULL, 0, "13h", NULL, NULL, 0, &cfg, &b, &why), -EINVAL,
               "build: a lifetime over the maximum refused");
        free(why), why = NULL;
        is_err(account_build("x", NULL, NULL, 0, NULL, NULL, all_and_tag, 2, &cfg, &b, &why), -EINVAL,
               "build: all with tags refused");
        free(why), why = NULL;
        is_err(account_build("x", NULL, NULL, 0, NULL, NULL, bad_target, 1, &cfg, &b, &why), -EINVAL,
               "build: a target without tag: refused");
        free(why), why = NULL;
        is_err(account_build("x", "{bogus}", NULL, 0, NULL, NULL, NULL, 0, &cfg, &b, &why), -EINVAL,
               "build: a bad subject template refused");
        ok(why && strstr(why, "{bogus}"), "build: naming the template");
        is_str(account_why_field(why), "sub", "field: a subject template's reason is about sub");
        free(why), why = NULL;
        is_err(account_build("Bad", NULL, NULL, 0, NULL, NULL, NULL, 0, &cfg, &b, &why), -EINVAL, "build: a bad name");
        is_str(account_why_field(why), "name", "field: name");
        free(why), why = NULL;
        is_err(account_build("x", NULL, NULL, 0, "soon", NULL, NULL, 0, &cfg, &b, &why), -EINVAL, "build: a bad lifetime");
        is_str(account_why_field(why), "lifetime", "field: lifetime");
        free(why), why = NULL;
        is_err(account_build("x", NULL, NULL, 0, NULL, "hsm", NULL, 0, &cfg, &b, &why), -EINVAL, "build: a bad key");
        is_str(account_why_field(why), "key", "field: key");
        free(why), why = NULL;
        is_err(account_build("x", NULL, NULL, 0, NULL, NULL, bad_target, 1, &cfg, &b, &why), -EINVAL, "build: a bad target");
        is_str(account_why_field(why), "devices", "field: devices");
        free(why), why = NULL;
        is_str(account_why_field("account \"x\", SAN template \"{owner}\", device 3: no owner"), "sans",
               "field: a SAN a device cannot fill in");
        ok(account_why_field("database on fire") == NULL, "field: none for anything else");
}

static void test_store(store *st) {
        ca_config cfg = { .lifetime_account = 86400 };
        char *lab[] = { (char *) "tag:lab" }, *tag[] = { (char *) "lab" }, *owner_san[] = { (char *) "{owner}@example.org" };
        _cleanup_(account_done) account vpn = {}, wifi = {}, bad = {};
        _cleanup_(device_done) device d = { .ek_uri = strdup(dev_vars.ek_uri), .name = strdup("laptop1") };
        account *v = NULL;
        size_t n = 0;
        char *why = NULL;
        _cleanup_x509_ X509 *cert = NULL;

        is_ok(accounts_store_migrate(st), "store: schema");
        is_ok(devices_add(st, &d), "store: a device");
        is_ok(account_build("vpn", NULL, NULL, 0, NULL, NULL, lab, 1, &cfg, &vpn, &why), "store: vpn built");
        is_ok(account_build("wifi", "{name}", NULL, 0, NULL, NULL, NULL, 0, &cfg, &wifi, &why), "store: wifi built");
        is_ok(accounts_add(st, &vpn, &why), "store: vpn added");
        is_ok(accounts_add(st, &wifi, &why), "store: wifi added");
        is_err(accounts_add(st, &wifi, &why), -EEXIST, "store: a duplicate refused");
        is_ok(account_build("mail", NULL, owner_san, 1, NULL, NULL, NULL, 0, &cfg, &bad, &why), "store: mail built");
        is_err(accounts_add(st, &bad, &why), -EINVAL, "store: a template the device cannot fill refused at save");
        ok(why && strstr(why, "device"), "store: naming the device");
        free(why), why = NULL;

        is_ok(accounts_for_device(st, &d, &v, &n), "store: accounts of an untagged device");
        ok(n == 1 && streq(v[0].name, "wifi"), "store: wifi only");
        for (size_t i = 0; i < n; i++)
                account_done(&v[i]);
        free(v);
        is_int(accounts_device_change_tags(st, d.id, true, tag, 1, NULL), 0, "store: tagged lab");
        device_done(&d);
        is_ok(devices_get(st, 1, &d), "store: the device again");
        is_str(d.tags, ",lab,", "store: its tags");
        is_ok(accounts_for_device(st, &d, &v, &n), "store: accounts of a lab device");
        ok(n == 2 && streq(v[0].name, "vpn") && streq(v[1].name, "wifi"), "store: vpn and wifi");
        for (size_t i = 0; i < n; i++)
                account_done(&v[i]);
        free(v);

        /* A vpn certificate of the device, revoked by untagging. */
        {
                _cleanup_pkey_ EVP_PKEY *k = NULL;
                cert_profile p = { .lifetime = 3600, .key_usage = CERT_KU_DIGITAL_SIGNATURE };

                crypto_key_generate(CRYPTO_KEY_EC_P256, &k);
                is_ok(cert_create(NULL, k, k, "vpn", NULL, 0, &p, &cert), "store: a certificate to record");
        }
        is_ok(certificates_record(st, CA_ACCOUNT, cert, "a1", d.id, "x5c/vpn", "vpn"), "store: a vpn certificate");
        is_ok(certificates_record(st, CA_ACCOUNT, cert, "a2", d.id, "x5c/wifi", "wifi"), "store: a wifi certificate");
        is_int(accounts_device_change_tags(st, d.id, false, tag, 1, NULL), 1, "store: untagging revokes the vpn certificate");
        {
                issued_info i = {};
                is_ok(certificates_lookup(st, "a1", &i), "store: look it up");
                ok(i.revoked && i.reason == CRL_REASON_AFFILIATION_CHANGED, "store: revoked, affiliationChanged");
                issued_info_done(&i);
        }

        /* Edits: a lifetime alone revokes nothing; a template a device
         * cannot fill is refused as at save; an unknown account. */
        {
                _cleanup_(account_done) account w2 = {}, w3 = {}, got = {}, nope = {};

                is_ok(account_build("wifi", "{name}", NULL, 0, "2h", NULL, NULL, 0, &cfg, &w2, &why), "edit: wifi 2h built");
                is_int(accounts_update(st, &w2, &why), 0, "edit: a new lifetime revokes nothing");
                is_ok(accounts_get(st, "wifi", &got), "edit: read back");
                ok(got.lifetime == 7200 && streq(got.sub, "{name}"), "edit: the new lifetime stored");
                is_ok(account_build("wifi", NULL, owner_san, 1, NULL, NULL, NULL, 0, &cfg, &w3, &why), "edit: wifi with {owner}");
                is_err(accounts_update(st, &w3, &why), -EINVAL, "edit: a template the device cannot fill refused");
                is_str(account_why_field(why), "sans", "edit: at the SANs");
                free(why), why = NULL;
                is_ok(account_build("nope", NULL, NULL, 0, NULL, NULL, NULL, 0, &cfg, &nope, &why), "edit: nope built");
                is_err(accounts_update(st, &nope, &why), -ENOENT, "edit: an unknown account");
        }
        is_int(accounts_remove(st, "wifi"), 1, "store: removing wifi revokes its certificate");
        is_err(accounts_remove(st, "wifi"), -ENOENT, "store: removing it again: -ENOENT");
        is_err(accounts_get(st, "wifi", &bad), -ENOENT, "store: gone");

        /* New names supersede what was issued; a narrower target revokes
         * the devices it leaves. */
        is_int(accounts_device_change_tags(st, d.id, true, tag, 1, NULL), 0, "edit: tagged lab again");
        is_ok(certificates_record(st, CA_ACCOUNT, cert, "a3", d.id, "x5c/vpn", "vpn"), "edit: a vpn certificate");
        {
                char *office[] = { (char *) "tag:office" };
                _cleanup_(account_done) account v2 = {}, v3 = {};
                issued_info i = {};

                is_ok(account_build("vpn", "vpn-{name}", NULL, 0, NULL, NULL, lab, 1, &cfg, &v2, &why), "edit: vpn renamed");
                is_int(accounts_update(st, &v2, &why), 1, "edit: a new subject revokes the vpn certificate");
                is_ok(certificates_lookup(st, "a3", &i), "edit: look it up");
                ok(i.revoked && i.reason == CRL_REASON_SUPERSEDED, "edit: revoked, superseded");
                issued_info_done(&i);
                is_ok(certificates_record(st, CA_ACCOUNT, cert, "a4", d.id, "x5c/vpn", "vpn"), "edit: another one");
                is_ok(account_build("vpn", "vpn-{name}", NULL, 0, NULL, NULL, office, 1, &cfg, &v3, &why), "edit: vpn for office");
                is_int(accounts_update(st, &v3, &why), 1, "edit: no longer targeting lab revokes it");
                i = (issued_info) {};
                is_ok(certificates_lookup(st, "a4", &i), "edit: look it up");
                ok(i.revoked && i.reason == CRL_REASON_AFFILIATION_CHANGED, "edit: revoked, affiliationChanged");
                issued_info_done(&i);
        }
}

int main(void) {
        test_names();
        test_templates();
        test_build();
        {
                _cleanup_(store_closep) store *st = NULL;

                if (ca_test_store_open(tmpdir, &st) < 0)
                        return tap_done();
                is_ok(certificates_store_migrate(st), "certificates schema");
                is_ok(devices_store_migrate(st), "devices schema");
                test_store(st);
                store_close(TAKE_PTR(st));
                ca_test_dir_remove(tmpdir);
        }
        return tap_done();
}
