/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the CA's issuance: certificate profiles (extensions
 * checked through OpenSSL's own accessors); an issuer loaded from a CA
 * directory built here, issuing, recording and revoking certificates,
 * and refusing a group-readable key; the trust anchors built from it and
 * from the bundles a ca.conf names. The database is test-db.h's (SQLite,
 * or PostgreSQL when run by test_ca_store.py); the store itself is
 * tested by test-store.c.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <openssl/x509v3.h>

#include "ca/core/config.h"
#include "ca/core/issuer.h"
#include "ca/core/store.h"
#include "ca/core/trust.h"
#include "log.h"
#include "tests/unit/ca/ca-test.h"
#include "tests/unit/tap.h"

static char tmpdir[] = "/tmp/test-ca-issuer-XXXXXX";

static int write_file(const char *name, const char *data, mode_t mode) {
        char path[256];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        if (write(fd, data, strlen(data)) != (ssize_t) strlen(data)) {
                close(fd);
                return -EIO;
        }
        fchmod(fd, mode);
        close(fd);
        return 0;
}

static int save(const char *stem, X509 *cert, EVP_PKEY *key) {
        _cleanup_free_ char *pem = NULL;
        char name[64];
        char *kpem = NULL;
        size_t klen;
        int r;

        snprintf(name, sizeof(name), "%s.pem", stem);
        if ((r = x509_cert_to_pem(cert, &pem)) < 0 || (r = write_file(name, pem, 0644)) < 0)
                return r;
        if (!key)
                return 0;
        snprintf(name, sizeof(name), "%s.key", stem);
        if ((r = crypto_key_to_pem_pkcs8(key, &kpem, &klen)) < 0)
                return r;
        r = write_file(name, kpem, 0600);
        erase_and_free(kpem, klen);
        return r;
}

static void test_profiles(EVP_PKEY *root_key, X509 *root) {
        _cleanup_pkey_ EVP_PKEY *k = NULL;
        _cleanup_x509_ X509 *leaf = NULL;
        x509_san sans[] = {
                { .type = X509_SAN_DNS, .value = (char *) "host.example.org" },
                { .type = X509_SAN_IP, .value = (char *) "192.0.2.7" },
                { .type = X509_SAN_PERMANENT_ID, .value = (char *) "urn:ek:sha256:AAAA" },
        };
        _cleanup_(x509_san_list_freep) x509_san_list *got = NULL;
        cert_profile p;

        ok(X509_check_ca(root) >= 1, "profile: root is a CA");
        ok(X509_get_extension_flags(root) & EXFLAG_SS, "profile: root is self-signed");
        crypto_key_generate(CRYPTO_KEY_RSA_2048, &k);
        p = cert_profile_leaf(k, CERT_EKU_CLIENT_AUTH | CERT_EKU_SERVER_AUTH, 3600);
        ok(p.key_usage == (CERT_KU_DIGITAL_SIGNATURE | CERT_KU_KEY_ENCIPHERMENT), "profile: RSA leaf adds keyEncipherment");
        is_ok(cert_create(root, root_key, k, NULL, sans, ELEMENTSOF(sans), &p, &leaf), "profile: leaf with empty subject");
        if (!leaf)
                return;
        ok(X509_check_ca(leaf) == 0, "profile: leaf is not a CA");
        ok(X509_get_key_usage(leaf) == (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT), "profile: key usage bits");
        ok(X509_get_extended_key_usage(leaf) == (XKU_SSL_CLIENT | XKU_SSL_SERVER), "profile: EKU bits");
        {
                int crit = -1;
                GENERAL_NAMES *gn = X509_get_ext_d2i(leaf, NID_subject_alt_name, &crit, NULL);
                is_int(crit, 1, "profile: SAN critical when the subject is empty");
                GENERAL_NAMES_free(gn);
        }
        is_ok(x509_cert_get_sans(leaf, &got), "profile: SANs read back");
        if (got) {
                is_int(got->n, 3, "profile: three SANs");
                if (got->n == 3) {
                        is_str(got->items[0].value, "host.example.org", "profile: DNS SAN");
                        is_str(got->items[1].value, "192.0.2.7", "profile: IP SAN");
                        is_int(got->items[2].type, X509_SAN_PERMANENT_ID, "profile: PermanentIdentifier SAN type");
                        is_str(got->items[2].value, "urn:ek:sha256:AAAA", "profile: PermanentIdentifier value");
                }
        }
        {
                time_t nb, na;
                x509_cert_get_validity(leaf, &nb, &na);
                is_int(na - nb, 3600, "profile: lifetime");
        }
        ok(cert_create(root, root_key, k, NULL, NULL, 0, &p, &leaf) == -EINVAL, "profile: empty subject without SAN refused");
}

