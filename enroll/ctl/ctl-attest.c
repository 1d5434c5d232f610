/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deviceidctl attest: gets an AK certificate from the Attestation CA by
 * credential activation (protocols.md 1) and prints its chain. With
 * --ak-key the AK is kept as a TSS2 PRIVATE KEY PEM, a blob wrapped by
 * this TPM's SRK and useless elsewhere: the only key material a file may
 * hold. The file is created new (0600, temp file + rename without
 * replace); an existing file is never overwritten.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>
#include <openssl/bn.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "enroll/client/attest-client.h"
#include "enroll/ctl/ctl.h"
#include "enroll/tpm/tpm-key.h"
#include "json.h"
#include "log.h"
#include "time-util.h"
#include "x509.h"

#define ROOT_FILE_MAX (1024 * 1024)

/* Exit statuses beyond 0 (success) and 1 (any other failure). */
enum {
        EXIT_CA_UNREACHABLE = 3, /* no HTTP answer: DNS, TCP, TLS, timeout */
        EXIT_CA_REFUSED = 4,     /* the CA answered with an error status */
        EXIT_CA_BAD_RESPONSE = 5 /* malformed answer, or a certificate we refuse */
};

static void attest_help(FILE *f) {
        fprintf(f,
                "Usage: deviceidctl attest --ca-url URL [--root FILE] [--ak-alg ecc|rsa]\n"
                "                          [--ak-key FILE] [--json] [--tcti TCTI]\n\n"
                "  --ca-url URL    Attestation CA base, e.g. https://ca.example:8443/attestation\n"
                "  --root FILE     PEM root(s) for TLS and for the AK certificate chain\n"
                "                  (default: system store for TLS, chain not verified)\n"
                "  --ak-alg ALG    ecc (P-256, default) or rsa (RSA-2048)\n"
                "  --ak-key FILE   save the AK as a TSS2 PRIVATE KEY PEM (new file, 0600)\n"
                "  --json          machine-readable output\n"
                "  --tcti TCTI     TPM to use (tctildr syntax; default $DEVICEID_TCTI or %s)\n",
                TPM_DEFAULT_TCTI);
}

static int parse_ak_alg(const char *s) {
        if (streq(s, "ecc"))
                return TPM_KEY_ECC_P256;
        if (streq(s, "rsa"))
                return TPM_KEY_RSA_2048;
        return tpm_key_alg_from_string(s);
}

/* Splits path into its directory (opened) and last component. */
static int open_parent(const char *path, int *ret_dirfd, const char **ret_base) {
        _cleanup_free_ char *dir = NULL;
        const char *slash = strrchr(path, '/');
        int fd;

        if (slash && slash[1] == '\0')
                return -EISDIR;
        if (!slash) {
                dir = strdup(".");
                *ret_base = path;
        } else {
                dir = slash == path ? strdup("/") : strndup(path, (size_t) (slash - path));
                *ret_base = slash + 1;
        }
        if (!dir)
                return -ENOMEM;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        *ret_dirfd = fd;
        return 0;
}

/* Puts the finished temp file in place unless the name exists: rename
 * without replace, or link + unlink where the file system lacks it. */
static int move_into_place(int dirfd, const char *tmp, const char *base) {
        if (renameat2(dirfd, tmp, dirfd, base, RENAME_NOREPLACE) >= 0)
                return 0;
        if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
                return negative_errno();
        if (linkat(dirfd, tmp, dirfd, base, 0) < 0)
                return negative_errno();
        (void) unlinkat(dirfd, tmp, 0);
        return 0;
}

/* Writes a new file of mode 0600 named base in dirfd: never overwrites
 * (-EEXIST), never leaves a partial file under the final name. */
static int write_new_file_at(int dirfd, const char *base, const char *data, size_t len) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *suffix = NULL, *tmp = NULL;
        int r;

        r = crypto_random_b64url(9, &suffix);
        if (r < 0)
                return r;
        if (asprintf(&tmp, ".%s.%s.tmp", base, suffix) < 0)
                return -ENOMEM;
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return negative_errno();
        /* The umask may have taken bits away; make it exactly 0600. */
        r = fchmod(fd, 0600) < 0 ? negative_errno() : 0;
        for (size_t done = 0; r >= 0 && done < len;) {
                ssize_t n = write(fd, data + done, len - done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        r = negative_errno();
                else
                        done += (size_t) n;
        }
        if (r >= 0 && fsync(fd) < 0)
                r = negative_errno();
        if (r >= 0)
                r = move_into_place(dirfd, tmp, base);
        if (r < 0) {
                (void) unlinkat(dirfd, tmp, 0);
                return r;
        }
        (void) fsync(dirfd);
        return 0;
}

/* Before any TPM or CA work: the directory must exist and be writable,
 * and the name must be free. Keeps the directory open for the write. */
