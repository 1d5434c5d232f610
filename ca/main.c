/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deviceid-ca: the CA service's command line. Dispatches to init, serve
 * and device, and holds the helpers they share.
 */
#include <fcntl.h>
#include <getopt.h>

#include "cli.h"
#include "devices.h"
#include "issuer.h"
#include "log.h"

int ca_dir_open(const char *dir, int *ret_fd) {
        int fd;

        if (!dir)
                return log_error_errno(-EINVAL, "--dir is required.");
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open the CA directory \"%s\": %m", dir);
        *ret_fd = fd;
        return 0;
}

int ca_store_open(const ca_config *cfg, const char *dir, store **ret) {
        _cleanup_(store_closep) store *st = NULL;
        _cleanup_free_ char *url = NULL, *shown = NULL;
        int r;

        r = ca_config_database_url(cfg, dir, &url);
        if (r >= 0)
                r = store_url_for_log(url, &shown);
        if (r < 0)
                return log_oom();
        r = store_open(url, &st);
        if (r < 0)
                return log_error_errno(r, "Failed to open the database \"%s\": %m", shown);
        r = issuer_store_migrate(st);
        if (r >= 0)
                r = devices_store_migrate(st);
        if (r < 0)
                return log_error_errno(r, "Failed to apply the database schema to \"%s\": %m", shown);
        *ret = TAKE_PTR(st);
        return 0;
}

static void help(void) {
        printf("Usage: deviceid-ca COMMAND [OPTIONS]\n\n"
               "Commands:\n"
               "  init --dir DIR --dns-name NAME [--dns-name NAME...] [--listen ADDR:PORT]\n"
               "       [--key-type ec256|ec384|rsa2048] [--database URL] [--force]\n"
               "                      Create a CA directory\n"
               "  serve --dir DIR [--listen ADDR:PORT]\n"
               "                      Run the CA's HTTPS server in the foreground\n"
               "  device add|list|show|disable|enable|remove|import --dir DIR ...\n"
               "                      Manage the device inventory\n"
               "\nSee deviceid-ca(8).\n");
}

int main(int argc, char **argv) {
        log_parse_environment();
        if (argc < 2) {
                help();
                return 2;
        }
        if (streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
                help();
                return 0;
        }
        if (streq(argv[1], "--version")) {
                printf("deviceid-ca %s\n", PACKAGE_VERSION);
                return 0;
        }
        if (streq(argv[1], "init"))
                return cmd_init(argc - 1, argv + 1);
        if (streq(argv[1], "serve"))
                return cmd_serve(argc - 1, argv + 1);
        if (streq(argv[1], "device"))
                return cmd_device(argc - 1, argv + 1);
        log_error("Unknown command \"%s\"; see deviceid-ca --help.", argv[1]);
        return 2;
}
