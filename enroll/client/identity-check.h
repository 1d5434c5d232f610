/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The checks an issued certificate for this TPM's identity must pass
 * before the agent accepts it: the AK certificate of the Attestation CA
 * (protocols.md 1) and the device certificate of the Agent CA
 * (protocols.md 2). Both bind a key of this TPM to its EK URI; they differ
 * in the SANs and extended key usage they must carry and in the purpose
 * the chain must verify for. Pure: certificates in, a verdict out.
 */
#pragma once

#include <time.h>
#include <openssl/x509.h>

/* EKU tcg-kp-AIKCertificate. */
#define OID_TCG_KP_AIK_CERTIFICATE "2.23.133.8.3"

typedef enum identity_cert {
        IDENTITY_CERT_AK,     /* URI and PermanentIdentifier SANs, EKU tcg-kp-AIKCertificate */
        IDENTITY_CERT_DEVICE, /* PermanentIdentifier SAN, verifies for clientAuth */
        _IDENTITY_CERT_MAX,
} identity_cert;

/* Checks an issued chain (leaf first) of the given kind: the leaf's
 * public key equals key; its extensions parse; it is not a CA; it has a
 * PermanentIdentifier SAN equal to ek_uri, and an AK certificate also a
 * URI SAN equal to it and an extendedKeyUsage naming 2.23.133.8.3; and,
 * when roots is not NULL, the chain verifies up to one of roots at time
 * `at` (0 = now) with the rest of the chain as intermediates, a device
 * certificate for clientAuth. Returns 0, or -EBADE (key or identity
 * mismatch), -EPERM (profile: malformed extensions, CA certificate, EKU
 * missing), -EKEYREJECTED (the chain does not verify), -EINVAL, -ENOMEM;
 * *ret_why (may be NULL) then names the failed check (static string). */
int identity_check_chain(identity_cert kind, STACK_OF(X509) *chain, EVP_PKEY *key, const char *ek_uri,
                         STACK_OF(X509) *roots, time_t at, const char **ret_why);
