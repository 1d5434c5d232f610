/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bulk import parsing (import.h): an RFC 4180 CSV reader, the JSON array
 * reader, and the conversion of records into devices. Pure: buffers in,
 * values out, errors naming the record.
 */
#include <ctype.h>
#include <stdarg.h>
#include <strings.h>

#include "b64.h"
#include "import.h"
#include "json.h"
#include "log.h"

#define CSV_MAX_FIELDS 64
#define FIELD_MAX_BYTES (32 * 1024)

static const char *const import_fields[] = { "ek_uri", "ek_pub", "ek_cert", "name", "serial", "owner", "tags" };

static char **record_slot(import_record *rec, size_t i) {
        char **slots[] = { &rec->ek_uri, &rec->ek_pub, &rec->ek_cert, &rec->name, &rec->serial, &rec->owner,
                           &rec->tags };
        return slots[i];
}

static int field_index(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(import_fields); i++)
                if (strcasecmp(name, import_fields[i]) == 0)
                        return (int) i;
        return -1;
}

static void record_done(import_record *r) {
        for (size_t i = 0; i < ELEMENTSOF(import_fields); i++)
                free(*record_slot(r, i));
}

void import_list_free(import_list *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                record_done(&l->records[i]);
        free(l->records);
        free(l);
}

static void set_error(char **ret_error, const char *fmt, ...) _printf_(2, 3);
static void set_error(char **ret_error, const char *fmt, ...) {
        va_list ap;

        if (!ret_error)
                return;
        va_start(ap, fmt);
        if (vasprintf(ret_error, fmt, ap) < 0)
                *ret_error = NULL;
        va_end(ap);
}

/* ---- CSV ---- */

static void row_done(csv_row *r) {
        for (size_t i = 0; i < r->n; i++)
                free(r->fields[i]);
        free(r->fields);
}

void csv_table_free(csv_table *t) {
        if (!t)
                return;
        for (size_t i = 0; i < t->n; i++)
                row_done(&t->rows[i]);
        free(t->rows);
        free(t);
}

typedef struct strbuf {
        char *p;
        size_t n, alloc;
} strbuf;

static int sb_put(strbuf *b, char c) {
        if (b->n + 2 > b->alloc) {
                size_t want = b->alloc ? b->alloc * 2 : 64;
                char *p;
                if (want > FIELD_MAX_BYTES + 2)
                        want = FIELD_MAX_BYTES + 2;
                if (b->n + 2 > want)
                        return -E2BIG;
                p = realloc(b->p, want);
                if (!p)
                        return -ENOMEM;
                b->p = p;
                b->alloc = want;
        }
        b->p[b->n++] = c;
        b->p[b->n] = '\0';
        return 0;
}

static int row_push(csv_row *row, strbuf *b) {
        char **f;

        if (row->n >= CSV_MAX_FIELDS)
                return -E2BIG;
        f = realloc(row->fields, (row->n + 1) * sizeof(char *));
        if (!f)
                return -ENOMEM;
        row->fields = f;
        f[row->n] = b->p ? b->p : strdup("");
        if (!f[row->n])
                return -ENOMEM;
        row->n++;
        *b = (strbuf) {};
        return 0;
}

static bool row_blank(const csv_row *row) {
        return row->n == 1 && row->fields[0][0] == '\0';
}

static int table_push(csv_table *t, csv_row *row) {
        csv_row *rows;

        if (row_blank(row)) {
                row_done(row);
                *row = (csv_row) {};
                return 0;
        }
        if (t->n >= IMPORT_MAX_RECORDS + 1)
                return -E2BIG;
        if (t->n == t->alloc) {
                size_t want = t->alloc ? t->alloc * 2 : 16;
                rows = realloc(t->rows, want * sizeof(*rows));
                if (!rows)
                        return -ENOMEM;
                t->rows = rows;
                t->alloc = want;
        }
        t->rows[t->n++] = *row;
        *row = (csv_row) {};
        return 0;
}

