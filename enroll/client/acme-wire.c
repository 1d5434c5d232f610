/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure parsers of the ACME server's response bodies (acme-wire.h): no
 * I/O, explicit limits, outputs only on success. Everything here is fed
 * hostile input by tests/fuzz/fuzz-acme-client.c.
 */
#include <ctype.h>

#include "enroll/client/acme-wire.h"
#include "json.h"
#include "jwk.h"

#define ACME_MAX_TYPE 64u

static const char *const status_names[_ACME_STATUS_MAX] = {
        [ACME_STATUS_PENDING] = "pending",       [ACME_STATUS_READY] = "ready",
        [ACME_STATUS_PROCESSING] = "processing", [ACME_STATUS_VALID] = "valid",
        [ACME_STATUS_INVALID] = "invalid",       [ACME_STATUS_EXPIRED] = "expired",
        [ACME_STATUS_DEACTIVATED] = "deactivated", [ACME_STATUS_REVOKED] = "revoked",
};

int acme_status_from_string(const char *s) {
        if (!s)
                return -EBADMSG;
        for (size_t i = 0; i < ELEMENTSOF(status_names); i++)
                if (streq(s, status_names[i]))
                        return (int) i;
        return -EBADMSG;
}

const char *acme_status_to_string(acme_status s) {
        return (int) s >= 0 && s < _ACME_STATUS_MAX ? status_names[s] : "unknown";
}

static int parse_body(const char *body, size_t len, json_object **ret) {
        if (!body)
                return -EINVAL;
        if (len > ACME_MAX_RESPONSE)
                return -E2BIG;
        return json_parse_object(body, len, ACME_MAX_RESPONSE, ret) < 0 ? -EBADMSG : 0;
}

static bool url_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > ACME_MAX_URL)
                return false;
        if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p <= 0x20 || (unsigned char) *p >= 0x7f)
                        return false;
        return true;
}

/* A copy of a URL member; required or optional (0 and NULL when absent). */
static int get_url(json_object *o, const char *key, bool required, char **ret) {
        const char *s = NULL;
        int r;

        r = required ? json_get_string(o, key, &s) : json_get_string_opt(o, key, &s);
        if (r < 0)
                return -EBADMSG;
        if (!s) {
                *ret = NULL;
                return 0;
        }
        if (!url_is_valid(s))
                return -EBADMSG;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int get_status(json_object *o, acme_status *ret) {
        const char *s;
        int r;

        if (json_get_string(o, "status", &s) < 0)
                return -EBADMSG;
        r = acme_status_from_string(s);
        if (r < 0)
                return r;
        *ret = (acme_status) r;
        return 0;
}

/* Printable ASCII copy, cut to max bytes plus "...". */
static char *sanitized(const char *s, size_t max) {
        size_t n = strlen(s), m = n > max ? max : n;
        char *out = malloc(m + 4);

        if (!out)
                return NULL;
        for (size_t i = 0; i < m; i++)
                out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
        strcpy(out + m, n > max ? "..." : "");
        return out;
}

static bool token_is_valid(const char *t) {
        size_t n = strlen(t);

        if (n == 0 || n > ACME_MAX_TOKEN)
                return false;
        for (; *t; t++)
                if (!isalnum((unsigned char) *t) && *t != '-' && *t != '_')
                        return false;
        return true;
}

void acme_directory_done(acme_directory *d) {
        if (!d)
                return;
        free(d->new_nonce);
        free(d->new_account);
        free(d->new_order);
        *d = (acme_directory) {};
}

int acme_parse_directory(const char *body, size_t len, acme_directory *ret) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_(acme_directory_done) acme_directory d = {};
        int r;

        r = parse_body(body, len, &o);
        if (r < 0)
                return r;
        r = get_url(o, "newNonce", true, &d.new_nonce);
        if (r >= 0)
                r = get_url(o, "newAccount", true, &d.new_account);
        if (r >= 0)
                r = get_url(o, "newOrder", true, &d.new_order);
        if (r < 0)
                return r;
        *ret = d;
        d = (acme_directory) {};
        return 0;
}

