/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin HTTP API under /admin/devices (device inventory), for the
 * admin client certificate that init creates or a console session
 * (admin-auth.h), and the inventory operations it shares with the
 * `device` command.
 */
#pragma once

#include <openssl/x509.h>

#include "devices.h"
#include "http.h"
#include "import.h"
#include "issuer.h"
#include "store.h"

#define ADMIN_IMPORT_MAX_BODY (4 * 1024 * 1024)

/* Registers the /admin/devices routes; callers are authenticated by
 * admin_authorize() (admin_auth_setup() first). */
int admin_api_register(http_server *srv, store *st);

/* Imports a JSON/CSV file into the inventory in one transaction: either
 * every record is added or none. Returns the number added, or -errno with
 * a message in *ret_error naming the record. */
int inventory_import(store *st, const char *buf, size_t len, import_format fmt, char **ret_error);