int csv_parse(const char *buf, size_t len, csv_table **ret, size_t *ret_line) {
        _cleanup_(csv_table_freep) csv_table *t = calloc(1, sizeof(csv_table));
        csv_row row = {};
        strbuf field = {};
        size_t line = 1, i = 0;
        bool quoted = false, was_quoted = false;
        int r = 0;

        if (!t)
                return -ENOMEM;
        if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
                i = 3; /* UTF-8 byte order mark, as spreadsheet exports write */
        row.line = line;

        for (; i < len; i++) {
                char c = buf[i];

                if (c == '\0') {
                        r = -EINVAL;
                        goto fail;
                }
                if (quoted) {
                        if (c == '"') {
                                if (i + 1 < len && buf[i + 1] == '"') {
                                        r = sb_put(&field, '"');
                                        i++;
                                } else
                                        quoted = false;
                        } else {
                                if (c == '\n')
                                        line++;
                                r = sb_put(&field, c);
                        }
                        if (r < 0)
                                goto fail;
                        continue;
                }
                switch (c) {
                case '"':
                        if (field.n > 0 || was_quoted) {
                                r = -EINVAL; /* a quote inside an unquoted field */
                                goto fail;
                        }
                        quoted = was_quoted = true;
                        break;
                case ',':
                        r = row_push(&row, &field);
                        was_quoted = false;
                        break;
                case '\r':
                        if (i + 1 < len && buf[i + 1] == '\n')
                                break; /* CRLF: handled at the LF */
                        r = -EINVAL;
                        goto fail;
                case '\n':
                        r = row_push(&row, &field);
                        if (r >= 0)
                                r = table_push(t, &row);
                        was_quoted = false;
                        line++;
                        row.line = line;
                        break;
                default:
                        if (was_quoted) {
                                r = -EINVAL; /* text after a closing quote */
                                goto fail;
                        }
                        r = sb_put(&field, c);
                }
                if (r < 0)
                        goto fail;
        }
        if (quoted) {
                r = -EINVAL;
                goto fail;
        }
        if (field.n > 0 || was_quoted || row.n > 0) {
                r = row_push(&row, &field);
                if (r >= 0)
                        r = table_push(t, &row);
                if (r < 0)
                        goto fail;
        }
        row_done(&row);
        *ret = TAKE_PTR(t);
        return 0;
fail:
        free(field.p);
        row_done(&row);
        if (ret_line)
                *ret_line = line;
        return r;
}

/* ---- records ---- */

