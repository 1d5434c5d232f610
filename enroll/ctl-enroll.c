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
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <openssl/bn.h>

#include "attest-client.h"
#include "crypto.h"
#include "ctl.h"
#include "device-attest-client.h"
#include "json.h"
#include "keyring/keyring.h"
#include "log.h"
#include "sign-client.h"
#include "tpm.h"
#include "x509.h"

#define ROOT_FILE_MAX (1024 * 1024)
#define ENROLL_MAX_ACCOUNTS 16
#define ENROLL_NOTIFY_TIMEOUT_MS 10000

enum {
        EXIT_CA_UNREACHABLE = 3,
        EXIT_CA_REFUSED = 4,
        EXIT_CA_BAD_RESPONSE = 5,
};

typedef struct enrolled_account {
        sign_client_account spec;
        STACK_OF(X509) *chain;
        char *chain_pem;
        char *key_pem; /* PKCS#8 (secret: erased) or TSS2 */
        size_t key_len;
} enrolled_account;

static void enrolled_account_done(enrolled_account *a) {
        sign_client_account_done(&a->spec);
        x509_stack_free(a->chain);
        free(a->chain_pem);
        erase_and_free(a->key_pem, a->key_len);
        *a = (enrolled_account) {};
}

typedef struct enroll_state {
        enrolled_account accounts[ENROLL_MAX_ACCOUNTS];
        size_t n_accounts;
} enroll_state;

static void enroll_state_done(enroll_state *s) {
        for (size_t i = 0; i < s->n_accounts; i++)
                enrolled_account_done(&s->accounts[i]);
        s->n_accounts = 0;
}

static void enroll_help(FILE *f) {
        fprintf(f,
                "Usage: deviceidctl enroll --ca-url https://HOST:PORT --root FILE\n"
                "                          [--account NAME[:SUB[:SAN,...]][:tpm]]...\n"
                "                          [--key-alg ecc|rsa] [--tcti TCTI] [--json]\n\n"
                "  --ca-url URL     the CA (Attestation CA at URL/attestation, Agent CA at\n"
                "                   URL/acme/agents/directory, Account CA at URL/1.0/sign)\n"
                "  --root FILE      PEM root(s): TLS anchor, chain checks, published as \"roots\"\n"
                "  --account SPEC   an account certificate: keyring NAME, CN SUB (default NAME),\n"
                "                   DNS SANs (default: the CA's, [SUB]); \":tpm\" keeps its key in the TPM\n"
                "  --key-alg ALG    device (and TPM account) key: ecc (P-256, default) or rsa (RSA-2048)\n"
                "  --tcti TCTI      TPM to use (default $DEVICEID_TCTI or %s)\n"
                "  --json           machine-readable summary\n",
                TPM_DEFAULT_TCTI);
}

static bool errno_speaks_for_itself(int r) {
        return r == -ECONNREFUSED || r == -ETIMEDOUT || r == -EHOSTUNREACH || r == -ENETUNREACH;
}

