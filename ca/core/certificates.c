/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The certificates table (certificates.h): its schema, recording,
 * lookups by serial and revocation.
 */
#include <strings.h>

#include "certificates.h"
#include "log.h"
#include "x509.h"

static const char *const ca_names[_CA_KIND_MAX] = {
        [CA_ATTESTATION] = "attestation",
        [CA_AGENT] = "agent",
        [CA_ACCOUNT] = "account",
};

ca_kind ca_kind_from_string(const char *s) {
        if (!s)
                return CA_KIND_INVALID;
        if (streq(s, "acme"))
                return CA_AGENT;
        for (int k = 0; k < _CA_KIND_MAX; k++)
                if (streq(s, ca_names[k]))
                        return (ca_kind) k;
        return CA_KIND_INVALID;
}

const char *ca_kind_to_string(ca_kind k) {
        if (k < 0 || k >= _CA_KIND_MAX)
                return NULL;
        return ca_names[k];
}

static const char *const reason_names[] = {
        [CRL_REASON_UNSPECIFIED] = "unspecified",
        [CRL_REASON_KEY_COMPROMISE] = "keyCompromise",
        [CRL_REASON_CA_COMPROMISE] = "cACompromise",
        [CRL_REASON_AFFILIATION_CHANGED] = "affiliationChanged",
        [CRL_REASON_SUPERSEDED] = "superseded",
        [CRL_REASON_CESSATION_OF_OPERATION] = "cessationOfOperation",
        [CRL_REASON_CERTIFICATE_HOLD] = "certificateHold",
        [CRL_REASON_PRIVILEGE_WITHDRAWN] = "privilegeWithdrawn",
        [CRL_REASON_AA_COMPROMISE] = "aACompromise",
};

int crl_reason_from_string(const char *s) {
        /* Not the CA's own (2, 10), not a hold (6, 8): those have no
         * meaning for a certificate revoked by hand here. */
        static const int allowed[] = { 0, 1, 3, 4, 5, 9 };

        if (!s || !*s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(allowed); i++)
                if (strcasecmp(s, reason_names[allowed[i]]) == 0 ||
                    (s[0] >= '0' && s[0] <= '9' && strlen(s) <= 2 && atoi(s) == allowed[i]))
                        return allowed[i];
        return -EINVAL;
}

const char *crl_reason_to_string(int reason) {
        if (reason < 0 || (size_t) reason >= ELEMENTSOF(reason_names))
                return NULL;
        return reason_names[reason];
}

static void (*revoke_hook)(void *);
static void *revoke_hook_userdata;

void certificates_set_revoke_hook(void (*fn)(void *userdata), void *userdata) {
        revoke_hook = fn;
        revoke_hook_userdata = userdata;
}

static int revoked_rows(int r) {
        if (r > 0 && revoke_hook)
                revoke_hook(revoke_hook_userdata);
        return r;
}

void issued_info_done(issued_info *c) {
        if (!c)
                return;
        free(c->serial);
        free(c->ca);
        free(c->account);
        free(c->der);
        *c = (issued_info) {};
}

/* Canonical form of a serial given by a user: lowercase, no leading zeros. */
static int serial_normalize(const char *s, char **ret) {
        char *out, *o;

        if (!s)
                return -EINVAL;
        while (*s == '0' && s[1])
                s++;
        if (!*s || strlen(s) > 64)
                return -EINVAL;
        out = o = malloc(strlen(s) + 1);
        if (!out)
                return -ENOMEM;
        for (; *s; s++) {
                char c = *s;
                if (c >= 'A' && c <= 'F')
                        c = (char) (c - 'A' + 'a');
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                        free(out);
                        return -EINVAL;
                }
                *o++ = c;
        }
        *o = '\0';
        *ret = out;
        return 0;
}

static const store_migration ca_migrations[] = {
        { 1,
          "CREATE TABLE certificates ("
          " serial TEXT PRIMARY KEY,"
          " ca TEXT NOT NULL,"
          " device_id INTEGER,"
          " account TEXT,"
          " subject TEXT,"
          " not_before INTEGER NOT NULL,"
          " not_after INTEGER NOT NULL,"
          " revoked INTEGER NOT NULL DEFAULT 0,"
          " revoked_at INTEGER,"
          " revocation_reason INTEGER,"
          " der BLOB NOT NULL,"
          " created_at INTEGER NOT NULL);"
          "CREATE INDEX certificates_device ON certificates (device_id);"
          "CREATE INDEX certificates_account ON certificates (account);" },
};

