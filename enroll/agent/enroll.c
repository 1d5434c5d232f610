/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The enrollment steps behind `deviceidctl enroll` and deviceid-enrolld
 * (enroll.h): the device identity (AK certificate, then the device
 * certificate by device-attest-01), account certificates by /1.0/sign,
 * taking over what the keyring already holds, and publishing. Library
 * code: failures are described, not logged.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "enroll/agent/enroll.h"
#include "enroll/client/device-attest-client.h"
#include "enroll/client/url.h"
#include "log.h"
#include "x509.h"

void enroll_ca_done(enroll_ca *c) {
        free(c->url);
        free(c->attest_url);
        free(c->dir_url);
        free(c->root_path);
        free(c->account_url);
        free(c->account_provisioner);
        cert_bundle_done(&c->roots);
        cert_bundle_done(&c->attest_roots);
        cert_bundle_done(&c->acme_roots);
        cert_bundle_done(&c->account_roots);
        cert_bundle_done(&c->account_issuer);
        *c = (enroll_ca) {};
}

/* Reads and parses a roots file once. -errno of the read, or -EBADMSG
 * for anything but 1..ENROLL_ROOTS_MAX certificates; *ret untouched then. */
static int read_roots(const char *path, cert_bundle *ret) {
        _cleanup_free_ char *pem = NULL;
        size_t len;
        int r;

        r = read_file_at(AT_FDCWD, path, ENROLL_ROOT_FILE_MAX, &pem, &len);
        if (r < 0)
                return r;
        r = cert_bundle_from_pem(pem, len, ENROLL_ROOTS_MAX, ret);
        return r == -ENOMEM ? r : r < 0 ? -EBADMSG : 0;
}

static int set_url(const char *url, char **slot) {
        if (!url)
                return 0;
        if (strncmp(url, "https://", 8) != 0)
                return -EPROTONOSUPPORT;
        free(*slot);
        *slot = strdup(url);
        return *slot ? 0 : -ENOMEM;
}

int enroll_ca_set_roles(enroll_ca *c, const enroll_roles *roles, const char **ret_path) {
        const struct {
                const char *path;
                cert_bundle *slot;
        } files[] = {
                { roles->attest_root, &c->attest_roots },
                { roles->acme_root, &c->acme_roots },
                { roles->account_root, &c->account_roots },
                { roles->account_issuer, &c->account_issuer },
        };
        int r;

        *ret_path = NULL;
        r = set_url(roles->attest_url, &c->attest_url);
        if (r >= 0)
                r = set_url(roles->acme_directory, &c->dir_url);
        if (r >= 0)
                r = set_url(roles->account_url, &c->account_url);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                if (!files[i].path)
                        continue;
                cert_bundle_done(files[i].slot);
                r = read_roots(files[i].path, files[i].slot);
                if (r < 0) {
                        *ret_path = files[i].path;
                        return r;
                }
        }
        if (roles->account_provisioner) {
                free(c->account_provisioner);
                c->account_provisioner = strdup(roles->account_provisioner);
                if (!c->account_provisioner)
                        return -ENOMEM;
        }
        return 0;
}

int enroll_ca_load(const char *url, const char *root_path, enroll_ca *ret, const char **ret_what) {
        _cleanup_(enroll_ca_done) enroll_ca c = {};
        const char *what = "url";
        int r;

        if (strncmp(url, "https://", 8) != 0) {
                r = -EPROTONOSUPPORT;
                goto fail;
        }
        c.url = strdup(url);
        c.root_path = strdup(root_path);
        if (!c.url || !c.root_path)
                return -ENOMEM;
        r = client_url(url, "attestation", &c.attest_url);
        if (r >= 0)
                r = client_url(url, "acme/agents/directory", &c.dir_url);
        if (r < 0)
                goto fail;
        r = read_roots(root_path, &c.roots);
        if (r < 0) {
                what = r == -EBADMSG ? "parse" : "read";
                goto fail;
        }
        *ret = c;
        c = (enroll_ca) {};
        return 0;
fail:
        if (ret_what)
                *ret_what = what;
        return r;
}

