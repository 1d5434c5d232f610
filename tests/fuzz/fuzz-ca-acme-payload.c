/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the ACME request payload parsers (ca/acme/acme-payload.c).
 * The first byte picks the parser: 'a' newAccount, 'u' account update,
 * 'o' newOrder, 'f' finalize, 'r' revokeCert, 'k' keyChange inner
 * payload, 'c' challenge response; the rest is the payload. Accepted
 * values must be consistent (canonical identifiers re-validate).
 */
#include <stdint.h>
#include <stdlib.h>

#include "ca/acme/acme-payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        acme_problem p = {};
        const uint8_t *pl;
        size_t n;

        if (size < 1)
                return 0;
        pl = data + 1;
        n = size - 1;
        switch (data[0]) {
        case 'a': {
                acme_new_account a = {};
                if (acme_parse_new_account(pl, n, &a, &p) == 0) {
                        _cleanup_free_ char *j = NULL;
                        if (acme_contacts_to_json(&a.contact, &j) < 0)
                                abort();
                        acme_new_account_done(&a);
                }
                break;
        }
        case 'u': {
                acme_account_update u = {};
                if (acme_parse_account_update(pl, n, &u, &p) == 0)
                        acme_account_update_done(&u);
                break;
        }
        case 'o': {
                acme_new_order o = {};
                if (acme_parse_new_order(pl, n, 0xff, &o, &p) == 0) {
                        for (size_t i = 0; i < o.n_ids; i++) {
                                _cleanup_free_ char *again = NULL;
                                acme_problem q = {};
                                /* Canonical forms are fixed points. */
                                if (acme_identifier_canonical(o.ids[i].type, o.ids[i].value, 0xff, &again, &q) < 0 ||
                                    !streq(again, o.ids[i].value))
                                        abort();
                        }
                        acme_new_order_done(&o);
                }
                break;
        }
        case 'f': {
                uint8_t *der = NULL;
                size_t len;
                if (acme_parse_finalize(pl, n, &der, &len, &p) == 0) {
                        if (len == 0 || len > ACME_MAX_CSR_DER)
                                abort();
                        free(der);
                }
                break;
        }
        case 'r': {
                acme_revoke rv = {};
                if (acme_parse_revoke(pl, n, &rv, &p) == 0) {
                        if (rv.reason < 0 || rv.reason > 10 || !rv.cert_der)
                                abort();
                        acme_revoke_done(&rv);
                }
                break;
        }
        case 'k': {
                acme_key_change kc = {};
                if (acme_parse_key_change_inner(pl, n, &kc, &p) == 0)
                        acme_key_change_done(&kc);
                break;
        }
        case 'c': {
                json_object *o = NULL;
                if (acme_parse_challenge_payload(pl, n, &o, &p) == 0)
                        json_object_put(o);
                break;
        }
        default:
                break;
        }
        return 0;
}
