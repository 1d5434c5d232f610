/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ACME problem documents: type names, HTTP statuses and JSON form.
 * Statuses follow RFC 8555 section 6.7 and what Let's Encrypt's servers
 * send, so clients that key on the status behave the same with us.
 */
#include <stdio.h>

#include "acme-problem.h"
#include "ca/core/refusal.h"

static const struct {
        const char *name;
        unsigned status;
} acme_errors[_ACME_ERR_MAX] = {
        [ACME_ERR_MALFORMED] = { "malformed", 400 },
        [ACME_ERR_BAD_NONCE] = { "badNonce", 400 },
        [ACME_ERR_BAD_SIGNATURE_ALGORITHM] = { "badSignatureAlgorithm", 400 },
        [ACME_ERR_UNAUTHORIZED] = { "unauthorized", 403 },
        [ACME_ERR_ACCOUNT_DOES_NOT_EXIST] = { "accountDoesNotExist", 400 },
        [ACME_ERR_ORDER_NOT_READY] = { "orderNotReady", 403 },
        [ACME_ERR_BAD_CSR] = { "badCSR", 400 },
        [ACME_ERR_REJECTED_IDENTIFIER] = { "rejectedIdentifier", 400 },
        [ACME_ERR_UNSUPPORTED_IDENTIFIER] = { "unsupportedIdentifier", 400 },
        [ACME_ERR_INCORRECT_RESPONSE] = { "incorrectResponse", 403 },
        [ACME_ERR_CONNECTION] = { "connection", 400 },
        [ACME_ERR_DNS] = { "dns", 400 },
        [ACME_ERR_TLS] = { "tls", 400 },
        [ACME_ERR_SERVER_INTERNAL] = { "serverInternal", 500 },
        [ACME_ERR_ALREADY_REVOKED] = { "alreadyRevoked", 400 },
        [ACME_ERR_BAD_REVOCATION_REASON] = { "badRevocationReason", 400 },
        [ACME_ERR_BAD_PUBLIC_KEY] = { "badPublicKey", 400 },
        [ACME_ERR_INVALID_CONTACT] = { "invalidContact", 400 },
        [ACME_ERR_UNSUPPORTED_CONTACT] = { "unsupportedContact", 400 },
        [ACME_ERR_RATE_LIMITED] = { "rateLimited", 429 },
        [ACME_ERR_CAA] = { "caa", 403 },
        [ACME_ERR_EXTERNAL_ACCOUNT_REQUIRED] = { "externalAccountRequired", 403 },
        [ACME_ERR_USER_ACTION_REQUIRED] = { "userActionRequired", 403 },
        [ACME_ERR_BAD_ATTESTATION_STATEMENT] = { "badAttestationStatement", 400 },
        [ACME_ERR_DEVICE_DISABLED] = { CA_PROBLEM_DEVICE_DISABLED, 403 },
        [ACME_ERR_DEVICE_REMOVED] = { CA_PROBLEM_DEVICE_REMOVED, 403 },
        [ACME_ERR_POSTURE] = { CA_PROBLEM_POSTURE, 403 },
};

const char *acme_error_name(acme_error e) {
        if (e < 0 || e >= _ACME_ERR_MAX)
                return NULL;
        return acme_errors[e].name;
}

acme_error acme_error_from_string(const char *s) {
        if (!s)
                return ACME_ERR_INVALID;
        if (strncmp(s, ACME_ERROR_URN_PREFIX, strlen(ACME_ERROR_URN_PREFIX)) == 0) {
                s += strlen(ACME_ERROR_URN_PREFIX);
                if (strncmp(s, "urn:", 4) == 0)
                        return ACME_ERR_INVALID; /* deviceid's own are whole URNs */
        }
        for (int i = 0; i < _ACME_ERR_MAX; i++)
                if (streq(acme_errors[i].name, s))
                        return (acme_error) i;
        return ACME_ERR_INVALID;
}

unsigned acme_error_status(acme_error e) {
        if (e < 0 || e >= _ACME_ERR_MAX)
                return 500;
        return acme_errors[e].status;
}

int acme_problem_setv(acme_problem *p, acme_error type, const char *fmt, va_list ap) {
        p->type = type;
        p->status = 0;
        p->detail[0] = '\0';
        if (fmt)
                (void) vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
        return -EPROTO;
}

int acme_problem_set(acme_problem *p, acme_error type, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) acme_problem_setv(p, type, fmt, ap);
        va_end(ap);
        return -EPROTO;
}

int acme_problem_set_status(acme_problem *p, acme_error type, unsigned status, const char *fmt,
                            ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) acme_problem_setv(p, type, fmt, ap);
        va_end(ap);
        p->status = status;
        return -EPROTO;
}

unsigned acme_problem_http_status(const acme_problem *p) {
        return p->status ? p->status : acme_error_status(p->type);
}

json_object *acme_problem_to_json(const acme_problem *p) {
        _cleanup_json_ json_object *o = json_object_new_object();
        char type[128];

        if (!o || !acme_error_name(p->type))
                return NULL;
        (void) snprintf(type, sizeof(type), "%s%s",
                        strncmp(acme_error_name(p->type), "urn:", 4) == 0 ? "" : ACME_ERROR_URN_PREFIX,
                        acme_error_name(p->type));
        if (json_add_string(o, "type", type) < 0 ||
            json_add_string(o, "detail", p->detail) < 0 ||
            json_add_int64(o, "status", acme_problem_http_status(p)) < 0)
                return NULL;
        return TAKE_PTR(o);
}

int acme_problem_from_json(json_object *o, acme_problem *ret) {
        const char *type, *detail = "";
        int64_t status = 0;
        acme_error e;

        if (json_get_string(o, "type", &type) < 0 || json_get_string_opt(o, "detail", &detail) < 0 ||
            json_get_int64_opt(o, "status", &status) < 0)
                return -EBADMSG;
        e = acme_error_from_string(type);
        if (e < 0 || status < 0 || status > 599)
                return -EBADMSG;
        (void) acme_problem_set(ret, e, "%s", detail);
        ret->status = status == acme_error_status(e) ? 0 : (unsigned) status;
        return 0;
}
