/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The writer side of the keyring agent (writer.h): checks a generation
 * once, publishes it as one new key that replaces the old link in a
 * single keyctl_link(), and removes entries. Publishers of one keyring
 * are serialized by a lock that dies with its holder. Reading goes
 * through the reader side (internal.h).
 */
#include <inttypes.h>
#include <keyutils.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "crypto.h"
#include "internal.h"
#include "log.h"
#include "writer.h"

#define KEYRING_STAGING_DESC "deviceid:staging"
#define KEYRING_RETIRED_DESC "deviceid:retired"
#define KEYRING_LOCK_WAIT_MS 10000

/* Unlinks revoked, expired and invalidated keys from ring: they can no
 * longer be described, so this is the only way to clear them before the
 * kernel's garbage collector does. Returns how many went. */
static int ring_sweep_dead(key_serial_t ring) {
        _cleanup_free_ key_serial_t *ids = NULL;
        long n;
        int swept = 0;

        n = keyctl_read_alloc(ring, (void **) &ids);
        if (n < 0)
                return negative_errno();
        for (size_t i = 0; i < (size_t) n / sizeof(key_serial_t); i++) {
                _cleanup_free_ char *d = NULL;

                if (keyctl_describe_alloc(ids[i], &d) >= 0)
                        continue;
                if (errno != EKEYREVOKED && errno != EKEYEXPIRED && errno != ENOKEY)
                        continue;
                if (keyctl_unlink(ids[i], ring) >= 0)
                        swept++;
        }
        return swept;
}

/* Serializes publishers of one keyring: an abstract unix socket name, which
 * the kernel frees when its holder dies, however it dies. */
static int keyring_lock(keyring *k) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        socklen_t salen;
        int n;

        n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "deviceid-keyring-lock/%u/%s",
                     (unsigned) getuid(), k->name);
        salen = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + (size_t) n);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        for (int waited = 0;; waited += 10) {
                if (bind(fd, (struct sockaddr *) &sa, salen) >= 0)
                        return TAKE_FD(fd);
                if (errno != EADDRINUSE)
                        return negative_errno();
                if (waited >= KEYRING_LOCK_WAIT_MS)
                        return log_debug_errno(EBUSY, "Keyring \"%s\" stays locked by another publisher.",
                                               k->name);
                (void) usleep(10 * 1000);
        }
}

static void keyring_unlockp(int *fd) {
        safe_close(*fd);
}

/* Validates what keyring_publish is given, once: the bundle's chain is
 * already parsed. Returns the leaf's notAfter (0 for roots). */
static int publish_check(const char *name, const cert_bundle *chain, const char *key_pem, size_t key_len,
                         keyring_key_kind kind, time_t *ret_not_after) {
        static const char pkcs8_label[] = "-----BEGIN PRIVATE KEY-----";
        static const char tss2_label[] = "-----BEGIN TSS2 PRIVATE KEY-----";
        X509 *leaf;
        int r;

        if (!keyring_entry_name_is_valid(name) || !keyring_key_kind_to_string(kind) || !chain ||
            !chain->pem || chain->pem_len == 0 || !(leaf = cert_bundle_leaf(chain)))
                return -EINVAL;
        if ((kind == KEYRING_KEY_NONE) != (key_len == 0) || (key_len > 0 && !key_pem))
                return -EINVAL;
        if (streq(name, "roots") && kind != KEYRING_KEY_NONE)
                return -EINVAL;
        if (chain->pem_len > KEYRING_MAX_CHAIN || key_len > KEYRING_MAX_KEY ||
            sk_X509_num(chain->chain) > KEYRING_MAX_CHAIN_CERTS)
                return -E2BIG;
        if (memchr(chain->pem, '\0', chain->pem_len) || (key_len > 0 && memchr(key_pem, '\0', key_len)))
                return -EINVAL;

        if (streq(name, "roots")) {
                *ret_not_after = 0;
                return 0;
        }
        for (int i = 0; i + 1 < sk_X509_num(chain->chain); i++)
                if (X509_check_issued(sk_X509_value(chain->chain, i + 1), sk_X509_value(chain->chain, i)) !=
                    X509_V_OK)
                        return log_debug_errno(EBADMSG,
                                               "Certificate %d of the chain for \"%s\" is not issued by the next one.",
                                               i, name);
        if (chain->not_after <= time(NULL))
                return log_debug_errno(EKEYEXPIRED, "The certificate for \"%s\" has expired.", name);

        if (kind == KEYRING_KEY_PKCS8) {
                _cleanup_pkey_ EVP_PKEY *pkey = NULL;

                if (key_len < sizeof(pkcs8_label) - 1 || memcmp(key_pem, pkcs8_label, sizeof(pkcs8_label) - 1) != 0)
                        return log_debug_errno(EBADMSG, "The key for \"%s\" is not a PKCS#8 PEM.", name);
                r = crypto_key_from_pem(key_pem, key_len, &pkey);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return log_debug_errno(EBADMSG, "The key for \"%s\" does not parse.", name);
                if (crypto_key_is_private(pkey) != 1)
                        return log_debug_errno(EKEYREJECTED, "The key for \"%s\" is not a private key.", name);
                if (crypto_pubkey_equal(pkey, X509_get0_pubkey(leaf)) != 1)
                        return log_debug_errno(EKEYREJECTED, "The key for \"%s\" does not match its certificate.",
                                               name);
        } else if (kind == KEYRING_KEY_TSS2) {
                if (key_len < sizeof(tss2_label) - 1 || memcmp(key_pem, tss2_label, sizeof(tss2_label) - 1) != 0)
                        return log_debug_errno(EBADMSG, "The key for \"%s\" is not a TSS2 PRIVATE KEY PEM.", name);
        }
        *ret_not_after = chain->not_after;
        return 0;
}

