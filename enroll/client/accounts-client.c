/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The account list client (accounts-client.h).
 */
#include <string.h>

#include "enroll/client/accounts-client.h"
#include "enroll/client/url.h"
#include "http-client.h"
#include "json.h"
#include "log.h"
#include "x509.h"

#define ACCOUNTS_CONNECT_TIMEOUT 10
#define ACCOUNTS_TIMEOUT 30

void accounts_list_free(accounts_list *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                sign_client_account_done(&l->v[i]);
        free(l->v);
        free(l);
}

#define REFUSE(why)                      \
        do {                             \
                if (ret_why)             \
                        *ret_why = (why); \
                return -EBADMSG;         \
        } while (0)

/* The keyring's account names: [a-z0-9][a-z0-9_-]{0,63}, not "device"
 * or "roots". */
static bool name_ok(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > 64 || streq(s, "device") || streq(s, "roots"))
                return false;
        for (size_t i = 0; i < n; i++) {
                bool alnum = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9');

                if (!alnum && (i == 0 || (s[i] != '_' && s[i] != '-')))
                        return false;
        }
        return true;
}

static bool printable(const char *s, size_t len, bool blanks) {
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c < (blanks ? 0x20 : 0x21) || c > 0x7e)
                        return false;
        }
        return true;
}

/* A string member of 1..max bytes (no NUL inside); NULL if absent. */
static int bounded(json_object *o, const char *key, size_t max, bool blanks, const char **ret) {
        json_object *v;
        size_t len;

        *ret = NULL;
        if (!json_object_object_get_ex(o, key, &v))
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;
        len = (size_t) json_object_get_string_len(v);
        *ret = json_object_get_string(v);
        if (len == 0 || len > max || strlen(*ret) != len || !printable(*ret, len, blanks))
                return -EBADMSG;
        return 0;
}

static int parse_one(json_object *o, sign_client_account *a, const char **ret_why) {
        const char *name, *prov, *sub, *key;
        json_object *sans, *life;

        if (!json_object_is_type(o, json_type_object))
                REFUSE("an account is not an object");
        if (bounded(o, "name", 64, false, &name) < 0 || !name || !name_ok(name))
                REFUSE("an account's \"name\" is missing or not a valid account name");
        if (bounded(o, "provisioner", ACCOUNTS_CLIENT_MAX_PROVISIONER, false, &prov) < 0)
                REFUSE("an account's \"provisioner\" is not 1 to 64 printable characters");
        if (bounded(o, "sub", SIGN_CLIENT_MAX_SUB, true, &sub) < 0 || !sub)
                REFUSE("an account's \"sub\" is missing or not 1 to 64 printable characters");
        if (bounded(o, "key", 16, false, &key) < 0 || (key && !streq(key, "software") && !streq(key, "tpm")))
                REFUSE("an account's \"key\" is neither \"software\" nor \"tpm\"");
        if (json_object_object_get_ex(o, "lifetime", &life)) {
                int64_t v;

                if (!json_object_is_type(life, json_type_int))
                        REFUSE("an account's \"lifetime\" is not an integer");
                v = json_object_get_int64(life);
                if (v < ACCOUNTS_CLIENT_MIN_LIFETIME || v > ACCOUNTS_CLIENT_MAX_LIFETIME)
                        REFUSE("an account's \"lifetime\" is out of range");
        }
        a->name = strdup(name);
        a->sub = strdup(sub);
        a->provisioner = strdup(prov ?: name);
        if (!a->name || !a->sub || !a->provisioner)
                return -ENOMEM;
        a->tpm = key && streq(key, "tpm");
        if (json_object_object_get_ex(o, "sans", &sans)) {
                size_t n;

                if (!json_object_is_type(sans, json_type_array))
                        REFUSE("an account's \"sans\" is not an array");
                n = json_object_array_length(sans);
                if (n > SIGN_CLIENT_MAX_SANS)
                        REFUSE("an account has more than 16 SANs");
                a->sans = calloc(n ?: 1, sizeof(char *));
                if (!a->sans)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++) {
                        json_object *e = json_object_array_get_idx(sans, i);
                        size_t len;

                        if (!json_object_is_type(e, json_type_string))
                                REFUSE("an account's SAN is not a string");
                        len = (size_t) json_object_get_string_len(e);
                        if (len == 0 || len > SIGN_CLIENT_MAX_SAN || strlen(json_object_get_string(e)) != len ||
                            !printable(json_object_get_string(e), len, false))
                                REFUSE("an account's SAN is not 1 to 253 printable characters");
                        a->sans[i] = strdup(json_object_get_string(e));
                        if (!a->sans[i])
                                return -ENOMEM;
                        a->n_sans++;
                }
        }
        return 0;
}