static int prepare_key_file(const char *path, int *ret_dirfd, const char **ret_base) {
        _cleanup_close_ int dirfd = -1;
        const char *base;
        struct stat st;
        int r;

        r = open_parent(path, &dirfd, &base);
        if (r < 0)
                return log_error_errno(r, "Cannot write the AK key to \"%s\": %m", path);
        if (faccessat(dirfd, ".", W_OK, AT_EACCESS) < 0)
                return log_error_errno(errno, "Cannot write the AK key to \"%s\": %m", path);
        if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) >= 0)
                return log_error_errno(EEXIST, "\"%s\" already exists; refusing to overwrite it.", path);
        if (errno != ENOENT)
                return log_error_errno(errno, "Failed to check \"%s\": %m", path);
        *ret_dirfd = TAKE_FD(dirfd);
        *ret_base = base;
        return 0;
}

static int print_json(const attest_client_result *res, tpm_key_alg alg, const char *ak_key_path) {
        _cleanup_json_ json_object *o = json_object_new_object(), *chain = json_object_new_array();
        _cleanup_free_ char *serial = NULL, *s = NULL;
        X509 *leaf = sk_X509_value(res->chain, 0);
        char not_before[FORMAT_TIME_MAX], not_after[FORMAT_TIME_MAX];
        time_t nb, na;
        int r;

        if (!o || !chain)
                return log_oom();
        r = x509_cert_get_validity(leaf, &nb, &na);
        if (r >= 0)
                r = format_time(nb, not_before);
        if (r >= 0)
                r = format_time(na, not_after);
        if (r < 0)
                return log_error_errno(r, "Failed to read the AK certificate's validity: %m");
        r = x509_cert_serial_hex(leaf, &serial);
        if (r < 0)
                return log_oom();
        for (int i = 0; i < sk_X509_num(res->chain); i++) {
                _cleanup_free_ char *pem = NULL;
                json_object *e;

                r = x509_cert_to_pem(sk_X509_value(res->chain, i), &pem);
                if (r < 0)
                        return log_error_errno(r, "Failed to encode certificate %d: %m", i);
                e = json_object_new_string(pem);
                if (!e || json_object_array_add(chain, e) < 0) {
                        json_object_put(e);
                        return log_oom();
                }
        }
        r = json_add_string(o, "ekUri", res->ek_uri);
        if (r >= 0)
                r = json_add_string(o, "akAlgorithm", tpm_key_alg_to_string(alg));
        if (r >= 0)
                r = json_add_string(o, "serial", serial);
        if (r >= 0)
                r = json_add_string(o, "notBefore", not_before);
        if (r >= 0)
                r = json_add_string(o, "notAfter", not_after);
        if (r >= 0 && ak_key_path)
                r = json_add_string(o, "akKeyFile", ak_key_path);
        if (r >= 0)
                r = json_add_object(o, "chain", TAKE_PTR(chain));
        if (r >= 0)
                r = json_to_string_dup(o, &s);
        if (r < 0)
                return log_oom();
        printf("%s\n", s);
        return 0;
}

static int print_pem(const attest_client_result *res) {
        _cleanup_free_ char *pem = NULL;
        int r;

        r = x509_chain_to_pem(res->chain, &pem);
        if (r < 0)
                return log_error_errno(r, "Failed to encode the AK certificate chain: %m");
        fputs(pem, stdout);
        return 0;
}

/* Transport errors whose strerror() says it all ("Connection refused"). */
static bool errno_speaks_for_itself(int r) {
        return r == -ECONNREFUSED || r == -ETIMEDOUT || r == -EHOSTUNREACH || r == -ENETUNREACH;
}

/* Logs the one line that says what failed and returns the exit status. */
static int report(int r, const client_failure *e, const char *ca_url, const char *root_path,
                  const char *tcti) {
        const char *url = e->url[0] ? e->url : ca_url;
        const char *sep = e->detail[0] ? ": " : "";

        switch (e->kind) {
        case CLIENT_FAIL_CONNECT:
                if (r == -EKEYREJECTED)
                        log_error("The Attestation CA at %s presented a TLS certificate that does not "
                                  "verify against %s%s%s",
                                  url, root_path ?: "the system trust store", sep, e->detail);
                else if (errno_speaks_for_itself(r))
                        log_error_errno(r, "Failed to reach the Attestation CA at %s: %m", url);
                else
                        log_error_errno(r, "Failed to reach the Attestation CA at %s: %m%s%s%s", url,
                                        e->detail[0] ? " (" : "", e->detail, e->detail[0] ? ")" : "");
                return EXIT_CA_UNREACHABLE;
        case CLIENT_FAIL_REFUSED:
                log_error("The Attestation CA at %s refused the request (HTTP %ld)%s%s", url, e->status,
                          sep, e->detail);
                return EXIT_CA_REFUSED;
        case CLIENT_FAIL_RESPONSE:
                log_error_errno(r, "Bad response from the Attestation CA at %s%s%s", url, sep, e->detail);
                return EXIT_CA_BAD_RESPONSE;
        case CLIENT_FAIL_CHECK:
                log_error("Refusing the AK certificate from the Attestation CA at %s%s%s", ca_url, sep,
                          e->detail);
                return EXIT_CA_BAD_RESPONSE;
        case CLIENT_FAIL_TPM:
                log_error_errno(r, "Failed to %s via \"%s\": %m%s%s", e->step, tcti, sep, e->detail);
                return 1;
        default:
                log_error_errno(r, "Failed to %s: %m%s%s", e->step ?: "run the exchange", sep, e->detail);
                return 1;
        }
}

