/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The deviceid-enrolld configuration parser (enrolld-config.h): libinih
 * over a bounded, NUL-free copy of the buffer; every value is checked
 * where it is read, so errors name their line. Account fields are checked
 * by sign_client_parse_account_spec(), the same rules as
 * `deviceidctl enroll --account`.
 */
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "enrolld-config.h"
#include "keyring/keyring.h"

#define ACCOUNT_PREFIX "account \""

enum {
        SEEN_URL = 1u << 0,
        SEEN_ROOT = 1u << 1,
        SEEN_KEY_ALG = 1u << 2,
        SEEN_RENEW_AT = 1u << 3,
        SEEN_RETRY_MIN = 1u << 4,
        SEEN_RETRY_MAX = 1u << 5,
        SEEN_CHECK = 1u << 6,
};

typedef struct raw_account {
        char name[KEYRING_MAX_NAME + 1];
        char *sub;
        char *sans; /* joined with ',' */
        bool tpm, seen_sub, seen_sans, seen_key;
} raw_account;

typedef struct parse_ctx {
        enrolld_config *c;
        raw_account raw[ENROLLD_CONFIG_MAX_ACCOUNTS];
        size_t n_raw;
        unsigned seen;
        int error;
        char message[256];
} parse_ctx;

static int parse_fail(parse_ctx *ctx, int error, const char *fmt, ...) _printf_(3, 4);
static int parse_fail(parse_ctx *ctx, int error, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(ctx->message, sizeof(ctx->message), fmt, ap);
        va_end(ap);
        ctx->error = error;
        return 0;
}

static void set_error(char **ret_error, const char *fmt, ...) _printf_(2, 3);
static void set_error(char **ret_error, const char *fmt, ...) {
        va_list ap;

        if (!ret_error)
                return;
        va_start(ap, fmt);
        if (vasprintf(ret_error, fmt, ap) < 0)
                *ret_error = NULL;
        va_end(ap);
}

static bool once(parse_ctx *ctx, unsigned bit) {
        if (ctx->seen & bit)
                return false;
        ctx->seen |= bit;
        return true;
}

static int handle_duration(parse_ctx *ctx, unsigned bit, const char *key, const char *value, uint64_t *slot) {
        if (!once(ctx, bit))
                return parse_fail(ctx, -EINVAL, "duplicate key \"%s\"", key);
        if (duration_parse(value, ENROLLD_MAX_DURATION, slot) < 0 || *slot == 0)
                return parse_fail(ctx, -EINVAL, "%s=\"%.32s\" is not a duration from 1s to 7d (e.g. 5s, 10m)", key,
                                  value);
        return 1;
}

static int handle_renewal(parse_ctx *ctx, const char *key, const char *value) {
        enrolld_config *c = ctx->c;

        if (streq(key, "renew_at")) {
                char *end = NULL;
                double v;

                if (!once(ctx, SEEN_RENEW_AT))
                        return parse_fail(ctx, -EINVAL, "duplicate key \"renew_at\"");
                if (strlen(value) > 16 || strspn(value, "0123456789.") != strlen(value) || !*value)
                        return parse_fail(ctx, -EINVAL, "renew_at=\"%.32s\" is not a decimal fraction", value);
                v = strtod(value, &end);
                if (!end || *end || !isfinite(v) || v < ENROLLD_MIN_RENEW_AT || v > ENROLLD_MAX_RENEW_AT)
                        return parse_fail(ctx, -EINVAL, "renew_at=\"%.32s\" is not a fraction from %.2g to %.2g", value,
                                          ENROLLD_MIN_RENEW_AT, ENROLLD_MAX_RENEW_AT);
                c->renew_at = v;
                return 1;
        }
        if (streq(key, "retry_min"))
                return handle_duration(ctx, SEEN_RETRY_MIN, key, value, &c->retry_min);
        if (streq(key, "retry_max"))
                return handle_duration(ctx, SEEN_RETRY_MAX, key, value, &c->retry_max);
        if (streq(key, "check_interval"))
                return handle_duration(ctx, SEEN_CHECK, key, value, &c->check_interval);
        return parse_fail(ctx, -EINVAL, "unknown key \"%.64s\" in [renewal]", key);
}

