/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the deviceid-enrolld configuration parser
 * (enroll/enrolld-config.c) and its duration syntax: defaults, a full
 * file, empty account sections, and every refusal with the line it names.
 */
#include <stdlib.h>

#include "enroll/agent/enrolld-config.h"
#include "tests/unit/tap.h"

#define CA "[ca]\nurl = https://ca.example.org:8443\nroot = /etc/deviceid/root.pem\n"

static int parse(const char *text, enrolld_config **ret, char **err) {
        return enrolld_config_parse(text, strlen(text), ret, err);
}

static void test_minimal(void) {
        _cleanup_(enrolld_config_freep) enrolld_config *c = NULL;
        _cleanup_free_ char *err = NULL;

        if (!is_ok(parse(CA, &c, &err), "minimal config parses"))
                return;
        is_str(c->ca_url, "https://ca.example.org:8443", "url");
        is_str(c->ca_root, "/etc/deviceid/root.pem", "root");
        ok(!c->device_rsa, "ecc by default");
        is_int(c->n_accounts, 0, "no accounts");
        ok(c->renew_at == ENROLLD_DEFAULT_RENEW_AT, "default renew_at");
        is_int(c->retry_min, 5, "default retry_min");
        is_int(c->retry_max, 600, "default retry_max");
        is_int(c->check_interval, 60, "default check_interval");
        is_int(c->posture_pcrs, 0, "posture PCRs: the default");
}

static void test_posture(void) {
        _cleanup_(enrolld_config_freep) enrolld_config *c = NULL;

        if (!is_ok(parse(CA "[posture]\npcr_selection = sha256:0-3,7\n", &c, NULL), "[posture] parses"))
                return;
        is_int(c->posture_pcrs, 0x8f, "pcr_selection as a mask");
}

static void test_full(void) {
        static const char text[] = "# enrolld\n" CA
                                   "\n[device]\nkey_alg = rsa\n"
                                   "[account \"wifi\"]\n"
                                   "\n"
                                   "[account \"vpn\"]\n"
                                   "sub = alice\n"
                                   "sans = vpn.example.org , tpm\n"
                                   "key = tpm\n"
                                   "[account \"web\"]\n"
                                   "key = software\n"
                                   "[renewal]\n"
                                   "renew_at = 0.5\n"
                                   "retry_min = 2s\n"
                                   "retry_max = 1h30m\n"
                                   "check_interval = 90\n";
        _cleanup_(enrolld_config_freep) enrolld_config *c = NULL;
        _cleanup_free_ char *err = NULL;
        const sign_client_account *a;

        if (!is_ok(parse(text, &c, &err), "full config parses"))
                return;
        ok(c->device_rsa, "rsa");
        is_int(c->n_accounts, 3, "three accounts, the empty section included");
        is_str(c->accounts[0].name, "wifi", "file order: wifi first");
        is_str(c->accounts[0].sub, "wifi", "sub defaults to the name");
        is_int(c->accounts[0].n_sans, 0, "no SANs: the CA's default");
        ok(!c->accounts[0].tpm, "software key by default");
        a = enrolld_config_find_account(c, "vpn");
        if (ok(a, "vpn found")) {
                is_str(a->sub, "alice", "vpn sub");
                is_int(a->n_sans, 2, "two SANs");
                is_str(a->sans[0], "vpn.example.org", "SAN trimmed");
                is_str(a->sans[1], "tpm", "a SAN spelled tpm stays a SAN");
                ok(a->tpm, "tpm key");
        }
        ok(!enrolld_config_find_account(c, "nope"), "unknown account");
        ok(c->renew_at == 0.5, "renew_at");
        is_int(c->retry_min, 2, "retry_min");
        is_int(c->retry_max, 5400, "retry_max 1h30m");
        is_int(c->check_interval, 90, "plain seconds");
}

/* The duration syntax itself is tested in test-duration.c; here what
 * enrolld.conf adds: durations from 1s to ENROLLD_MAX_DURATION. */
