/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The keyring contract, writer side: publishing a generation of an entry,
 * with the checks that decide whether it may be published, and removing
 * one (writer.c), then telling the readers (notify.c). The enrollment side
 * and deviceidctl link it; deviceid-fsd does not. The reader side and the
 * layout are described in keyring.h and docs/keyring.md.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "cert-bundle.h"
#include "keyring/keyring.h"

/* The most certificates one chain may hold. */
#define KEYRING_MAX_CHAIN_CERTS 16

/* Publishes a new generation of `name` atomically: readers see either the
 * whole previous generation or the whole new one, also if the publisher is
 * killed at any point. The chain comes parsed (cert-bundle.h) and is
 * checked here, once: at most 16 certificates, each one issued by the
 * next (leaf first); for a PKCS#8 key, the key must be a private key
 * matching the leaf (-EKEYREJECTED otherwise). A TSS2 key is checked for
 * its PEM label only: the caller, which has the TPM layer, checks that it
 * matches the leaf (keyring/ includes no TPM headers). The key's
 * timeout is the leaf's notAfter (roots: no timeout, not_after 0); a leaf
 * already expired gives -EKEYEXPIRED. The previous generation's key is
 * revoked (its secret wiped) once the new one is visible. Publishers of
 * one keyring are serialized (a lock that dies with its holder; -EBUSY if
 * it cannot be had within 10 s). Other errors: -EINVAL (bad name, kind,
 * or kind/key combination; roots take no key), -E2BIG (over
 * KEYRING_MAX_CHAIN/KEYRING_MAX_KEY, or more than 16 certificates),
 * -EBADMSG (chain out of order, key does not parse), -EDQUOT (keyring quota exceeded: the previous generation stays),
 * -ENOKEY (keyring gone and handle opened without create). On success
 * *ret_generation (if not NULL) is the new number. */
int keyring_publish(keyring *k, const char *name, const cert_bundle *chain, const char *key_pem,
                    size_t key_len, keyring_key_kind kind, uint64_t *ret_generation);

/* Withdraws name at once: its key is unlinked (keyring_get says -ENOENT
 * from then on) and revoked (payload wiped, readers holding its serial
 * fail). A revoked key or a key of another type holding the entry's
 * description is cleared as well. -ENOENT if absent. */
int keyring_remove(keyring *k, const char *name);

/* Tells a running deviceid-fsd to reload (the protocol is in keyring.h) and waits up to
 * timeout_ms for its answer. socket_path NULL: $DEVICEID_FSD_SOCKET or
 * KEYRING_FSD_SOCKET. -ENOENT/-ECONNREFUSED if no fsd listens (callers
 * usually ignore that), -ETIMEDOUT, -EIO on an "error" answer (text at
 * debug), -EBADMSG on any other answer. */
int keyring_notify_readers(const char *socket_path, int timeout_ms);