static bool errno_speaks_for_itself(int r) {
        return r == -ECONNREFUSED || r == -ETIMEDOUT || r == -EHOSTUNREACH || r == -ENETUNREACH;
}

int enroll_failure_format(int r, const enroll_failure *f, const char *root_path, const char *tcti,
                          char **ret_msg) {
        const client_failure *e = &f->e;
        const char *url = e->url[0] ? e->url : (f->url ?: "");
        const char *sep = e->detail[0] ? ": " : "";
        const char *who = f->who ?: "CA";
        const char *err = strerror(r < 0 ? -r : r);
        char *m = NULL;
        int cls, n;

        switch (f->who ? e->kind : (e->kind == CLIENT_FAIL_TPM ? CLIENT_FAIL_TPM : CLIENT_FAIL_LOCAL)) {
        case CLIENT_FAIL_CONNECT:
                cls = ENROLL_EXIT_CA_UNREACHABLE;
                if (r == -EKEYREJECTED)
                        n = asprintf(&m, "The %s at %s presented a TLS certificate that does not verify against %s%s%s",
                                     who, url, root_path, sep, e->detail);
                else if (errno_speaks_for_itself(r))
                        n = asprintf(&m, "Failed to reach the %s at %s: %s", who, url, err);
                else
                        n = asprintf(&m, "Failed to reach the %s at %s: %s%s%s%s", who, url, err,
                                     e->detail[0] ? " (" : "", e->detail, e->detail[0] ? ")" : "");
                break;
        case CLIENT_FAIL_REFUSED:
                cls = ENROLL_EXIT_CA_REFUSED;
                if (e->status > 0)
                        n = asprintf(&m, "The %s at %s refused to %s (HTTP %ld)%s%s", who, url, e->step ?: "answer",
                                     e->status, sep, e->detail);
                else
                        n = asprintf(&m, "The %s at %s refused to %s%s%s", who, url, e->step ?: "answer", sep,
                                     e->detail);
                break;
        case CLIENT_FAIL_RESPONSE:
                cls = ENROLL_EXIT_CA_BAD_RESPONSE;
                n = asprintf(&m, "Bad response from the %s at %s (%s): %s%s%s", who, url, e->step ?: "?", err, sep,
                             e->detail);
                break;
        case CLIENT_FAIL_CHECK:
                cls = ENROLL_EXIT_CA_BAD_RESPONSE;
                n = asprintf(&m, "Refusing the certificate from the %s at %s%s%s", who, f->url ?: url, sep,
                             e->detail);
                break;
        case CLIENT_FAIL_TPM:
                cls = ENROLL_EXIT_LOCAL;
                if (f->name)
                        n = asprintf(&m, "Failed to %s of account \"%s\" via \"%s\": %s%s%s", e->step ?: "use the TPM",
                                     f->name, tcti, err, sep, e->detail);
                else
                        n = asprintf(&m, "Failed to %s via \"%s\": %s%s%s", e->step ?: "use the TPM", tcti, err, sep,
                                     e->detail);
                break;
        default:
                cls = ENROLL_EXIT_LOCAL;
                if (f->name)
                        n = asprintf(&m, "Failed to %s of account \"%s\": %s%s%s", e->step ?: "enroll", f->name, err,
                                     sep, e->detail);
                else
                        n = asprintf(&m, "Failed to %s: %s%s%s", e->step ?: "enroll", err, sep, e->detail);
                break;
        }
        *ret_msg = n < 0 ? NULL : m;
        return cls;
}

bool enroll_failure_is_removed(int r, const enroll_failure *f) {
        return r < 0 && f->who && f->e.kind == CLIENT_FAIL_REFUSED && f->e.status == 403 &&
               (streq(f->e.problem, CLIENT_PROBLEM_DEVICE_DISABLED) || streq(f->e.problem, CLIENT_PROBLEM_DEVICE_REMOVED));
}

