/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Accounts and device tags (accounts.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "accounts.h"
#include "ca/core/certificates.h"
#include "duration.h"

static const store_migration accounts_migrations[] = {
        { 1,
          "CREATE TABLE accounts ("
          " name TEXT PRIMARY KEY,"
          " sub TEXT NOT NULL,"
          " sans TEXT NOT NULL,"      /* templates, one per line */
          " lifetime INTEGER NOT NULL,"
          " key TEXT NOT NULL,"
          " tags TEXT NOT NULL,"      /* one per line; empty: every device */
          " created_at INTEGER NOT NULL);" },
};

int accounts_store_migrate(store *st) {
        int r = store_migrate(st, "accounts", accounts_migrations, ELEMENTSOF(accounts_migrations));
        return r < 0 ? r : 0;
}

static const char *const key_names[_ACCOUNT_KEY_MAX] = {
        [ACCOUNT_KEY_SOFTWARE] = "software",
        [ACCOUNT_KEY_TPM] = "tpm",
};

const char *account_key_kind_to_string(account_key_kind k) {
        return k >= 0 && k < _ACCOUNT_KEY_MAX ? key_names[k] : NULL;
}

account_key_kind account_key_kind_from_string(const char *s) {
        for (int k = 0; k < _ACCOUNT_KEY_MAX; k++)
                if (streq_ptr(s, key_names[k]))
                        return (account_key_kind) k;
        return ACCOUNT_KEY_INVALID;
}

static void strv_free_n(char **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

void account_done(account *a) {
        if (!a)
                return;
        free(a->name);
        free(a->sub);
        strv_free_n(a->sans, a->n_sans);
        strv_free_n(a->tags, a->n_tags);
        *a = (account) {};
}

void account_names_done(account_names *n) {
        if (!n)
                return;
        free(n->sub);
        strv_free_n(n->sans, n->n_sans);
        *n = (account_names) {};
}

static int whyf(char **ret_why, const char *fmt, ...) {
        va_list ap;

        if (ret_why) {
                va_start(ap, fmt);
                if (vasprintf(ret_why, fmt, ap) < 0)
                        *ret_why = NULL;
                va_end(ap);
        }
        return -EINVAL;
}

int account_validate(const account *a, uint64_t max_lifetime, char **ret_why) {
        const char *why = NULL;

        if (!account_name_is_valid(a->name))
                return whyf(ret_why,
                            "invalid account name \"%.64s\" (want [a-z0-9][a-z0-9_-]*, at most %d bytes, not \"device\" or \"roots\")",
                            a->name ?: "", ACCOUNT_NAME_MAX);
        if (!a->sub || account_template_check(a->sub, ACCOUNT_TEMPLATE_SUBJECT, &why) < 0)
                return whyf(ret_why, "subject template \"%.253s\": %s", a->sub ?: "", why ?: "missing");
        if (a->n_sans > ACCOUNT_MAX_SANS)
                return whyf(ret_why, "at most %d SAN templates", ACCOUNT_MAX_SANS);
        for (size_t i = 0; i < a->n_sans; i++)
                if (account_template_check(a->sans[i], ACCOUNT_TEMPLATE_SAN, &why) < 0)
                        return whyf(ret_why, "SAN template \"%.253s\": %s", a->sans[i], why);
        if (a->n_tags > ACCOUNT_MAX_TAGS)
                return whyf(ret_why, "at most %d tags", ACCOUNT_MAX_TAGS);
        for (size_t i = 0; i < a->n_tags; i++)
                if (!account_tag_is_valid(a->tags[i]))
                        return whyf(ret_why, "invalid tag \"%.64s\" (want [A-Za-z0-9][A-Za-z0-9_.-]*, at most %d bytes)",
                                    a->tags[i], ACCOUNT_TAG_MAX);
        if (a->lifetime < ACCOUNT_MIN_LIFETIME || a->lifetime > max_lifetime)
                return whyf(ret_why, "lifetime %" PRIu64 "s is outside 5m..%" PRIu64 "s (the Account CA's maximum)",
                            a->lifetime, max_lifetime);
        if (!account_key_kind_to_string(a->key))
                return whyf(ret_why, "key must be \"software\" or \"tpm\"");
        return 0;
}

static int strv_dup(char *const *v, size_t n, char ***ret) {
        char **c = calloc(n ?: 1, sizeof(char *));

        if (!c)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!(c[i] = strdup(v[i]))) {
                        strv_free_n(c, i);
                        return -ENOMEM;
                }
        *ret = c;
        return 0;
}

int account_build(const char *name, const char *sub, char *const *sans, size_t n_sans, const char *lifetime,
                  const char *key, char *const *devices, size_t n_devices, const ca_config *cfg, account *ret,
                  char **ret_why) {
        _cleanup_(account_done) account a = {};
        uint64_t max = cfg->lifetime_account ?: ACCOUNT_DEFAULT_LIFETIME;
        bool all = false;
        int r;

        if (!name)
                return whyf(ret_why, "the account needs a name");
        if (ca_config_provisioner(cfg, name))
                return whyf(ret_why, "\"%.64s\" is the name of a provisioner in ca.conf", name);
        a.name = strdup(name);
        a.sub = strdup(sub ?: name);
        if (!a.name || !a.sub)
                return -ENOMEM;
        if (n_sans > ACCOUNT_MAX_SANS)
                return whyf(ret_why, "at most %d SAN templates", ACCOUNT_MAX_SANS);
        r = strv_dup(sans, n_sans, &a.sans);
        if (r < 0)
                return r;
        a.n_sans = n_sans;
        a.lifetime = ACCOUNT_DEFAULT_LIFETIME < max ? ACCOUNT_DEFAULT_LIFETIME : max;
        if (lifetime && duration_parse(lifetime, UINT32_MAX, &a.lifetime) < 0)
                return whyf(ret_why, "invalid lifetime \"%.32s\" (want a duration such as 24h or 90m)", lifetime);
        a.key = key ? account_key_kind_from_string(key) : ACCOUNT_KEY_SOFTWARE;
        if (a.key < 0)
                return whyf(ret_why, "invalid key kind \"%.32s\" (software, tpm)", key);
        if (n_devices > ACCOUNT_MAX_TAGS)
                return whyf(ret_why, "at most %d device targets", ACCOUNT_MAX_TAGS);
        a.tags = calloc(n_devices ?: 1, sizeof(char *));
        if (!a.tags)
                return -ENOMEM;
        for (size_t i = 0; i < n_devices; i++) {
                if (streq(devices[i], "all")) {
                        all = true;
                        continue;
                }
                if (strncmp(devices[i], "tag:", 4) != 0)
                        return whyf(ret_why, "invalid device target \"%.64s\" (all, or tag:TAG)", devices[i]);
                if (!(a.tags[a.n_tags] = strdup(devices[i] + 4)))
                        return -ENOMEM;
                a.n_tags++;
        }
        if (all && a.n_tags > 0)
                return whyf(ret_why, "\"all\" cannot be combined with tags");
        r = account_validate(&a, max, ret_why);
        if (r < 0)
                return r;
        *ret = a;
        a = (account) {};
        return 0;
}

bool account_targets(const account *a, const char *device_tags) {
        if (a->n_tags == 0)
                return true;
        if (!device_tags)
                return false;
        for (size_t i = 0; i < a->n_tags; i++) {
                size_t n = strlen(a->tags[i]);

                /* The stored form ",a,b,": tag t is ",t,". */
                for (const char *p = strstr(device_tags, a->tags[i]); p; p = strstr(p + 1, a->tags[i]))
                        if (p > device_tags && p[-1] == ',' && p[n] == ',')
                                return true;
        }
        return false;
}

int account_render(const account *a, const device *d, account_names *ret, char **ret_why) {
        _cleanup_(account_names_done) account_names n = {};
        account_vars v = { .name = d->name, .serial = d->serial, .owner = d->owner, .ek_uri = d->ek_uri, .id = d->id };
        const char *why = NULL;
        int r;

        r = account_template_expand(a->sub, ACCOUNT_TEMPLATE_SUBJECT, &v, &n.sub, &why);
        if (r == -EINVAL)
                return whyf(ret_why, "account \"%s\", subject template \"%s\", device %" PRId64 ": %s", a->name, a->sub,
                            d->id, why);
        if (r < 0)
                return r;
        n.sans = calloc(a->n_sans ?: 1, sizeof(char *));
        if (!n.sans)
                return -ENOMEM;
        for (size_t i = 0; i < a->n_sans; i++) {
                r = account_template_expand(a->sans[i], ACCOUNT_TEMPLATE_SAN, &v, &n.sans[n.n_sans], &why);
                if (r == -EINVAL)
                        return whyf(ret_why, "account \"%s\", SAN template \"%s\", device %" PRId64 ": %s", a->name,
                                    a->sans[i], d->id, why);
                if (r < 0)
                        return r;
                n.n_sans++;
        }
        *ret = n;
        n = (account_names) {};
        return 0;
}

/* "a\nb" from v, and back. */
static int join_lines(char *const *v, size_t n, char **ret) {
        size_t len = 1;
        char *s, *p;

        for (size_t i = 0; i < n; i++)
                len += strlen(v[i]) + 1;
        p = s = malloc(len);
        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                p = stpcpy(stpcpy(p, v[i]), i + 1 < n ? "\n" : "");
        *p = '\0';
        *ret = s;
        return 0;
}

static int split_lines(const char *s, char ***ret, size_t *ret_n) {
        char **v = NULL;
        size_t n = 0;

        for (const char *p = s; p && *p;) {
                const char *e = strchrnul(p, '\n');
                char **v2 = reallocarray(v, n + 1, sizeof(char *));

                if (!v2 || !(v2[n] = strndup(p, (size_t) (e - p)))) {
                        strv_free_n(v2 ?: v, n);
                        return -ENOMEM;
                }
                v = v2;
                n++;
                p = *e ? e + 1 : e;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

#define ACCOUNT_COLUMNS "name, sub, sans, lifetime, key, tags, created_at"

static int account_from_row(store_stmt *s, account *ret) {
        _cleanup_(account_done) account a = {};
        int r;

        a.name = strdup(store_column_text(s, 0) ?: "");
        a.sub = strdup(store_column_text(s, 1) ?: "");
        if (!a.name || !a.sub)
                return -ENOMEM;
        r = split_lines(store_column_text(s, 2), &a.sans, &a.n_sans);
        if (r < 0)
                return r;
        a.lifetime = (uint64_t) store_column_int64(s, 3);
        a.key = account_key_kind_from_string(store_column_text(s, 4));
        r = split_lines(store_column_text(s, 5), &a.tags, &a.n_tags);
        if (r < 0)
                return r;
        a.created_at = (time_t) store_column_int64(s, 6);
        *ret = a;
        a = (account) {};
        return 0;
}

static int accounts_query(store *st, const char *where, const char *name, account **ret, size_t *ret_n) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        _cleanup_free_ char *sql = NULL;
        account *v = NULL;
        size_t n = 0;
        int r;

        if (asprintf(&sql, "SELECT " ACCOUNT_COLUMNS " FROM accounts%s ORDER BY name", where) < 0)
                return -ENOMEM;
        r = store_prepare(st, sql, &s);
        if (r >= 0 && name)
                r = store_bind(s, "t", name);
        while (r >= 0 && (r = store_step(s)) > 0) {
                account *v2 = reallocarray(v, n + 1, sizeof(account));

                if (!v2) {
                        r = -ENOMEM;
                        break;
                }
                v = v2;
                v[n] = (account) {};
                r = account_from_row(s, &v[n]);
                if (r < 0)
                        break;
                n++;
        }
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        account_done(&v[i]);
                free(v);
                return r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int accounts_list(store *st, account **ret, size_t *ret_n) {
        return accounts_query(st, "", NULL, ret, ret_n);
}

int accounts_get(store *st, const char *name, account *ret) {
        account *v = NULL;
        size_t n = 0;
        int r;

        r = accounts_query(st, " WHERE name = ?", name, &v, &n);
        if (r < 0)
                return r;
        if (n == 0) {
                free(v);
                return -ENOENT;
        }
        *ret = v[0];
        for (size_t i = 1; i < n; i++)
                account_done(&v[i]);
        free(v);
        return 0;
}

static void accounts_free_n(account *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                account_done(&v[i]);
        free(v);
}

int accounts_for_device(store *st, const device *d, account **ret, size_t *ret_n) {
        account *all = NULL;
        size_t n_all = 0, k = 0;
        int r;

        r = accounts_list(st, &all, &n_all);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_all; i++) {
                if (account_targets(&all[i], d->tags))
                        all[k++] = all[i];
                else
                        account_done(&all[i]);
        }
        *ret = all;
        *ret_n = k;
        return 0;
}

int accounts_add(store *st, const account *a, char **ret_why) {
        _cleanup_free_ char *sans = NULL, *tags = NULL;
        device *devs = NULL;
        size_t n_devs = 0;
        bool in_tx = false;
        int r;

        r = join_lines(a->sans, a->n_sans, &sans);
        if (r >= 0)
                r = join_lines(a->tags, a->n_tags, &tags);
        if (r >= 0)
                r = store_begin(st);
        if (r >= 0) {
                in_tx = true;
                r = devices_list(st, &devs, &n_devs);
        }
        /* Every device it targets now must get valid names. */
        for (size_t i = 0; r >= 0 && i < n_devs; i++) {
                _cleanup_(account_names_done) account_names nm = {};

                if (account_targets(a, devs[i].tags))
                        r = account_render(a, &devs[i], &nm, ret_why);
        }
        for (size_t i = 0; i < n_devs; i++)
                device_done(&devs[i]);
        free(devs);
        if (r >= 0)
                r = store_run(st,
                              "INSERT INTO accounts (" ACCOUNT_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?)",
                              "tttitti", a->name, a->sub, sans, (int64_t) a->lifetime,
                              account_key_kind_to_string(a->key), tags, (int64_t) time(NULL));
        if (r >= 0)
                r = store_commit(st);
        if (r >= 0)
                in_tx = false;
        store_rollback_unless_committed(st, &in_tx);
        return r < 0 ? r : 0;
}

/* Whether two definitions give a device different certificates: names or
 * key kind (the lifetime applies from the next issuance on). */
static bool account_names_differ(const account *a, const account *b) {
        if (!streq(a->sub, b->sub) || a->n_sans != b->n_sans || a->key != b->key)
                return true;
        for (size_t i = 0; i < a->n_sans; i++)
                if (!streq(a->sans[i], b->sans[i]))
                        return true;
        return false;
}

int accounts_update(store *st, const account *a, char **ret_why) {
        _cleanup_(account_done) account old = {};
        _cleanup_free_ char *sans = NULL, *tags = NULL, *ref = NULL;
        device *devs = NULL;
        size_t n_devs = 0;
        bool in_tx = false, renamed;
        int r, revoked = 0;

        r = join_lines(a->sans, a->n_sans, &sans);
        if (r >= 0)
                r = join_lines(a->tags, a->n_tags, &tags);
        if (r >= 0 && asprintf(&ref, ACCOUNT_REF_PREFIX "%s", a->name) < 0)
                r = -ENOMEM;
        if (r >= 0)
                r = store_begin(st);
        if (r < 0)
                return r;
        in_tx = true;
        r = accounts_get(st, a->name, &old);
        if (r >= 0)
                r = devices_list(st, &devs, &n_devs);
        /* Every device it targets now must get valid names, as for a new one. */
        for (size_t i = 0; r >= 0 && i < n_devs; i++) {
                _cleanup_(account_names_done) account_names nm = {};

                if (account_targets(a, devs[i].tags))
                        r = account_render(a, &devs[i], &nm, ret_why);
        }
        if (r >= 0)
                r = store_run(st, "UPDATE accounts SET sub = ?, sans = ?, lifetime = ?, key = ?, tags = ? WHERE name = ?",
                              "ttitt" "t", a->sub, sans, (int64_t) a->lifetime, account_key_kind_to_string(a->key), tags,
                              a->name);
        if (r == 0)
                r = -ENOENT;
        renamed = r >= 0 && account_names_differ(&old, a);
        /* New names or key: what was issued is superseded, for every
         * device. Otherwise only the devices no longer targeted lose theirs. */
        if (renamed)
                r = revoked = certificates_revoke_account(st, ref, 0, CRL_REASON_SUPERSEDED);
        for (size_t i = 0; r >= 0 && !renamed && i < n_devs; i++) {
                if (!account_targets(&old, devs[i].tags) || account_targets(a, devs[i].tags))
                        continue;
                r = certificates_revoke_account(st, ref, devs[i].id, CRL_REASON_AFFILIATION_CHANGED);
                if (r > 0)
                        revoked += r;
        }
        for (size_t i = 0; i < n_devs; i++)
                device_done(&devs[i]);
        free(devs);
        if (r >= 0)
                r = store_commit(st);
        if (r >= 0)
                in_tx = false;
        store_rollback_unless_committed(st, &in_tx);
        return r < 0 ? r : revoked;
}

int accounts_remove(store *st, const char *name) {
        _cleanup_free_ char *ref = NULL;
        bool in_tx;
        int r, revoked = 0;

        if (asprintf(&ref, ACCOUNT_REF_PREFIX "%s", name) < 0)
                return -ENOMEM;
        r = store_begin(st);
        if (r < 0)
                return r;
        in_tx = true;
        r = store_run(st, "DELETE FROM accounts WHERE name = ?", "t", name);
        if (r == 0)
                r = -ENOENT;
        if (r >= 0)
                r = revoked = certificates_revoke_account(st, ref, 0, CRL_REASON_CESSATION_OF_OPERATION);
        if (r >= 0)
                r = store_commit(st);
        if (r >= 0)
                in_tx = false;
        store_rollback_unless_committed(st, &in_tx);
        return r < 0 ? r : revoked;
}

int accounts_device_set_tags(store *st, int64_t device_id, const char *tags) {
        _cleanup_(device_done) device d = {};
        account *all = NULL;
        size_t n_all = 0;
        bool in_tx = false;
        int r, revoked = 0;

        r = store_begin(st);
        if (r < 0)
                return r;
        in_tx = true;
        r = devices_get(st, device_id, &d);
        if (r >= 0)
                r = accounts_list(st, &all, &n_all);
        if (r >= 0)
                r = devices_set_tags(st, device_id, tags);
        /* What targeted the device before and does not now. */
        for (size_t i = 0; r >= 0 && i < n_all; i++) {
                _cleanup_free_ char *ref = NULL;

                if (!account_targets(&all[i], d.tags) || account_targets(&all[i], tags))
                        continue;
                if (asprintf(&ref, ACCOUNT_REF_PREFIX "%s", all[i].name) < 0)
                        r = -ENOMEM;
                else {
                        r = certificates_revoke_account(st, ref, device_id, CRL_REASON_AFFILIATION_CHANGED);
                        if (r > 0)
                                revoked += r;
                }
        }
        if (r >= 0)
                r = store_commit(st);
        if (r >= 0)
                in_tx = false;
        store_rollback_unless_committed(st, &in_tx);
        accounts_free_n(all, n_all);
        return r < 0 ? r : revoked;
}

int accounts_device_change_tags(store *st, int64_t device_id, bool add, char *const *tags, size_t n_tags,
                                const char **ret_why) {
        _cleanup_(device_done) device d = {};
        _cleanup_free_ char *text = NULL, *stored = NULL;
        size_t len = 1;
        int r;

        r = devices_get(st, device_id, &d);
        if (r < 0)
                return r;
        /* The current tags ("a,b" from ",a,b,") and the change, as text
         * for device_tags_parse(). */
        for (size_t i = 0; i < n_tags; i++)
                len += strlen(tags[i]) + 1;
        text = calloc(1, len + (d.tags ? strlen(d.tags) : 0) + 1);
        if (!text)
                return -ENOMEM;
        if (d.tags) {
                char *copy = strdup(d.tags), *save = NULL;

                if (!copy)
                        return -ENOMEM;
                for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                        bool drop = false;

                        for (size_t i = 0; !add && i < n_tags; i++)
                                drop = drop || streq(t, tags[i]);
                        if (!drop)
                                strcat(strcat(text, t), ",");
                }
                free(copy);
        }
        for (size_t i = 0; add && i < n_tags; i++)
                strcat(strcat(text, tags[i]), ",");
        r = device_tags_parse(text, &stored, ret_why);
        if (r < 0)
                return r;
        return accounts_device_set_tags(st, device_id, stored);
}

