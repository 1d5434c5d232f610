/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Accounts managed at the CA (store module "accounts"): each a named
 * certificate that targeted devices obtain from the Account CA, defined
 * once by the administrator: subject and SAN templates filled in from the
 * device record (account-template.h), lifetime, key kind (software or
 * TPM), and which devices it targets (all, or those carrying one of its
 * tags: the devices table's tags, devices.h).
 *
 * The Account CA serves each account as an X5C provisioner of the same
 * name; certificates it issues for an account are recorded with the
 * account reference "x5c/NAME" (ACCOUNT_REF_PREFIX). Removing an account
 * revokes all of them; changing a device's tags (through
 * accounts_device_set_tags(), which every front end uses) revokes those
 * of the accounts that no longer target it. Both in one transaction with
 * the change.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "account-template.h"
#include "ca/core/config.h"
#include "ca/core/store.h"
#include "devices.h"
#include "json.h"

#define ACCOUNT_REF_PREFIX "x5c/"
#define ACCOUNT_DEFAULT_LIFETIME (24 * 3600)
#define ACCOUNT_MIN_LIFETIME (5 * 60)

typedef enum account_key_kind {
        ACCOUNT_KEY_SOFTWARE,
        ACCOUNT_KEY_TPM,
        _ACCOUNT_KEY_MAX,
        ACCOUNT_KEY_INVALID = -EINVAL,
} account_key_kind;

const char *account_key_kind_to_string(account_key_kind k);
account_key_kind account_key_kind_from_string(const char *s);

typedef struct account {
        char *name;
        char *sub;          /* template */
        char **sans;        /* templates; none: the subject alone */
        size_t n_sans;
        uint64_t lifetime;  /* seconds */
        account_key_kind key;
        char **tags;        /* targeted tags; none: every device */
        size_t n_tags;
        time_t created_at;
} account;
void account_done(account *a);

/* Checks a definition (pure): name, templates (account_template_check()),
 * at most ACCOUNT_MAX_SANS SANs and ACCOUNT_MAX_TAGS tags, lifetime from
 * ACCOUNT_MIN_LIFETIME to max_lifetime, key kind. 0, or -EINVAL with a
 * reason in *ret_why (malloc'ed, naming the template at fault). */
int account_validate(const account *a, uint64_t max_lifetime, char **ret_why);

/* An account from what an administrator wrote (the account command, the
 * admin API): sub NULL means the account's name; lifetime a duration
 * (NULL: 24h, or the Account CA's maximum if lower); key "software"
 * (NULL) or "tpm"; devices "all" (none given) or "tag:TAG" entries. Then
 * account_validate() against cfg's account lifetime, and the name must
 * not be one of cfg's provisioners. 0, or -EINVAL with *ret_why. */
int account_build(const char *name, const char *sub, char *const *sans, size_t n_sans, const char *lifetime,
                  const char *key, char *const *devices, size_t n_devices, const ca_config *cfg, account *ret,
                  char **ret_why);

/* True if the account targets a device with these tags (the stored form
 * ",a,b,", or NULL for none). Pure. */
bool account_targets(const account *a, const char *device_tags);

/* The subject and SANs of the account for one device. 0; -EINVAL with
 * *ret_why (malloc'ed) naming the template that fails for it; -ENOMEM. */
typedef struct account_names {
        char *sub;
        char **sans;
        size_t n_sans;
} account_names;
void account_names_done(account_names *n);
int account_render(const account *a, const device *d, account_names *ret, char **ret_why);

int accounts_store_migrate(store *st);

/* Adds an account (after account_validate()), checking its templates
 * against every device it targets now: -EINVAL with *ret_why naming the
 * device and the problem; -EEXIST if the name is taken. */
int accounts_add(store *st, const account *a, char **ret_why);
int accounts_get(store *st, const char *name, account *ret); /* -ENOENT */
/* Every account by name; free each with account_done, then free(). */
int accounts_list(store *st, account **ret, size_t *ret_n);
/* Replaces the definition of the account a->name (its name and creation
 * time stay), checking its templates as accounts_add() does, and revokes
 * in the same transaction: every certificate of the account when its
 * subject, SANs or key kind changed (reason superseded: they carry what
 * the account no longer gives), else those of the devices it no longer
 * targets (affiliationChanged). A lifetime alone applies from the next
 * issuance. The number revoked; -ENOENT; -EINVAL with *ret_why. */
int accounts_update(store *st, const account *a, char **ret_why);
/* Removes and revokes its certificates: the number revoked, or -ENOENT. */
int accounts_remove(store *st, const char *name);

/* The accounts that target the device (by name). As accounts_list(). */
int accounts_for_device(store *st, const device *d, account **ret, size_t *ret_n);

/* Replaces a device's tags (the stored form of device_tags_parse(), or
 * NULL for none) and revokes, in the same transaction, the certificates
 * of every account that targeted it before and no longer does (reason
 * affiliationChanged). -ENOENT for no such device. The number revoked. */
int accounts_device_set_tags(store *st, int64_t device_id, const char *tags);
/* The same, adding (add) or removing tags; -EINVAL with *ret_why for a
 * tag device_tags_parse() refuses or too many. */
int accounts_device_change_tags(store *st, int64_t device_id, bool add, char *const *tags, size_t n_tags,
                                const char **ret_why);

/* JSON of an account (admin API, `account show --json`), and of the
 * names for one device (the account list, protocols in docs/accounts.md). */
int account_to_json(const account *a, json_object **ret);

/* Which field of an account definition a reason from account_build(),
 * account_validate(), accounts_add() or accounts_update() is about:
 * "name", "sub", "sans", "lifetime", "key", "devices", or NULL. */
const char *account_why_field(const char *why);
