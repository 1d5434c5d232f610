/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pending activations of the Attestation CA: what POST /attest promised,
 * held in memory until POST /secret comes back with the same X-Request-Id
 * (protocols.md 1). Single use: taking an entry removes it, whatever the
 * caller then decides. Nothing survives a restart, which only costs a
 * client one retry.
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
 * Thread-safe (MHD runs one thread per connection): every call takes the
 * table's mutex.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "attest-req.h"
#include "crypto.h"

#define ATTEST_PENDING_MAX 4096        /* entries in the table */
#define ATTEST_PENDING_PER_DEVICE 4    /* entries for one EK from one address */
#define ATTEST_PENDING_PER_ADDRESS 64  /* entries from one client address */
#define ATTEST_PENDING_LIFETIME 60     /* seconds from /attest to /secret */
#define ATTEST_PENDING_ADDR_MAX 64     /* a textual IPv6 address fits */

typedef struct attest_activation {
        char request_id[ATTEST_REQUEST_ID_LEN + 1]; /* lower-case UUID */
        char *ek_uri;
        int64_t device_id;
        uint8_t secret[ATTEST_SECRET_LEN];
        EVP_PKEY *ak_pub;
        uint32_t manufacturer;  /* TPM_PT_MANUFACTURER */
        char *model;
        uint32_t firmware;      /* major << 16 | minor */
        time_t expires;         /* unusable from this second on */
        char addr[ATTEST_PENDING_ADDR_MAX]; /* the client's address ("" if unknown) */
        uint64_t seq;           /* set by the table: order of arrival */
} attest_activation;

/* Erases the secret and frees everything; NULL is fine. */
void attest_activation_free(attest_activation *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(attest_activation *, attest_activation_free);

typedef struct attest_pending attest_pending;

/* A table of at most max entries, per_address of them from one client
 * address and per_device of them for one EK URI from one address (all
 * > 0). 0, -EINVAL or -ENOMEM. */
int attest_pending_new(size_t max, size_t per_device, size_t per_address, attest_pending **ret);
/* Frees the table and every entry left in it; NULL is fine. */
void attest_pending_free(attest_pending *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(attest_pending *, attest_pending_free);

/* Adds a (taking ownership on success only), after dropping the expired
 * entries at time now and then, bound by bound, the oldest entry of a
 * bound a would exceed: a->ek_uri from a->addr, a->addr, the table. Returns
 * the number of unexpired entries dropped (>= 0). Fails, changing nothing,
 * with -EEXIST if an unexpired entry has the same request id (whatever its
 * EK); -EINVAL for a NULL or nameless a. */
int attest_pending_add(attest_pending *p, attest_activation *a, time_t now);

/* Removes the entry of request_id and hands it to the caller (free with
 * attest_activation_free), and drops every entry expired at time now.
 * -ENOENT if there is none; -ETIME if it had expired at time now (it is
 * removed all the same and *ret untouched). */
int attest_pending_take(attest_pending *p, const char *request_id, time_t now, attest_activation **ret);

/* Entries held, expired ones included (for tests and diagnostics). */
size_t attest_pending_count(attest_pending *p);
