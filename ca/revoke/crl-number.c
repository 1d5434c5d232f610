/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CRL numbers in the store (crl-number.h).
 */
#include "crl-number.h"

static const store_migration revoke_migrations[] = {
        { 1,
          "CREATE TABLE crl_numbers (ca TEXT PRIMARY KEY, number INTEGER NOT NULL);"
          "CREATE INDEX certificates_revoked ON certificates (ca, revoked);" },
};

int revoke_store_migrate(store *st) {
        int r = store_migrate(st, "revoke", revoke_migrations, ELEMENTSOF(revoke_migrations));
        return r < 0 ? r : 0;
}

int crl_number_next(store *st, const char *name, uint64_t *ret) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        bool in_tx = false;
        int64_t n = 0;
        int r;

        r = store_begin(st);
        if (r < 0)
                return r;
        in_tx = true;
        r = store_prepare(st, "SELECT number FROM crl_numbers WHERE ca = ?", &s);
        if (r >= 0)
                r = store_bind(s, "t", name);
        if (r >= 0)
                r = store_step(s);
        if (r < 0)
                goto fail;
        if (r > 0)
                n = store_column_int64(s, 0);
        store_stmt_free(TAKE_PTR(s));
        n++;
        if (n == 1)
                r = store_run(st, "INSERT INTO crl_numbers (ca, number) VALUES (?, ?)", "ti", name, n);
        else
                r = store_run(st, "UPDATE crl_numbers SET number = ? WHERE ca = ?", "it", n, name);
        if (r < 0)
                goto fail;
        r = store_commit(st);
        if (r < 0)
                goto fail;
        *ret = (uint64_t) n;
        return 0;
fail:
        if (in_tx)
                (void) store_rollback(st);
        return r;
}
