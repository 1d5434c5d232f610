/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A helper of the keyring integration tests (not a test by itself): reads
 * and checks entries through keyring.h the way fsd does, loops reading
 * while another process publishes, publishes (also as keyring-kill,
 * which SIGKILLs itself before a chosen keyutils call), and inspects or
 * sabotages the test keyring with keyutils directly.
 *
 *   read NAME                 one read; prints generation, kind, not_after,
 *                             and digests; "error=ENOENT"-style on failure
 *   loop NAME STOPFILE        reads until STOPFILE exists; every read must be
 *                             one generation (key matches leaf, chain in
 *                             order, generation never goes back)
 *   publish NAME CHAIN KEY|- [pkcs8|tss2|none]
 *   churn NAME CHAIN_A KEY_A CHAIN_B KEY_B [remove]
 *                             publishes A and B in turn (and removes the
 *                             entry between them with "remove") until killed
 *   ids NAME                  "ring=ID entry=ID" (entry=-1 if none)
 *   revoke NAME               revokes the entry's key behind our back
 *   plant TYPE DESC PAYLOAD   adds a key to the test keyring
 *   tss2-key NAME             prints the entry's key PEM if it is a TSS2
 *                             blob (TPM-wrapped, no secret); refuses others
 *   contents                  one line per key linked in the keyring: its
 *                             keyctl_describe() line, or "dead ERRNO"
 *   rawread ID                keyctl_read() of a key: "bytes=N" or "error=E"
 *   destroy                   revokes every key in the keyring, drops it
 */
#include <fcntl.h>
#include <inttypes.h>
#include <keyutils.h>
#include <sys/stat.h>

#include "crypto.h"
#include "keyring/payload.h"
#include "keyring/writer.h"
#include "x509.h"

static const char *errname(int r) {
        const char *n = strerrorname_np(r < 0 ? -r : r);

        return n ? n : "EUNKNOWN";
}

static void hex(const void *p, size_t n, char *out) {
        const uint8_t *b = p;

        for (size_t i = 0; i < n; i++)
                sprintf(out + 2 * i, "%02x", b[i]);
}

/* 0 if the entry is one consistent generation: chain parses, each
 * certificate issued by the next, and a PKCS#8 key matches the leaf. */
static int check_entry(const keyring_entry *e) {
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        int r;

        r = x509_chain_from_pem(e->chain_pem, e->chain_len, 16, &chain);
        if (r < 0)
                return r;
        for (int i = 0; i + 1 < sk_X509_num(chain); i++)
                if (X509_check_issued(sk_X509_value(chain, i + 1), sk_X509_value(chain, i)) != X509_V_OK)
                        return -EXDEV;
        if (e->key_kind == KEYRING_KEY_PKCS8) {
                _cleanup_pkey_ EVP_PKEY *key = NULL;

                r = crypto_key_from_pem(e->key_pem, e->key_len, &key);
                if (r < 0)
                        return r;
                if (crypto_pubkey_equal(key, X509_get0_pubkey(sk_X509_value(chain, 0))) != 1)
                        return -EXDEV;
        }
        return 0;
}

static int do_read(keyring *k, const char *name) {
        _cleanup_(keyring_entry_freep) keyring_entry *e = NULL;
        uint8_t d1[32], d2[32];
        char h1[65], h2[65];
        int r;

        r = keyring_get(k, name, &e);
        if (r < 0) {
                printf("error=%s\n", errname(r));
                return 1;
        }
        r = check_entry(e);
        if (crypto_sha256(e->chain_pem, e->chain_len, d1) < 0 ||
            crypto_sha256(e->key_pem ? e->key_pem : "", e->key_len, d2) < 0)
                return 2;
        hex(d1, 32, h1);
        hex(d2, 32, h2);
        printf("name=%s generation=%" PRIu64 " kind=%s not_after=%lld published=%lld consistent=%d "
               "chain_sha256=%s key_sha256=%s\n",
               e->name, e->generation, keyring_key_kind_to_string(e->key_kind), (long long) e->not_after,
               (long long) e->published, r == 0, h1, h2);
        return r == 0 ? 0 : 1;
}