int certificates_store_migrate(store *st) {
        int r = store_migrate(st, "ca", ca_migrations, ELEMENTSOF(ca_migrations));
        return r < 0 ? r : 0;
}

int certificates_record(store *st, ca_kind ca, X509 *cert, const char *serial, int64_t device_id,
                        const char *account, const char *subject) {
        _cleanup_(store_stmt_freep) store_stmt *stmt = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        time_t nb, na;
        size_t len;
        int r;

        r = x509_cert_to_der(cert, &der, &len);
        if (r < 0)
                return r;
        r = x509_cert_get_validity(cert, &nb, &na);
        if (r < 0)
                return r;
        r = store_prepare(st,
                          "INSERT INTO certificates (serial, ca, device_id, account, subject, not_before,"
                          " not_after, revoked, der, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)"
                          " ON CONFLICT (serial) DO NOTHING RETURNING serial",
                          &stmt);
        if (r < 0)
                return r;
        r = store_bind(stmt, "tt", serial, ca_kind_to_string(ca));
        if (r >= 0)
                r = device_id > 0 ? store_bind_int64(stmt, 3, device_id) : store_bind_null(stmt, 3);
        if (r >= 0)
                r = store_bind_text(stmt, 4, account);
        if (r >= 0)
                r = store_bind_text(stmt, 5, subject);
        if (r >= 0)
                r = store_bind_int64(stmt, 6, (int64_t) nb);
        if (r >= 0)
                r = store_bind_int64(stmt, 7, (int64_t) na);
        if (r >= 0)
                r = store_bind_blob(stmt, 8, der, len);
        if (r >= 0)
                r = store_bind_int64(stmt, 9, (int64_t) time(NULL));
        if (r >= 0)
                r = store_step(stmt);
        /* No row back: the serial is taken. Said without an error, which
         * on PostgreSQL would spoil the caller's transaction. */
        if (r == 0)
                return -EEXIST;
        return r < 0 ? r : 0;
}

int certificates_revoke_serial(store *st, const char *serial, int reason) {
        _cleanup_free_ char *norm = NULL;
        issued_info info = {};
        int r;

        r = serial_normalize(serial, &norm);
        if (r < 0)
                return r == -EINVAL ? -ENOENT : r;
        r = store_run(st,
                      "UPDATE certificates SET revoked = 1, revoked_at = ?, revocation_reason = ?"
                      " WHERE serial = ? AND revoked = 0",
                      "iit", (int64_t) time(NULL), (int64_t) reason, norm);
        r = revoked_rows(r);
        if (r < 0)
                return r;
        if (r > 0)
                return 0;
        r = certificates_lookup(st, norm, &info);
        issued_info_done(&info);
        return r < 0 ? r : -EALREADY;
}

int certificates_revoke_device(store *st, int64_t device_id, int reason) {
        return revoked_rows(store_run(st,
                                      "UPDATE certificates SET revoked = 1, revoked_at = ?, revocation_reason = ?"
                                      " WHERE device_id = ? AND revoked = 0",
                                      "iii", (int64_t) time(NULL), (int64_t) reason, device_id));
}

int certificates_revoke_account(store *st, const char *account, int64_t device_id, int reason) {
        if (device_id > 0)
                return revoked_rows(store_run(st,
                                              "UPDATE certificates SET revoked = 1, revoked_at = ?,"
                                              " revocation_reason = ? WHERE account = ? AND device_id = ? AND revoked = 0",
                                              "iiti", (int64_t) time(NULL), (int64_t) reason, account, device_id));
        return revoked_rows(store_run(st,
                                      "UPDATE certificates SET revoked = 1, revoked_at = ?, revocation_reason = ?"
                                      " WHERE account = ? AND revoked = 0",
                                      "iit", (int64_t) time(NULL), (int64_t) reason, account));
}

