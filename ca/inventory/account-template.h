/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The names of an account: its own name, its device tags, and the
 * templates from which the CA makes each device's subject and SANs.
 * Pure: strings in, strings out; fuzzed (tests/fuzz/fuzz-ca-account-template.c).
 *
 * A template is text with variables in braces, filled in from the device
 * record: {name}, {serial}, {owner}, {ek_uri}, {id}. Anything else in
 * braces, a lone brace, a control character or a template longer than
 * ACCOUNT_TEMPLATE_MAX bytes is refused. A variable the device does not
 * have (no owner, say) makes the expansion fail rather than be empty: a
 * template never gives an empty name. A subject is 1..ACCOUNT_SUB_MAX
 * bytes without control characters; a SAN must be a DNS name, IP
 * address, email address or URI (ca/core/san-name.h) once filled in.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACCOUNT_NAME_MAX 63      /* bytes */
#define ACCOUNT_TAG_MAX 32       /* bytes, as a device tag (DEVICE_TAG_MAX) */
#define ACCOUNT_TEMPLATE_MAX 253 /* bytes, as written and once filled in */
#define ACCOUNT_SUB_MAX 64       /* bytes of a filled-in subject (the CN) */
#define ACCOUNT_MAX_SANS 16
#define ACCOUNT_MAX_TAGS 16

/* An account name: [a-z0-9][a-z0-9_-]*, at most ACCOUNT_NAME_MAX bytes,
 * not "device" nor "roots" (the agent's keyring and file names). */
bool account_name_is_valid(const char *name);
/* A tag an account targets: as a device tag (devices.h), 1 to
 * ACCOUNT_TAG_MAX bytes of a-z, 0-9, '.', '_', '-'. */
bool account_tag_is_valid(const char *tag);

/* What templates are filled in from (NULL or "" for unset). */
typedef struct account_vars {
        const char *name, *serial, *owner, *ek_uri;
        int64_t id;
} account_vars;

typedef enum account_template_kind {
        ACCOUNT_TEMPLATE_SUBJECT,
        ACCOUNT_TEMPLATE_SAN,
} account_template_kind;

/* Fills in tpl. 0 and *ret (malloc'ed); -EINVAL with a static reason in
 * *ret_why for a malformed template, a variable the device lacks, or a
 * result that is no valid name of that kind; -ENOMEM. */
int account_template_expand(const char *tpl, account_template_kind kind, const account_vars *v, char **ret,
                            const char **ret_why);

/* Checks a template when an account is saved: its syntax, and that
 * filled in with plausible values (every variable set) it gives a valid
 * name of that kind. 0, or -EINVAL with a static reason. */
int account_template_check(const char *tpl, account_template_kind kind, const char **ret_why);
