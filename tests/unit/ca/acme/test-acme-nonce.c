/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for ca/acme/acme-nonce.c: nonces are single use, expire, are
 * forgotten when the ring wraps, and foreign or forged values are refused.
 * The clock is driven by the test.
 */
#include "ca/acme/acme-nonce.h"
#include "tests/unit/tap.h"

int main(void) {
        _cleanup_(acme_nonce_pool_freep) acme_nonce_pool *p = NULL;
        char a[ACME_NONCE_STRLEN + 1], b[ACME_NONCE_STRLEN + 1], forged[ACME_NONCE_STRLEN + 1];
        char ring[5][ACME_NONCE_STRLEN + 1];

        is_err(acme_nonce_pool_new(0, 10, &p), -EINVAL, "capacity 0 refused");
        is_ok(acme_nonce_pool_new(4, 10, &p), "pool created");

        is_ok(acme_nonce_issue(p, 100, a), "nonce issued");
        is_int(strlen(a), ACME_NONCE_STRLEN, "nonce length");
        is_ok(acme_nonce_issue(p, 100, b), "second nonce");
        ok(strcmp(a, b) != 0, "nonces differ");

        is_ok(acme_nonce_consume(p, a, 101), "first use accepted");
        is_err(acme_nonce_consume(p, a, 101), -ESTALE, "reuse refused");
        is_err(acme_nonce_consume(p, b, 111), -ESTALE, "expired nonce refused");

        is_err(acme_nonce_consume(p, "", 100), -EBADMSG, "empty refused");
        is_err(acme_nonce_consume(p, "AAAAAAAAAAAAAAAAAAAAAA", 100), -EBADMSG, "sequence 0 refused");
        is_err(acme_nonce_consume(p, "AAAAAAAAAAD_AAAAAAAAAA", 100), -EBADMSG, "never issued sequence refused");
        is_err(acme_nonce_consume(p, "not base64url!!!!!!!!!", 100), -EBADMSG, "garbage refused");
        is_err(acme_nonce_consume(p, "AAAAAAAAAAEAAAAAAAAAAAA", 100), -EBADMSG, "wrong length refused");

        /* Same sequence number, different random half: forged. */
        is_ok(acme_nonce_issue(p, 200, a), "fresh nonce");
        memcpy(forged, a, sizeof(forged));
        forged[ACME_NONCE_STRLEN - 3] = forged[ACME_NONCE_STRLEN - 3] == 'A' ? 'B' : 'A';
        is_err(acme_nonce_consume(p, forged, 200), -ESTALE, "forged random half refused");
        is_ok(acme_nonce_consume(p, a, 200), "genuine one still works");

        /* The ring holds 4: the first of five is forgotten. */
        for (int i = 0; i < 5; i++)
                is_ok(acme_nonce_issue(p, 300, ring[i]), "ring nonce");
        is_err(acme_nonce_consume(p, ring[0], 300), -ESTALE, "overwritten nonce refused");
        for (int i = 1; i < 5; i++)
                is_ok(acme_nonce_consume(p, ring[i], 300), "remembered nonce accepted");
        return tap_done();
}