static void test_roles(void) {
        _cleanup_(enrolld_config_freep) enrolld_config *c = NULL, *local = NULL, *forced = NULL;
        _cleanup_free_ char *err = NULL;
        static const char text[] = CA
                "[attestation-ca]\nurl = https://att.example.org/attestation\nroot = /etc/att.pem\n"
                "[acme]\ndirectory = https://acme.example.org/acme/agents/directory\nroot = /etc/acme.pem\n"
                "[account-ca]\nurl = https://step.example.org:9000\nroot = /etc/step.pem\n"
                "issuer = /etc/step-root.pem\nprovisioner = devices\nlist = no\n";

        ok(parse(CA, &c, &err) == 0 && enrolld_config_uses_account_list(c),
           "roles: [ca] alone asks the Account CA for the accounts");
        enrolld_config_free(TAKE_PTR(c));
        if (!is_ok(parse(text, &c, &err), "roles: every role elsewhere"))
                return;
        is_str(c->attest_url, "https://att.example.org/attestation", "roles: attestation url");
        is_str(c->acme_directory, "https://acme.example.org/acme/agents/directory", "roles: acme directory");
        is_str(c->account_url, "https://step.example.org:9000", "roles: account url");
        is_str(c->account_issuer, "/etc/step-root.pem", "roles: account issuer");
        is_str(c->account_provisioner, "devices", "roles: provisioner");
        ok(!enrolld_config_uses_account_list(c), "roles: list = no");
        ok(parse(CA "[account \"wifi\"]\n", &local, &err) == 0 && !enrolld_config_uses_account_list(local),
           "roles: local accounts: no list by default");
        ok(parse(CA "[account-ca]\nlist = yes\n[account \"wifi\"]\n", &forced, &err) == 0 &&
                   enrolld_config_uses_account_list(forced),
           "roles: list = yes with local accounts");
}

