/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the keyring agent's pure core (keyring/payload.c): entry
 * names, descriptions, keyctl_describe() lines, the generation frame
 * against a fixed byte vector, its rejections, and the counter format.
 */
#include "keyring/payload.h"
#include "tests/unit/tap.h"

/* A frame for entry "vpn", generation 7, kind pkcs8, not_after
 * 0x0102030405, published 0x0a0b0c0d, chain "CHAIN", key "KEY". */
static const uint8_t frame_vpn[] = {
        'D', 'I', 'D', 'K', 0x01, 0x01, 0x03, 0x00,             /* magic, version, kind, name len, reserved */
        0, 0, 0, 0, 0, 0, 0, 7,                                 /* generation */
        0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05,                  /* not_after */
        0, 0, 0, 0, 0x0a, 0x0b, 0x0c, 0x0d,                     /* published */
        0, 0, 0, 5, 0, 0, 0, 3,                                 /* chain len, key len */
        'v', 'p', 'n', 'C', 'H', 'A', 'I', 'N', 'K', 'E', 'Y',
};

static void test_names(void) {
        char longname[KEYRING_MAX_NAME + 2];

        ok(keyring_account_name_is_valid("vpn"), "account name vpn");
        ok(keyring_account_name_is_valid("0wifi_corp-2"), "digits, _ and - allowed");
        ok(!keyring_account_name_is_valid("device"), "device is reserved for accounts");
        ok(!keyring_account_name_is_valid("roots"), "roots is reserved for accounts");
        ok(keyring_entry_name_is_valid("device"), "device is an entry name");
        ok(keyring_entry_name_is_valid("roots"), "roots is an entry name");
        ok(!keyring_entry_name_is_valid(""), "empty refused");
        ok(!keyring_entry_name_is_valid(NULL), "NULL refused");
        ok(!keyring_entry_name_is_valid("-vpn"), "leading - refused");
        ok(!keyring_entry_name_is_valid("_vpn"), "leading _ refused");
        ok(!keyring_entry_name_is_valid("Vpn"), "upper case refused");
        ok(!keyring_entry_name_is_valid("v:pn"), "colon refused");
        ok(!keyring_entry_name_is_valid("v pn"), "space refused");
        ok(!keyring_entry_name_is_valid("vpn/.."), "slash refused");
        memset(longname, 'a', KEYRING_MAX_NAME);
        longname[KEYRING_MAX_NAME] = '\0';
        ok(keyring_entry_name_is_valid(longname), "64 characters allowed");
        longname[KEYRING_MAX_NAME] = 'a';
        longname[KEYRING_MAX_NAME + 1] = '\0';
        ok(!keyring_entry_name_is_valid(longname), "65 characters refused");
}

static void test_kinds(void) {
        is_str(keyring_key_kind_to_string(KEYRING_KEY_NONE), "none", "kind none");
        is_str(keyring_key_kind_to_string(KEYRING_KEY_PKCS8), "pkcs8", "kind pkcs8");
        is_str(keyring_key_kind_to_string(KEYRING_KEY_TSS2), "tss2", "kind tss2");
        ok(!keyring_key_kind_to_string(_KEYRING_KEY_KIND_MAX), "out of range kind has no name");
        ok(!keyring_key_kind_to_string(KEYRING_KEY_INVALID), "invalid kind has no name");
        is_int(keyring_key_kind_from_string("tss2"), KEYRING_KEY_TSS2, "tss2 parses");
        is_int(keyring_key_kind_from_string("PKCS8"), KEYRING_KEY_INVALID, "names are case-sensitive");
        is_int(keyring_key_kind_from_string(NULL), KEYRING_KEY_INVALID, "NULL kind");
}

