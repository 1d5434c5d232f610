/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The purge of expired ACME state: a thread that every `interval` seconds
 * deletes the orders (with their authorizations, challenges and attested
 * keys) that expired more than `keep` seconds ago without a certificate
 * (acme_db_purge()). Nonces live in memory, bounded in number and age
 * (acme-nonce.h), and need no purge.
 */
#pragma once

#include <stdint.h>

#include "ca/core/store.h"

typedef struct acme_purger acme_purger;

/* Starts the thread; interval 0 starts nothing (*ret = NULL). 0 or -errno. */
int acme_purger_start(store *st, uint64_t interval, uint64_t keep, acme_purger **ret);
/* Stops and joins the thread; NULL is fine. */
void acme_purger_stop(acme_purger *p);
