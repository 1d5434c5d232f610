/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The deviceid-ca commands (one file each: init.c, serve.c,
 * device-cli.c, console/admin-cli.c, audit-cli.c) and the few helpers
 * they share (main.c).
 */
#pragma once

#include "config.h"
#include "store.h"

/* Each returns the process exit status (0 success, 1 failure, 2 usage). */
int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_device(int argc, char **argv);
int cmd_admin(int argc, char **argv);
int cmd_audit(int argc, char **argv);

/* Opens DIR as a directory fd (O_PATH-free, O_CLOEXEC); logs on failure. */
int ca_dir_open(const char *dir, int *ret_fd);
/* Opens the database named by the config (relative to dir) and applies
 * the "ca", "inventory", "audit" and "console" migrations; logs on
 * failure. */
int ca_store_open(const ca_config *cfg, const char *dir, store **ret);

/* The identity every admin client certificate carries (URI SAN). */
#define CA_ADMIN_URI "urn:deviceid-ca:admin"
