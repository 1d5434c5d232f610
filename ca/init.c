/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `deviceid-ca init`: creates a CA directory: the root with the
 * Attestation and Agent intermediates, the Account CA's own root
 * (account-root.pem) with the Account intermediate, the server's TLS
 * certificate, the admin client certificate, ca.conf and the database.
 * The two root keys go to --root-key-dir when given (a place the
 * administrator takes offline: serve never reads them), else into the CA
 * directory as root.key and account-root.key. Keys are written 0600
 * through a temporary file and rename, so a crash never leaves a
 * half-written key under its final name.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>

#include "ca/core/cert-build.h"
#include "ca/core/certificates.h"
#include "ca/auth/admin-auth.h"
#include "ca/inventory/inventory.h"
#include "cli.h"
#include "log.h"

#define ROOT_LIFETIME (20ULL * 365 * 86400)
#define INTERMEDIATE_LIFETIME (10ULL * 365 * 86400)
#define ADMIN_LIFETIME (5ULL * 365 * 86400)
#define MAX_DNS_NAMES 32

static int write_file_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode) {
        _cleanup_close_ int fd = -1;
        char tmp[256];
        const uint8_t *p = data;

        snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
        (void) unlinkat(dirfd, tmp, 0);
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to create \"%s\": %m", tmp);
        if (fchmod(fd, mode) < 0)
                return log_error_errno(negative_errno(), "Failed to set the mode of \"%s\": %m", tmp);
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(negative_errno(), "Failed to write \"%s\": %m", tmp);
                }
                p += n;
                len -= (size_t) n;
        }
        if (fsync(fd) < 0)
                return log_error_errno(negative_errno(), "Failed to sync \"%s\": %m", tmp);
        if (renameat(dirfd, tmp, dirfd, name) < 0)
                return log_error_errno(negative_errno(), "Failed to rename \"%s\" to \"%s\": %m", tmp, name);
        return 0;
}

static int write_cert(int dirfd, const char *name, X509 *cert) {
        _cleanup_free_ char *pem = NULL;
        int r;

        r = x509_cert_to_pem(cert, &pem);
        if (r < 0)
                return log_error_errno(r, "Failed to encode \"%s\": %m", name);
        return write_file_atomic(dirfd, name, pem, strlen(pem), 0644);
}

static int write_key(int dirfd, const char *name, EVP_PKEY *key) {
        char *pem = NULL;
        size_t len;
        int r;

        r = crypto_key_to_pem_pkcs8(key, &pem, &len);
        if (r < 0)
                return log_error_errno(r, "Failed to encode \"%s\": %m", name);
        r = write_file_atomic(dirfd, name, pem, len, 0600);
        erase_and_free(pem, len);
        return r;
}

