/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Challenge validation (acme-validate.h). acme_challenge_run() is one
 * validation; the validator runs it for asynchronous types (RFC 8555
 * section 8.2): worker threads take challenge ids from a time-ordered
 * queue, run the type's validate(), and record the outcome. A failed
 * attempt is written to the challenge's "error" and retried after a
 * growing delay (the client sees it, and a Retry-After, while the
 * challenge is "processing"); after the provisioner's number of attempts
 * the challenge, its authorization and the order become invalid.
 *
 * Several CA instances share the work through the database: before an
 * attempt a worker claims the challenge (acme_db_chall_claim), so exactly
 * one instance makes each attempt, and drops the job if another has it.
 * Every SWEEP_INTERVAL one worker asks the database for due challenges
 * nobody holds (those of a stopped or killed instance, whose claim lapses
 * after CLAIM_LEASE, and those left "processing" by a restart) and queues
 * them here.
 *
 * A client's response need not wait for a worker's turn to be answered:
 * acme_validator_run() queues the first attempt and waits, a bounded
 * time, for a worker to finish it, so that a quick validation is answered
 * "valid" (or "invalid") on the challenge POST itself. The attempt stays
 * the worker's, with its own timeouts: the request's thread only waits.
 */
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "acme-policy.h"
#include "acme-validate.h"
#include "jwk.h"
#include "log.h"

#define CLAIM_LEASE 120   /* seconds an attempt may take before another instance retries it */
#define SWEEP_INTERVAL 5  /* seconds between looks for unclaimed due challenges */
#define SWEEP_MAX 64      /* challenges taken per look */

/* A request waiting for the end of an attempt on chall_id. */
typedef struct waiter {
        struct waiter *next;
        const char *chall_id;
        bool done;
} waiter;

typedef struct job {
        struct job *next;
        char *chall_id;
        uint64_t due; /* seconds */
} job;

struct acme_validator {
        acme_server *srv;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        pthread_cond_t done_cond; /* CLOCK_MONOTONIC; an attempt ended, or stop */
        waiter *waiters;
        unsigned n_waiters;
        job *queue; /* sorted by due */
        size_t queued;
        bool stop;
        uint64_t next_sweep; /* under lock */
        pthread_t *threads;
        unsigned n_threads;
        unsigned max_waiters;
};

int acme_challenge_run(const acme_server *srv, const ca_provisioner *prov, const challenge_type *ct,
                       const acme_authz_row *a, const acme_chall_row *ch, EVP_PKEY *account_key,
                       json_object *payload, acme_problem *problem) {
        const ca_anchors *roots = ca_trust_provisioner(srv->trust, prov->name);
        const posture_policy *posture = ct->sync ? posture_policy_find(srv->postures, prov->name) : NULL;
        _cleanup_free_ char *keyauth = NULL;
        int r;

        r = challenge_key_authorization(ch->token, account_key, &keyauth);
        if (r < 0)
                return r;
        return ct->validate(&(challenge_ctx) {
                                    .type = ct->name,
                                    .id_type = acme_id_type_from_string(a->id_type),
                                    .id_value = a->id_value,
                                    .wildcard = a->wildcard,
                                    .token = ch->token,
                                    .key_authorization = keyauth,
                                    .account_key = account_key,
                                    .provisioner = prov,
                                    .account_id = a->account_id,
                                    .order_id = a->order_id,
                                    .authz_id = a->id,
                                    .st = srv->st,
                                    .attestation_roots = roots ? roots->anchors : NULL,
                                    .posture = posture,
                                    .ak_trust = posture ? ca_trust_issued_by(srv->trust, CA_ATTESTATION) : NULL,
                                    .cancel = &srv->stopping,
                            },
                            payload, problem);
}

static bool queued_locked(acme_validator *v, const char *chall_id) {
        for (job *j = v->queue; j; j = j->next)
                if (streq(j->chall_id, chall_id))
                        return true;
        return false;
}