int certificates_lookup(store *st, const char *serial, issued_info *ret) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        _cleanup_free_ char *norm = NULL;
        issued_info info = {};
        const void *der;
        int r;

        r = serial_normalize(serial, &norm);
        if (r < 0)
                return r == -EINVAL ? -ENOENT : r;
        r = store_prepare(st,
                          "SELECT serial, ca, device_id, account, not_before, not_after, revoked,"
                          " revoked_at, revocation_reason, der FROM certificates WHERE serial = ?",
                          &s);
        if (r < 0)
                return r;
        r = store_bind(s, "t", norm);
        if (r < 0)
                return r;
        r = store_step(s);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        info.serial = strdup(store_column_text(s, 0) ?: "");
        info.ca = strdup(store_column_text(s, 1) ?: "");
        info.device_id = store_column_int64(s, 2);
        if (!store_column_is_null(s, 3))
                info.account = strdup(store_column_text(s, 3));
        info.not_before = (time_t) store_column_int64(s, 4);
        info.not_after = (time_t) store_column_int64(s, 5);
        info.revoked = store_column_int64(s, 6) != 0;
        info.revoked_at = (time_t) store_column_int64(s, 7);
        info.reason = (int) store_column_int64(s, 8);
        der = store_column_blob(s, 9, &info.der_len);
        info.der = malloc(info.der_len ?: 1);
        if (info.der && info.der_len)
                memcpy(info.der, der, info.der_len);
        if (!info.serial || !info.ca || !info.der || (!store_column_is_null(s, 3) && !info.account)) {
                issued_info_done(&info);
                return -ENOMEM;
        }
        *ret = info;
        return 0;
}

int certificates_revoked_counts(store *st, int64_t ret[_CA_KIND_MAX]) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        int r;

        for (int k = 0; k < _CA_KIND_MAX; k++)
                ret[k] = 0;
        r = store_prepare(st, "SELECT ca, COUNT(*) FROM certificates WHERE revoked = 1 GROUP BY ca", &s);
        if (r < 0)
                return r;
        while ((r = store_step(s)) > 0) {
                ca_kind k = ca_kind_from_string(store_column_text(s, 0));
                if (k >= 0)
                        ret[k] = store_column_int64(s, 1);
        }
        return r;
}

int certificates_foreach_revoked(store *st, ca_kind ca, time_t now, certificates_revoked_fn fn, void *userdata) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        int r;

        r = store_prepare(st,
                          "SELECT serial, revoked_at, revocation_reason FROM certificates"
                          " WHERE ca = ? AND revoked = 1 AND not_after > ? ORDER BY serial",
                          &s);
        if (r < 0)
                return r;
        r = store_bind(s, "ti", ca_kind_to_string(ca), (int64_t) now);
        if (r < 0)
                return r;
        while ((r = store_step(s)) > 0) {
                r = fn(store_column_text(s, 0), (time_t) store_column_int64(s, 1),
                       store_column_is_null(s, 2) ? CRL_REASON_UNSPECIFIED : (int) store_column_int64(s, 2),
                       userdata);
                if (r < 0)
                        return r;
        }
        return r;
}

int certificates_list(store *st, const certificates_filter *f, size_t limit,
                      int (*fn)(const issued_row *row, void *userdata), void *userdata) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        int r, n = 0;

        r = store_prepare(st,
                          "SELECT serial, ca, device_id, account, subject, not_before, not_after, revoked,"
                          " revoked_at, revocation_reason FROM certificates"
                          " WHERE (CAST(? AS BIGINT) = 0 OR device_id = ?)"
                          " AND (CAST(? AS TEXT) IS NULL OR account = ?)"
                          " AND (CAST(? AS TEXT) IS NULL OR subject = ?) AND (CAST(? AS TEXT) IS NULL OR ca = ?)"
                          " AND (CAST(? AS BIGINT) = 1 OR revoked = 0) AND (CAST(? AS BIGINT) = 1 OR not_after > ?)"
                          " ORDER BY created_at DESC, serial LIMIT ?",
                          &s);
        if (r < 0)
                return r;
        const char *ca = f->ca ? ca_kind_to_string(ca_kind_from_string(f->ca)) : NULL;
        if (f->ca && !ca)
                return -EINVAL;
        r = store_bind(s, "iittttttiiii", f->device_id, f->device_id, f->account, f->account, f->name, f->name,
                       ca, ca, (int64_t) f->include_revoked, (int64_t) f->include_expired, (int64_t) time(NULL),
                       (int64_t) (limit ?: 1000));
        if (r < 0)
                return r;
        while ((r = store_step(s)) > 0) {
                issued_row row = {
                        .serial = store_column_text(s, 0),
                        .ca = store_column_text(s, 1),
                        .device_id = store_column_int64(s, 2),
                        .account = store_column_text(s, 3),
                        .subject = store_column_text(s, 4),
                        .not_before = (time_t) store_column_int64(s, 5),
                        .not_after = (time_t) store_column_int64(s, 6),
                        .revoked = store_column_int64(s, 7) != 0,
                        .revoked_at = (time_t) store_column_int64(s, 8),
                        .reason = (int) store_column_int64(s, 9),
                };
                r = fn(&row, userdata);
                if (r < 0)
                        return r;
                n++;
        }
        return r < 0 ? r : n;
}