static int handle_ca(parse_ctx *ctx, const char *key, const char *value) {
        enrolld_config *c = ctx->c;
        char **slot;
        size_t max;

        if (streq(key, "url")) {
                if (!once(ctx, SEEN_URL))
                        return parse_fail(ctx, -EINVAL, "duplicate key \"url\"");
                if (strncmp(value, "https://", 8) != 0 || strlen(value) <= 8 || strlen(value) > ENROLLD_CONFIG_MAX_URL ||
                    strpbrk(value + 8, "/?#@ \t") != NULL)
                        return parse_fail(ctx, -EINVAL, "url=\"%.80s\" is not https://HOST[:PORT]", value);
                slot = &c->ca_url;
                max = ENROLLD_CONFIG_MAX_URL;
        } else if (streq(key, "root")) {
                if (!once(ctx, SEEN_ROOT))
                        return parse_fail(ctx, -EINVAL, "duplicate key \"root\"");
                if (!*value || strlen(value) > ENROLLD_CONFIG_MAX_PATH)
                        return parse_fail(ctx, -EINVAL, "root= wants the path of a PEM file");
                slot = &c->ca_root;
                max = ENROLLD_CONFIG_MAX_PATH;
        } else
                return parse_fail(ctx, -EINVAL, "unknown key \"%.64s\" in [ca]", key);
        *slot = strndup(value, max);
        return *slot ? 1 : parse_fail(ctx, -ENOMEM, "out of memory");
}

/* "a, b ,c" -> "a,b,c"; -EINVAL on an empty element. */
static int join_sans(const char *value, char **ret) {
        _cleanup_free_ char *out = malloc(strlen(value) + 1);
        const char *p = value;
        char *o;

        if (!out)
                return -ENOMEM;
        o = out;
        for (;;) {
                size_t n;

                p += strspn(p, " \t");
                n = strcspn(p, ",");
                while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
                        n--;
                if (n == 0)
                        return -EINVAL;
                if (o != out)
                        *o++ = ',';
                memcpy(o, p, n);
                o += n;
                p += strcspn(p, ",");
                if (!*p)
                        break;
                p++;
        }
        *o = 0;
        *ret = TAKE_PTR(out);
        return 0;
}

/* Checks one field by the --account rules, with a placeholder name. */
static int check_spec(const char *sub, const char *sans, sign_client_account *ret) {
        _cleanup_free_ char *spec = NULL;
        sign_client_account a = {};
        int r;

        /* Always four fields: the trailing "tpm" is the flag, so a SAN
         * or CN spelled "tpm" stays what it is. */
        if (asprintf(&spec, "x:%s%s%s:tpm", sub ?: "", sans ? ":" : "", sans ?: "") < 0)
                return -ENOMEM;
        r = sign_client_parse_account_spec(spec, &a);
        if (r >= 0 && ret) {
                *ret = a;
                return r;
        }
        sign_client_account_done(&a);
        return r;
}

/* The account of section `account "NAME"`, added on first sight. */
static raw_account *section_account(parse_ctx *ctx, const char *section) {
        size_t plen = strlen(ACCOUNT_PREFIX), slen = strlen(section);
        char name[KEYRING_MAX_NAME + 1];

        if (slen < plen + 2 || section[slen - 1] != '"' || slen - plen - 1 > KEYRING_MAX_NAME) {
                parse_fail(ctx, -EINVAL, "bad section [%.80s] (account \"NAME\")", section);
                return NULL;
        }
        memcpy(name, section + plen, slen - plen - 1);
        name[slen - plen - 1] = 0;
        if (!keyring_account_name_is_valid(name)) {
                parse_fail(ctx, -EINVAL, "invalid account name \"%s\" ([a-z0-9][a-z0-9_-]*, not device or roots)", name);
                return NULL;
        }
        for (size_t i = 0; i < ctx->n_raw; i++)
                if (streq(ctx->raw[i].name, name))
                        return &ctx->raw[i];
        if (ctx->n_raw >= ENROLLD_CONFIG_MAX_ACCOUNTS) {
                parse_fail(ctx, -E2BIG, "more than %d accounts", ENROLLD_CONFIG_MAX_ACCOUNTS);
                return NULL;
        }
        memcpy(ctx->raw[ctx->n_raw].name, name, sizeof(name));
        return &ctx->raw[ctx->n_raw++];
}

/* libinih does not report a section without keys, and `[account "wifi"]`
 * on its own is a whole account: find the account headers first, in file
 * order. Returns the line of an error, 0 if none. */
