/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The posture tables (posture-store.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/inventory/posture-store.h"
#include "crypto.h"
#include "log.h"

static const store_migration posture_migrations[] = {
        { 1,
          "CREATE TABLE posture_baselines ("
          " device_id INTEGER PRIMARY KEY,"
          " pcrs TEXT NOT NULL,"
          " recorded_at INTEGER NOT NULL);"
          "CREATE TABLE posture_reports ("
          " id INTEGER PRIMARY KEY AUTOINCREMENT,"
          " device_id INTEGER NOT NULL,"
          " at INTEGER NOT NULL,"
          " account TEXT NOT NULL,"
          " passed INTEGER NOT NULL,"
          " checks TEXT NOT NULL,"
          " facts TEXT,"
          " pcrs TEXT);"
          "CREATE INDEX posture_reports_device ON posture_reports (device_id, id);" },
        /* TCG event logs, once per device and distinct SHA-256 (hex),
         * kept while a kept report names them. */
        { 2,
          "CREATE TABLE posture_eventlogs ("
          " device_id INTEGER NOT NULL,"
          " sha256 TEXT NOT NULL,"
          " eventlog BLOB NOT NULL,"
          " first_seen INTEGER NOT NULL,"
          " PRIMARY KEY (device_id, sha256));"
          "ALTER TABLE posture_reports ADD COLUMN eventlog TEXT;" },
};

int posture_store_migrate(store *st) {
        int r = store_migrate(st, "posture", posture_migrations, ELEMENTSOF(posture_migrations));
        return r < 0 ? r : 0;
}

int posture_store_baseline(store *st, int64_t device_id, char **ret_pcrs, time_t *ret_at) {
        _cleanup_(store_stmt_freep) store_stmt *q = NULL;
        char *s;
        int r;

        r = store_prepare(st, "SELECT pcrs, recorded_at FROM posture_baselines WHERE device_id = ?", &q);
        if (r >= 0)
                r = store_bind(q, "i", device_id);
        if (r >= 0)
                r = store_step(q);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        s = strdup(store_column_text(q, 0) ?: "");
        if (!s)
                return -ENOMEM;
        if (ret_at)
                *ret_at = (time_t) store_column_int64(q, 1);
        *ret_pcrs = s;
        return 0;
}

int posture_store_baseline_init(store *st, int64_t device_id, const char *pcrs, time_t now) {
        return store_run(st,
                         "INSERT INTO posture_baselines (device_id, pcrs, recorded_at) VALUES (?, ?, ?)"
                         " ON CONFLICT (device_id) DO NOTHING",
                         "iti", device_id, pcrs, (int64_t) now);
}

int posture_store_report_add(store *st, int64_t device_id, time_t at, const char *account, bool passed,
                             const char *checks, const char *facts, const char *pcrs, const uint8_t *eventlog,
                             size_t eventlog_len) {
        char hex[65];
        uint8_t d[32];
        int r;

        if (eventlog) {
                r = crypto_sha256(eventlog, eventlog_len, d);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < sizeof(d); i++)
                        (void) snprintf(hex + 2 * i, 3, "%02x", d[i]);
        }
        r = store_begin(st);
        if (r < 0)
                return r;
        if (eventlog)
                r = store_run(st,
                              "INSERT INTO posture_eventlogs (device_id, sha256, eventlog, first_seen)"
                              " VALUES (?, ?, ?, ?) ON CONFLICT (device_id, sha256) DO NOTHING",
                              "itbi", device_id, hex, eventlog, eventlog_len, (int64_t) at);
        if (r >= 0)
                r = store_run(st,
                              "INSERT INTO posture_reports (device_id, at, account, passed, checks, facts, pcrs, eventlog)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                              "iititttt", device_id, (int64_t) at, account, (int64_t) passed, checks, facts, pcrs,
                              eventlog ? hex : NULL);
        if (r >= 0)
                r = store_run(st,
                              "DELETE FROM posture_reports WHERE device_id = ? AND id NOT IN"
                              " (SELECT id FROM posture_reports WHERE device_id = ? ORDER BY id DESC LIMIT ?)",
                              "iii", device_id, device_id, (int64_t) POSTURE_HISTORY);
        if (r >= 0 && eventlog) /* a newer log pushes old ones out with their reports */
                r = store_run(st,
                              "DELETE FROM posture_eventlogs WHERE device_id = ? AND sha256 NOT IN"
                              " (SELECT eventlog FROM posture_reports WHERE device_id = ? AND eventlog IS NOT NULL)",
                              "ii", device_id, device_id);
        if (r >= 0)
                r = store_commit(st);
        if (r < 0)
                (void) store_rollback(st);
        return r < 0 ? r : 0;
}

