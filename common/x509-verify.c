/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Chain verification (x509.h): a leaf up to given trust anchors at a given
 * time, with the TLS client purpose checked strictly when asked.
 */
#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "log.h"
#include "x509-internal.h"

int x509_chain_verify_stack(STACK_OF(X509) *chain, STACK_OF(X509) *roots, time_t at, bool purpose_clientauth) {
        STACK_OF(X509) *untrusted;
        int r;

        if (!chain || sk_X509_num(chain) < 1)
                return -EINVAL;
        /* A shallow copy: the certificates stay the caller's. */
        untrusted = sk_X509_dup(chain);
        if (!untrusted)
                return -ENOMEM;
        (void) sk_X509_shift(untrusted);
        r = x509_chain_verify(sk_X509_value(chain, 0), untrusted, roots, at, purpose_clientauth);
        sk_X509_free(untrusted);
        return r;
}

int x509_chain_verify(X509 *leaf, STACK_OF(X509) *untrusted, STACK_OF(X509) *roots, time_t at,
                      bool purpose_clientauth) {
        _cleanup_(X509_STORE_freep) X509_STORE *store = NULL;
        _cleanup_(X509_STORE_CTX_freep) X509_STORE_CTX *ctx = NULL;
        int err;

        if (!leaf || !roots)
                return -EINVAL;
        if (sk_X509_num(roots) <= 0)
                return log_debug_errno(EBADMSG, "No trust anchors to verify against.");

        store = X509_STORE_new();
        ctx = X509_STORE_CTX_new();
        if (!store || !ctx)
                return -ENOMEM;
        for (int i = 0; i < sk_X509_num(roots); i++)
                if (X509_STORE_add_cert(store, sk_X509_value(roots, i)) != 1)
                        return log_debug_errno(ENOMEM, "Adding a trust anchor failed: %s",
                                               crypto_last_error());
        if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1)
                return log_debug_errno(ENOMEM, "Verification setup failed: %s", crypto_last_error());
        if (at != 0)
                X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), at);
        if (purpose_clientauth) {
                /* OpenSSL's purpose check accepts a leaf with no EKU at all;
                 * we want clientAuth named explicitly. */
                if (!(X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) ||
                    !(X509_get_extended_key_usage(leaf) & XKU_SSL_CLIENT))
                        return log_debug_errno(EBADMSG, "Certificate has no clientAuth extended key usage.");
                /* Likewise keyUsage: our clients sign in the handshake, so
                 * digitalSignature must be named (keyAgreement alone, which
                 * OpenSSL would take, does not do). */
                if (!(X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) ||
                    !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE))
                        return log_debug_errno(EBADMSG, "Certificate has no digitalSignature key usage.");
                if (X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT) != 1)
                        return log_debug_errno(ENOMEM, "Setting the purpose failed: %s", crypto_last_error());
        }

        if (X509_verify_cert(ctx) == 1) {
                ERR_clear_error();
                return 0;
        }
        err = X509_STORE_CTX_get_error(ctx);
        return log_debug_errno(EBADMSG, "Certificate chain does not verify at depth %d: %s",
                               X509_STORE_CTX_get_error_depth(ctx), X509_verify_cert_error_string(err));
}