static void test_durations(void) {
        static const struct {
                const char *s;
                int r;
                uint64_t v;
        } v[] = {
                { "0", -EINVAL, 0 },  { "5", 0, 5 },          { "5s", 0, 5 },       { "10m", 0, 600 },
                { "1h30m", 0, 5400 }, { "2d", 0, 172800 },    { "7d", 0, 604800 },  { "1m30s", 0, 90 },
                { "8d", -EINVAL, 0 }, { "", -EINVAL, 0 },     { "s", -EINVAL, 0 },  { "5x", -EINVAL, 0 },
                { "1h5", -EINVAL, 0 }, { "-1", -EINVAL, 0 },  { "99999999999999999999", -EINVAL, 0 },
                { "5s 5s", -EINVAL, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                _cleanup_(enrolld_config_freep) enrolld_config *c = NULL;
                _cleanup_free_ char *text = NULL;
                int r;

                if (asprintf(&text, CA "[renewal]\ncheck_interval = %s\n", v[i].s) < 0)
                        return;
                r = parse(text, &c, NULL);
                is_int(r, v[i].r, v[i].s);
                if (r == 0)
                        is_int(c->check_interval, v[i].v, v[i].s);
        }
}

static void test_refused(const char *text, int want, const char *msg) {
        _cleanup_(enrolld_config_freep) enrolld_config *c = NULL;
        _cleanup_free_ char *err = NULL;
        int r = parse(text, &c, &err);

        is_int(r, want, msg);
        ok(!c, "no config on failure");
        if (!ok(err && strstr(err, msg), msg))
                printf("# got: %s\n", err ?: "(null)");
}

static void test_limits(void) {
        _cleanup_(enrolld_config_freep) enrolld_config *c = NULL;
        _cleanup_free_ char *err = NULL, *big = NULL;
        char text[] = CA "[renewal]\nrenew_at = 0.5\0\n";

        is_int(enrolld_config_parse(text, sizeof(text) - 1, &c, &err), -EBADMSG, "NUL refused");
        free(err);
        err = NULL;
        big = malloc(ENROLLD_CONFIG_MAX_SIZE + 2);
        if (!big)
                return;
        memset(big, '#', ENROLLD_CONFIG_MAX_SIZE + 1);
        big[ENROLLD_CONFIG_MAX_SIZE + 1] = 0;
        is_int(enrolld_config_parse(big, ENROLLD_CONFIG_MAX_SIZE + 1, &c, &err), -E2BIG, "size limit");
}

static void test_too_many_accounts(void) {
        char text[4096] = CA;

        for (int i = 0; i <= ENROLLD_CONFIG_MAX_ACCOUNTS; i++)
                snprintf(text + strlen(text), sizeof(text) - strlen(text), "[account \"a%d\"]\n", i);
        test_refused(text, -E2BIG, "more than 16 accounts");
}

int main(void) {
        test_minimal();
        test_posture();
        test_full();
        test_roles();
        test_durations();
        test_limits();
        test_too_many_accounts();
        test_refused("", -EINVAL, "[ca] needs url= and root=");
        test_refused("[ca]\nurl = https://x\n", -EINVAL, "[ca] needs url= and root=");
        test_refused("[ca]\nurl = http://x\nroot = r\n", -EINVAL, "line 2: url=");
        test_refused("[ca]\nurl = https://x/path\nroot = r\n", -EINVAL, "not https://HOST[:PORT]");
        test_refused(CA "url = https://y\n", -EINVAL, "line 4: duplicate key \"url\"");
        test_refused(CA "[device]\nkey_alg = dsa\n", -EINVAL, "line 5: key_alg=\"dsa\"");
        test_refused(CA "[renewal]\nrenew_at = 0.05\n", -EINVAL, "line 5: renew_at=\"0.05\" is not a fraction");
        test_refused(CA "[renewal]\nrenew_at = 0.96\n", -EINVAL, "renew_at");
        test_refused(CA "[renewal]\nrenew_at = 1e-1\n", -EINVAL, "not a decimal fraction");
        test_refused(CA "[renewal]\nretry_min = 0s\n", -EINVAL, "retry_min=\"0s\"");
        test_refused(CA "[renewal]\nretry_min = 10m\nretry_max = 1m\n", -EINVAL, "retry_min (600s) is above retry_max");
        test_refused(CA "[renewal]\ncheck_interval = 8d\n", -EINVAL, "check_interval");
        test_refused(CA "[renewal]\njitter = 1\n", -EINVAL, "unknown key \"jitter\" in [renewal]");
        test_refused(CA "[posture]\npcr_selection = 0-24\n", -EINVAL, "line 5: pcr_selection=\"0-24\"");
        test_refused(CA "[posture]\npcr_selection = sha1:0-7\n", -EINVAL, "only the sha256 bank");
        test_refused(CA "[posture]\npcrs = 0-7\n", -EINVAL, "unknown key \"pcrs\" in [posture]");
        test_refused(CA "[account \"Wifi\"]\n", -EINVAL, "line 4: invalid account name \"Wifi\"");
        test_refused(CA "[account \"device\"]\n", -EINVAL, "invalid account name \"device\"");
        test_refused(CA "[account wifi]\n", -EINVAL, "line 4: unknown section [account wifi]");
        test_refused(CA "[account \"w]\n", -EINVAL, "bad section");
        test_refused(CA "[account \"w\"]\nkey = hsm\n", -EINVAL, "line 5: key=\"hsm\"");
        test_refused(CA "[account \"w\"]\nsans = a,,b\n", -EINVAL, "sans=\"a,,b\"");
        test_refused(CA "[account \"w\"]\nsans = a b\n", -EINVAL, "not a comma-separated list");
        test_refused(CA "[account \"w\"]\nsub = a:b\n", -EINVAL, "sub=\"a:b\"");
        test_refused(CA "[account \"w\"]\nsub = a\n[account \"w\"]\nsub = b\n", -EINVAL,
                     "line 7: duplicate key \"sub\" for account \"w\"");
        test_refused(CA "[account \"w\"]\ncn = a\n", -EINVAL, "unknown key \"cn\"");
        test_refused(CA "[other]\na = 1\n", -EINVAL, "unknown section [other]");
        test_refused("a = 1\n" CA, -EINVAL, "outside of a section");
        test_refused("[ca\nurl = x\n", -EINVAL, "line 1");
        test_refused(CA "[account-ca]\nurl = https://x/path\n", -EINVAL, "line 5: url=");
        test_refused(CA "[account-ca]\nlist = maybe\n", -EINVAL, "list=\"maybe\"");
        test_refused(CA "[account-ca]\nprovisioner = a b\n", -EINVAL, "provisioner=");
        test_refused(CA "[account-ca]\nissuer =\n", -EINVAL, "issuer= wants the path");
        test_refused(CA "[attestation-ca]\nurl = http://x/attestation\n", -EINVAL, "not an https:// URL");
        test_refused(CA "[acme]\ndirectory = https://x/dir?q\n", -EINVAL, "directory=");
        return tap_done();
}
