/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CA directory every command works on (--dir DIR): opening it, and
 * opening the database its ca.conf names. The command line plumbing that
 * serve, init and the device command share.
 */
#pragma once

#include "config.h"
#include "store.h"

/* Opens DIR as a directory fd (O_CLOEXEC); logs on failure, also when dir
 * is NULL (--dir missing). */
int ca_dir_open(const char *dir, int *ret_fd);

/* Opens the database named by cfg (relative names against dir) and
 * applies the core's schema (the certificates table, the audit log). The schemas of the
 * parts above core (the inventory, the services) are theirs to apply.
 * Logs on failure; 0 or -errno. */
int ca_store_open(const ca_config *cfg, const char *dir, store **ret);
