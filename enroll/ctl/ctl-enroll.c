/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deviceidctl enroll: the whole enrollment in one run (design.md steps
 * 2-5): AK certificate (Attestation CA), device certificate (ACME
 * device-attest-01 at the Agent CA), account certificates (/1.0/sign at
 * the Account CA), then everything published into the kernel keyring and
 * deviceid-fsd told to reload. Nothing is published unless every step
 * succeeded. Nothing secret is written to a file: the AK lives only in
 * memory, the device key's TSS2 blob and the account keys go only to the
 * keyring.
 */
#include <getopt.h>
#include <stdio.h>

#include "enroll/agent/enroll.h"
#include "enroll/ctl/ctl.h"
#include "json.h"
#include "keyring/writer.h"
#include "log.h"
#include "time-util.h"
#include "tpm2quote.h"
#include "x509.h"

#define ENROLL_MAX_ACCOUNTS 16
#define ENROLL_NOTIFY_TIMEOUT_MS 10000

typedef struct enroll_state {
        sign_client_account specs[ENROLL_MAX_ACCOUNTS];
        enroll_account accounts[ENROLL_MAX_ACCOUNTS];
        size_t n_accounts;
} enroll_state;

static void enroll_state_done(enroll_state *s) {
        for (size_t i = 0; i < s->n_accounts; i++) {
                sign_client_account_done(&s->specs[i]);
                enroll_account_done(&s->accounts[i]);
        }
        s->n_accounts = 0;
}

static void enroll_help(FILE *f) {
        fprintf(f,
                "Usage: deviceidctl enroll --ca-url https://HOST:PORT --root FILE\n"
                "                          [--account NAME[:SUB[:SAN,...]][:tpm]]...\n"
                "                          [--key-alg ecc|rsa] [--posture-pcrs LIST] [--tcti TCTI] [--json]\n\n"
                "  --ca-url URL     the CA (Attestation CA at URL/attestation, Agent CA at\n"
                "                   URL/acme/agents/directory, Account CA at URL/1.0/sign)\n"
                "  --root FILE      PEM root(s): TLS anchor, chain checks, published as \"roots\"\n"
                "  --account SPEC   an account certificate: keyring NAME, CN SUB (default NAME),\n"
                "                   DNS SANs (default: the CA's, [SUB]); \":tpm\" keeps its key in the TPM\n"
                "  --key-alg ALG    device (and TPM account) key: ecc (P-256, default) or rsa (RSA-2048)\n"
                "  --posture-pcrs LIST  sha256 PCRs the posture reports quote, [sha256:]N[-M][,...]\n"
                "                   (default 0-7; the CA's [posture] pcr_selection)\n"
                "  --tcti TCTI      TPM to use (default $DEVICEID_TCTI or %s)\n"
                "  --json           machine-readable summary\n",
                TPM_DEFAULT_TCTI);
}

/* Logs the one line that says what failed and returns the exit status. */
static int report(int r, const enroll_failure *f, const char *root_path, const char *tcti) {
        _cleanup_free_ char *msg = NULL;
        int cls = enroll_failure_format(r, f, root_path, tcti, &msg);

        if (!msg)
                return log_oom();
        log_error("%s", msg);
        return cls;
}

static int publish_error(int r, const char *name, keyring *k) {
        return log_error_errno(r, "Failed to publish \"%s\" into the keyring \"%s\": %m", name, keyring_get_name(k));
}