int acme_validator_enqueue(acme_validator *v, const char *chall_id, uint64_t delay) {
        job *j = calloc(1, sizeof(*j)), **p;

        if (!j)
                return -ENOMEM;
        j->chall_id = strdup(chall_id);
        if (!j->chall_id) {
                free(j);
                return -ENOMEM;
        }
        j->due = acme_now() + delay;
        pthread_mutex_lock(&v->lock);
        if (queued_locked(v, chall_id)) {
                pthread_mutex_unlock(&v->lock);
                free(j->chall_id);
                free(j);
                return 0;
        }
        for (p = &v->queue; *p && (*p)->due <= j->due; p = &(*p)->next)
                ;
        j->next = *p;
        *p = j;
        v->queued++;
        pthread_cond_signal(&v->cond);
        pthread_mutex_unlock(&v->lock);
        return 0;
}

/* One attempt; returns 0 when done with the job (recorded or dropped). */
static int attempt(acme_validator *v, const char *chall_id) {
        acme_server *srv = v->srv;
        _cleanup_(acme_chall_row_done) acme_chall_row ch = {};
        _cleanup_(acme_authz_row_done) acme_authz_row a = {};
        _cleanup_(acme_order_row_done) acme_order_row o = {};
        _cleanup_(acme_account_row_done) acme_account_row acct = {};
        _cleanup_json_ json_object *jwk = NULL, *err = NULL;
        _cleanup_pkey_ EVP_PKEY *key = NULL;
        _cleanup_free_ char *err_text = NULL;
        const ca_provisioner *prov;
        const challenge_type *ct;
        acme_problem p = {};
        int r, k;

        /* Ours alone, or not at all: another instance may hold it. */
        r = acme_db_chall_claim(srv->st, chall_id, (int64_t) acme_now(), (int64_t) (acme_now() + CLAIM_LEASE));
        if (r <= 0)
                return r;
        r = acme_db_chall_get(srv->st, chall_id, &ch);
        if (r < 0 || !streq(ch.status, "processing"))
                return r == -ENOENT ? 0 : r;
        r = acme_db_authz_get(srv->st, ch.authz_id, &a);
        if (r >= 0)
                r = acme_db_order_get(srv->st, NULL, a.order_id, &o);
        if (r < 0)
                return r;
        prov = ca_config_provisioner(srv->cfg, o.provisioner);
        ct = challenge_type_find(ch.type);
        r = acme_db_account_get(srv->st, o.provisioner, a.account_id, &acct);
        if (r >= 0)
                r = json_parse_object(acct.jwk, strlen(acct.jwk), 64 * 1024, &jwk);
        if (r >= 0)
                r = jwk_to_pkey(jwk, &key);
        if (r < 0)
                return r;

        if (!prov || !ct || ct->sync) {
                (void) acme_problem_set(&p, ACME_ERR_SERVER_INTERNAL, "Challenge type \"%s\" cannot be validated here.",
                                        ch.type);
                k = 0;
                ch.attempts = 1000;
        } else if (!streq(acme_authz_effective_status(&a, acme_now()), "pending")) {
                (void) acme_problem_set(&p, ACME_ERR_MALFORMED, "The authorization is no longer pending.");
                k = 0;
                ch.attempts = 1000;
        } else {
                k = acme_challenge_run(srv, prov, ct, &a, &ch, key, NULL, &p);
                if (k == -ECANCELED || atomic_load(&srv->stopping)) {
                        /* Another instance, or this one after a restart, resumes it. */
                        (void) acme_db_chall_release(srv->st, chall_id);
                        return 0;
                }
                if (k < 0) {
                        log_warning_errno(k, "Validating challenge \"%s\" failed: %m", chall_id);
                        (void) acme_problem_set(&p, ACME_ERR_SERVER_INTERNAL, "Validation failed internally.");
                        k = 0;
                }
        }

        if (k > 0) {
                r = acme_db_chall_finish(srv->st, chall_id, true, NULL, (int64_t) acme_now());
                if (r >= 0)
                        log_info("ACME challenge \"%s\" (%s %s) is valid.", chall_id, ch.type, a.id_value);
                return r < 0 ? r : 0;
        }

        err = acme_problem_to_json(&p);
        if (!err || json_to_string_dup(err, &err_text) < 0)
                return -ENOMEM;
        ch.attempts++;
        if (ch.attempts >= (int64_t) acme_provisioner_attempts(prov)) {
                r = acme_db_chall_finish(srv->st, chall_id, false, err_text, (int64_t) acme_now());
                if (r >= 0)
                        log_info("ACME challenge \"%s\" (%s %s) is invalid: %s", chall_id, ch.type, a.id_value,
                                 p.detail);
                return r < 0 ? r : 0;
        }
        {
                uint64_t delay = acme_retry_delay(prov, (unsigned) ch.attempts);

                free(ch.error);
                ch.error = TAKE_PTR(err_text);
                ch.next_attempt = (int64_t) (acme_now() + delay);
                r = acme_db_chall_update(srv->st, &ch);
                if (r >= 0)
                        r = acme_validator_enqueue(v, chall_id, delay);
                log_debug("ACME challenge \"%s\" attempt %lld failed (%s), retrying in %llus.", chall_id,
                          (long long) ch.attempts, p.detail, (unsigned long long) delay);
                return r < 0 ? r : 0;
        }
}

