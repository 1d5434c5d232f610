/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parses the deviceid-fsd configuration (see config.h) from a buffer with
 * libinih, strictly: unknown sections and keys are errors, and a mode that
 * would let anyone but the configured owner and group read a private key
 * is refused rather than clamped, so a typo never widens access silently.
 */
#include <grp.h>
#include <ini.h>
#include <pwd.h>
#include <stdarg.h>

#include "fsd/config.h"

#define ACCOUNT_SECTION_PREFIX "account:"
#define MAX_ID_STRING 64

typedef struct parse_ctx {
        fsd_config *c;
        int error;         /* first error, -errno */
        char message[256]; /* its explanation, without the line */
} parse_ctx;

_printf_(3, 4) static int parse_fail(parse_ctx *ctx, int error, const char *fmt, ...) {
        va_list ap;

        if (ctx->error == 0) {
                ctx->error = error;
                va_start(ap, fmt);
                vsnprintf(ctx->message, sizeof(ctx->message), fmt, ap);
                va_end(ap);
        }
        return 0; /* inih: handler failed */
}

/* Sets *ret (if not NULL) to a formatted message; NULL if out of memory. */
_printf_(2, 3) static void set_error(char **ret, const char *fmt, ...) {
        va_list ap;

        if (!ret)
                return;
        va_start(ap, fmt);
        if (vasprintf(ret, fmt, ap) < 0)
                *ret = NULL;
        va_end(ap);
}

static int parse_unsigned(const char *s, unsigned base, unsigned long max, unsigned long *ret) {
        unsigned long v = 0;

        if (!*s || strlen(s) > 20)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                unsigned d;

                if (*p < '0' || *p > '9')
                        return -EINVAL;
                d = (unsigned) (*p - '0');
                if (d >= base)
                        return -EINVAL;
                v = v * base + d;
                if (v > max)
                        return -ERANGE;
        }
        *ret = v;
        return 0;
}

static int parse_mode(const char *s, mode_t *ret) {
        unsigned long v;
        int r;

        if (strlen(s) > 5)
                return -EINVAL;
        r = parse_unsigned(s, 8, 07777, &v);
        if (r < 0)
                return r;
        *ret = (mode_t) v;
        return 0;
}

/* A user or group as written: a number (resolved now) or a name in the
 * portable set (resolved later through NSS). */