static int scan_account_sections(parse_ctx *ctx, const char *text) {
        int line = 0;

        for (const char *p = text; *p;) {
                const char *eol = strchrnul(p, '\n'), *close;
                char section[128];
                size_t n;

                line++;
                p += strspn(p, " \t");
                if (*p == '[' && (close = memchr(p, ']', (size_t) (eol - p)))) {
                        n = (size_t) (close - p - 1);
                        if (n >= sizeof(section)) {
                                parse_fail(ctx, -EINVAL, "section name too long");
                                return line;
                        }
                        memcpy(section, p + 1, n);
                        section[n] = 0;
                        /* Also catches unknown sections without keys. */
                        if (strncmp(section, ACCOUNT_PREFIX, strlen(ACCOUNT_PREFIX)) == 0) {
                                if (!section_account(ctx, section))
                                        return line;
                        } else if (!streq(section, "ca") && !streq(section, "device") && !streq(section, "renewal")) {
                                parse_fail(ctx, -EINVAL, "unknown section [%.80s]", section);
                                return line;
                        }
                }
                p = *eol ? eol + 1 : eol;
        }
        return 0;
}

static int handle_account(parse_ctx *ctx, const char *section, const char *key, const char *value) {
        raw_account *a = section_account(ctx, section);
        const char *name;
        int r;

        if (!a)
                return 0;
        name = a->name;
        if (streq(key, "sub")) {
                if (a->seen_sub)
                        return parse_fail(ctx, -EINVAL, "duplicate key \"sub\" for account \"%s\"", name);
                a->seen_sub = true;
                if (!*value || strlen(value) > SIGN_CLIENT_MAX_SUB || strchr(value, ':') ||
                    check_spec(value, NULL, NULL) < 0)
                        return parse_fail(ctx, -EINVAL, "sub=\"%.80s\" of account \"%s\" is not 1-%u printable characters "
                                          "without ':'", value, name, SIGN_CLIENT_MAX_SUB);
                a->sub = strdup(value);
                return a->sub ? 1 : parse_fail(ctx, -ENOMEM, "out of memory");
        }
        if (streq(key, "sans")) {
                if (a->seen_sans)
                        return parse_fail(ctx, -EINVAL, "duplicate key \"sans\" for account \"%s\"", name);
                a->seen_sans = true;
                r = join_sans(value, &a->sans);
                if (r == -ENOMEM)
                        return parse_fail(ctx, r, "out of memory");
                if (r >= 0)
                        r = check_spec("x", a->sans, NULL);
                if (r == -E2BIG)
                        return parse_fail(ctx, -EINVAL, "account \"%s\" has more than %u SANs", name, SIGN_CLIENT_MAX_SANS);
                if (r < 0)
                        return parse_fail(ctx, -EINVAL, "sans=\"%.80s\" of account \"%s\" is not a comma-separated list "
                                          "of DNS names", value, name);
                return 1;
        }
        if (streq(key, "key")) {
                if (a->seen_key)
                        return parse_fail(ctx, -EINVAL, "duplicate key \"key\" for account \"%s\"", name);
                a->seen_key = true;
                if (streq(value, "tpm"))
                        a->tpm = true;
                else if (!streq(value, "software"))
                        return parse_fail(ctx, -EINVAL, "key=\"%.32s\" of account \"%s\" is neither software nor tpm",
                                          value, name);
                return 1;
        }
        return parse_fail(ctx, -EINVAL, "unknown key \"%.64s\" in [%s]", key, section);
}

static int handler(void *user, const char *section, const char *key, const char *value) {
        parse_ctx *ctx = user;

        if (ctx->error)
                return 0;
        if (!key || !value) /* a section header on its own */
                return 1;
        if (!*section)
                return parse_fail(ctx, -EINVAL, "\"%.64s\" outside of a section", key);
        if (streq(section, "ca"))
                return handle_ca(ctx, key, value);
        if (streq(section, "device")) {
                if (!streq(key, "key_alg"))
                        return parse_fail(ctx, -EINVAL, "unknown key \"%.64s\" in [device]", key);
                if (!once(ctx, SEEN_KEY_ALG))
                        return parse_fail(ctx, -EINVAL, "duplicate key \"key_alg\"");
                if (streq(value, "rsa"))
                        ctx->c->device_rsa = true;
                else if (!streq(value, "ecc"))
                        return parse_fail(ctx, -EINVAL, "key_alg=\"%.32s\" is neither ecc nor rsa", value);
                return 1;
        }
        if (streq(section, "renewal"))
                return handle_renewal(ctx, key, value);
        if (strncmp(section, ACCOUNT_PREFIX, strlen(ACCOUNT_PREFIX)) == 0)
                return handle_account(ctx, section, key, value);
        return parse_fail(ctx, -EINVAL, "unknown section [%.80s]", section);
}

