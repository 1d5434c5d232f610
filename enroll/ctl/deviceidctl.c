/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deviceidctl: the administrator's tool on the device. It talks to the
 * TPM and the kernel keyring directly, so it works without the daemon.
 */
#include <getopt.h>

#include "enroll/ctl/ctl.h"
#include "log.h"

static const struct verb {
        const char *name;
        int (*run)(int argc, char *argv[]);
        const char *help;
} verbs[] = {
        { "identity", verb_identity, "Print the TPM's EK URI, EK public key and TPM info" },
        { "import", verb_import, "Publish an external certificate and key: import ACCOUNT --cert F --key F" },
        { "remove", verb_remove, "Withdraw an account's certificate and key: remove ACCOUNT" },
        { "keyring", verb_keyring, "Show what the keyring holds, without secrets" },
        { "attest", verb_attest, "Get an AK certificate from the Attestation CA: attest --ca-url URL" },
        { "enroll", verb_enroll, "Enroll: device and account certificates into the keyring" },
        { "status", verb_status, "What deviceid-enrolld says: state of the device and each account" },
};

static void help(FILE *f) {
        fprintf(f, "Usage: deviceidctl [--verbose] VERB [ARGS...]\n\nVerbs:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                fprintf(f, "  %-10s %s\n", verbs[i].name, verbs[i].help);
        fprintf(f, "\nSee deviceidctl(8).\n");
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "verbose", no_argument, NULL, 'v' },
                { "version", no_argument, NULL, 'V' },
                {}
        };
        int c;

        log_parse_environment();
        /* Stop at the verb: its options are its own. */
        while ((c = getopt_long(argc, argv, "+hvV", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help(stdout);
                        return 0;
                case 'v':
                        log_set_max_level(LOG_DEBUG);
                        break;
                case 'V':
                        printf("deviceidctl %s\n", PACKAGE_VERSION);
                        return 0;
                default:
                        help(stderr);
                        return 2;
                }
        }
        if (optind >= argc) {
                help(stderr);
                return 2;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(argv[optind], verbs[i].name)) {
                        int vargc = argc - optind;
                        char **vargv = argv + optind;
                        int r;

                        optind = 0; /* a fresh getopt scan for the verb's own options */
                        r = verbs[i].run(vargc, vargv);
                        /* A verb may return its own exit status (see ctl.h). */
                        return r < 0 ? 1 : r;
                }
        log_error("Unknown verb \"%s\"; see deviceidctl --help.", argv[optind]);
        return 2;
}
