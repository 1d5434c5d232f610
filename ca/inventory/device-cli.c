/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `deviceid-ca device ...`: the inventory from the command line. Works on
 * the database directly (also while the server runs: SQLite WAL), so it
 * needs no admin certificate, only access to the CA directory. Changes are
 * recorded in the audit log (as the user running the command) in the
 * transaction that makes them.
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>

#include "ca/core/audit.h"
#include "accounts.h"
#include "ca/core/ca-dir.h"
#include "device-cli.h"
#include "devices.h"
#include "posture-store.h"
#include "inventory.h"
#include "log.h"

#define DEVICE_FILE_MAX (64 * 1024)

typedef struct device_args {
        const char *dir;
        const char *ek_uri, *ek_pub, *ek_cert, *name, *serial, *owner, *tags, *format;
        char *tag_list; /* --tag TAG... joined with commas, and --tags */
        bool json;
        char **rest;
        int n_rest;
} device_args;

static void device_help(void) {
        printf("Usage: deviceid-ca device COMMAND --dir DIR [OPTIONS]\n\n"
               "  add (--ek-uri URI | --ek-pub FILE | --ek-cert FILE) [--name N] [--serial S] [--owner O]\n"
               "      [--tags T,...] [--tag T...]\n"
               "  tag ID|EK-URI TAG...   (adds tags)\n"
               "  untag ID|EK-URI TAG... (removes tags; revokes the certificates of accounts\n"
               "                         that no longer target the device)\n"
               "  list [--json]\n"
               "  show ID|EK-URI [--json]\n"
               "  disable ID|EK-URI      (revokes the device's certificates)\n"
               "  enable ID|EK-URI\n"
               "  remove ID|EK-URI       (revokes the device's certificates)\n"
               "  import FILE [--format json|csv]\n"
               "  posture accept ID|EK-URI (the last posture report's PCR values become the baseline)\n");
}

static int open_inventory(const char *dir, store **ret) {
        _cleanup_close_ int dirfd = -1;
        _cleanup_(ca_config_freep) ca_config *cfg = NULL;
        int r;

        r = ca_dir_open(dir, &dirfd);
        if (r < 0)
                return r;
        r = ca_config_load(dirfd, &cfg);
        if (r < 0)
                return r;
        return inventory_store_open(cfg, dir, ret);
}

/* A device named by its numeric id or its EK URI. */
static int find_device(store *st, const char *ref, device *ret) {
        int r;

        if (ref[0] >= '0' && ref[0] <= '9') {
                char *end;
                long long v;

                errno = 0;
                v = strtoll(ref, &end, 10);
                if (errno != 0 || *end || v <= 0)
                        return log_error_errno(-EINVAL, "Invalid device id \"%s\".", ref);
                r = devices_get(st, v, ret);
        } else
                r = devices_get_by_ek_uri(st, ref, ret);
        if (r == -ENOENT)
                return log_error_errno(r, "No device \"%s\" in the inventory.", ref);
        if (r < 0)
                return log_error_errno(r, "Failed to look up device \"%s\": %m", ref);
        return 0;
}

static int print_json(json_object *o) {
        _cleanup_free_ char *s = NULL;
        const char *p = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);

        if (!p)
                return log_oom();
        printf("%s\n", p);
        return 0;
}

static void print_device(const device *d) {
        printf("id:      %" PRId64 "\n"
               "ek_uri:  %s\n"
               "status:  %s\n"
               "name:    %s\n"
               "serial:  %s\n"
               "owner:   %s\n"
               "tags:    %.*s\n"
               "ek_pub:  %s\n"
               "ek_cert: %s\n",
               d->id, d->ek_uri, device_status_to_string(d->status), d->name ?: "-", d->serial ?: "-",
               d->owner ?: "-", d->tags ? (int) strlen(d->tags) - 2 : 1, d->tags ? d->tags + 1 : "-", d->ek_pub ? "yes" : "no", d->ek_cert ? "yes" : "no");
}

/* Ends a change begun with store_begin(): audited as the command-line
 * user and committed with r >= 0, rolled back otherwise. r or the error. */