/* Creates DIR 0700, or accepts an existing one if it is empty or --force. */
static int prepare_dir(const char *dir, bool force, int *ret_fd) {
        _cleanup_close_ int fd = -1;
        DIR *d;
        struct dirent *de;
        bool empty = true;

        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return log_error_errno(negative_errno(), "Failed to create \"%s\": %m", dir);
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open \"%s\": %m", dir);
        d = fdopendir(fcntl(fd, F_DUPFD_CLOEXEC, 3));
        if (!d)
                return log_error_errno(negative_errno(), "Failed to read \"%s\": %m", dir);
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..")) {
                        empty = false;
                        break;
                }
        closedir(d);
        if (!empty && !force)
                return log_error_errno(-EEXIST, "\"%s\" exists and is not empty; use --force to overwrite the CA in it.",
                                       dir);
        if (fchmod(fd, 0700) < 0)
                return log_error_errno(negative_errno(), "Failed to set the mode of \"%s\": %m", dir);
        if (!empty) {
                /* A new root makes the old database meaningless. */
                (void) unlinkat(fd, "ca.db", 0);
                (void) unlinkat(fd, "ca.db-wal", 0);
                (void) unlinkat(fd, "ca.db-shm", 0);
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static bool host_is_loopback(const char *host) {
        struct in_addr a4;
        struct in6_addr a6;

        if (streq(host, "localhost"))
                return true;
        if (inet_pton(AF_INET, host, &a4) == 1)
                return (ntohl(a4.s_addr) >> 24) == 127;
        if (inet_pton(AF_INET6, host, &a6) == 1)
                return IN6_IS_ADDR_LOOPBACK(&a6);
        return false;
}

static bool host_is_ip(const char *host) {
        struct in6_addr a;
        return inet_pton(AF_INET, host, &a) == 1 || inet_pton(AF_INET6, host, &a) == 1;
}

static int build_config_text(const char *listen, char *const *dns, size_t n_dns, const char *database,
                             unsigned http_port, char **ret) {
        _cleanup_free_ char *names = NULL;
        size_t len = 1;

        for (size_t i = 0; i < n_dns; i++)
                len += strlen(dns[i]) + 2;
        names = calloc(1, len);
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < n_dns; i++) {
                if (i > 0)
                        strcat(names, ", ");
                strcat(names, dns[i]);
        }
        if (asprintf(ret,
                     "# deviceid-ca configuration, created by `deviceid-ca init`; see deviceid-ca(8).\n"
                     "[server]\n"
                     "listen = %s\n"
                     "dns_names = %s\n"
                     "database = %s\n"
                     "# Against slow and idle clients (see deviceid-ca(8)); the defaults:\n"
                     "# threads = 8\n"
                     "# io_threads = 2\n"
                     "# connections = 512\n"
                     "# connections_per_address = 64\n"
                     "# header_timeout = 5s\n"
                     "# request_timeout = 30s\n"
                     "\n"
                     "[lifetimes]\n"
                     "tls = 365d\n"
                     "agent = 30d\n"
                     "account = 24h\n"
                     "attestation = 365d\n"
                     "acme = 90d\n"
                     "\n"
                     "# Request rates (COUNT/DURATION, or off; past them: 429 with Retry-After)\n"
                     "# and the purge of expired ACME orders. The defaults:\n"
                     "[limits]\n"
                     "# new_account_per_address = 100/1h\n"
                     "# new_order_per_account = 300/1h\n"
                     "# new_order_per_address = 1000/1h\n"
                     "# attest_per_address = 600/1h\n"
                     "# purge_interval = 1h\n"
                     "# purge_after = 1d\n"
                     "\n"
                     "# ACME for servers and workloads (Agent CA).\n"
                     "[provisioner \"acme\"]\n"
                     "type = acme\n"
                     "challenges = http-01, dns-01, tls-alpn-01\n"
                     "http01_port = 80\n"
                     "tlsalpn01_port = 443\n"
                     "# dns_resolver = 127.0.0.1:53\n"
                     "\n"
                     "# ACME device-attest-01 for deviceid agents (Agent CA): device identities\n"
                     "# for TPMs in the inventory whose AK certificate chains to attestation_roots.\n"
                     "[provisioner \"agents\"]\n"
                     "type = acme\n"
                     "challenges = device-attest-01\n"
                     "# PEM bundle of trusted AK certificate roots, relative to this directory\n"
                     "# (default: root.pem, which the Attestation CA chains to).\n"
                     "# attestation_roots = attestation-roots.pem\n"
                     "\n"
                     "# Account certificates for devices (Account CA): X5C one-time tokens\n"
                     "# signed with a device certificate, POST /1.0/sign.\n"
                     "[provisioner \"devices\"]\n"
                     "type = x5c\n"
                     "# roots = agent-ca.pem\n"
                     "\n"
                     "# CRLs and OCSP over plain HTTP (every certificate names them); see\n"
                     "# docs/revocation.md.\n"
                     "[revocation]\n"
                     "http_port = %u\n"
                     "# base_url = http://%s:%u\n"
                     "# crl_delay = 1s\n"
                     "# crl_resign = 1h\n"
                     "# crl_validity = 24h\n"
                     "# ocsp_validity = 1h\n",
                     listen, names, database ?: "ca.db", http_port, dns[0], http_port) < 0)
                return -ENOMEM;
        return 0;
}

