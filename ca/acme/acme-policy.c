/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ACME server's rules (acme-policy.h).
 */
#include "acme-policy.h"
#include "ca/core/cert-build.h"

bool acme_provisioner_is_device(const ca_provisioner *p) {
        return p && ca_provisioner_has_challenge(p, "device-attest-01") > 0;
}

int acme_provisioners_check(const ca_config *cfg, const ca_provisioner **ret_provisioner,
                            const char **ret_challenge) {
        for (size_t i = 0; i < cfg->n_provisioners; i++) {
                const ca_provisioner *p = &cfg->provisioners[i];
                const char *ca = ca_provisioner_get(p, "client_auth");

                if (streq_ptr(p->type, "acme") && ca && !streq(ca, "true") && !streq(ca, "false")) {
                        *ret_provisioner = p;
                        *ret_challenge = "client_auth";
                        return -EINVAL;
                }
                if (!acme_provisioner_is_device(p))
                        continue;
                for (char **t = p->challenges; *t; t++)
                        if (!streq(*t, "device-attest-01")) {
                                *ret_provisioner = p;
                                *ret_challenge = *t;
                                return -EINVAL;
                        }
        }
        return 0;
}

unsigned acme_provisioner_ekus(const ca_provisioner *p) {
        if (acme_provisioner_is_device(p))
                return CERT_EKU_CLIENT_AUTH;
        if (streq_ptr(ca_provisioner_get(p, "client_auth"), "true"))
                return CERT_EKU_SERVER_AUTH | CERT_EKU_CLIENT_AUTH;
        return CERT_EKU_SERVER_AUTH;
}

unsigned acme_provisioner_id_mask(const ca_provisioner *p) {
        unsigned mask = 0;

        if (acme_provisioner_is_device(p))
                return ACME_ID_MASK(ACME_ID_PERMANENT);
        for (char **t = p->challenges; t && *t; t++) {
                const challenge_type *ct = challenge_type_find(*t);

                if (ct)
                        mask |= ct->id_mask;
        }
        return mask & ~ACME_ID_MASK(ACME_ID_PERMANENT);
}

size_t acme_challenges_for(const ca_provisioner *p, acme_id_type id_type, bool wildcard,
                           const challenge_type *ret[static ACME_MAX_CHALLENGES]) {
        size_t n = 0;

        for (char **t = p->challenges; t && *t && n < ACME_MAX_CHALLENGES; t++) {
                const challenge_type *ct = challenge_type_find(*t);

                if (challenge_type_applies(ct, id_type, wildcard))
                        ret[n++] = ct;
        }
        return n;
}

/* A provisioner key as a number in [min, max], else dflt. */
static unsigned key_in_range(const ca_provisioner *p, const char *key, unsigned long min, unsigned long max,
                             unsigned dflt) {
        const char *v = p ? ca_provisioner_get(p, key) : NULL;
        unsigned long n = v ? strtoul(v, NULL, 10) : 0;

        return n >= min && n <= max ? (unsigned) n : dflt;
}

unsigned acme_provisioner_attempts(const ca_provisioner *p) {
        return key_in_range(p, "challenge_attempts", 1, 20, ACME_DEFAULT_ATTEMPTS);
}

uint64_t acme_retry_delay(const ca_provisioner *p, unsigned failed_attempts) {
        uint64_t base = key_in_range(p, "challenge_retry_delay", 1, 3600, ACME_DEFAULT_RETRY_DELAY);

        return failed_attempts < 1 ? base : base << (failed_attempts - 1);
}

unsigned acme_provisioner_challenge_wait_ms(const ca_provisioner *p) {
        const char *v = p ? ca_provisioner_get(p, "challenge_wait_ms") : NULL;
        char *end = NULL;
        unsigned long n;

        if (!v || !*v || *v < '0' || *v > '9')
                return ACME_DEFAULT_CHALLENGE_WAIT;
        errno = 0;
        n = strtoul(v, &end, 10);
        if (errno != 0 || *end != '\0' || n > ACME_MAX_CHALLENGE_WAIT)
                return ACME_DEFAULT_CHALLENGE_WAIT;
        return (unsigned) n;
}

const char *acme_order_effective_status(const acme_order_row *o, uint64_t now) {
        if ((streq(o->status, "pending") || streq(o->status, "ready")) && (int64_t) now > o->expires)
                return "invalid";
        return o->status;
}

const char *acme_authz_effective_status(const acme_authz_row *a, uint64_t now) {
        if (streq(a->status, "pending") && (int64_t) now > a->expires)
                return "expired";
        return a->status;
}
