/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin API's accounts (docs/accounts.md), callers checked by
 * ca/auth/admin-auth.h as every /admin/ route, each change recorded in
 * the audit log in its transaction:
 *   GET    /admin/accounts          {"accounts": [...], "total": N}; ?q= (name,
 *                                   subject or SAN template contains), ?limit=
 *                                   (at most 500; none: all) and ?offset=
 *   POST   /admin/accounts          add: {"name", "sub"?, "sans"?: [..],
 *                                   "lifetime"?: "24h", "key"?: "software"|"tpm",
 *                                   "devices"?: "all" | ["tag:TAG", ...]}
 *   GET    /admin/accounts/NAME     show
 *   PUT    /admin/accounts/NAME     replace the definition (the same object;
 *                                   revokes what it no longer gives, accounts_update())
 *   DELETE /admin/accounts/NAME     remove (revokes its certificates)
 *   POST   /admin/account-preview   {"device": ID, "account": {...}}: the
 *                                   names that device would get, or why none
 * A refused definition is 400 {"status", "message", "field"}: "field"
 * names the member of the account object at fault, when known.
 * A device's tags change through PUT /admin/devices/ID/tags (admin-api.c),
 * which revokes what no longer targets it (accounts_device_set_tags()).
 */
#pragma once

#include "ca/core/config.h"
#include "ca/core/http.h"
#include "ca/core/store.h"

/* Registers the routes. cfg (account names may not be provisioners'; the
 * lifetime's maximum) is borrowed and must outlive the server. */
int accounts_api_register(http_server *srv, store *st, const ca_config *cfg);
