/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the deviceid-fsd configuration parser (fsd/config.c):
 * defaults, a full file, and every refusal, with its message.
 */
#include "fsd/config.h"
#include "tests/unit/tap.h"

static int parse(const char *text, fsd_config **ret, char **err) {
        return fsd_config_parse(text, strlen(text), ret, err);
}

static void test_defaults(void) {
        _cleanup_(fsd_config_freep) fsd_config *c = NULL;
        _cleanup_free_ char *err = NULL;

        is_ok(parse("", &c, &err), "empty config parses");
        is_int(c->n_accounts, 0, "no accounts");
        is_int(c->poll_interval_sec, FSD_DEFAULT_POLL_SEC, "default poll interval");
        ok(!fsd_config_find_account(c, "wifi"), "unknown account not found");
}

static void test_full(void) {
        static const char text[] = "# deviceid-fsd\n"
                                   "[fsd]\n"
                                   "PollIntervalSec = 7\n"
                                   "\n"
                                   "[account:wifi]\n"
                                   "User=101\n"
                                   "Group=102\n"
                                   "Mode=0440\n"
                                   "CertMode=0440\n"
                                   "[account:vpn]\n"
                                   "User=openvpn\n"
                                   "Mode=400\n"
                                   "[account:web]\n"
                                   "Mode=0\n";
        _cleanup_(fsd_config_freep) fsd_config *c = NULL;
        _cleanup_free_ char *err = NULL;
        const fsd_account_config *a;

        is_ok(parse(text, &c, &err), "full config parses");
        is_int(c->poll_interval_sec, 7, "PollIntervalSec");
        is_int(c->n_accounts, 3, "three accounts");
        is_str(c->accounts[0].name, "vpn", "accounts sorted (vpn first)");
        a = fsd_config_find_account(c, "wifi");
        ok(a, "wifi found");
        if (a) {
                is_int(a->uid, 101, "wifi uid");
                is_int(a->gid, 102, "wifi gid");
                is_int(a->key_mode, 0440, "wifi key mode");
                is_int(a->cert_mode, 0440, "wifi cert mode");
        }
        a = fsd_config_find_account(c, "vpn");
        ok(a, "vpn found");
        if (a) {
                is_str(a->user, "openvpn", "vpn user kept as a name");
                ok(!a->group, "vpn group unset");
                is_int(a->key_mode, 0400, "vpn key mode");
                is_int(a->cert_mode, FSD_DEFAULT_CERT_MODE, "vpn default cert mode");
        }
        a = fsd_config_find_account(c, "web");
        ok(a && a->key_mode == 0, "web key mode 0");
}

static void test_refused(const char *text, int want, const char *want_msg) {
        _cleanup_(fsd_config_freep) fsd_config *c = NULL;
        _cleanup_free_ char *err = NULL;
        char what[160];
        int r = parse(text, &c, &err);

        snprintf(what, sizeof(what), "refused: %s", want_msg);
        is_err(r, want, what);
        ok(!c, "no config returned");
        ok(err && strstr(err, want_msg), "message explains it");
        if (err && !strstr(err, want_msg))
                printf("#   message: %s\n", err);
}

static void test_nul_and_size(void) {
        _cleanup_(fsd_config_freep) fsd_config *c = NULL;
        _cleanup_free_ char *err = NULL, *big = NULL;
        static const char nul[] = "[fsd]\0PollIntervalSec=5\n";

        is_err(fsd_config_parse(nul, sizeof(nul) - 1, &c, &err), -EBADMSG, "embedded NUL refused");
        big = malloc(FSD_CONFIG_MAX_SIZE + 1);
        memset(big, '#', FSD_CONFIG_MAX_SIZE + 1);
        free(err);
        err = NULL;
        is_err(fsd_config_parse(big, FSD_CONFIG_MAX_SIZE + 1, &c, &err), -E2BIG, "oversized config refused");
}

static void test_resolve(void) {
        _cleanup_(fsd_config_freep) fsd_config *c = NULL;
        _cleanup_free_ char *err = NULL;

        is_ok(parse("[account:a]\nUser=root\nGroup=root\n", &c, &err), "names parse");
        is_ok(fsd_config_resolve(c, &err), "root resolves");
        is_int(c->accounts[0].uid, 0, "root uid");
        fsd_config_free(c);
        c = NULL;
        is_ok(parse("[account:a]\nUser=no-such-user-deviceid\n", &c, &err), "unknown name parses");
        is_err(fsd_config_resolve(c, &err), -ENOENT, "unknown user refused at resolve");
        ok(err && strstr(err, "no-such-user-deviceid"), "message names the user");
}

int main(void) {
        test_defaults();
        test_full();
        test_refused("[account:wifi]\nMode=0444\n", -EINVAL, "accessible to every user");
        test_refused("[account:wifi]\nMode=0404\n", -EINVAL, "accessible to every user");
        test_refused("[account:wifi]\nMode=0640\n", -EINVAL, "other than read for owner and group");
        test_refused("[account:wifi]\nMode=0500\n", -EINVAL, "other than read for owner and group");
        test_refused("[account:wifi]\nMode=4400\n", -EINVAL, "other than read for owner and group");
        test_refused("[account:wifi]\nMode=rw\n", -EINVAL, "not an octal mode");
        test_refused("[account:wifi]\nMode=0800\n", -EINVAL, "not an octal mode");
        test_refused("[account:wifi]\nCertMode=0644\n", -EINVAL, "read-only");
        test_refused("[account:wifi]\nOwner=1\n", -EINVAL, "unknown key \"Owner\"");
        test_refused("[account:Wifi]\nMode=0400\n", -EINVAL, "not a valid account name");
        test_refused("[account:device]\nMode=0400\n", -EINVAL, "not a valid account name");
        test_refused("[account:wifi]\nUser=1\nUser=2\n", -EINVAL, "given twice");
        test_refused("[account:wifi]\nUser=a b\n", -EINVAL, "neither a number nor a valid name");
        test_refused("[account:wifi]\nUser=-1\n", -EINVAL, "neither a number nor a valid name");
        test_refused("[fsd]\nPollIntervalSec=0\n", -EINVAL, "PollIntervalSec");
        test_refused("[fsd]\nPollIntervalSec=99999\n", -EINVAL, "PollIntervalSec");
        test_refused("[fsd]\nMount=/x\n", -EINVAL, "unknown key \"Mount\" in [fsd]");
        test_refused("[other]\nA=1\n", -EINVAL, "unknown section [other]");
        test_refused("A=1\n", -EINVAL, "outside of a section");
        test_refused("[fsd\nA=1\n", -EINVAL, "line 1");
        test_refused("[fsd]\n\n[account:wifi]\nMode=0777\n", -EINVAL, "line 4:");
        test_nul_and_size();
        test_resolve();
        return tap_done();
}
