/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device inventory (devices.h): EK URI derivation and validation,
 * resolving an add request into a device, and the devices table.
 */
#include <ctype.h>
#include <time.h>

#include "b64.h"
#include "ca/core/certificates.h"
#include "devices.h"
#include "log.h"
#include "ca/core/query.h"
#include "x509.h"

#define EK_MAX_DER (16 * 1024)
#define TAG_SEPARATORS ",; \t\r\n"

static const store_migration inventory_migrations[] = {
        { 1,
          "CREATE TABLE devices ("
          " id INTEGER PRIMARY KEY AUTOINCREMENT,"
          " ek_uri TEXT NOT NULL UNIQUE,"
          " ek_pub BLOB,"
          " ek_cert BLOB,"
          " name TEXT,"
          " serial TEXT,"
          " owner TEXT,"
          " status TEXT NOT NULL DEFAULT 'active',"
          " created_at INTEGER NOT NULL,"
          " updated_at INTEGER NOT NULL)" },
        { 2, "ALTER TABLE devices ADD COLUMN tags TEXT" },
};

int devices_store_migrate(store *st) {
        int r = store_migrate(st, "inventory", inventory_migrations, ELEMENTSOF(inventory_migrations));
        return r < 0 ? r : 0;
}

void device_done(device *d) {
        if (!d)
                return;
        free(d->ek_uri);
        free(d->ek_pub);
        free(d->ek_cert);
        free(d->name);
        free(d->serial);
        free(d->owner);
        free(d->tags);
        *d = (device) {};
}

const char *device_status_to_string(device_status s) {
        return s == DEVICE_ACTIVE ? "active" : "disabled";
}

static const char *const posture_names[] = {
        [DEVICE_POSTURE_NONE] = "none",
        [DEVICE_POSTURE_PASS] = "pass",
        [DEVICE_POSTURE_FAIL] = "fail",
};

const char *device_posture_to_string(device_posture p) {
        return p > DEVICE_POSTURE_UNKNOWN && p < ELEMENTSOF(posture_names) ? posture_names[p] : NULL;
}

device_posture device_posture_from_string(const char *s) {
        for (size_t i = DEVICE_POSTURE_NONE; s && i < ELEMENTSOF(posture_names); i++)
                if (streq(s, posture_names[i]))
                        return (device_posture) i;
        return DEVICE_POSTURE_UNKNOWN;
}

int ek_uri_from_spki(const uint8_t *der, size_t len, char **ret) {
        _cleanup_free_ char *b = NULL;
        uint8_t digest[32];
        int r;

        r = crypto_sha256(der, len, digest);
        if (r < 0)
                return r;
        r = b64_encode(B64_STD, digest, sizeof(digest), &b);
        if (r < 0)
                return r;
        if (asprintf(ret, EK_URI_PREFIX "%s", b) < 0)
                return -ENOMEM;
        return 0;
}

int ek_uri_validate(const char *uri) {
        _cleanup_free_ uint8_t *raw = NULL;
        size_t plen = strlen(EK_URI_PREFIX), n;

        if (!uri || strncmp(uri, EK_URI_PREFIX, plen) != 0)
                return -EINVAL;
        if (strlen(uri + plen) != 44)
                return -EINVAL;
        if (b64_decode(B64_STD, uri + plen, 44, 44, &raw, &n) < 0 || n != 32)
                return -EINVAL;
        return 0;
}

static bool looks_like_pem(const uint8_t *p, size_t n) {
        return n >= 11 && memmem(p, n, "-----BEGIN ", 11) != NULL;
}

/* A metadata field: NULL or empty means unset; refuses control characters
 * and over-long values. */
static int copy_field(const char *in, char **out, const char **ret_why, const char *what) {
        if (!in || !*in) {
                *out = NULL;
                return 0;
        }
        if (strlen(in) > DEVICE_FIELD_MAX) {
                *ret_why = what;
                return -EINVAL;
        }
        for (const unsigned char *p = (const unsigned char *) in; *p; p++)
                if (*p < 0x20 || *p == 0x7f) {
                        *ret_why = what;
                        return -EINVAL;
                }
        *out = strdup(in);
        return *out ? 0 : -ENOMEM;
}

