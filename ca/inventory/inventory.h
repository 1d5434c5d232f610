/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the inventory's two front ends (the admin API and the `device`
 * command) and the server share: opening the database with the
 * inventory's schema, and importing a file in one transaction.
 */
#pragma once

#include <stddef.h>

#include "ca/core/config.h"
#include "ca/core/store.h"
#include "import.h"

/* ca_store_open() and the schemas of the devices table (module
 * "inventory") and the accounts and device tags (module "accounts").
 * Logs on failure; 0 or -errno. */
int inventory_store_open(const ca_config *cfg, const char *dir, store **ret);

/* Imports a JSON/CSV file into the inventory in one transaction: either
 * every record is added or none. Returns the number added, or -errno with
 * a message in *ret_error naming the record. */
int inventory_import(store *st, const char *buf, size_t len, import_format fmt, char **ret_error);
