/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Routes of the Attestation CA (attest-api.c): POST /attestation/attest
 * and POST /attestation/secret.
 */
#pragma once

#include "ca/core/config.h"
#include "ca/core/http.h"
#include "ca/core/issuer.h"
#include "ca/core/store.h"

#define ATTEST_PATH_PREFIX "/attestation"

/* Sets up the Attestation CA (attest_ca_new(), AK certificates living
 * [lifetimes] attestation) and registers POST ATTEST_PATH_PREFIX "/attest"
 * and "/secret" on srv; the Attestation CA is freed by a shutdown hook.
 * All pointers must outlive the server. 0 or -errno. */
int attest_routes_register(http_server *srv, store *st, issuer *iss, const ca_config *cfg);
