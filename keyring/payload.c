/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure helpers of the keyring agent: entry names and descriptions, the
 * keyctl_describe() line, and the frame that holds one whole generation in
 * one key payload (layout in payload.h). Everything here works on buffers;
 * the decoder is fuzzed (tests/fuzz/fuzz-keyring-payload.c).
 */
#include <inttypes.h>

#include "payload.h"

static const char *const kind_names[_KEYRING_KEY_KIND_MAX] = {
        [KEYRING_KEY_NONE] = "none",
        [KEYRING_KEY_PKCS8] = "pkcs8",
        [KEYRING_KEY_TSS2] = "tss2",
};

const char *keyring_key_kind_to_string(keyring_key_kind k) {
        if (k < 0 || k >= _KEYRING_KEY_KIND_MAX)
                return NULL;
        return kind_names[k];
}

keyring_key_kind keyring_key_kind_from_string(const char *s) {
        if (!s)
                return KEYRING_KEY_INVALID;
        for (int i = 0; i < _KEYRING_KEY_KIND_MAX; i++)
                if (streq(s, kind_names[i]))
                        return (keyring_key_kind) i;
        return KEYRING_KEY_INVALID;
}

static bool name_syntax_ok(const char *name) {
        size_t n;

        if (!name || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
                return false;
        for (n = 1; name[n]; n++) {
                char c = name[n];

                if (n >= KEYRING_MAX_NAME)
                        return false;
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
                        return false;
        }
        return true;
}

int keyring_account_name_is_valid(const char *name) {
        return name_syntax_ok(name) && !streq(name, "device") && !streq(name, "roots");
}

int keyring_entry_name_is_valid(const char *name) {
        return name_syntax_ok(name);
}

int keyring_entry_description(const char *name, char buf[static KEYRING_MAX_DESC]) {
        if (!keyring_entry_name_is_valid(name))
                return -EINVAL;
        snprintf(buf, KEYRING_MAX_DESC, "%s%s", KEYRING_ENTRY_PREFIX, name);
        return 0;
}

int keyring_entry_name_from_description(const char *desc, const char **ret_name) {
        size_t p = strlen(KEYRING_ENTRY_PREFIX);

        if (!desc || strncmp(desc, KEYRING_ENTRY_PREFIX, p) != 0 || !keyring_entry_name_is_valid(desc + p))
                return 0;
        if (ret_name)
                *ret_name = desc + p;
        return 1;
}

static int parse_u32(const char *s, int base, uint32_t *ret) {
        char *end;
        unsigned long v;

        if (!*s || *s == '-' || *s == '+' || *s == ' ')
                return -EBADMSG;
        errno = 0;
        v = strtoul(s, &end, base);
        if (errno || *end || v > UINT32_MAX)
                return -EBADMSG;
        *ret = (uint32_t) v;
        return 0;
}

int keyring_describe_parse(char *s, const char **ret_type, uint32_t *ret_uid, uint32_t *ret_gid,
                           uint32_t *ret_perm, const char **ret_desc) {
        char *f[5];
        uint32_t uid, gid, perm;
        int r;

        /* The description itself may contain ';': split on the first four. */
        f[0] = s;
        for (int i = 1; i < 5; i++) {
                char *semi = strchr(f[i - 1], ';');

                if (!semi)
                        return -EBADMSG;
                *semi = '\0';
                f[i] = semi + 1;
        }
        if (!*f[0])
                return -EBADMSG;
        r = parse_u32(f[1], 10, &uid);
        if (r < 0)
                return r;
        r = parse_u32(f[2], 10, &gid);
        if (r < 0)
                return r;
        r = parse_u32(f[3], 16, &perm);
        if (r < 0)
                return r;
        *ret_type = f[0];
        *ret_uid = uid;
        *ret_gid = gid;
        *ret_perm = perm;
        *ret_desc = f[4];
        return 0;
}

static void put_be(uint8_t *p, uint64_t v, unsigned n) {
        for (unsigned i = 0; i < n; i++)
                p[i] = (uint8_t) (v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, unsigned n) {
        uint64_t v = 0;

        for (unsigned i = 0; i < n; i++)
                v = (v << 8) | p[i];
        return v;
}

int keyring_payload_encode(const keyring_entry *e, uint8_t **ret, size_t *ret_len) {
        size_t name_len, total;
        uint8_t *buf, *p;

        if (!e || !keyring_entry_name_is_valid(e->name) || !keyring_key_kind_to_string(e->key_kind))
                return -EINVAL;
        if (!e->chain_pem || e->chain_len == 0 || e->generation == 0)
                return -EINVAL;
        if ((e->key_kind == KEYRING_KEY_NONE) != (e->key_len == 0) || (e->key_len > 0 && !e->key_pem))
                return -EINVAL;
        if (e->chain_len > KEYRING_MAX_CHAIN || e->key_len > KEYRING_MAX_KEY)
                return -E2BIG;
        if (memchr(e->chain_pem, '\0', e->chain_len) || (e->key_len && memchr(e->key_pem, '\0', e->key_len)))
                return -EINVAL;

        name_len = strlen(e->name);
        total = KEYRING_PAYLOAD_HEADER + name_len + e->chain_len + e->key_len;
        buf = malloc(total);
        if (!buf)
                return -ENOMEM;

        memcpy(buf, KEYRING_PAYLOAD_MAGIC, 4);
        buf[4] = KEYRING_PAYLOAD_VERSION;
        buf[5] = (uint8_t) e->key_kind;
        buf[6] = (uint8_t) name_len;
        buf[7] = 0;
        put_be(buf + 8, e->generation, 8);
        put_be(buf + 16, (uint64_t) (int64_t) e->not_after, 8);
        put_be(buf + 24, (uint64_t) (int64_t) e->published, 8);
        put_be(buf + 32, e->chain_len, 4);
        put_be(buf + 36, e->key_len, 4);
        p = buf + KEYRING_PAYLOAD_HEADER;
        memcpy(p, e->name, name_len);
        p += name_len;
        memcpy(p, e->chain_pem, e->chain_len);
        p += e->chain_len;
        if (e->key_len)
                memcpy(p, e->key_pem, e->key_len);

        *ret = buf;
        *ret_len = total;
        return 0;
}

int keyring_payload_decode(const uint8_t *buf, size_t len, keyring_entry **ret) {
        _cleanup_(keyring_entry_freep) keyring_entry *e = NULL;
        size_t name_len, chain_len, key_len;
        const uint8_t *p;
        int64_t not_after, published;

        if (!buf || len < KEYRING_PAYLOAD_HEADER || len > KEYRING_MAX_PAYLOAD)
                return -EBADMSG;
        if (memcmp(buf, KEYRING_PAYLOAD_MAGIC, 4) != 0 || buf[4] != KEYRING_PAYLOAD_VERSION || buf[7] != 0)
                return -EBADMSG;
        if (buf[5] >= _KEYRING_KEY_KIND_MAX)
                return -EBADMSG;
        name_len = buf[6];
        chain_len = get_be(buf + 32, 4);
        key_len = get_be(buf + 36, 4);
        if (name_len == 0 || name_len > KEYRING_MAX_NAME || chain_len == 0 || chain_len > KEYRING_MAX_CHAIN ||
            key_len > KEYRING_MAX_KEY)
                return -EBADMSG;
        if (((buf[5] == KEYRING_KEY_NONE) != (key_len == 0)))
                return -EBADMSG;
        if (len != KEYRING_PAYLOAD_HEADER + name_len + chain_len + key_len)
                return -EBADMSG;
        not_after = (int64_t) get_be(buf + 16, 8);
        published = (int64_t) get_be(buf + 24, 8);
        if (not_after < 0 || published < 0 || get_be(buf + 8, 8) == 0)
                return -EBADMSG;

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        p = buf + KEYRING_PAYLOAD_HEADER;
        if (memchr(p, '\0', name_len))
                return -EBADMSG;
        memcpy(e->name, p, name_len);
        e->name[name_len] = '\0';
        if (!keyring_entry_name_is_valid(e->name))
                return -EBADMSG;
        p += name_len;

        if (memchr(p, '\0', chain_len))
                return -EBADMSG;
        e->chain_pem = malloc(chain_len + 1);
        if (!e->chain_pem)
                return -ENOMEM;
        memcpy(e->chain_pem, p, chain_len);
        e->chain_pem[chain_len] = '\0';
        e->chain_len = chain_len;
        p += chain_len;

        if (key_len > 0) {
                if (memchr(p, '\0', key_len))
                        return -EBADMSG;
                e->key_pem = malloc(key_len + 1);
                if (!e->key_pem)
                        return -ENOMEM;
                memcpy(e->key_pem, p, key_len);
                e->key_pem[key_len] = '\0';
                e->key_len = key_len;
        }
        e->key_kind = (keyring_key_kind) buf[5];
        e->generation = get_be(buf + 8, 8);
        e->not_after = (time_t) not_after;
        e->published = (time_t) published;

        *ret = TAKE_PTR(e);
        return 0;
}

void keyring_entry_free(keyring_entry *e) {
        if (!e)
                return;
        free(e->chain_pem);
        erase_and_free(e->key_pem, e->key_len);
        free(e);
}

int keyring_counter_parse(const char *s, size_t len, uint64_t *ret) {
        uint64_t v = 0;

        if (!s || len == 0 || len > 20 || (s[0] == '0' && len > 1))
                return -EBADMSG;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EBADMSG;
                if (v > (UINT64_MAX - (uint64_t) (s[i] - '0')) / 10)
                        return -EBADMSG;
                v = v * 10 + (uint64_t) (s[i] - '0');
        }
        *ret = v;
        return 0;
}
