/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The accounts deviceid-enrolld keeps (accounts.h).
 */
#include <string.h>

#include "enroll/agent/accounts.h"
#include "enroll/client/accounts-client.h"
#include "log.h"

void agent_accounts_done(agent_accounts *a) {
        if (!a)
                return;
        for (size_t i = 0; i < a->n; i++)
                sign_client_account_done(&a->v[i].spec);
        free(a->last_error);
        *a = (agent_accounts) {};
}

bool agent_account_spec_equal(const sign_client_account *x, const sign_client_account *y) {
        if (!streq(x->name, y->name) || !streq(x->sub, y->sub) || x->tpm != y->tpm ||
            !streq_ptr(x->provisioner, y->provisioner) || x->n_sans != y->n_sans)
                return false;
        for (size_t i = 0; i < x->n_sans; i++)
                if (!streq(x->sans[i], y->sans[i]))
                        return false;
        return true;
}

static int spec_copy(const sign_client_account *from, sign_client_account *to) {
        *to = (sign_client_account) { .tpm = from->tpm, .n_sans = 0 };
        to->name = strdup(from->name);
        to->sub = strdup(from->sub);
        to->provisioner = from->provisioner ? strdup(from->provisioner) : NULL;
        to->sans = calloc(from->n_sans ?: 1, sizeof(char *));
        if (!to->name || !to->sub || (from->provisioner && !to->provisioner) || !to->sans)
                return -ENOMEM;
        for (size_t i = 0; i < from->n_sans; i++) {
                to->sans[i] = strdup(from->sans[i]);
                if (!to->sans[i])
                        return -ENOMEM;
                to->n_sans++;
        }
        return 0;
}

/* What the keyring holds for spec, if it fits. */
static void adopt(agent_account *acc, keyring *k) {
        _cleanup_(keyring_entry_freep) keyring_entry *e = NULL;
        int r;

        acc->held = (enrolld_held) {};
        if (keyring_get(k, acc->spec.name, &e) < 0)
                return;
        r = enroll_account_entry_matches(e, &acc->spec, &acc->held.not_before, &acc->held.not_after);
        if (r > 0) {
                acc->held.have = true;
                acc->held.obtained = e->published;
                log_debug("Account \"%s\" in the keyring fits; reusing it.", e->name);
        } else
                log_info("Account \"%s\" in the keyring does not fit its definition; reissuing.", e->name);
}

int agent_accounts_set(agent_accounts *a, keyring *k, const sign_client_account *specs, size_t n, bool from_ca) {
        agent_account next[ENROLLD_CONFIG_MAX_ACCOUNTS] = {};
        int r = 0;

        if (n > ENROLLD_CONFIG_MAX_ACCOUNTS)
                return -E2BIG;
        for (size_t i = 0; i < n && r >= 0; i++) {
                const agent_account *old = NULL;

                r = spec_copy(&specs[i], &next[i].spec);
                if (r < 0)
                        break;
                for (size_t j = 0; j < a->n && !old; j++)
                        if (agent_account_spec_equal(&a->v[j].spec, &specs[i]))
                                old = &a->v[j];
                if (old)
                        next[i].held = old->held;
                else
                        adopt(&next[i], k);
        }
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        sign_client_account_done(&next[i].spec);
                return r;
        }
        for (size_t i = 0; i < a->n; i++)
                sign_client_account_done(&a->v[i].spec);
        memcpy(a->v, next, sizeof(next));
        a->n = n;
        a->from_ca = from_ca;
        return 0;
}

int agent_accounts_withdraw_unlisted(agent_accounts *a, keyring *k) {
        char **names = NULL;
        int r, removed = 0;

        r = keyring_list(k, &names);
        if (r < 0)
                return r;
        for (char **p = names; p && *p; p++) {
                bool listed = false;

                if (!keyring_account_name_is_valid(*p))
                        continue; /* device, roots */
                for (size_t i = 0; i < a->n && !listed; i++)
                        listed = streq(a->v[i].spec.name, *p);
                if (listed)
                        continue;
                r = keyring_remove(k, *p);
                if (r < 0 && r != -ENOENT) {
                        log_warning_errno(r, "Failed to withdraw account \"%s\" from the keyring: %m", *p);
                        continue;
                }
                log_info("Withdrew account \"%s\": the Account CA no longer lists it.", *p);
                removed++;
        }
        keyring_names_free(names);
        return removed;
}

int agent_accounts_refresh(agent_accounts *a, keyring *k, const enroll_ca *ca, const enroll_device *dev,
                           bool *changed) {
        _cleanup_(accounts_list_freep) accounts_list *l = NULL;
        _cleanup_free_ char *msg = NULL;
        enroll_failure f = { .who = "Account CA", .url = ca->account_url ?: ca->url };
        int r;

        r = accounts_client_fetch(ca->account_url ?: ca->url, enroll_ca_roots(ca, &ca->account_roots), dev->signer,
                                  dev->x5c, &l, &f.e);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                (void) enroll_failure_format(r, &f, ca->root_path, NULL, &msg);
                if (!msg)
                        return -ENOMEM;
                if (!streq_ptr(msg, a->last_error)) {
                        log_warning("No account list: %s. Keeping the current accounts.", msg);
                        free(a->last_error);
                        a->last_error = TAKE_PTR(msg);
                }
                return 0;
        }
        if (a->last_error)
                log_info("The Account CA's account list is readable again (%zu accounts).", l->n);
        free(a->last_error);
        a->last_error = NULL;
        r = agent_accounts_set(a, k, l->v, l->n, true);
        if (r < 0)
                return r;
        r = agent_accounts_withdraw_unlisted(a, k);
        if (r > 0)
                *changed = true;
        return 0;
}
