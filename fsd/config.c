/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parses the deviceid-fsd configuration (see config.h) from a buffer on
 * the common INI scaffold (conf.h: unknown sections and keys, duplicates
 * and syntax are refused there), strictly: a mode that would let anyone
 * but the configured owner and group read a private key is refused rather
 * than clamped, so a typo never widens access silently.
 */
#include <grp.h>
#include <pwd.h>

#include "conf.h"
#include "fsd/config.h"

#define MAX_ID_STRING 64

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

/* [account:NAME]: the account, added with the defaults on first sight, so
 * it is accounts[s->index] (sorted only after parsing). */
static int account_section(conf_ctx *ctx, const conf_section *s, void *userdata) {
        fsd_config *c = userdata;
        fsd_account_config *a;

        if (strlen(s->arg) > KEYRING_MAX_NAME)
                return conf_fail(ctx, -EINVAL, "account name in [%.80s...] is too long", s->header);
        if (!keyring_account_name_is_valid(s->arg))
                return conf_fail(ctx, -EINVAL, "\"%.64s\" is not a valid account name", s->arg);
        if (!s->first)
                return 0;
        if (c->n_accounts >= FSD_CONFIG_MAX_ACCOUNTS)
                return conf_fail(ctx, -E2BIG, "more than %d accounts", FSD_CONFIG_MAX_ACCOUNTS);
        a = reallocarray(c->accounts, c->n_accounts + 1, sizeof(*a));
        if (!a)
                return conf_fail(ctx, -ENOMEM, "out of memory");
        c->accounts = a;
        a = &c->accounts[c->n_accounts++];
        *a = (fsd_account_config) {
                .key_mode = FSD_DEFAULT_KEY_MODE,
                .cert_mode = FSD_DEFAULT_CERT_MODE,
        };
        strcpy(a->name, s->arg); /* length checked above */
        return 0;
}

static int account_key(conf_ctx *ctx, const conf_section *s, const char *key, const char *value, void *userdata) {
        fsd_account_config *a = &((fsd_config *) userdata)->accounts[s->index];
        const char *account = s->arg;
        bool numeric;
        unsigned id;
        mode_t m;
        int r;

        if (streq(key, "User") || streq(key, "Group")) {
                bool user = streq(key, "User");
                char *str = NULL;

                r = parse_id(value, &str, &id, &numeric);
                if (r == -ENOMEM)
                        return conf_fail(ctx, r, "out of memory");
                if (r < 0)
                        return conf_fail(ctx, -EINVAL, "%s=\"%.64s\" is neither a number nor a valid name", key,
                                         value);
                if (user) {
                        a->user = str;
                        if (numeric)
                                a->uid = (uid_t) id;
                } else {
                        a->group = str;
                        if (numeric)
                                a->gid = (gid_t) id;
                }
                return 0;
        }
        if (streq(key, "Mode")) {
                if (parse_mode(value, &m) < 0)
                        return conf_fail(ctx, -EINVAL, "Mode=\"%.16s\" is not an octal mode", value);
                if (m & 0007)
                        return conf_fail(ctx, -EINVAL,
                                         "Mode=%04o would make the private key of \"%s\" accessible to "
                                         "every user; refusing (at most %04o)",
                                         (unsigned) m, account, FSD_MAX_KEY_MODE);
                if (m & ~(mode_t) FSD_MAX_KEY_MODE)
                        return conf_fail(ctx, -EINVAL,
                                         "Mode=%04o for the key of \"%s\" has bits other than read for "
                                         "owner and group (at most %04o)",
                                         (unsigned) m, account, FSD_MAX_KEY_MODE);
                a->key_mode = m;
                return 0;
        }
        /* CertMode, the last key conf.c lets through. */
        if (parse_mode(value, &m) < 0)
                return conf_fail(ctx, -EINVAL, "CertMode=\"%.16s\" is not an octal mode", value);
        if (m & ~(mode_t) FSD_MAX_CERT_MODE)
                return conf_fail(ctx, -EINVAL,
                                 "CertMode=%04o has bits other than read (at most %04o): the "
                                 "filesystem is read-only",
                                 (unsigned) m, FSD_MAX_CERT_MODE);
        a->cert_mode = m;
        return 0;
}

static int fsd_key(conf_ctx *ctx, const conf_section *s, const char *key, const char *value, void *userdata) {
        fsd_config *c = userdata;
        unsigned long v;

        /* PollIntervalSec, the only key of [fsd]. */
        if (parse_unsigned(value, 10, FSD_MAX_POLL_SEC, &v) < 0 || v == 0)
                return conf_fail(ctx, -EINVAL, "PollIntervalSec=\"%.32s\" is not a number of seconds from 1 to %d",
                                 value, FSD_MAX_POLL_SEC);
        c->poll_interval_sec = (unsigned) v;
        return 0;
}

static const conf_section_spec sections[] = {
        {
                .name = "fsd",
                .form = CONF_PLAIN,
                .keys = (const char *const[]) { "PollIntervalSec", NULL },
                .key = fsd_key,
        },
        {
                .name = "account",
                .form = CONF_COLON,
                .keys = (const char *const[]) { "User", "Group", "Mode", "CertMode", NULL },
                .section = account_section,
                .key = account_key,
        },
};

static const conf_syntax syntax = {
        .sections = sections,
        .n_sections = ELEMENTSOF(sections),
        .max_size = FSD_CONFIG_MAX_SIZE,
};

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
        int r;

        if (ret_error)
                *ret_error = NULL;
        r = fsd_config_new_default(&c);
        if (r < 0)
                return r;
        r = conf_parse(&syntax, buf, len, c, ret_error);
        if (r < 0)
                return r;
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
                                return conf_error(ret_error, k > 0 ? -k : -ENOENT, "account \"%s\": unknown user \"%s\"", a->name,
                                                  a->user);
                        }
                        a->uid = res->pw_uid;
                }
                if (a->group && !is_number(a->group)) {
                        struct group gr, *res = NULL;
                        int k = getgrnam_r(a->group, &gr, buf, sizeof(buf), &res);

                        if (k != 0 || !res) {
                                return conf_error(ret_error, k > 0 ? -k : -ENOENT, "account \"%s\": unknown group \"%s\"", a->name,
                                                  a->group);
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
