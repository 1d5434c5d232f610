/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The accounts deviceid-enrolld keeps (docs/accounts.md): the [account]
 * sections of its configuration, or the list the Account CA gives
 * (GET /1.0/accounts, enroll/client/accounts-client.h), with what the
 * keyring holds for each. With the CA's list, an account it no longer
 * names is withdrawn (its keyring entry removed, so deviceid-fsd removes
 * its files); a list that cannot be had or read changes nothing and is
 * logged once.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "enroll/agent/enroll.h"
#include "enroll/agent/enrolld-config.h"
#include "enroll/agent/enrolld-schedule.h"
#include "enroll/client/sign-client.h"
#include "keyring/writer.h"

/* One account to hold, and what the keyring holds for it. */
typedef struct agent_account {
        sign_client_account spec;
        enrolld_held held;
} agent_account;

typedef struct agent_accounts {
        agent_account v[ENROLLD_CONFIG_MAX_ACCOUNTS];
        size_t n;
        bool from_ca;       /* v is the Account CA's list */
        char *last_error;   /* the list failure last logged, NULL when fine */
} agent_accounts;

void agent_accounts_done(agent_accounts *a);

/* True if two specifications ask for the same certificate. Pure. */
bool agent_account_spec_equal(const sign_client_account *x, const sign_client_account *y);

/* Makes specs (n at most ENROLLD_CONFIG_MAX_ACCOUNTS, copied) what to
 * hold. An account held before with the same specification keeps its
 * state; any other is looked up in the keyring (restart recovery: an
 * entry that fits is reused). 0 or -ENOMEM, -E2BIG. */
int agent_accounts_set(agent_accounts *a, keyring *k, const sign_client_account *specs, size_t n, bool from_ca);

/* Removes the keyring entries of accounts that a (the CA's list) does
 * not name, logging each; the number removed, or -errno. */
int agent_accounts_withdraw_unlisted(agent_accounts *a, keyring *k);

/* Asks the Account CA for the list with the device certificate, makes it
 * what to hold and withdraws the rest. On any failure the accounts held
 * stay as they are; the failure is logged once (until the list is good
 * again) and 0 is returned: renewal of what is held goes on. *changed is
 * set when the keyring changed. 0, -ENOMEM, or -EKEYREVOKED with
 * *ret_failure filled and nothing logged when the CA says the device was
 * taken away (enroll_failure_is_removed()): the caller withdraws. */
int agent_accounts_refresh(agent_accounts *a, keyring *k, const enroll_ca *ca, const enroll_device *dev,
                           bool *changed, enroll_failure *ret_failure);