static int list_add(import_list *l, import_record *rec) {
        import_record *v;

        if (l->n >= IMPORT_MAX_RECORDS)
                return -E2BIG;
        if (l->n == l->alloc) {
                size_t want = l->alloc ? l->alloc * 2 : 16;
                v = realloc(l->records, want * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                l->records = v;
                l->alloc = want;
        }
        l->records[l->n++] = *rec;
        *rec = (import_record) {};
        return 0;
}

static int parse_csv_records(const char *buf, size_t len, import_list *l, char **ret_error) {
        _cleanup_(csv_table_freep) csv_table *t = NULL;
        int map[CSV_MAX_FIELDS];
        size_t line = 0;
        int r;

        r = csv_parse(buf, len, &t, &line);
        if (r < 0) {
                set_error(ret_error, "line %zu: %s", line,
                          r == -E2BIG ? "too many fields, records or bytes" : "malformed CSV");
                return r == -ENOMEM ? r : (r == -E2BIG ? -E2BIG : -EINVAL);
        }
        if (t->n == 0) {
                set_error(ret_error, "empty CSV: a header row is required");
                return -EINVAL;
        }
        for (size_t c = 0; c < t->rows[0].n; c++) {
                char *name = t->rows[0].fields[c];
                size_t n = strlen(name);

                while (n > 0 && isspace((unsigned char) name[n - 1]))
                        name[--n] = '\0';
                name += strspn(name, " \t");
                map[c] = field_index(name);
                if (map[c] < 0) {
                        set_error(ret_error, "line %zu: unknown column \"%s\" (known: ek_uri, ek_pub, ek_cert, name, serial, owner, tags)",
                                  t->rows[0].line, name);
                        return -EINVAL;
                }
                for (size_t k = 0; k < c; k++)
                        if (map[k] == map[c]) {
                                set_error(ret_error, "line %zu: duplicate column \"%s\"", t->rows[0].line, name);
                                return -EINVAL;
                        }
        }
        for (size_t i = 1; i < t->n; i++) {
                csv_row *row = &t->rows[i];
                import_record rec = { .line = row->line };

                if (row->n != t->rows[0].n) {
                        set_error(ret_error, "record %zu (line %zu): %zu fields, the header has %zu", i, row->line,
                                  row->n, t->rows[0].n);
                        return -EINVAL;
                }
                for (size_t c = 0; c < row->n; c++) {
                        if (!row->fields[c][0])
                                continue;
                        *record_slot(&rec, (size_t) map[c]) = TAKE_PTR(row->fields[c]);
                }
                r = list_add(l, &rec);
                if (r < 0) {
                        record_done(&rec);
                        set_error(ret_error, "record %zu (line %zu): too many records", i, row->line);
                        return r;
                }
        }
        return 0;
}

static int parse_json_records(const char *buf, size_t len, import_list *l, char **ret_error) {
        _cleanup_json_ json_object *arr = NULL;
        size_t n;
        int r;

        r = json_parse(buf, len, IMPORT_MAX_SIZE, &arr);
        if (r < 0) {
                set_error(ret_error, "%s", r == -E2BIG ? "file too large" : "malformed JSON");
                return r == -ENOMEM ? r : (r == -E2BIG ? -E2BIG : -EINVAL);
        }
        if (!json_object_is_type(arr, json_type_array)) {
                set_error(ret_error, "the JSON top level must be an array of device objects");
                return -EINVAL;
        }
        n = json_object_array_length(arr);
        if (n > IMPORT_MAX_RECORDS) {
                set_error(ret_error, "more than %d records", IMPORT_MAX_RECORDS);
                return -E2BIG;
        }
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_array_get_idx(arr, i);
                import_record rec = {};

                if (!json_object_is_type(o, json_type_object)) {
                        set_error(ret_error, "record %zu: not a JSON object", i + 1);
                        return -EINVAL;
                }
                json_object_object_foreach(o, key, val) {
                        int idx = field_index(key);
                        char **slot;

                        if (idx < 0) {
                                set_error(ret_error, "record %zu: unknown field \"%s\"", i + 1, key);
                                record_done(&rec);
                                return -EINVAL;
                        }
                        slot = record_slot(&rec, (size_t) idx);
                        if (*slot) {
                                set_error(ret_error, "record %zu: duplicate field \"%s\"", i + 1, key);
                                record_done(&rec);
                                return -EINVAL;
                        }
                        if (!val)
                                continue; /* null: absent */
                        if (streq(key, "tags") && json_object_is_type(val, json_type_array)) {
                                r = device_tags_from_json(val, slot);
                                if (r == -EINVAL)
                                        set_error(ret_error, "record %zu: \"tags\" must be at most %d strings of at most %d characters",
                                                  i + 1, DEVICE_TAGS_MAX, DEVICE_TAG_MAX);
                                if (r < 0) {
                                        record_done(&rec);
                                        return r;
                                }
                                continue;
                        }
                        if (!json_object_is_type(val, json_type_string)) {
                                set_error(ret_error, "record %zu: field \"%s\" must be a string", i + 1, key);
                                record_done(&rec);
                                return -EINVAL;
                        }
                        if (json_object_get_string_len(val) == 0)
                                continue;
                        *slot = strndup(json_object_get_string(val), (size_t) json_object_get_string_len(val));
                        if (!*slot || strlen(*slot) != (size_t) json_object_get_string_len(val)) {
                                bool nul = *slot != NULL;
                                record_done(&rec);
                                if (!nul)
                                        return -ENOMEM;
                                set_error(ret_error, "record %zu: field \"%s\" contains a NUL", i + 1, key);
                                return -EINVAL;
                        }
                }
                r = list_add(l, &rec);
                if (r < 0) {
                        record_done(&rec);
                        return r;
                }
        }
        return 0;
}