/* A new root makes an old database meaningless, and a shared database is
 * never emptied by us: --database must name one that no CA has used
 * (checked before anything is written). A file database is left to
 * prepare_dir(), which removes it with --force. */
static int check_database_unused(const ca_config *cfg, const char *dir) {
        _cleanup_(store_closep) store *st = NULL;
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        _cleanup_free_ char *url = NULL, *shown = NULL;
        int r;

        r = ca_config_database_url(cfg, dir, &url);
        if (r >= 0)
                r = store_url_for_log(url, &shown);
        if (r < 0)
                return log_oom();
        if (!strstr(url, "://"))
                return 0;
        r = store_open(url, &st);
        if (r < 0)
                return log_error_errno(r, "Failed to open the database \"%s\": %m", shown);
        /* No bookkeeping table (the prepare fails or finds no row): unused. */
        r = store_prepare(st, "SELECT COUNT(*) FROM store_migrations", &s);
        if (r >= 0)
                r = store_step(s);
        if (r > 0 && store_column_int64(s, 0) > 0)
                return log_error_errno(-EEXIST,
                                       "The database \"%s\" already holds a CA's tables; give init an empty database "
                                       "(other instances of this CA copy its directory instead of running init).",
                                       shown);
        return 0;
}

typedef struct init_args {
        const char *dir, *listen, *root_key_dir, *database;
        unsigned http_port;
        char *dns[MAX_DNS_NAMES];
        size_t n_dns;
        crypto_key_type key_type;
        bool force;
} init_args;

static int make_key(crypto_key_type t, EVP_PKEY **ret) {
        int r = crypto_key_generate(t, ret);
        if (r < 0)
                return log_error_errno(r, "Failed to generate a %s key: %m", crypto_key_type_to_string(t));
        return 0;
}

