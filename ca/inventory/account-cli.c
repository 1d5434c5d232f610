/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `deviceid-ca account ...` (account-cli.h). Works on the database
 * directly, like `device`; every change is recorded in the audit log as
 * the user running the command, in the transaction that makes it.
 */
#include <getopt.h>

#include "account-cli.h"
#include "accounts.h"
#include "ca/core/audit.h"
#include "ca/core/ca-dir.h"
#include "inventory.h"
#include "log.h"

typedef struct account_args {
        const char *dir, *sub, *lifetime, *key;
        char *sans[ACCOUNT_MAX_SANS + 1];
        size_t n_sans;
        char *devices[ACCOUNT_MAX_TAGS + 1];
        size_t n_devices;
        bool json, no_sans;
        char **rest;
        int n_rest;
} account_args;

static void account_help(void) {
        printf("Usage: deviceid-ca account COMMAND --dir DIR [OPTIONS]\n\n"
               "  add NAME [--sub TEMPLATE] [--san TEMPLATE...] [--lifetime DUR]\n"
               "      [--key software|tpm] [--devices all|tag:TAG...] [--json]\n"
               "  list [--json]\n"
               "  show NAME [--json]\n"
               "  edit NAME [--sub TEMPLATE] [--san TEMPLATE... | --no-sans] [--lifetime DUR]\n"
               "      [--key software|tpm] [--devices all|tag:TAG...] [--json]\n"
               "                         (what is not given stays; revokes what the change takes away)\n"
               "  remove NAME            (revokes the account's certificates)\n\n"
               "Templates take {name}, {serial}, {owner}, {ek_uri} and {id} from the device record.\n");
}

static int print_json(json_object *o) {
        const char *p = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);

        if (!p)
                return log_oom();
        printf("%s\n", p);
        return 0;
}

static void print_account(const account *a) {
        printf("name:     %s\n"
               "subject:  %s\n"
               "sans:    ",
               a->name, a->sub);
        for (size_t i = 0; i < a->n_sans; i++)
                printf(" %s", a->sans[i]);
        printf("%s\nlifetime: %llus\nkey:      %s\ndevices: ", a->n_sans ? "" : " -", (unsigned long long) a->lifetime,
               account_key_kind_to_string(a->key) ?: "?");
        for (size_t i = 0; i < a->n_tags; i++)
                printf(" tag:%s", a->tags[i]);
        printf("%s\n", a->n_tags ? "" : " all");
}

/* Ends a change begun with store_begin(): audited as the command-line
 * user, committed with r >= 0, rolled back otherwise. r or the error. */
static int finish_change(store *st, int r, const char *action, const char *name, int revoked) {
        _cleanup_json_ json_object *detail = NULL;
        audit_actor who;
        char target[96];

        audit_actor_cli(&who);
        detail = r >= 0 ? json_object_new_object() : NULL;
        if (r >= 0 && (!detail || (revoked >= 0 && json_add_int64(detail, "revoked_certificates", revoked) < 0)))
                r = -ENOMEM;
        snprintf(target, sizeof(target), "account %s", name);
        return audit_finish(st, r, &who, action, target, detail);
}

static int print_result(store *st, const account_args *a, const char *name, const char *done, int revoked) {
        _cleanup_(account_done) account acc = {};
        int r;

        r = accounts_get(st, name, &acc);
        if (r < 0)
                return log_error_errno(r, "Failed to read account \"%s\" back: %m", name);
        if (a->json) {
                _cleanup_json_ json_object *o = NULL;
                if (account_to_json(&acc, &o) < 0)
                        return log_oom();
                return print_json(o);
        }
        if (revoked >= 0)
                printf("%s account %s; %d certificate(s) revoked\n", done, acc.name, revoked);
        else
                printf("%s account %s\n", done, acc.name);
        return 0;
}

static int do_add(store *st, const ca_config *cfg, const account_args *a) {
        _cleanup_(account_done) account acc = {};
        _cleanup_free_ char *why = NULL;
        int r;

        r = account_build(a->rest[0], a->sub, a->sans, a->n_sans, a->lifetime, a->key, a->devices, a->n_devices, cfg,
                          &acc, &why);
        if (r == -EINVAL)
                return log_error_errno(r, "Cannot add account \"%s\": %s.", a->rest[0], why ?: "invalid");
        if (r < 0)
                return log_error_errno(r, "Cannot add account \"%s\": %m", a->rest[0]);
        r = store_begin(st);
        if (r < 0)
                return log_error_errno(r, "Failed to add account \"%s\": %m", acc.name);
        r = accounts_add(st, &acc, &why);
        r = finish_change(st, r, "account.add", acc.name, -1);
        if (r == -EEXIST)
                return log_error_errno(r, "Account \"%s\" already exists.", acc.name);
        if (r == -EINVAL)
                return log_error_errno(r, "Cannot add account \"%s\": %s.", acc.name, why ?: "invalid");
        if (r < 0)
                return log_error_errno(r, "Failed to add account \"%s\": %m", acc.name);
        return print_result(st, a, a->rest[0], "added", -1);
}