/* Trust anchors from the issuer's certificates and the bundles a ca.conf
 * names: which certificates each set holds, and a path through one. */
static bool is_cert(STACK_OF(X509) *sk, int i, X509 *want) {
        return sk && i < sk_X509_num(sk) && want && X509_cmp(sk_X509_value(sk, i), want) == 0;
}

static void test_trust(int dirfd, issuer *iss, X509 *root) {
        static const char conf[] =
                "[server]\nlisten = 127.0.0.1:8443\ndns_names = ca.test\n"
                "[provisioner \"devices\"]\ntype = x5c\n"
                "[provisioner \"bundled\"]\ntype = x5c\nroots = bundle.pem\n"
                "[provisioner \"agents\"]\ntype = acme\nchallenges = device-attest-01\n"
                "[provisioner \"tpms\"]\ntype = acme\nchallenges = device-attest-01\nattestation_roots = bundle.pem\n"
                "[provisioner \"web\"]\ntype = acme\nchallenges = http-01\n";
        static const char conf_missing[] =
                "[server]\nlisten = :1\ndns_names = a\n[provisioner \"x\"]\ntype = x5c\nroots = nope.pem\n";
        static const char conf_garbage[] =
                "[server]\nlisten = :1\ndns_names = a\n[provisioner \"x\"]\ntype = acme\n"
                "challenges = device-attest-01\nattestation_roots = garbage.pem\n";
        _cleanup_(ca_config_freep) ca_config *cfg = NULL, *missing = NULL, *garbage = NULL;
        _cleanup_(ca_trust_freep) ca_trust *t = NULL, *t2 = NULL;
        _cleanup_pkey_ EVP_PKEY *other_key = NULL, *leaf_key = NULL;
        _cleanup_x509_ X509 *other = NULL, *agent = NULL;
        _cleanup_free_ char *other_pem = NULL, *agent_pem = NULL, *bundle = NULL;
        cert_profile cap = { .lifetime = 86400, .key_usage = CERT_KU_KEY_CERT_SIGN, .is_ca = true, .path_len = 0 };
        const ca_anchors *a;
        issued_cert c = {};
        int saved;

        /* bundle.pem: a root of its own (an anchor) and the Agent CA (an
         * intermediate for x5c; for attestation, every certificate is an anchor). */
        agent = X509_dup(issuer_ca_cert(iss, CA_AGENT));
        crypto_key_generate(CRYPTO_KEY_EC_P256, &other_key);
        cert_create(NULL, other_key, other_key, "Other Root", NULL, 0, &cap, &other);
        if (!agent || !other || x509_cert_to_pem(other, &other_pem) < 0 || x509_cert_to_pem(agent, &agent_pem) < 0 ||
            asprintf(&bundle, "%s%s", other_pem, agent_pem) < 0) {
                ok(false, "trust: test bundle made");
                return;
        }
        write_file("bundle.pem", bundle, 0644);
        write_file("garbage.pem", "not a certificate\n", 0644);

        is_ok(ca_config_parse(conf, strlen(conf), &cfg, NULL), "trust: config parsed");
        if (!cfg)
                return;
        is_ok(ca_trust_load(dirfd, cfg, iss, &t), "trust: loaded");
        if (!t)
                return;
        a = ca_trust_root(t);
        ok(sk_X509_num(a->anchors) == 1 && is_cert(a->anchors, 0, root) && sk_X509_num(a->intermediates) == 0,
           "trust: the root alone");
        a = ca_trust_issued_by(t, CA_ACCOUNT);
        ok(a && is_cert(a->anchors, 0, root) && sk_X509_num(a->intermediates) == 1 &&
                   is_cert(a->intermediates, 0, issuer_ca_cert(iss, CA_ACCOUNT)),
           "trust: issued by the Account CA: the root through it");
        ok(!ca_trust_issued_by(t, (ca_kind) 7), "trust: no set for an unknown CA");
        a = ca_trust_provisioner(t, "devices");
        ok(a && sk_X509_num(a->anchors) == 1 && is_cert(a->anchors, 0, root) && sk_X509_num(a->intermediates) == 1 &&
                   is_cert(a->intermediates, 0, agent),
           "trust: x5c without roots: the root through the Agent CA");
        a = ca_trust_provisioner(t, "bundled");
        ok(a && sk_X509_num(a->anchors) == 2 && is_cert(a->anchors, 0, root) && is_cert(a->anchors, 1, other) &&
                   sk_X509_num(a->intermediates) == 1 && is_cert(a->intermediates, 0, agent),
           "trust: x5c roots: self-signed ones and the root anchor, the others are intermediates");
        a = ca_trust_provisioner(t, "agents");
        ok(a && sk_X509_num(a->anchors) == 1 && is_cert(a->anchors, 0, root) && sk_X509_num(a->intermediates) == 0,
           "trust: attestation roots default to the root");
        a = ca_trust_provisioner(t, "tpms");
        ok(a && sk_X509_num(a->anchors) == 2 && is_cert(a->anchors, 0, other) && is_cert(a->anchors, 1, agent),
           "trust: attestation_roots: every certificate an anchor");
        ok(!ca_trust_provisioner(t, "web") && !ca_trust_provisioner(t, "nope"),
           "trust: no set for a provisioner without one");

        /* A certificate of the Account CA chains to its set, not to the root alone. */
        crypto_key_generate(CRYPTO_KEY_EC_P256, &leaf_key);
        issue_request req = {
                .ca = CA_ACCOUNT, .public_key = leaf_key, .subject_cn = "account",
                .profile = cert_profile_leaf(leaf_key, CERT_EKU_CLIENT_AUTH, 600),
        };
        is_ok(issuer_issue(iss, &req, &c), "trust: an account certificate");
        if (c.cert) {
                a = ca_trust_issued_by(t, CA_ACCOUNT);
                is_ok(x509_chain_verify(c.cert, a->intermediates, a->anchors, 0, true),
                      "trust: it verifies through the Account CA");
                a = ca_trust_root(t);
                ok(x509_chain_verify(c.cert, a->intermediates, a->anchors, 0, true) < 0,
                   "trust: not against the root alone");
        }
        issued_cert_done(&c);

        saved = log_get_max_level();
        log_set_max_level(LOG_EMERG);
        is_ok(ca_config_parse(conf_missing, strlen(conf_missing), &missing, NULL),
              "trust: config naming a missing bundle");
        if (missing)
                is_err(ca_trust_load(dirfd, missing, iss, &t2), -ENOENT, "trust: a missing bundle is refused");
        is_ok(ca_config_parse(conf_garbage, strlen(conf_garbage), &garbage, NULL),
              "trust: config naming a bundle of no certificates");
        if (garbage)
                ok(ca_trust_load(dirfd, garbage, iss, &t2) < 0 && !t2, "trust: a bundle of no certificates is refused");
        log_set_max_level(saved);
}