static void test_descriptions(void) {
        char desc[KEYRING_MAX_DESC];
        const char *name = NULL;
        char line[] = "user;0;0;3b010000;deviceid:entry:vpn";
        char semis[] = "keyring;1000;100;3f010000;odd;description";
        char bad_perm[] = "user;0;0;xyz;d";
        char bad_uid[] = "user;-1;0;1;d";
        char short_line[] = "user;0;0;3f";
        const char *type, *d;
        uint32_t uid, gid, perm;

        is_ok(keyring_entry_description("vpn", desc), "description of vpn");
        is_str(desc, "deviceid:entry:vpn", "entry description");
        is_err(keyring_entry_description("no way", desc), -EINVAL, "bad name has no description");
        is_int(keyring_entry_name_from_description("deviceid:entry:vpn", &name), 1, "entry description recognized");
        is_str(name, "vpn", "name from description");
        is_int(keyring_entry_name_from_description("deviceid:generation", NULL), 0, "counter is not an entry");
        is_int(keyring_entry_name_from_description("deviceid:entry:", NULL), 0, "empty name is not an entry");
        is_int(keyring_entry_name_from_description("deviceid:entry:A", NULL), 0, "bad name is not an entry");

        is_ok(keyring_describe_parse(line, &type, &uid, &gid, &perm, &d), "describe line parses");
        is_str(type, "user", "type");
        is_int(uid, 0, "uid");
        is_int(perm, KEYRING_PERM_ENTRY, "perm is hex");
        is_str(d, "deviceid:entry:vpn", "description");
        is_ok(keyring_describe_parse(semis, &type, &uid, &gid, &perm, &d), "description with ';' parses");
        is_int(uid, 1000, "uid 1000");
        is_int(gid, 100, "gid 100");
        is_str(d, "odd;description", "description keeps its ';'");
        is_err(keyring_describe_parse(bad_perm, &type, &uid, &gid, &perm, &d), -EBADMSG, "bad perm");
        is_err(keyring_describe_parse(bad_uid, &type, &uid, &gid, &perm, &d), -EBADMSG, "negative uid");
        is_err(keyring_describe_parse(short_line, &type, &uid, &gid, &perm, &d), -EBADMSG, "too few fields");
}

static void test_encode_vector(void) {
        keyring_entry e = {
                .name = "vpn",
                .generation = 7,
                .chain_pem = (char *) "CHAIN",
                .chain_len = 5,
                .key_pem = (char *) "KEY",
                .key_len = 3,
                .key_kind = KEYRING_KEY_PKCS8,
                .not_after = 0x0102030405,
                .published = 0x0a0b0c0d,
        };
        _cleanup_(keyring_entry_freep) keyring_entry *d = NULL;
        uint8_t *buf = NULL;
        size_t len = 0;

        is_ok(keyring_payload_encode(&e, &buf, &len), "encode");
        is_mem(buf, len, frame_vpn, sizeof(frame_vpn), "encoding matches the fixed vector");
        erase_and_free(buf, len);

        is_ok(keyring_payload_decode(frame_vpn, sizeof(frame_vpn), &d), "decode fixed vector");
        if (!d)
                return;
        is_str(d->name, "vpn", "decoded name");
        is_int(d->generation, 7, "decoded generation");
        is_int(d->key_kind, KEYRING_KEY_PKCS8, "decoded kind");
        is_int(d->not_after, 0x0102030405, "decoded not_after");
        is_int(d->published, 0x0a0b0c0d, "decoded published");
        is_str(d->chain_pem, "CHAIN", "decoded chain, NUL-terminated");
        is_int(d->chain_len, 5, "decoded chain length");
        is_str(d->key_pem, "KEY", "decoded key, NUL-terminated");
        is_int(d->key_len, 3, "decoded key length");
}

