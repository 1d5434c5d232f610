/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests of the keyring API against the real kernel keyring, in a keyring of
 * its own ($DEVICEID_KEYRING = "deviceid-unit-<pid>") that is destroyed at
 * the end: layout and permissions as documented, publish/get/list/remove,
 * generations, the checks on chain and key (the chain parsed once into a
 * bundle, as the enrollment side hands it over), a key revoked under us, a key
 * of the wrong type holding our description, a keyring removed under a
 * running handle, and a second handle (a restarted process) reading back.
 * keyutils is called directly here only to inspect and to sabotage.
 */
#include <keyutils.h>

#include "keyring/payload.h"
#include "keyring/writer.h"
#include "test-keyring-vectors.h"
#include "tests/unit/tap.h"

static char ring_name[KEYRING_MAX_NAME + 1];

static key_serial_t find_ring(void) {
        return keyctl_search(KEY_SPEC_USER_KEYRING, "keyring", ring_name, 0);
}

static key_serial_t find_entry(const char *name) {
        char desc[KEYRING_MAX_DESC];
        key_serial_t ring = find_ring();

        if (ring < 0 || keyring_entry_description(name, desc) < 0)
                return -1;
        return keyctl_search(ring, "user", desc, 0);
}

static char *describe(key_serial_t id) {
        char *d = NULL;

        if (keyctl_describe_alloc(id, &d) < 0)
                return NULL;
        return d;
}

static void destroy_ring(void) {
        key_serial_t ring = find_ring();

        if (ring >= 0) {
                (void) keyctl_clear(ring);
                (void) keyctl_unlink(ring, KEY_SPEC_USER_KEYRING);
                (void) keyctl_invalidate(ring);
        }
}

static char *chain_of(const char *leaf) {
        char *s = NULL;

        if (asprintf(&s, "%s%s", leaf, vec_ca_pem) < 0)
                return NULL;
        return s;
}

/* The PEM parsed once into a bundle, then published: the errors of
 * either step. */
static int publish_pem(keyring *k, const char *name, const char *pem, size_t len, const char *key,
                       size_t key_len, keyring_key_kind kind, uint64_t *ret_generation) {
        _cleanup_(cert_bundle_done) cert_bundle b = {};
        int r;

        r = cert_bundle_from_pem(pem, len, KEYRING_MAX_CHAIN_CERTS, &b);
        if (r < 0)
                return r;
        return keyring_publish(k, name, &b, key, key_len, kind, ret_generation);
}

static void test_open(void) {
        _cleanup_(keyring_closep) keyring *k = NULL;
        _cleanup_free_ char *d = NULL;
        char want[128];

        is_err(keyring_open(false, &k), -ENOKEY, "no keyring yet: -ENOKEY without create");
        is_ok(keyring_open(true, &k), "keyring created");
        is_str(keyring_get_name(k), ring_name, "handle names the keyring from $DEVICEID_KEYRING");
        ok(find_ring() >= 0, "keyring linked into the user keyring");
        d = describe(find_ring());
        snprintf(want, sizeof(want), "keyring;%u;%u;%08x;%s", (unsigned) getuid(), (unsigned) getgid(),
                 KEYRING_PERM_RING, ring_name);
        is_str(d, want, "keyring type, owner and permissions");
}