/* The definition as the command line writes it, for account_build(). */
static int account_lifetime_arg(const account *cur, char *buf, size_t size) {
        int n = snprintf(buf, size, "%llus", (unsigned long long) cur->lifetime);

        return n < 0 || (size_t) n >= size ? -EINVAL : 0;
}

static int do_edit(store *st, const ca_config *cfg, const account_args *a) {
        _cleanup_(account_done) account cur = {}, acc = {};
        _cleanup_free_ char *why = NULL;
        char *devices[ACCOUNT_MAX_TAGS + 1] = {}, *const *sans, *const *devs;
        _cleanup_free_ char *tag_buf = NULL;
        size_t n_sans, n_devs, tag_len = 0;
        char life[32];
        int r, revoked;

        if (a->no_sans && a->n_sans > 0)
                return log_error_errno(-EINVAL, "--san and --no-sans exclude each other.");
        r = accounts_get(st, a->rest[0], &cur);
        if (r == -ENOENT)
                return log_error_errno(r, "No account \"%s\".", a->rest[0]);
        if (r < 0)
                return log_error_errno(r, "Failed to read account \"%s\": %m", a->rest[0]);
        r = account_lifetime_arg(&cur, life, sizeof(life));
        if (r < 0)
                return log_error_errno(r, "Account \"%s\" has an unusable lifetime.", cur.name);

        sans = a->n_sans || a->no_sans ? (char *const *) a->sans : cur.sans;
        n_sans = a->n_sans || a->no_sans ? a->n_sans : cur.n_sans;
        if (a->n_devices) {
                devs = (char *const *) a->devices;
                n_devs = a->n_devices;
        } else {
                /* "tag:" before each stored tag, in one buffer. */
                for (size_t i = 0; i < cur.n_tags; i++)
                        tag_len += strlen(cur.tags[i]) + 5;
                tag_buf = malloc(tag_len + 1);
                if (!tag_buf)
                        return log_oom();
                for (size_t i = 0, off = 0; i < cur.n_tags; i++) {
                        devices[i] = tag_buf + off;
                        off += (size_t) sprintf(tag_buf + off, "tag:%s", cur.tags[i]) + 1;
                }
                devs = devices;
                n_devs = cur.n_tags;
        }
        r = account_build(cur.name, a->sub ?: cur.sub, sans, n_sans, a->lifetime ?: life,
                          a->key ?: account_key_kind_to_string(cur.key), devs, n_devs, cfg, &acc, &why);
        if (r == -EINVAL)
                return log_error_errno(r, "Cannot change account \"%s\": %s.", cur.name, why ?: "invalid");
        if (r < 0)
                return log_error_errno(r, "Cannot change account \"%s\": %m", cur.name);
        free(why);
        why = NULL;
        r = store_begin(st);
        if (r < 0)
                return log_error_errno(r, "Failed to change account \"%s\": %m", cur.name);
        r = revoked = accounts_update(st, &acc, &why);
        r = finish_change(st, r, "account.edit", cur.name, revoked);
        if (r == -ENOENT)
                return log_error_errno(r, "No account \"%s\".", cur.name);
        if (r == -EINVAL)
                return log_error_errno(r, "Cannot change account \"%s\": %s.", cur.name, why ?: "invalid");
        if (r < 0)
                return log_error_errno(r, "Failed to change account \"%s\": %m", cur.name);
        return print_result(st, a, cur.name, "changed", revoked);
}

static int do_list(store *st, const account_args *a) {
        account *v = NULL;
        size_t n = 0;
        int r;

        r = accounts_list(st, &v, &n);
        if (r < 0)
                return log_error_errno(r, "Failed to list accounts: %m");
        if (a->json) {
                _cleanup_json_ json_object *arr = json_object_new_array();
                for (size_t i = 0; i < n && arr && r >= 0; i++) {
                        json_object *o = NULL;
                        if (account_to_json(&v[i], &o) < 0 || json_object_array_add(arr, o) < 0) {
                                json_object_put(o);
                                r = -ENOMEM;
                        }
                }
                r = !arr || r < 0 ? -ENOMEM : print_json(arr);
        } else {
                printf("%-20s %-10s %-9s %-24s %s\n", "NAME", "LIFETIME", "KEY", "DEVICES", "SUBJECT");
                for (size_t i = 0; i < n; i++) {
                        char life[32];

                        snprintf(life, sizeof(life), "%llus", (unsigned long long) v[i].lifetime);
                        printf("%-20s %-10s %-9s %-24s %s\n", v[i].name, life,
                               account_key_kind_to_string(v[i].key) ?: "?", v[i].n_tags ? "tags" : "all", v[i].sub);
                }
        }
        for (size_t i = 0; i < n; i++)
                account_done(&v[i]);
        free(v);
        return r < 0 ? log_oom() : 0;
}

