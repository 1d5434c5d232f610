/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reader side of the keyring agent (keyring.h): finds or creates the
 * deviceid keyring in the user keyring, reads an entry in one
 * keyctl_read(), lists entries. The helpers the writer shares are in
 * internal.h; the frame format and the descriptions are in payload.c; the
 * layout is documented in docs/keyring.md. No OpenSSL here: deviceid-fsd
 * links this side only.
 *
 * Possession: every call re-finds the keyring by searching the user keyring
 * (a "possessed" reference) and links it into the calling thread's process
 * keyring, so all later calls on serial numbers are made as possessor, and
 * the possessor-only permissions suffice whatever KeyringMode= we run under.
 */
#include <inttypes.h>
#include <keyutils.h>
#include <sched.h>

#include "internal.h"
#include "log.h"

#define KEYRING_READ_RETRIES 16

const char *keyring_get_name(keyring *k) {
        return k ? k->name : NULL;
}

/* Keys in ring described as desc but not of want_type ("squatters"): counts
 * them, and unlinks them if do_unlink. Returns how many, or -errno if the ring
 * cannot be read. */
int keyring_ring_other_types(key_serial_t ring, const char *desc, const char *want_type, bool do_unlink) {
        _cleanup_free_ key_serial_t *ids = NULL;
        long n;
        int found = 0;

        n = keyctl_read_alloc(ring, (void **) &ids);
        if (n < 0)
                return negative_errno();
        for (size_t i = 0; i < (size_t) n / sizeof(key_serial_t); i++) {
                _cleanup_free_ char *d = NULL;
                const char *type, *kdesc;
                uint32_t uid, gid, perm;

                /* Dead (revoked, expired) keys cannot be described: not squatters we can name. */
                if (keyctl_describe_alloc(ids[i], &d) < 0 ||
                    keyring_describe_parse(d, &type, &uid, &gid, &perm, &kdesc) < 0)
                        continue;
                if (!streq(kdesc, desc) || streq(type, want_type))
                        continue;
                log_debug("Key %" PRIi32 " of type \"%s\" holds description \"%s\".", ids[i], type, desc);
                if (do_unlink && keyctl_unlink(ids[i], ring) < 0)
                        return negative_errno();
                found++;
        }
        return found;
}

/* Finds the keyring in the user keyring and links it into the calling
 * thread's process keyring (possession); creates it if create. */
int keyring_resolve(keyring *k, bool create) {
        key_serial_t id, stage;
        int r;

        id = keyctl_search(KEY_SPEC_USER_KEYRING, "keyring", k->name, KEY_SPEC_PROCESS_KEYRING);
        if (id < 0 && errno != ENOKEY && errno != EKEYREVOKED && errno != EKEYEXPIRED) {
                log_debug("Searching keyring \"%s\" with a process-keyring link failed: %m, retrying without.",
                          k->name);
                id = keyctl_search(KEY_SPEC_USER_KEYRING, "keyring", k->name, 0);
        }
        if (id >= 0) {
                k->ring = id;
                return 0;
        }
        if (errno != ENOKEY && errno != EKEYREVOKED && errno != EKEYEXPIRED)
                return log_debug_errno(errno, "Searching keyring \"%s\" failed: %m", k->name);

        if (!create) {
                r = keyring_ring_other_types(KEY_SPEC_USER_KEYRING, k->name, "keyring", false);
                if (r > 0)
                        return -EMEDIUMTYPE;
                return -ENOKEY;
        }

        /* Made complete (permissions) in the process keyring first, then
         * linked into the user keyring in one step. */
        stage = add_key("keyring", k->name, NULL, 0, KEY_SPEC_PROCESS_KEYRING);
        if (stage < 0)
                return log_debug_errno(errno, "Creating keyring \"%s\" failed: %m", k->name);
        if (keyctl_setperm(stage, KEYRING_PERM_RING) < 0 || keyctl_link(stage, KEY_SPEC_USER_KEYRING) < 0) {
                r = negative_errno();
                (void) keyctl_invalidate(stage);
                return log_debug_errno(r, "Setting up keyring \"%s\" failed: %m", k->name);
        }
        log_debug("Created keyring \"%s\" (%" PRIi32 ").", k->name, stage);

        /* A concurrent creator may have linked its own: adopt what is there. */
        id = keyctl_search(KEY_SPEC_USER_KEYRING, "keyring", k->name, KEY_SPEC_PROCESS_KEYRING);
        if (id < 0)
                return log_debug_errno(errno, "Keyring \"%s\" vanished after creation: %m", k->name);
        k->ring = id;
        return 0;
}

int keyring_open(bool create, keyring **ret) {
        _cleanup_free_ keyring *k = NULL;
        const char *name;
        int r;

        name = getenv(KEYRING_ENV);
        if (!name || !*name)
                name = KEYRING_NAME;
        if (!keyring_entry_name_is_valid(name))
                return log_debug_errno(EINVAL, "$%s=\"%s\" is not a valid keyring name.", KEYRING_ENV, name);

        k = calloc(1, sizeof(*k));
        if (!k)
                return -ENOMEM;
        snprintf(k->name, sizeof(k->name), "%s", name);
        k->ring = -1;
        k->create = create;

        r = keyring_resolve(k, create);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(k);
        return 0;
}