static int tag_cmp(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

int device_tags_parse(const char *text, char **ret, const char **ret_why) {
        char words[DEVICE_TAGS_MAX][DEVICE_TAG_MAX + 1], w[DEVICE_TAG_MAX + 1];
        const char *v[DEVICE_TAGS_MAX], *p = text ?: "";
        const char *why_dummy;
        size_t n = 0, len = 0;
        char *out, *o;

        if (!ret_why)
                ret_why = &why_dummy;
        for (;;) {
                size_t k = 0;
                bool dup = false;

                p += strspn(p, TAG_SEPARATORS);
                if (!*p)
                        break;
                for (; *p && !strchr(TAG_SEPARATORS, *p); p++) {
                        char c = (char) tolower((unsigned char) *p);

                        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
                                *ret_why = "invalid tag (letters, digits, '.', '_' and '-' only)";
                                return -EINVAL;
                        }
                        if (k == DEVICE_TAG_MAX) {
                                *ret_why = "invalid tag (at most 32 characters)";
                                return -EINVAL;
                        }
                        w[k++] = c;
                }
                w[k] = '\0';
                for (size_t i = 0; i < n; i++)
                        dup = dup || streq(v[i], w);
                if (dup)
                        continue;
                if (n == DEVICE_TAGS_MAX) {
                        *ret_why = "too many tags (at most 16)";
                        return -EINVAL;
                }
                v[n] = memcpy(words[n], w, k + 1);
                len += k + 1;
                n++;
        }
        if (n == 0) {
                *ret = NULL;
                return 0;
        }
        qsort(v, n, sizeof(v[0]), tag_cmp);
        out = o = malloc(len + 2);
        if (!out)
                return -ENOMEM;
        *o++ = ',';
        for (size_t i = 0; i < n; i++)
                o = stpcpy(stpcpy(o, v[i]), ",");
        *ret = out;
        return 0;
}

int device_tags_from_json(json_object *v, char **ret_text) {
        size_t n, len = 1;
        char *out, *o;

        if (json_object_is_type(v, json_type_string)) {
                if (strlen(json_object_get_string(v)) != (size_t) json_object_get_string_len(v))
                        return -EINVAL;
                out = strdup(json_object_get_string(v));
                if (!out)
                        return -ENOMEM;
                *ret_text = out;
                return 0;
        }
        if (!json_object_is_type(v, json_type_array))
                return -EINVAL;
        n = json_object_array_length(v);
        if (n > DEVICE_TAGS_MAX)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                json_object *t = json_object_array_get_idx(v, i);

                /* One tag per string: no separators inside, none empty. */
                if (!json_object_is_type(t, json_type_string) || json_object_get_string_len(t) == 0 ||
                    json_object_get_string_len(t) > DEVICE_TAG_MAX ||
                    strcspn(json_object_get_string(t), TAG_SEPARATORS) != (size_t) json_object_get_string_len(t))
                        return -EINVAL;
                len += (size_t) json_object_get_string_len(t) + 1;
        }
        out = o = malloc(len);
        if (!out)
                return -ENOMEM;
        *o = '\0';
        for (size_t i = 0; i < n; i++)
                o = stpcpy(stpcpy(o, json_object_get_string(json_object_array_get_idx(v, i))), " ");
        *ret_text = out;
        return 0;
}

static int spki_of_key(EVP_PKEY *k, uint8_t **ret, size_t *ret_len) {
        switch (EVP_PKEY_get_base_id(k)) {
        case EVP_PKEY_RSA:
        case EVP_PKEY_EC:
                return crypto_pubkey_to_der(k, ret, ret_len);
        default:
                return -EINVAL;
        }
}