/* Draws the next generation number for an entry whose current generation
 * is `current` (0 if none), and stores it in the keyring-wide counter. */
static int counter_next(keyring *k, uint64_t current, uint64_t *ret) {
        char buf[32];
        key_serial_t id;
        uint64_t last = 0, next;
        long n;
        int r;

        id = keyctl_search(k->ring, "user", KEYRING_COUNTER_DESC, 0);
        if (id >= 0) {
                n = keyctl_read(id, buf, sizeof(buf));
                if (n >= 0 && (size_t) n <= sizeof(buf)) {
                        r = keyring_counter_parse(buf, (size_t) n, &last);
                        if (r < 0)
                                log_debug("Counter key %" PRIi32 " is malformed, ignoring.", id);
                }
        }
        next = (last > current ? last : current) + 1;
        n = snprintf(buf, sizeof(buf), "%" PRIu64, next);
        /* add_key() updates an existing counter in place, atomically. */
        id = add_key("user", KEYRING_COUNTER_DESC, buf, (size_t) n, k->ring);
        if (id < 0)
                return negative_errno();
        if (keyctl_setperm(id, KEYRING_PERM_COUNTER) < 0)
                log_debug_errno(errno, "Setting permissions of counter key %" PRIi32 " failed: %m, ignoring.", id);
        *ret = next;
        return 0;
}