int verb_attest(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "ca-url", required_argument, NULL, 'u' },
                { "root", required_argument, NULL, 'r' },
                { "ak-alg", required_argument, NULL, 'a' },
                { "ak-key", required_argument, NULL, 'k' },
                { "json", no_argument, NULL, 'j' },
                { "tcti", required_argument, NULL, 'T' },
                {}
        };
        _cleanup_(tpm_unrefp) tpm_ctx *t = NULL;
        _cleanup_(attest_client_result_done) attest_client_result res = {};
        _cleanup_(cert_bundle_done) cert_bundle roots = {};
        _cleanup_free_ char *root_pem = NULL, *key_pem = NULL;
        const char *ca_url = NULL, *root_path = NULL, *ak_key_path = NULL, *tcti = NULL, *key_base = NULL;
        _cleanup_close_ int key_dirfd = -1;
        tpm_key_alg alg = TPM_KEY_ECC_P256;
        client_failure err;
        bool json = false;
        size_t len;
        int c, r;

        while ((c = getopt_long(argc, argv, "hu:r:a:k:jT:", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        attest_help(stdout);
                        return 0;
                case 'u':
                        ca_url = optarg;
                        break;
                case 'r':
                        root_path = optarg;
                        break;
                case 'a':
                        r = parse_ak_alg(optarg);
                        if (r < 0)
                                return log_error_errno(r, "Unknown AK algorithm \"%s\" (ecc or rsa).",
                                                       optarg);
                        alg = (tpm_key_alg) r;
                        break;
                case 'k':
                        ak_key_path = optarg;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'T':
                        tcti = optarg;
                        break;
                default:
                        attest_help(stderr);
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                attest_help(stderr);
                return log_error_errno(EINVAL, "Unexpected argument \"%s\".", argv[optind]);
        }
        if (!ca_url)
                return log_error_errno(EINVAL, "--ca-url is required; see deviceidctl attest --help.");
        if (strncmp(ca_url, "https://", 8) != 0)
                return log_error_errno(EINVAL, "The CA URL \"%s\" does not start with https://.", ca_url);

        /* Fail before the TPM and the CA do any work. */
        if (ak_key_path) {
                r = prepare_key_file(ak_key_path, &key_dirfd, &key_base);
                if (r < 0)
                        return r;
        }
        if (root_path) {
                r = read_file_at(AT_FDCWD, root_path, ROOT_FILE_MAX, &root_pem, &len);
                if (r < 0)
                        return log_error_errno(r, "Failed to read \"%s\": %m", root_path);
                r = cert_bundle_from_pem(root_pem, len, 16, &roots);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0)
                        return log_error_errno(r, "\"%s\" is not a bundle of 1 to 16 PEM certificates.",
                                               root_path);
        }

        r = tpm_open(tcti, &t);
        if (r < 0)
                return log_error_errno(r, "Failed to open the TPM via \"%s\": %m", tpm_tcti_resolve(tcti));
        r = attest_client_enroll(t, ca_url, root_path ? &roots : NULL, alg, &res, &err);
        if (r < 0)
                return report(r, &err, ca_url, root_path, tpm_tcti(t));
        log_debug("AK certificate issued for \"%s\".", res.ek_uri);

        if (ak_key_path) {
                r = tpm_key_to_pem(res.ak, &key_pem, &len);
                if (r < 0)
                        return log_error_errno(r, "Failed to encode the AK as a TSS2 PRIVATE KEY: %m");
                r = write_new_file_at(key_dirfd, key_base, key_pem, len);
                if (r == -EEXIST)
                        return log_error_errno(r, "\"%s\" appeared meanwhile; refusing to overwrite it.",
                                               ak_key_path);
                if (r < 0)
                        return log_error_errno(r, "Failed to write the AK key to \"%s\": %m", ak_key_path);
        }
        r = json ? print_json(&res, alg, ak_key_path) : print_pem(&res);
        if (r < 0)
                return r;
        if (fflush(stdout) != 0 || ferror(stdout))
                return log_error_errno(EIO, "Failed to write to standard output.");
        return 0;
}