int accounts_client_parse(const char *body, size_t len, accounts_list **ret, const char **ret_why) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_(accounts_list_freep) accounts_list *l = NULL;
        json_object *arr;
        size_t n;
        int r;

        if (!body || !ret)
                return -EINVAL;
        if (len > ACCOUNTS_CLIENT_MAX_RESPONSE) {
                if (ret_why)
                        *ret_why = "the account list is larger than 64 KiB";
                return -E2BIG;
        }
        r = json_parse_object(body, len, ACCOUNTS_CLIENT_MAX_RESPONSE, &o);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                REFUSE("the account list is not a JSON object");
        if (!json_object_object_get_ex(o, "accounts", &arr) || !json_object_is_type(arr, json_type_array))
                REFUSE("the account list has no \"accounts\" array");
        n = json_object_array_length(arr);
        if (n > ACCOUNTS_CLIENT_MAX_ACCOUNTS) {
                if (ret_why)
                        *ret_why = "the account list names more than 16 accounts";
                return -E2BIG;
        }
        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->v = calloc(n ?: 1, sizeof(sign_client_account));
        if (!l->v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = parse_one(json_object_array_get_idx(arr, i), &l->v[i], ret_why);
                l->n = i + 1; /* freed with the list, even half made */
                if (r < 0)
                        return r;
                for (size_t j = 0; j < i; j++)
                        if (streq(l->v[j].name, l->v[i].name))
                                REFUSE("the account list names an account twice");
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int accounts_client_audience(const char *ca_url, char **ret) {
        return client_url(ca_url, "1.0/accounts", ret);
}

int accounts_client_device_ek_uri(X509 *device_cert, char **ret) {
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        int r;

        r = x509_cert_get_sans(device_cert, &sans);
        if (r < 0)
                return r;
        for (size_t i = 0; i < sans->n; i++)
                if (sans->items[i].type == X509_SAN_PERMANENT_ID && *sans->items[i].value) {
                        *ret = strdup(sans->items[i].value);
                        return *ret ? 0 : -ENOMEM;
                }
        return -ENOENT;
}

static int fail(client_failure *e, client_failure_kind kind, const char *step, int r, const char *detail) {
        return client_fail(e, kind, "Account CA", step, r, detail);
}

int accounts_client_fetch(const char *ca_url, const cert_bundle *tls_roots, signer *device, STACK_OF(X509) *device_chain,
                          accounts_list **ret, client_failure *e) {
        _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
        _cleanup_free_ char *url = NULL, *ek_uri = NULL, *claims = NULL, *ott = NULL, *auth = NULL;
        char text[HTTP_CLIENT_ERROR_MAX] = "", jti[65];
        static const char step[] = "GET /1.0/accounts";
        const char *why = NULL;
        int r;

        if (!ca_url || !device || !device_chain || sk_X509_num(device_chain) < 1 || !ret || !e)
                return -EINVAL;
        *e = (client_failure) {};
        r = accounts_client_audience(ca_url, &url);
        if (r < 0)
                return fail(e, CLIENT_FAIL_LOCAL, "use the CA URL", r, NULL);
        r = accounts_client_device_ek_uri(sk_X509_value(device_chain, 0), &ek_uri);
        if (r < 0)
                return fail(e, CLIENT_FAIL_LOCAL, "read the device certificate", r, "no EK URI in it");
        r = sign_client_new_jti(jti);
        if (r >= 0)
                r = sign_client_build_claims(ACCOUNTS_CLIENT_ISS, url, ek_uri, NULL, 0, jti, time(NULL), NULL,
                                             &claims);
        if (r < 0)
                return fail(e, CLIENT_FAIL_LOCAL, "build the account list token", r, NULL);
        r = sign_client_build_token(device, device_chain, "device", claims, &ott);
        if (r < 0)
                return fail(e, r == -ENOMEM ? CLIENT_FAIL_LOCAL : CLIENT_FAIL_TPM, "sign the account list token", r,
                            NULL);
        if (asprintf(&auth, "Authorization: Bearer %s", ott) < 0)
                return fail(e, CLIENT_FAIL_LOCAL, "build the account list request", -ENOMEM, NULL);

        (void) snprintf(e->url, sizeof(e->url), "%s", url);
        r = http_client_perform(&(const http_client_request) {
                                        .method = "GET",
                                        .url = url,
                                        .headers = (const char *const[]) { "Accept: application/json", auth, NULL },
                                        .root_pem = tls_roots ? tls_roots->pem : NULL,
                                        .connect_timeout_sec = ACCOUNTS_CONNECT_TIMEOUT,
                                        .timeout_sec = ACCOUNTS_TIMEOUT,
                                        .max_body = ACCOUNTS_CLIENT_MAX_RESPONSE + 1,
                                },
                                &resp, text);
        if (r < 0)
                return client_fail_transport(e, "Account CA", step, r, text);
        if (resp->status >= 400) {
                _cleanup_free_ char *message = NULL;

                e->status = resp->status;
                (void) client_failure_message(resp->body, resp->body_len, &message, NULL);
                return fail(e, CLIENT_FAIL_REFUSED, step, -EACCES, message);
        }
        if (resp->status != 200) {
                e->status = resp->status;
                return fail(e, CLIENT_FAIL_RESPONSE, step, -EPROTO, "unexpected HTTP status");
        }
        r = accounts_client_parse(resp->body, resp->body_len, ret, &why);
        if (r == -ENOMEM)
                return fail(e, CLIENT_FAIL_LOCAL, "read the account list", r, NULL);
        if (r < 0)
                return fail(e, CLIENT_FAIL_RESPONSE, "read the account list", r, why);
        e->url[0] = '\0';
        return 0;
}
