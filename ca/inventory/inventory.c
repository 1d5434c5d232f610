/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The inventory operations shared by the admin API, the device command
 * and the server (inventory.h).
 */
#include "accounts.h"
#include "ca/core/ca-dir.h"
#include "devices.h"
#include "inventory.h"
#include "posture-store.h"
#include "log.h"

int inventory_store_open(const ca_config *cfg, const char *dir, store **ret) {
        _cleanup_(store_closep) store *st = NULL;
        int r;

        r = ca_store_open(cfg, dir, &st);
        if (r < 0)
                return r;
        r = devices_store_migrate(st);
        if (r >= 0)
                r = accounts_store_migrate(st);
        if (r >= 0)
                r = posture_store_migrate(st);
        if (r < 0)
                return log_error_errno(r, "Failed to apply the inventory's database schema: %m");
        *ret = TAKE_PTR(st);
        return 0;
}

int inventory_import(store *st, const char *buf, size_t len, import_format fmt, char **ret_error) {
        _cleanup_(import_list_freep) import_list *l = NULL;
        device *v = NULL;
        size_t n = 0;
        bool in_tx = false;
        int r;

        r = import_parse(buf, len, fmt, &l, ret_error);
        if (r < 0)
                return r;
        r = import_to_devices(l, &v, &n, ret_error);
        if (r < 0)
                return r;
        r = store_begin(st);
        if (r >= 0) {
                in_tx = true;
                for (size_t i = 0; i < n; i++) {
                        r = devices_add(st, &v[i]);
                        if (r < 0) {
                                const import_record *rec = &l->records[i];
                                char label[64];

                                if (rec->line)
                                        snprintf(label, sizeof(label), "record %zu (line %zu)", i + 1, rec->line);
                                else
                                        snprintf(label, sizeof(label), "record %zu", i + 1);
                                if (ret_error && asprintf(ret_error, "%s: %s", label,
                                                          r == -EEXIST ? "the EK is already in the inventory (or twice in the file)"
                                                                       : "database error") < 0)
                                        *ret_error = NULL;
                                break;
                        }
                }
        }
        if (r >= 0)
                r = store_commit(st);
        if (r >= 0)
                in_tx = false;
        store_rollback_unless_committed(st, &in_tx);
        for (size_t i = 0; i < n; i++)
                device_done(&v[i]);
        free(v);
        return r < 0 ? r : (int) n;
}
