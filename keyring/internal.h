/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the writer side of the keyring agent (writer.c) shares with the
 * reader side (reader.c): the handle, finding the keyring, finding and
 * reading one entry's key. Calls point from the writer to the reader only.
 */
#pragma once

#include <stdbool.h>
#include <keyutils.h>

#include "keyring.h"
#include "payload.h"

struct keyring {
        char name[KEYRING_MAX_NAME + 1];
        key_serial_t ring;
        bool create;
};

/* Finds the keyring in the user keyring and links it into the calling
 * thread's process keyring (possession); creates it if create. */
int keyring_resolve(keyring *k, bool create);

/* Keys in ring described as desc but not of want_type ("squatters"):
 * counts them, and unlinks them if do_unlink. Returns how many, or -errno
 * if the ring cannot be read. */
int keyring_ring_other_types(key_serial_t ring, const char *desc, const char *want_type, bool do_unlink);

/* The current key of desc: serial, or -ENOENT (absent or expired),
 * -EKEYREVOKED, -EMEDIUMTYPE, -errno. */
key_serial_t keyring_entry_find(keyring *k, const char *desc);

/* Reads key id and decodes it as the entry `name`. */
int keyring_entry_read(key_serial_t id, const char *name, keyring_entry **ret);