static int finish_change(store *st, int r, const char *action, int64_t id, const char *ek_uri, int revoked) {
        _cleanup_json_ json_object *detail = NULL;
        audit_actor who;
        char target[48];

        audit_actor_cli(&who);
        detail = r >= 0 ? json_object_new_object() : NULL;
        if (r >= 0 && !detail)
                r = -ENOMEM;
        if (r >= 0 && ek_uri && json_add_string(detail, "ek_uri", ek_uri) < 0)
                r = -ENOMEM;
        if (r >= 0 && revoked >= 0 &&
            json_add_int64(detail, streq(action, "device.import") ? "imported" : "revoked_certificates", revoked) < 0)
                r = -ENOMEM;
        snprintf(target, sizeof(target), "device %" PRId64, id);
        return audit_finish(st, r, &who, action, id > 0 ? target : NULL, detail);
}

static int do_add(store *st, const device_args *a) {
        _cleanup_(device_done) device d = {};
        _cleanup_free_ char *pub = NULL, *cert = NULL;
        size_t pub_len = 0, cert_len = 0;
        const char *why = NULL;
        int r;

        if (a->ek_pub) {
                r = read_file_at(AT_FDCWD, a->ek_pub, DEVICE_FILE_MAX, &pub, &pub_len);
                if (r < 0)
                        return log_error_errno(r, "Failed to read \"%s\": %m", a->ek_pub);
        }
        if (a->ek_cert) {
                r = read_file_at(AT_FDCWD, a->ek_cert, DEVICE_FILE_MAX, &cert, &cert_len);
                if (r < 0)
                        return log_error_errno(r, "Failed to read \"%s\": %m", a->ek_cert);
        }
        device_spec spec = {
                .ek_uri = a->ek_uri, .ek_pub = (const uint8_t *) pub, .ek_pub_len = pub_len,
                .ek_cert = (const uint8_t *) cert, .ek_cert_len = cert_len,
                .name = a->name, .serial = a->serial, .owner = a->owner, .tags = a->tags,
        };
        r = device_from_spec(&spec, &d, &why);
        if (r == -EINVAL)
                return log_error_errno(r, "Cannot add the device: %s.", why ?: "invalid");
        if (r < 0)
                return log_error_errno(r, "Cannot add the device: %m");
        r = store_begin(st);
        if (r < 0)
                return log_error_errno(r, "Failed to add the device: %m");
        r = devices_add(st, &d);
        r = finish_change(st, r, "device.add", d.id, d.ek_uri, -1);
        if (r == -EEXIST)
                return log_error_errno(r, "A device with EK URI \"%s\" is already in the inventory.", d.ek_uri);
        if (r < 0)
                return log_error_errno(r, "Failed to add the device: %m");
        if (a->json) {
                _cleanup_json_ json_object *o = NULL;
                if (device_to_json(&d, &o) < 0)
                        return log_oom();
                return print_json(o);
        }
        printf("%" PRId64 " %s\n", d.id, d.ek_uri);
        return 0;
}

static int do_list(store *st, const device_args *a) {
        device *v = NULL;
        size_t n = 0;
        int r;

        r = devices_list(st, &v, &n);
        if (r < 0)
                return log_error_errno(r, "Failed to list devices: %m");
        if (a->json) {
                _cleanup_json_ json_object *arr = json_object_new_array();
                for (size_t i = 0; i < n && arr; i++) {
                        json_object *o = NULL;
                        if (device_to_json(&v[i], &o) < 0 || json_object_array_add(arr, o) < 0) {
                                json_object_put(o);
                                r = -ENOMEM;
                                break;
                        }
                }
                if (!arr)
                        r = -ENOMEM;
                if (r >= 0)
                        r = print_json(arr);
        } else {
                printf("%-6s %-58s %-9s %-20s %-16s %s\n", "ID", "EK URI", "STATUS", "NAME", "SERIAL", "OWNER");
                for (size_t i = 0; i < n; i++)
                        printf("%-6" PRId64 " %-58s %-9s %-20s %-16s %s\n", v[i].id, v[i].ek_uri,
                               device_status_to_string(v[i].status), v[i].name ?: "-", v[i].serial ?: "-",
                               v[i].owner ?: "-");
        }
        for (size_t i = 0; i < n; i++)
                device_done(&v[i]);
        free(v);
        return r < 0 ? log_oom() : 0;
}