static void test_encode_rejects(void) {
        static char big[KEYRING_MAX_CHAIN + 2];
        keyring_entry base = {
                .name = "roots",
                .generation = 1,
                .chain_pem = (char *) "C",
                .chain_len = 1,
                .key_kind = KEYRING_KEY_NONE,
        }, e;
        uint8_t *buf = NULL;
        size_t len = 0;

        e = base;
        is_ok(keyring_payload_encode(&e, &buf, &len), "no-key entry encodes");
        is_int(len, KEYRING_PAYLOAD_HEADER + 5 + 1, "header + name + chain");
        erase_and_free(buf, len);
        buf = NULL;

        e = base;
        e.key_len = 1;
        e.key_pem = (char *) "K";
        is_err(keyring_payload_encode(&e, &buf, &len), -EINVAL, "kind none with a key");
        e = base;
        e.key_kind = KEYRING_KEY_PKCS8;
        is_err(keyring_payload_encode(&e, &buf, &len), -EINVAL, "kind pkcs8 without a key");
        e = base;
        e.generation = 0;
        is_err(keyring_payload_encode(&e, &buf, &len), -EINVAL, "generation 0");
        e = base;
        e.chain_len = 0;
        is_err(keyring_payload_encode(&e, &buf, &len), -EINVAL, "empty chain");
        e = base;
        snprintf(e.name, sizeof(e.name), "Bad");
        is_err(keyring_payload_encode(&e, &buf, &len), -EINVAL, "bad name");
        e = base;
        e.key_kind = (keyring_key_kind) 9;
        is_err(keyring_payload_encode(&e, &buf, &len), -EINVAL, "bad kind");
        e = base;
        e.chain_pem = (char *) "A\0B";
        e.chain_len = 3;
        is_err(keyring_payload_encode(&e, &buf, &len), -EINVAL, "NUL in chain");
        e = base;
        memset(big, 'x', sizeof(big));
        e.chain_pem = big;
        e.chain_len = KEYRING_MAX_CHAIN + 1;
        is_err(keyring_payload_encode(&e, &buf, &len), -E2BIG, "chain over the limit");
        e.chain_len = KEYRING_MAX_CHAIN;
        e.key_kind = KEYRING_KEY_TSS2;
        e.key_pem = big;
        e.key_len = KEYRING_MAX_KEY;
        snprintf(e.name, sizeof(e.name), "%s", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        is_ok(keyring_payload_encode(&e, &buf, &len), "largest entry encodes");
        ok(len <= KEYRING_MAX_PAYLOAD, "largest entry fits one user key");
        erase_and_free(buf, len);
        ok(buf != NULL, "buffer was returned");
}

static void test_decode_rejects(void) {
        uint8_t f[sizeof(frame_vpn) + 1];
        keyring_entry *d = NULL;

#define MUTATE(off, val, what)                                                              \
        do {                                                                                \
                memcpy(f, frame_vpn, sizeof(frame_vpn));                                    \
                f[(off)] = (val);                                                           \
                is_err(keyring_payload_decode(f, sizeof(frame_vpn), &d), -EBADMSG, (what)); \
        } while (0)

        MUTATE(0, 'X', "bad magic");
        MUTATE(4, 2, "unknown version");
        MUTATE(5, 3, "unknown kind");
        MUTATE(5, 0, "kind none but a key");
        MUTATE(6, 0, "empty name");
        MUTATE(6, 65, "name too long");
        MUTATE(7, 1, "reserved byte set");
        MUTATE(15, 0, "generation 0");
        MUTATE(16, 0x80, "negative not_after");
        MUTATE(24, 0x80, "negative published");
        MUTATE(35, 4, "chain length disagrees with size");
        MUTATE(35, 0, "empty chain");
        MUTATE(39, 0, "key missing for kind pkcs8");
        MUTATE(40, 'V', "upper-case name");
        MUTATE(41, 0, "NUL in name");
        MUTATE(44, 0, "NUL in chain");
        MUTATE(49, 0, "NUL in key");
        MUTATE(32, 0x7f, "huge chain length");
#undef MUTATE
        is_err(keyring_payload_decode(frame_vpn, sizeof(frame_vpn) - 1, &d), -EBADMSG, "truncated frame");
        memcpy(f, frame_vpn, sizeof(frame_vpn));
        f[sizeof(frame_vpn)] = 'x';
        is_err(keyring_payload_decode(f, sizeof(f), &d), -EBADMSG, "trailing byte");
        is_err(keyring_payload_decode(frame_vpn, 10, &d), -EBADMSG, "shorter than a header");
        is_err(keyring_payload_decode(NULL, 0, &d), -EBADMSG, "NULL");
        ok(d == NULL, "nothing returned on failure");
}

static void test_counter(void) {
        uint64_t v = 0;

        is_ok(keyring_counter_parse("42", 2, &v), "counter 42");
        is_int(v, 42, "counter value");
        is_ok(keyring_counter_parse("18446744073709551615", 20, &v), "counter max");
        ok(v == UINT64_MAX, "counter max value");
        is_err(keyring_counter_parse("18446744073709551616", 20, &v), -EBADMSG, "counter overflow");
        is_err(keyring_counter_parse("042", 3, &v), -EBADMSG, "leading zero");
        is_err(keyring_counter_parse("4 2", 3, &v), -EBADMSG, "space");
        is_err(keyring_counter_parse("", 0, &v), -EBADMSG, "empty");
        is_err(keyring_counter_parse("-1", 2, &v), -EBADMSG, "negative");
}

int main(void) {
        test_names();
        test_kinds();
        test_descriptions();
        test_encode_vector();
        test_encode_rejects();
        test_decode_rejects();
        test_counter();
        return tap_done();
}