static void fail_local(enroll_failure *f, client_failure_kind kind, const char *step, const char *name) {
        *f = (enroll_failure) { .e = { .kind = kind, .step = step }, .name = name };
}

void enroll_device_done(enroll_device *d) {
        tpm_key_free(d->key);
        cert_bundle_done(&d->cert);
        x509_stack_free(d->x5c);
        signer_free(d->signer);
        free(d->ek_uri);
        tpm_key_free(d->ak);
        x509_stack_free(d->ak_chain);
        *d = (enroll_device) {};
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

/* Everything derived from key + chain: signer, x5c. */
static int device_complete(tpm_ctx *t, enroll_device *d, enroll_failure *f) {
        int r;

        r = tpm_key_signer(t, d->key, &d->signer);
        if (r < 0) {
                fail_local(f, CLIENT_FAIL_TPM, "use the device key", NULL);
                return r;
        }
        r = x5c_chain(d->cert.chain, &d->x5c);
        if (r < 0)
                fail_local(f, CLIENT_FAIL_LOCAL, "read the device certificate", NULL);
        return r;
}

int enroll_device_enroll(tpm_ctx *t, const enroll_ca *ca, tpm_key_alg alg, enroll_device *ret, enroll_failure *f) {
        _cleanup_(attest_client_result_done) attest_client_result ak = {};
        _cleanup_(device_attest_client_result_done) device_attest_client_result dev = {};
        _cleanup_(enroll_device_done) enroll_device d = {};
        int r;

        *f = (enroll_failure) { .who = "Attestation CA", .url = ca->attest_url };
        r = attest_client_enroll(t, ca->attest_url, enroll_ca_roots(ca, &ca->attest_roots), TPM_KEY_ECC_P256, &ak,
                                 &f->e);
        if (r < 0)
                return r;
        log_debug("AK certificate issued for \"%s\".", ak.ek_uri);

        *f = (enroll_failure) { .who = "Agent CA", .url = ca->dir_url };
        r = device_attest_client_enroll(t, ca->dir_url, enroll_ca_roots(ca, &ca->acme_roots), &ak, alg,
                                        ca->posture_pcrs, &dev, &f->e);
        if (r < 0)
                return r;
        log_debug("Device certificate issued for \"%s\".", ak.ek_uri);

        /* The AK stays in memory for posture reports; it is never stored. */
        d.ek_uri = TAKE_PTR(ak.ek_uri);
        d.ak = TAKE_PTR(ak.ak);
        d.ak_chain = TAKE_PTR(ak.chain);
        d.key = TAKE_PTR(dev.key);
        d.cert = dev.cert;
        dev.cert = (cert_bundle) {};
        r = device_complete(t, &d, f);
        if (r < 0)
                return r;
        *ret = d;
        d = (enroll_device) {};
        return 0;
}

int enroll_device_from_entry(tpm_ctx *t, const keyring_entry *e, enroll_device *ret) {
        _cleanup_(enroll_device_done) enroll_device d = {};
        _cleanup_free_ uint8_t *sig = NULL;
        uint8_t digest[32];
        size_t sig_len;
        enroll_failure f;
        int r;

        if (e->key_kind != KEYRING_KEY_TSS2 || !e->key_pem)
                return -EKEYREJECTED;
        r = cert_bundle_from_pem(e->chain_pem, e->chain_len, 16, &d.cert);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        r = tpm_key_from_pem(e->key_pem, e->key_len, &d.key);
        if (r < 0)
                return -EBADMSG;
        if (crypto_pubkey_equal(tpm_key_public_key(d.key), X509_get0_pubkey(cert_bundle_leaf(&d.cert))) != 1)
                return -EKEYREJECTED;
        /* The blob must load in this TPM and the key sign: a blob of
         * another TPM (or a cleared one) fails here, not at the CA. */
        r = crypto_random(digest, sizeof(digest));
        if (r < 0)
                return r;
        r = tpm_key_sign_digest(t, d.key, NID_sha256, digest, sizeof(digest), &sig, &sig_len);
        if (r < 0)
                return r == -ENOMEM ? r : -EKEYREJECTED;
        if (crypto_verify_digest(X509_get0_pubkey(cert_bundle_leaf(&d.cert)), NID_sha256, digest, sizeof(digest),
                                 sig, sig_len) < 0)
                return -EKEYREJECTED;
        r = device_complete(t, &d, &f);
        if (r < 0)
                return r;
        *ret = d;
        d = (enroll_device) {};
        return 0;
}

void enroll_account_done(enroll_account *a) {
        cert_bundle_done(&a->cert);
        erase_and_free(a->key_pem, a->key_len);
        *a = (enroll_account) {};
}

/* A fresh account key: software P-256 (PKCS#8 for the keyring) or a TPM
 * key (TSS2 blob). */
static int account_key(tpm_ctx *t, const sign_client_account *spec, tpm_key_alg alg, signer **ret_signer,
                       char **ret_pem, size_t *ret_len, enroll_failure *f) {
        _cleanup_(signer_freep) signer *s = NULL;
        int r;

        if (spec->tpm) {
                _cleanup_(tpm_key_freep) tpm_key *k = NULL;

                r = tpm_key_create(t, alg, &k);
                if (r < 0) {
                        fail_local(f, CLIENT_FAIL_TPM, "create the key", spec->name);
                        return r;
                }
                r = tpm_key_signer(t, k, &s);
                if (r >= 0)
                        r = tpm_key_to_pem(k, ret_pem, ret_len);
                if (r < 0) {
                        fail_local(f, CLIENT_FAIL_TPM, "use the TPM key", spec->name);
                        return r;
                }
        } else {
                _cleanup_pkey_ EVP_PKEY *pkey = NULL;

                r = crypto_key_generate(CRYPTO_KEY_EC_P256, &pkey);
                if (r >= 0)
                        r = signer_new_evp(pkey, &s);
                if (r >= 0)
                        r = crypto_key_to_pem_pkcs8(pkey, ret_pem, ret_len);
                if (r < 0) {
                        fail_local(f, CLIENT_FAIL_LOCAL, "generate the key", spec->name);
                        return r;
                }
        }
        *ret_signer = TAKE_PTR(s);
        return 0;
}

/* Makes sure dev holds a certified AK: a device taken over from the
 * keyring gets a new AK certificate (the AK is never stored). Failures
 * are only logged at debug: the token then goes without a report. */
static void device_ak(tpm_ctx *t, const enroll_ca *ca, enroll_device *dev) {
        _cleanup_(attest_client_result_done) attest_client_result ak = {};
        client_failure e;
        int r;

        if (dev->ak)
                return;
        r = attest_client_enroll(t, ca->attest_url, enroll_ca_roots(ca, &ca->attest_roots), TPM_KEY_ECC_P256, &ak, &e);
        if (r < 0) {
                log_debug_errno(r, "No AK certificate for posture reports (%s): %s", e.step ?: "attest", e.detail);
                return;
        }
        dev->ak = TAKE_PTR(ak.ak);
        dev->ak_chain = TAKE_PTR(ak.chain);
}

int enroll_account_issue(tpm_ctx *t, const enroll_ca *ca, enroll_device *dev,
                         const sign_client_account *spec, tpm_key_alg alg, enroll_account *ret,
                         enroll_failure *f) {
        _cleanup_(enroll_account_done) enroll_account a = { .tpm = spec->tpm };
        _cleanup_(signer_freep) signer *s = NULL;
        posture_source ps = {};
        int r;

        r = account_key(t, spec, alg, &s, &a.key_pem, &a.key_len, f);
        if (r < 0)
                return r;
        device_ak(t, ca, dev);
        if (dev->ak)
                ps = (posture_source) { .tpm = t,
                                        .ak = dev->ak,
                                        .ak_cert = sk_X509_value(dev->ak_chain, 0),
                                        .mask = ca->posture_pcrs };
        *f = (enroll_failure) { .who = "Account CA", .url = ca->account_url ?: ca->url };
        if (!spec->provisioner && ca->account_provisioner) {
                /* A local account: the configured provisioner. */
                sign_client_account local = *spec;

                local.provisioner = ca->account_provisioner;
                r = sign_client_sign(ca->account_url ?: ca->url, enroll_ca_roots(ca, &ca->account_roots),
                                     ca->account_issuer.chain ? &ca->account_issuer : NULL, dev->signer, dev->x5c,
                                     &local, s, dev->ak ? &ps : NULL, &a.cert, &f->e);
        } else
                r = sign_client_sign(ca->account_url ?: ca->url, enroll_ca_roots(ca, &ca->account_roots),
                                     ca->account_issuer.chain ? &ca->account_issuer : NULL, dev->signer, dev->x5c,
                                     spec, s, dev->ak ? &ps : NULL, &a.cert, &f->e);
        if (r < 0)
                return r;
        *ret = a;
        a = (enroll_account) {};
        return 0;
}

int enroll_account_entry_matches(const keyring_entry *e, const sign_client_account *spec,
                                 time_t *ret_not_before, time_t *ret_not_after) {
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        _cleanup_free_ char *cn = NULL;
        X509 *leaf;
        size_t n_dns = 0;
        int r;

        r = x509_chain_from_pem(e->chain_pem, e->chain_len, 16, &chain);
        if (r < 0)
                return -EBADMSG;
        leaf = sk_X509_value(chain, 0);
        if (x509_cert_get_validity(leaf, ret_not_before, ret_not_after) < 0)
                return -EBADMSG;
        if (e->key_kind != (spec->tpm ? KEYRING_KEY_TSS2 : KEYRING_KEY_PKCS8))
                return 0;
        if (x509_cert_get_cn(leaf, &cn) < 0 || !streq(cn, spec->sub))
                return 0;
        if (x509_cert_get_sans(leaf, &sans) < 0)
                return 0;
        for (size_t i = 0; i < sans->n; i++)
                if (sans->items[i].type == X509_SAN_DNS)
                        n_dns++;
        /* A local account without SANs: the CA's default, [sub]. */
        if (spec->n_sans == 0 && !spec->provisioner)
                return n_dns == 1 && x509_san_list_contains(sans, X509_SAN_DNS, spec->sub);
        /* Otherwise exactly the names asked for, of any type. */
        if (sans->n != spec->n_sans)
                return 0;
        for (size_t i = 0; i < spec->n_sans; i++) {
                bool found = false;

                for (size_t j = 0; j < sans->n && !found; j++)
                        found = streq(sans->items[j].value, spec->sans[i]);
                if (!found)
                        return 0;
        }
        return 1;
}

int enroll_publish_device(keyring *k, const enroll_device *d, uint64_t *ret_generation) {
        _cleanup_free_ char *pem = NULL;
        size_t len;
        int r;

        r = tpm_key_to_pem(d->key, &pem, &len);
        if (r < 0)
                return r;
        return keyring_publish(k, "device", &d->cert, pem, len, KEYRING_KEY_TSS2, ret_generation);
}

int enroll_publish_roots(keyring *k, const enroll_ca *ca) {
        return keyring_publish(k, "roots", &ca->roots, NULL, 0, KEYRING_KEY_NONE, NULL);
}

int enroll_publish_account(keyring *k, const char *name, const enroll_account *a, uint64_t *ret_generation) {
        return keyring_publish(k, name, &a->cert, a->key_pem, a->key_len, a->tpm ? KEYRING_KEY_TSS2 : KEYRING_KEY_PKCS8,
                               ret_generation);
}