static void print_time(const char *label, int64_t t) {
        char buf[32] = "-";
        struct tm tm;
        time_t tt = (time_t) t;

        if (gmtime_r(&tt, &tm))
                (void) strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
        printf("%s%s", label, buf);
}

/* The posture part of `device show` (docs/posture.md). */
static void print_posture(json_object *p) {
        json_object *base = NULL, *reports = NULL;
        size_t n;

        (void) json_object_object_get_ex(p, "baseline", &base);
        (void) json_object_object_get_ex(p, "reports", &reports);
        n = reports ? json_object_array_length(reports) : 0;
        if (!base && n == 0)
                return;
        printf("posture:\n");
        if (base) {
                json_object *at = NULL;

                (void) json_object_object_get_ex(base, "recordedAt", &at);
                print_time("  baseline:  recorded ", json_object_get_int64(at));
                printf("\n");
        } else
                printf("  baseline:  none\n");
        for (size_t i = 0; i < n; i++) {
                json_object *r = json_object_array_get_idx(reports, i), *v = NULL, *checks = NULL, *facts = NULL;
                const char *acct = "";

                (void) json_object_object_get_ex(r, "at", &v);
                print_time(i == 0 ? "  last:      " : "  earlier:   ", json_object_get_int64(v));
                if (json_object_object_get_ex(r, "account", &v))
                        acct = json_object_get_string(v);
                (void) json_object_object_get_ex(r, "passed", &v);
                printf(" %s %s\n", acct, json_object_get_boolean(v) ? "passed" : "FAILED");
                if (i > 0)
                        continue;
                if (json_object_object_get_ex(r, "checks", &checks) && json_object_is_type(checks, json_type_array))
                        for (size_t k = 0; k < json_object_array_length(checks); k++) {
                                json_object *c = json_object_array_get_idx(checks, k), *name = NULL, *ok = NULL,
                                            *detail = NULL;

                                (void) json_object_object_get_ex(c, "check", &name);
                                (void) json_object_object_get_ex(c, "passed", &ok);
                                (void) json_object_object_get_ex(c, "detail", &detail);
                                printf("    %-15s %-6s %s\n", json_object_get_string(name),
                                       json_object_get_boolean(ok) ? "pass" : "FAIL", json_object_get_string(detail));
                        }
                if (json_object_object_get_ex(r, "eventlog", &v) && json_object_is_type(v, json_type_object)) {
                        json_object *sha = NULL, *size = NULL;

                        (void) json_object_object_get_ex(v, "sha256", &sha);
                        (void) json_object_object_get_ex(v, "size", &size);
                        printf("    event log: %" PRId64 " bytes, sha256 %s\n", json_object_get_int64(size),
                               json_object_get_string(sha));
                }
                if (json_object_object_get_ex(r, "facts", &facts) && json_object_is_type(facts, json_type_object)) {
                        printf("    facts:");
                        json_object_object_foreach(facts, key, val)
                                printf(" %s=%s", key, json_object_get_string(val));
                        printf("\n");
                }
        }
}

static int do_show(store *st, const device_args *a) {
        _cleanup_(device_done) device d = {};
        _cleanup_json_ json_object *posture = NULL;
        int r;

        r = find_device(st, a->rest[0], &d);
        if (r < 0)
                return r;
        r = posture_store_to_json(st, d.id, &posture);
        if (r < 0)
                return log_error_errno(r, "Failed to read the posture of device %" PRId64 ": %m", d.id);
        if (a->json) {
                _cleanup_json_ json_object *o = NULL;
                if (device_to_json(&d, &o) < 0 || json_add_object(o, "posture", TAKE_PTR(posture)) < 0)
                        return log_oom();
                return print_json(o);
        }
        print_device(&d);
        print_posture(posture);
        return 0;
}