static void test_publish_get(void) {
        _cleanup_(keyring_closep) keyring *k = NULL, *k2 = NULL;
        _cleanup_(keyring_entry_freep) keyring_entry *e = NULL, *e2 = NULL;
        _cleanup_(keyring_names_freep) char **names = NULL;
        _cleanup_free_ char *chain = chain_of(vec_leaf_pem), *chain2 = chain_of(vec_other_pem), *d = NULL;
        uint64_t g1 = 0, g2 = 0;
        char want[128];
        key_serial_t id1, id2, hold;

        is_ok(keyring_open(false, &k), "keyring opens without create");
        is_err(keyring_get(k, "vpn", &e), -ENOENT, "absent entry: -ENOENT");
        is_ok(publish_pem(k, "vpn", chain, strlen(chain), vec_leaf_key, strlen(vec_leaf_key),
                              KEYRING_KEY_PKCS8, &g1),
              "publish vpn");
        ok(g1 >= 1, "first generation >= 1");
        id1 = find_entry("vpn");
        ok(id1 >= 0, "entry key found by its documented description");
        d = describe(id1);
        snprintf(want, sizeof(want), "user;%u;%u;%08x;deviceid:entry:vpn", (unsigned) getuid(),
                 (unsigned) getgid(), KEYRING_PERM_ENTRY);
        is_str(d, want, "entry type, owner and permissions");

        is_ok(keyring_get(k, "vpn", &e), "get vpn");
        if (e) {
                is_str(e->name, "vpn", "entry name");
                is_int(e->generation, g1, "generation as published");
                is_str(e->chain_pem, chain, "chain as published");
                is_str(e->key_pem, vec_leaf_key, "key as published");
                is_int(e->key_kind, KEYRING_KEY_PKCS8, "kind pkcs8");
                ok(e->not_after > 4000000000, "not_after is the leaf's (year 2126)");
                ok(e->published > 0 && e->published <= time(NULL), "published time set");
        }

        /* Keep a possessed link to the old key, to see what becomes of it. */
        hold = add_key("keyring", "test-hold", NULL, 0, KEY_SPEC_PROCESS_KEYRING);
        ok(hold >= 0 && keyctl_link(id1, hold) == 0, "test holds the first generation's key");
        is_ok(publish_pem(k, "vpn", chain2, strlen(chain2), vec_other_key, strlen(vec_other_key),
                              KEYRING_KEY_PKCS8, &g2),
              "publish vpn again with another key");
        ok(g2 > g1, "generation increased");
        id2 = find_entry("vpn");
        ok(id2 >= 0 && id2 != id1, "a new key holds the new generation");
        ok(keyctl_read(id1, NULL, 0) < 0 && errno == EKEYREVOKED, "previous generation's key revoked");
        (void) keyctl_unlink(hold, KEY_SPEC_PROCESS_KEYRING);

        /* A second handle, as a restarted process would open it. */
        is_ok(keyring_open(false, &k2), "second handle");
        is_ok(keyring_get(k2, "vpn", &e2), "second handle reads the entry");
        if (e2) {
                is_int(e2->generation, g2, "second handle sees the new generation");
                is_str(e2->chain_pem, chain2, "new chain");
                is_str(e2->key_pem, vec_other_key, "new key");
        }

        is_ok(publish_pem(k, "roots", vec_ca_pem, strlen(vec_ca_pem), NULL, 0, KEYRING_KEY_NONE, NULL),
              "publish roots");
        is_ok(publish_pem(k, "device", vec_leaf_pem, strlen(vec_leaf_pem), NULL, 0, KEYRING_KEY_NONE,
                              NULL),
              "publish device without a key");
        is_ok(keyring_list(k, &names), "list");
        ok(names && names[0] && names[1] && names[2] && !names[3], "three entries listed");
        if (names && names[0] && names[1] && names[2]) {
                is_str(names[0], "device", "sorted: device");
                is_str(names[1], "roots", "sorted: roots");
                is_str(names[2], "vpn", "sorted: vpn");
        }
        {
                _cleanup_(keyring_entry_freep) keyring_entry *r = NULL;

                is_ok(keyring_get(k, "roots", &r), "get roots");
                ok(r && r->not_after == 0 && !r->key_pem && r->key_kind == KEYRING_KEY_NONE,
                   "roots: no key, no not_after");
        }
}

