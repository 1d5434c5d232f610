/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The deviceid-enrolld configuration parser (enrolld-config.h) on the
 * common INI scaffold (conf.h: sizes, syntax, sections, unknown and
 * duplicate keys); every value is checked where it is read, so errors
 * name their line. Account fields are checked
 * by sign_client_parse_account_spec(), the same rules as
 * `deviceidctl enroll --account`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "duration.h"
#include "enroll/agent/enrolld-config.h"
#include "keyring/keyring.h"
#include "tpm2quote.h"

typedef struct raw_account {
        char name[KEYRING_MAX_NAME + 1];
        char *sub;
        char *sans; /* joined with ',' */
        bool tpm;
} raw_account;

typedef struct parse_ctx {
        enrolld_config *c;
        raw_account raw[ENROLLD_CONFIG_MAX_ACCOUNTS];
        size_t n_raw;
} parse_ctx;

static int parse_duration(conf_ctx *ctx, const char *key, const char *value, uint64_t *slot) {
        if (duration_parse(value, ENROLLD_MAX_DURATION, slot) < 0 || *slot == 0)
                return conf_fail(ctx, -EINVAL, "%s=\"%.32s\" is not a duration from 1s to 7d (e.g. 5s, 10m)", key,
                                 value);
        return 0;
}

static int renewal_key(conf_ctx *ctx, const conf_section *s, const char *key, const char *value, void *userdata) {
        enrolld_config *c = ((parse_ctx *) userdata)->c;

        if (streq(key, "renew_at")) {
                char *end = NULL;
                double v;

                if (strlen(value) > 16 || strspn(value, "0123456789.") != strlen(value) || !*value)
                        return conf_fail(ctx, -EINVAL, "renew_at=\"%.32s\" is not a decimal fraction", value);
                v = strtod(value, &end);
                if (!end || *end || !isfinite(v) || v < ENROLLD_MIN_RENEW_AT || v > ENROLLD_MAX_RENEW_AT)
                        return conf_fail(ctx, -EINVAL, "renew_at=\"%.32s\" is not a fraction from %.2g to %.2g", value,
                                         ENROLLD_MIN_RENEW_AT, ENROLLD_MAX_RENEW_AT);
                c->renew_at = v;
                return 0;
        }
        if (streq(key, "retry_min"))
                return parse_duration(ctx, key, value, &c->retry_min);
        if (streq(key, "retry_max"))
                return parse_duration(ctx, key, value, &c->retry_max);
        /* check_interval, the last key conf.c lets through */
        return parse_duration(ctx, key, value, &c->check_interval);
}

static int posture_key(conf_ctx *ctx, const conf_section *s, const char *key, const char *value, void *userdata) {
        enrolld_config *c = ((parse_ctx *) userdata)->c;
        int r;

        /* pcr_selection, the only key conf.c lets through; the syntax of
         * the CA's [posture] pcr_selection. */
        r = tpm2_pcr_sha256_selection_parse(value, &c->posture_pcrs);
        if (r == -EOPNOTSUPP)
                return conf_fail(ctx, -EINVAL, "pcr_selection=\"%.32s\": only the sha256 bank is supported", value);
        if (r < 0 || c->posture_pcrs == 0)
                return conf_fail(ctx, -EINVAL, "pcr_selection=\"%.32s\" is not [sha256:]N[-M][,...] with PCRs 0-23",
                                 value);
        return 0;
}

static int ca_key(conf_ctx *ctx, const conf_section *s, const char *key, const char *value, void *userdata) {
        enrolld_config *c = ((parse_ctx *) userdata)->c;
        char **slot;
        size_t max;

        if (streq(key, "url")) {
                if (strncmp(value, "https://", 8) != 0 || strlen(value) <= 8 || strlen(value) > ENROLLD_CONFIG_MAX_URL ||
                    strpbrk(value + 8, "/?#@ \t") != NULL)
                        return conf_fail(ctx, -EINVAL, "url=\"%.80s\" is not https://HOST[:PORT]", value);
                slot = &c->ca_url;
                max = ENROLLD_CONFIG_MAX_URL;
        } else { /* root */
                if (!*value || strlen(value) > ENROLLD_CONFIG_MAX_PATH)
                        return conf_fail(ctx, -EINVAL, "root= wants the path of a PEM file");
                slot = &c->ca_root;
                max = ENROLLD_CONFIG_MAX_PATH;
        }
        *slot = strndup(value, max);
        return *slot ? 0 : conf_fail(ctx, -ENOMEM, "out of memory");
}

static int set_string(conf_ctx *ctx, char **slot, const char *value, size_t max) {
        free(*slot);
        *slot = strndup(value, max);
        return *slot ? 0 : conf_fail(ctx, -ENOMEM, "out of memory");
}

