/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pure core of the keyring agent: the binary frame that holds one whole
 * generation of an entry in a single "user" key, key descriptions, and the
 * permission masks. No I/O here; keyring.c is the keyutils shell around it.
 * Layout (all integers big-endian), also in docs/keyring.md:
 *
 *   0  magic "DIDK"        4  version (1)     5  kind (0 none, 1 pkcs8, 2 tss2)
 *   6  name length (1-64)  7  reserved (0)    8  generation (u64, >= 1)
 *  16  not_after (s64)    24  published (s64) 32  chain length (u32)
 *  36  key length (u32)   40  name, chain, key: exactly that many bytes.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "keyring.h"

#define KEYRING_PAYLOAD_MAGIC "DIDK"
#define KEYRING_PAYLOAD_VERSION 1
#define KEYRING_PAYLOAD_HEADER 40

/* Descriptions inside the keyring. */
#define KEYRING_ENTRY_PREFIX "deviceid:entry:"
#define KEYRING_COUNTER_DESC "deviceid:generation"
#define KEYRING_MAX_DESC (sizeof(KEYRING_ENTRY_PREFIX) + KEYRING_MAX_NAME)

/* Permission masks (possessor, user, group, other bytes; see keyctl(1)).
 * The keyring: possessor everything, owner may only view it. */
#define KEYRING_PERM_RING 0x3f010000u
/* Entries: possessor view/read/search/link/setattr but no write, so a
 * published generation cannot be changed in place; owner view only. */
#define KEYRING_PERM_ENTRY 0x3b010000u
/* The generation counter: possessor everything, owner view. */
#define KEYRING_PERM_COUNTER 0x3f010000u

/* Description of entry name into buf; -EINVAL if name is not an entry name. */
int keyring_entry_description(const char *name, char buf[static KEYRING_MAX_DESC]);
/* 1 and the entry name (pointer into desc) if desc is an entry description. */
int keyring_entry_name_from_description(const char *desc, const char **ret_name);

/* Parses keyctl_describe() output "type;uid;gid;perm;description"; the
 * outputs point into the (modified) buffer. -EBADMSG if malformed. */
int keyring_describe_parse(char *s, const char **ret_type, uint32_t *ret_uid, uint32_t *ret_gid,
                           uint32_t *ret_perm, const char **ret_desc);

/* Frames one generation. *ret is malloc'ed, holds key bytes: free with
 * erase_and_free(*ret, *ret_len). -EINVAL on a bad name/kind/kind-key
 * combination, -E2BIG over the KEYRING_MAX_* limits. */
int keyring_payload_encode(const keyring_entry *e, uint8_t **ret, size_t *ret_len);
/* Parses a frame of exactly len bytes into a new entry (strings
 * NUL-terminated). -EBADMSG if malformed, -ENOMEM. */
int keyring_payload_decode(const uint8_t *buf, size_t len, keyring_entry **ret);

/* Parses the counter's payload: decimal digits only, no leading zero. */
int keyring_counter_parse(const char *s, size_t len, uint64_t *ret);
