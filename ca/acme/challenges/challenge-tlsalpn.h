/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls-alpn-01's pure part: the checks RFC 8737 section 3 puts on the
 * certificate a client presents (exported for the unit tests).
 */
#pragma once

#include <openssl/x509.h>

#include "ca/acme/acme-payload.h"
#include "ca/acme/acme-problem.h"

/* 0 if cert proves key_authorization for the identifier; -EPROTO with
 * *p set (incorrectResponse) if not; -errno on failure. */
int challenge_tlsalpn_check_cert(X509 *cert, acme_id_type id_type, const char *id_value,
                                 const char *key_authorization, acme_problem *p);
