/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's posture report (posture-client.h): the facts read from the
 * running system and a quote by the AK.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "config.h"
#include "crypto.h"
#include "enroll/client/posture-client.h"
#include "enroll/tpm/tpm-quote.h"
#include "log.h"
#include "x509.h"

#define OS_RELEASE_MAX (64 * 1024)
#define EFI_DIR "/sys/firmware/efi"
#define SECURE_BOOT_VAR "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define DM_DEPTH 4 /* dm devices stacked on dm devices: LVM on LUKS ... */
#define EVENT_LOG "/sys/kernel/security/tpm0/binary_bios_measurements"
#define EVENT_LOG_ENV "DEVICEID_EVENT_LOG" /* another path (tests) */

/* A fact as the wire takes it: printable ASCII, at most POSTURE_FACT_MAX
 * bytes (longer values are cut). NULL for an empty one. */
static int fact_dup(const char *s, size_t n, char **ret) {
        char *d;

        if (n > POSTURE_FACT_MAX)
                n = POSTURE_FACT_MAX;
        if (n == 0) {
                *ret = NULL;
                return 0;
        }
        d = strndup(s, n);
        if (!d)
                return -ENOMEM;
        for (char *c = d; *c; c++)
                if ((unsigned char) *c < 0x20 || (unsigned char) *c >= 0x7f)
                        *c = '?';
        *ret = d;
        return 0;
}

/* KEY=value or KEY="value" of an os-release file (os-release(5)). */
static int os_release_value(const char *text, const char *key, char **ret) {
        size_t klen = strlen(key);

        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                const char *v, *end;

                if (strncmp(l, key, klen) != 0 || l[klen] != '=')
                        continue;
                v = l + klen + 1;
                end = strchrnul(v, '\n');
                if (end > v && (*v == '"' || *v == '\'') && end[-1] == *v && end - v >= 2) {
                        v++;
                        end--;
                }
                return fact_dup(v, (size_t) (end - v), ret);
        }
        *ret = NULL;
        return 0;
}

static int read_os_release(posture_facts *f) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        r = read_file_at(AT_FDCWD, "/etc/os-release", OS_RELEASE_MAX, &text, &len);
        if (r < 0)
                r = read_file_at(AT_FDCWD, "/usr/lib/os-release", OS_RELEASE_MAX, &text, &len);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;
        r = os_release_value(text, "ID", &f->os_id);
        if (r >= 0)
                r = os_release_value(text, "VERSION_ID", &f->os_version);
        return r;
}

