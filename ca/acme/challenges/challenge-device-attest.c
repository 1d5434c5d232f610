/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device-attest-01 challenge type (protocols.md section 2): a
 * synchronous type that parses the client's {"attObj": ...} (a payload
 * that does not parse is refused with a 400 and decides nothing), verifies it
 * against the provisioner's attestation roots (device-attest.c), checks
 * that the device is active in the inventory, checks the posture report
 * of the payload when the provisioner has a [posture] policy
 * (docs/posture.md), and records the attested key with the order for
 * finalize (acme-device.c).
 */
#include <time.h>

#include "ca/acme/acme-db.h"
#include "ca/inventory/devices.h"
#include "ca/posture/posture-check.h"
#include "challenge.h"
#include "crypto.h"
#include "device-attest.h"
#include "log.h"
#include "posture.h"

/* The challenge is not met: 0, with the problem (validate()'s contract). */
static int set_bad(acme_problem *p, const char *why) {
        (void) acme_problem_set(p, ACME_ERR_BAD_ATTESTATION_STATEMENT, "%s.", why);
        return 0;
}

/* The payload's posture report under the provisioner's policy, bound to
 * this challenge (its token and key authorization): 1 when it passes, 0
 * with a posture problem naming each failed check (the challenge is
 * invalid; under on_failure = revoke the device's account certificates
 * are revoked too), or -errno. */
static int check_posture(const challenge_ctx *ctx, json_object *payload, const device *d, acme_problem *problem) {
        json_object *report = NULL;
        posture_verdict v;
        ca_refusal ref = {};
        uint8_t q[32];
        int r;

        if (!ctx->ak_trust)
                return -EINVAL;
        r = posture_qualifying_acme(ctx->token, ctx->key_authorization, q);
        if (r < 0)
                return r;
        (void) json_object_object_get_ex(payload, POSTURE_ACME_MEMBER, &report);
        r = posture_evaluate(ctx->st, ctx->ak_trust, ctx->posture,
                             &(posture_token) { .claim = report, .qualifying = q, .beside = payload }, ctx->provisioner->name, d->id,
                             d->ek_uri, time(NULL), &v);
        if (r < 0)
                return r;
        if (v.passed)
                return 1;
        (void) posture_refuse(&v, ctx->provisioner->name, &ref);
        log_info("ACME provisioner \"%s\": device-attest-01 for \"%s\": %s.", ctx->provisioner->name, ctx->id_value,
                 ref.message);
        (void) acme_problem_set(problem, ACME_ERR_POSTURE, "%s.", ref.message);
        return 0;
}

static int device_attest_validate(const challenge_ctx *ctx, json_object *payload, acme_problem *problem) {
        _cleanup_(device_attest_stmt_done) device_attest_stmt s = {};
        _cleanup_(device_done) device d = {};
        _cleanup_pkey_ EVP_PKEY *key = NULL;
        _cleanup_free_ uint8_t *spki = NULL;
        const char *attobj = NULL, *why = NULL;
        size_t spki_len;
        int r;

        if (ctx->id_type != ACME_ID_PERMANENT)
                return set_bad(problem, "device-attest-01 proves only permanent-identifier identifiers");
        /* A payload that does not parse is refused without deciding the
         * challenge (challenge.h): a client's bug or an attacker's bytes
         * must not turn a device's order invalid. */
        if (!payload || json_get_string(payload, "attObj", &attobj) < 0 || !attobj)
                return acme_problem_set(problem, ACME_ERR_MALFORMED, "The payload has no \"attObj\" string.");
        r = device_attest_parse(attobj, strlen(attobj), &s, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return acme_problem_set(problem, ACME_ERR_BAD_ATTESTATION_STATEMENT, "%s.",
                                        why ?: "attObj does not parse");

        r = device_attest_verify(&s, ctx->attestation_roots, ctx->id_value, ctx->key_authorization, 0,
                                 &key, &why);
        if (r == -EPROTO) {
                log_info("ACME provisioner \"%s\": device-attest-01 for \"%s\" failed: %s.",
                         ctx->provisioner->name, ctx->id_value, why);
                return set_bad(problem, why);
        }
        if (r < 0)
                return r;

        r = devices_get_by_ek_uri(ctx->st, ctx->id_value, &d);
        if (r == -ENOENT)
                return set_bad(problem, "The device is not in the inventory");
        if (r < 0)
                return r;
        if (d.status != DEVICE_ACTIVE)
                return set_bad(problem, "The device is disabled in the inventory");
        if (ctx->posture) {
                r = check_posture(ctx, payload, &d, problem);
                if (r <= 0)
                        return r;
        }

        r = crypto_pubkey_to_der(key, &spki, &spki_len);
        if (r < 0)
                return r;
        r = acme_db_attested_key_put(ctx->st, ctx->order_id, ctx->authz_id, d.id, spki, spki_len,
                                     (int64_t) time(NULL));
        if (r < 0)
                return r;
        log_info("ACME provisioner \"%s\": device \"%s\" attested a key for order \"%s\".", ctx->provisioner->name,
                 ctx->id_value, ctx->order_id);
        return 1;
}

const challenge_type challenge_deviceattest01 = {
        .name = "device-attest-01",
        .id_mask = ACME_ID_MASK(ACME_ID_PERMANENT),
        .wildcard_ok = false,
        .sync = true,
        .validate = device_attest_validate,
};