static void test_bad_input(void) {
        _cleanup_(keyring_closep) keyring *k = NULL;
        _cleanup_free_ char *chain = chain_of(vec_leaf_pem), *wrong_order = NULL, *expired = NULL;
        _cleanup_free_ char *big = NULL;
        _cleanup_(keyring_entry_freep) keyring_entry *e = NULL;
        uint64_t before = 0;

        is_ok(keyring_open(false, &k), "open");
        is_ok(keyring_get(k, "vpn", &e), "current vpn");
        before = e ? e->generation : 0;

        is_err(publish_pem(k, "vpn", chain, strlen(chain), vec_other_key, strlen(vec_other_key),
                               KEYRING_KEY_PKCS8, NULL),
               -EKEYREJECTED, "key that does not match the leaf: -EKEYREJECTED");
        is_err(publish_pem(k, "vpn", chain, strlen(chain), vec_leaf_pem, strlen(vec_leaf_pem),
                               KEYRING_KEY_PKCS8, NULL),
               -EBADMSG, "certificate given as key: -EBADMSG");
        is_err(publish_pem(k, "vpn", "garbage", 7, vec_leaf_key, strlen(vec_leaf_key), KEYRING_KEY_PKCS8,
                               NULL),
               -EBADMSG, "chain that does not parse: -EBADMSG");
        ok(asprintf(&wrong_order, "%s%s", vec_ca_pem, vec_leaf_pem) > 0, "chain in the wrong order");
        is_err(publish_pem(k, "vpn", wrong_order, strlen(wrong_order), NULL, 0, KEYRING_KEY_NONE, NULL),
               -EBADMSG, "chain not leaf first: -EBADMSG");
        ok(asprintf(&expired, "%s%s", vec_expired_pem, vec_ca_pem) > 0, "expired chain");
        is_err(publish_pem(k, "vpn", expired, strlen(expired), vec_leaf_key, strlen(vec_leaf_key),
                               KEYRING_KEY_PKCS8, NULL),
               -EKEYEXPIRED, "expired leaf: -EKEYEXPIRED");
        is_err(publish_pem(k, "roots", vec_ca_pem, strlen(vec_ca_pem), vec_leaf_key, strlen(vec_leaf_key),
                               KEYRING_KEY_PKCS8, NULL),
               -EINVAL, "roots with a key: -EINVAL");
        is_err(publish_pem(k, "vpn", chain, strlen(chain), "-----BEGIN PRIVATE KEY-----", 27,
                               KEYRING_KEY_TSS2, NULL),
               -EBADMSG, "tss2 kind with a PKCS#8 label: -EBADMSG");
        is_err(publish_pem(k, "Bad Name", chain, strlen(chain), NULL, 0, KEYRING_KEY_NONE, NULL), -EINVAL,
               "bad name: -EINVAL");
        /* A chain that parses, padded past KEYRING_MAX_CHAIN with text
         * outside its PEM blocks. */
        big = malloc(KEYRING_MAX_CHAIN + 2);
        if (big) {
                size_t n = strlen(chain);

                memcpy(big, chain, n);
                memset(big + n, 'A', KEYRING_MAX_CHAIN + 1 - n);
                big[KEYRING_MAX_CHAIN + 1] = '\0';
        }
        is_err(publish_pem(k, "vpn", big, KEYRING_MAX_CHAIN + 1, NULL, 0, KEYRING_KEY_NONE, NULL), -E2BIG,
               "chain over KEYRING_MAX_CHAIN: -E2BIG");
        {
                _cleanup_free_ char *many = NULL;
                size_t n = strlen(vec_ca_pem);

                many = malloc(n * (KEYRING_MAX_CHAIN_CERTS + 1) + 1);
                if (many) {
                        for (size_t i = 0; i <= KEYRING_MAX_CHAIN_CERTS; i++)
                                memcpy(many + i * n, vec_ca_pem, n);
                        many[n * (KEYRING_MAX_CHAIN_CERTS + 1)] = '\0';
                }
                is_err(publish_pem(k, "roots", many, many ? strlen(many) : 0, NULL, 0, KEYRING_KEY_NONE, NULL),
                       -E2BIG, "more than KEYRING_MAX_CHAIN_CERTS certificates: -E2BIG");
        }

        keyring_entry_free(e);
        e = NULL;
        is_ok(keyring_get(k, "vpn", &e), "vpn still readable after refused publishes");
        is_int(e ? e->generation : 0, before, "generation unchanged by refused publishes");
}

static void test_revoked_under_us(void) {
        _cleanup_(keyring_closep) keyring *k = NULL;
        _cleanup_(keyring_entry_freep) keyring_entry *e = NULL;
        _cleanup_free_ char *chain = chain_of(vec_leaf_pem);
        key_serial_t id = find_entry("vpn");

        is_ok(keyring_open(false, &k), "open");
        ok(id >= 0 && keyctl_revoke(id) == 0, "someone revokes our vpn key");
        is_err(keyring_get(k, "vpn", &e), -EKEYREVOKED, "get: -EKEYREVOKED");
        is_ok(publish_pem(k, "vpn", chain, strlen(chain), vec_leaf_key, strlen(vec_leaf_key),
                              KEYRING_KEY_PKCS8, NULL),
              "publish over a revoked key recovers");
        is_ok(keyring_get(k, "vpn", &e), "get works again");

        id = find_entry("device");
        ok(id >= 0 && keyctl_revoke(id) == 0, "someone revokes device");
        is_ok(keyring_remove(k, "device"), "remove clears a revoked entry");
        keyring_entry_free(e);
        e = NULL;
        is_err(keyring_get(k, "device", &e), -ENOENT, "device is gone");
}