static void raw_done(parse_ctx *ctx) {
        for (size_t i = 0; i < ctx->n_raw; i++) {
                free(ctx->raw[i].sub);
                free(ctx->raw[i].sans);
        }
}

/* The checked raw accounts as sign_client_account. */
static int finish_accounts(parse_ctx *ctx, char **ret_error) {
        for (size_t i = 0; i < ctx->n_raw; i++) {
                raw_account *a = &ctx->raw[i];
                sign_client_account *out = &ctx->c->accounts[i];
                int r;

                /* SANs by the --account rules (a placeholder spec), the rest as read. */
                r = check_spec("x", a->sans, out);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) { /* checked when read: cannot happen */
                        set_error(ret_error, "account \"%s\" is not valid", a->name);
                        return -EINVAL;
                }
                ctx->c->n_accounts++;
                free(out->name);
                free(out->sub);
                out->name = strdup(a->name);
                out->sub = strdup(a->sub ?: a->name);
                out->tpm = a->tpm;
                if (!out->name || !out->sub)
                        return -ENOMEM;
        }
        (void) ret_error;
        return 0;
}

int enrolld_config_parse(const char *buf, size_t len, enrolld_config **ret, char **ret_error) {
        _cleanup_(enrolld_config_freep) enrolld_config *c = NULL;
        _cleanup_free_ char *copy = NULL;
        _cleanup_(raw_done) parse_ctx ctx = {};
        int r, line;

        if (ret_error)
                *ret_error = NULL;
        if (len > ENROLLD_CONFIG_MAX_SIZE) {
                set_error(ret_error, "larger than %d bytes", ENROLLD_CONFIG_MAX_SIZE);
                return -E2BIG;
        }
        if (memchr(buf, 0, len)) {
                set_error(ret_error, "contains a NUL byte");
                return -EBADMSG;
        }
        copy = strndup(buf, len);
        c = calloc(1, sizeof(*c));
        if (!copy || !c)
                return -ENOMEM;
        c->renew_at = ENROLLD_DEFAULT_RENEW_AT;
        c->retry_min = ENROLLD_DEFAULT_RETRY_MIN;
        c->retry_max = ENROLLD_DEFAULT_RETRY_MAX;
        c->check_interval = ENROLLD_DEFAULT_CHECK_INTERVAL;
        ctx.c = c;

        line = scan_account_sections(&ctx, copy);
        if (line == 0)
                line = ini_parse_string(copy, handler, &ctx);
        if (line == -2 || ctx.error == -ENOMEM)
                return -ENOMEM;
        if (line != 0 || ctx.error) {
                r = ctx.error ?: -EINVAL;
                if (ctx.error && line > 0)
                        set_error(ret_error, "line %d: %s", line, ctx.message);
                else if (ctx.error)
                        set_error(ret_error, "%s", ctx.message);
                else
                        set_error(ret_error, "line %d: syntax error", line);
                return r;
        }
        if (!c->ca_url || !c->ca_root) {
                set_error(ret_error, "[ca] needs url= and root=");
                return -EINVAL;
        }
        if (c->retry_min > c->retry_max) {
                set_error(ret_error, "retry_min (%llus) is above retry_max (%llus)", (unsigned long long) c->retry_min,
                          (unsigned long long) c->retry_max);
                return -EINVAL;
        }
        r = finish_accounts(&ctx, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

const sign_client_account *enrolld_config_find_account(const enrolld_config *c, const char *name) {
        for (size_t i = 0; i < c->n_accounts; i++)
                if (streq(c->accounts[i].name, name))
                        return &c->accounts[i];
        return NULL;
}

void enrolld_config_free(enrolld_config *c) {
        if (!c)
                return;
        free(c->ca_url);
        free(c->ca_root);
        for (size_t i = 0; i < c->n_accounts; i++)
                sign_client_account_done(&c->accounts[i]);
        free(c);
}