/* Logs the one line that says what failed and returns the exit status. */
static int report(int r, const attest_client_error *e, const char *who, const char *ca_url,
                  const char *root_path, const char *tcti) {
        const char *url = e->url[0] ? e->url : ca_url;
        const char *sep = e->detail[0] ? ": " : "";

        switch (e->kind) {
        case ATTEST_FAIL_CONNECT:
                if (r == -EKEYREJECTED)
                        log_error("The %s at %s presented a TLS certificate that does not verify against %s%s%s",
                                  who, url, root_path, sep, e->detail);
                else if (errno_speaks_for_itself(r))
                        log_error_errno(r, "Failed to reach the %s at %s: %m", who, url);
                else
                        log_error_errno(r, "Failed to reach the %s at %s: %m%s%s%s", who, url,
                                        e->detail[0] ? " (" : "", e->detail, e->detail[0] ? ")" : "");
                return EXIT_CA_UNREACHABLE;
        case ATTEST_FAIL_REFUSED:
                if (e->status > 0)
                        log_error("The %s at %s refused to %s (HTTP %ld)%s%s", who, url, e->step ?: "answer",
                                  e->status, sep, e->detail);
                else
                        log_error("The %s at %s refused to %s%s%s", who, url, e->step ?: "answer", sep, e->detail);
                return EXIT_CA_REFUSED;
        case ATTEST_FAIL_RESPONSE:
                log_error_errno(r, "Bad response from the %s at %s (%s)%s%s", who, url, e->step ?: "?", sep,
                                e->detail);
                return EXIT_CA_BAD_RESPONSE;
        case ATTEST_FAIL_CHECK:
                log_error("Refusing the certificate from the %s at %s%s%s", who, ca_url, sep, e->detail);
                return EXIT_CA_BAD_RESPONSE;
        case ATTEST_FAIL_TPM:
                log_error_errno(r, "Failed to %s via \"%s\": %m%s%s", e->step, tcti, sep, e->detail);
                return 1;
        default:
                log_error_errno(r, "Failed to %s: %m%s%s", e->step ?: "enroll", sep, e->detail);
                return 1;
        }
}

/* The device chain for the token's x5c: leaf and intermediates, without
 * self-signed roots (the CA has its own). */
