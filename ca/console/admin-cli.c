/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `deviceid-ca admin login-link`: a one-time sign-in link for the web
 * console, made in the database (so the running server can redeem it)
 * by whoever may read the CA directory.
 */
#include <getopt.h>
#include <inttypes.h>

#include "ca/auth/session.h"
#include "ca/core/audit.h"
#include "ca/core/ca-dir.h"
#include "console-cli.h"
#include "duration.h"
#include "log.h"
#include "time-util.h"

static void admin_help(void) {
        printf("Usage: deviceid-ca admin login-link --dir DIR [--ttl DURATION] [--name LABEL]\n\n"
               "Prints a link that signs one browser in to the web console, once,\n"
               "within DURATION (default 10m, at most 24h). LABEL names the person in\n"
               "the audit log (default: your user name).\n");
}

/* https://NAME[:PORT] from [console] url, else the first DNS name and the
 * listen port. */
static int base_url(const ca_config *cfg, char **ret) {
        _cleanup_free_ char *host = NULL;
        unsigned port;
        int r;

        if (cfg->console_url)
                return asprintf(ret, "%s", cfg->console_url) < 0 ? -ENOMEM : 0;
        r = ca_parse_listen(cfg->listen, &host, &port);
        if (r < 0)
                return r;
        if (port == 443)
                r = asprintf(ret, "https://%s", cfg->dns_names[0]);
        else
                r = asprintf(ret, "https://%s:%u", cfg->dns_names[0], port);
        return r < 0 ? -ENOMEM : 0;
}

static int login_link(const char *dir, const char *ttl_s, const char *name) {
        _cleanup_close_ int dirfd = -1;
        _cleanup_(ca_config_freep) ca_config *cfg = NULL;
        _cleanup_(store_closep) store *st = NULL;
        _cleanup_free_ char *token = NULL, *base = NULL;
        audit_actor who;
        uint64_t ttl = CONSOLE_LINK_TTL_DEFAULT;
        char when[FORMAT_TIME_MAX];
        time_t expires;
        int r;

        if (ttl_s && (duration_parse(ttl_s, CONSOLE_LINK_TTL_MAX, &ttl) < 0 || ttl == 0))
                return log_error_errno(-EINVAL, "Invalid --ttl \"%s\" (e.g. 10m; at most 24h).", ttl_s);
        audit_actor_cli(&who);
        if (!name)
                name = who.name;
        if (!console_label_valid(name))
                return log_error_errno(-EINVAL, "Invalid --name \"%s\" (1 to %d printable ASCII characters).", name,
                                       CONSOLE_LABEL_MAX);
        r = ca_dir_open(dir, &dirfd);
        if (r < 0)
                return r;
        r = ca_config_load(dirfd, &cfg);
        if (r < 0)
                return r;
        r = base_url(cfg, &base);
        if (r < 0)
                return log_error_errno(r, "Cannot make the console's address from ca.conf: %m");
        r = ca_store_open(cfg, dir, &st);
        if (r < 0)
                return r;
        r = console_store_migrate(st);
        if (r < 0)
                return log_error_errno(r, "Failed to apply the console's database schema: %m");
        r = console_link_create(st, &who, name, ttl, &token, &expires);
        if (r < 0)
                return log_error_errno(r, "Failed to make a login link: %m");
        if (format_time(expires, when) < 0)
                snprintf(when, sizeof(when), "%" PRId64, (int64_t) expires);
        printf("%s/ui/login#%s\n", base, token);
        fprintf(stderr, "Valid once, until %s, for \"%s\".\n", when, name);
        return 0;
}

int cmd_admin(int argc, char **argv) {
        static const struct option options[] = {
                { "dir", required_argument, NULL, 'd' },
                { "ttl", required_argument, NULL, 't' },
                { "name", required_argument, NULL, 'n' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *dir = NULL, *ttl = NULL, *name = NULL;
        int c;

        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                admin_help();
                return argc < 2 ? 2 : 0;
        }
        if (!streq(argv[1], "login-link")) {
                log_error("Unknown admin command \"%s\".", argv[1]);
                return 2;
        }
        optind = 1;
        while ((c = getopt_long(argc - 1, argv + 1, "h", options, NULL)) >= 0)
                switch (c) {
                case 'd': dir = optarg; break;
                case 't': ttl = optarg; break;
                case 'n': name = optarg; break;
                case 'h':
                        admin_help();
                        return 0;
                default:
                        return 2;
                }
        if (optind < argc - 1 || !dir) {
                log_error("admin login-link needs --dir DIR and no other arguments.");
                return 2;
        }
        return login_link(dir, ttl, name) < 0 ? 1 : 0;
}
