/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The keyring contract: the one small API through which the enrollment side
 * publishes, and the FUSE side (fsd) reads, the current certificates and
 * software private keys. Only keyring/ calls keyutils. The layout behind
 * it (key descriptions, types, permissions, timeouts, how a generation is
 * published and read atomically) is documented in docs/keyring.md.
 *
 * Entries are named: "device" (the device certificate chain; its private
 * key stays in the TPM), "roots" (trust anchors; no key), and accounts
 * (names matching [a-z0-9][a-z0-9_-]{0,63}, other than the reserved ones).
 *
 * Change notification: after a publish or remove, the writer calls
 * keyring_notify_readers(), which tells a running deviceid-fsd over its
 * control socket and waits until fsd has reloaded and invalidated, so that
 * "publish returned" means "no reader sees the old bytes any more".
 * Protocol: a SOCK_SEQPACKET unix socket (default KEYRING_FSD_SOCKET, or
 * $DEVICEID_FSD_SOCKET); the client sends one message "reload"; fsd
 * re-reads the keyring, invalidates what changed, and answers "ok" (or
 * "error <text>"). Any other message gets "error unknown request".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "macro.h"

#define KEYRING_NAME "deviceid"
#define KEYRING_FSD_SOCKET "/run/deviceid-fsd/control.sock"
#define KEYRING_MAX_NAME 64
/* Upper bounds on what one entry may hold. */
#define KEYRING_MAX_CHAIN (32 * 1024)
#define KEYRING_MAX_KEY (8 * 1024)

typedef struct keyring keyring;

typedef enum keyring_key_kind {
        KEYRING_KEY_NONE,  /* no private key (device, roots) */
        KEYRING_KEY_PKCS8, /* software key, PKCS#8 PEM: secret */
        KEYRING_KEY_TSS2,  /* TPM-wrapped "TSS2 PRIVATE KEY" PEM: useless off this TPM */
} keyring_key_kind;

/* One consistent generation of an entry. Key bytes are erased on free. */
typedef struct keyring_entry {
        char name[KEYRING_MAX_NAME + 1];
        uint64_t generation;   /* increases by one at every publish of this name */
        char *chain_pem;       /* certificates, leaf first */
        size_t chain_len;
        char *key_pem;         /* NULL for KEYRING_KEY_NONE */
        size_t key_len;
        keyring_key_kind key_kind;
        time_t not_after;      /* of the leaf certificate; 0 for roots */
        time_t published;      /* wall-clock time of publication */
} keyring_entry;

/* 1 if name is a valid account name (reserved names excluded), else 0. */
int keyring_account_name_is_valid(const char *name);
/* 1 if name is an account name or one of "device", "roots". */
int keyring_entry_name_is_valid(const char *name);

/* Finds the deviceid keyring (creating it if create) and returns a handle.
 * -ENOKEY if it does not exist and !create. */
int keyring_open(bool create, keyring **ret);
void keyring_close(keyring *k);
DEFINE_TRIVIAL_CLEANUP_FUNC(keyring *, keyring_close);

/* Publishes a new generation of `name` atomically: readers see either the
 * whole previous generation or the whole new one. The chain is checked
 * (parses, leaf first) and, when a key is given, the key must match the
 * leaf (-EKEYREJECTED otherwise). Keys get a timeout at the leaf's
 * notAfter. On success *ret_generation (if not NULL) is the new number. */
int keyring_publish(keyring *k, const char *name, const char *chain_pem, size_t chain_len,
                    const char *key_pem, size_t key_len, keyring_key_kind kind,
                    uint64_t *ret_generation);

/* Reads the current generation of name; -ENOENT if absent or expired. */
int keyring_get(keyring *k, const char *name, keyring_entry **ret);
void keyring_entry_free(keyring_entry *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(keyring_entry *, keyring_entry_free);

/* Names of all current entries, sorted; *ret is a NULL-terminated array
 * of malloc'ed strings (free with keyring_names_free). */
int keyring_list(keyring *k, char ***ret);
void keyring_names_free(char **names);

/* Withdraws name: its keys are revoked/invalidated at once. -ENOENT if
 * absent. */
int keyring_remove(keyring *k, const char *name);

/* Tells a running deviceid-fsd to reload (see above) and waits up to
 * timeout_ms for its answer. socket_path NULL: $DEVICEID_FSD_SOCKET or
 * KEYRING_FSD_SOCKET. -ENOENT/-ECONNREFUSED if no fsd listens (callers
 * usually ignore that), -ETIMEDOUT, -EIO on an "error" answer. */
int keyring_notify_readers(const char *socket_path, int timeout_ms);
