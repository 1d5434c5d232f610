/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit log (audit.h): the audit_log table, appending and listing.
 */
#include <inttypes.h>
#include <pwd.h>

#include "audit.h"
#include "query.h"

#define AUDIT_DEFAULT_LIMIT 50

static const char *const actor_kinds[_AUDIT_ACTOR_MAX] = {
        [AUDIT_ACTOR_CERTIFICATE] = "certificate",
        [AUDIT_ACTOR_SESSION] = "session",
        [AUDIT_ACTOR_CLI] = "cli",
};

static const store_migration audit_migrations[] = {
        { 1,
          "CREATE TABLE audit_log ("
          " id INTEGER PRIMARY KEY AUTOINCREMENT,"
          " at INTEGER NOT NULL,"
          " actor_kind TEXT NOT NULL,"
          " actor TEXT NOT NULL,"
          " session TEXT,"
          " remote_addr TEXT,"
          " action TEXT NOT NULL,"
          " target TEXT,"
          " detail TEXT)" },
};

int audit_store_migrate(store *st) {
        int r = store_migrate(st, "audit", audit_migrations, ELEMENTSOF(audit_migrations));
        return r < 0 ? r : 0;
}

const char *audit_actor_kind_to_string(audit_actor_kind k) {
        if (k < 0 || k >= _AUDIT_ACTOR_MAX)
                return NULL;
        return actor_kinds[k];
}

void audit_actor_set_name(audit_actor *a, const char *name) {
        snprintf(a->name, sizeof(a->name), "%s", name ?: "");
}

void audit_actor_cli(audit_actor *ret) {
        struct passwd pw, *res = NULL;
        char buf[1024];

        *ret = (audit_actor) { .kind = AUDIT_ACTOR_CLI };
        if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) == 0 && res)
                audit_actor_set_name(ret, res->pw_name);
        else
                snprintf(ret->name, sizeof(ret->name), "uid %u", (unsigned) geteuid());
}

int audit_record(store *st, const audit_actor *who, const char *action, const char *target,
                 json_object *detail) {
        const char *d = NULL;
        int r;

        if (!who || !action || !audit_actor_kind_to_string(who->kind))
                return -EINVAL;
        if (detail) {
                d = json_object_to_json_string_ext(detail, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
                if (!d)
                        return -ENOMEM;
        }
        r = store_run(st,
                      "INSERT INTO audit_log (at, actor_kind, actor, session, remote_addr, action, target, detail)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      "ittttttt", (int64_t) time(NULL), audit_actor_kind_to_string(who->kind), who->name,
                      who->session[0] ? who->session : NULL, who->remote[0] ? who->remote : NULL, action, target,
                      d);
        return r < 0 ? r : 0;
}

int audit_finish(store *st, int r, const audit_actor *who, const char *action, const char *target,
                 json_object *detail) {
        int k;

        if (r < 0) {
                (void) store_rollback(st);
                return r;
        }
        k = audit_record(st, who, action, target, detail);
        if (k < 0) {
                (void) store_rollback(st);
                return k;
        }
        k = store_commit(st); /* rolls back itself when it fails */
        return k < 0 ? k : r;
}

void audit_entry_done(audit_entry *e) {
        if (!e)
                return;
        free(e->actor_kind);
        free(e->actor);
        free(e->session);
        free(e->remote_addr);
        free(e->action);
        free(e->target);
        free(e->detail);
        *e = (audit_entry) {};
}

void audit_entries_free(audit_entry *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                audit_entry_done(&v[i]);
        free(v);
}

static char *dup_column(store_stmt *st, int col, bool *oom) {
        const char *s = store_column_text(st, col);
        char *c;

        if (!s)
                return NULL;
        c = strdup(s);
        if (!c)
                *oom = true;
        return c;
}

int audit_list(store *s, const audit_query *q, audit_entry **ret, size_t *ret_n) {
        _cleanup_(store_stmt_freep) store_stmt *st = NULL;
        _cleanup_free_ char *like = NULL;
        audit_entry *v = NULL;
        size_t n = 0, limit = q && q->limit ? q->limit : AUDIT_DEFAULT_LIMIT;
        int r;

        if (limit > AUDIT_LIST_MAX)
                return -EINVAL;
        if (q && q->q && *q->q) {
                r = query_like_contains(q->q, &like);
                if (r < 0)
                        return r;
        }
        r = store_prepare(s,
                          "SELECT id, at, actor_kind, actor, session, remote_addr, action, target, detail"
                          " FROM audit_log WHERE (? = 0 OR id < ?)"
                          " AND (CAST(? AS TEXT) IS NULL OR LOWER(actor) LIKE ? ESCAPE '\\' OR LOWER(action) LIKE ? ESCAPE '\\'"
                          " OR LOWER(COALESCE(target, '')) LIKE ? ESCAPE '\\')"
                          " ORDER BY id DESC LIMIT ?",
                          &st);
        if (r < 0)
                return r;
        r = store_bind(st, "iitttti", q ? q->before_id : 0, q ? q->before_id : 0, like, like, like, like,
                       (int64_t) limit);
        if (r < 0)
                return r;
        while ((r = store_step(st)) > 0) {
                audit_entry *nv = realloc(v, (n + 1) * sizeof(*v));
                bool oom = false;

                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                v[n] = (audit_entry) {
                        .id = store_column_int64(st, 0),
                        .at = (time_t) store_column_int64(st, 1),
                        .actor_kind = dup_column(st, 2, &oom),
                        .actor = dup_column(st, 3, &oom),
                        .session = dup_column(st, 4, &oom),
                        .remote_addr = dup_column(st, 5, &oom),
                        .action = dup_column(st, 6, &oom),
                        .target = dup_column(st, 7, &oom),
                        .detail = dup_column(st, 8, &oom),
                };
                n++;
                if (oom || !v[n - 1].actor_kind || !v[n - 1].actor || !v[n - 1].action) {
                        r = -ENOMEM;
                        break;
                }
        }
        if (r < 0) {
                audit_entries_free(v, n);
                return r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int audit_entry_to_json(const audit_entry *e, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_int64(o, "id", e->id);
        if (r >= 0)
                r = json_add_int64(o, "at", (int64_t) e->at);
        if (r >= 0)
                r = json_add_string(o, "actor_kind", e->actor_kind);
        if (r >= 0)
                r = json_add_string(o, "actor", e->actor);
        if (r >= 0 && e->session)
                r = json_add_string(o, "session", e->session);
        if (r >= 0 && e->remote_addr)
                r = json_add_string(o, "remote_addr", e->remote_addr);
        if (r >= 0)
                r = json_add_string(o, "action", e->action);
        if (r >= 0 && e->target)
                r = json_add_string(o, "target", e->target);
        if (r >= 0 && e->detail) {
                json_object *d = NULL;
                /* Written by audit_record from a JSON object: parse it back
                 * so the API gives an object, not a string. */
                if (json_parse_object(e->detail, strlen(e->detail), 64 * 1024, &d) >= 0)
                        r = json_add_object(o, "detail", d);
                else
                        r = json_add_string(o, "detail", e->detail);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}
