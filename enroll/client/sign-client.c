/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Account CA client (sign-client.h): the X5C one-time token, the
 * /1.0/sign request and its answer. Everything but sign_client_sign() is
 * pure. Logs at debug only.
 */
#include <arpa/inet.h>
#include <ctype.h>

#include "b64.h"
#include "crypto.h"
#include "enroll/client/sign-client.h"
#include "enroll/client/url.h"
#include "http-client.h"
#include "json.h"
#include "jws.h"
#include "log.h"
#include "x509.h"

#define SIGN_CONNECT_TIMEOUT 10
#define SIGN_TIMEOUT 30
#define SIGN_MAX_SPEC 2048u

void sign_client_account_done(sign_client_account *a) {
        if (!a)
                return;
        free(a->name);
        free(a->sub);
        for (size_t i = 0; i < a->n_sans; i++)
                free(a->sans[i]);
        free(a->sans);
        free(a->provisioner);
        *a = (sign_client_account) {};
}

static bool san_is_valid(const char *s, size_t n) {
        if (n == 0 || n > SIGN_CLIENT_MAX_SAN)
                return false;
        for (size_t i = 0; i < n; i++)
                if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == ',' || s[i] == ':')
                        return false;
        return true;
}

static int parse_sans(const char *s, sign_client_account *a) {
        for (const char *p = s;;) {
                const char *comma = strchr(p, ',');
                size_t n = comma ? (size_t) (comma - p) : strlen(p);
                char **v;

                if (!san_is_valid(p, n))
                        return -EINVAL;
                if (a->n_sans >= SIGN_CLIENT_MAX_SANS)
                        return -E2BIG;
                v = realloc(a->sans, (a->n_sans + 1) * sizeof(char *));
                if (!v)
                        return -ENOMEM;
                a->sans = v;
                a->sans[a->n_sans] = strndup(p, n);
                if (!a->sans[a->n_sans])
                        return -ENOMEM;
                a->n_sans++;
                if (!comma)
                        return 0;
                p = comma + 1;
        }
}

/* The keyring's account names (keyring.h), checked here without it:
 * [a-z0-9][a-z0-9_-]{0,63}, not "device" or "roots". */