static posture_state secure_boot_state(void) {
        uint8_t buf[8];
        ssize_t n;
        int fd;

        if (access(EFI_DIR, F_OK) < 0)
                return POSTURE_ABSENT;
        fd = open(SECURE_BOOT_VAR, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return POSTURE_DISABLED; /* EFI without the variable: not in use */
        /* efivarfs: 4 bytes of attributes, then the one-byte value. */
        n = read(fd, buf, sizeof(buf));
        (void) close(fd);
        return n == 5 && buf[4] == 1 ? POSTURE_ENABLED : POSTURE_DISABLED;
}

/* True if the block device at /sys/dev/block/... path is dm-crypt or
 * stands on one. */
static bool block_is_crypt(int dfd, unsigned depth) {
        _cleanup_free_ char *uuid = NULL;
        size_t len;
        int fd;
        DIR *d;
        bool found = false;

        if (read_file_at(dfd, "dm/uuid", 256, &uuid, &len) >= 0 && strncmp(uuid, "CRYPT-", 6) == 0)
                return true;
        if (depth >= DM_DEPTH)
                return false;
        fd = openat(dfd, "slaves", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return false;
        d = fdopendir(fd);
        if (!d) {
                (void) close(fd);
                return false;
        }
        for (struct dirent *de; !found && (de = readdir(d));) {
                int sub;

                if (de->d_name[0] == '.')
                        continue;
                sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (sub < 0)
                        continue;
                found = block_is_crypt(sub, depth + 1);
                (void) close(sub);
        }
        (void) closedir(d);
        return found;
}

static posture_state disk_encryption_state(void) {
        char path[64];
        struct stat st;
        bool crypt;
        int fd;

        if (stat("/", &st) < 0 || major(st.st_dev) == 0)
                return POSTURE_ABSENT; /* not on a block device (tmpfs, overlay ...) */
        (void) snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major(st.st_dev), minor(st.st_dev));
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return POSTURE_ABSENT;
        crypt = block_is_crypt(fd, 0);
        (void) close(fd);
        return crypt ? POSTURE_ENABLED : POSTURE_DISABLED;
}

int posture_client_facts(posture_facts *ret) {
        _cleanup_(posture_facts_done) posture_facts f = {};
        struct utsname u;
        int r;

        r = read_os_release(&f);
        if (r >= 0 && uname(&u) >= 0)
                r = fact_dup(u.release, strlen(u.release), &f.kernel);
        if (r >= 0)
                r = fact_dup(PACKAGE_VERSION, strlen(PACKAGE_VERSION), &f.agent);
        if (r < 0)
                return r;
        f.secure_boot = secure_boot_state();
        f.disk_encryption = disk_encryption_state();
        *ret = f;
        f = (posture_facts) {};
        return 0;
}

/* The kernel's copy of the firmware's event log, when it has one the CA
 * takes (POSTURE_EVENTLOG_MAX); NULL otherwise. 0 or -ENOMEM. */
static int read_event_log(uint8_t **ret, size_t *ret_len) {
        const char *path = getenv(EVENT_LOG_ENV) ?: EVENT_LOG;
        char *buf = NULL;
        size_t len;
        int r;

        *ret = NULL;
        *ret_len = 0;
        r = read_file_at(AT_FDCWD, path, POSTURE_EVENTLOG_MAX, &buf, &len);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || len == 0) {
                log_debug("No event log sent (%s: %s).", path, r < 0 ? strerror(-r) : "empty");
                free(buf);
                return 0;
        }
        *ret = (uint8_t *) buf;
        *ret_len = len;
        return 0;
}

int posture_client_report(const posture_source *s, const char *jti, int64_t iat, int64_t exp, json_object **ret,
                          uint8_t **ret_log, size_t *ret_log_len) {
        uint8_t q[32];
        int r;

        if (!jti)
                return -EINVAL;
        r = posture_qualifying(jti, iat, exp, q);
        if (r < 0)
                return r;
        return posture_client_report_qualified(s, q, ret, ret_log, ret_log_len);
}

int posture_client_report_qualified(const posture_source *s, const uint8_t q[static 32], json_object **ret,
                                    uint8_t **ret_log, size_t *ret_log_len) {
        _cleanup_(posture_report_done) posture_report p = {};
        int r;

        if (!s || !s->tpm || !s->ak || !s->ak_cert || !ret || !ret_log || !ret_log_len)
                return -EINVAL;
        r = tpm_quote(s->tpm, s->ak, s->bank ?: POSTURE_DEFAULT_BANK, s->mask ?: POSTURE_DEFAULT_PCRS, q, 32,
                      &p.quote, &p.quote_len, &p.sig, &p.sig_len, &p.pcrs);
        if (r < 0)
                return log_debug_errno(r, "TPM2_Quote failed: %s", strerror(-r));
        r = x509_cert_to_der(s->ak_cert, &p.ak, &p.ak_len);
        if (r < 0)
                return r;
        r = posture_client_facts(&p.facts);
        if (r < 0)
                return r;
        r = read_event_log(&p.eventlog, &p.eventlog_len);
        if (r >= 0 && p.eventlog) {
                /* Beside the token, named in it by digest. */
                p.eventlog_sent_beside = true;
                r = crypto_sha256(p.eventlog, p.eventlog_len, p.eventlog_sha256);
        }
        if (r >= 0)
                r = posture_report_to_json(&p, ret);
        if (r < 0)
                return r;
        *ret_log = TAKE_PTR(p.eventlog);
        *ret_log_len = p.eventlog_len;
        return 0;
}
