/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Account CA's accounts (sign-account.h).
 */
#include <inttypes.h>
#include <string.h>

#include "log.h"
#include "sign-account.h"

int sign_account_resolve(store *st, const char *name, const device *dev, account *ret_account,
                         account_names *ret_names, ca_refusal *ref) {
        _cleanup_(account_done) account a = {};
        _cleanup_(account_names_done) account_names n = {};
        _cleanup_free_ char *why = NULL;
        int r;

        if (!account_name_is_valid(name))
                return ca_refuse(ref, 401, "invalid token: \"iss\" names no x5c provisioner");
        r = accounts_get(st, name, &a);
        if (r == -ENOENT)
                return ca_refuse(ref, 403, "no account \"%s\" (unknown, or removed)", name);
        if (r < 0)
                return r;
        if (!account_targets(&a, dev->tags))
                return ca_refuse(ref, 403, "account \"%s\" does not target device \"%s\"", name, dev->ek_uri);
        r = account_render(&a, dev, &n, &why);
        if (r == -EINVAL)
                return ca_refuse(ref, 403, "%s", why ?: "the account gives this device no valid name");
        if (r < 0)
                return r;
        *ret_account = a;
        a = (account) {};
        *ret_names = n;
        n = (account_names) {};
        return 0;
}

static bool allowed_san(const account_names *n, const char *name) {
        if (streq(name, n->sub))
                return true;
        for (size_t i = 0; i < n->n_sans; i++)
                if (streq(name, n->sans[i]))
                        return true;
        return false;
}

int sign_account_check_names(const account_names *n, const x5c_token *t, const x509_csr *csr, ca_refusal *ref) {
        _cleanup_(x509_san_list_freep) x509_san_list *csr_sans = NULL;
        _cleanup_free_ char *cn = NULL;
        int r;

        if (!streq(t->sub, n->sub))
                return ca_refuse(ref, 400, "the token asks for subject \"%s\"; the account gives \"%s\"", t->sub, n->sub);
        if (t->sans_given)
                for (size_t i = 0; i < t->sans->n; i++)
                        if (!allowed_san(n, t->sans->items[i].value))
                                return ca_refuse(ref, 400, "the token asks for the name \"%s\", which the account does not give",
                                                 t->sans->items[i].value);
        r = x509_csr_cn(csr, &cn);
        if (r < 0 && r != -ENOENT)
                return r;
        if (cn && !streq(cn, n->sub))
                return ca_refuse(ref, 400, "the CSR asks for subject \"%s\"; the account gives \"%s\"", cn, n->sub);
        r = x509_csr_sans(csr, &csr_sans);
        if (r < 0)
                return ca_refuse(ref, 400, "the CSR's subjectAltName cannot be read");
        for (size_t i = 0; csr_sans && i < csr_sans->n; i++)
                if (!allowed_san(n, csr_sans->items[i].value))
                        return ca_refuse(ref, 400, "the CSR asks for the name \"%s\", which the account does not give",
                                         csr_sans->items[i].value);
        return 0;
}

static int strv_to_json(char *const *v, size_t n, json_object **ret) {
        _cleanup_json_ json_object *arr = json_object_new_array();

        if (!arr)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *s = json_object_new_string(v[i]);
                if (!s || json_object_array_add(arr, s) < 0) {
                        json_object_put(s);
                        return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(arr);
        return 0;
}

int sign_account_list(store *st, const device *dev, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object(), *arr = json_object_new_array();
        account *v = NULL;
        size_t n = 0;
        int r;

        if (!o || !arr)
                return -ENOMEM;
        r = accounts_for_device(st, dev, &v, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                _cleanup_(account_names_done) account_names nm = {};
                _cleanup_free_ char *why = NULL;
                json_object *e, *sans = NULL;

                if (r < 0)
                        goto next;
                r = account_render(&v[i], dev, &nm, &why);
                if (r == -EINVAL) {
                        log_warning("Account CA: account \"%s\" left out of the list of device \"%s\": %s", v[i].name,
                                    dev->ek_uri, why ?: "no valid name");
                        r = 0;
                        goto next;
                }
                if (r < 0)
                        goto next;
                e = json_object_new_object();
                if (!e || json_object_array_add(arr, e) < 0) {
                        json_object_put(e);
                        r = -ENOMEM;
                        goto next;
                }
                r = json_add_string(e, "name", v[i].name);
                if (r >= 0)
                        r = json_add_string(e, "provisioner", v[i].name);
                if (r >= 0)
                        r = json_add_string(e, "sub", nm.sub);
                if (r >= 0)
                        r = strv_to_json(nm.sans, nm.n_sans, &sans);
                if (r >= 0)
                        r = json_add_object(e, "sans", sans);
                if (r >= 0)
                        r = json_add_string(e, "key", account_key_kind_to_string(v[i].key) ?: "software");
                if (r >= 0)
                        r = json_add_int64(e, "lifetime", (int64_t) v[i].lifetime);
        next:
                account_done(&v[i]);
        }
        free(v);
        if (r < 0)
                return r;
        r = json_add_object(o, "accounts", TAKE_PTR(arr));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}