void acme_order_done(acme_order *o) {
        if (!o)
                return;
        for (size_t i = 0; i < o->n_authorizations; i++)
                free(o->authorizations[i]);
        free(o->authorizations);
        free(o->finalize);
        free(o->certificate);
        *o = (acme_order) {};
}

int acme_parse_order(const char *body, size_t len, acme_order *ret) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_(acme_order_done) acme_order ord = {};
        json_object *arr;
        size_t n;
        int r;

        r = parse_body(body, len, &o);
        if (r < 0)
                return r;
        r = get_status(o, &ord.status);
        if (r < 0)
                return r;
        if (json_get_array(o, "authorizations", &arr) < 0)
                return -EBADMSG;
        n = json_object_array_length(arr);
        if (n == 0 || n > ACME_MAX_AUTHORIZATIONS)
                return n == 0 ? -EBADMSG : -E2BIG;
        ord.authorizations = calloc(n, sizeof(char *));
        if (!ord.authorizations)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(arr, i);
                const char *s;

                if (!json_object_is_type(e, json_type_string))
                        return -EBADMSG;
                s = json_object_get_string(e);
                if (strlen(s) != (size_t) json_object_get_string_len(e) || !url_is_valid(s))
                        return -EBADMSG;
                ord.authorizations[i] = strdup(s);
                if (!ord.authorizations[i])
                        return -ENOMEM;
                ord.n_authorizations++;
        }
        r = get_url(o, "finalize", true, &ord.finalize);
        if (r >= 0)
                r = get_url(o, "certificate", false, &ord.certificate);
        if (r < 0)
                return r;
        if (ord.status == ACME_STATUS_VALID && !ord.certificate)
                return -EBADMSG;
        *ret = ord;
        ord = (acme_order) {};
        return 0;
}

void acme_challenge_done(acme_challenge *c) {
        if (!c)
                return;
        free(c->type);
        free(c->url);
        free(c->token);
        free(c->error_detail);
        *c = (acme_challenge) {};
}

static int challenge_from_object(json_object *o, acme_challenge *ret) {
        _cleanup_(acme_challenge_done) acme_challenge c = {};
        const char *type, *token = NULL;
        json_object *err = NULL;
        int r;

        if (!json_object_is_type(o, json_type_object))
                return -EBADMSG;
        if (json_get_string(o, "type", &type) < 0 || type[0] == '\0' || strlen(type) > ACME_MAX_TYPE)
                return -EBADMSG;
        for (const char *p = type; *p; p++)
                if (*p <= 0x20 || *p >= 0x7f)
                        return -EBADMSG;
        r = get_status(o, &c.status);
        if (r < 0)
                return r;
        r = get_url(o, "url", true, &c.url);
        if (r < 0)
                return r;
        if (json_get_string_opt(o, "token", &token) < 0)
                return -EBADMSG;
        if (token) {
                if (!token_is_valid(token))
                        return -EBADMSG;
                c.token = strdup(token);
                if (!c.token)
                        return -ENOMEM;
        }
        if (json_get_object_opt(o, "error", &err) < 0)
                return -EBADMSG;
        if (err) {
                const char *detail = NULL, *etype = NULL;

                (void) json_get_string_opt(err, "detail", &detail);
                (void) json_get_string_opt(err, "type", &etype);
                c.error_detail = sanitized(detail ?: etype ?: "", ACME_MAX_DETAIL);
                if (!c.error_detail)
                        return -ENOMEM;
        }
        c.type = strdup(type);
        if (!c.type)
                return -ENOMEM;
        *ret = c;
        c = (acme_challenge) {};
        return 0;
}

int acme_parse_challenge(const char *body, size_t len, acme_challenge *ret) {
        _cleanup_json_ json_object *o = NULL;
        int r;

        r = parse_body(body, len, &o);
        if (r < 0)
                return r;
        return challenge_from_object(o, ret);
}

