/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for json_parse() and the typed getters: parse with a limit,
 * read a few members of every type, serialize, and parse the result again
 * (what we print must be something we accept).
 */
#include <stdint.h>
#include <stdlib.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_json_ json_object *o = NULL, *again = NULL;
        _cleanup_free_ char *text = NULL;
        static const char *const keys[] = { "a", "status", "url", "nonce", "" };

        if (json_parse((const char *) data, size, 64 * 1024, &o) < 0)
                return 0;
        if (json_object_is_type(o, json_type_object))
                for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                        _cleanup_free_ uint8_t *b = NULL;
                        json_object *sub;
                        const char *s;
                        int64_t n;
                        bool f;
                        size_t len;

                        (void) json_get_string_opt(o, keys[i], &s);
                        (void) json_get_int64_opt(o, keys[i], &n);
                        (void) json_get_bool_opt(o, keys[i], &f);
                        (void) json_get_object_opt(o, keys[i], &sub);
                        (void) json_get_array_opt(o, keys[i], &sub);
                        (void) json_get_b64(o, keys[i], B64_URL, 1024, &b, &len);
                }
        if (json_to_string_dup(o, &text) < 0)
                abort();
        if (json_parse(text, strlen(text), SIZE_MAX, &again) < 0)
                abort();
        return 0;
}
