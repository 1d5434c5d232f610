/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixed keyring entries for the unit tests of the deviceid-fsd name
 * table and inode store: two chains, two keys (one without a final
 * newline), a roots bundle, and an entry maker.
 */
#pragma once

#include "keyring/keyring.h"

#define CHAIN_A "-----BEGIN CERTIFICATE-----\nTEVBRi1B\n-----END CERTIFICATE-----\n" \
                "-----BEGIN CERTIFICATE-----\nQ0EtQQ==\n-----END CERTIFICATE-----\n"
#define CHAIN_B "-----BEGIN CERTIFICATE-----\nTEVBRi1CLWxvbmdlcg==\n-----END CERTIFICATE-----\n" \
                "-----BEGIN CERTIFICATE-----\nQ0EtQQ==\n-----END CERTIFICATE-----\n"
/* No trailing newline on purpose: the bundle must add one. */
#define KEY_A "-----BEGIN PRIVATE KEY-----\nS0VZLUE=\n-----END PRIVATE KEY-----"
#define KEY_B "-----BEGIN PRIVATE KEY-----\nS0VZLUI=\n-----END PRIVATE KEY-----\n"
#define ROOTS "-----BEGIN CERTIFICATE-----\nUk9PVA==\n-----END CERTIFICATE-----\n"

static inline keyring_entry entry(const char *name, uint64_t gen, const char *chain, const char *key,
                                  keyring_key_kind kind, time_t not_after, time_t published) {
        keyring_entry e = {
                .generation = gen,
                .chain_pem = (char *) chain,
                .chain_len = strlen(chain),
                .key_pem = (char *) key,
                .key_len = key ? strlen(key) : 0,
                .key_kind = kind,
                .not_after = not_after,
                .published = published,
        };
        snprintf(e.name, sizeof(e.name), "%s", name);
        return e;
}
