/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The deviceid-ca commands (one file each: init.c, serve.c,
 * device-cli.c) and the few helpers they share (main.c).
 */
#pragma once

#include "ca/core/config.h"
#include "ca/core/store.h"

/* Each returns the process exit status (0 success, 1 failure, 2 usage). */
int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_device(int argc, char **argv);

/* Opens DIR as a directory fd (O_PATH-free, O_CLOEXEC); logs on failure. */
int ca_dir_open(const char *dir, int *ret_fd);
/* Opens the database named by the config (relative to dir) and applies
 * the "ca" and "inventory" migrations; logs on failure. */
int ca_store_open(const ca_config *cfg, const char *dir, store **ret);

/* The identity every admin client certificate carries (URI SAN). */
#define CA_ADMIN_URI "urn:deviceid-ca:admin"
