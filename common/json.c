/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Typed json-c helpers (json.h). json-c's "strict" mode still takes single
 * quotes, NaN, "1.", raw control characters in strings, saturates integers
 * that do not fit, and keeps the last of duplicate member names. Input
 * from the network therefore first goes through a small RFC 8259 grammar
 * check here, which also enforces the depth limit and counts object
 * members; json-c then builds the tree, and a member count lower than the
 * one seen in the text means a duplicate name, which is refused (RFC 7515
 * section 5.2 allows that, and it closes parser-differential tricks on
 * JWS headers).
 */
#include <limits.h>

#include "json.h"
#include "log.h"

typedef struct json_scan {
        const char *p, *end;
        unsigned depth;
        size_t members;
} json_scan;

static void scan_ws(json_scan *s) {
        while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
                s->p++;
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_hex(char c) {
        return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A member name may not contain "\u0000": json-c keeps names as C strings
 * and would silently cut it there, so another parser would see a
 * different name than we do. */
static int scan_string(json_scan *s, bool member_name) {
        s->p++; /* opening quote */
        while (s->p < s->end) {
                unsigned char c = (unsigned char) *s->p++;

                if (c == '"')
                        return 0;
                if (c < 0x20)
                        return -EBADMSG;
                if (c != '\\')
                        continue; /* UTF-8 validity is json-c's job */
                if (s->p >= s->end)
                        return -EBADMSG;
                c = (unsigned char) *s->p++;
                if (c == 'u') {
                        if (s->end - s->p < 4)
                                return -EBADMSG;
                        for (unsigned i = 0; i < 4; i++)
                                if (!is_hex(s->p[i]))
                                        return -EBADMSG;
                        if (member_name && memcmp(s->p, "0000", 4) == 0)
                                return -EBADMSG;
                        s->p += 4;
                } else if (!strchr("\"\\/bfnrt", c) || c == '\0')
                        return -EBADMSG;
        }
        return -EBADMSG;
}

/* RFC 8259 number grammar; an integer (no fraction, no exponent) must
 * also fit int64_t, so getters never see a saturated value. */
static int scan_number(json_scan *s) {
        bool negative = false, integer = true;
        uint64_t magnitude = 0, limit;
        bool overflow = false;

        if (*s->p == '-') {
                negative = true;
                s->p++;
        }
        if (s->p >= s->end || !is_digit(*s->p))
                return -EBADMSG;
        if (*s->p == '0')
                s->p++;
        else
                while (s->p < s->end && is_digit(*s->p)) {
                        unsigned d = (unsigned) (*s->p++ - '0');
                        if (magnitude > (UINT64_MAX - d) / 10)
                                overflow = true;
                        else
                                magnitude = magnitude * 10 + d;
                }
        if (s->p < s->end && *s->p == '.') {
                integer = false;
                s->p++;
                if (s->p >= s->end || !is_digit(*s->p))
                        return -EBADMSG;
                while (s->p < s->end && is_digit(*s->p))
                        s->p++;
        }
        if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
                integer = false;
                s->p++;
                if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
                        s->p++;
                if (s->p >= s->end || !is_digit(*s->p))
                        return -EBADMSG;
                while (s->p < s->end && is_digit(*s->p))
                        s->p++;
        }
        limit = negative ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX;
        if (integer && (overflow || magnitude > limit))
                return -ERANGE;
        return 0;
}

static int scan_literal(json_scan *s, const char *lit) {
        size_t n = strlen(lit);

        if ((size_t) (s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
                return -EBADMSG;
        s->p += n;
        return 0;
}

static int scan_value(json_scan *s);

static int scan_container(json_scan *s) {
        bool object = *s->p == '{';
        char close = object ? '}' : ']';
        int r;

        if (++s->depth > JSON_MAX_DEPTH)
                return -EBADMSG;
        s->p++;
        scan_ws(s);
        if (s->p < s->end && *s->p == close) {
                s->p++;
                s->depth--;
                return 0;
        }
        for (;;) {
                if (object) {
                        if (s->p >= s->end || *s->p != '"')
                                return -EBADMSG;
                        r = scan_string(s, true);
                        if (r < 0)
                                return r;
                        scan_ws(s);
                        if (s->p >= s->end || *s->p != ':')
                                return -EBADMSG;
                        s->p++;
                        s->members++;
                }
                r = scan_value(s);
                if (r < 0)
                        return r;
                scan_ws(s);
                if (s->p >= s->end)
                        return -EBADMSG;
                if (*s->p == close) {
                        s->p++;
                        s->depth--;
                        return 0;
                }
                if (*s->p != ',')
                        return -EBADMSG;
                s->p++;
                scan_ws(s);
        }
}

static int scan_value(json_scan *s) {
        scan_ws(s);
        if (s->p >= s->end)
                return -EBADMSG;
        switch (*s->p) {
        case '{':
        case '[':
                return scan_container(s);
        case '"':
                return scan_string(s, false);
        case 't':
                return scan_literal(s, "true");
        case 'f':
                return scan_literal(s, "false");
        case 'n':
                return scan_literal(s, "null");
        default:
                return scan_number(s);
        }
}

static size_t count_members(json_object *o) {
        size_t n = 0;

        switch (json_object_get_type(o)) {
        case json_type_object: {
                json_object_object_foreach(o, k, v) {
                        (void) k;
                        n += 1 + count_members(v);
                }
                break;
        }
        case json_type_array:
                for (size_t i = 0; i < json_object_array_length(o); i++)
                        n += count_members(json_object_array_get_idx(o, i));
                break;
        default:
                break;
        }
        return n;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(json_tokener *, json_tokener_free);

int json_parse(const char *buf, size_t len, size_t max_len, json_object **ret) {
        _cleanup_(json_tokener_freep) json_tokener *tok = NULL;
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ char *copy = NULL;
        json_scan s = { .p = buf, .end = buf + len };
        enum json_tokener_error e;
        int r;

        if (!ret || (!buf && len > 0))
                return -EINVAL;
        if (len > max_len || len >= INT_MAX)
                return -E2BIG;
        if (len == 0 || memchr(buf, '\0', len))
                return log_debug_errno(EBADMSG, "JSON text is empty or contains a NUL byte.");

        r = scan_value(&s);
        if (r >= 0) {
                scan_ws(&s);
                if (s.p != s.end)
                        r = -EBADMSG;
        }
        if (r < 0)
                return log_debug_errno(r, "Malformed JSON near offset %zu.", (size_t) (s.p - buf));

        /* json-c only finishes a top-level scalar when it sees a NUL. */
        copy = strndup(buf, len);
        if (!copy)
                return -ENOMEM;
        tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        o = json_tokener_parse_ex(tok, copy, (int) len + 1);
        e = json_tokener_get_error(tok);
        if (e != json_tokener_success)
                return log_debug_errno(EBADMSG, "JSON parser refused input at offset %zu: %s",
                                       json_tokener_get_parse_end(tok), json_tokener_error_desc(e));
        if (count_members(o) != s.members)
                return log_debug_errno(EBADMSG, "JSON object has duplicate member names.");

        *ret = TAKE_PTR(o);
        return 0;
}

int json_parse_object(const char *buf, size_t len, size_t max_len, json_object **ret) {
        _cleanup_json_ json_object *o = NULL;
        int r;

        if (!ret)
                return -EINVAL;
        r = json_parse(buf, len, max_len, &o);
        if (r < 0)
                return r;
        if (!json_object_is_type(o, json_type_object))
                return log_debug_errno(EBADMSG, "JSON text is not an object.");
        *ret = TAKE_PTR(o);
        return 0;
}

/* 1 and *ret if present with the right type, 0 if absent (or null when
 * optional), -EBADMSG if of another type. */
static int get_member(json_object *o, const char *key, json_type type, bool optional,
                      json_object **ret) {
        json_object *v;

        if (!json_object_is_type(o, json_type_object) || !key)
                return -EINVAL;
        if (!json_object_object_get_ex(o, key, &v))
                return 0;
        if (!v && optional)
                return 0;
        if (!json_object_is_type(v, type))
                return log_debug_errno(EBADMSG, "JSON member \"%s\" is a %s, expected a %s.", key,
                                       json_type_to_name(json_object_get_type(v)),
                                       json_type_to_name(type));
        *ret = v;
        return 1;
}

static int get_required(json_object *o, const char *key, json_type type, json_object **ret) {
        int r = get_member(o, key, type, false, ret);
        if (r == 0)
                return log_debug_errno(ENOENT, "JSON member \"%s\" is missing.", key);
        return r < 0 ? r : 0;
}

static int string_value(json_object *v, const char *key, const char **ret) {
        const char *s = json_object_get_string(v);

        /* "\u0000" inside a string would cut it short for C callers. */
        if (strlen(s) != (size_t) json_object_get_string_len(v))
                return log_debug_errno(EBADMSG, "JSON member \"%s\" contains a NUL character.",
                                       key);
        *ret = s;
        return 0;
}

static int int64_value(json_object *v, const char *key, int64_t *ret) {
        int64_t i = json_object_get_int64(v);

        /* Only objects built in memory can hold a uint64 above INT64_MAX. */
        if (i == INT64_MAX && json_object_get_uint64(v) != (uint64_t) INT64_MAX)
                return log_debug_errno(ERANGE, "JSON member \"%s\" is out of range.", key);
        *ret = i;
        return 0;
}

int json_get_string(json_object *o, const char *key, const char **ret) {
        json_object *v;
        int r = get_required(o, key, json_type_string, &v);
        return r < 0 ? r : string_value(v, key, ret);
}

int json_get_int64(json_object *o, const char *key, int64_t *ret) {
        json_object *v;
        int r = get_required(o, key, json_type_int, &v);
        return r < 0 ? r : int64_value(v, key, ret);
}

int json_get_bool(json_object *o, const char *key, bool *ret) {
        json_object *v;
        int r = get_required(o, key, json_type_boolean, &v);
        if (r < 0)
                return r;
        *ret = json_object_get_boolean(v);
        return 0;
}

int json_get_object(json_object *o, const char *key, json_object **ret) {
        return get_required(o, key, json_type_object, ret);
}

int json_get_array(json_object *o, const char *key, json_object **ret) {
        return get_required(o, key, json_type_array, ret);
}

int json_get_b64(json_object *o, const char *key, b64_variant v, size_t max_len, uint8_t **ret,
                 size_t *ret_len) {
        json_object *m;
        int r = get_required(o, key, json_type_string, &m);
        if (r < 0)
                return r;
        r = b64_decode(v, json_object_get_string(m), (size_t) json_object_get_string_len(m),
                       max_len, ret, ret_len);
        if (r < 0)
                return log_debug_errno(r, "JSON member \"%s\" is not valid base64: %s", key,
                                       strerror(-r));
        return 0;
}

int json_get_string_opt(json_object *o, const char *key, const char **ret) {
        json_object *v;
        int r = get_member(o, key, json_type_string, true, &v);
        if (r <= 0)
                return r;
        r = string_value(v, key, ret);
        return r < 0 ? r : 1;
}

int json_get_int64_opt(json_object *o, const char *key, int64_t *ret) {
        json_object *v;
        int r = get_member(o, key, json_type_int, true, &v);
        if (r <= 0)
                return r;
        r = int64_value(v, key, ret);
        return r < 0 ? r : 1;
}

int json_get_bool_opt(json_object *o, const char *key, bool *ret) {
        json_object *v;
        int r = get_member(o, key, json_type_boolean, true, &v);
        if (r <= 0)
                return r;
        *ret = json_object_get_boolean(v);
        return 1;
}

int json_get_object_opt(json_object *o, const char *key, json_object **ret) {
        return get_member(o, key, json_type_object, true, ret);
}

int json_get_array_opt(json_object *o, const char *key, json_object **ret) {
        return get_member(o, key, json_type_array, true, ret);
}

int json_add_object(json_object *o, const char *key, json_object *value) {
        if (!json_object_is_type(o, json_type_object) || !key || o == value) {
                json_object_put(value);
                return -EINVAL;
        }
        if (json_object_object_add(o, key, value) < 0) {
                json_object_put(value);
                return -ENOMEM;
        }
        return 0;
}

int json_add_string(json_object *o, const char *key, const char *value) {
        json_object *v;

        if (!value)
                return -EINVAL;
        v = json_object_new_string(value);
        if (!v)
                return -ENOMEM;
        return json_add_object(o, key, v);
}

int json_add_int64(json_object *o, const char *key, int64_t value) {
        json_object *v = json_object_new_int64(value);
        if (!v)
                return -ENOMEM;
        return json_add_object(o, key, v);
}

int json_add_bool(json_object *o, const char *key, bool value) {
        json_object *v = json_object_new_boolean(value);
        if (!v)
                return -ENOMEM;
        return json_add_object(o, key, v);
}

int json_add_b64(json_object *o, const char *key, b64_variant v, const void *data, size_t len) {
        _cleanup_free_ char *s = NULL;
        int r;

        r = b64_encode(v, data, len, &s);
        if (r < 0)
                return r;
        return json_add_string(o, key, s);
}

int json_to_string_dup(json_object *o, char **ret) {
        const char *s;
        char *copy;

        if (!ret)
                return -EINVAL;
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s)
                return -ENOMEM;
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}
