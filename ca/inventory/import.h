/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bulk device import, the pure part: turns a JSON array of objects or a
 * CSV file with a header row (the shapes an MDM or asset-list export has)
 * into a list of device specs, with the record number of the first
 * problem. Recognised fields/columns (case-insensitive): ek_uri, ek_pub
 * (PEM or std-base64 DER SPKI), ek_cert (PEM or std-base64 DER), name,
 * serial, owner, tags (separated by spaces, commas or semicolons, as
 * device_tags_parse() reads them); unknown ones are refused so that typos do not pass
 * silently. No I/O; devices_import() in the CLI/admin API applies the list
 * in one transaction.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "devices.h"
#include "macro.h"

#define IMPORT_MAX_SIZE (8 * 1024 * 1024)
#define IMPORT_MAX_RECORDS 100000

typedef enum import_format {
        IMPORT_AUTO, /* JSON if the first non-blank byte is '[', else CSV */
        IMPORT_JSON,
        IMPORT_CSV,
} import_format;

typedef struct import_record {
        char *ek_uri, *ek_pub, *ek_cert, *name, *serial, *owner, *tags; /* NULL if absent/empty */
        size_t line;  /* CSV: line of the record; JSON: 0 */
} import_record;

typedef struct import_list {
        import_record *records;
        size_t n;
        size_t alloc; /* internal */
} import_list;

void import_list_free(import_list *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(import_list *, import_list_free);

/* Parses an import file. On failure returns -EINVAL/-E2BIG/-ENOMEM and, if
 * ret_error is not NULL, a malloc'ed message naming the record ("record 3
 * (line 4): ..."). Records are numbered from 1. */
int import_parse(const char *buf, size_t len, import_format fmt, import_list **ret,
                 char **ret_error);

/* CSV (RFC 4180 with LF or CRLF line ends, quoted fields with "" escapes,
 * multi-line quoted fields) into rows of fields. Exposed for tests. */
typedef struct csv_row {
        char **fields;
        size_t n;
        size_t line; /* line where the row starts, from 1 */
} csv_row;
typedef struct csv_table {
        csv_row *rows;
        size_t n;
        size_t alloc; /* internal */
} csv_table;
void csv_table_free(csv_table *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(csv_table *, csv_table_free);
/* -EINVAL with *ret_line set on malformed quoting or a NUL byte. */
int csv_parse(const char *buf, size_t len, csv_table **ret, size_t *ret_line);

/* Converts each record into a device (device_from_spec), same error shape. */
int import_to_devices(const import_list *l, device **ret, size_t *ret_n, char **ret_error);