static int do_posture_accept(store *st, const device_args *a) {
        _cleanup_(device_done) device d = {};
        int r;

        r = find_device(st, a->rest[1], &d);
        if (r < 0)
                return r;
        r = store_begin(st);
        if (r < 0)
                return log_error_errno(r, "Failed to accept the posture of device %" PRId64 ": %m", d.id);
        r = posture_store_accept(st, d.id, time(NULL));
        r = finish_change(st, r, "device.posture.accept", d.id, d.ek_uri, -1);
        if (r == -ENOENT)
                return log_error_errno(r, "Device %" PRId64 " has sent no posture report yet.", d.id);
        if (r < 0)
                return log_error_errno(r, "Failed to accept the posture of device %" PRId64 ": %m", d.id);
        printf("device %" PRId64 " (%s): the last posture report's PCR values are the new baseline\n", d.id, d.ek_uri);
        return 0;
}

static int do_change(store *st, const device_args *a, const char *verb) {
        _cleanup_(device_done) device d = {};
        int r;

        r = find_device(st, a->rest[0], &d);
        if (r < 0)
                return r;
        r = store_begin(st);
        if (r < 0)
                return log_error_errno(r, "Failed to %s device %" PRId64 ": %m", verb, d.id);
        if (streq(verb, "remove"))
                r = devices_remove(st, d.id);
        else
                r = devices_set_status(st, d.id, streq(verb, "disable") ? DEVICE_DISABLED : DEVICE_ACTIVE);
        r = finish_change(st, r, streq(verb, "remove") ? "device.remove" : streq(verb, "disable") ? "device.disable"
                                                                                                  : "device.enable",
                          d.id, d.ek_uri, streq(verb, "enable") ? -1 : r);
        if (r < 0)
                return log_error_errno(r, "Failed to %s device %" PRId64 ": %m", verb, d.id);
        printf("%s device %" PRId64 " (%s); %d certificate(s) revoked\n",
               streq(verb, "remove") ? "removed" : streq(verb, "disable") ? "disabled" : "enabled", d.id, d.ek_uri,
               r);
        return 0;
}

static int do_tags(store *st, const device_args *a, bool add) {
        _cleanup_(device_done) device d = {};
        const char *why = NULL;
        int r;

        r = find_device(st, a->rest[0], &d);
        if (r < 0)
                return r;
        r = store_begin(st);
        if (r < 0)
                return log_error_errno(r, "Failed to change the tags of device %" PRId64 ": %m", d.id);
        r = accounts_device_change_tags(st, d.id, add, a->rest + 1, (size_t) a->n_rest - 1, &why);
        r = finish_change(st, r, "device.tags", d.id, d.ek_uri, r);
        if (r == -EINVAL)
                return log_error_errno(r, "Cannot change the tags of device %" PRId64 ": %s.", d.id, why ?: "invalid tag");
        if (r < 0)
                return log_error_errno(r, "Failed to change the tags of device %" PRId64 ": %m", d.id);
        printf("%s device %" PRId64 "; %d account certificate(s) revoked\n", add ? "tagged" : "untagged", d.id, r);
        return 0;
}

static int do_import(store *st, const device_args *a) {
        _cleanup_free_ char *buf = NULL, *error = NULL;
        import_format fmt = IMPORT_AUTO;
        size_t len;
        int r;

        if (a->format) {
                if (streq(a->format, "json"))
                        fmt = IMPORT_JSON;
                else if (streq(a->format, "csv"))
                        fmt = IMPORT_CSV;
                else
                        return log_error_errno(-EINVAL, "Unknown --format \"%s\" (json, csv).", a->format);
        }
        r = read_file_at(AT_FDCWD, a->rest[0], IMPORT_MAX_SIZE, &buf, &len);
        if (r < 0)
                return log_error_errno(r, "Failed to read \"%s\": %m", a->rest[0]);
        r = store_begin(st);
        if (r < 0)
                return log_error_errno(r, "Import of \"%s\" failed: %m", a->rest[0]);
        r = inventory_import(st, buf, len, fmt, &error);
        r = finish_change(st, r, "device.import", 0, NULL, r);
        if (r < 0)
                return log_error_errno(r, "Import of \"%s\" failed, nothing was imported: %s", a->rest[0],
                                       error ?: "database error");
        printf("imported %d device(s)\n", r);
        return 0;
}

