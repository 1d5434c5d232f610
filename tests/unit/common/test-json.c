/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for common/json.c: what the strict parser accepts and every
 * way it refuses (size, trailing data, NULs, depth, grammar json-c alone
 * lets through, duplicate names, integer range), the typed getters and
 * their -opt forms, the setters, and compact serialization.
 */
#include "json.h"
#include "tests/unit/tap.h"

static int parse_str(const char *s, json_object **ret) {
        return json_parse(s, strlen(s), 4096, ret);
}

static void refused(const char *s, int err, const char *what) {
        json_object *o = (json_object *) 0x1;

        is_err(parse_str(s, &o), err, what);
        ok(o == (json_object *) 0x1, "output untouched on failure");
}

static void accepted(const char *s, const char *what) {
        _cleanup_json_ json_object *o = NULL;
        is_ok(parse_str(s, &o), what);
}

static void test_parse_accepts(void) {
        _cleanup_json_ json_object *o = NULL, *n = (json_object *) 0x1;
        _cleanup_free_ char *text = NULL;
        int64_t i = 0;

        is_ok(parse_str(" {\"a\": [1, 2.5e3, -0, true, false, null, \"x\\u00e9\\n\"]}\r\n", &o),
              "object with every value type and surrounding whitespace");
        is_ok(json_to_string_dup(o, &text), "serialize");
        is_str(text, "{\"a\":[1,2.5e3,0,true,false,null,\"xé\\n\"]}", "compact round trip");

        accepted("123", "top-level number");
        accepted("\"s\"", "top-level string");
        accepted("[]", "empty array");
        accepted("{\"\":1}", "empty member name");
        is_ok(parse_str("null", &n), "top-level null");
        ok(n == NULL, "null parses to NULL");

        json_object_put(o);
        o = NULL;
        is_ok(parse_str("{\"max\":9223372036854775807,\"min\":-9223372036854775808}", &o),
              "int64 extremes");
        is_ok(json_get_int64(o, "max", &i), "get INT64_MAX");
        is_int(i == INT64_MAX, 1, "INT64_MAX exact");
        is_ok(json_get_int64(o, "min", &i), "get INT64_MIN");
        is_int(i == INT64_MIN, 1, "INT64_MIN exact");
}