static bool account_name_is_valid(const char *s) {
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

int sign_client_parse_account_spec(const char *spec, sign_client_account *ret) {
        _cleanup_(sign_client_account_done) sign_client_account a = {};
        _cleanup_free_ char *copy = NULL;
        char *fields[4] = {};
        size_t n = 0;
        int r;

        if (!spec || !ret)
                return -EINVAL;
        if (strlen(spec) > SIGN_MAX_SPEC)
                return -E2BIG;
        copy = strdup(spec);
        if (!copy)
                return -ENOMEM;
        for (char *p = copy;;) {
                char *colon = strchr(p, ':');

                if (n == ELEMENTSOF(fields))
                        return -EINVAL;
                fields[n++] = p;
                if (!colon)
                        break;
                *colon = '\0';
                p = colon + 1;
        }
        if (n > 1 && streq(fields[n - 1], "tpm")) {
                a.tpm = true;
                n--;
        }
        if (n > 3)
                return -EINVAL;
        if (!account_name_is_valid(fields[0]))
                return -EINVAL;
        a.name = strdup(fields[0]);
        a.sub = strdup(n > 1 && fields[1][0] ? fields[1] : fields[0]);
        if (!a.name || !a.sub)
                return -ENOMEM;
        if (strlen(a.sub) > SIGN_CLIENT_MAX_SUB)
                return -E2BIG;
        for (const char *p = a.sub; *p; p++)
                if (*p < 0x20 || *p >= 0x7f)
                        return -EINVAL;
        if (n > 2) {
                r = parse_sans(fields[2], &a);
                if (r < 0)
                        return r;
        }
        *ret = a;
        a = (sign_client_account) {};
        return 0;
}

int sign_client_audience(const char *ca_url, const char *provisioner, char **ret) {
        const char *host;
        size_t n;

        if (!ca_url || !provisioner || !provisioner[0] || !ret || strncmp(ca_url, "https://", 8) != 0)
                return -EINVAL;
        host = ca_url + 8;
        n = strlen(host);
        if (n > 0 && host[n - 1] == '/')
                n--;
        if (n == 0 || n > 255)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (host[i] == '/' || host[i] == '?' || host[i] == '#' || host[i] == '@' ||
                    (unsigned char) host[i] <= 0x20 || (unsigned char) host[i] >= 0x7f)
                        return -EINVAL;
        if (asprintf(ret, "https://%.*s/1.0/sign#x5c/%s", (int) n, host, provisioner) < 0)
                return -ENOMEM;
        return 0;
}

static int claims_object(const char *provisioner, const char *aud, const char *sub, char *const *sans,
                         size_t n_sans, const char *jti, time_t now, const char *csr_thumb, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!provisioner || !aud || !sub || !jti || (n_sans > 0 && !sans) || !ret)
                return -EINVAL;
        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "iss", provisioner);
        if (r >= 0)
                r = json_add_string(o, "aud", aud);
        if (r >= 0)
                r = json_add_string(o, "sub", sub);
        if (r >= 0 && n_sans > 0) {
                json_object *arr = json_object_new_array();

                r = json_add_object(o, "sans", arr);
                for (size_t i = 0; r >= 0 && i < n_sans; i++) {
                        json_object *s = json_object_new_string(sans[i]);

                        if (!s || json_object_array_add(arr, s) < 0) {
                                json_object_put(s);
                                r = -ENOMEM;
                        }
                }
        }
        if (r >= 0)
                r = json_add_int64(o, "iat", (int64_t) now);
        if (r >= 0)
                r = json_add_int64(o, "nbf", (int64_t) now);
        if (r >= 0)
                r = json_add_int64(o, "exp", (int64_t) now + SIGN_CLIENT_TOKEN_LIFETIME);
        if (r >= 0)
                r = json_add_string(o, "jti", jti);
        if (r >= 0 && csr_thumb) {
                json_object *cnf = json_object_new_object();

                r = json_add_object(o, "cnf", cnf);
                if (r >= 0)
                        r = json_add_string(cnf, "x5rt#S256", csr_thumb);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int sign_client_build_claims(const char *provisioner, const char *aud, const char *sub,
                             char *const *sans, size_t n_sans, const char *jti, time_t now,
                             const char *csr_thumb, char **ret) {
        _cleanup_json_ json_object *o = NULL;
        int r;

        if (!ret)
                return -EINVAL;
        r = claims_object(provisioner, aud, sub, sans, n_sans, jti, now, csr_thumb, &o);
        if (r < 0)
                return r;
        return json_to_string_dup(o, ret);
}

int sign_client_new_jti(char ret[static 65]) {
        uint8_t b[32];
        int r;

        r = crypto_random(b, sizeof(b));
        if (r < 0)
                return r;
        for (size_t i = 0; i < sizeof(b); i++)
                (void) snprintf(ret + 2 * i, 3, "%02x", b[i]);
        return 0;
}

int sign_client_build_token(signer *s, STACK_OF(X509) *x5c, const char *kid, const char *claims,
                            char **ret) {
        _cleanup_json_ json_object *hdr = json_object_new_object(), *arr = json_object_new_array();
        int r;

        if (!s || !x5c || !kid || !claims || !ret)
                return -EINVAL;
        if (sk_X509_num(x5c) < 1 || sk_X509_num(x5c) > 4)
                return -EINVAL;
        if (!hdr || !arr)
                return -ENOMEM;
        for (int i = 0; i < sk_X509_num(x5c); i++) {
                _cleanup_free_ uint8_t *der = NULL;
                _cleanup_free_ char *b = NULL;
                json_object *str;
                size_t len;

                r = x509_cert_to_der(sk_X509_value(x5c, i), &der, &len);
                if (r >= 0)
                        r = b64_encode(B64_STD, der, len, &b);
                if (r < 0)
                        return r;
                str = json_object_new_string(b);
                if (!str || json_object_array_add(arr, str) < 0) {
                        json_object_put(str);
                        return -ENOMEM;
                }
        }
        r = json_add_string(hdr, "typ", "JWT");
        if (r >= 0)
                r = json_add_string(hdr, "kid", kid);
        if (r >= 0)
                r = json_add_object(hdr, "x5c", TAKE_PTR(arr));
        if (r < 0)
                return r;
        return jws_sign_compact(s, hdr, claims, strlen(claims), ret);
}

int sign_client_build_request(const char *csr_pem, const char *ott, const uint8_t *eventlog, size_t eventlog_len,
                              char **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!csr_pem || !ott || !ret)
                return -EINVAL;
        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "csr", csr_pem);
        if (r >= 0)
                r = json_add_string(o, "ott", ott);
        if (r >= 0 && eventlog)
                r = json_add_b64(o, POSTURE_EVENTLOG_MEMBER, B64_STD, eventlog, eventlog_len);
        if (r < 0)
                return r;
        return json_to_string_dup(o, ret);
}