static int print_summary(bool json, const char *ek_uri, X509 *device, uint64_t device_gen,
                         const enroll_state *s) {
        _cleanup_json_ json_object *o = json_object_new_object(), *arr = json_object_new_array();
        _cleanup_free_ char *serial = NULL, *text = NULL;
        char na[FORMAT_TIME_MAX];
        time_t not_after;
        int r;

        if (!o || !arr)
                return log_oom();
        r = x509_cert_serial_hex(device, &serial);
        if (r >= 0)
                r = x509_cert_get_validity(device, NULL, &not_after);
        if (r >= 0)
                r = format_time(not_after, na);
        if (r < 0)
                return log_error_errno(r, "Failed to read the device certificate: %m");
        if (!json) {
                printf("EK URI:             %s\n", ek_uri);
                printf("Device certificate: serial %s, not after %s (generation %llu)\n", serial, na,
                       (unsigned long long) device_gen);
        } else if (json_add_string(o, "ekUri", ek_uri) < 0 || json_add_string(o, "deviceSerial", serial) < 0 ||
                   json_add_string(o, "deviceNotAfter", na) < 0)
                return log_oom();
        for (size_t i = 0; i < s->n_accounts; i++) {
                const enroll_account *a = &s->accounts[i];
                const sign_client_account *spec = &s->specs[i];
                char ana[FORMAT_TIME_MAX];
                time_t t;
                json_object *e;

                t = a->cert.not_after;
                if (format_time(t, ana) < 0)
                        return log_error_errno(EBADMSG, "Failed to read the certificate of \"%s\".", spec->name);
                if (!json) {
                        printf("Account %-10s  CN %s, not after %s, key %s\n", spec->name, spec->sub, ana,
                               spec->tpm ? "in the TPM" : "in the keyring");
                        continue;
                }
                e = json_object_new_object();
                if (!e || json_object_array_add(arr, e) < 0) {
                        json_object_put(e);
                        return log_oom();
                }
                if (json_add_string(e, "name", spec->name) < 0 || json_add_string(e, "cn", spec->sub) < 0 ||
                    json_add_string(e, "notAfter", ana) < 0 ||
                    json_add_string(e, "key", spec->tpm ? "tss2" : "pkcs8") < 0)
                        return log_oom();
        }
        if (json) {
                if (json_add_object(o, "accounts", TAKE_PTR(arr)) < 0 || json_to_string_dup(o, &text) < 0)
                        return log_oom();
                printf("%s\n", text);
        }
        if (fflush(stdout) != 0 || ferror(stdout))
                return log_error_errno(EIO, "Failed to write to standard output.");
        return 0;
}

