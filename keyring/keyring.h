/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The keyring contract, reader side: the one small API through which the
 * FUSE side (fsd) and the enrollment side read the current certificates
 * and software private keys (get, list; no OpenSSL). The enrollment side
 * publishes and removes through the writer side (writer.h). Only keyring/
 * calls keyutils. The layout behind it (key descriptions, types,
 * permissions, timeouts, how a generation is published and read
 * atomically) is documented in docs/keyring.md.
 *
 * Entries are named: "device" (the device certificate chain; its private
 * key stays in the TPM), "roots" (trust anchors; no key), and accounts
 * (names matching [a-z0-9][a-z0-9_-]{0,63}, other than the reserved ones).
 *
 * Where it lives: a keyring named KEYRING_NAME (or $DEVICEID_KEYRING, so
 * tests can use their own) linked into the user keyring of the calling uid
 * (uid 0 for the agent): it lasts until reboot, whatever KeyringMode= the
 * systemd units use, but both sides must run as the same uid in the same
 * user namespace. Every call re-finds the keyring there, so a keyring
 * removed and re-created under a running process is picked up.
 *
 * Atomicity: each entry is ONE kernel key whose payload frames a whole
 * generation (name, generation, kind, notAfter, chain, key), so a single
 * read is always one consistent generation. A new generation is a new key,
 * complete with permissions and timeout before it becomes visible, that
 * replaces the old link in one keyctl_link(); the old key is then revoked.
 *
 * Change notification: after a publish or remove, the writer calls
 * keyring_notify_readers(), which tells a running deviceid-fsd over its
 * control socket and waits until fsd has reloaded and invalidated, so that
 * "publish returned" means "no reader sees the old bytes any more".
 * Protocol: a SOCK_SEQPACKET unix socket (default KEYRING_FSD_SOCKET, or
 * $DEVICEID_FSD_SOCKET); the client sends one message "reload" (6 bytes,
 * no NUL); fsd re-reads the keyring, invalidates what changed, and answers
 * one message "ok" (or "error <text>"), then may close. Any other message
 * gets "error unknown request".
 *
 * Threads and fork: a handle may be used from any thread (one at a time:
 * it is not locked). After fork() the child must keyring_open() its own.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "macro.h"

#define KEYRING_NAME "deviceid"
#define KEYRING_ENV "DEVICEID_KEYRING"
#define KEYRING_FSD_SOCKET "/run/deviceid-fsd/control.sock"
#define KEYRING_FSD_SOCKET_ENV "DEVICEID_FSD_SOCKET"
#define KEYRING_MAX_NAME 64
/* Upper bounds on what one entry may hold: a whole generation must fit in
 * one "user" key (KEYRING_MAX_PAYLOAD). */
#define KEYRING_MAX_CHAIN (24 * 1024)
#define KEYRING_MAX_KEY (7 * 1024)
/* The kernel's limit on a "user" key payload; one entry never exceeds it. */
#define KEYRING_MAX_PAYLOAD 32767

typedef struct keyring keyring;

typedef enum keyring_key_kind {
        KEYRING_KEY_NONE,  /* no private key (device, roots) */
        KEYRING_KEY_PKCS8, /* software key, PKCS#8 PEM: secret */
        KEYRING_KEY_TSS2,  /* TPM-wrapped "TSS2 PRIVATE KEY" PEM: useless off this TPM */
        _KEYRING_KEY_KIND_MAX,
        KEYRING_KEY_INVALID = -EINVAL,
} keyring_key_kind;

/* "none", "pkcs8", "tss2"; NULL for anything else. */
const char *keyring_key_kind_to_string(keyring_key_kind k);
keyring_key_kind keyring_key_kind_from_string(const char *s);

/* One consistent generation of an entry. Key bytes are erased on free. */
typedef struct keyring_entry {
        char name[KEYRING_MAX_NAME + 1];
        uint64_t generation;   /* strictly increases at every publish of this name, never
                                * reused until reboot (a keyring-wide counter), not always +1 */
        char *chain_pem;       /* certificates, leaf first; NUL-terminated */
        size_t chain_len;      /* without the NUL */
        char *key_pem;         /* NULL for KEYRING_KEY_NONE; else NUL-terminated */
        size_t key_len;
        keyring_key_kind key_kind;
        time_t not_after;      /* of the leaf certificate; 0 for roots */
        time_t published;      /* wall-clock time of publication */
} keyring_entry;

/* 1 if name is a valid account name (reserved names excluded), else 0. */
int keyring_account_name_is_valid(const char *name);
/* 1 if name is an account name or one of "device", "roots". */
int keyring_entry_name_is_valid(const char *name);

/* Finds the keyring named $DEVICEID_KEYRING or KEYRING_NAME in the calling
 * uid's user keyring (creating it, with the documented permissions, if
 * create) and returns a handle. -ENOKEY if it does not exist and !create;
 * -EMEDIUMTYPE if only a key of another type holds that name; -EINVAL if
 * $DEVICEID_KEYRING is not a valid name; -EDQUOT over quota. */
int keyring_open(bool create, keyring **ret);
void keyring_close(keyring *k);
DEFINE_TRIVIAL_CLEANUP_FUNC(keyring *, keyring_close);
/* The keyring's description (e.g. "deviceid"); owned by the handle. */
const char *keyring_get_name(keyring *k);

/* Reads the current generation of name in one read. A key that a
 * publisher or remover revokes between the search and the read is looked
 * up again, here and nowhere else (up to 16 times): callers do not retry.
 * -ENOENT if absent or expired (also past not_after by the wall clock,
 * before the kernel's timeout fires) or if the keyring is gone;
 * -EKEYREVOKED if still revoked after that (by someone else than
 * keyring_publish/keyring_remove); -EMEDIUMTYPE
 * if a key of another type holds the entry's description; -EBADMSG if the
 * key's payload is not an entry of this name; -EINVAL for a bad name. */
int keyring_get(keyring *k, const char *name, keyring_entry **ret);
void keyring_entry_free(keyring_entry *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(keyring_entry *, keyring_entry_free);

/* Names of all current (not expired, not revoked) entries, sorted; *ret is
 * a NULL-terminated array of malloc'ed strings (free with
 * keyring_names_free). A missing keyring gives an empty list. */
int keyring_list(keyring *k, char ***ret);
void keyring_names_free(char **names);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, keyring_names_free);