int posture_store_accept(store *st, int64_t device_id, time_t now) {
        _cleanup_(store_stmt_freep) store_stmt *q = NULL;
        _cleanup_free_ char *pcrs = NULL;
        int r;

        r = store_prepare(st,
                          "SELECT pcrs FROM posture_reports WHERE device_id = ? AND pcrs IS NOT NULL"
                          " ORDER BY id DESC LIMIT 1",
                          &q);
        if (r >= 0)
                r = store_bind(q, "i", device_id);
        if (r >= 0)
                r = store_step(q);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        pcrs = strdup(store_column_text(q, 0) ?: "");
        if (!pcrs)
                return -ENOMEM;
        store_stmt_free(TAKE_PTR(q));
        r = store_run(st,
                      "INSERT INTO posture_baselines (device_id, pcrs, recorded_at) VALUES (?, ?, ?)"
                      " ON CONFLICT (device_id) DO UPDATE SET pcrs = excluded.pcrs, recorded_at = excluded.recorded_at",
                      "iti", device_id, pcrs, (int64_t) now);
        return r < 0 ? r : 0;
}

/* Adds text (JSON) as a parsed member; text that does not parse is kept
 * as a string. */
static int add_json_text(json_object *o, const char *key, const char *text) {
        json_object *v = NULL;

        if (!text)
                return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
        if (json_parse(text, strlen(text), 64 * 1024, &v) < 0)
                return json_add_string(o, key, text);
        return json_add_object(o, key, v);
}

int posture_store_to_json(store *st, int64_t device_id, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_(store_stmt_freep) store_stmt *q = NULL;
        _cleanup_free_ char *base = NULL;
        json_object *reports;
        time_t at = 0;
        int r;

        if (!o)
                return -ENOMEM;
        r = posture_store_baseline(st, device_id, &base, &at);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r >= 0) {
                json_object *b = json_object_new_object();

                r = json_add_object(o, "baseline", b);
                if (r >= 0)
                        r = add_json_text(b, "pcrs", base);
                if (r >= 0)
                        r = json_add_int64(b, "recordedAt", (int64_t) at);
        } else
                r = json_object_object_add(o, "baseline", NULL) < 0 ? -ENOMEM : 0;
        if (r < 0)
                return r;
        reports = json_object_new_array();
        r = json_add_object(o, "reports", reports);
        if (r < 0)
                return r;
        r = store_prepare(st,
                          "SELECT r.at, r.account, r.passed, r.checks, r.facts, r.pcrs, r.eventlog, e.first_seen,"
                          " LENGTH(e.eventlog) FROM posture_reports r LEFT JOIN posture_eventlogs e"
                          " ON e.device_id = r.device_id AND e.sha256 = r.eventlog"
                          " WHERE r.device_id = ? ORDER BY r.id DESC LIMIT ?",
                          &q);
        if (r >= 0)
                r = store_bind(q, "ii", device_id, (int64_t) POSTURE_HISTORY);
        while (r >= 0 && (r = store_step(q)) > 0) {
                json_object *e = json_object_new_object();

                if (!e || json_object_array_add(reports, e) < 0) {
                        json_object_put(e);
                        return -ENOMEM;
                }
                r = json_add_int64(e, "at", store_column_int64(q, 0));
                if (r >= 0)
                        r = json_add_string(e, "account", store_column_text(q, 1) ?: "");
                if (r >= 0)
                        r = json_add_bool(e, "passed", store_column_int64(q, 2) != 0);
                if (r >= 0)
                        r = add_json_text(e, "checks", store_column_text(q, 3));
                if (r >= 0)
                        r = add_json_text(e, "facts", store_column_text(q, 4));
                if (r >= 0)
                        r = add_json_text(e, "pcrs", store_column_text(q, 5));
                if (r >= 0 && store_column_text(q, 6)) {
                        json_object *l = json_object_new_object();

                        r = json_add_object(e, "eventlog", l);
                        if (r >= 0)
                                r = json_add_string(l, "sha256", store_column_text(q, 6));
                        if (r >= 0)
                                r = json_add_int64(l, "size", store_column_int64(q, 8));
                        if (r >= 0)
                                r = json_add_int64(l, "firstSeen", store_column_int64(q, 7));
                }
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int posture_store_eventlog(store *st, int64_t device_id, const char *sha256, uint8_t **ret, size_t *ret_len) {
        _cleanup_(store_stmt_freep) store_stmt *q = NULL;
        const void *blob;
        size_t len;
        int r;

        r = store_prepare(st, "SELECT eventlog FROM posture_eventlogs WHERE device_id = ? AND sha256 = ?", &q);
        if (r >= 0)
                r = store_bind(q, "it", device_id, sha256);
        if (r >= 0)
                r = store_step(q);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        blob = store_column_blob(q, 0, &len);
        *ret = malloc(len ?: 1);
        if (!*ret)
                return -ENOMEM;
        if (len)
                memcpy(*ret, blob, len);
        *ret_len = len;
        return 0;
}