static void test_wrong_type(void) {
        _cleanup_(keyring_closep) keyring *k = NULL;
        _cleanup_(keyring_entry_freep) keyring_entry *e = NULL;
        _cleanup_(keyring_names_freep) char **names = NULL;
        _cleanup_free_ char *chain = chain_of(vec_leaf_pem);
        key_serial_t ring = find_ring(), squat, user_squat;
        char saved[sizeof(ring_name)];

        is_ok(keyring_open(false, &k), "open");
        squat = add_key("logon", "deviceid:entry:wifi", "x", 1, ring);
        ok(squat >= 0, "a logon key squats on deviceid:entry:wifi");
        is_err(keyring_get(k, "wifi", &e), -EMEDIUMTYPE, "get: -EMEDIUMTYPE");
        is_ok(keyring_list(k, &names), "list works");
        ok(names && !(names[0] && names[1] && names[2] && names[3]), "squatter not listed");
        is_ok(publish_pem(k, "wifi", chain, strlen(chain), vec_leaf_key, strlen(vec_leaf_key),
                              KEYRING_KEY_PKCS8, NULL),
              "publish displaces the squatter");
        is_ok(keyring_get(k, "wifi", &e), "get wifi works");
        ok(keyctl_search(ring, "logon", "deviceid:entry:wifi", 0) < 0, "squatter no longer in the keyring");

        user_squat = add_key("user", "deviceid:entry:mail", "not a frame", 11, ring);
        ok(user_squat >= 0, "a user key with a foreign payload holds deviceid:entry:mail");
        keyring_entry_free(e);
        e = NULL;
        is_err(keyring_get(k, "mail", &e), -EBADMSG, "get: -EBADMSG");
        is_ok(keyring_remove(k, "mail"), "remove clears it");

        /* The keyring itself: a user key holding the keyring's name. */
        snprintf(saved, sizeof(saved), "%s", ring_name);
        snprintf(ring_name, sizeof(ring_name), "%.60s-x", saved);
        setenv(KEYRING_ENV, ring_name, 1);
        squat = add_key("user", ring_name, "x", 1, KEY_SPEC_USER_KEYRING);
        ok(squat >= 0, "a user key holds the keyring's name in the user keyring");
        {
                _cleanup_(keyring_closep) keyring *k2 = NULL;

                is_err(keyring_open(false, &k2), -EMEDIUMTYPE, "open: -EMEDIUMTYPE");
        }
        (void) keyctl_unlink(squat, KEY_SPEC_USER_KEYRING);
        (void) keyctl_invalidate(squat);
        snprintf(ring_name, sizeof(ring_name), "%s", saved);
        setenv(KEYRING_ENV, ring_name, 1);
}

static void test_remove_and_ring_gone(void) {
        _cleanup_(keyring_closep) keyring *k = NULL;
        _cleanup_(keyring_entry_freep) keyring_entry *e = NULL;
        _cleanup_(keyring_names_freep) char **names = NULL;
        _cleanup_free_ char *chain = chain_of(vec_leaf_pem);
        key_serial_t id = find_entry("wifi"), hold;

        is_ok(keyring_open(true, &k), "open with create");
        hold = add_key("keyring", "test-hold", NULL, 0, KEY_SPEC_PROCESS_KEYRING);
        ok(hold >= 0 && keyctl_link(id, hold) == 0, "test holds wifi's key");
        is_ok(keyring_remove(k, "wifi"), "remove wifi");
        is_err(keyring_get(k, "wifi", &e), -ENOENT, "removed: -ENOENT");
        ok(keyctl_read(id, NULL, 0) < 0 && errno == EKEYREVOKED, "removed key revoked at once");
        (void) keyctl_unlink(hold, KEY_SPEC_PROCESS_KEYRING);
        is_err(keyring_remove(k, "wifi"), -ENOENT, "remove again: -ENOENT");

        destroy_ring();
        is_err(keyring_get(k, "vpn", &e), -ENOENT, "keyring removed under the handle: get -ENOENT");
        is_ok(keyring_list(k, &names), "list on a vanished keyring");
        ok(names && !names[0], "empty list");
        is_ok(publish_pem(k, "vpn", chain, strlen(chain), vec_leaf_key, strlen(vec_leaf_key),
                              KEYRING_KEY_PKCS8, NULL),
              "publish re-creates the keyring (handle opened with create)");
        is_ok(keyring_get(k, "vpn", &e), "and the entry reads back");
        ok(find_ring() >= 0, "keyring back in the user keyring");
}

int main(void) {
        snprintf(ring_name, sizeof(ring_name), "deviceid-unit-%d", (int) getpid());
        setenv(KEYRING_ENV, ring_name, 1);
        unsetenv(KEYRING_FSD_SOCKET_ENV);

        if (keyctl_get_keyring_ID(KEY_SPEC_USER_KEYRING, 1) < 0) {
                const char *ci = getenv("CI");

                /* Locally a sandbox without keyctl() may skip; CI may not. */
                if (ci && streq(ci, "true")) {
                        printf("Bail out! no kernel keyring available under CI: %m\n");
                        return 1;
                }
                printf("1..0 # SKIP no kernel keyring available: %m\n");
                return 0;
        }
        destroy_ring();
        test_open();
        test_publish_get();
        test_bad_input();
        test_revoked_under_us();
        test_wrong_type();
        test_remove_and_ring_gone();
        destroy_ring();
        ok(find_ring() < 0, "test keyring destroyed");
        return tap_done();
}
