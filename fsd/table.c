/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The name table of deviceid-fsd (contract in table.h). Everything here
 * is a function of its arguments: no I/O, no clock, no locks, so the unit
 * tests drive it with fixed entries.
 */
#include "fsd/table.h"
#include "json.h"
#include "time-util.h"

void fsd_blob_free(fsd_blob *b) {
        if (!b)
                return;
        if (b->secret)
                explicit_bzero(b->data, b->len);
        free(b);
}

/* Concatenates up to two pieces, with a newline between them when the
 * first does not end in one. */
static fsd_blob *blob_new(const char *a, size_t alen, const char *b, size_t blen, bool secret) {
        bool sep = alen > 0 && blen > 0 && a[alen - 1] != '\n';
        size_t len = alen + sep + blen;
        fsd_blob *o = malloc(sizeof(*o) + len + 1);

        if (!o)
                return NULL;
        o->len = len;
        o->secret = secret;
        if (alen)
                memcpy(o->data, a, alen);
        if (sep)
                o->data[alen] = '\n';
        if (blen)
                memcpy(o->data + alen + sep, b, blen);
        o->data[len] = '\0';
        return o;
}

void fsd_specs_done(fsd_specs *s) {
        if (!s)
                return;
        for (size_t i = 0; i < s->n; i++)
                fsd_blob_free(s->v[i].blob);
        free(s->v);
        *s = (fsd_specs) {};
}

uint64_t fsd_hash64(const void *buf, size_t len, uint64_t seed) {
        const unsigned char *p = buf;
        uint64_t h = seed ^ UINT64_C(0xcbf29ce484222325);

        for (size_t i = 0; i < len; i++) {
                h ^= p[i];
                h *= UINT64_C(0x100000001b3);
        }
        h ^= h >> 30;
        h *= UINT64_C(0xbf58476d1ce4e5b9);
        h ^= h >> 27;
        h *= UINT64_C(0x94d049bb133111eb);
        return h ^ (h >> 31);
}

static int spec_add(fsd_specs *s, const char *entry, const char *suffix, fsd_blob *blob, mode_t mode,
                    uid_t uid, gid_t gid, time_t mtime, uint64_t stamp) {
        fsd_spec *sp;

        if (!blob)
                return -ENOMEM;
        sp = &s->v[s->n++];
        *sp = (fsd_spec) {
                .blob = blob,
                .mode = mode,
                .uid = uid,
                .gid = gid,
                .mtime = { .tv_sec = mtime },
                .stamp = stamp,
        };
        snprintf(sp->name, sizeof(sp->name), "%s%s", entry, suffix);
        return 0;
}

static int entry_ptr_cmp(const void *a, const void *b) {
        return strcmp((*(const keyring_entry *const *) a)->name, (*(const keyring_entry *const *) b)->name);
}

static int spec_cmp(const void *a, const void *b) {
        return strcmp(((const fsd_spec *) a)->name, ((const fsd_spec *) b)->name);
}

static int spec_name_cmp(const void *key, const void *elem) {
        return strcmp(key, ((const fsd_spec *) elem)->name);
}

fsd_spec *fsd_specs_find(fsd_specs *specs, const char *name) {
        return specs->n ? bsearch(name, specs->v, specs->n, sizeof(*specs->v), spec_name_cmp) : NULL;
}

static int add_file_names(json_object *files, const keyring_entry *e) {
        static const char *const suffixes[] = { ".pem", ".key.pem", ".bundle.pem" };
        size_t n = 1;

        if (keyring_account_name_is_valid(e->name) && e->key_kind != KEYRING_KEY_NONE && e->key_pem)
                n = ELEMENTSOF(suffixes);
        for (size_t i = 0; i < n; i++) {
                char name[FSD_NAME_MAX + 1];
                json_object *s;

                snprintf(name, sizeof(name), "%s%s", e->name, suffixes[i]);
                s = json_object_new_string(name);
                if (!s || json_object_array_add(files, s) < 0) {
                        json_object_put(s);
                        return -ENOMEM;
                }
        }
        return 0;
}

