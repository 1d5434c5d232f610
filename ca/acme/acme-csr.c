/* SPDX-License-Identifier: Apache-2.0 */
/*
 * finalize's CSR policy (RFC 8555 section 7.4): the CSR must ask for
 * exactly the order's identifiers, no more and no fewer; a CN, if any,
 * must be one of them; the key must be one we issue for and not the
 * account key (section 11.1).
 */
#include <ctype.h>

#include "acme-csr.h"
#include "crypto.h"
#include "x509.h"

int acme_identifiers_from_json(const char *text, acme_identifier **ret, size_t *ret_n) {
        _cleanup_json_ json_object *arr = NULL;
        acme_identifier *ids;
        size_t n;

        if (json_parse(text, strlen(text), 256 * 1024, &arr) < 0 || !json_object_is_type(arr, json_type_array))
                return -EIO;
        n = json_object_array_length(arr);
        ids = calloc(n ? n : 1, sizeof(*ids));
        if (!ids)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(arr, i);
                const char *type, *value;

                if (json_get_string(e, "type", &type) < 0 || json_get_string(e, "value", &value) < 0 ||
                    acme_id_type_from_string(type) < 0) {
                        acme_identifiers_free(ids, i);
                        return -EIO;
                }
                ids[i].type = acme_id_type_from_string(type);
                ids[i].value = strdup(value);
                if (!ids[i].value) {
                        acme_identifiers_free(ids, i);
                        return -ENOMEM;
                }
        }
        *ret = ids;
        *ret_n = n;
        return 0;
}

static bool name_in(const acme_identifier *ids, size_t n, acme_id_type t, const char *v) {
        for (size_t i = 0; i < n; i++)
                if (ids[i].type == t && strcasecmp(ids[i].value, v) == 0)
                        return true;
        return false;
}

int acme_csr_check(X509_REQ *csr, const acme_identifier *ids, size_t n_ids, EVP_PKEY *account_key,
                   char **ret_cn, acme_problem *p) {
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        _cleanup_free_ char *cn = NULL;
        _cleanup_free_ bool *seen = NULL;
        EVP_PKEY *pub = X509_REQ_get0_pubkey(csr);
        int r;

        if (!pub || crypto_key_type_of(pub) < 0)
                return acme_problem_set(p, ACME_ERR_BAD_CSR,
                                        "The CSR key must be EC P-256/P-384 or RSA 2048/3072/4096.");
        if (account_key && crypto_pubkey_equal(pub, account_key) == 1)
                return acme_problem_set(p, ACME_ERR_BAD_CSR, "The CSR key must not be the account key.");

        r = x509_csr_get_sans(csr, &sans);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return acme_problem_set(p, ACME_ERR_BAD_CSR, "The CSR's subjectAltName does not parse.");
        seen = calloc(n_ids ? n_ids : 1, sizeof(bool));
        if (!seen)
                return -ENOMEM;

        for (size_t i = 0; i < sans->n; i++) {
                const x509_san *s = &sans->items[i];
                acme_id_type t;
                bool found = false;

                if (s->type == X509_SAN_DNS)
                        t = ACME_ID_DNS;
                else if (s->type == X509_SAN_IP)
                        t = ACME_ID_IP;
                else
                        return acme_problem_set(p, ACME_ERR_BAD_CSR,
                                                "The CSR asks for a subjectAltName type the order cannot have.");
                for (size_t k = 0; k < n_ids; k++)
                        if (ids[k].type == t && strcasecmp(ids[k].value, s->value) == 0)
                                seen[k] = found = true;
                if (!found)
                        return acme_problem_set(p, ACME_ERR_BAD_CSR, "The CSR names \"%.253s\", which is not in the order.",
                                                s->value);
        }

        r = x509_csr_get_cn(csr, &cn);
        if (r == -ENOMEM)
                return r;
        if (r >= 0) {
                if (!name_in(ids, n_ids, ACME_ID_DNS, cn) && !name_in(ids, n_ids, ACME_ID_IP, cn))
                        return acme_problem_set(p, ACME_ERR_BAD_CSR,
                                                "The CSR common name \"%.253s\" is not in the order.", cn);
                for (size_t k = 0; k < n_ids; k++)
                        if (strcasecmp(ids[k].value, cn) == 0)
                                seen[k] = true;
        }
        for (size_t k = 0; k < n_ids; k++)
                if (!seen[k])
                        return acme_problem_set(p, ACME_ERR_BAD_CSR, "The CSR does not ask for \"%.253s\" of the order.",
                                                ids[k].value);

        if (cn) {
                for (char *c = cn; *c; c++)
                        *c = (char) tolower((unsigned char) *c);
        } else if (n_ids > 0 && ids[0].type == ACME_ID_DNS) {
                cn = strdup(ids[0].value);
                if (!cn)
                        return -ENOMEM;
        }
        *ret_cn = TAKE_PTR(cn);
        return 0;
}
