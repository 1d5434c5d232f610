/* SPDX-License-Identifier: Apache-2.0 */
/*
 * finalize's CSR policy for device provisioners (protocols.md section 2):
 * the certificate is for the key the TPM attested, and nothing the CSR
 * asks for beyond that key (and an optional CN equal to the identifier)
 * makes it into the certificate.
 */
#include "acme-device.h"
#include "ca/inventory/devices.h"
#include "crypto.h"
#include "x509.h"

int acme_device_csr_check(acme_ctx *c, const acme_order_row *o, X509_REQ *csr, const acme_identifier *ids,
                          size_t n_ids, int64_t *ret_device_id, char **ret_cn) {
        _cleanup_(device_done) device d = {};
        _cleanup_pkey_ EVP_PKEY *attested = NULL;
        _cleanup_free_ uint8_t *spki = NULL;
        _cleanup_free_ char *cn = NULL;
        EVP_PKEY *pub = X509_REQ_get0_pubkey(csr);
        int64_t device_id = 0;
        size_t spki_len = 0;
        int r;

        if (n_ids != 1 || ids[0].type != ACME_ID_PERMANENT)
                return acme_problem_set(&c->problem, ACME_ERR_BAD_CSR,
                                        "A device order has exactly one permanent-identifier.");
        r = acme_db_attested_key_get(c->srv->st, o->id, &device_id, &spki, &spki_len);
        if (r == -ENOENT)
                return acme_problem_set(&c->problem, ACME_ERR_UNAUTHORIZED, "No key was attested for this order.");
        if (r < 0)
                return r;
        r = crypto_pubkey_from_der(spki, spki_len, &attested);
        if (r < 0)
                return r == -ENOMEM ? r : -EIO;
        if (!pub || crypto_pubkey_equal(pub, attested) != 1)
                return acme_problem_set(&c->problem, ACME_ERR_UNAUTHORIZED,
                                        "The CSR key is not the key attested by the TPM.");

        r = x509_csr_get_cn(csr, &cn);
        if (r == -ENOMEM)
                return r;
        if (r == -EBADMSG)
                return acme_problem_set(&c->problem, ACME_ERR_BAD_CSR, "The CSR subject does not parse.");
        if (r >= 0 && cn[0] != '\0' && !streq(cn, ids[0].value))
                return acme_problem_set(&c->problem, ACME_ERR_BAD_CSR,
                                        "The CSR common name \"%.253s\" is not the order's identifier.", cn);
        if (cn && cn[0] == '\0') {
                free(cn);
                cn = NULL;
        }

        /* The inventory may have changed since the challenge. */
        r = devices_get(c->srv->st, device_id, &d);
        if (r == -ENOENT || (r >= 0 && (d.status != DEVICE_ACTIVE || !streq(d.ek_uri, ids[0].value))))
                return acme_problem_set(&c->problem, ACME_ERR_UNAUTHORIZED,
                                        "The device is no longer active in the inventory.");
        if (r < 0)
                return r;
        *ret_device_id = device_id;
        *ret_cn = TAKE_PTR(cn);
        return 0;
}

int acme_device_hold_active(acme_ctx *c, int64_t device_id) {
        _cleanup_(device_done) device d = {};
        int r;

        r = devices_lock(c->srv->st, device_id, false);
        if (r < 0)
                return r;
        r = devices_get(c->srv->st, device_id, &d);
        if (r == -ENOENT || (r >= 0 && d.status != DEVICE_ACTIVE))
                return acme_problem_set(&c->problem, ACME_ERR_UNAUTHORIZED,
                                        "The device is no longer active in the inventory.");
        return r < 0 ? r : 0;
}