static int do_show(store *st, const account_args *a) {
        _cleanup_(account_done) account acc = {};
        int r;

        r = accounts_get(st, a->rest[0], &acc);
        if (r == -ENOENT)
                return log_error_errno(r, "No account \"%s\".", a->rest[0]);
        if (r < 0)
                return log_error_errno(r, "Failed to read account \"%s\": %m", a->rest[0]);
        if (a->json) {
                _cleanup_json_ json_object *o = NULL;
                if (account_to_json(&acc, &o) < 0)
                        return log_oom();
                return print_json(o);
        }
        print_account(&acc);
        return 0;
}

static int do_remove(store *st, const account_args *a) {
        int r = store_begin(st);

        if (r >= 0) {
                int revoked = r = accounts_remove(st, a->rest[0]);
                r = finish_change(st, r, "account.remove", a->rest[0], revoked);
        }
        if (r == -ENOENT)
                return log_error_errno(r, "No account \"%s\".", a->rest[0]);
        if (r < 0)
                return log_error_errno(r, "Failed to remove account \"%s\": %m", a->rest[0]);
        printf("removed account %s; %d certificate(s) revoked\n", a->rest[0], r);
        return 0;
}

int cmd_account(int argc, char **argv) {
        static const struct option options[] = {
                { "dir", required_argument, NULL, 'd' },
                { "sub", required_argument, NULL, 's' },
                { "san", required_argument, NULL, 'S' },
                { "lifetime", required_argument, NULL, 'l' },
                { "key", required_argument, NULL, 'k' },
                { "devices", required_argument, NULL, 'D' },
                { "no-sans", no_argument, NULL, 'N' },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(store_closep) store *st = NULL;
        _cleanup_(ca_config_freep) ca_config *cfg = NULL;
        _cleanup_close_ int dirfd = -1;
        account_args a = {};
        const char *verb;
        int c, r, want_rest;

        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                account_help();
                return argc < 2 ? 2 : 0;
        }
        verb = argv[1];
        optind = 1;
        while ((c = getopt_long(argc - 1, argv + 1, "h", options, NULL)) >= 0)
                switch (c) {
                case 'd': a.dir = optarg; break;
                case 's': a.sub = optarg; break;
                case 'l': a.lifetime = optarg; break;
                case 'k': a.key = optarg; break;
                case 'j': a.json = true; break;
                case 'N': a.no_sans = true; break;
                case 'S':
                        if (a.n_sans >= ACCOUNT_MAX_SANS) {
                                log_error("At most %d --san options.", ACCOUNT_MAX_SANS);
                                return 2;
                        }
                        a.sans[a.n_sans++] = optarg;
                        break;
                case 'D':
                        if (a.n_devices >= ACCOUNT_MAX_TAGS) {
                                log_error("At most %d --devices options.", ACCOUNT_MAX_TAGS);
                                return 2;
                        }
                        a.devices[a.n_devices++] = optarg;
                        break;
                case 'h':
                        account_help();
                        return 0;
                default:
                        return 2;
                }
        a.rest = argv + 1 + optind;
        a.n_rest = argc - 1 - optind;

        if (streq(verb, "list"))
                want_rest = 0;
        else if (streq(verb, "add") || streq(verb, "show") || streq(verb, "edit") || streq(verb, "remove"))
                want_rest = 1;
        else {
                log_error("Unknown account command \"%s\".", verb);
                return 2;
        }
        if (a.n_rest != want_rest) {
                log_error("account %s takes %s.", verb, want_rest ? "exactly one account name" : "no arguments");
                return 2;
        }
        if (!a.dir) {
                log_error("--dir DIR is required.");
                return 2;
        }
        r = ca_dir_open(a.dir, &dirfd);
        if (r >= 0)
                r = ca_config_load(dirfd, &cfg);
        if (r >= 0)
                r = inventory_store_open(cfg, a.dir, &st);
        if (r < 0)
                return 1;
        if (streq(verb, "add"))
                r = do_add(st, cfg, &a);
        else if (streq(verb, "list"))
                r = do_list(st, &a);
        else if (streq(verb, "show"))
                r = do_show(st, &a);
        else if (streq(verb, "edit"))
                r = do_edit(st, cfg, &a);
        else
                r = do_remove(st, &a);
        return r < 0 ? 1 : 0;
}