int device_from_spec(const device_spec *spec, device *ret, const char **ret_why) {
        _cleanup_(device_done) device d = {};
        const char *why_dummy;
        int given, r;

        if (!ret_why)
                ret_why = &why_dummy;
        given = !!spec->ek_uri + !!spec->ek_pub + !!spec->ek_cert;
        if (given != 1) {
                *ret_why = "exactly one of ek_uri, ek_pub, ek_cert is required";
                return -EINVAL;
        }

        if (spec->ek_uri) {
                if (ek_uri_validate(spec->ek_uri) < 0) {
                        *ret_why = "invalid EK URI (want urn:ek:sha256:<44 characters of base64>)";
                        return -EINVAL;
                }
                d.ek_uri = strdup(spec->ek_uri);
                if (!d.ek_uri)
                        return -ENOMEM;
        } else if (spec->ek_pub) {
                _cleanup_pkey_ EVP_PKEY *k = NULL;

                if (spec->ek_pub_len > EK_MAX_DER) {
                        *ret_why = "EK public key too large";
                        return -EINVAL;
                }
                if (looks_like_pem(spec->ek_pub, spec->ek_pub_len))
                        r = crypto_key_from_pem((const char *) spec->ek_pub, spec->ek_pub_len, &k);
                else
                        r = crypto_pubkey_from_der(spec->ek_pub, spec->ek_pub_len, &k);
                if (r < 0 || spki_of_key(k, &d.ek_pub, &d.ek_pub_len) < 0) {
                        *ret_why = "the EK public key is not a PEM or DER RSA/EC public key";
                        return -EINVAL;
                }
                r = ek_uri_from_spki(d.ek_pub, d.ek_pub_len, &d.ek_uri);
                if (r < 0)
                        return r;
        } else {
                _cleanup_x509_ X509 *c = NULL;
                EVP_PKEY *k;

                if (spec->ek_cert_len > EK_MAX_DER) {
                        *ret_why = "EK certificate too large";
                        return -EINVAL;
                }
                if (looks_like_pem(spec->ek_cert, spec->ek_cert_len))
                        r = x509_cert_from_pem((const char *) spec->ek_cert, spec->ek_cert_len, &c);
                else
                        r = x509_cert_from_der(spec->ek_cert, spec->ek_cert_len, &c);
                if (r < 0) {
                        *ret_why = "the EK certificate is not a PEM or DER X.509 certificate";
                        return -EINVAL;
                }
                k = X509_get0_pubkey(c);
                if (!k || spki_of_key(k, &d.ek_pub, &d.ek_pub_len) < 0) {
                        *ret_why = "the EK certificate holds no RSA/EC public key";
                        return -EINVAL;
                }
                r = x509_cert_to_der(c, &d.ek_cert, &d.ek_cert_len);
                if (r < 0)
                        return r;
                r = ek_uri_from_spki(d.ek_pub, d.ek_pub_len, &d.ek_uri);
                if (r < 0)
                        return r;
        }

        r = copy_field(spec->name, &d.name, ret_why, "invalid name (at most 256 bytes, no control characters)");
        if (r < 0)
                return r;
        r = copy_field(spec->serial, &d.serial, ret_why, "invalid serial (at most 256 bytes, no control characters)");
        if (r < 0)
                return r;
        r = copy_field(spec->owner, &d.owner, ret_why, "invalid owner (at most 256 bytes, no control characters)");
        if (r < 0)
                return r;
        r = device_tags_parse(spec->tags, &d.tags, ret_why);
        if (r < 0)
                return r;
        d.status = DEVICE_ACTIVE;
        *ret = d;
        d = (device) {};
        return 0;
}