/* Tells those waiting for chall_id that an attempt on it ended. Called
 * with the lock held. */
static void attempt_ended_locked(acme_validator *v, const char *chall_id) {
        bool any = false;

        for (waiter *w = v->waiters; w; w = w->next)
                if (streq(w->chall_id, chall_id)) {
                        w->done = true;
                        any = true;
                }
        if (any)
                pthread_cond_broadcast(&v->done_cond);
}

/* Queues the due challenges that nobody holds. Called without the lock. */
static void sweep(acme_validator *v) {
        char **ids = NULL;
        size_t n = 0;
        int r;

        r = acme_db_chall_due(v->srv->st, (int64_t) acme_now(), SWEEP_MAX, &ids);
        if (r < 0) {
                log_debug_errno(r, "ACME validation: looking for due challenges failed, ignoring: %m");
                return;
        }
        for (; ids[n]; n++)
                (void) acme_validator_enqueue(v, ids[n], 0);
        if (n > 0)
                log_debug("ACME validation: %zu due challenge(s) without a worker queued here.", n);
        acme_strv_free(ids);
}

static void *worker(void *arg) {
        acme_validator *v = arg;

        pthread_mutex_lock(&v->lock);
        while (!v->stop) {
                job *j = v->queue;
                uint64_t now = acme_now(), wake;
                struct timespec ts;
                int r;

                if (now >= v->next_sweep) {
                        v->next_sweep = now + SWEEP_INTERVAL;
                        if (v->queued < ACME_MAX_QUEUED_VALIDATIONS / 2) {
                                pthread_mutex_unlock(&v->lock);
                                sweep(v);
                                pthread_mutex_lock(&v->lock);
                                continue;
                        }
                }
                if (!j || j->due > now) {
                        wake = j && j->due < v->next_sweep ? j->due : v->next_sweep;
                        clock_gettime(CLOCK_REALTIME, &ts);
                        ts.tv_sec += (time_t) (wake > now ? wake - now : 0);
                        (void) pthread_cond_timedwait(&v->cond, &v->lock, &ts);
                        continue;
                }
                v->queue = j->next;
                v->queued--;
                pthread_mutex_unlock(&v->lock);
                r = attempt(v, j->chall_id);
                if (r < 0)
                        log_error_errno(r, "Failed to record validation of challenge \"%s\": %m", j->chall_id);
                pthread_mutex_lock(&v->lock);
                attempt_ended_locked(v, j->chall_id);
                free(j->chall_id);
                free(j);
        }
        pthread_mutex_unlock(&v->lock);
        return NULL;
}