static int x5c_chain(STACK_OF(X509) *chain, STACK_OF(X509) **ret) {
        _cleanup_x509_stack_ STACK_OF(X509) *sk = sk_X509_new_null();

        if (!sk)
                return -ENOMEM;
        for (int i = 0; i < sk_X509_num(chain) && sk_X509_num(sk) < 4; i++) {
                X509 *c = sk_X509_value(chain, i);

                if (i > 0 && X509_check_issued(c, c) == X509_V_OK)
                        continue;
                if (X509_up_ref(c) != 1 || sk_X509_push(sk, c) <= 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(sk);
        return 0;
}

/* A fresh account key: software P-256 (PKCS#8 for the keyring) or a TPM
 * key (TSS2 blob). */
static int account_key(tpm_ctx *t, const enrolled_account *a, tpm_key_alg alg, signer **ret_signer,
                       char **ret_pem, size_t *ret_len) {
        _cleanup_(signer_freep) signer *s = NULL;
        int r;

        if (a->spec.tpm) {
                _cleanup_(tpm_key_freep) tpm_key *k = NULL;

                r = tpm_key_create(t, alg, &k);
                if (r < 0)
                        return log_error_errno(r, "Failed to create the key of account \"%s\" in the TPM via \"%s\": %m",
                                               a->spec.name, tpm_tcti(t));
                r = tpm_key_signer(t, k, &s);
                if (r >= 0)
                        r = tpm_key_to_pem(k, ret_pem, ret_len);
                if (r < 0)
                        return log_error_errno(r, "Failed to use the TPM key of account \"%s\": %m", a->spec.name);
        } else {
                _cleanup_pkey_ EVP_PKEY *pkey = NULL;

                r = crypto_key_generate(CRYPTO_KEY_EC_P256, &pkey);
                if (r >= 0)
                        r = signer_new_evp(pkey, &s);
                if (r >= 0)
                        r = crypto_key_to_pem_pkcs8(pkey, ret_pem, ret_len);
                if (r < 0)
                        return log_error_errno(r, "Failed to generate the key of account \"%s\": %m", a->spec.name);
        }
        *ret_signer = TAKE_PTR(s);
        return 0;
}

static int publish_one(keyring *k, const char *name, const char *chain, const char *key, size_t key_len,
                       keyring_key_kind kind, uint64_t *ret_gen) {
        int r = keyring_publish(k, name, chain, strlen(chain), key, key_len, kind, ret_gen);

        if (r < 0)
                return log_error_errno(r, "Failed to publish \"%s\" into the keyring \"%s\": %m", name,
                                       keyring_get_name(k));
        return 0;
}

static int print_summary(bool json, const char *ek_uri, X509 *device, uint64_t device_gen,
                         const enroll_state *s) {
        _cleanup_json_ json_object *o = json_object_new_object(), *arr = json_object_new_array();
        _cleanup_free_ char *serial = NULL, *text = NULL;
        char na[32];
        time_t not_after;
        int r;

        if (!o || !arr)
                return log_oom();
        r = x509_cert_serial_hex(device, &serial);
        if (r >= 0)
                r = x509_cert_get_validity(device, NULL, &not_after);
        if (r >= 0)
                r = ctl_format_time(not_after, na);
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
                const enrolled_account *a = &s->accounts[i];
                char ana[32];
                time_t t;
                json_object *e;

                if (x509_cert_get_validity(sk_X509_value(a->chain, 0), NULL, &t) < 0 || ctl_format_time(t, ana) < 0)
                        return log_error_errno(EBADMSG, "Failed to read the certificate of \"%s\".", a->spec.name);
                if (!json) {
                        printf("Account %-10s  CN %s, not after %s, key %s\n", a->spec.name, a->spec.sub, ana,
                               a->spec.tpm ? "in the TPM" : "in the keyring");
                        continue;
                }
                e = json_object_new_object();
                if (!e || json_object_array_add(arr, e) < 0) {
                        json_object_put(e);
                        return log_oom();
                }
                if (json_add_string(e, "name", a->spec.name) < 0 || json_add_string(e, "cn", a->spec.sub) < 0 ||
                    json_add_string(e, "notAfter", ana) < 0 ||
                    json_add_string(e, "key", a->spec.tpm ? "tss2" : "pkcs8") < 0)
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
                { "json", no_argument, NULL, 'j' },       {}
        };
        _cleanup_(tpm_unrefp) tpm_ctx *t = NULL;
        _cleanup_(keyring_closep) keyring *k = NULL;
        _cleanup_(attest_client_result_done) attest_client_result ak = {};
        _cleanup_(device_attest_client_result_done) device_attest_client_result dev = {};
        _cleanup_(enroll_state_done) enroll_state st = {};
        _cleanup_(signer_freep) signer *device_signer = NULL;
        _cleanup_x509_stack_ STACK_OF(X509) *roots = NULL, *x5c = NULL;
        _cleanup_free_ char *root_pem = NULL, *attest_url = NULL, *dir_url = NULL, *dev_key_pem = NULL,
                            *ek_uri = NULL;
        const char *ca_url = NULL, *root_path = NULL, *tcti = NULL;
        tpm_key_alg alg = TPM_KEY_ECC_P256;
        attest_client_error err = {};
        uint64_t device_gen = 0;
        size_t len, dev_key_len;
        bool json = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "hu:r:a:k:T:j", options, NULL)) >= 0) {
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
                        r = sign_client_parse_account_spec(optarg, &st.accounts[st.n_accounts].spec);
                        if (r < 0)
                                return log_error_errno(r, "Invalid --account \"%s\" (NAME[:SUB[:SAN,...]][:tpm], "
                                                       "NAME as [a-z0-9][a-z0-9_-]*, not device or roots): %m",
                                                       optarg);
                        for (size_t i = 0; i < st.n_accounts; i++)
                                if (streq(st.accounts[i].spec.name, st.accounts[st.n_accounts].spec.name)) {
                                        sign_client_account_done(&st.accounts[st.n_accounts].spec);
                                        return log_error_errno(EINVAL, "Account \"%s\" given twice.",
                                                               st.accounts[i].spec.name);
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
        if (strncmp(ca_url, "https://", 8) != 0)
                return log_error_errno(EINVAL, "The CA URL \"%s\" does not start with https://.", ca_url);
        r = attest_client_url(ca_url, "attestation", &attest_url);
        if (r >= 0)
                r = attest_client_url(ca_url, "acme/agents/directory", &dir_url);
        if (r < 0)
                return log_error_errno(r, "The CA URL \"%s\" is not https://HOST[:PORT].", ca_url);

        /* Local failures first, before the TPM and the CA do any work. */
        r = read_file_at(AT_FDCWD, root_path, ROOT_FILE_MAX, &root_pem, &len);
        if (r < 0)
                return log_error_errno(r, "Failed to read \"%s\": %m", root_path);
        r = x509_chain_from_pem(root_pem, len, 16, &roots);
        if (r < 0)
                return log_error_errno(r, "\"%s\" is not a PEM certificate bundle: %m", root_path);
        r = keyring_open(true, &k);
        if (r < 0)
                return log_error_errno(r, "Failed to open the kernel keyring: %m");
        r = tpm_open(tcti, &t);
        if (r < 0)
                return log_error_errno(r, "Failed to open the TPM via \"%s\": %m", tpm_tcti_resolve(tcti));

        r = attest_client_enroll(t, attest_url, root_pem, TPM_KEY_ECC_P256, &ak, &err);
        if (r < 0)
                return report(r, &err, "Attestation CA", attest_url, root_path, tpm_tcti(t));
        log_debug("AK certificate issued for \"%s\".", ak.ek_uri);

        r = device_attest_client_enroll(t, dir_url, root_pem, &ak, alg, &dev, &err);
        if (r < 0)
                return report(r, &err, "Agent CA", dir_url, root_path, tpm_tcti(t));
        log_debug("Device certificate issued for \"%s\".", ak.ek_uri);
        /* The AK's work is done; it was never stored. */
        ek_uri = TAKE_PTR(ak.ek_uri);
        attest_client_result_done(&ak);

        r = tpm_key_signer(t, dev.key, &device_signer);
        if (r < 0)
                return log_error_errno(r, "Failed to use the device key via \"%s\": %m", tpm_tcti(t));
        r = x5c_chain(dev.chain, &x5c);
        if (r < 0)
                return log_oom();
        for (size_t i = 0; i < st.n_accounts; i++) {
                enrolled_account *a = &st.accounts[i];
                _cleanup_(signer_freep) signer *s = NULL;

                r = account_key(t, a, alg, &s, &a->key_pem, &a->key_len);
                if (r < 0)
                        return r;
                r = sign_client_sign(ca_url, root_pem, device_signer, x5c, &a->spec, s, &a->chain, &err);
                if (r < 0)
                        return report(r, &err, "Account CA", ca_url, root_path, tpm_tcti(t));
                r = x509_chain_to_pem(a->chain, &a->chain_pem);
                if (r < 0)
                        return log_oom();
        }

        /* Everything issued: publish. */
        r = tpm_key_to_pem(dev.key, &dev_key_pem, &dev_key_len);
        if (r < 0)
                return log_error_errno(r, "Failed to encode the device key as a TSS2 PRIVATE KEY: %m");
        r = publish_one(k, "device", dev.chain_pem, dev_key_pem, dev_key_len, KEYRING_KEY_TSS2, &device_gen);
        if (r >= 0)
                r = publish_one(k, "roots", root_pem, NULL, 0, KEYRING_KEY_NONE, NULL);
        for (size_t i = 0; r >= 0 && i < st.n_accounts; i++) {
                enrolled_account *a = &st.accounts[i];

                r = publish_one(k, a->spec.name, a->chain_pem, a->key_pem, a->key_len,
                                a->spec.tpm ? KEYRING_KEY_TSS2 : KEYRING_KEY_PKCS8, NULL);
        }
        if (r < 0)
                return r;
        r = keyring_notify_readers(NULL, ENROLL_NOTIFY_TIMEOUT_MS);
        if (r == -ENOENT || r == -ECONNREFUSED)
                log_debug_errno(r, "No deviceid-fsd listening (%m), not notifying.");
        else if (r < 0)
                return log_error_errno(r, "Published, but deviceid-fsd did not confirm the reload: %m");

        return print_summary(json, ek_uri, sk_X509_value(dev.chain, 0), device_gen, &st);
}
