/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the CA's posture parts (ca/posture/, ca/inventory/
 * posture-store.h): [posture] sections of ca.conf, the pcr_file parser,
 * kernel versions, and the store on either backend: the baseline taken
 * once, the history kept to its length, accept, the JSON of `device
 * show`, and a failed report under on_failure = revoke revoking the
 * device's account certificates.
 */
#include <fcntl.h>

#include "ca/core/cert-build.h"
#include "ca/core/certificates.h"
#include "ca/inventory/devices.h"
#include "ca/inventory/posture-store.h"
#include "ca/posture/posture-check.h"
#include "ca/posture/posture-policy.h"
#include "posture.h"
#include "tests/unit/ca/ca-test.h"
#include "tests/unit/tap.h"

static char tmpdir[] = "/tmp/test-posture-ca-XXXXXX";

static const char conf_head[] =
        "[server]\nlisten = 127.0.0.1:8443\ndns_names = localhost\n"
        "[provisioner \"devices\"]\ntype = x5c\n";

static int load(const char *sections, posture_policies **ret, char **err) {
        _cleanup_(ca_config_freep) ca_config *c = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        if (asprintf(&text, "%s%s", conf_head, sections) < 0)
                abort();
        r = ca_config_parse(text, strlen(text), &c, err);
        if (r < 0)
                return r;
        return posture_policies_load(AT_FDCWD, c, ret, err);
}