static int push_pem(STACK_OF(X509) *sk, const char *pem) {
        X509 *cert = NULL;
        size_t n = strlen(pem);
        int r;

        if (n == 0)
                return -EBADMSG;
        if (n > SIGN_CLIENT_MAX_PEM)
                return -E2BIG;
        if ((size_t) sk_X509_num(sk) >= SIGN_CLIENT_MAX_CHAIN)
                return -E2BIG;
        r = x509_cert_from_pem(pem, n, &cert);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        if (sk_X509_push(sk, cert) <= 0) {
                X509_free(cert);
                return -ENOMEM;
        }
        return 0;
}

int sign_client_parse_response(const char *body, size_t len, STACK_OF(X509) **ret) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_x509_stack_ STACK_OF(X509) *sk = NULL;
        json_object *arr = NULL;
        const char *crt, *ca = NULL;
        int r;

        if (!body || !ret)
                return -EINVAL;
        if (len > SIGN_CLIENT_MAX_RESPONSE)
                return -E2BIG;
        if (json_parse_object(body, len, SIGN_CLIENT_MAX_RESPONSE, &o) < 0)
                return -EBADMSG;
        if (json_get_string(o, "crt", &crt) < 0 || json_get_string_opt(o, "ca", &ca) < 0 ||
            json_get_array_opt(o, "certChain", &arr) < 0)
                return -EBADMSG;
        sk = sk_X509_new_null();
        if (!sk)
                return -ENOMEM;
        r = push_pem(sk, crt);
        if (r < 0)
                return r;
        if (arr) {
                size_t n = json_object_array_length(arr);
                X509 *first = NULL;

                if (n == 0)
                        return -EBADMSG;
                if (n > SIGN_CLIENT_MAX_CHAIN)
                        return -E2BIG;
                for (size_t i = 0; i < n; i++) {
                        json_object *e = json_object_array_get_idx(arr, i);

                        if (!json_object_is_type(e, json_type_string) ||
                            strlen(json_object_get_string(e)) != (size_t) json_object_get_string_len(e))
                                return -EBADMSG;
                        if (i == 0) {
                                r = x509_cert_from_pem(json_object_get_string(e), strlen(json_object_get_string(e)),
                                                       &first);
                                if (r < 0)
                                        return r == -ENOMEM ? r : -EBADMSG;
                                r = X509_cmp(first, sk_X509_value(sk, 0));
                                X509_free(first);
                                if (r != 0)
                                        return -EBADMSG;
                                continue;
                        }
                        r = push_pem(sk, json_object_get_string(e));
                        if (r < 0)
                                return r;
                }
        } else if (ca) {
                r = push_pem(sk, ca);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(sk);
        return 0;
}

static int fail(client_failure *e, client_failure_kind kind, const char *step, int r,
                const char *detail) {
        return client_fail(e, kind, "Account CA", step, r, detail);
}

/* The SANs for the CSR, typed by shape as the Account CA reads them: the
 * account's, or without any the subject when it is a DNS name (the
 * token's default, which step-ca compares with the CSR). */