static int parse_id(const char *s, char **ret_str, unsigned *ret_id, bool *ret_numeric) {
        unsigned long v;
        size_t n = strlen(s);

        if (n == 0 || n > MAX_ID_STRING)
                return -EINVAL;
        if (parse_unsigned(s, 10, (unsigned long) UINT32_MAX - 1, &v) == 0) {
                *ret_numeric = true;
                *ret_id = (unsigned) v;
        } else {
                if (s[0] == '-')
                        return -EINVAL;
                for (const char *p = s; *p; p++)
                        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                              (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
                                return -EINVAL;
                *ret_numeric = false;
                *ret_id = 0;
        }
        *ret_str = strdup(s);
        return *ret_str ? 0 : -ENOMEM;
}

static fsd_account_config *account_get(parse_ctx *ctx, const char *name) {
        fsd_config *c = ctx->c;
        fsd_account_config *a;

        for (size_t i = 0; i < c->n_accounts; i++)
                if (streq(c->accounts[i].name, name))
                        return &c->accounts[i];
        if (c->n_accounts >= FSD_CONFIG_MAX_ACCOUNTS) {
                parse_fail(ctx, -E2BIG, "more than %d accounts", FSD_CONFIG_MAX_ACCOUNTS);
                return NULL;
        }
        a = reallocarray(c->accounts, c->n_accounts + 1, sizeof(*a));
        if (!a) {
                parse_fail(ctx, -ENOMEM, "out of memory");
                return NULL;
        }
        c->accounts = a;
        a = &c->accounts[c->n_accounts++];
        *a = (fsd_account_config) {
                .key_mode = FSD_DEFAULT_KEY_MODE,
                .cert_mode = FSD_DEFAULT_CERT_MODE,
        };
        strcpy(a->name, name); /* length checked by the caller */
        return a;
}

static int handle_account(parse_ctx *ctx, const char *account, const char *key, const char *value) {
        fsd_account_config *a;
        bool numeric;
        unsigned id;
        mode_t m;
        int r;

        if (!keyring_account_name_is_valid(account))
                return parse_fail(ctx, -EINVAL, "\"%.64s\" is not a valid account name", account);
        a = account_get(ctx, account);
        if (!a)
                return 0;

        if (streq(key, "User") || streq(key, "Group")) {
                bool user = streq(key, "User");
                char **str = user ? &a->user : &a->group;
                char *s = NULL;

                if (*str)
                        return parse_fail(ctx, -EINVAL, "%s= given twice for account \"%s\"", key, account);
                r = parse_id(value, &s, &id, &numeric);
                if (r == -ENOMEM)
                        return parse_fail(ctx, r, "out of memory");
                if (r < 0)
                        return parse_fail(ctx, -EINVAL, "%s=\"%.64s\" is neither a number nor a valid name",
                                          key, value);
                *str = s;
                if (numeric) {
                        if (user)
                                a->uid = (uid_t) id;
                        else
                                a->gid = (gid_t) id;
                }
                return 1;
        }
        if (streq(key, "Mode")) {
                if (parse_mode(value, &m) < 0)
                        return parse_fail(ctx, -EINVAL, "Mode=\"%.16s\" is not an octal mode", value);
                if (m & 0007)
                        return parse_fail(ctx, -EINVAL,
                                          "Mode=%04o would make the private key of \"%s\" accessible to "
                                          "every user; refusing (at most %04o)",
                                          (unsigned) m, account, FSD_MAX_KEY_MODE);
                if (m & ~(mode_t) FSD_MAX_KEY_MODE)
                        return parse_fail(ctx, -EINVAL,
                                          "Mode=%04o for the key of \"%s\" has bits other than read for "
                                          "owner and group (at most %04o)",
                                          (unsigned) m, account, FSD_MAX_KEY_MODE);
                a->key_mode = m;
                return 1;
        }
        if (streq(key, "CertMode")) {
                if (parse_mode(value, &m) < 0)
                        return parse_fail(ctx, -EINVAL, "CertMode=\"%.16s\" is not an octal mode", value);
                if (m & ~(mode_t) FSD_MAX_CERT_MODE)
                        return parse_fail(ctx, -EINVAL,
                                          "CertMode=%04o has bits other than read (at most %04o): the "
                                          "filesystem is read-only",
                                          (unsigned) m, FSD_MAX_CERT_MODE);
                a->cert_mode = m;
                return 1;
        }
        return parse_fail(ctx, -EINVAL, "unknown key \"%.64s\" in [%s%s]", key, ACCOUNT_SECTION_PREFIX, account);
}

static int handler(void *user, const char *section, const char *key, const char *value) {
        parse_ctx *ctx = user;
        size_t plen = strlen(ACCOUNT_SECTION_PREFIX);

        if (ctx->error)
                return 0;
        if (!key || !value)
                return 1;
        if (streq(section, "fsd")) {
                unsigned long v;

                if (!streq(key, "PollIntervalSec"))
                        return parse_fail(ctx, -EINVAL, "unknown key \"%.64s\" in [fsd]", key);
                if (parse_unsigned(value, 10, FSD_MAX_POLL_SEC, &v) < 0 || v == 0)
                        return parse_fail(ctx, -EINVAL, "PollIntervalSec=\"%.32s\" is not a number of seconds "
                                          "from 1 to %d", value, FSD_MAX_POLL_SEC);
                ctx->c->poll_interval_sec = (unsigned) v;
                return 1;
        }
        if (strncmp(section, ACCOUNT_SECTION_PREFIX, plen) == 0) {
                if (strlen(section + plen) > KEYRING_MAX_NAME)
                        return parse_fail(ctx, -EINVAL, "account name in [%.80s...] is too long", section);
                return handle_account(ctx, section + plen, key, value);
        }
        if (!*section)
                return parse_fail(ctx, -EINVAL, "\"%.64s\" outside of a section", key);
        return parse_fail(ctx, -EINVAL, "unknown section [%.80s]", section);
}

static int account_cmp(const void *a, const void *b) {
        return strcmp(((const fsd_account_config *) a)->name, ((const fsd_account_config *) b)->name);
}

int fsd_config_new_default(fsd_config **ret) {
        fsd_config *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        c->poll_interval_sec = FSD_DEFAULT_POLL_SEC;
        *ret = c;
        return 0;
}

int fsd_config_parse(const char *buf, size_t len, fsd_config **ret, char **ret_error) {
        _cleanup_(fsd_config_freep) fsd_config *c = NULL;
        _cleanup_free_ char *copy = NULL;
        parse_ctx ctx = {};
        int r, line;

        if (ret_error)
                *ret_error = NULL;
        if (len > FSD_CONFIG_MAX_SIZE) {
                set_error(ret_error, "larger than %d bytes", FSD_CONFIG_MAX_SIZE);
                return -E2BIG;
        }
        if (memchr(buf, 0, len)) {
                set_error(ret_error, "contains a NUL byte");
                return -EBADMSG;
        }
        copy = strndup(buf, len);
        if (!copy)
                return -ENOMEM;
        r = fsd_config_new_default(&c);
        if (r < 0)
                return r;
        ctx.c = c;

        line = ini_parse_string(copy, handler, &ctx);
        if (line == -2)
                return -ENOMEM;
        if (line != 0 || ctx.error) {
                r = ctx.error ? ctx.error : -EINVAL;
                if (ctx.error && line > 0)
                        set_error(ret_error, "line %d: %s", line, ctx.message);
                else if (ctx.error)
                        set_error(ret_error, "%s", ctx.message);
                else
                        set_error(ret_error, "line %d: syntax error", line);
                return r;
        }
        if (c->n_accounts > 0)
                qsort(c->accounts, c->n_accounts, sizeof(c->accounts[0]), account_cmp);
        *ret = TAKE_PTR(c);
        return 0;
}

static bool is_number(const char *s) {
        return s && *s && strspn(s, "0123456789") == strlen(s);
}

int fsd_config_resolve(fsd_config *c, char **ret_error) {
        if (ret_error)
                *ret_error = NULL;
        for (size_t i = 0; i < c->n_accounts; i++) {
                fsd_account_config *a = &c->accounts[i];
                char buf[4096];

                if (a->user && !is_number(a->user)) {
                        struct passwd pw, *res = NULL;
                        int k = getpwnam_r(a->user, &pw, buf, sizeof(buf), &res);

                        if (k != 0 || !res) {
                                set_error(ret_error, "account \"%s\": unknown user \"%s\"", a->name, a->user);
                                return k > 0 ? -k : -ENOENT;
                        }
                        a->uid = res->pw_uid;
                }
                if (a->group && !is_number(a->group)) {
                        struct group gr, *res = NULL;
                        int k = getgrnam_r(a->group, &gr, buf, sizeof(buf), &res);

                        if (k != 0 || !res) {
                                set_error(ret_error, "account \"%s\": unknown group \"%s\"", a->name, a->group);
                                return k > 0 ? -k : -ENOENT;
                        }
                        a->gid = res->gr_gid;
                }
        }
        return 0;
}

const fsd_account_config *fsd_config_find_account(const fsd_config *c, const char *name) {
        fsd_account_config key = {};

        if (!c || c->n_accounts == 0 || strlen(name) > KEYRING_MAX_NAME)
                return NULL;
        strcpy(key.name, name);
        return bsearch(&key, c->accounts, c->n_accounts, sizeof(c->accounts[0]), account_cmp);
}

void fsd_config_free(fsd_config *c) {
        if (!c)
                return;
        for (size_t i = 0; i < c->n_accounts; i++) {
                free(c->accounts[i].user);
                free(c->accounts[i].group);
        }
        free(c->accounts);
        free(c);
}
