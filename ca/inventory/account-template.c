/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Account names, tags and name templates (account-template.h).
 */
#include <inttypes.h>
#include <string.h>

#include "account-template.h"
#include "ca/core/san-name.h"
#include "macro.h"

static bool is_lower_or_digit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool account_name_is_valid(const char *name) {
        size_t n;

        if (!name || !is_lower_or_digit(name[0]))
                return false;
        for (n = 1; name[n]; n++)
                if (n >= ACCOUNT_NAME_MAX || !(is_lower_or_digit(name[n]) || name[n] == '_' || name[n] == '-'))
                        return false;
        return !streq(name, "device") && !streq(name, "roots");
}

bool account_tag_is_valid(const char *tag) {
        size_t n;

        if (!tag || !*tag)
                return false;
        for (n = 0; tag[n]; n++)
                if (n >= ACCOUNT_TAG_MAX || !(is_lower_or_digit(tag[n]) || tag[n] == '_' || tag[n] == '-' || tag[n] == '.'))
                        return false;
        return true;
}

static int fail(const char **ret_why, const char *why) {
        if (ret_why)
                *ret_why = why;
        return -EINVAL;
}

/* The value of variable name[0..len) or NULL if unset; *ret_known false
 * for an unknown variable. id_buf holds {id}. */
static const char *lookup(const char *name, size_t len, const account_vars *v, char id_buf[static 24],
                          bool *ret_known) {
        const char *val = NULL;

        *ret_known = true;
        if (len == 4 && memcmp(name, "name", 4) == 0)
                val = v->name;
        else if (len == 6 && memcmp(name, "serial", 6) == 0)
                val = v->serial;
        else if (len == 5 && memcmp(name, "owner", 5) == 0)
                val = v->owner;
        else if (len == 6 && memcmp(name, "ek_uri", 6) == 0)
                val = v->ek_uri;
        else if (len == 2 && memcmp(name, "id", 2) == 0) {
                if (v->id <= 0)
                        return NULL;
                snprintf(id_buf, 24, "%" PRId64, v->id);
                val = id_buf;
        } else
                *ret_known = false;
        return val && *val ? val : NULL;
}

static int check_result(const char *s, account_template_kind kind, const char **ret_why) {
        x509_san_type t;

        if (kind == ACCOUNT_TEMPLATE_SUBJECT) {
                if (!*s)
                        return fail(ret_why, "the subject is empty");
                if (strlen(s) > ACCOUNT_SUB_MAX)
                        return fail(ret_why, "the subject is longer than 64 bytes");
                for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                        if (*p < 0x20 || *p == 0x7f)
                                return fail(ret_why, "the subject holds a control character");
                return 0;
        }
        if (ca_san_classify(s, &t) < 0)
                return fail(ret_why, "the SAN is not a DNS name, IP address, email address or URI");
        return 0;
}

int account_template_expand(const char *tpl, account_template_kind kind, const account_vars *v, char **ret,
                            const char **ret_why) {
        _cleanup_free_ char *out = NULL;
        char id_buf[24];
        size_t n = 0;
        int r;

        if (!tpl || !v || !ret)
                return -EINVAL;
        if (!*tpl)
                return fail(ret_why, "the template is empty");
        if (strlen(tpl) > ACCOUNT_TEMPLATE_MAX)
                return fail(ret_why, "the template is longer than 253 bytes");
        out = malloc(ACCOUNT_TEMPLATE_MAX + 1);
        if (!out)
                return -ENOMEM;
        for (const char *p = tpl; *p;) {
                const char *val, *end;
                bool known;
                size_t vl;

                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        return fail(ret_why, "the template holds a control character");
                if (*p == '}')
                        return fail(ret_why, "the template has a '}' without '{'");
                if (*p != '{') {
                        if (n >= ACCOUNT_TEMPLATE_MAX)
                                return fail(ret_why, "the name is longer than 253 bytes");
                        out[n++] = *p++;
                        continue;
                }
                end = strchr(p + 1, '}');
                if (!end)
                        return fail(ret_why, "the template has a '{' without '}'");
                val = lookup(p + 1, (size_t) (end - p - 1), v, id_buf, &known);
                if (!known)
                        return fail(ret_why,
                                    "the template names an unknown variable (known: {name}, {serial}, {owner}, {ek_uri}, {id})");
                if (!val)
                        return fail(ret_why, "the device has no value for a variable of the template");
                vl = strlen(val);
                if (vl > ACCOUNT_TEMPLATE_MAX - n)
                        return fail(ret_why, "the name is longer than 253 bytes");
                memcpy(out + n, val, vl);
                n += vl;
                p = end + 1;
        }
        out[n] = '\0';
        r = check_result(out, kind, ret_why);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(out);
        return 0;
}

int account_template_check(const char *tpl, account_template_kind kind, const char **ret_why) {
        /* Plausible values: a DNS label for the free-text fields, a real
         * EK URI shape. A template that fails with these fails for every
         * device; what depends on one device's values is checked against
         * the inventory when the account is saved, and at issuance. */
        static const account_vars sample = {
                .name = "host1",
                .serial = "sn1",
                .owner = "user1",
                .ek_uri = "urn:ek:sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                .id = 1,
        };
        _cleanup_free_ char *out = NULL;

        return account_template_expand(tpl, kind, &sample, &out, ret_why);
}