int keyring_publish(keyring *k, const char *name, const cert_bundle *chain, const char *key_pem,
                    size_t key_len, keyring_key_kind kind, uint64_t *ret_generation) {
        _cleanup_(keyring_unlockp) int lock = -1;
        _cleanup_(keyring_entry_freep) keyring_entry *old = NULL;
        char desc[KEYRING_MAX_DESC];
        keyring_entry e = { .key_kind = kind };
        uint8_t *payload = NULL;
        size_t payload_len = 0;
        key_serial_t old_id, stage = -1, retired = -1, id = -1;
        time_t not_after = 0;
        int r;

        if (!k)
                return -EINVAL;
        r = publish_check(name, chain, key_pem, key_len, kind, &not_after);
        if (r < 0)
                return r;
        (void) keyring_entry_description(name, desc);

        lock = keyring_lock(k);
        if (lock < 0)
                return lock;
        r = keyring_resolve(k, k->create);
        if (r < 0)
                return r;

        old_id = keyring_entry_find(k, desc);
        if (old_id >= 0 && keyring_entry_read(old_id, name, &old) < 0)
                old_id = -1; /* not ours: the link below displaces it, nothing to revoke */
        if (old_id == -EMEDIUMTYPE) {
                r = keyring_ring_other_types(k->ring, desc, "user", true);
                if (r < 0)
                        return r;
        }
        if (old_id == -EKEYREVOKED)
                (void) ring_sweep_dead(k->ring);

        snprintf(e.name, sizeof(e.name), "%s", name);
        r = counter_next(k, old ? old->generation : 0, &e.generation);
        if (r < 0)
                return r;
        e.chain_pem = chain->pem;
        e.chain_len = chain->pem_len;
        e.key_pem = (char *) key_pem;
        e.key_len = key_len;
        e.not_after = not_after;
        e.published = time(NULL);
        r = keyring_payload_encode(&e, &payload, &payload_len);
        if (r < 0)
                return r;

        /* The new key is made complete (payload, timeout, permissions) in a
         * fresh staging keyring that only this process can reach; if we die
         * here it goes with our process keyring. */
        stage = add_key("keyring", KEYRING_STAGING_DESC, NULL, 0, KEY_SPEC_PROCESS_KEYRING);
        if (stage < 0) {
                r = negative_errno();
                goto finish;
        }
        id = add_key("user", desc, payload, payload_len, stage);
        if (id < 0) {
                r = negative_errno();
                goto finish;
        }
        if (not_after > 0) {
                time_t left = not_after - time(NULL);

                /* Whole seconds, so the kernel drops the key at most a second
                 * after notAfter; keyring_get checks the clock as well. */
                if (keyctl_set_timeout(id, left < 1 ? 1 : left > UINT_MAX ? UINT_MAX : (unsigned) left) < 0) {
                        r = negative_errno();
                        goto finish;
                }
        }
        if (keyctl_setperm(id, KEYRING_PERM_ENTRY) < 0) {
                r = negative_errno();
                goto finish;
        }

        /* Keep the old key possessed (through a keyring of our own) so that
         * it can still be revoked once the link below has replaced it. */
        if (old_id >= 0) {
                retired = add_key("keyring", KEYRING_RETIRED_DESC, NULL, 0, KEY_SPEC_PROCESS_KEYRING);
                if (retired < 0 || keyctl_link(old_id, retired) < 0)
                        log_debug_errno(errno, "Holding the previous key %" PRIi32 " of \"%s\" failed: %m, ignoring.",
                                        old_id, name);
        }

        /* The publication: one link replaces the old key's link. */
        if (keyctl_link(id, k->ring) < 0) {
                r = negative_errno();
                goto finish;
        }
        r = 0;
        if (old_id >= 0 && keyctl_revoke(old_id) < 0)
                log_debug_errno(errno, "Revoking the previous key %" PRIi32 " of \"%s\" failed: %m, ignoring.",
                                old_id, name);
        log_debug("Published \"%s\" generation %" PRIu64 " as key %" PRIi32 ".", name, e.generation, id);
        if (ret_generation)
                *ret_generation = e.generation;

finish:
        if (r < 0) {
                log_debug_errno(r, "Publishing \"%s\" failed: %m", name);
                if (id >= 0)
                        (void) keyctl_revoke(id); /* wipe the unpublished secret now */
        }
        if (stage >= 0 && keyctl_unlink(stage, KEY_SPEC_PROCESS_KEYRING) < 0)
                log_debug_errno(errno, "Unlinking staging keyring %" PRIi32 " failed: %m, ignoring.", stage);
        if (retired >= 0 && keyctl_unlink(retired, KEY_SPEC_PROCESS_KEYRING) < 0)
                log_debug_errno(errno, "Unlinking keyring %" PRIi32 " failed: %m, ignoring.", retired);
        erase_and_free(payload, payload_len);
        return r;
}

int keyring_remove(keyring *k, const char *name) {
        _cleanup_(keyring_unlockp) int lock = -1;
        char desc[KEYRING_MAX_DESC];
        key_serial_t id, hold;
        int r;

        if (!k || keyring_entry_description(name, desc) < 0)
                return -EINVAL;
        lock = keyring_lock(k);
        if (lock < 0)
                return lock;
        r = keyring_resolve(k, false);
        if (r == -ENOKEY || r == -EMEDIUMTYPE)
                return -ENOENT;
        if (r < 0)
                return r;

        id = keyring_entry_find(k, desc);
        if (id == -EMEDIUMTYPE) {
                r = keyring_ring_other_types(k->ring, desc, "user", true);
                return r < 0 ? r : 0;
        }
        if (id == -EKEYREVOKED) {
                (void) ring_sweep_dead(k->ring);
                return 0;
        }
        if (id < 0)
                return id;

        /* Hold the key through a keyring of our own, drop its link (readers
         * find nothing from now on), then revoke it: the payload is wiped
         * and a reader still holding the serial fails. */
        hold = add_key("keyring", KEYRING_RETIRED_DESC, NULL, 0, KEY_SPEC_PROCESS_KEYRING);
        if (hold < 0 || keyctl_link(id, hold) < 0) {
                r = negative_errno();
                if (hold >= 0)
                        (void) keyctl_unlink(hold, KEY_SPEC_PROCESS_KEYRING);
                return log_debug_errno(r, "Holding key %" PRIi32 " of \"%s\" failed: %m", id, name);
        }
        r = keyctl_unlink(id, k->ring) < 0 ? negative_errno() : 0;
        if (keyctl_revoke(id) < 0 && r >= 0)
                r = negative_errno();
        (void) keyctl_unlink(hold, KEY_SPEC_PROCESS_KEYRING);
        if (r < 0)
                return log_debug_errno(r, "Withdrawing key %" PRIi32 " of \"%s\" failed: %m", id, name);
        log_debug("Removed \"%s\" (key %" PRIi32 ").", name, id);
        return 0;
}
