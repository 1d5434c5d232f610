/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ACME server's rules, as pure functions of the configuration, the
 * stored rows and the time: which identifiers a provisioner accepts and
 * which challenges it offers for each, how often and how far apart a
 * challenge is tried, and what state an order or authorization is in at a
 * given time. No I/O; fixed-vector unit tests.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme-db.h"
#include "acme-payload.h"
#include "ca/acme/challenges/challenge.h"
#include "ca/core/config.h"

#define ACME_MAX_CHALLENGES 8              /* offered for one identifier */
#define ACME_DEFAULT_ATTEMPTS 3
#define ACME_DEFAULT_RETRY_DELAY 2         /* seconds, doubled per attempt */
#define ACME_DEFAULT_CHALLENGE_WAIT 1000   /* ms a challenge POST waits for its validation */
#define ACME_MAX_CHALLENGE_WAIT 10000      /* ms */

/* True if the provisioner issues device identities (device-attest-01). */
bool acme_provisioner_is_device(const ca_provisioner *p);

/* A device provisioner offers device-attest-01 and nothing else (its
 * orders and finalize follow protocols.md section 2, not the usual rules),
 * and an acme provisioner's client_auth is "true" or "false" if set.
 * 0, or -EINVAL with the first provisioner that breaks this and what is
 * wrong (the other challenge it names, or "client_auth") in
 * *ret_provisioner and *ret_challenge. */
int acme_provisioners_check(const ca_config *cfg, const ca_provisioner **ret_provisioner,
                            const char **ret_challenge);

/* The extended key usages (CERT_EKU_*) of what the provisioner issues: a
 * device provisioner's device identities clientAuth; any other's
 * serverAuth, plus clientAuth when its key client_auth is "true" (the
 * certificates of http-01, dns-01 and tls-alpn-01 prove control of a name,
 * which makes a server, not an account). client_auth must be "true" or
 * "false" when present: acme_provisioners_check() refuses anything else. */
unsigned acme_provisioner_ekus(const ca_provisioner *p);

/* The identifier types newOrder accepts (ACME_ID_MASK() bits): a device
 * provisioner's are permanent identifiers only; any other provisioner's
 * are those its challenges can prove, never permanent identifiers. */
unsigned acme_provisioner_id_mask(const ca_provisioner *p);

/* The challenges the provisioner offers for one identifier of type
 * id_type (wildcard: a "*." name): those of its configured types, in
 * ca.conf's order, that can prove such an identifier, at most
 * ACME_MAX_CHALLENGES. Returns how many were put in ret; 0 means the
 * identifier cannot be proven (rejectedIdentifier). */
size_t acme_challenges_for(const ca_provisioner *p, acme_id_type id_type, bool wildcard,
                           const challenge_type *ret[static ACME_MAX_CHALLENGES]);

/* Validation of asynchronous challenges: the number of attempts before a
 * challenge is invalid (provisioner key challenge_attempts, 1..20) and
 * the wait before attempt n + 1 after n failed ones (n >= 1): the
 * provisioner's challenge_retry_delay (1..3600 s) doubled per failed
 * attempt after the first. Unset or out-of-range keys give the defaults. */
unsigned acme_provisioner_attempts(const ca_provisioner *p);
uint64_t acme_retry_delay(const ca_provisioner *p, unsigned failed_attempts);
/* How long a challenge POST waits for the first attempt of an
 * asynchronous validation before it answers "processing": the
 * provisioner's challenge_wait_ms (0..ACME_MAX_CHALLENGE_WAIT; 0 never
 * waits), ACME_DEFAULT_CHALLENGE_WAIT if unset or out of range. */
unsigned acme_provisioner_challenge_wait_ms(const ca_provisioner *p);

/* What a stored status means at time now: a pending or ready order past
 * its expiry is "invalid", a pending authorization past its expiry is
 * "expired"; any other status is as stored. */
const char *acme_order_effective_status(const acme_order_row *o, uint64_t now);
const char *acme_authz_effective_status(const acme_authz_row *a, uint64_t now);
