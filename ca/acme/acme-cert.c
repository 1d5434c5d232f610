/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ACME certificates (RFC 8555 sections 7.4.2, 7.6): download with
 * POST-as-GET, and revokeCert by the account or by the certificate's key.
 */
#include "acme-handlers.h"
#include "acme-reply.h"
#include "crypto.h"
#include "log.h"
#include "x509.h"

http_response *acme_handle_cert(acme_ctx *c, const char *id) {
        _cleanup_free_ char *chain = NULL, *account = NULL;
        int r;

        r = acme_authenticate(c, ACME_AUTH_KID);
        if (r < 0)
                return acme_reply_error(c, r);
        if (!acme_is_post_as_get(c))
                return acme_reply_problemf(c, ACME_ERR_MALFORMED, "Certificates are downloaded with POST-as-GET.");
        r = acme_db_cert_get(c->srv->st, id, &chain, &account);
        if (r == -ENOENT)
                r = acme_problem_set_status(&c->problem, ACME_ERR_MALFORMED, 404, "No such certificate.");
        else if (r >= 0 && !streq(account, c->account.id))
                r = acme_problem_set(&c->problem, ACME_ERR_UNAUTHORIZED, "The certificate belongs to another account.");
        if (r < 0)
                return acme_reply_error(c, r);
        {
                http_response *resp = http_response_new(200);

                if (!resp || http_response_set_body(resp, chain, strlen(chain), "application/pem-certificate-chain") < 0) {
                        http_response_free(resp);
                        return NULL;
                }
                return acme_reply(c, resp);
        }
}

http_response *acme_handle_revoke(acme_ctx *c) {
        _cleanup_(acme_revoke_done) acme_revoke rv = {};
        _cleanup_x509_ X509 *cert = NULL;
        _cleanup_free_ char *serial = NULL;
        issued_info info = {};
        int r;

        r = acme_authenticate(c, ACME_AUTH_JWK | ACME_AUTH_KID);
        if (r >= 0)
                r = acme_parse_revoke(c->jws->payload, c->jws->payload_len, &rv, &c->problem);
        if (r < 0)
                return acme_reply_error(c, r);
        r = x509_cert_from_der(rv.cert_der, rv.cert_len, &cert);
        if (r == -ENOMEM)
                return acme_reply_error(c, r);
        if (r < 0)
                return acme_reply_problemf(c, ACME_ERR_MALFORMED, "\"certificate\" is not a DER certificate.");
        r = x509_cert_serial_hex(cert, &serial);
        if (r < 0)
                return acme_reply_error(c, r);
        r = certificates_lookup(c->srv->st, serial, &info);
        if (r == -ENOENT || (r >= 0 && (info.der_len != rv.cert_len || memcmp(info.der, rv.cert_der, rv.cert_len) != 0 ||
                                        !streq_ptr(info.ca, "agent")))) {
                issued_info_done(&info);
                return acme_reply_problemf(c, ACME_ERR_UNAUTHORIZED, "The certificate was not issued by this ACME server.");
        }
        if (r < 0)
                return acme_reply_error(c, r);

        if (c->has_account)
                r = streq_ptr(info.account, c->account.id) ? 0 : -EPERM;
        else
                r = crypto_pubkey_equal(X509_get0_pubkey(cert), c->key) == 1 ? 0 : -EPERM;
        if (r < 0) {
                issued_info_done(&info);
                return acme_reply_problemf(c, ACME_ERR_UNAUTHORIZED,
                               "Neither the account nor the key may revoke this certificate.");
        }
        if (info.revoked) {
                issued_info_done(&info);
                return acme_reply_problemf(c, ACME_ERR_ALREADY_REVOKED, "The certificate is already revoked.");
        }
        issued_info_done(&info);
        r = certificates_revoke_serial(c->srv->st, serial, rv.reason);
        if (r == -EALREADY)
                return acme_reply_problemf(c, ACME_ERR_ALREADY_REVOKED, "The certificate is already revoked.");
        if (r < 0)
                return acme_reply_error(c, r);
        log_info("ACME provisioner \"%s\": certificate %s revoked (reason %d).", c->prov->name, serial, rv.reason);
        return acme_reply(c, http_response_new(200));
}