static bool https_url_ok(const char *value, bool path) {
        if (strncmp(value, "https://", 8) != 0 || strlen(value) <= 8 || strlen(value) > ENROLLD_CONFIG_MAX_URL)
                return false;
        if (strpbrk(value + 8, path ? "?#@ \t" : "/?#@ \t") != NULL)
                return false;
        for (const char *p = value; *p; p++)
                if ((unsigned char) *p < 0x21 || (unsigned char) *p > 0x7e)
                        return false;
        return true;
}

static int path_key(conf_ctx *ctx, const char *key, const char *value, char **slot) {
        if (!*value || strlen(value) > ENROLLD_CONFIG_MAX_PATH)
                return conf_fail(ctx, -EINVAL, "%s= wants the path of a PEM file", key);
        return set_string(ctx, slot, value, ENROLLD_CONFIG_MAX_PATH);
}

/* [attestation-ca] url, root; [acme] directory, root. */
static int role_key(conf_ctx *ctx, const conf_section *s, const char *key, const char *value, void *userdata) {
        enrolld_config *c = ((parse_ctx *) userdata)->c;
        bool attest = streq(s->spec->name, "attestation-ca");

        if (streq(key, "root"))
                return path_key(ctx, key, value, attest ? &c->attest_root : &c->acme_root);
        if (!https_url_ok(value, true))
                return conf_fail(ctx, -EINVAL, "%s=\"%.80s\" is not an https:// URL", key, value);
        return set_string(ctx, attest ? &c->attest_url : &c->acme_directory, value, ENROLLD_CONFIG_MAX_URL);
}

/* [account-ca] url, root, issuer, provisioner, list. */
static int account_ca_key(conf_ctx *ctx, const conf_section *s, const char *key, const char *value,
                          void *userdata) {
        enrolld_config *c = ((parse_ctx *) userdata)->c;

        if (streq(key, "url")) {
                if (!https_url_ok(value, false))
                        return conf_fail(ctx, -EINVAL, "url=\"%.80s\" is not https://HOST[:PORT]", value);
                return set_string(ctx, &c->account_url, value, ENROLLD_CONFIG_MAX_URL);
        }
        if (streq(key, "root"))
                return path_key(ctx, key, value, &c->account_root);
        if (streq(key, "issuer"))
                return path_key(ctx, key, value, &c->account_issuer);
        if (streq(key, "provisioner")) {
                size_t n = strlen(value);

                if (n == 0 || n > 64 || strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n)
                        return conf_fail(ctx, -EINVAL, "provisioner=\"%.80s\" is not 1-64 letters, digits, _ . -", value);
                return set_string(ctx, &c->account_provisioner, value, 64);
        }
        /* list, the last key conf.c lets through */
        if (streq(value, "yes"))
                c->account_list = ENROLLD_LIST_YES;
        else if (streq(value, "no"))
                c->account_list = ENROLLD_LIST_NO;
        else if (streq(value, "auto"))
                c->account_list = ENROLLD_LIST_AUTO;
        else
                return conf_fail(ctx, -EINVAL, "list=\"%.32s\" is not yes, no or auto", value);
        return 0;
}

