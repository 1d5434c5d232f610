/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Console sign-in without passwords: one-time login links and sessions,
 * in the database so that `deviceid-ca admin login-link` (another process)
 * can make a link the server then redeems.
 *
 * A login link carries a token of 32 random bytes; the table keeps only
 * its SHA-256, its label (whom it is for), its expiry and when it was
 * used. Redeeming marks it used and creates a session in one transaction,
 * so a link signs in once. A session is named by another 32 random bytes
 * (the HttpOnly cookie; the table keeps its SHA-256) and carries an
 * anti-CSRF token that state-changing calls must echo in a header. A
 * session ends at the first of: its absolute lifetime, `idle` without a
 * request, or sign-out. Tables console_login_links and console_sessions,
 * store module "console".
 */
#pragma once

#include <stdint.h>
#include <time.h>

#include "ca/core/audit.h"
#include "ca/core/store.h"
#include "cookie.h"

#define CONSOLE_LABEL_MAX 64
#define CONSOLE_LINK_TTL_DEFAULT (10 * 60)
#define CONSOLE_LINK_TTL_MAX (24 * 3600)
#define CONSOLE_SESSION_LIFETIME_DEFAULT (8 * 3600)
#define CONSOLE_SESSION_LIFETIME_MAX (7 * 86400)
#define CONSOLE_SESSION_IDLE_DEFAULT (30 * 60)

typedef struct console_limits {
        uint64_t lifetime; /* seconds; 0: default */
        uint64_t idle;     /* seconds; 0: default */
} console_limits;

typedef struct console_session {
        char short_id[17];                     /* first 16 hex digits of the id's hash */
        char label[CONSOLE_LABEL_MAX + 1];
        char csrf[CONSOLE_TOKEN_LEN + 1];
        time_t created_at, expires_at;         /* expires_at: the absolute end */
} console_session;

/* Schema of the links and sessions tables (store module "console"),
 * applied by their users: console_register() and `admin login-link`. */
int console_store_migrate(store *st);

/* True if label is 1 to CONSOLE_LABEL_MAX printable ASCII characters. */
bool console_label_valid(const char *label);

/* Makes a login link for label valid ttl seconds (1..CONSOLE_LINK_TTL_MAX)
 * and records "login-link.create" for who in the same transaction.
 * *ret_token is the token (malloc'ed), *ret_expires its expiry. Returns 0,
 * -EINVAL (label, ttl) or -errno. */
int console_link_create(store *st, const audit_actor *who, const char *label, uint64_t ttl, char **ret_token,
                        time_t *ret_expires);

/* Redeems token: -ENOENT unknown (or malformed), -EALREADY already used,
 * -ETIME expired. Otherwise marks it used, creates a session, records
 * "session.login" (actor: the label, the new session, remote) and returns
 * the session cookie value (malloc'ed) and the session. */
int console_link_redeem(store *st, const char *token, const console_limits *lim, const char *remote,
                        char **ret_cookie, console_session *ret);

/* The session named by a cookie value: 0 and *ret; -ENOENT if there is
 * none (malformed, unknown, ended); -ETIME if it just expired (absolute or
 * idle; it is deleted). Notes the request time (at most once a minute). */
int console_session_lookup(store *st, const char *cookie, size_t cookie_len, const console_limits *lim,
                           console_session *ret);

/* Ends the session (sign-out): deletes it and records "session.logout"
 * for who in one transaction. -ENOENT if it is already gone. */
int console_session_end(store *st, const char *cookie, size_t cookie_len, const audit_actor *who);

/* Deletes expired sessions and links used or expired more than a day
 * ago. Returns the number of rows deleted or -errno. */
int console_purge(store *st, const console_limits *lim);
