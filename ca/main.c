/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deviceid-ca: the CA service's command line. Dispatches to init, serve,
 * device, account, cert, admin and audit.
 */
#include "ca/console/console-cli.h"
#include "ca/inventory/account-cli.h"
#include "ca/inventory/device-cli.h"
#include "ca/revoke/cert-cli.h"
#include "cli.h"
#include "log.h"

static void help(void) {
        printf("Usage: deviceid-ca COMMAND [OPTIONS]\n\n"
               "Commands:\n"
               "  init --dir DIR --dns-name NAME [--dns-name NAME...] [--listen ADDR:PORT]\n"
               "       [--http-port PORT] [--key-type ec256|ec384|rsa2048] [--database URL] [--root-key-dir DIR]\n"
               "       [--force]\n"
               "                      Create a CA directory\n"
               "  serve --dir DIR [--listen ADDR:PORT] [--ui-dir DIR]\n"
               "                      Run the CA's HTTPS server in the foreground\n"
               "  device add|list|show|disable|enable|remove|import --dir DIR ...\n"
               "                      Manage the device inventory (tags: tag, untag)\n"
               "  account add|edit|list|show|remove --dir DIR ...\n"
               "                      Manage the accounts devices obtain from the Account CA\n"
               "  cert list|revoke --dir DIR ...\n"
               "                      Find and revoke issued certificates\n"
               "  admin login-link --dir DIR [--ttl 10m] [--name LABEL]\n"
               "                      Print a one-time sign-in link for the web console\n"
               "  audit list --dir DIR [--limit N] [--before ID] [--json]\n"
               "                      Print the audit log, newest first\n"
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
        if (streq(argv[1], "account"))
                return cmd_account(argc - 1, argv + 1);
        if (streq(argv[1], "cert"))
                return cmd_cert(argc - 1, argv + 1);
        if (streq(argv[1], "admin"))
                return cmd_admin(argc - 1, argv + 1);
        if (streq(argv[1], "audit"))
                return cmd_audit(argc - 1, argv + 1);
        log_error("Unknown command \"%s\"; see deviceid-ca --help.", argv[1]);
        return 2;
}