static int device_key(conf_ctx *ctx, const conf_section *s, const char *key, const char *value, void *userdata) {
        enrolld_config *c = ((parse_ctx *) userdata)->c;

        if (streq(value, "rsa"))
                c->device_rsa = true;
        else if (!streq(value, "ecc"))
                return conf_fail(ctx, -EINVAL, "key_alg=\"%.32s\" is neither ecc nor rsa", value);
        return 0;
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

/* [account "NAME"]: the account, added on first sight (a section without
 * keys is a whole account), in file order: raw[s->index]. */
static int account_section(conf_ctx *ctx, const conf_section *s, void *userdata) {
        parse_ctx *p = userdata;

        if (strlen(s->arg) > KEYRING_MAX_NAME || !keyring_account_name_is_valid(s->arg))
                return conf_fail(ctx, -EINVAL,
                                 "invalid account name \"%.64s\" ([a-z0-9][a-z0-9_-]*, not device or roots)", s->arg);
        if (!s->first)
                return 0;
        if (p->n_raw >= ENROLLD_CONFIG_MAX_ACCOUNTS)
                return conf_fail(ctx, -E2BIG, "more than %d accounts", ENROLLD_CONFIG_MAX_ACCOUNTS);
        strcpy(p->raw[p->n_raw++].name, s->arg); /* length checked above */
        return 0;
}

static int account_key(conf_ctx *ctx, const conf_section *s, const char *key, const char *value, void *userdata) {
        raw_account *a = &((parse_ctx *) userdata)->raw[s->index];
        const char *name = a->name;
        int r;

        if (streq(key, "sub")) {
                if (!*value || strlen(value) > SIGN_CLIENT_MAX_SUB || strchr(value, ':') ||
                    check_spec(value, NULL, NULL) < 0)
                        return conf_fail(ctx, -EINVAL, "sub=\"%.80s\" of account \"%s\" is not 1-%u printable "
                                         "characters without ':'", value, name, SIGN_CLIENT_MAX_SUB);
                a->sub = strdup(value);
                return a->sub ? 0 : conf_fail(ctx, -ENOMEM, "out of memory");
        }
        if (streq(key, "sans")) {
                r = join_sans(value, &a->sans);
                if (r == -ENOMEM)
                        return conf_fail(ctx, r, "out of memory");
                if (r >= 0)
                        r = check_spec("x", a->sans, NULL);
                if (r == -E2BIG)
                        return conf_fail(ctx, -EINVAL, "account \"%s\" has more than %u SANs", name,
                                         SIGN_CLIENT_MAX_SANS);
                if (r < 0)
                        return conf_fail(ctx, -EINVAL, "sans=\"%.80s\" of account \"%s\" is not a comma-separated "
                                         "list of DNS names", value, name);
                return 0;
        }
        /* key, the last one conf.c lets through */
        if (streq(value, "tpm"))
                a->tpm = true;
        else if (!streq(value, "software"))
                return conf_fail(ctx, -EINVAL, "key=\"%.32s\" of account \"%s\" is neither software nor tpm", value,
                                 name);
        return 0;
}

static const conf_section_spec sections[] = {
        {
                .name = "ca",
                .form = CONF_PLAIN,
                .keys = (const char *const[]) { "url", "root", NULL },
                .key = ca_key,
        },
        {
                .name = "attestation-ca",
                .form = CONF_PLAIN,
                .keys = (const char *const[]) { "url", "root", NULL },
                .key = role_key,
        },
        {
                .name = "acme",
                .form = CONF_PLAIN,
                .keys = (const char *const[]) { "directory", "root", NULL },
                .key = role_key,
        },
        {
                .name = "account-ca",
                .form = CONF_PLAIN,
                .keys = (const char *const[]) { "url", "root", "issuer", "provisioner", "list", NULL },
                .key = account_ca_key,
        },
        {
                .name = "device",
                .form = CONF_PLAIN,
                .keys = (const char *const[]) { "key_alg", NULL },
                .key = device_key,
        },
        {
                .name = "posture",
                .form = CONF_PLAIN,
                .keys = (const char *const[]) { "pcr_selection", NULL },
                .key = posture_key,
        },
        {
                .name = "renewal",
                .form = CONF_PLAIN,
                .keys = (const char *const[]) { "renew_at", "retry_min", "retry_max", "check_interval", NULL },
                .key = renewal_key,
        },
        {
                .name = "account",
                .form = CONF_QUOTED,
                .keys = (const char *const[]) { "sub", "sans", "key", NULL },
                .section = account_section,
                .key = account_key,
        },
};

static const conf_syntax syntax = {
        .sections = sections,
        .n_sections = ELEMENTSOF(sections),
        .max_size = ENROLLD_CONFIG_MAX_SIZE,
};

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
                if (r < 0) /* checked when read: cannot happen */
                        return conf_error(ret_error, -EINVAL, "account \"%s\" is not valid", a->name);
                ctx->c->n_accounts++;
                free(out->name);
                free(out->sub);
                out->name = strdup(a->name);
                out->sub = strdup(a->sub ?: a->name);
                out->tpm = a->tpm;
                if (!out->name || !out->sub)
                        return -ENOMEM;
        }
        return 0;
}

int enrolld_config_parse(const char *buf, size_t len, enrolld_config **ret, char **ret_error) {
        _cleanup_(enrolld_config_freep) enrolld_config *c = NULL;
        _cleanup_(raw_done) parse_ctx ctx = {};
        int r;

        if (ret_error)
                *ret_error = NULL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->renew_at = ENROLLD_DEFAULT_RENEW_AT;
        c->retry_min = ENROLLD_DEFAULT_RETRY_MIN;
        c->retry_max = ENROLLD_DEFAULT_RETRY_MAX;
        c->check_interval = ENROLLD_DEFAULT_CHECK_INTERVAL;
        ctx.c = c;

        r = conf_parse(&syntax, buf, len, &ctx, ret_error);
        if (r < 0)
                return r;
        if (!c->ca_url || !c->ca_root)
                return conf_error(ret_error, -EINVAL, "[ca] needs url= and root=");
        if (c->retry_min > c->retry_max)
                return conf_error(ret_error, -EINVAL, "retry_min (%llus) is above retry_max (%llus)",
                                  (unsigned long long) c->retry_min, (unsigned long long) c->retry_max);
        r = finish_accounts(&ctx, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

bool enrolld_config_uses_account_list(const enrolld_config *c) {
        return c->account_list == ENROLLD_LIST_YES || (c->account_list == ENROLLD_LIST_AUTO && c->n_accounts == 0);
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
        free(c->attest_url);
        free(c->attest_root);
        free(c->acme_directory);
        free(c->acme_root);
        free(c->account_url);
        free(c->account_root);
        free(c->account_issuer);
        free(c->account_provisioner);
        for (size_t i = 0; i < c->n_accounts; i++)
                sign_client_account_done(&c->accounts[i]);
        free(c);
}
