/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Check-only driver of common/x509-*.c for the integration tests
 * (tests/integration/test_x509_openssl.py), which hold its output against
 * the openssl CLI:
 *
 *   x509-tool csr TYPE OUT [--cn CN] [--dns N] [--ip A] [--uri U]
 *             [--email E] [--permid VALUE[,ASSIGNER]]...
 *       generates a TYPE key in memory (ec256, ec384, rsa2048, ...), builds
 *       a CSR through a software signer, writes OUT.der and OUT.pem (the
 *       PEM made by x509_csr_der_to_pem) and prints the SPKI PEM.
 *   x509-tool names FILE          CN and SANs of a PEM certificate or CSR,
 *                                 one "kind:value" per line
 *   x509-tool verify LEAF ROOTS [--untrusted PEM] [--at EPOCH] [--clientauth]
 *       exit 0 if LEAF verifies, 1 (reason on stderr) if not.
 *
 * Exit status 2 on usage or I/O errors.
 */
#include <fcntl.h>
#include <getopt.h>

#include "log.h"
#include "x509.h"

#define MAX_FILE (1024 * 1024)
#define MAX_SANS 32

static int read_all(const char *path, char **ret, size_t *ret_len) {
        int r = read_file_at(AT_FDCWD, path, MAX_FILE, ret, ret_len);
        if (r < 0)
                return log_error_errno(r, "Failed to read \"%s\": %m", path);
        return 0;
}

static int write_all(const char *path, const void *data, size_t len) {
        _cleanup_fclose_ FILE *f = fopen(path, "we");

        if (!f || fwrite(data, 1, len, f) != len || fflush(f) != 0)
                return log_error_errno(errno ? errno : EIO, "Failed to write \"%s\": %m", path);
        return 0;
}

static const char *san_kind(x509_san_type t) {
        switch (t) {
        case X509_SAN_DNS:
                return "DNS";
        case X509_SAN_IP:
                return "IP";
        case X509_SAN_URI:
                return "URI";
        case X509_SAN_EMAIL:
                return "email";
        case X509_SAN_PERMANENT_ID:
                return "permanentIdentifier";
        case X509_SAN_TPM_DEVICE:
                return "tpmDevice";
        }
        return "?";
}

static int cmd_csr(int argc, char **argv) {
        static const struct option opts[] = {
                { "cn", required_argument, NULL, 'c' },  { "dns", required_argument, NULL, 'd' },
                { "ip", required_argument, NULL, 'i' },  { "uri", required_argument, NULL, 'u' },
                { "email", required_argument, NULL, 'e' }, { "permid", required_argument, NULL, 'p' },
                {},
        };
        _cleanup_pkey_ EVP_PKEY *key = NULL;
        _cleanup_(signer_freep) signer *s = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        _cleanup_free_ char *pem = NULL, *pub = NULL, *path = NULL;
        x509_san sans[MAX_SANS];
        size_t n = 0, len;
        const char *cn = NULL;
        crypto_key_type type;
        int c, r;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
                if (c == 'c') {
                        cn = optarg;
                        continue;
                }
                if (c == '?' || n >= MAX_SANS)
                        return -EINVAL;
                sans[n] = (x509_san) { .value = optarg };
                switch (c) {
                case 'd':
                        sans[n].type = X509_SAN_DNS;
                        break;
                case 'i':
                        sans[n].type = X509_SAN_IP;
                        break;
                case 'u':
                        sans[n].type = X509_SAN_URI;
                        break;
                case 'e':
                        sans[n].type = X509_SAN_EMAIL;
                        break;
                case 'p': {
                        char *comma = strchr(optarg, ',');
                        sans[n].type = X509_SAN_PERMANENT_ID;
                        if (comma) {
                                *comma = '\0';
                                sans[n].assigner = comma + 1;
                        }
                        break;
                }
                }
                n++;
        }
        if (argc - optind != 2)
                return log_error_errno(EINVAL, "Usage: csr TYPE OUT [options]");
        type = crypto_key_type_from_string(argv[optind]);
        if (type == CRYPTO_KEY_INVALID)
                return log_error_errno(EINVAL, "Unknown key type \"%s\".", argv[optind]);

        r = crypto_key_generate(type, &key);
        if (r < 0)
                return log_error_errno(r, "Failed to generate a key: %m");
        r = signer_new_evp(key, &s);
        if (r < 0)
                return log_error_errno(r, "Failed to create a signer: %m");
        r = x509_csr_build(s, cn, sans, n, &der, &len);
        if (r < 0)
                return log_error_errno(r, "Failed to build the CSR: %m");
        r = x509_csr_der_to_pem(der, len, &pem);
        if (r < 0)
                return log_error_errno(r, "Failed to encode the CSR: %m");
        r = crypto_pubkey_to_pem(key, &pub);
        if (r < 0)
                return log_error_errno(r, "Failed to encode the public key: %m");

        if (asprintf(&path, "%s.der", argv[optind + 1]) < 0)
                return log_oom();
        r = write_all(path, der, len);
        if (r < 0)
                return r;
        free(path);
        if (asprintf(&path, "%s.pem", argv[optind + 1]) < 0)
                return log_oom();
        r = write_all(path, pem, strlen(pem));
        if (r < 0)
                return r;
        fputs(pub, stdout);
        return 0;
}

