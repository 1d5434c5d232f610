/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `deviceid-ca audit list`: the audit log from the command line, newest
 * first, the same entries GET /admin/audit gives.
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>

#include "ca/core/audit.h"
#include "ca/core/ca-dir.h"
#include "ca/core/query.h"
#include "console-cli.h"
#include "log.h"
#include "time-util.h"

static void audit_help(void) {
        printf("Usage: deviceid-ca audit list --dir DIR [--limit N] [--before ID] [--search TEXT] [--json]\n");
}

static int print_entries(const audit_entry *v, size_t n, bool json) {
        if (json) {
                _cleanup_json_ json_object *arr = json_object_new_array();
                const char *s;

                if (!arr)
                        return log_oom();
                for (size_t i = 0; i < n; i++) {
                        json_object *o = NULL;
                        if (audit_entry_to_json(&v[i], &o) < 0 || json_object_array_add(arr, o) < 0) {
                                json_object_put(o);
                                return log_oom();
                        }
                }
                s = json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
                if (!s)
                        return log_oom();
                printf("%s\n", s);
                return 0;
        }
        printf("%-6s %-20s %-30s %-22s %-18s %s\n", "ID", "TIME", "WHO", "ACTION", "TARGET", "DETAIL");
        for (size_t i = 0; i < n; i++) {
                char when[FORMAT_TIME_MAX], who[160];

                if (format_time(v[i].at, when) < 0)
                        snprintf(when, sizeof(when), "%" PRId64, (int64_t) v[i].at);
                if (v[i].session)
                        snprintf(who, sizeof(who), "%s:%s(%.8s)", v[i].actor_kind, v[i].actor, v[i].session);
                else
                        snprintf(who, sizeof(who), "%s:%s", v[i].actor_kind, v[i].actor);
                printf("%-6" PRId64 " %-20s %-30s %-22s %-18s %s\n", v[i].id, when, who, v[i].action,
                       v[i].target ?: "-", v[i].detail ?: "");
        }
        return 0;
}

int cmd_audit(int argc, char **argv) {
        static const struct option options[] = {
                { "dir", required_argument, NULL, 'd' },
                { "limit", required_argument, NULL, 'l' },
                { "before", required_argument, NULL, 'b' },
                { "search", required_argument, NULL, 's' },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_close_ int dirfd = -1;
        _cleanup_(ca_config_freep) ca_config *cfg = NULL;
        _cleanup_(store_closep) store *st = NULL;
        const char *dir = NULL, *limit_s = NULL, *before_s = NULL, *search = NULL;
        uint64_t limit, before;
        audit_entry *v = NULL;
        size_t n = 0;
        bool json = false;
        int c, r;

        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                audit_help();
                return argc < 2 ? 2 : 0;
        }
        if (!streq(argv[1], "list")) {
                log_error("Unknown audit command \"%s\".", argv[1]);
                return 2;
        }
        optind = 1;
        while ((c = getopt_long(argc - 1, argv + 1, "h", options, NULL)) >= 0)
                switch (c) {
                case 'd': dir = optarg; break;
                case 'l': limit_s = optarg; break;
                case 'b': before_s = optarg; break;
                case 's': search = optarg; break;
                case 'j': json = true; break;
                case 'h':
                        audit_help();
                        return 0;
                default:
                        return 2;
                }
        if (optind < argc - 1 || !dir) {
                log_error("audit list needs --dir DIR and no other arguments.");
                return 2;
        }
        if (query_parse_count(limit_s, 50, AUDIT_LIST_MAX, &limit) < 0 || limit == 0 ||
            query_parse_count(before_s, 0, INT64_MAX, &before) < 0) {
                log_error("--limit takes 1 to %d, --before an entry id.", AUDIT_LIST_MAX);
                return 2;
        }
        if (ca_dir_open(dir, &dirfd) < 0 || ca_config_load(dirfd, &cfg) < 0 || ca_store_open(cfg, dir, &st) < 0)
                return 1;
        audit_query q = { .before_id = (int64_t) before, .limit = (size_t) limit, .q = search };
        r = audit_list(st, &q, &v, &n);
        if (r == -EINVAL) {
                log_error("Invalid --search text.");
                return 2;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to read the audit log: %m"), 1;
        r = print_entries(v, n, json);
        audit_entries_free(v, n);
        return r < 0 ? 1 : 0;
}