static json_object *strv_json(char *const *v, size_t n, const char *prefix) {
        json_object *arr = json_object_new_array();

        for (size_t i = 0; arr && i < n; i++) {
                _cleanup_free_ char *t = NULL;
                json_object *s = asprintf(&t, "%s%s", prefix, v[i]) < 0 ? NULL : json_object_new_string(t);
                if (!s || json_object_array_add(arr, s) < 0) {
                        json_object_put(s);
                        json_object_put(arr);
                        return NULL;
                }
        }
        return arr;
}

int account_to_json(const account *a, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *sans = strv_json(a->sans, a->n_sans, ""), *tags = NULL;
        int r;

        if (!o || !sans) {
                json_object_put(sans);
                return -ENOMEM;
        }
        r = json_add_string(o, "name", a->name);
        if (r >= 0)
                r = json_add_string(o, "sub", a->sub);
        if (r >= 0)
                r = json_add_object(o, "sans", sans);
        else
                json_object_put(sans);
        if (r >= 0)
                r = json_add_int64(o, "lifetime", (int64_t) a->lifetime);
        if (r >= 0)
                r = json_add_string(o, "key", account_key_kind_to_string(a->key) ?: "software");
        if (r >= 0 && a->n_tags == 0)
                r = json_add_string(o, "devices", "all");
        else if (r >= 0) {
                tags = strv_json(a->tags, a->n_tags, "tag:");
                r = tags ? json_add_object(o, "devices", tags) : -ENOMEM;
        }
        if (r >= 0)
                r = json_add_int64(o, "created_at", (int64_t) a->created_at);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

const char *account_why_field(const char *why) {
        static const struct {
                const char *prefix, *field;
        } map[] = {
                { "invalid account name", "name" },
                { "the account needs a name", "name" },
                { "subject template", "sub" },
                { "SAN template", "sans" },
                { "at most 16 SAN", "sans" },
                { "invalid lifetime", "lifetime" },
                { "lifetime ", "lifetime" },
                { "invalid key kind", "key" },
                { "key must be", "key" },
                { "invalid device target", "devices" },
                { "at most 16 device targets", "devices" },
                { "at most 16 tags", "devices" },
                { "invalid tag", "devices" },
                { "\"all\" cannot", "devices" },
        };

        if (!why)
                return NULL;
        /* account_render(): "account \"N\", subject template ..." */
        if (strncmp(why, "account \"", 9) == 0) {
                const char *p = strstr(why, "\", ");
                if (p)
                        why = p + 3;
        }
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (strncmp(why, map[i].prefix, strlen(map[i].prefix)) == 0)
                        return map[i].field;
        if (strstr(why, "is the name of a provisioner"))
                return "name";
        return NULL;
}