static void test_parse_refuses(void) {
        json_object *o = (json_object *) 0x1;
        const char nul_inside[] = "{\"a\":\"b\0c\"}";
        const char nul_after[] = "{}\0";
        char deep[128], too_deep[128];

        is_err(json_parse("{}", 2, 1, &o), -E2BIG, "above max_len");
        is_ok(json_parse("{} ", 2, 2, &o), "exactly max_len (length given excludes the space)");
        json_object_put(o);

        is_err(json_parse(nul_inside, sizeof(nul_inside) - 1, 64, &o), -EBADMSG, "NUL inside string");
        is_err(json_parse(nul_after, sizeof(nul_after) - 1, 64, &o), -EBADMSG, "NUL after value");
        refused("", -EBADMSG, "empty input");
        refused("   ", -EBADMSG, "only whitespace");
        refused("{}x", -EBADMSG, "trailing garbage");
        refused("{}{}", -EBADMSG, "two values");
        refused("{} ,", -EBADMSG, "trailing comma after value");
        refused("{\"a\":1", -EBADMSG, "truncated object");
        refused("[1,]", -EBADMSG, "trailing comma in array");
        refused("{\"a\":1,}", -EBADMSG, "trailing comma in object");
        refused("{'a':1}", -EBADMSG, "single quotes (json-c strict accepts them)");
        refused("NaN", -EBADMSG, "NaN (json-c strict accepts it)");
        refused("[Infinity]", -EBADMSG, "Infinity");
        refused("1.", -EBADMSG, "fraction without digits (json-c accepts it)");
        refused(".5", -EBADMSG, "fraction without integer part");
        refused("1e", -EBADMSG, "exponent without digits");
        refused("01", -EBADMSG, "leading zero");
        refused("+1", -EBADMSG, "leading plus");
        refused("0x10", -EBADMSG, "hex number");
        refused("-", -EBADMSG, "lone minus");
        refused("\"a\tb\"", -EBADMSG, "raw tab in string (json-c accepts it)");
        refused("\"\\x41\"", -EBADMSG, "unknown escape");
        refused("\"\\u12\"", -EBADMSG, "short unicode escape");
        refused("\"abc", -EBADMSG, "unterminated string");
        refused("{\"a\":/*c*/1}", -EBADMSG, "comment");
        refused("[1 2]", -EBADMSG, "missing separator");
        refused("{\"a\" 1}", -EBADMSG, "missing colon");
        refused("{1:2}", -EBADMSG, "non-string member name");
        refused("tru", -EBADMSG, "truncated literal");
        refused("True", -EBADMSG, "capitalised literal");
        refused("\"\xff\"", -EBADMSG, "invalid UTF-8");
        refused("\"\xc3\"", -EBADMSG, "truncated UTF-8");

        refused("{\"a\":1,\"a\":2}", -EBADMSG, "duplicate member names");
        refused("{\"a\":1,\"\\u0061\":2}", -EBADMSG, "duplicate names spelled differently");
        refused("[{\"x\":{\"k\":1,\"k\":1}}]", -EBADMSG, "nested duplicate names");
        accepted("[{\"k\":1},{\"k\":1}]", "same name in sibling objects");
        refused("{\"a\\u0000b\":1}", -EBADMSG, "member name with \\u0000 (json-c would cut it)");
        accepted("{\"a\":\"x\\u0000y\"}", "string value with \\u0000 parses (getters refuse it)");

        refused("9223372036854775808", -ERANGE, "integer above INT64_MAX");
        refused("-9223372036854775809", -ERANGE, "integer below INT64_MIN");
        refused("{\"a\":99999999999999999999999}", -ERANGE, "huge integer member");
        accepted("1e30", "large number with exponent is a double");

        /* JSON_MAX_DEPTH nested containers pass, one more fails. */
        memset(deep, 0, sizeof(deep));
        memset(too_deep, 0, sizeof(too_deep));
        for (unsigned i = 0; i < JSON_MAX_DEPTH; i++) {
                deep[i] = '[';
                deep[JSON_MAX_DEPTH + i] = ']';
        }
        for (unsigned i = 0; i < JSON_MAX_DEPTH + 1; i++) {
                too_deep[i] = '[';
                too_deep[JSON_MAX_DEPTH + 1 + i] = ']';
        }
        accepted(deep, "nesting at JSON_MAX_DEPTH");
        refused(too_deep, -EBADMSG, "nesting above JSON_MAX_DEPTH");

        is_err(json_parse_object("[1]", 3, 16, &o), -EBADMSG, "parse_object refuses an array");
        is_err(json_parse_object("null", 4, 16, &o), -EBADMSG, "parse_object refuses null");
        is_err(json_parse_object("{", 1, 16, &o), -EBADMSG, "parse_object refuses malformed");
        is_err(json_parse_object("{}", 2, 1, &o), -E2BIG, "parse_object size limit");
}

