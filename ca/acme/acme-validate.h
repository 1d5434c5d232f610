/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Challenge validation (acme-validate.c): one run of a challenge type's
 * validate() with everything it needs, used directly for synchronous types
 * (device-attest-01, in the challenge POST) and by the validator's worker
 * threads for the asynchronous ones (http-01, dns-01, tls-alpn-01; RFC
 * 8555 section 8.2: retried with a growing delay, resumed after a restart).
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "acme-context.h"
#include "ca/acme/challenges/challenge.h"

/* Runs ct's validate() for challenge ch of authorization a, with the key
 * authorization of account_key, the provisioner's settings and
 * attestation roots; payload is the client's (synchronous types) or NULL.
 * Returns 1 if the challenge is met, 0 if not (*problem set), -errno. */
int acme_challenge_run(const acme_server *srv, const ca_provisioner *prov, const challenge_type *ct,
                       const acme_authz_row *a, const acme_chall_row *ch, EVP_PKEY *account_key,
                       json_object *payload, acme_problem *problem);

/* Starts n_threads workers and queues the challenges left "processing"
 * by the last run. At most max_waiters challenge POSTs wait at once in
 * acme_validator_run() (each holds a request worker of the HTTP server
 * for up to its wait, and targets slow on purpose must not take them
 * all); 0: none waits. 0 or -errno. */
int acme_validator_start(acme_server *srv, unsigned n_threads, unsigned max_waiters, acme_validator **ret);
/* Queues a challenge for an attempt `delay` seconds from now. */
int acme_validator_enqueue(acme_validator *v, const char *chall_id, uint64_t delay);
/* Queues the first attempt on a challenge the client just responded to
 * and waits until a worker has finished it, at most wait_ms: 1 if it
 * did (the outcome, or the next attempt's time, is in the database), 0
 * if the wait ended first or the validator stops (the attempt goes on),
 * -errno if it could not be queued. wait_ms 0 only queues it, and so
 * does a call while max_waiters others wait already. */
int acme_validator_run(acme_validator *v, const char *chall_id, unsigned wait_ms);
/* True if the queue is full: new challenge responses are refused with
 * rateLimited (retries already queued are always kept). */
bool acme_validator_busy(acme_validator *v);
/* Stops the workers (an attempt under way is cancelled and resumed at the
 * next start) and frees the validator; NULL is fine. */
void acme_validator_stop(acme_validator *v);