static void test_issuer(store *st) {
        static const char *const stems[] = { "attestation-ca", "agent-ca", "account-ca" };
        _cleanup_pkey_ EVP_PKEY *root_key = NULL, *leaf_key = NULL;
        _cleanup_x509_ X509 *root = NULL;
        _cleanup_(issuer_freep) issuer *iss = NULL;
        _cleanup_close_ int dirfd = -1;
        issued_cert c = {};
        issued_info info = {};
        cert_profile cap = { .lifetime = 86400 * 30, .key_usage = CERT_KU_KEY_CERT_SIGN | CERT_KU_CRL_SIGN, .is_ca = true,
                             .path_len = 0 };
        x509_san san = { .type = X509_SAN_DNS, .value = (char *) "svc.example.org" };
        char path[256];

        crypto_key_generate(CRYPTO_KEY_EC_P256, &root_key);
        cap.path_len = 1;
        is_ok(cert_create(NULL, root_key, root_key, "Test Root", NULL, 0, &cap, &root), "issuer: root created");
        if (!root)
                return;
        save("root", root, NULL);
        cap.path_len = 0;
        for (size_t i = 0; i < ELEMENTSOF(stems); i++) {
                _cleanup_pkey_ EVP_PKEY *k = NULL;
                _cleanup_x509_ X509 *ic = NULL;
                crypto_key_generate(i == 1 ? CRYPTO_KEY_EC_P384 : CRYPTO_KEY_EC_P256, &k);
                cert_create(root, root_key, k, stems[i], NULL, 0, &cap, &ic);
                save(stems[i], ic, k);
        }
        test_profiles(root_key, root);

        dirfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        is_ok(certificates_store_migrate(st), "issuer: certificates schema");
        is_ok(issuer_load(dirfd, st, &iss), "issuer: CA directory loads");
        if (!iss)
                return;
        ok(X509_cmp(issuer_root(iss), root) == 0, "issuer: root loaded");
        is_int(ca_kind_from_string("acme"), CA_AGENT, "issuer: acme is the Agent CA");
        is_int(ca_kind_from_string("nope"), CA_KIND_INVALID, "issuer: unknown CA name");

        crypto_key_generate(CRYPTO_KEY_EC_P256, &leaf_key);
        issue_request req = {
                .ca = CA_AGENT, .public_key = leaf_key, .sans = &san, .n_sans = 1,
                .profile = cert_profile_leaf(leaf_key, CERT_EKU_SERVER_AUTH, 7200),
                .device_id = 42, .account = "acct-1",
        };
        is_ok(issuer_issue(iss, &req, &c), "issuer: issue a leaf");
        if (!c.cert)
                return;
        ok(strlen(c.serial) >= 30 && strlen(c.serial) <= 32, "issuer: 128-bit random serial");
        ok(X509_check_issued(issuer_ca_cert(iss, CA_AGENT), c.cert) == X509_V_OK, "issuer: signed by the Agent CA");
        ok(c.chain_pem && strstr(c.chain_pem + 10, "-----BEGIN CERTIFICATE-----"), "issuer: chain has two certificates");
        {
                _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL, *roots = sk_X509_new_null();
                X509_up_ref(root);
                sk_X509_push(roots, root);
                is_ok(x509_chain_from_pem(c.chain_pem, strlen(c.chain_pem), 4, &chain), "issuer: chain parses");
                if (chain)
                        is_ok(x509_chain_verify(sk_X509_value(chain, 0), chain, roots, 0, false),
                              "issuer: chain verifies to the root");
        }
        is_ok(certificates_lookup(st, c.serial, &info), "issuer: lookup by serial");
        is_int(info.device_id, 42, "issuer: device link stored");
        is_str(info.account, "acct-1", "issuer: account link stored");
        ok(!info.revoked, "issuer: not revoked");
        issued_info_done(&info);

        {
                _cleanup_free_ char *upper = strdup(c.serial);
                for (char *p = upper; *p; p++)
                        if (*p >= 'a' && *p <= 'f')
                                *p = (char) (*p - 'a' + 'A');
                is_ok(certificates_revoke_serial(st, upper, CRL_REASON_KEY_COMPROMISE), "issuer: revoke by serial (any case)");
        }
        is_err(certificates_revoke_serial(st, c.serial, 0), -EALREADY, "issuer: revoking twice");
        is_err(certificates_revoke_serial(st, "abcdef", 0), -ENOENT, "issuer: unknown serial");
        is_ok(certificates_lookup(st, c.serial, &info), "issuer: lookup after revoke");
        ok(info.revoked && info.reason == CRL_REASON_KEY_COMPROMISE && info.revoked_at > 0, "issuer: revocation recorded");
        issued_info_done(&info);
        issued_cert_done(&c);

        is_ok(issuer_issue(iss, &req, &c), "issuer: second for the device");
        issued_cert_done(&c);
        is_ok(issuer_issue(iss, &req, &c), "issuer: third for the device");
        issued_cert_done(&c);
        is_int(certificates_revoke_device(st, 42, CRL_REASON_CESSATION_OF_OPERATION), 2, "issuer: device revocation counts");
        is_int(certificates_revoke_device(st, 42, 0), 0, "issuer: nothing left to revoke");

        {
                _cleanup_(signer_freep) signer *sg = NULL;
                _cleanup_(X509_REQ_freep) X509_REQ *csr = NULL;
                _cleanup_free_ uint8_t *der = NULL;
                _cleanup_(x509_san_list_freep) x509_san_list *got = NULL;
                _cleanup_free_ char *cn = NULL;
                x509_san csans[] = { { .type = X509_SAN_DNS, .value = (char *) "csr.example.org" },
                                     { .type = X509_SAN_URI, .value = (char *) "spiffe://example.org/w" } };
                size_t len;
                cert_profile p = cert_profile_leaf(leaf_key, CERT_EKU_CLIENT_AUTH, 600);

                signer_new_evp(leaf_key, &sg);
                is_ok(x509_csr_build(sg, "csr-cn", csans, 2, &der, &len), "issuer: CSR built");
                is_ok(x509_csr_parse_der(der, len, 16384, &csr), "issuer: CSR parsed");
                is_ok(issuer_issue_csr(iss, CA_ACCOUNT, csr, &p, 0, NULL, &c), "issuer: issue from a CSR");
                if (c.cert) {
                        ok(X509_check_issued(issuer_ca_cert(iss, CA_ACCOUNT), c.cert) == X509_V_OK,
                           "issuer: CSR cert signed by the Account CA");
                        x509_cert_get_cn(c.cert, &cn);
                        is_str(cn, "csr-cn", "issuer: CN from the CSR");
                        x509_cert_get_sans(c.cert, &got);
                        ok(got && got->n == 2 && streq(got->items[1].value, "spiffe://example.org/w"),
                           "issuer: SANs from the CSR");
                        is_ok(certificates_lookup(st, c.serial, &info), "issuer: CSR cert recorded");
                        is_int(info.device_id, 0, "issuer: no device link stored as 0");
                        ok(info.account == NULL, "issuer: no account");
                        issued_info_done(&info);
                }
                issued_cert_done(&c);
        }

        req.ca = (ca_kind) 7;
        is_err(issuer_issue(iss, &req, &c), -EINVAL, "issuer: unknown CA refused");

        test_trust(dirfd, iss, root);

        /* This directory has no account-root.pem (made before it existed):
         * its Account CA chains to root.pem, and loads so. */
        ok(!issuer_has_account_root(iss) && issuer_ca_root(iss, CA_ACCOUNT) == issuer_root(iss),
           "issuer: without account-root.pem the Account CA's root is root.pem");
        issuer_free(TAKE_PTR(iss));
        {
                _cleanup_pkey_ EVP_PKEY *ak = NULL, *ik = NULL;
                _cleanup_x509_ X509 *aroot = NULL, *acct = NULL;
                _cleanup_(ca_trust_freep) ca_trust *t = NULL;
                _cleanup_(ca_config_freep) ca_config *cfg = NULL;
                static const char conf[] = "[server]\nlisten = 127.0.0.1:1\ndns_names = localhost\n";
                const ca_anchors *a;
                int saved;

                crypto_key_generate(CRYPTO_KEY_EC_P256, &ak);
                crypto_key_generate(CRYPTO_KEY_EC_P256, &ik);
                cap.path_len = 1;
                cert_create(NULL, ak, ak, "Test Account Root", NULL, 0, &cap, &aroot);
                save("account-root", aroot, NULL);
                /* The old Account CA (issued by root.pem) no longer fits. */
                saved = log_get_max_level();
                log_set_max_level(LOG_EMERG);
                is_err(issuer_load(dirfd, st, &iss), -EINVAL,
                       "issuer: with account-root.pem an Account CA issued by root.pem is refused");
                log_set_max_level(saved);
                cap.path_len = 0;
                cert_create(aroot, ak, ik, "account-ca", NULL, 0, &cap, &acct);
                save("account-ca", acct, ik);
                is_ok(issuer_load(dirfd, st, &iss), "issuer: an Account CA under account-root.pem loads");
                if (iss) {
                        ok(issuer_has_account_root(iss) && X509_cmp(issuer_ca_root(iss, CA_ACCOUNT), aroot) == 0 &&
                                   X509_cmp(issuer_ca_root(iss, CA_AGENT), root) == 0,
                           "issuer: the Account CA's root is account-root.pem, the others' root.pem");
                        is_ok(ca_config_parse(conf, strlen(conf), &cfg, NULL), "issuer: a config for trust");
                        if (cfg && ca_trust_load(dirfd, cfg, iss, &t) >= 0) {
                                a = ca_trust_issued_by(t, CA_ACCOUNT);
                                ok(sk_X509_num(a->anchors) == 1 && X509_cmp(sk_X509_value(a->anchors, 0), aroot) == 0,
                                   "trust: account certificates chain to account-root.pem only");
                                a = ca_trust_issued_by(t, CA_AGENT);
                                ok(X509_cmp(sk_X509_value(a->anchors, 0), root) == 0,
                                   "trust: agent certificates to root.pem");
                        }
                }
                issuer_free(TAKE_PTR(iss));
        }

        /* A key readable by others must not load. */
        snprintf(path, sizeof(path), "%s/agent-ca.key", tmpdir);
        chmod(path, 0640);
        {
                int saved = log_get_max_level();
                log_set_max_level(LOG_EMERG);
                is_err(issuer_load(dirfd, st, &iss), -EPERM, "issuer: group-readable key refused");
                log_set_max_level(saved);
        }
}

int main(void) {
        _cleanup_(store_closep) store *st = NULL;

        if (ca_test_store_open(tmpdir, &st) < 0)
                return tap_done();
        test_issuer(st);
        store_close(TAKE_PTR(st));
        ca_test_dir_remove(tmpdir);
        return tap_done();
}
