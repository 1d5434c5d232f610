/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit log: one row per change an administrator made (a device
 * added, imported, disabled, enabled or removed, a certificate revoked, a
 * console sign-in or sign-out, a login link made, tags set), saying who (an admin
 * client certificate, a console session, or the command line), when, what
 * and on what. Callers record the entry in the same transaction as the
 * change, so the log holds exactly the changes that happened. Read by
 * GET /admin/audit and `deviceid-ca audit list`. Table audit_log, store
 * module "audit".
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "json.h"
#include "store.h"

#define AUDIT_NAME_MAX 128    /* actor names (link labels, users, serials) */
#define AUDIT_LIST_MAX 500    /* entries per page */

typedef enum audit_actor_kind {
        AUDIT_ACTOR_CERTIFICATE, /* an admin client certificate; name = its serial */
        AUDIT_ACTOR_SESSION,     /* a console session; name = the login link's label */
        AUDIT_ACTOR_CLI,         /* the command line; name = the user */
        _AUDIT_ACTOR_MAX,
} audit_actor_kind;

typedef struct audit_actor {
        audit_actor_kind kind;
        char name[AUDIT_NAME_MAX + 1];
        char session[17];   /* console sessions: a short id (hex), else "" */
        char remote[64];    /* peer address, "" for the command line */
} audit_actor;

const char *audit_actor_kind_to_string(audit_actor_kind k);
/* The command-line actor: the effective user's name (or "uid N"). */
void audit_actor_cli(audit_actor *ret);
/* Copies name into the actor, cut at AUDIT_NAME_MAX bytes. */
void audit_actor_set_name(audit_actor *a, const char *name);

/* Schema of the table, applied by ca_store_open(). */
int audit_store_migrate(store *st);

/* Appends an entry; joins the caller's transaction. action is a dotted
 * verb ("device.disable"), target what it applied to ("device 7") or NULL,
 * detail a JSON object (not consumed) or NULL. Returns 0 or -errno. */
int audit_record(store *st, const audit_actor *who, const char *action, const char *target,
                 json_object *detail);

/* Ends a change begun with store_begin(): with r >= 0, records the entry
 * as audit_record() does and commits both; otherwise, or when recording
 * fails, rolls back. Returns r, or the error that stopped the commit. */
int audit_finish(store *st, int r, const audit_actor *who, const char *action, const char *target,
                 json_object *detail);

typedef struct audit_entry {
        int64_t id;
        time_t at;
        char *actor_kind, *actor, *session, *remote_addr; /* session, remote_addr: NULL if none */
        char *action, *target, *detail;                   /* target, detail: NULL if none */
} audit_entry;
void audit_entry_done(audit_entry *e);

typedef struct audit_query {
        int64_t before_id; /* 0: from the newest */
        size_t limit;      /* 1..AUDIT_LIST_MAX (0: 50) */
        const char *q;     /* substring of actor, action or target; NULL: all */
} audit_query;

/* Entries newest first. *ret is malloc'ed (audit_entry_done each, then
 * free). Returns 0 or -errno. */
int audit_list(store *st, const audit_query *q, audit_entry **ret, size_t *ret_n);
void audit_entries_free(audit_entry *v, size_t n);
int audit_entry_to_json(const audit_entry *e, json_object **ret);