static void print_names(const char *cn, int cn_r, const x509_san_list *l) {
        if (cn_r >= 0)
                printf("CN:%s\n", cn);
        for (size_t i = 0; i < l->n; i++) {
                printf("%s:%s", san_kind(l->items[i].type), l->items[i].value);
                if (l->items[i].assigner)
                        printf(";%s", l->items[i].assigner);
                if (l->items[i].type == X509_SAN_TPM_DEVICE)
                        printf("%s/%s/%s", l->items[i].tpm.manufacturer ?: "-", l->items[i].tpm.model ?: "-",
                               l->items[i].tpm.version ?: "-");
                putchar('\n');
        }
}

static int cmd_names(int argc, char **argv) {
        _cleanup_free_ char *text = NULL, *cn = NULL;
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        size_t len;
        int r, cn_r;

        if (argc != 2)
                return log_error_errno(EINVAL, "Usage: names FILE");
        r = read_all(argv[1], &text, &len);
        if (r < 0)
                return r;
        if (strstr(text, "CERTIFICATE REQUEST-----")) {
                _cleanup_(X509_REQ_freep) X509_REQ *req = NULL;

                r = x509_csr_parse_pem(text, len, 64 * 1024, &req);
                if (r < 0)
                        return log_error_errno(r, "Failed to parse the CSR: %m");
                cn_r = x509_csr_get_cn(req, &cn);
                r = x509_csr_get_sans(req, &sans);
        } else {
                _cleanup_x509_ X509 *cert = NULL;

                r = x509_cert_from_pem(text, len, &cert);
                if (r < 0)
                        return log_error_errno(r, "Failed to parse the certificate: %m");
                cn_r = x509_cert_get_cn(cert, &cn);
                r = x509_cert_get_sans(cert, &sans);
        }
        if (r < 0)
                return log_error_errno(r, "Failed to read the SANs: %m");
        if (cn_r < 0 && cn_r != -ENOENT)
                return log_error_errno(cn_r, "Failed to read the CN: %m");
        print_names(cn, cn_r, sans);
        return 0;
}

static int load_chain(const char *path, STACK_OF(X509) **ret) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        r = read_all(path, &text, &len);
        if (r < 0)
                return r;
        r = x509_chain_from_pem(text, len, 16, ret);
        if (r < 0)
                return log_error_errno(r, "Failed to parse \"%s\": %m", path);
        return 0;
}

static int cmd_verify(int argc, char **argv) {
        static const struct option opts[] = {
                { "untrusted", required_argument, NULL, 'u' },
                { "at", required_argument, NULL, 'a' },
                { "clientauth", no_argument, NULL, 'c' },
                {},
        };
        _cleanup_x509_stack_ STACK_OF(X509) *leaf = NULL, *roots = NULL, *untrusted = NULL;
        bool clientauth = false;
        time_t at = 0;
        int c, r;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                switch (c) {
                case 'u':
                        r = load_chain(optarg, &untrusted);
                        if (r < 0)
                                return r;
                        break;
                case 'a':
                        at = (time_t) strtoll(optarg, NULL, 10);
                        break;
                case 'c':
                        clientauth = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (argc - optind != 2)
                return log_error_errno(EINVAL, "Usage: verify LEAF ROOTS [options]");
        r = load_chain(argv[optind], &leaf);
        if (r < 0)
                return r;
        r = load_chain(argv[optind + 1], &roots);
        if (r < 0)
                return r;
        r = x509_chain_verify(sk_X509_value(leaf, 0), untrusted, roots, at, clientauth);
        if (r < 0) {
                log_error_errno(r, "\"%s\" does not verify: %m", argv[optind]);
                return 1;
        }
        printf("verified\n");
        return 0;
}

int main(int argc, char **argv) {
        int r;

        log_set_max_level(LOG_INFO);
        log_parse_environment();
        if (argc < 2) {
                log_error("Usage: x509-tool csr|names|verify ...");
                return 2;
        }
        if (streq(argv[1], "csr"))
                r = cmd_csr(argc - 1, argv + 1);
        else if (streq(argv[1], "names"))
                r = cmd_names(argc - 1, argv + 1);
        else if (streq(argv[1], "verify"))
                r = cmd_verify(argc - 1, argv + 1);
        else {
                log_error("Unknown command \"%s\".", argv[1]);
                return 2;
        }
        if (r == 1)
                return 1;
        return r < 0 ? 2 : 0;
}