void acme_authorization_done(acme_authorization *a) {
        if (!a)
                return;
        free(a->identifier_type);
        free(a->identifier_value);
        for (size_t i = 0; i < a->n_challenges; i++)
                acme_challenge_done(&a->challenges[i]);
        free(a->challenges);
        *a = (acme_authorization) {};
}

int acme_parse_authorization(const char *body, size_t len, acme_authorization *ret) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_(acme_authorization_done) acme_authorization a = {};
        json_object *id, *arr;
        const char *type, *value;
        size_t n;
        int r;

        r = parse_body(body, len, &o);
        if (r < 0)
                return r;
        r = get_status(o, &a.status);
        if (r < 0)
                return r;
        if (json_get_object(o, "identifier", &id) < 0 || json_get_string(id, "type", &type) < 0 ||
            json_get_string(id, "value", &value) < 0)
                return -EBADMSG;
        if (strlen(type) > ACME_MAX_TYPE || strlen(value) > ACME_MAX_URL)
                return -EBADMSG;
        a.identifier_type = strdup(type);
        a.identifier_value = strdup(value);
        if (!a.identifier_type || !a.identifier_value)
                return -ENOMEM;
        if (json_get_array(o, "challenges", &arr) < 0)
                return -EBADMSG;
        n = json_object_array_length(arr);
        if (n > ACME_MAX_CHALLENGES)
                return -E2BIG;
        if (n > 0) {
                a.challenges = calloc(n, sizeof(acme_challenge));
                if (!a.challenges)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                r = challenge_from_object(json_object_array_get_idx(arr, i), &a.challenges[i]);
                if (r < 0)
                        return r;
                a.n_challenges++;
        }
        *ret = a;
        a = (acme_authorization) {};
        return 0;
}

const acme_challenge *acme_authorization_find(const acme_authorization *a, const char *type) {
        for (size_t i = 0; a && type && i < a->n_challenges; i++)
                if (streq(a->challenges[i].type, type))
                        return &a->challenges[i];
        return NULL;
}

void acme_problem_done(acme_problem *p) {
        if (!p)
                return;
        free(p->type);
        free(p->detail);
        *p = (acme_problem) {};
}

int acme_parse_problem(const char *body, size_t len, acme_problem *ret) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_(acme_problem_done) acme_problem p = {};
        const char *type, *detail = NULL;
        int64_t status = 0;

        if (!body || len > ACME_MAX_RESPONSE || json_parse_object(body, len, ACME_MAX_RESPONSE, &o) < 0)
                return -ENOENT;
        if (json_get_string(o, "type", &type) < 0)
                return -ENOENT;
        (void) json_get_string_opt(o, "detail", &detail);
        (void) json_get_int64_opt(o, "status", &status);
        p.type = sanitized(type, ACME_MAX_DETAIL);
        p.detail = sanitized(detail ?: "", ACME_MAX_DETAIL);
        if (!p.type || !p.detail)
                return -ENOMEM;
        p.status = status;
        *ret = p;
        p = (acme_problem) {};
        return 0;
}

int acme_parse_retry_after(const char *value, unsigned *ret_sec) {
        unsigned v = 0;
        size_t n;

        if (!value || !ret_sec)
                return -EINVAL;
        n = strlen(value);
        if (n == 0 || n > 9)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                if (value[i] < '0' || value[i] > '9')
                        return -EBADMSG;
                v = v * 10 + (unsigned) (value[i] - '0');
        }
        *ret_sec = v;
        return 0;
}

int acme_key_authorization(const char *token, EVP_PKEY *account_key, char **ret) {
        _cleanup_free_ char *thumb = NULL;
        int r;

        if (!token || !account_key || !ret || !token_is_valid(token))
                return -EINVAL;
        r = jwk_thumbprint_b64(account_key, &thumb);
        if (r < 0)
                return r;
        if (asprintf(ret, "%s.%s", token, thumb) < 0)
                return -ENOMEM;
        return 0;
}