static int do_tss2_key(keyring *k, const char *name) {
        _cleanup_(keyring_entry_freep) keyring_entry *e = NULL;

        if (keyring_get(k, name, &e) < 0 || e->key_kind != KEYRING_KEY_TSS2)
                return 1;
        fwrite(e->key_pem, 1, e->key_len, stdout);
        return 0;
}

static int do_loop(keyring *k, const char *name, const char *stopfile) {
        unsigned long reads = 0, generations = 0, mixed = 0, absent = 0, errors = 0, backwards = 0;
        uint64_t last = 0;
        struct stat st;

        for (;;) {
                _cleanup_(keyring_entry_freep) keyring_entry *e = NULL;
                int r;

                if (stat(stopfile, &st) == 0)
                        break;
                r = keyring_get(k, name, &e);
                if (r == -ENOENT) {
                        absent++;
                        continue;
                }
                if (r < 0) {
                        fprintf(stderr, "read failed: %s\n", errname(r));
                        errors++;
                        continue;
                }
                reads++;
                if (check_entry(e) < 0)
                        mixed++;
                if (e->generation < last)
                        backwards++;
                if (e->generation != last) {
                        generations++;
                        printf("seen %" PRIu64 "\n", e->generation);
                        fflush(stdout);
                }
                last = e->generation;
        }
        printf("reads=%lu generations=%lu mixed=%lu backwards=%lu absent=%lu errors=%lu last=%" PRIu64 "\n",
               reads, generations, mixed, backwards, absent, errors, last);
        return mixed || backwards || errors ? 1 : 0;
}

static int do_publish(keyring *k, const char *name, const char *chain_path, const char *key_path,
                      const char *kind_s) {
        _cleanup_(cert_bundle_done) cert_bundle bundle = {};
        _cleanup_free_ char *chain = NULL, *key = NULL;
        size_t chain_len = 0, key_len = 0;
        keyring_key_kind kind = kind_s ? keyring_key_kind_from_string(kind_s) : KEYRING_KEY_PKCS8;
        uint64_t gen = 0;
        int r;

        if (kind < 0)
                return 2;
        if (streq(key_path, "-"))
                kind = KEYRING_KEY_NONE;
        if (read_file_at(AT_FDCWD, chain_path, KEYRING_MAX_CHAIN + 1, &chain, &chain_len) < 0 ||
            (kind != KEYRING_KEY_NONE && read_file_at(AT_FDCWD, key_path, KEYRING_MAX_KEY + 1, &key, &key_len) < 0))
                return 2;
        r = cert_bundle_from_pem(chain, chain_len, KEYRING_MAX_CHAIN_CERTS, &bundle);
        if (r >= 0)
                r = keyring_publish(k, name, &bundle, key, key_len, kind, &gen);
        if (key)
                explicit_bzero(key, key_len);
        if (r < 0) {
                printf("error=%s\n", errname(r));
                return 1;
        }
        printf("generation=%" PRIu64 "\n", gen);
        fflush(stdout);
        return 0;
}

static int do_churn(keyring *k, char *argv[], bool with_remove) {
        for (unsigned long i = 0;; i++) {
                int r = do_publish(k, argv[0], argv[1 + 2 * (i % 2)], argv[2 + 2 * (i % 2)], NULL);

                if (r != 0)
                        return r;
                if (with_remove) {
                        r = keyring_remove(k, argv[0]);
                        if (r < 0) {
                                printf("error=%s\n", errname(r));
                                return 1;
                        }
                }
        }
}

static key_serial_t ring_id(keyring *k) {
        return keyctl_search(KEY_SPEC_USER_KEYRING, "keyring", keyring_get_name(k), KEY_SPEC_PROCESS_KEYRING);
}