static void test_getters(void) {
        static const char text[] =
                "{\"s\":\"str\",\"i\":-42,\"b\":true,\"o\":{\"k\":1},\"a\":[1],\"n\":null,"
                "\"d\":1.5,\"z\":\"a\\u0000b\",\"u\":\"Zm9v\",\"bad\":\"Zm9v=\"}";
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ uint8_t *bytes = NULL;
        json_object *sub = NULL;
        const char *s = NULL;
        int64_t i = 0;
        bool b = false;
        size_t n = 0;

        if (!is_ok(json_parse_object(text, strlen(text), sizeof(text), &o), "parse getter fixture"))
                return;

        is_ok(json_get_string(o, "s", &s), "get string");
        is_str(s, "str", "string value");
        is_ok(json_get_int64(o, "i", &i), "get int64");
        is_int(i, -42, "int64 value");
        is_ok(json_get_bool(o, "b", &b), "get bool");
        ok(b, "bool value");
        is_ok(json_get_object(o, "o", &sub), "get object");
        ok(json_object_is_type(sub, json_type_object), "object value");
        is_ok(json_get_array(o, "a", &sub), "get array");
        is_int(json_object_array_length(sub), 1, "array value");

        is_err(json_get_string(o, "missing", &s), -ENOENT, "missing string");
        is_err(json_get_int64(o, "missing", &i), -ENOENT, "missing int");
        is_err(json_get_bool(o, "missing", &b), -ENOENT, "missing bool");
        is_err(json_get_object(o, "missing", &sub), -ENOENT, "missing object");
        is_err(json_get_array(o, "missing", &sub), -ENOENT, "missing array");
        is_err(json_get_string(o, "i", &s), -EBADMSG, "int is not a string");
        is_err(json_get_int64(o, "s", &i), -EBADMSG, "string is not an int");
        is_err(json_get_int64(o, "d", &i), -EBADMSG, "double is not an int");
        is_err(json_get_bool(o, "i", &b), -EBADMSG, "int is not a bool");
        is_err(json_get_object(o, "a", &sub), -EBADMSG, "array is not an object");
        is_err(json_get_array(o, "o", &sub), -EBADMSG, "object is not an array");
        is_err(json_get_string(o, "n", &s), -EBADMSG, "required member that is null");
        is_err(json_get_string(o, "z", &s), -EBADMSG, "string with \\u0000");
        is_err(json_get_string(sub, "x", &s), -EINVAL, "getter on a non-object");

        is_ok(json_get_b64(o, "u", B64_URL, 8, &bytes, &n), "get base64url");
        is_mem(bytes, n, "foo", 3, "base64url value");
        is_err(json_get_b64(o, "u", B64_URL, 3, &bytes, &n), -E2BIG, "base64 above its limit");
        is_err(json_get_b64(o, "bad", B64_STD, 16, &bytes, &n), -EBADMSG, "malformed base64");
        is_err(json_get_b64(o, "i", B64_URL, 16, &bytes, &n), -EBADMSG, "base64 of an int");
        is_err(json_get_b64(o, "missing", B64_URL, 16, &bytes, &n), -ENOENT, "missing base64");

        s = "untouched";
        is_int(json_get_string_opt(o, "missing", &s), 0, "optional string absent");
        is_str(s, "untouched", "absent leaves output");
        is_int(json_get_string_opt(o, "n", &s), 0, "optional string null");
        is_str(s, "untouched", "null leaves output");
        is_int(json_get_string_opt(o, "s", &s), 1, "optional string present");
        is_str(s, "str", "optional string value");
        is_err(json_get_string_opt(o, "i", &s), -EBADMSG, "optional string wrong type");
        is_err(json_get_string_opt(o, "z", &s), -EBADMSG, "optional string with NUL");
        i = 7;
        is_int(json_get_int64_opt(o, "missing", &i), 0, "optional int absent");
        is_int(i, 7, "absent int untouched");
        is_int(json_get_int64_opt(o, "i", &i), 1, "optional int present");
        is_int(i, -42, "optional int value");
        is_err(json_get_int64_opt(o, "d", &i), -EBADMSG, "optional int wrong type");
        is_int(json_get_bool_opt(o, "n", &b), 0, "optional bool null");
        is_int(json_get_bool_opt(o, "b", &b), 1, "optional bool present");
        is_err(json_get_bool_opt(o, "s", &b), -EBADMSG, "optional bool wrong type");
        is_int(json_get_object_opt(o, "missing", &sub), 0, "optional object absent");
        is_int(json_get_object_opt(o, "o", &sub), 1, "optional object present");
        is_err(json_get_object_opt(o, "a", &sub), -EBADMSG, "optional object wrong type");
        is_int(json_get_array_opt(o, "n", &sub), 0, "optional array null");
        is_int(json_get_array_opt(o, "a", &sub), 1, "optional array present");
        is_err(json_get_array_opt(o, "s", &sub), -EBADMSG, "optional array wrong type");
}

static void test_setters(void) {
        static const uint8_t raw[] = { 0xfb, 0xff };
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_json_ json_object *arr = json_object_new_array();
        _cleanup_free_ char *text = NULL, *back = NULL;
        _cleanup_json_ json_object *again = NULL;

        is_ok(json_add_string(o, "url", "https://ca.example/acme/new-order"), "add string");
        is_ok(json_add_int64(o, "i", -9007199254740993LL), "add int64");
        is_ok(json_add_bool(o, "b", false), "add bool");
        is_ok(json_add_object(o, "o", json_object_new_object()), "add object");
        is_ok(json_add_b64(o, "k", B64_URL, raw, sizeof(raw)), "add base64url");
        is_ok(json_add_b64(o, "s", B64_STD, raw, sizeof(raw)), "add base64");
        is_ok(json_add_string(o, "b", "replaced"), "add replaces an existing member");
        is_err(json_add_string(o, "x", NULL), -EINVAL, "add NULL string");
        /* Ownership passes even on failure: ASan would report a leak. */
        is_err(json_add_object(arr, "x", json_object_new_object()), -EINVAL, "add to non-object");
        is_err(json_add_int64(arr, "x", 1), -EINVAL, "add int to non-object");

        is_ok(json_to_string_dup(o, &text), "serialize");
        is_str(text,
               "{\"url\":\"https://ca.example/acme/new-order\",\"i\":-9007199254740993,"
               "\"b\":\"replaced\",\"o\":{},\"k\":\"-_8\",\"s\":\"+/8=\"}",
               "compact, slashes not escaped");
        is_ok(json_parse_object(text, strlen(text), strlen(text), &again), "output parses back");
        is_ok(json_to_string_dup(again, &back), "serialize again");
        is_str(back, text, "stable through a round trip");
}

int main(void) {
        test_parse_accepts();
        test_parse_refuses();
        test_getters();
        test_setters();
        return tap_done();
}