int devices_add(store *st, device *d) {
        _cleanup_(store_stmt_freep) store_stmt *s = NULL;
        time_t now = time(NULL);
        int r;

        r = store_prepare(st,
                          "INSERT INTO devices (ek_uri, ek_pub, ek_cert, name, serial, owner, tags, status,"
                          " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                          &s);
        if (r >= 0)
                r = store_bind(s, "tbbtttttii", d->ek_uri, d->ek_pub, d->ek_pub_len, d->ek_cert, d->ek_cert_len,
                               d->name, d->serial, d->owner, d->tags, device_status_to_string(d->status), (int64_t) now,
                               (int64_t) now);
        if (r >= 0)
                r = store_step(s);
        if (r == 0)
                r = -EIO;
        if (r < 0)
                return r;
        d->id = store_column_int64(s, 0);
        d->created_at = d->updated_at = now;
        return 0;
}

#define DEVICE_COLUMNS "id, ek_uri, ek_pub, ek_cert, name, serial, owner, status, created_at, updated_at, tags"

static char *column_strdup(store_stmt *st, int col, bool *oom) {
        const char *s = store_column_text(st, col);
        char *c;

        if (!s)
                return NULL;
        c = strdup(s);
        if (!c)
                *oom = true;
        return c;
}

static uint8_t *column_blobdup(store_stmt *st, int col, size_t *ret_len, bool *oom) {
        const void *p;
        uint8_t *c;

        *ret_len = 0;
        if (store_column_is_null(st, col))
                return NULL;
        p = store_column_blob(st, col, ret_len);
        c = malloc(*ret_len ?: 1);
        if (!c) {
                *oom = true;
                return NULL;
        }
        if (*ret_len)
                memcpy(c, p, *ret_len);
        return c;
}

static int device_from_row(store_stmt *st, device *ret) {
        device d = {};
        bool oom = false;
        const char *status;

        d.id = store_column_int64(st, 0);
        d.ek_uri = column_strdup(st, 1, &oom);
        d.ek_pub = column_blobdup(st, 2, &d.ek_pub_len, &oom);
        d.ek_cert = column_blobdup(st, 3, &d.ek_cert_len, &oom);
        d.name = column_strdup(st, 4, &oom);
        d.serial = column_strdup(st, 5, &oom);
        d.owner = column_strdup(st, 6, &oom);
        status = store_column_text(st, 7);
        d.status = status && streq(status, "active") ? DEVICE_ACTIVE : DEVICE_DISABLED;
        d.created_at = (time_t) store_column_int64(st, 8);
        d.updated_at = (time_t) store_column_int64(st, 9);
        d.tags = column_strdup(st, 10, &oom);
        if (oom || !d.ek_uri) {
                device_done(&d);
                return -ENOMEM;
        }
        *ret = d;
        return 0;
}

static int get_one(store *s, const char *where, const char *types, int64_t id, const char *uri, device *ret) {
        _cleanup_(store_stmt_freep) store_stmt *st = NULL;
        _cleanup_free_ char *sql = NULL;
        int r;

        if (asprintf(&sql, "SELECT " DEVICE_COLUMNS " FROM devices WHERE %s", where) < 0)
                return -ENOMEM;
        r = store_prepare(s, sql, &st);
        if (r < 0)
                return r;
        r = types[0] == 'i' ? store_bind(st, "i", id) : store_bind(st, "t", uri);
        if (r < 0)
                return r;
        r = store_step(st);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        return device_from_row(st, ret);
}

int devices_get(store *st, int64_t id, device *ret) {
        return get_one(st, "id = ?", "i", id, NULL, ret);
}

int devices_get_by_ek_uri(store *st, const char *ek_uri, device *ret) {
        return get_one(st, "ek_uri = ?", "t", 0, ek_uri, ret);
}

int devices_list(store *s, device **ret, size_t *ret_n) {
        _cleanup_(store_stmt_freep) store_stmt *st = NULL;
        device *v = NULL;
        size_t n = 0;
        int r;

        r = store_prepare(s, "SELECT " DEVICE_COLUMNS " FROM devices ORDER BY id", &st);
        if (r < 0)
                return r;
        while ((r = store_step(st)) > 0) {
                device *nv = realloc(v, (n + 1) * sizeof(*v));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                r = device_from_row(st, &v[n]);
                if (r < 0)
                        break;
                n++;
        }
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        device_done(&v[i]);
                free(v);
                return r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

/* The verdict of the device's newest posture report (the reports table of
 * posture-store.c), 'none' without one: a subquery on its index
 * (device_id, id), the same SQL on both backends. */
#define DEVICE_POSTURE_VERDICT                                                                              \
        "COALESCE((SELECT CASE WHEN p.passed <> 0 THEN 'pass' ELSE 'fail' END FROM posture_reports p"          \
        " WHERE p.device_id = devices.id ORDER BY p.id DESC LIMIT 1), 'none')"

#define DEVICE_WHERE                                                                                       \
        " FROM devices WHERE (CAST(? AS TEXT) IS NULL OR LOWER(COALESCE(name, '')) LIKE ? ESCAPE '\\'"                \
        " OR LOWER(COALESCE(serial, '')) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(owner, '')) LIKE ? ESCAPE '\\'" \
        " OR LOWER(ek_uri) LIKE ? ESCAPE '\\') AND (CAST(? AS TEXT) IS NULL OR status = ?)"                              \
        " AND (CAST(? AS TEXT) IS NULL OR tags LIKE ? ESCAPE '\\')"                                           \
        " AND (CAST(? AS TEXT) IS NULL OR " DEVICE_POSTURE_VERDICT " = ?)"

int devices_search(store *s, const device_query *q, device **ret, size_t *ret_n, size_t *ret_total) {
        _cleanup_(store_stmt_freep) store_stmt *st = NULL;
        _cleanup_free_ char *like = NULL, *tag = NULL, *tag_like = NULL;
        const char *status = q->status < 0 ? NULL : device_status_to_string((device_status) q->status);
        const char *posture = device_posture_to_string(q->posture);
        device *v = NULL;
        size_t n = 0;
        int r;

        if (q->limit > DEVICE_LIST_MAX)
                return -EINVAL;
        if (q->q && *q->q) {
                r = query_like_contains(q->q, &like);
                if (r < 0)
                        return r;
        }
        if (q->tag && *q->tag) {
                /* One tag, in its stored form: ",t,". */
                r = device_tags_parse(q->tag, &tag, NULL);
                if (r < 0)
                        return r;
                if (tag && strchr(tag + 1, ',')[1] != '\0')
                        return -EINVAL;
                if (tag && (r = query_like_contains(tag, &tag_like)) < 0)
                        return r;
        }
        r = store_prepare(s, "SELECT COUNT(*)" DEVICE_WHERE, &st);
        if (r >= 0)
                r = store_bind(st, "ttttttttttt", like, like, like, like, like, status, status, tag_like, tag_like,
                               posture, posture);
        if (r >= 0)
                r = store_step(st);
        if (r < 0)
                return r;
        if (ret_total)
                *ret_total = r > 0 ? (size_t) store_column_int64(st, 0) : 0;
        store_stmt_free(TAKE_PTR(st));
        if (q->limit > 0) {
                r = store_prepare(s,
                                  "SELECT " DEVICE_COLUMNS ", " DEVICE_POSTURE_VERDICT DEVICE_WHERE
                                  " ORDER BY id LIMIT ? OFFSET ?",
                                  &st);
                if (r >= 0)
                        r = store_bind(st, "tttttttttttii", like, like, like, like, like, status, status,
                                       tag_like, tag_like, posture, posture, (int64_t) q->limit,
                                       (int64_t) q->offset);
                if (r < 0)
                        return r;
                while ((r = store_step(st)) > 0) {
                        device *nv = realloc(v, (n + 1) * sizeof(*v));
                        if (!nv) {
                                r = -ENOMEM;
                                break;
                        }
                        v = nv;
                        r = device_from_row(st, &v[n]);
                        if (r < 0)
                                break;
                        v[n].posture = device_posture_from_string(store_column_text(st, 11));
                        n++;
                }
                if (r < 0) {
                        for (size_t i = 0; i < n; i++)
                                device_done(&v[i]);
                        free(v);
                        return r;
                }
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int devices_set_status(store *st, int64_t id, device_status status) {
        bool in_tx;
        int r, revoked = 0;

        r = store_begin(st);
        if (r < 0)
                return r;
        in_tx = true;
        r = devices_lock(st, id, true);
        if (r >= 0)
                r = store_run(st, "UPDATE devices SET status = ?, updated_at = ? WHERE id = ?", "tii",
                              device_status_to_string(status), (int64_t) time(NULL), id);
        if (r == 0)
                r = -ENOENT;
        if (r >= 0 && status == DEVICE_DISABLED)
                r = revoked = certificates_revoke_device(st, id, CRL_REASON_CESSATION_OF_OPERATION);
        if (r >= 0)
                r = store_commit(st);
        if (r >= 0)
                in_tx = false;
        store_rollback_unless_committed(st, &in_tx);
        return r < 0 ? r : revoked;
}

int devices_set_tags(store *st, int64_t id, const char *tags) {
        int r;

        r = store_run(st, "UPDATE devices SET tags = ?, updated_at = ? WHERE id = ?", "tii", tags,
                      (int64_t) time(NULL), id);
        return r == 0 ? -ENOENT : r < 0 ? r : 0;
}

int devices_lock(store *st, int64_t id, bool exclusive) {
        char name[48];

        snprintf(name, sizeof(name), "device:%lld", (long long) id);
        return store_lock(st, name, exclusive);
}

int devices_remove(store *st, int64_t id) {
        bool in_tx;
        int r, revoked = 0;

        r = store_begin(st);
        if (r < 0)
                return r;
        in_tx = true;
        r = devices_lock(st, id, true);
        if (r >= 0)
                r = store_run(st, "DELETE FROM devices WHERE id = ?", "i", id);
        if (r == 0)
                r = -ENOENT;
        if (r >= 0)
                r = revoked = certificates_revoke_device(st, id, CRL_REASON_CESSATION_OF_OPERATION);
        if (r >= 0)
                r = store_commit(st);
        if (r >= 0)
                in_tx = false;
        store_rollback_unless_committed(st, &in_tx);
        return r < 0 ? r : revoked;
}

/* "tags": the stored form as an array (empty when none). */
static int device_tags_to_json(const char *tags, json_object *o) {
        _cleanup_json_ json_object *arr = json_object_new_array();
        const char *p = tags ? tags + 1 : "";

        if (!arr)
                return -ENOMEM;
        while (*p) {
                const char *end = strchr(p, ',');
                json_object *t = json_object_new_string_len(p, (int) (end - p));

                if (!t || json_object_array_add(arr, t) < 0) {
                        json_object_put(t);
                        return -ENOMEM;
                }
                p = end + 1;
        }
        return json_add_object(o, "tags", TAKE_PTR(arr));
}

int device_to_json(const device *d, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_int64(o, "id", d->id);
        if (r >= 0)
                r = json_add_string(o, "ek_uri", d->ek_uri);
        if (r >= 0 && d->name)
                r = json_add_string(o, "name", d->name);
        if (r >= 0 && d->serial)
                r = json_add_string(o, "serial", d->serial);
        if (r >= 0 && d->owner)
                r = json_add_string(o, "owner", d->owner);
        if (r >= 0)
                r = json_add_string(o, "status", device_status_to_string(d->status));
        if (r >= 0)
                r = device_tags_to_json(d->tags, o);
        if (r >= 0 && device_posture_to_string(d->posture))
                r = json_add_string(o, "posture", device_posture_to_string(d->posture));
        if (r >= 0 && d->ek_pub)
                r = json_add_b64(o, "ek_pub", B64_STD, d->ek_pub, d->ek_pub_len);
        if (r >= 0 && d->ek_cert)
                r = json_add_b64(o, "ek_cert", B64_STD, d->ek_cert, d->ek_cert_len);
        if (r >= 0)
                r = json_add_int64(o, "created_at", (int64_t) d->created_at);
        if (r >= 0)
                r = json_add_int64(o, "updated_at", (int64_t) d->updated_at);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}