int import_parse(const char *buf, size_t len, import_format fmt, import_list **ret, char **ret_error) {
        _cleanup_(import_list_freep) import_list *l = NULL;
        int r;

        if (len > IMPORT_MAX_SIZE) {
                set_error(ret_error, "file too large (at most %d bytes)", IMPORT_MAX_SIZE);
                return -E2BIG;
        }
        if (fmt == IMPORT_AUTO) {
                size_t i = 0;
                if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
                        i = 3;
                while (i < len && isspace((unsigned char) buf[i]))
                        i++;
                fmt = i < len && buf[i] == '[' ? IMPORT_JSON : IMPORT_CSV;
        }
        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        r = fmt == IMPORT_JSON ? parse_json_records(buf, len, l, ret_error)
                               : parse_csv_records(buf, len, l, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

/* PEM as is, otherwise standard base64 of DER. */
static int key_material(const char *s, uint8_t **ret, size_t *ret_len) {
        size_t n = strlen(s);

        if (strstr(s, "-----BEGIN ")) {
                *ret = (uint8_t *) strdup(s);
                *ret_len = n;
                return *ret ? 0 : -ENOMEM;
        }
        return b64_decode(B64_STD, s, n, FIELD_MAX_BYTES, ret, ret_len);
}

static void record_label(const import_record *rec, size_t i, char *buf, size_t size) {
        if (rec->line)
                snprintf(buf, size, "record %zu (line %zu)", i + 1, rec->line);
        else
                snprintf(buf, size, "record %zu", i + 1);
}

int import_to_devices(const import_list *l, device **ret, size_t *ret_n, char **ret_error) {
        device *v;
        size_t n = 0;
        int r = 0;

        v = calloc(l->n ?: 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < l->n; i++) {
                const import_record *rec = &l->records[i];
                _cleanup_free_ uint8_t *pub = NULL, *cert = NULL;
                size_t pub_len = 0, cert_len = 0;
                const char *why = NULL;
                char label[64];

                record_label(rec, i, label, sizeof(label));
                if (rec->ek_pub && key_material(rec->ek_pub, &pub, &pub_len) < 0) {
                        set_error(ret_error, "%s: ek_pub is neither PEM nor base64 DER", label);
                        r = -EINVAL;
                        break;
                }
                if (rec->ek_cert && key_material(rec->ek_cert, &cert, &cert_len) < 0) {
                        set_error(ret_error, "%s: ek_cert is neither PEM nor base64 DER", label);
                        r = -EINVAL;
                        break;
                }
                device_spec spec = {
                        .ek_uri = rec->ek_uri,
                        .ek_pub = pub,
                        .ek_pub_len = pub_len,
                        .ek_cert = cert,
                        .ek_cert_len = cert_len,
                        .name = rec->name,
                        .serial = rec->serial,
                        .owner = rec->owner,
                        .tags = rec->tags,
                };
                r = device_from_spec(&spec, &v[n], &why);
                if (r < 0) {
                        if (r == -EINVAL)
                                set_error(ret_error, "%s: %s", label, why ?: "invalid");
                        break;
                }
                n++;
        }
        if (r < 0) {
                for (size_t k = 0; k < n; k++)
                        device_done(&v[k]);
                free(v);
                return r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}