static key_serial_t entry_id(keyring *k, const char *name) {
        char desc[KEYRING_MAX_DESC];

        if (keyring_entry_description(name, desc) < 0)
                return -1;
        return keyctl_search(ring_id(k), "user", desc, 0);
}

static int do_contents(keyring *k) {
        _cleanup_free_ key_serial_t *ids = NULL;
        long n = keyctl_read_alloc(ring_id(k), (void **) &ids);

        if (n < 0) {
                printf("error=%s\n", errname(-errno));
                return 1;
        }
        for (long i = 0; i < n / (long) sizeof(key_serial_t); i++) {
                _cleanup_free_ char *d = NULL;

                if (keyctl_describe_alloc(ids[i], &d) < 0)
                        printf("dead %s\n", errname(-errno));
                else
                        printf("%s\n", d);
        }
        return 0;
}

static int do_rawread(const char *id_s) {
        char *buf = malloc(KEYRING_MAX_PAYLOAD + 1);
        long n;

        if (!buf)
                return 2;
        n = keyctl_read((key_serial_t) strtol(id_s, NULL, 10), buf, KEYRING_MAX_PAYLOAD + 1);
        if (n < 0)
                printf("error=%s\n", errname(-errno));
        else
                printf("bytes=%ld\n", n);
        erase_and_free(buf, KEYRING_MAX_PAYLOAD + 1);
        return n < 0 ? 1 : 0;
}

static int do_destroy(void) {
        _cleanup_free_ key_serial_t *ids = NULL;
        const char *name = getenv(KEYRING_ENV);
        key_serial_t ring;
        long n;

        if (!name || !*name)
                return 2; /* never the real keyring from a test */
        ring = keyctl_search(KEY_SPEC_USER_KEYRING, "keyring", name, KEY_SPEC_PROCESS_KEYRING);
        if (ring < 0) {
                printf("absent\n");
                return 0;
        }
        n = keyctl_read_alloc(ring, (void **) &ids);
        for (long i = 0; n > 0 && i < n / (long) sizeof(key_serial_t); i++)
                (void) keyctl_revoke(ids[i]);
        (void) keyctl_clear(ring);
        (void) keyctl_unlink(ring, KEY_SPEC_USER_KEYRING);
        (void) keyctl_invalidate(ring);
        printf("destroyed\n");
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_(keyring_closep) keyring *k = NULL;
        const char *verb = argc > 1 ? argv[1] : "";
        int r;

        if (streq(verb, "destroy"))
                return do_destroy();
        r = keyring_open(streq(verb, "publish") || streq(verb, "plant") || streq(verb, "churn"), &k);
        if (r < 0) {
                printf("error=%s\n", errname(r));
                return 1;
        }
        if (streq(verb, "read") && argc == 3)
                return do_read(k, argv[2]);
        if (streq(verb, "tss2-key") && argc == 3)
                return do_tss2_key(k, argv[2]);
        if (streq(verb, "loop") && argc == 4)
                return do_loop(k, argv[2], argv[3]);
        if (streq(verb, "publish") && (argc == 5 || argc == 6))
                return do_publish(k, argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
        if (streq(verb, "churn") && (argc == 7 || (argc == 8 && streq(argv[7], "remove"))))
                return do_churn(k, argv + 2, argc == 8);
        if (streq(verb, "ids") && argc == 3) {
                printf("ring=%ld entry=%ld\n", (long) ring_id(k), (long) entry_id(k, argv[2]));
                return 0;
        }
        if (streq(verb, "revoke") && argc == 3)
                return keyctl_revoke(entry_id(k, argv[2])) < 0 ? 1 : 0;
        if (streq(verb, "contents") && argc == 2)
                return do_contents(k);
        if (streq(verb, "rawread") && argc == 3)
                return do_rawread(argv[2]);
        if (streq(verb, "plant") && argc == 5)
                return add_key(argv[2], argv[3], argv[4], strlen(argv[4]), ring_id(k)) < 0 ? 1 : 0;
        fprintf(stderr, "usage: see the top of tests/tools/keyring-tool.c\n");
        return 2;
}