void keyring_close(keyring *k) {
        /* The process keyring link goes with the process; nothing to undo. */
        free(k);
}

/* Reads key id and decodes it as the entry `name`. */
int keyring_entry_read(key_serial_t id, const char *name, keyring_entry **ret) {
        const size_t cap = KEYRING_MAX_PAYLOAD + 1;
        _cleanup_(keyring_entry_freep) keyring_entry *e = NULL;
        uint8_t *buf;
        long n;
        int r;

        buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        n = keyctl_read(id, (char *) buf, cap);
        if (n < 0) {
                r = negative_errno();
                free(buf);
                return r;
        }
        if ((size_t) n > cap) {
                /* Bigger than any entry: someone else's key; nothing was copied beyond cap. */
                erase_and_free(buf, cap);
                return -EBADMSG;
        }
        r = keyring_payload_decode(buf, (size_t) n, &e);
        erase_and_free(buf, cap);
        if (r < 0)
                return log_debug_errno(r, "Key %" PRIi32 " does not hold a deviceid entry.", id);
        if (!streq(e->name, name))
                return log_debug_errno(EBADMSG, "Key %" PRIi32 " holds entry \"%s\", not \"%s\".", id,
                                       e->name, name);
        *ret = TAKE_PTR(e);
        return 0;
}

/* Finds the current key of desc: serial, or -ENOENT (absent or expired),
 * -EKEYREVOKED, -EMEDIUMTYPE, -errno. */
key_serial_t keyring_entry_find(keyring *k, const char *desc) {
        key_serial_t id;
        int r;

        id = keyctl_search(k->ring, "user", desc, 0);
        if (id >= 0)
                return id;
        switch (errno) {
        case ENOKEY:
                r = keyring_ring_other_types(k->ring, desc, "user", false);
                if (r < 0)
                        return r;
                return r > 0 ? -EMEDIUMTYPE : -ENOENT;
        case EKEYEXPIRED:
                return -ENOENT;
        default:
                return negative_errno();
        }
}

int keyring_get(keyring *k, const char *name, keyring_entry **ret) {
        char desc[KEYRING_MAX_DESC];
        int r, last = -ENOENT;

        if (!k || !ret || keyring_entry_description(name, desc) < 0)
                return -EINVAL;

        /* A publisher displaces and then revokes the old key, remove unlinks
         * and then revokes: a key that vanishes between our search and our
         * read is such a race, so look again before believing it. */
        for (int attempt = 0; attempt < KEYRING_READ_RETRIES; attempt++) {
                _cleanup_(keyring_entry_freep) keyring_entry *e = NULL;
                key_serial_t id;

                r = keyring_resolve(k, false);
                if (r == -ENOKEY || r == -EMEDIUMTYPE)
                        return -ENOENT;
                if (r < 0)
                        return r;

                id = keyring_entry_find(k, desc);
                if (id < 0) {
                        if (id != -EKEYREVOKED)
                                return id;
                        last = id;
                        (void) sched_yield();
                        continue;
                }
                r = keyring_entry_read(id, name, &e);
                /* -EACCES: the key was displaced between search and read, so
                 * it is no longer possessed through the keyring. */
                if (r == -EKEYREVOKED || r == -ENOKEY || r == -EACCES) {
                        last = r == -ENOKEY ? -ENOENT : r;
                        (void) sched_yield();
                        continue;
                }
                if (r == -EKEYEXPIRED)
                        return -ENOENT;
                if (r < 0)
                        return r;
                if (e->not_after > 0 && e->not_after <= time(NULL))
                        return -ENOENT;
                *ret = TAKE_PTR(e);
                return 0;
        }
        return last;
}

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int keyring_list(keyring *k, char ***ret) {
        _cleanup_free_ key_serial_t *ids = NULL;
        char **names;
        size_t count = 0;
        long n;
        int r;

        if (!k || !ret)
                return -EINVAL;
        r = keyring_resolve(k, false);
        if (r == -ENOKEY || r == -EMEDIUMTYPE)
                n = 0;
        else if (r < 0)
                return r;
        else {
                n = keyctl_read_alloc(k->ring, (void **) &ids);
                if (n < 0)
                        return negative_errno();
        }

        names = calloc((size_t) n / sizeof(key_serial_t) + 1, sizeof(char *));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < (size_t) n / sizeof(key_serial_t); i++) {
                _cleanup_free_ char *d = NULL;
                const char *type, *desc, *name;
                uint32_t uid, gid, perm;

                if (keyctl_describe_alloc(ids[i], &d) < 0)
                        continue; /* revoked, expired or invalidated: not current */
                if (keyring_describe_parse(d, &type, &uid, &gid, &perm, &desc) < 0 || !streq(type, "user") ||
                    keyring_entry_name_from_description(desc, &name) <= 0)
                        continue;
                names[count] = strdup(name);
                if (!names[count]) {
                        keyring_names_free(names);
                        return -ENOMEM;
                }
                count++;
        }
        qsort(names, count, sizeof(char *), strcmp_ptr);
        *ret = names;
        return 0;
}

void keyring_names_free(char **names) {
        if (!names)
                return;
        for (char **p = names; *p; p++)
                free(*p);
        free(names);
}
