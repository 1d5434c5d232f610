/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A certificate chain as the agent holds it from the CA's answer to the
 * keyring: parsed once into the certificates (leaf first), their PEM text
 * and the leaf's validity, so that whoever gets it (the enrollment steps,
 * keyring_publish) reads fields instead of parsing again.
 */
#pragma once

#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>

#include "macro.h"

typedef struct cert_bundle {
        STACK_OF(X509) *chain; /* leaf first; at least one certificate */
        char *pem;             /* the chain as PEM, NUL-terminated */
        size_t pem_len;        /* without the NUL */
        time_t not_before;     /* of the leaf */
        time_t not_after;      /* of the leaf */
} cert_bundle;

/* Parses a PEM chain of 1..max_certs certificates (the text is kept as
 * given). -EBADMSG if there is none or one is malformed, -E2BIG if there
 * are more, -EINVAL if pem holds a NUL, -ENOMEM. *ret is written only on
 * success. */
int cert_bundle_from_pem(const char *pem, size_t len, size_t max_certs, cert_bundle *ret);

/* Takes over *chain (set to NULL on success) and encodes it as PEM once.
 * -EINVAL if it is empty, -ENOMEM. */
int cert_bundle_from_chain(STACK_OF(X509) **chain, cert_bundle *ret);

/* The leaf (borrowed); NULL for an empty bundle. */
X509 *cert_bundle_leaf(const cert_bundle *b);

/* Frees everything and zeroes *b; safe on a zeroed bundle. */
void cert_bundle_done(cert_bundle *b);
