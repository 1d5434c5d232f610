/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The challenge type table and the helpers every type shares (tokens,
 * key authorizations). See challenge.h.
 */
#include "b64.h"
#include "challenge.h"
#include "crypto.h"
#include "jwk.h"

const challenge_type *challenge_type_find(const char *name) {
        static const challenge_type *const types[] = {
                &challenge_http01,
                &challenge_dns01,
                &challenge_tlsalpn01,
                &challenge_deviceattest01,
        };

        if (!name)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                if (streq(types[i]->name, name))
                        return types[i];
        return NULL;
}

bool challenge_type_applies(const challenge_type *t, acme_id_type id_type, bool wildcard) {
        if (!t || id_type < 0 || !(t->id_mask & ACME_ID_MASK(id_type)))
                return false;
        return !wildcard || t->wildcard_ok;
}

int challenge_token_new(char **ret) {
        return crypto_random_b64url(16, ret);
}

int challenge_key_authorization(const char *token, EVP_PKEY *account_key, char **ret) {
        _cleanup_free_ char *thumb = NULL;
        int r;

        r = jwk_thumbprint_b64(account_key, &thumb);
        if (r < 0)
                return r;
        if (asprintf(ret, "%s.%s", token, thumb) < 0)
                return -ENOMEM;
        return 0;
}