static void test_policies(void) {
        _cleanup_(posture_policies_freep) posture_policies *p = NULL;
        const posture_policy *pol;
        char *err = NULL;

        is_ok(load("[posture \"devices\"]\npcrs = enrolled\npcr_selection = sha256:0-7,14\nsecure_boot = required\n"
                   "min_kernel = 6.1\non_failure = revoke\n[posture \"wifi\"]\n",
                   &p, &err),
              "policies: two sections");
        pol = posture_policy_find(p, "devices");
        ok(pol && pol->pcrs == POSTURE_PCRS_ENROLLED && pol->mask == 0x40ff && pol->secure_boot &&
                   !pol->disk_encryption && streq_ptr(pol->min_kernel, "6.1") && pol->revoke,
           "policies: the keys of devices");
        pol = posture_policy_find(p, "wifi");
        ok(pol && pol->pcrs == POSTURE_PCRS_NONE && pol->mask == 0xff && !pol->revoke, "policies: defaults");
        ok(!posture_policy_find(p, "vpn"), "policies: no section, no policy");

        static const char *const bad[][2] = {
                { "[posture \"devices\"]\npcrs = maybe\n", "pcrs" },
                { "[posture \"devices\"]\npcrs = file\n", "pcr_file" },
                { "[posture \"devices\"]\npcr_file = x\n", "pcr_file" },
                { "[posture \"devices\"]\npcr_selection = 0-24\n", "pcr_selection" },
                { "[posture \"devices\"]\npcr_selection = sha1:0-7\n", "sha256" },
                { "[posture \"devices\"]\nsecure_boot = please\n", "secure_boot" },
                { "[posture \"devices\"]\nmin_kernel = latest\n", "min_kernel" },
                { "[posture \"devices\"]\non_failure = shrug\n", "on_failure" },
                { "[posture \"devices\"]\ncolour = red\n", "colour" },
                { "[posture \"devices\"]\npcrs = file\npcr_file = /nonexistent/pcrs\n", "nonexistent" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(posture_policies_freep) posture_policies *q = NULL;

                free(err), err = NULL;
                ok(load(bad[i][0], &q, &err) < 0 && err && strstr(err, bad[i][1]), bad[i][0]);
        }
        free(err);
}

static void test_pcr_file(void) {
        posture_pcr_allowed a;
        const char *why = NULL;
        char text[1024], v1[65], v2[65];

        memset(v1, 'a', 64), v1[64] = '\0';
        memset(v2, '0', 64), v2[64] = '\0';
        snprintf(text, sizeof(text), "# allowed\n0 = %s\n\n1=%s, %s\r\n", v1, v1, v2);
        is_ok(posture_pcr_file_parse(text, strlen(text), TPM2_ALG_SHA256, 0x3, &a, &why), "pcr_file: parses");
        ok(a.n[0] == 1 && a.n[1] == 2 && a.v[0][0][0] == 0xaa && a.v[1][1][31] == 0, "pcr_file: values");
        is_err(posture_pcr_file_parse(text, strlen(text), TPM2_ALG_SHA256, 0x7, &a, &why), -EINVAL,
               "pcr_file: a PCR of the selection missing");
        is_err(posture_pcr_file_parse(text, strlen(text), TPM2_ALG_SHA256, 0x1, &a, &why), -EINVAL,
               "pcr_file: a PCR outside the selection");
        snprintf(text, sizeof(text), "0 = %.62s\n", v1);
        is_err(posture_pcr_file_parse(text, strlen(text), TPM2_ALG_SHA256, 0x1, &a, &why), -EINVAL,
               "pcr_file: a short value");
        snprintf(text, sizeof(text), "0 = %s;\n", v1);
        is_err(posture_pcr_file_parse(text, strlen(text), TPM2_ALG_SHA256, 0x1, &a, &why), -EINVAL,
               "pcr_file: a bad separator");
        snprintf(text, sizeof(text), "24 = %s\n", v1);
        is_err(posture_pcr_file_parse(text, strlen(text), TPM2_ALG_SHA256, 0x1, &a, &why), -EINVAL,
               "pcr_file: PCR 24");
}

static void test_kernel(void) {
        ok(posture_kernel_compare("6.1.0-18-amd64", "6.1") > 0, "kernel: 6.1.0-18 is past 6.1");
        ok(posture_kernel_compare("6.1", "6.1") == 0, "kernel: equal");
        ok(posture_kernel_compare("5.10.0-28-amd64", "6.1") < 0, "kernel: 5.10 before 6.1");
        ok(posture_kernel_compare("6.10", "6.9.12") > 0, "kernel: numeric, not textual");
        ok(posture_kernel_compare("", "1") < 0, "kernel: nothing before anything");
}

static const char pcrs_a[] = "{\"sha256\":{\"0\":\"00\"}}", pcrs_b[] = "{\"sha256\":{\"0\":\"11\"}}";

static void test_store(store *st) {
        _cleanup_(device_done) device d = { .ek_uri = strdup("urn:ek:sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
                                            .name = strdup("laptop1") };
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ char *base = NULL;
        json_object *reports = NULL, *b = NULL;
        time_t at = 0;

        is_ok(posture_store_migrate(st), "store: schema");
        is_ok(devices_add(st, &d), "store: a device");
        is_err(posture_store_baseline(st, d.id, &base, &at), -ENOENT, "store: no baseline yet");
        is_err(posture_store_accept(st, d.id, 100), -ENOENT, "store: nothing to accept yet");
        is_int(posture_store_baseline_init(st, d.id, pcrs_a, 100), 1, "store: baseline taken");
        is_int(posture_store_baseline_init(st, d.id, pcrs_b, 101), 0, "store: taken once only");
        is_ok(posture_store_baseline(st, d.id, &base, &at), "store: read the baseline");
        is_str(base, pcrs_a, "store: the first values");
        is_int(at, 100, "store: when");
        for (int i = 0; i < POSTURE_HISTORY + 2; i++)
                is_ok(posture_store_report_add(st, d.id, 200 + i, "wifi", i % 2 == 0, "[]", "{\"os\":\"debian\"}",
                                               i == POSTURE_HISTORY + 1 ? pcrs_b : pcrs_a, NULL, 0),
                      "store: a report");
        is_ok(posture_store_accept(st, d.id, 300), "store: accept");
        free(base), base = NULL;
        is_ok(posture_store_baseline(st, d.id, &base, &at), "store: read the baseline again");
        is_str(base, pcrs_b, "store: the newest report's values");
        is_int(at, 300, "store: accepted then");
        is_ok(posture_store_to_json(st, d.id, &o), "store: JSON");
        ok(json_object_object_get_ex(o, "reports", &reports) &&
                   json_object_array_length(reports) == POSTURE_HISTORY,
           "store: the history is kept to its length");
        {
                json_object *first = json_object_array_get_idx(reports, 0), *v = NULL;

                ok(json_object_object_get_ex(first, "at", &v) && json_object_get_int64(v) == 200 + POSTURE_HISTORY + 1,
                   "store: newest first");
                ok(json_object_object_get_ex(first, "facts", &v) && json_object_is_type(v, json_type_object),
                   "store: facts as JSON");
        }
        ok(json_object_object_get_ex(o, "baseline", &b) && b, "store: a baseline in the JSON");
}

static int64_t count_eventlogs(store *st) {
        _cleanup_(store_stmt_freep) store_stmt *q = NULL;

        if (store_prepare(st, "SELECT COUNT(*) FROM posture_eventlogs", &q) < 0 || store_step(q) <= 0)
                return -1;
        return store_column_int64(q, 0);
}

/* Event logs: once per device and distinct digest, named by the reports,
 * dropped with the last report that names them. */
static void test_store_eventlogs(store *st) {
        _cleanup_(device_done) device d = { .ek_uri = strdup("urn:ek:sha256:CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC="),
                                            .name = strdup("laptop3") };
        /* SHA-256 of 01 02 03 04 and of 01 02 03 05 */
        static const char a_hex[] = "9f64a747e1b97f131fabb6b447296c9b6f0201e79fb3c5356e6c77e89b6a806a";
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ uint8_t *back = NULL;
        json_object *reports = NULL, *l = NULL, *v = NULL;
        size_t len = 0;

        is_ok(devices_add(st, &d), "eventlogs: a device");
        for (int i = 0; i < 3; i++)
                is_ok(posture_store_report_add(st, d.id, 500 + i, "wifi", true, "[]", NULL, pcrs_a,
                                               (const uint8_t *) "\x01\x02\x03\x04", 4),
                      "eventlogs: a report with log A");
        is_int(count_eventlogs(st), 1, "eventlogs: stored once for three reports");
        is_ok(posture_store_eventlog(st, d.id, a_hex, &back, &len), "eventlogs: read back by digest");
        is_mem(back, len, "\x01\x02\x03\x04", 4, "eventlogs: its bytes");
        is_ok(posture_store_to_json(st, d.id, &o), "eventlogs: JSON");
        ok(json_object_object_get_ex(o, "reports", &reports) &&
                   json_object_object_get_ex(json_object_array_get_idx(reports, 0), "eventlog", &l) &&
                   json_object_object_get_ex(l, "sha256", &v) && streq(json_object_get_string(v), a_hex) &&
                   json_object_object_get_ex(l, "size", &v) && json_object_get_int64(v) == 4 &&
                   json_object_object_get_ex(l, "firstSeen", &v) && json_object_get_int64(v) == 500,
           "eventlogs: a report names its log with size and first sight");
        for (int i = 0; i < POSTURE_HISTORY; i++)
                is_ok(posture_store_report_add(st, d.id, 600 + i, "wifi", true, "[]", NULL, pcrs_a,
                                               (const uint8_t *) "\x01\x02\x03\x05", 4),
                      "eventlogs: a report with log B");
        is_int(count_eventlogs(st), 1, "eventlogs: A left with its last report");
        free(back), back = NULL;
        is_err(posture_store_eventlog(st, d.id, a_hex, &back, &len), -ENOENT, "eventlogs: A is gone");
}

/* A request without a report under on_failure = revoke: refused, recorded,
 * and the device's account certificates revoked (not its device
 * certificate). */
static void test_revoke(store *st) {
        _cleanup_(posture_policies_freep) posture_policies *p = NULL;
        _cleanup_(device_done) device d = { .ek_uri = strdup("urn:ek:sha256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=") };
        _cleanup_x509_ X509 *cert = NULL;
        _cleanup_pkey_ EVP_PKEY *k = NULL;
        cert_profile prof = { .lifetime = 3600, .key_usage = CERT_KU_DIGITAL_SIGNATURE };
        ca_anchors none = {};
        posture_token tok = { .jti = "j", .iat = 1, .exp = 2 };
        posture_verdict v = {};
        ca_refusal ref = {};
        issued_info i = {};
        char *err = NULL;

        is_ok(certificates_store_migrate(st), "revoke: certificates schema");
        is_ok(load("[posture \"devices\"]\npcrs = enrolled\non_failure = revoke\n", &p, &err), "revoke: policy");
        is_ok(devices_add(st, &d), "revoke: a device");
        crypto_key_generate(CRYPTO_KEY_EC_P256, &k);
        is_ok(cert_create(NULL, k, k, "x", NULL, 0, &prof, &cert), "revoke: a certificate to record");
        is_ok(certificates_record(st, CA_ACCOUNT, cert, "b1", d.id, "x5c/wifi", "wifi"), "revoke: an account certificate");
        is_ok(certificates_record(st, CA_ACCOUNT, cert, "b2", d.id, "x5c/devices", "web"), "revoke: another");
        is_ok(certificates_record(st, CA_AGENT, cert, "b3", d.id, NULL, NULL), "revoke: the device certificate");
        is_ok(posture_evaluate(st, &none, posture_policy_find(p, "devices"), &tok, "devices", d.id, d.ek_uri, 500, &v),
              "revoke: evaluated");
        ok(!v.passed && v.n == 1 && streq(v.checks[0].name, "report"), "revoke: failed on the missing report");
        is_int(v.revoked, 2, "revoke: both account certificates revoked");
        is_err(posture_refuse(&v, "devices", &ref), -EPERM, "revoke: refusal");
        is_int(ref.status, 403, "revoke: 403");
        is_str(ref.type, CA_PROBLEM_POSTURE, "revoke: the posture problem type");
        is_str(ref.type, POSTURE_PROBLEM_TYPE, "revoke: the type the agent knows");
        ok(strstr(ref.message, "report (the token carries no posture report)") &&
                   strstr(ref.message, "2 certificate(s) revoked"),
           ref.message);
        is_ok(certificates_lookup(st, "b1", &i), "revoke: look up");
        ok(i.revoked && i.reason == 9, "revoke: privilegeWithdrawn");
        issued_info_done(&i);
        is_ok(certificates_lookup(st, "b3", &i), "revoke: the device certificate");
        ok(!i.revoked, "revoke: stays valid");
        issued_info_done(&i);
}

int main(void) {
        test_policies();
        test_pcr_file();
        test_kernel();
        {
                _cleanup_(store_closep) store *st = NULL;

                if (ca_test_store_open(tmpdir, &st) < 0)
                        return tap_done();
                is_ok(devices_store_migrate(st), "devices schema");
                test_store(st);
                test_store_eventlogs(st);
                test_revoke(st);
                store_close(TAKE_PTR(st));
                ca_test_dir_remove(tmpdir);
        }
        return tap_done();
}
