/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target of the Attestation CA client's parsers
 * (enroll/client/attest-wire.c, failure.c): every input is tried as a
 * /attest response, a /secret response and an error body; a chain that
 * parses is then put through the AK and device certificate checks
 * (identity-check.c), so hostile certificates reach those too.
 */
#include "crypto.h"
#include "enroll/client/attest-wire.h"
#include "enroll/client/failure.h"
#include "enroll/client/identity-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define EK_URI "urn:ek:sha256:kUEFyBs0VW2RSo9uEz2cWmnMvn+7ZGU/Zu/XxXL6Ctg="

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static EVP_PKEY *ak;
        const char *body = (const char *) data;
        attest_challenge c = {};
        STACK_OF(X509) *chain = NULL;
        char *message = NULL;
        long status;

        if (!ak && crypto_key_generate(CRYPTO_KEY_EC_P256, &ak) < 0)
                abort();

        if (attest_client_parse_attest_response(body, size, &c) >= 0)
                attest_challenge_done(&c);
        if (attest_client_parse_secret_response(body, size, &chain) >= 0) {
                for (identity_cert kind = 0; kind < _IDENTITY_CERT_MAX; kind++) {
                        (void) identity_check_chain(kind, chain, ak, EK_URI, NULL, 0, NULL);
                        (void) identity_check_chain(kind, chain, X509_get0_pubkey(sk_X509_value(chain, 0)),
                                                    EK_URI, chain, 0, NULL);
                }
                x509_stack_free(chain);
        }
        if (client_failure_message(body, size, &message, &status) >= 0)
                free(message);
        return 0;
}