static int do_init(const init_args *a) {
        static const char *const names[_CA_KIND_MAX] = {
                [CA_ATTESTATION] = "deviceid Attestation CA",
                [CA_AGENT] = "deviceid Agent CA",
                [CA_ACCOUNT] = "deviceid Account CA",
        };
        _cleanup_close_ int dirfd = -1, keydirfd = -1;
        _cleanup_pkey_ EVP_PKEY *root_key = NULL, *account_root_key = NULL;
        _cleanup_x509_ X509 *root = NULL, *account_root = NULL;
        _cleanup_(ca_config_freep) ca_config *cfg = NULL;
        _cleanup_(store_closep) store *st = NULL;
        _cleanup_free_ char *conf = NULL, *error = NULL, *host = NULL;
        x509_san sans[MAX_DNS_NAMES + 2];
        size_t n_sans = 0;
        unsigned port;
        int r;

        /* Validate everything before touching the disk: the config text
         * we are about to write must parse. */
        r = build_config_text(a->listen, a->dns, a->n_dns, a->database, a->http_port, &conf);
        if (r < 0)
                return log_oom();
        r = ca_config_parse(conf, strlen(conf), &cfg, &error);
        if (r < 0)
                return log_error_errno(r, "Invalid arguments: %s", error ?: "out of memory");
        r = ca_parse_listen(a->listen, &host, &port);
        if (r < 0 || port == 0)
                return log_error_errno(-EINVAL, "Invalid --listen \"%s\".", a->listen);
        if (a->database) {
                r = check_database_unused(cfg, a->dir);
                if (r < 0)
                        return r;
        }

        r = prepare_dir(a->dir, a->force, &dirfd);
        if (r < 0)
                return r;
        if (a->root_key_dir) {
                if (mkdir(a->root_key_dir, 0700) < 0 && errno != EEXIST)
                        return log_error_errno(negative_errno(), "Failed to create \"%s\": %m", a->root_key_dir);
                keydirfd = open(a->root_key_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (keydirfd < 0)
                        return log_error_errno(negative_errno(), "Failed to open \"%s\": %m", a->root_key_dir);
        }

        r = make_key(a->key_type, &root_key);
        if (r < 0)
                return r;
        cert_profile ca_profile = {
                .lifetime = ROOT_LIFETIME,
                .key_usage = CERT_KU_KEY_CERT_SIGN | CERT_KU_CRL_SIGN | CERT_KU_DIGITAL_SIGNATURE,
                .is_ca = true,
                .path_len = 1,
        };
        r = cert_create(NULL, root_key, root_key, "deviceid Root CA", NULL, 0, &ca_profile, &root);
        if (r < 0)
                return log_error_errno(r, "Failed to create the root certificate: %m");
        r = write_key(keydirfd >= 0 ? keydirfd : dirfd, "root.key", root_key);
        if (r >= 0)
                r = write_cert(dirfd, "root.pem", root);
        if (r < 0)
                return r;

        /* The Account CA's own root: what resources trust, and nothing
         * else chains to it. */
        r = make_key(a->key_type, &account_root_key);
        if (r < 0)
                return r;
        r = cert_create(NULL, account_root_key, account_root_key, "deviceid Account Root CA", NULL, 0, &ca_profile,
                        &account_root);
        if (r < 0)
                return log_error_errno(r, "Failed to create the Account CA's root certificate: %m");
        r = write_key(keydirfd >= 0 ? keydirfd : dirfd, "account-root.key", account_root_key);
        if (r >= 0)
                r = write_cert(dirfd, "account-root.pem", account_root);
        if (r < 0)
                return r;

        ca_profile.lifetime = INTERMEDIATE_LIFETIME;
        ca_profile.path_len = 0;
        for (int k = 0; k < _CA_KIND_MAX; k++) {
                _cleanup_pkey_ EVP_PKEY *key = NULL;
                _cleanup_x509_ X509 *cert = NULL;
                char file[64];

                r = make_key(a->key_type, &key);
                if (r < 0)
                        return r;
                if (k == CA_ACCOUNT)
                        r = cert_create(account_root, account_root_key, key, names[k], NULL, 0, &ca_profile, &cert);
                else
                        r = cert_create(root, root_key, key, names[k], NULL, 0, &ca_profile, &cert);
                if (r < 0)
                        return log_error_errno(r, "Failed to create the %s certificate: %m", names[k]);
                snprintf(file, sizeof(file), "%s-ca.key", ca_kind_to_string(k));
                r = write_key(dirfd, file, key);
                if (r < 0)
                        return r;
                snprintf(file, sizeof(file), "%s-ca.pem", ca_kind_to_string(k));
                r = write_cert(dirfd, file, cert);
                if (r < 0)
                        return r;
        }

        /* The server's own TLS certificate, issued by the root. */
        for (size_t i = 0; i < a->n_dns; i++)
                sans[n_sans++] = (x509_san) { .type = X509_SAN_DNS, .value = a->dns[i] };
        if (host_is_loopback(host)) {
                sans[n_sans++] = (x509_san) { .type = X509_SAN_IP, .value = (char *) "127.0.0.1" };
                sans[n_sans++] = (x509_san) { .type = X509_SAN_IP, .value = (char *) "::1" };
        } else if (host_is_ip(host))
                sans[n_sans++] = (x509_san) { .type = X509_SAN_IP, .value = host };
        {
                _cleanup_pkey_ EVP_PKEY *key = NULL;
                _cleanup_x509_ X509 *cert = NULL;
                cert_profile p;

                r = make_key(a->key_type, &key);
                if (r < 0)
                        return r;
                p = cert_profile_leaf(key, CERT_EKU_SERVER_AUTH, cfg->lifetime_tls);
                r = cert_create(root, root_key, key, a->dns[0], sans, n_sans, &p, &cert);
                if (r < 0)
                        return log_error_errno(r, "Failed to create the TLS certificate: %m");
                r = write_key(dirfd, "tls.key", key);
                if (r >= 0)
                        r = write_cert(dirfd, "tls.pem", cert);
                if (r < 0)
                        return r;
        }

        /* The admin client certificate for the admin API. */
        {
                _cleanup_pkey_ EVP_PKEY *key = NULL;
                _cleanup_x509_ X509 *cert = NULL;
                x509_san admin_san = { .type = X509_SAN_URI, .value = (char *) CA_ADMIN_URI };
                cert_profile p;

                r = make_key(a->key_type, &key);
                if (r < 0)
                        return r;
                p = cert_profile_leaf(key, CERT_EKU_CLIENT_AUTH, ADMIN_LIFETIME);
                r = cert_create(root, root_key, key, "deviceid-ca admin", &admin_san, 1, &p, &cert);
                if (r < 0)
                        return log_error_errno(r, "Failed to create the admin certificate: %m");
                r = write_key(dirfd, "admin.key", key);
                if (r >= 0)
                        r = write_cert(dirfd, "admin.pem", cert);
                if (r < 0)
                        return r;
        }

        r = write_file_atomic(dirfd, CA_CONFIG_FILE, conf, strlen(conf), 0644);
        if (r < 0)
                return r;
        r = inventory_store_open(cfg, a->dir, &st);
        if (r < 0)
                return r;

        log_info("Created the CA in \"%s\" (root: %s/root.pem; Account CA root: %s/account-root.pem).", a->dir,
                 a->dir, a->dir);
        if (a->root_key_dir)
                log_info("The root keys are in \"%s\": take them offline; serve does not need them.", a->root_key_dir);
        return 0;
}

int cmd_init(int argc, char **argv) {
        static const struct option options[] = {
                { "dir", required_argument, NULL, 'd' },
                { "dns-name", required_argument, NULL, 'n' },
                { "listen", required_argument, NULL, 'l' },
                { "key-type", required_argument, NULL, 'k' },
                { "http-port", required_argument, NULL, 'p' },
                { "database", required_argument, NULL, 'D' },
                { "force", no_argument, NULL, 'f' },
                { "root-key-dir", required_argument, NULL, 'r' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        init_args a = { .listen = ":8443", .http_port = 8080, .key_type = CRYPTO_KEY_EC_P256 };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'd':
                        a.dir = optarg;
                        break;
                case 'n':
                        if (a.n_dns >= MAX_DNS_NAMES) {
                                log_error("At most %d --dns-name options.", MAX_DNS_NAMES);
                                return 2;
                        }
                        a.dns[a.n_dns++] = optarg;
                        break;
                case 'l':
                        a.listen = optarg;
                        break;
                case 'k':
                        a.key_type = crypto_key_type_from_string(optarg);
                        if (a.key_type != CRYPTO_KEY_EC_P256 && a.key_type != CRYPTO_KEY_EC_P384 &&
                            a.key_type != CRYPTO_KEY_RSA_2048) {
                                log_error("Unsupported --key-type \"%s\" (ec256, ec384, rsa2048).", optarg);
                                return 2;
                        }
                        break;
                case 'p': {
                        char *end;
                        unsigned long v = strtoul(optarg, &end, 10);
                        if (*end || end == optarg || v == 0 || v > 65535) {
                                log_error("Invalid --http-port \"%s\".", optarg);
                                return 2;
                        }
                        a.http_port = (unsigned) v;
                        break;
                }
                case 'f':
                        a.force = true;
                        break;
                case 'r':
                        a.root_key_dir = optarg;
                        break;
                case 'D':
                        a.database = optarg;
                        break;
                case 'h':
                        printf("deviceid-ca init --dir DIR --dns-name NAME [--dns-name NAME...]\n"
                               "    [--listen ADDR:PORT] [--http-port PORT] [--key-type ec256|ec384|rsa2048]\n"
                               "    [--database URL] [--root-key-dir DIR] [--force]\n");
                        return 0;
                default:
                        return 2;
                }
        if (optind < argc) {
                log_error("Unexpected argument \"%s\".", argv[optind]);
                return 2;
        }
        if (!a.dir || a.n_dns == 0) {
                log_error("init needs --dir and at least one --dns-name.");
                return 2;
        }
        return do_init(&a) < 0 ? 1 : 0;
}
