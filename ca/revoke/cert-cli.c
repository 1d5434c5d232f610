/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `deviceid-ca cert list|revoke`: finds issued certificates (by device,
 * account, name or CA) and revokes one by serial. Works on the database
 * directly, like `deviceid-ca device`; a running server notices the
 * revocation within [revocation] crl_delay and re-signs the CRL.
 */
#include <getopt.h>
#include <inttypes.h>

#include "ca/core/ca-dir.h"
#include "ca/core/certificates.h"
#include "cert-cli.h"
#include "json.h"
#include "log.h"
#include "time-util.h"

static void cert_help(void) {
        printf("Usage: deviceid-ca cert COMMAND --dir DIR [OPTIONS]\n\n"
               "  list [--device ID] [--account A] [--name N] [--ca CA] [--all] [--json]\n"
               "                         issued certificates, newest first (--all: also\n"
               "                         revoked and expired ones)\n"
               "  revoke SERIAL [--reason R]\n"
               "                         revoke one certificate (R: an RFC 5280 reason name\n"
               "                         such as keyCompromise, or its number; default\n"
               "                         unspecified)\n");
}

static int open_store(const char *dir, store **ret) {
        _cleanup_close_ int dirfd = -1;
        _cleanup_(ca_config_freep) ca_config *cfg = NULL;
        int r;

        r = ca_dir_open(dir, &dirfd);
        if (r < 0)
                return r;
        r = ca_config_load(dirfd, &cfg);
        if (r < 0)
                return r;
        return ca_store_open(cfg, dir, ret);
}

static void utc(time_t t, char buf[32]) {
        struct tm tm;

        gmtime_r(&t, &tm);
        strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int print_row(const issued_row *row, void *userdata) {
        json_object *arr = userdata;
        char na[32], ra[32];

        utc(row->not_after, na);
        if (row->revoked)
                utc(row->revoked_at, ra);
        if (arr) {
                _cleanup_json_ json_object *o = json_object_new_object();
                if (!o || json_add_string(o, "serial", row->serial) < 0 || json_add_string(o, "ca", row->ca) < 0 ||
                    json_object_object_add(o, "device_id", row->device_id > 0 ? json_object_new_int64(row->device_id) : NULL) < 0 ||
                    (row->account && json_add_string(o, "account", row->account) < 0) ||
                    (row->subject && json_add_string(o, "subject", row->subject) < 0) ||
                    json_add_string(o, "not_after", na) < 0 ||
                    json_object_object_add(o, "revoked", json_object_new_boolean(row->revoked)) < 0 ||
                    (row->revoked && json_add_string(o, "revoked_at", ra) < 0) ||
                    (row->revoked && json_add_string(o, "reason", crl_reason_to_string(row->reason) ?: "unspecified") < 0) ||
                    json_object_array_add(arr, TAKE_PTR(o)) < 0)
                        return -ENOMEM;
                return 0;
        }
        char dev[24] = "-";
        if (row->device_id > 0)
                snprintf(dev, sizeof(dev), "%" PRId64, row->device_id);
        printf("%-34s %-11s %6s %-20s %-30s %-20s %s%s\n", row->serial, row->ca, dev, row->account ?: "-",
               row->subject ?: "-", na,
               row->revoked ? "revoked:" : (row->not_after <= time(NULL) ? "expired" : "valid"),
               row->revoked ? (crl_reason_to_string(row->reason) ?: "unspecified") : "");
        return 0;
}

static int parse_id(const char *s, int64_t *ret) {
        char *end;
        long long v;

        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno != 0 || *end || v <= 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int cert_list(store *st, const certificates_filter *f, bool json) {
        _cleanup_json_ json_object *arr = NULL;
        int r;

        if (json) {
                arr = json_object_new_array();
                if (!arr)
                        return log_oom();
        } else
                printf("%-34s %-11s %6s %-20s %-30s %-20s %s\n", "SERIAL", "CA", "DEVICE", "ACCOUNT", "SUBJECT",
                       "NOT AFTER", "STATUS");
        r = certificates_list(st, f, 0, print_row, arr);
        if (r == -EINVAL)
                return log_error_errno(r, "Unknown CA \"%s\" (attestation, agent, account).", f->ca);
        if (r < 0)
                return log_error_errno(r, "Failed to list certificates: %m");
        if (json)
                printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        return 0;
}

static int cert_revoke(store *st, const char *serial, int reason) {
        int r = certificates_revoke_serial(st, serial, reason);

        if (r == -ENOENT)
                return log_error_errno(r, "No certificate with serial \"%s\" was issued by this CA.", serial);
        if (r == -EALREADY) {
                log_info("Certificate %s was already revoked.", serial);
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to revoke certificate %s: %m", serial);
        log_info("Revoked certificate %s (reason %s).", serial, crl_reason_to_string(reason));
        return 0;
}

int cmd_cert(int argc, char **argv) {
        static const struct option options[] = {
                { "dir", required_argument, NULL, 'd' },     { "device", required_argument, NULL, 'D' },
                { "account", required_argument, NULL, 'a' }, { "name", required_argument, NULL, 'n' },
                { "ca", required_argument, NULL, 'c' },      { "reason", required_argument, NULL, 'r' },
                { "all", no_argument, NULL, 'A' },           { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },          {},
        };
        _cleanup_(store_closep) store *st = NULL;
        certificates_filter f = {};
        const char *dir = NULL, *cmd;
        int reason = CRL_REASON_UNSPECIFIED, c, r;
        bool json = false;

        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                cert_help();
                return argc < 2 ? 2 : 0;
        }
        cmd = argv[1];
        optind = 2;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'd':
                        dir = optarg;
                        break;
                case 'D':
                        if (parse_id(optarg, &f.device_id) < 0) {
                                log_error("Invalid device id \"%s\".", optarg);
                                return 2;
                        }
                        break;
                case 'a':
                        f.account = optarg;
                        break;
                case 'n':
                        f.name = optarg;
                        break;
                case 'c':
                        f.ca = optarg;
                        break;
                case 'r':
                        reason = crl_reason_from_string(optarg);
                        if (reason < 0) {
                                log_error("Unknown revocation reason \"%s\" (e.g. keyCompromise, superseded, "
                                          "cessationOfOperation, affiliationChanged, privilegeWithdrawn, or their numbers).", optarg);
                                return 2;
                        }
                        break;
                case 'A':
                        f.include_revoked = f.include_expired = true;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'h':
                        cert_help();
                        return 0;
                default:
                        return 2;
                }
        if (!dir) {
                log_error("cert %s needs --dir DIR.", cmd);
                return 2;
        }
        if (streq(cmd, "list")) {
                if (optind < argc) {
                        log_error("cert list takes no arguments but options.");
                        return 2;
                }
        } else if (streq(cmd, "revoke")) {
                if (optind + 1 != argc) {
                        log_error("cert revoke needs exactly one SERIAL.");
                        return 2;
                }
        } else {
                log_error("Unknown cert command \"%s\"; see deviceid-ca cert --help.", cmd);
                return 2;
        }
        r = open_store(dir, &st);
        if (r < 0)
                return 1;
        if (streq(cmd, "list"))
                r = cert_list(st, &f, json);
        else
                r = cert_revoke(st, argv[optind], reason);
        return r < 0 ? 1 : 0;
}
