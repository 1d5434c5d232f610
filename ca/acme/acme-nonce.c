/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stateless replay nonces: their encoding and check (acme-nonce.h), pure
 * functions of a key, a time and the nonce text.
 */
#include <openssl/crypto.h>

#include "acme-nonce.h"
#include "b64.h"
#include "crypto.h"

#define NONCE_RAW 32 /* issued 8 || random 8 || mac 16 */
#define MAC_LEN 16

static void put_u64(uint8_t *b, uint64_t v) {
        for (int i = 7; i >= 0; i--, v >>= 8)
                b[i] = (uint8_t) v;
}

static uint64_t get_u64(const uint8_t *b) {
        uint64_t v = 0;

        for (int i = 0; i < 8; i++)
                v = (v << 8) | b[i];
        return v;
}

int acme_nonce_encode(const uint8_t key[ACME_NONCE_KEY_LEN], uint64_t issued, uint64_t random,
                      char ret[ACME_NONCE_STRLEN + 1]) {
        _cleanup_free_ char *s = NULL;
        uint8_t raw[NONCE_RAW], mac[32];
        int r;

        put_u64(raw, issued);
        put_u64(raw + 8, random);
        r = crypto_hmac_sha256(key, ACME_NONCE_KEY_LEN, raw, 16, mac);
        if (r < 0)
                return r;
        memcpy(raw + 16, mac, MAC_LEN);
        r = b64_encode(B64_URL, raw, sizeof(raw), &s);
        if (r < 0)
                return r;
        if (strlen(s) != ACME_NONCE_STRLEN)
                return -EINVAL;
        memcpy(ret, s, ACME_NONCE_STRLEN + 1);
        return 0;
}

int acme_nonce_check(const uint8_t key[ACME_NONCE_KEY_LEN], const char *nonce, uint64_t now, uint64_t lifetime,
                     uint64_t *ret_expires) {
        _cleanup_free_ uint8_t *raw = NULL;
        _cleanup_free_ char *canonical = NULL;
        uint8_t mac[32];
        uint64_t issued;
        size_t len;
        int r;

        if (!nonce || strnlen(nonce, ACME_NONCE_STRLEN + 1) != ACME_NONCE_STRLEN)
                return -EBADMSG;
        r = b64_decode(B64_URL, nonce, ACME_NONCE_STRLEN, ACME_NONCE_STRLEN, &raw, &len);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || len != NONCE_RAW)
                return -EBADMSG;
        /* One spelling per nonce: the used-nonce table is keyed by the
         * text, so spare bits in the last character must be zero. */
        r = b64_encode(B64_URL, raw, len, &canonical);
        if (r < 0)
                return r;
        if (!streq(canonical, nonce))
                return -EBADMSG;
        r = crypto_hmac_sha256(key, ACME_NONCE_KEY_LEN, raw, 16, mac);
        if (r < 0)
                return r;
        if (CRYPTO_memcmp(mac, raw + 16, MAC_LEN) != 0)
                return -EBADMSG;
        issued = get_u64(raw);
        if (issued > now + ACME_NONCE_CLOCK_SKEW || now >= issued + lifetime)
                return -ESTALE;
        if (ret_expires)
                *ret_expires = issued + lifetime;
        return 0;
}
