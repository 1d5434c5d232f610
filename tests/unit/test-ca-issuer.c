/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the CA's issuance: certificate profiles (extensions
 * checked through OpenSSL's own accessors); an issuer loaded from a CA
 * directory built here, issuing, recording and revoking certificates,
 * and refusing a group-readable key; the device inventory's table. The
 * database is test-db.h's (SQLite, or PostgreSQL when run by
 * test_ca_store.py); the store itself is tested by test-store.c.
 */
#include <fcntl.h>
#include <pthread.h>
#include <ftw.h>
#include <sys/stat.h>
#include <openssl/x509v3.h>

#include "devices.h"
#include "issuer.h"
#include "log.h"
#include "store.h"
#include "tap.h"
#include "test-db.h"

static char tmpdir[] = "/tmp/test-ca-issuer-XXXXXX";

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

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
        is_ok(issuer_store_migrate(st), "issuer: certificates schema");
        is_ok(devices_store_migrate(st), "issuer: devices schema");
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
        is_ok(issuer_lookup(iss, c.serial, &info), "issuer: lookup by serial");
        is_int(info.device_id, 42, "issuer: device link stored");
        is_str(info.account, "acct-1", "issuer: account link stored");
        ok(!info.revoked, "issuer: not revoked");
        issued_info_done(&info);

        {
                _cleanup_free_ char *upper = strdup(c.serial);
                for (char *p = upper; *p; p++)
                        if (*p >= 'a' && *p <= 'f')
                                *p = (char) (*p - 'a' + 'A');
                is_ok(issuer_revoke_serial(iss, upper, CRL_REASON_KEY_COMPROMISE), "issuer: revoke by serial (any case)");
        }
        is_err(issuer_revoke_serial(iss, c.serial, 0), -EALREADY, "issuer: revoking twice");
        is_err(issuer_revoke_serial(iss, "abcdef", 0), -ENOENT, "issuer: unknown serial");
        is_ok(issuer_lookup(iss, c.serial, &info), "issuer: lookup after revoke");
        ok(info.revoked && info.reason == CRL_REASON_KEY_COMPROMISE && info.revoked_at > 0, "issuer: revocation recorded");
        issued_info_done(&info);
        issued_cert_done(&c);

        is_ok(issuer_issue(iss, &req, &c), "issuer: second for the device");
        issued_cert_done(&c);
        is_ok(issuer_issue(iss, &req, &c), "issuer: third for the device");
        issued_cert_done(&c);
        is_int(issuer_revoke_device(iss, 42, CRL_REASON_CESSATION_OF_OPERATION), 2, "issuer: device revocation counts");
        is_int(issuer_revoke_device(iss, 42, 0), 0, "issuer: nothing left to revoke");

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
                        is_ok(issuer_lookup(iss, c.serial, &info), "issuer: CSR cert recorded");
                        is_int(info.device_id, 0, "issuer: no device link stored as 0");
                        ok(info.account == NULL, "issuer: no account");
                        issued_info_done(&info);
                }
                issued_cert_done(&c);
        }

        req.ca = (ca_kind) 7;
        is_err(issuer_issue(iss, &req, &c), -EINVAL, "issuer: unknown CA refused");

        /* A key readable by others must not load. */
        issuer_free(TAKE_PTR(iss));
        snprintf(path, sizeof(path), "%s/agent-ca.key", tmpdir);
        chmod(path, 0640);
        {
                int saved = log_get_max_level();
                log_set_max_level(LOG_EMERG);
                is_err(issuer_load(dirfd, st, &iss), -EPERM, "issuer: group-readable key refused");
                log_set_max_level(saved);
        }
}

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

int main(void) {
        _cleanup_(store_closep) store *st = NULL;
        char db[1024];

        if (!mkdtemp(tmpdir))
                return 1;
        test_db_url(tmpdir, db, sizeof(db));
        if (!is_ok(store_open(db, &st), "store: open"))
                return tap_done();
        test_issuer(st);
        test_devices(st);
        store_close(TAKE_PTR(st));
        if (nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS) < 0)
                printf("# could not remove %s\n", tmpdir);
        return tap_done();
}
