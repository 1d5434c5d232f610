/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Link-time fault injection for the "killed publisher" tests: linked with
 * -Wl,--wrap=<each keyutils call keyring.c makes>, so that every call from
 * libkeyring.a goes through here first. With $DEVICEID_TEST_KILL_AT=N the
 * process SIGKILLs itself just before the Nth call (1-based), the way an
 * OOM kill or a power cut would stop it; without it, the calls are counted
 * and the total printed at exit ("keyutils-calls N" on stderr), so a test
 * can try every step.
 */
#include <keyutils.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned calls, kill_at;
static int initialized;

static void report(void) {
        fprintf(stderr, "keyutils-calls %u\n", calls);
}

static void step(void) {
        if (!initialized) {
                const char *s = getenv("DEVICEID_TEST_KILL_AT");

                initialized = 1;
                kill_at = s ? (unsigned) strtoul(s, NULL, 10) : 0;
                atexit(report);
        }
        if (++calls == kill_at)
                raise(SIGKILL);
}

/* Declarations for -Wmissing-prototypes; the linker supplies __real_*. */
key_serial_t __real_add_key(const char *, const char *, const void *, size_t, key_serial_t);
key_serial_t __wrap_add_key(const char *, const char *, const void *, size_t, key_serial_t);
long __real_keyctl_search(key_serial_t, const char *, const char *, key_serial_t);
long __wrap_keyctl_search(key_serial_t, const char *, const char *, key_serial_t);
long __real_keyctl_read(key_serial_t, char *, size_t);
long __wrap_keyctl_read(key_serial_t, char *, size_t);
int __real_keyctl_read_alloc(key_serial_t, void **);
int __wrap_keyctl_read_alloc(key_serial_t, void **);
int __real_keyctl_describe_alloc(key_serial_t, char **);
int __wrap_keyctl_describe_alloc(key_serial_t, char **);
long __real_keyctl_setperm(key_serial_t, key_perm_t);
long __wrap_keyctl_setperm(key_serial_t, key_perm_t);
long __real_keyctl_set_timeout(key_serial_t, unsigned);
long __wrap_keyctl_set_timeout(key_serial_t, unsigned);
long __real_keyctl_link(key_serial_t, key_serial_t);
long __wrap_keyctl_link(key_serial_t, key_serial_t);
long __real_keyctl_unlink(key_serial_t, key_serial_t);
long __wrap_keyctl_unlink(key_serial_t, key_serial_t);
long __real_keyctl_revoke(key_serial_t);
long __wrap_keyctl_revoke(key_serial_t);
long __real_keyctl_invalidate(key_serial_t);
long __wrap_keyctl_invalidate(key_serial_t);

key_serial_t __wrap_add_key(const char *type, const char *desc, const void *payload, size_t plen,
                            key_serial_t ring) {
        step();
        return __real_add_key(type, desc, payload, plen, ring);
}

long __wrap_keyctl_search(key_serial_t ring, const char *type, const char *desc, key_serial_t dest) {
        step();
        return __real_keyctl_search(ring, type, desc, dest);
}

long __wrap_keyctl_read(key_serial_t id, char *buf, size_t len) {
        step();
        return __real_keyctl_read(id, buf, len);
}

int __wrap_keyctl_read_alloc(key_serial_t id, void **ret) {
        step();
        return __real_keyctl_read_alloc(id, ret);
}

int __wrap_keyctl_describe_alloc(key_serial_t id, char **ret) {
        step();
        return __real_keyctl_describe_alloc(id, ret);
}

long __wrap_keyctl_setperm(key_serial_t id, key_perm_t perm) {
        step();
        return __real_keyctl_setperm(id, perm);
}

long __wrap_keyctl_set_timeout(key_serial_t id, unsigned timeout) {
        step();
        return __real_keyctl_set_timeout(id, timeout);
}

long __wrap_keyctl_link(key_serial_t id, key_serial_t ring) {
        step();
        return __real_keyctl_link(id, ring);
}

long __wrap_keyctl_unlink(key_serial_t id, key_serial_t ring) {
        step();
        return __real_keyctl_unlink(id, ring);
}

long __wrap_keyctl_revoke(key_serial_t id) {
        step();
        return __real_keyctl_revoke(id);
}

long __wrap_keyctl_invalidate(key_serial_t id) {
        step();
        return __real_keyctl_invalidate(id);
}