static int csr_sans(const sign_client_account *acct, x509_san **ret, size_t *ret_n) {
        x509_san *v = calloc(acct->n_sans ?: 1, sizeof(x509_san));
        unsigned char addr[16];

        if (!v)
                return -ENOMEM;
        if (acct->n_sans == 0) {
                bool dns = *acct->sub && strspn(acct->sub, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") ==
                                                 strlen(acct->sub);

                v[0] = (x509_san) { .type = X509_SAN_DNS, .value = acct->sub };
                *ret = v;
                *ret_n = dns ? 1 : 0;
                return 0;
        }
        for (size_t i = 0; i < acct->n_sans; i++) {
                const char *s = acct->sans[i];

                v[i].value = acct->sans[i];
                if (inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1)
                        v[i].type = X509_SAN_IP;
                else if (strchr(s, ':'))
                        v[i].type = X509_SAN_URI;
                else if (strchr(s, '@'))
                        v[i].type = X509_SAN_EMAIL;
                else
                        v[i].type = X509_SAN_DNS;
        }
        *ret = v;
        *ret_n = acct->n_sans;
        return 0;
}

/* The request body, or -errno and the failure in *e: a TPM failure
 * when a key in the TPM could not sign (the account key of a TPM
 * account, the device key of the token), else local. */
static int build_body(const char *ca_url, signer *device, STACK_OF(X509) *device_chain,
                      const sign_client_account *acct, signer *account, const posture_source *posture,
                      char **ret, client_failure *e) {
        _cleanup_json_ json_object *claims_obj = NULL;
        time_t now = time(NULL);
        _cleanup_free_ char *aud = NULL, *claims = NULL, *thumb = NULL, *csr_pem = NULL, *ott = NULL;
        _cleanup_free_ uint8_t *csr = NULL, *eventlog = NULL;
        _cleanup_free_ x509_san *sans = NULL;
        const char *prov = acct->provisioner ?: SIGN_CLIENT_PROVISIONER;
        uint8_t h[32];
        char jti[65];
        size_t csr_len, n_sans = 0, eventlog_len = 0;
        int r;

        /* The CSR carries the key, the CN and the SANs the token asks for
         * (step-ca compares them; deviceid-ca takes the names from the
         * token or the account and refuses a CSR asking for others). */
        r = csr_sans(acct, &sans, &n_sans);
        if (r < 0)
                return fail(e, CLIENT_FAIL_LOCAL, "build the /1.0/sign request", r, "bad CN or SAN");
        r = x509_csr_build(account, acct->sub, sans, n_sans, &csr, &csr_len);
        if (r == -ENOMEM)
                return fail(e, CLIENT_FAIL_LOCAL, "build the certificate request", r, NULL);
        if (r < 0 && acct->tpm)
                return fail(e, CLIENT_FAIL_TPM, "sign the certificate request with the account's TPM key", r,
                            NULL);
        if (r < 0)
                return fail(e, CLIENT_FAIL_LOCAL, "build the certificate request", r, "bad CN or SAN");
        r = x509_csr_der_to_pem(csr, csr_len, &csr_pem);
        if (r >= 0)
                r = crypto_sha256(csr, csr_len, h);
        if (r >= 0)
                r = b64_encode(B64_URL, h, sizeof(h), &thumb);
        if (r >= 0)
                r = sign_client_audience(ca_url, prov, &aud);
        if (r >= 0)
                r = sign_client_new_jti(jti);
        if (r >= 0)
                r = claims_object(prov, aud, acct->sub, acct->sans, acct->n_sans, jti, now, thumb, &claims_obj);
        if (r == -EINVAL)
                return fail(e, CLIENT_FAIL_LOCAL, "build the /1.0/sign request", r, "bad CA URL, CN or SAN");
        if (r < 0)
                return fail(e, CLIENT_FAIL_LOCAL, "build the /1.0/sign request", r, NULL);
        if (posture) {
                /* The quote's qualifying data binds it to this token. */
                json_object *report = NULL;

                r = posture_client_report(posture, jti, (int64_t) now, (int64_t) now + SIGN_CLIENT_TOKEN_LIFETIME,
                                          &report, &eventlog, &eventlog_len);
                if (r == -ENOMEM)
                        return fail(e, CLIENT_FAIL_LOCAL, "build the posture report", r, NULL);
                if (r < 0)
                        return fail(e, CLIENT_FAIL_TPM, "quote the PCRs with the AK", r, NULL);
                r = json_add_object(claims_obj, POSTURE_CLAIM, report);
                if (r < 0)
                        return fail(e, CLIENT_FAIL_LOCAL, "build the /1.0/sign request", r, NULL);
        }
        r = json_to_string_dup(claims_obj, &claims);
        if (r < 0)
                return fail(e, CLIENT_FAIL_LOCAL, "build the /1.0/sign request", r, NULL);
        r = sign_client_build_token(device, device_chain, "device", claims, &ott);
        if (r == -ENOMEM)
                return fail(e, CLIENT_FAIL_LOCAL, "sign the one-time token", r, NULL);
        if (r < 0)
                return fail(e, CLIENT_FAIL_TPM, "sign the one-time token with the device key", r, NULL);
        r = sign_client_build_request(csr_pem, ott, eventlog, eventlog_len, ret);
        if (r < 0)
                return fail(e, CLIENT_FAIL_LOCAL, "build the /1.0/sign request", r, NULL);
        return 0;
}

/* Each certificate of the chain issued and signed by the next. */
static bool chain_consistent(STACK_OF(X509) *chain) {
        for (int i = 0; i + 1 < sk_X509_num(chain); i++) {
                X509 *c = sk_X509_value(chain, i), *up = sk_X509_value(chain, i + 1);

                if (X509_check_issued(up, c) != X509_V_OK || X509_verify(c, X509_get0_pubkey(up)) != 1)
                        return false;
        }
        return true;
}

int sign_client_sign(const char *ca_url, const cert_bundle *tls_roots, const cert_bundle *issuer, signer *device,
                     STACK_OF(X509) *device_chain, const sign_client_account *acct, signer *account,
                     const posture_source *posture, cert_bundle *ret, client_failure *e) {
        _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        _cleanup_free_ char *url = NULL, *body = NULL;
        char text[HTTP_CLIENT_ERROR_MAX] = "";
        static const char step[] = "POST /1.0/sign";
        int r;

        if (!ca_url || !device || !device_chain || !acct || !account || !ret || !e)
                return -EINVAL;
        *e = (client_failure) {};
        r = client_url(ca_url, "1.0/sign", &url);
        if (r < 0)
                return fail(e, CLIENT_FAIL_LOCAL, "use the CA URL", r, NULL);
        r = build_body(ca_url, device, device_chain, acct, account, posture, &body, e);
        if (r < 0)
                return r;

        (void) snprintf(e->url, sizeof(e->url), "%s", url);
        r = http_client_perform(&(const http_client_request) {
                                        .method = "POST",
                                        .url = url,
                                        .body = body,
                                        .body_len = strlen(body),
                                        .headers = (const char *const[]) { "Accept: application/json", NULL },
                                        .root_pem = tls_roots ? tls_roots->pem : NULL,
                                        .connect_timeout_sec = SIGN_CONNECT_TIMEOUT,
                                        .timeout_sec = SIGN_TIMEOUT,
                                        .max_body = SIGN_CLIENT_MAX_RESPONSE,
                                },
                                &resp, text);
        if (r < 0)
                return client_fail_transport(e, "Account CA", step, r, text);
        if (resp->status >= 400) {
                _cleanup_free_ char *message = NULL;

                e->status = resp->status;
                (void) client_failure_message(resp->body, resp->body_len, &message, NULL);
                (void) client_failure_problem(resp->body, resp->body_len, e->problem);
                return fail(e, CLIENT_FAIL_REFUSED, step, -EACCES, message);
        }
        if (resp->status != 201 && resp->status != 200) {
                e->status = resp->status;
                return fail(e, CLIENT_FAIL_RESPONSE, step, -EPROTO, "unexpected HTTP status");
        }
        r = sign_client_parse_response(resp->body, resp->body_len, &chain);
        if (r < 0)
                return fail(e, r == -ENOMEM ? CLIENT_FAIL_LOCAL : CLIENT_FAIL_RESPONSE, "read the /1.0/sign response",
                            r, "not {\"crt\": PEM, \"ca\": PEM, \"certChain\": [PEM, ...]}");
        if (crypto_pubkey_equal(X509_get0_pubkey(sk_X509_value(chain, 0)), signer_public_key(account)) != 1)
                return fail(e, CLIENT_FAIL_CHECK, "accept the account certificate", -EBADE,
                            "the certificate is for another key");
        if (issuer) {
                r = x509_chain_verify_stack(chain, issuer->chain, 0, false);
                if (r < 0)
                        return fail(e, r == -ENOMEM ? CLIENT_FAIL_LOCAL : CLIENT_FAIL_CHECK,
                                    "accept the account certificate", r == -ENOMEM ? r : -EKEYREJECTED,
                                    "the certificate does not verify to the Account CA's root");
        } else if (!chain_consistent(chain))
                return fail(e, CLIENT_FAIL_CHECK, "accept the account certificate", -EKEYREJECTED,
                            "the certificate is not issued by the chain sent with it");
        r = cert_bundle_from_chain(&chain, ret);
        if (r < 0)
                return fail(e, r == -ENOMEM ? CLIENT_FAIL_LOCAL : CLIENT_FAIL_RESPONSE, "read the account certificate",
                            r, NULL);
        e->url[0] = '\0';
        return 0;
}