int verb_enroll(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },       { "ca-url", required_argument, NULL, 'u' },
                { "root", required_argument, NULL, 'r' }, { "account", required_argument, NULL, 'a' },
                { "key-alg", required_argument, NULL, 'k' }, { "tcti", required_argument, NULL, 'T' },
                { "json", no_argument, NULL, 'j' },       { "posture-pcrs", required_argument, NULL, 'P' },
                {}
        };
        _cleanup_(tpm_unrefp) tpm_ctx *t = NULL;
        _cleanup_(keyring_closep) keyring *k = NULL;
        _cleanup_(enroll_device_done) enroll_device dev = {};
        _cleanup_(enroll_state_done) enroll_state st = {};
        _cleanup_(enroll_ca_done) enroll_ca ca = {};
        const char *ca_url = NULL, *root_path = NULL, *tcti = NULL, *what = NULL;
        tpm_key_alg alg = TPM_KEY_ECC_P256;
        enroll_failure f = {};
        uint64_t device_gen = 0;
        uint32_t posture_pcrs = 0;
        bool json = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "hu:r:a:k:T:jP:", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        enroll_help(stdout);
                        return 0;
                case 'u':
                        ca_url = optarg;
                        break;
                case 'r':
                        root_path = optarg;
                        break;
                case 'a':
                        if (st.n_accounts >= ENROLL_MAX_ACCOUNTS)
                                return log_error_errno(E2BIG, "At most %d accounts per run.", ENROLL_MAX_ACCOUNTS);
                        r = sign_client_parse_account_spec(optarg, &st.specs[st.n_accounts]);
                        if (r < 0)
                                return log_error_errno(r, "Invalid --account \"%s\" (NAME[:SUB[:SAN,...]][:tpm], "
                                                       "NAME as [a-z0-9][a-z0-9_-]*, not device or roots): %m",
                                                       optarg);
                        for (size_t i = 0; i < st.n_accounts; i++)
                                if (streq(st.specs[i].name, st.specs[st.n_accounts].name)) {
                                        sign_client_account_done(&st.specs[st.n_accounts]);
                                        return log_error_errno(EINVAL, "Account \"%s\" given twice.",
                                                               st.specs[i].name);
                                }
                        st.n_accounts++;
                        break;
                case 'k':
                        if (streq(optarg, "ecc"))
                                alg = TPM_KEY_ECC_P256;
                        else if (streq(optarg, "rsa"))
                                alg = TPM_KEY_RSA_2048;
                        else
                                return log_error_errno(EINVAL, "Unknown key algorithm \"%s\" (ecc or rsa).", optarg);
                        break;
                case 'T':
                        tcti = optarg;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'P':
                        if (tpm2_pcr_sha256_selection_parse(optarg, &posture_pcrs) < 0 || posture_pcrs == 0)
                                return log_error_errno(EINVAL, "Invalid --posture-pcrs \"%s\" ([sha256:]N[-M][,...], "
                                                       "PCRs 0-23).", optarg);
                        break;
                default:
                        enroll_help(stderr);
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                enroll_help(stderr);
                return log_error_errno(EINVAL, "Unexpected argument \"%s\".", argv[optind]);
        }
        if (!ca_url || !root_path)
                return log_error_errno(EINVAL, "--ca-url and --root are required; see deviceidctl enroll --help.");

        /* Local failures first, before the TPM and the CA do any work. */
        r = enroll_ca_load(ca_url, root_path, &ca, &what);
        if (r == -EPROTONOSUPPORT)
                return log_error_errno(EINVAL, "The CA URL \"%s\" does not start with https://.", ca_url);
        if (r < 0 && streq(what, "url"))
                return log_error_errno(r, "The CA URL \"%s\" is not https://HOST[:PORT].", ca_url);
        if (r < 0 && streq(what, "read"))
                return log_error_errno(r, "Failed to read \"%s\": %m", root_path);
        if (r < 0)
                return log_error_errno(r, "\"%s\" is not a PEM certificate bundle: %m", root_path);
        ca.posture_pcrs = posture_pcrs;
        r = keyring_open(true, &k);
        if (r < 0)
                return log_error_errno(r, "Failed to open the kernel keyring: %m");
        r = tpm_open(tcti, &t);
        if (r < 0)
                return log_error_errno(r, "Failed to open the TPM via \"%s\": %m", tpm_tcti_resolve(tcti));

        r = enroll_device_enroll(t, &ca, alg, &dev, &f);
        if (r < 0)
                return report(r, &f, root_path, tpm_tcti(t));
        for (size_t i = 0; i < st.n_accounts; i++) {
                r = enroll_account_issue(t, &ca, &dev, &st.specs[i], alg, &st.accounts[i], &f);
                if (r < 0)
                        return report(r, &f, root_path, tpm_tcti(t));
        }

        /* Everything issued: publish. */
        r = enroll_publish_device(k, &dev, &device_gen);
        if (r < 0)
                return publish_error(r, "device", k);
        r = enroll_publish_roots(k, &ca);
        if (r < 0)
                return publish_error(r, "roots", k);
        for (size_t i = 0; i < st.n_accounts; i++) {
                r = enroll_publish_account(k, st.specs[i].name, &st.accounts[i], NULL);
                if (r < 0)
                        return publish_error(r, st.specs[i].name, k);
        }
        r = keyring_notify_readers(NULL, ENROLL_NOTIFY_TIMEOUT_MS);
        if (r == -ENOENT || r == -ECONNREFUSED)
                log_debug_errno(r, "No deviceid-fsd listening (%m), not notifying.");
        else if (r < 0)
                return log_error_errno(r, "Published, but deviceid-fsd did not confirm the reload: %m");

        return print_summary(json, dev.ek_uri, cert_bundle_leaf(&dev.cert), device_gen, &st);
}
