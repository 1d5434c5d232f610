/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Thin, typed helpers over json-c. Parsing takes an explicit byte limit and
 * refuses trailing data, embedded NULs and nesting deeper than JSON_MAX_DEPTH;
 * getters say exactly what is wrong: -ENOENT for a missing member, -EBADMSG
 * for a member of the wrong type (with the name logged at debug).
 *
 * The parser is stricter than json-c alone: RFC 8259 grammar only (no
 * single quotes, NaN, comments, "1.", raw control characters), duplicate
 * member names and "\u0000" in member names are refused (-EBADMSG), and
 * integers must fit int64_t (-ERANGE). Trailing JSON whitespace is fine.
 * Getters and setters return -EINVAL when o is not an object.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "b64.h"
#include "macro.h"

#define JSON_MAX_DEPTH 32

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);
#define _cleanup_json_ _cleanup_(json_object_putp)

/* Parses len bytes; -E2BIG above max_len, -EBADMSG on malformed JSON,
 * -ERANGE for an integer outside int64_t. A top-level "null" gives 0 and
 * *ret = NULL. *ret is written only on success. */
int json_parse(const char *buf, size_t len, size_t max_len, json_object **ret);
/* Same, and the top level must be an object. */
int json_parse_object(const char *buf, size_t len, size_t max_len, json_object **ret);

/* Typed getters. Strings are borrowed from the object; a string holding
 * "\u0000" is refused (-EBADMSG) so C callers never see a truncated value.
 * JSON null counts as the wrong type here. Numbers with a fraction or
 * exponent are doubles, not int64. */
int json_get_string(json_object *o, const char *key, const char **ret);
int json_get_int64(json_object *o, const char *key, int64_t *ret);
int json_get_bool(json_object *o, const char *key, bool *ret);
int json_get_object(json_object *o, const char *key, json_object **ret);
int json_get_array(json_object *o, const char *key, json_object **ret);
/* Decodes a base64 string member of at most max_len characters: -ENOENT,
 * -EBADMSG (not a string, malformed base64), -E2BIG (too long). */
int json_get_b64(json_object *o, const char *key, b64_variant v, size_t max_len, uint8_t **ret,
                 size_t *ret_len);

/* Optional variants: 0 and *ret untouched when absent (or JSON null),
 * 1 when present and of the right type, -EBADMSG when of the wrong type. */
int json_get_string_opt(json_object *o, const char *key, const char **ret);
int json_get_int64_opt(json_object *o, const char *key, int64_t *ret);
int json_get_bool_opt(json_object *o, const char *key, bool *ret);
int json_get_object_opt(json_object *o, const char *key, json_object **ret);
int json_get_array_opt(json_object *o, const char *key, json_object **ret);

/* Setters; return 0, -ENOMEM, or -EINVAL (o not an object, NULL value
 * string). An existing member of the same name is replaced. */
int json_add_string(json_object *o, const char *key, const char *value);
int json_add_int64(json_object *o, const char *key, int64_t value);
int json_add_bool(json_object *o, const char *key, bool value);
/* Takes ownership of value, also on failure. */
int json_add_object(json_object *o, const char *key, json_object *value);
int json_add_b64(json_object *o, const char *key, b64_variant v, const void *data, size_t len);

/* Compact serialization without escaping '/', malloc'ed copy. */
int json_to_string_dup(json_object *o, char **ret);