int fsd_status_json(const keyring_entry *const *sorted, size_t n, char **ret, size_t *ret_len) {
        _cleanup_json_ json_object *root = json_object_new_object();
        json_object *arr = json_object_new_array();
        char *s;
        int r;

        if (!root || !arr) {
                json_object_put(arr);
                return -ENOMEM;
        }
        r = json_add_int64(root, "version", 1);
        if (r < 0) {
                json_object_put(arr);
                return r;
        }
        r = json_add_object(root, "entries", arr);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                const keyring_entry *e = sorted[i];
                json_object *o = json_object_new_object(), *files = json_object_new_array();
                const char *kind = keyring_key_kind_to_string(e->key_kind);
                char t[FORMAT_TIME_MAX];

                if (!o || !files) {
                        json_object_put(o);
                        json_object_put(files);
                        return -ENOMEM;
                }
                if (json_object_array_add(arr, o) < 0) {
                        json_object_put(o);
                        json_object_put(files);
                        return -ENOMEM;
                }
                if ((r = json_add_string(o, "name", e->name)) < 0 ||
                    (r = json_add_int64(o, "generation", (int64_t) e->generation)) < 0 ||
                    (r = json_add_string(o, "keyKind", kind ? kind : "none")) < 0) {
                        json_object_put(files);
                        return r;
                }
                if (e->not_after > 0) {
                        (void) format_time(e->not_after, t);
                        if ((r = json_add_string(o, "notAfter", t)) < 0 ||
                            (r = json_add_int64(o, "notAfterUnix", (int64_t) e->not_after)) < 0) {
                                json_object_put(files);
                                return r;
                        }
                }
                (void) format_time(e->published, t);
                if ((r = json_add_string(o, "published", t)) < 0) {
                        json_object_put(files);
                        return r;
                }
                r = json_add_object(o, "files", files);
                if (r < 0)
                        return r;
                r = add_file_names(files, e);
                if (r < 0)
                        return r;
        }
        r = json_to_string_dup(root, &s);
        if (r < 0)
                return r;
        *ret_len = strlen(s);
        *ret = s;
        return 0;
}

int fsd_specs_build(const keyring_entry *const *entries, size_t n, const fsd_config *cfg, fsd_specs *ret) {
        _cleanup_free_ const keyring_entry **sorted = NULL;
        _cleanup_(fsd_specs_done) fsd_specs s = {};
        _cleanup_free_ char *status = NULL;
        size_t status_len;
        time_t newest = 0;
        int r;

        if (n > FSD_MAX_ENTRIES)
                return -E2BIG;
        sorted = calloc(n ? n : 1, sizeof(*sorted));
        s.v = calloc(3 * n + 1, sizeof(*s.v));
        if (!sorted || !s.v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const keyring_entry *e = entries[i];

                if (!e || !keyring_entry_name_is_valid(e->name) || !e->chain_pem)
                        return -EINVAL;
                if (e->chain_len > KEYRING_MAX_CHAIN || (e->key_pem && e->key_len > KEYRING_MAX_KEY))
                        return -E2BIG;
                sorted[i] = e;
        }
        if (n > 0)
                qsort(sorted, n, sizeof(*sorted), entry_ptr_cmp);
        for (size_t i = 1; i < n; i++)
                if (streq(sorted[i - 1]->name, sorted[i]->name))
                        return -EINVAL;

        for (size_t i = 0; i < n; i++) {
                const keyring_entry *e = sorted[i];
                const fsd_account_config *a = NULL;
                mode_t cert_mode = FSD_DEFAULT_CERT_MODE, key_mode = FSD_DEFAULT_KEY_MODE;
                uid_t uid = 0;
                gid_t gid = 0;

                if (e->published > newest)
                        newest = e->published;
                if (!keyring_account_name_is_valid(e->name)) {
                        /* "device" and "roots": public certificates only; the
                         * device key never leaves the TPM. */
                        r = spec_add(&s, e->name, ".pem", blob_new(e->chain_pem, e->chain_len, NULL, 0, false),
                                     FSD_DEFAULT_CERT_MODE, 0, 0, e->published, e->generation);
                        if (r < 0)
                                return r;
                        continue;
                }
                a = fsd_config_find_account(cfg, e->name);
                if (a) {
                        cert_mode = a->cert_mode & FSD_MAX_CERT_MODE;
                        key_mode = a->key_mode & FSD_MAX_KEY_MODE;
                        uid = a->uid;
                        gid = a->gid;
                }
                r = spec_add(&s, e->name, ".pem", blob_new(e->chain_pem, e->chain_len, NULL, 0, false),
                             cert_mode, 0, 0, e->published, e->generation);
                if (r < 0)
                        return r;
                if (e->key_kind == KEYRING_KEY_NONE || !e->key_pem)
                        continue;
                r = spec_add(&s, e->name, ".key.pem", blob_new(e->key_pem, e->key_len, NULL, 0, true),
                             key_mode, uid, gid, e->published, e->generation);
                if (r < 0)
                        return r;
                r = spec_add(&s, e->name, ".bundle.pem",
                             blob_new(e->key_pem, e->key_len, e->chain_pem, e->chain_len, true), key_mode, uid,
                             gid, e->published, e->generation);
                if (r < 0)
                        return r;
        }

        r = fsd_status_json(sorted, n, &status, &status_len);
        if (r < 0)
                return r;
        r = spec_add(&s, "status", ".json", blob_new(status, status_len, "\n", 1, false), FSD_DEFAULT_CERT_MODE,
                     0, 0, newest, fsd_hash64(status, status_len, 0));
        if (r < 0)
                return r;
        qsort(s.v, s.n, sizeof(s.v[0]), spec_cmp);
        *ret = s;
        s = (fsd_specs) {};
        return 0;
}
