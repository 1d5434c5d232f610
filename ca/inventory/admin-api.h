/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin HTTP API under /admin/devices (device inventory), for the
 * admin client certificate that init creates or a console session; who
 * may call it is decided by admin_authorize() (ca/auth/admin-auth.h).
 */
#pragma once

#include "ca/core/http.h"
#include "ca/core/store.h"

#define ADMIN_IMPORT_MAX_BODY (4 * 1024 * 1024)

/* Registers the /admin/devices routes; callers are authenticated by
 * admin_authorize() (admin_auth_setup() first). */
int admin_api_register(http_server *srv, store *st);
