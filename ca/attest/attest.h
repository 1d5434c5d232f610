/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Attestation CA (protocols.md 1): AK certificates by credential
 * activation, served as POST /attestation/attest and POST
 * /attestation/secret.
 *
 * attest_ca is the logic without HTTP: attest_ca_challenge() checks an
 * /attest request against the inventory and the TPM's creation evidence
 * and returns a credential only that TPM can open; attest_ca_activate()
 * takes the secret back and issues the AK certificate from the
 * Attestation CA. A refusal is a decision, reported as an HTTP status and
 * a message for the client (struct attest_refusal); anything else that
 * fails is an internal error (-errno). Neither logs refusals: the HTTP
 * shell (attest-api.c) logs each outcome once.
 *
 * Not checked (yet): EK certificates are only matched against the EK
 * public key; their chains to the TPM manufacturers' roots are not
 * verified. The inventory is what makes an EK trusted here.
 */
#pragma once

#include <stdint.h>
#include <time.h>

#include "attest-req.h"
#include "ca/core/issuer.h"
#include "ca/core/refusal.h"
#include "ca/core/store.h"

/* status: 400, 403, 404, 409, 429, 503 */
typedef ca_refusal attest_refusal;

typedef struct attest_ca attest_ca;

/* Borrowed st and iss must outlive the result; lifetime is the AK
 * certificates' (ca.conf [lifetimes] attestation). 0, -EINVAL, -ENOMEM. */
int attest_ca_new(store *st, issuer *iss, uint64_t lifetime, attest_ca **ret);
void attest_ca_free(attest_ca *ca);
DEFINE_TRIVIAL_CLEANUP_FUNC(attest_ca *, attest_ca_free);

/* What /attest answers: the TPM2B_ID_OBJECT and TPM2B_ENCRYPTED_SECRET
 * bytes, with their 2-byte size prefixes. */
typedef struct attest_credential {
        uint8_t *credential;
        size_t credential_len;
        uint8_t *secret;
        size_t secret_len;
        char *ek_uri; /* the device it was made for, for logs */
} attest_credential;
void attest_credential_done(attest_credential *c);

/* /attest: derives the EK URI from req->ek; the device must be in the
 * inventory and active (else 403); every EK certificate must parse and
 * carry the EK's public key (else 400); tpm2_check_creation() must accept
 * the params and the AK must be RSA >= 2048 or ECC >= P-256 (else 400);
 * then MakeCredential of 32 fresh random bytes to the EK (its TCG default
 * scheme) for the AK's Name, remembered under request_id (a parsed
 * X-Request-Id) until now + ATTEST_PENDING_LIFETIME, with peer (the
 * client's address key, rate_limit_address_key(); NULL if unknown) for the bounds of attest-pending.h:
 * a new attempt always gets a slot. A request id that is still pending
 * gets 409.
 * Returns 0 and fills *ret (free with attest_credential_done); -EPERM
 * when refused, with ret_refusal->status set (it is 0 after any other
 * outcome); other -errno on internal errors (-EBUSY: database busy). */
int attest_ca_challenge(attest_ca *ca, const char *request_id, const char *peer, const attest_request *req,
                        time_t now, attest_credential *ret, attest_refusal *ret_refusal);

/* /secret: removes the pending activation of request_id first, so that
 * whatever follows, a second try is answered 404 (unknown, already used)
 * or 400 (expired). Then parses the body (400), compares the secret in
 * constant time (403), re-checks in one transaction that the device is
 * still registered and active (403) and issues the AK certificate:
 * empty subject, SANs URI = EK URI, PermanentIdentifier = EK URI and the
 * TPM directoryName (manufacturer, model, firmware version), CA=false,
 * keyUsage digitalSignature, EKU tcg-kp-AIKCertificate, linked to the
 * device so that disabling or removing it revokes the certificate.
 * Returns 0 and fills *ret (free with issued_cert_done) and *ret_ek_uri
 * (malloc'ed); -EPERM when refused, with ret_refusal->status set; other
 * -errno as above. */
int attest_ca_activate(attest_ca *ca, const char *request_id, const char *body, size_t body_len, time_t now,
                       issued_cert *ret, char **ret_ek_uri, attest_refusal *ret_refusal);
