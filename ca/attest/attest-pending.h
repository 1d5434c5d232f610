/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pending activations of the Attestation CA: what POST /attest promised,
 * kept in the CA database until POST /secret comes back with the same
 * X-Request-Id (protocols.md 1), so that the two requests may reach two
 * different CA instances. Single use in the whole fleet: taking an entry
 * deletes it in the statement that reads it, whatever the caller then
 * decides. The secret itself is never stored, only its SHA-256: reading
 * the table does not let anyone answer a challenge.
 *
 * Bounded in time, in entries per device and client address, per client
 * address, and in all, and never full: a new attempt always gets a slot by
 * dropping the oldest entry of the bound it meets (its own EK from its own
 * address, then its own address, then the whole table). Anyone who knows a
 * device's public EK can replay its /attest body, but only pushes out
 * entries made from the replayer's own address; the device's entries,
 * made from its address, stay until the device takes them (or, with the
 * table full, until floods from many addresses outrun a device's round
 * trip, which the per-address request rate limit is there to prevent).
 *
 * Thread-safe and safe across processes: every call is one statement or
 * one transaction of its own.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "attest-req.h"
#include "crypto.h"
#include "ca/core/store.h"

#define ATTEST_PENDING_MAX 4096        /* entries in the table */
#define ATTEST_PENDING_PER_DEVICE 4    /* entries for one EK from one address */
#define ATTEST_PENDING_PER_ADDRESS 64  /* entries from one client address */
#define ATTEST_PENDING_LIFETIME 60     /* seconds from /attest to /secret */
#define ATTEST_PENDING_ADDR_MAX 64     /* a client address key fits */

typedef struct attest_activation {
        char request_id[ATTEST_REQUEST_ID_LEN + 1]; /* lower-case UUID */
        char *ek_uri;
        int64_t device_id;
        uint8_t secret_sha256[32]; /* SHA-256 of the credential's secret */
        EVP_PKEY *ak_pub;
        uint32_t manufacturer;  /* TPM_PT_MANUFACTURER */
        char *model;
        uint32_t firmware;      /* major << 16 | minor */
        time_t expires;         /* unusable from this second on */
        char addr[ATTEST_PENDING_ADDR_MAX]; /* the client's address key ("" if unknown) */
} attest_activation;

/* Erases and frees everything; NULL is fine. */
void attest_activation_free(attest_activation *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(attest_activation *, attest_activation_free);

typedef struct attest_pending attest_pending;

/* The table in st (module "attest", migrated here): at most max entries,
 * per_address of them from one client address and per_device of them for
 * one EK URI from one address (all > 0). st is borrowed. 0, -EINVAL,
 * -ENOMEM or the store's -errno. */
int attest_pending_new(store *st, size_t max, size_t per_device, size_t per_address, attest_pending **ret);
/* Frees the handle; the entries stay in the database. NULL is fine. */
void attest_pending_free(attest_pending *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(attest_pending *, attest_pending_free);

/* Stores a copy of a (the caller keeps a), after dropping the entries
 * expired at time now and then, bound by bound, the oldest entries of a
 * bound a would exceed: a->ek_uri from a->addr, a->addr, the table.
 * Returns the number of unexpired entries dropped (>= 0). Fails, changing
 * nothing, with -EEXIST if an unexpired entry has the same request id
 * (whatever its EK); -EINVAL for an incomplete a; the store's -errno
 * (-EBUSY: database busy or unreachable, -ENOSPC: disk full). */
int attest_pending_add(attest_pending *p, const attest_activation *a, time_t now);

/* Deletes the entry of request_id and hands it to the caller (free with
 * attest_activation_free). -ENOENT if there is none (or another request
 * took it first, at any instance); -ETIME if it had expired at time now
 * (it is deleted all the same and *ret untouched); the store's -errno. */
int attest_pending_take(attest_pending *p, const char *request_id, time_t now, attest_activation **ret);

/* Entries held, expired ones included (for tests and diagnostics), or
 * -errno. */
int64_t attest_pending_count(attest_pending *p);