int acme_validator_run(acme_validator *v, const char *chall_id, unsigned wait_ms) {
        waiter w = { .chall_id = chall_id };
        struct timespec deadline;
        int r;

        if (wait_ms == 0)
                return acme_validator_enqueue(v, chall_id, 0);

        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += wait_ms / 1000;
        deadline.tv_nsec += (long) (wait_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000L;
        }
        /* Listed before the job is queued, so its end cannot be missed. */
        pthread_mutex_lock(&v->lock);
        if (v->n_waiters >= v->max_waiters) {
                pthread_mutex_unlock(&v->lock);
                return acme_validator_enqueue(v, chall_id, 0);
        }
        w.next = v->waiters;
        v->waiters = &w;
        v->n_waiters++;
        pthread_mutex_unlock(&v->lock);

        r = acme_validator_enqueue(v, chall_id, 0);

        pthread_mutex_lock(&v->lock);
        while (r >= 0 && !w.done && !v->stop)
                if (pthread_cond_timedwait(&v->done_cond, &v->lock, &deadline) == ETIMEDOUT)
                        break;
        for (waiter **p = &v->waiters; *p; p = &(*p)->next)
                if (*p == &w) {
                        *p = w.next;
                        v->n_waiters--;
                        break;
                }
        pthread_mutex_unlock(&v->lock);
        return r < 0 ? r : w.done;
}

bool acme_validator_busy(acme_validator *v) {
        bool busy;

        pthread_mutex_lock(&v->lock);
        busy = v->queued >= ACME_MAX_QUEUED_VALIDATIONS;
        pthread_mutex_unlock(&v->lock);
        return busy;
}

void acme_validator_stop(acme_validator *v) {
        if (!v)
                return;
        pthread_mutex_lock(&v->lock);
        v->stop = true;
        pthread_cond_broadcast(&v->cond);
        pthread_cond_broadcast(&v->done_cond);
        pthread_mutex_unlock(&v->lock);
        for (unsigned i = 0; i < v->n_threads; i++)
                (void) pthread_join(v->threads[i], NULL);
        while (v->queue) {
                job *j = v->queue;

                v->queue = j->next;
                free(j->chall_id);
                free(j);
        }
        pthread_cond_destroy(&v->cond);
        pthread_cond_destroy(&v->done_cond);
        pthread_mutex_destroy(&v->lock);
        free(v->threads);
        free(v);
}

int acme_validator_start(acme_server *srv, unsigned n_threads, unsigned max_waiters, acme_validator **ret) {
        acme_validator *v = calloc(1, sizeof(*v));
        pthread_condattr_t mono;
        sigset_t all, saved;
        int r = 0;

        if (!v)
                return -ENOMEM;
        v->srv = srv;
        v->max_waiters = max_waiters;
        pthread_mutex_init(&v->lock, NULL);
        pthread_cond_init(&v->cond, NULL);
        pthread_condattr_init(&mono);
        pthread_condattr_setclock(&mono, CLOCK_MONOTONIC);
        pthread_cond_init(&v->done_cond, &mono);
        pthread_condattr_destroy(&mono);
        v->threads = calloc(n_threads, sizeof(pthread_t));
        if (!v->threads) {
                acme_validator_stop(v);
                return -ENOMEM;
        }
        /* The workers must never take SIGTERM/SIGINT: those are for
         * http_server_run(), and we may be started before it blocks them. */
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &saved);
        for (unsigned i = 0; i < n_threads; i++) {
                r = -pthread_create(&v->threads[i], NULL, worker, v);
                if (r < 0)
                        break;
                v->n_threads++;
        }
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        if (r < 0) {
                acme_validator_stop(v);
                return r;
        }
        /* The first sweep, at once, resumes what a restart left. */
        *ret = v;
        return 0;
}
