/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ca-issue: a test driver (never installed) that issues one certificate
 * straight from a CA directory, as the Agent CA does when ACME
 * device-attest-01 completes, so that the Account CA tests have device
 * certificates to sign tokens with and need no TPM:
 *
 *   ca-issue DIR PUBKEY.pem CA CN LIFETIME_S [--ek-uri URI] [--link]
 *            [--dns NAME] [--no-eku]
 *
 * CA is agent/account/attestation. --ek-uri adds a PermanentIdentifier
 * SAN; --link links the certificate to the inventory device of that EK
 * URI (as a device certificate is); --dns adds a DNS SAN; --no-eku leaves
 * out EKU clientAuth. Like `serve`, it names the CA directory's CRL and
 * OCSP URLs ([revocation] in ca.conf). Prints the certificate PEM on stdout.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "ca/core/config.h"
#include "ca/core/issuer.h"
#include "ca/inventory/devices.h"
#include "log.h"

int main(int argc, char **argv) {
        _cleanup_close_ int dirfd = -1;
        _cleanup_(ca_config_freep) ca_config *cfg = NULL;
        _cleanup_(store_closep) store *st = NULL;
        _cleanup_(issuer_freep) issuer *iss = NULL;
        _cleanup_pkey_ EVP_PKEY *pub = NULL;
        _cleanup_(issued_cert_done) issued_cert c = {};
        _cleanup_(device_done) device d = {};
        _cleanup_free_ char *url = NULL, *pem = NULL, *out = NULL, *base = NULL;
        const char *ek_uri = NULL, *dns = NULL;
        bool link = false, eku = true;
        x509_san sans[2];
        size_t n_sans = 0, len;
        ca_kind kind;
        int r;

        log_parse_environment();
        if (argc < 6) {
                fprintf(stderr, "usage: ca-issue DIR PUBKEY CA CN LIFETIME [--ek-uri URI] [--link] [--dns NAME] [--no-eku]\n");
                return 2;
        }
        for (int i = 6; i < argc; i++) {
                if (streq(argv[i], "--ek-uri") && i + 1 < argc)
                        ek_uri = argv[++i];
                else if (streq(argv[i], "--dns") && i + 1 < argc)
                        dns = argv[++i];
                else if (streq(argv[i], "--link"))
                        link = true;
                else if (streq(argv[i], "--no-eku"))
                        eku = false;
                else
                        return 2;
        }
        kind = ca_kind_from_string(argv[3]);
        if (kind < 0)
                return 2;

        dirfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return log_error_errno(negative_errno(), "open %s: %m", argv[1]), 1;
        if (ca_config_load(dirfd, &cfg) < 0 || ca_config_database_url(cfg, argv[1], &url) < 0)
                return 1;
        r = store_open(url, &st);
        if (r >= 0)
                r = certificates_store_migrate(st);
        if (r >= 0)
                r = devices_store_migrate(st);
        if (r >= 0)
                r = issuer_load(dirfd, st, &iss);
        /* The CRL and OCSP locations `serve` puts in what it issues. */
        if (r >= 0)
                r = ca_config_revocation_base(cfg, &base);
        if (r >= 0)
                r = issuer_set_revocation_base(iss, base);
        if (r < 0)
                return log_error_errno(r, "Failed to load the CA: %m"), 1;

        r = read_file_at(AT_FDCWD, argv[2], 64 * 1024, &pem, &len);
        if (r >= 0)
                r = crypto_key_from_pem(pem, len, &pub);
        if (r < 0)
                return log_error_errno(r, "Failed to read the key \"%s\": %m", argv[2]), 1;

        if (ek_uri)
                sans[n_sans++] = (x509_san) { .type = X509_SAN_PERMANENT_ID, .value = (char *) ek_uri };
        if (dns)
                sans[n_sans++] = (x509_san) { .type = X509_SAN_DNS, .value = (char *) dns };
        if (link) {
                if (!ek_uri)
                        return 2;
                r = devices_get_by_ek_uri(st, ek_uri, &d);
                if (r < 0)
                        return log_error_errno(r, "No device \"%s\": %m", ek_uri), 1;
        }
        issue_request req = {
                .ca = kind,
                .public_key = pub,
                .subject_cn = argv[4],
                .sans = sans,
                .n_sans = n_sans,
                .profile = cert_profile_leaf(pub, eku ? CERT_EKU_CLIENT_AUTH : 0, strtoull(argv[5], NULL, 10)),
                .device_id = link ? d.id : 0,
        };
        r = issuer_issue(iss, &req, &c);
        if (r < 0)
                return log_error_errno(r, "Failed to issue: %m"), 1;
        r = x509_cert_to_pem(c.cert, &out);
        if (r < 0)
                return 1;
        fputs(out, stdout);
        return 0;
}