int cmd_device(int argc, char **argv) {
        static const struct option options[] = {
                { "dir", required_argument, NULL, 'd' },
                { "ek-uri", required_argument, NULL, 'u' },
                { "ek-pub", required_argument, NULL, 'p' },
                { "ek-cert", required_argument, NULL, 'c' },
                { "name", required_argument, NULL, 'n' },
                { "serial", required_argument, NULL, 's' },
                { "owner", required_argument, NULL, 'o' },
                { "tags", required_argument, NULL, 't' },
                { "tag", required_argument, NULL, 'T' },
                { "format", required_argument, NULL, 'f' },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(store_closep) store *st = NULL;
        _cleanup_free_ char *tag_text = NULL;
        device_args a = {};
        const char *verb;
        int c, r, want_rest;

        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                device_help();
                return argc < 2 ? 2 : 0;
        }
        verb = argv[1];
        optind = 1;
        while ((c = getopt_long(argc - 1, argv + 1, "h", options, NULL)) >= 0)
                switch (c) {
                case 'd': a.dir = optarg; break;
                case 'u': a.ek_uri = optarg; break;
                case 'p': a.ek_pub = optarg; break;
                case 'c': a.ek_cert = optarg; break;
                case 'n': a.name = optarg; break;
                case 's': a.serial = optarg; break;
                case 'o': a.owner = optarg; break;
                case 't': a.tags = optarg; break;
                case 'T': {
                        char *joined = NULL;

                        if (asprintf(&joined, "%s%s%s", a.tag_list ?: "", a.tag_list ? "," : "", optarg) < 0)
                                return 1;
                        free(a.tag_list);
                        a.tag_list = joined;
                        break;
                }
                case 'f': a.format = optarg; break;
                case 'j': a.json = true; break;
                case 'h':
                        device_help();
                        return 0;
                default:
                        return 2;
                }
        a.rest = argv + 1 + optind;
        a.n_rest = argc - 1 - optind;
        if (a.tag_list) {
                if (a.tags) {
                        char *joined = NULL;

                        if (asprintf(&joined, "%s,%s", a.tags, a.tag_list) < 0)
                                return 1;
                        free(a.tag_list);
                        a.tag_list = joined;
                }
                a.tags = a.tag_list;
        }
        tag_text = a.tag_list;

        if (streq(verb, "add") || streq(verb, "list"))
                want_rest = 0;
        else if (streq(verb, "show") || streq(verb, "disable") || streq(verb, "enable") ||
                 streq(verb, "remove") || streq(verb, "import"))
                want_rest = 1;
        else if (streq(verb, "tag") || streq(verb, "untag"))
                want_rest = -2;
        else if (streq(verb, "posture")) {
                if (a.n_rest != 2 || !streq(a.rest[0], "accept")) {
                        log_error("device posture takes: accept ID|EK-URI.");
                        return 2;
                }
                want_rest = 2;
        } else {
                log_error("Unknown device command \"%s\".", verb);
                return 2;
        }
        if (want_rest == -2 && a.n_rest < 2) {
                log_error("device %s takes a device and at least one tag.", verb);
                return 2;
        }
        if (want_rest >= 0 && a.n_rest != want_rest) {
                log_error("device %s takes %s.", verb, want_rest ? "exactly one argument" : "no arguments");
                return 2;
        }
        if (!a.dir) {
                log_error("--dir DIR is required.");
                return 2;
        }
        if (streq(verb, "add") && !!a.ek_uri + !!a.ek_pub + !!a.ek_cert != 1) {
                log_error("device add needs exactly one of --ek-uri, --ek-pub, --ek-cert.");
                return 2;
        }

        r = open_inventory(a.dir, &st);
        if (r < 0)
                return 1;
        if (streq(verb, "add"))
                r = do_add(st, &a);
        else if (streq(verb, "list"))
                r = do_list(st, &a);
        else if (streq(verb, "show"))
                r = do_show(st, &a);
        else if (streq(verb, "import"))
                r = do_import(st, &a);
        else if (streq(verb, "posture"))
                r = do_posture_accept(st, &a);
        else if (streq(verb, "tag") || streq(verb, "untag"))
                r = do_tags(st, &a, streq(verb, "tag"));
        else
                r = do_change(st, &a, verb);
        return r < 0 ? 1 : 0;
}
