/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Attestation CA exchange, device side (protocols.md 1): AK creation,
 * POST /attest, TPM2_ActivateCredential, POST /secret, and the checks of
 * the issued chain. The TPM work goes through the TPM layer, the network
 * through http-client.h, the bytes through the pure attest-wire.c, the
 * checks through identity-check.c. Nothing is logged above debug here:
 * the caller reports the client_failure.
 */
#include "enroll/client/attest-client.h"
#include "enroll/client/attest-wire.h"
#include "enroll/client/identity-check.h"
#include "enroll/client/url.h"
#include "enroll/tpm/tpm-activate.h"
#include "http-client.h"
#include "log.h"
#include "x509.h"

/* Per request; the CA keeps a pending activation for 60 s. */
#define ATTEST_CONNECT_TIMEOUT 10
#define ATTEST_TIMEOUT 30
/* Certificates accepted in a --root bundle. */

void attest_client_result_done(attest_client_result *r) {
        if (!r)
                return;
        tpm_key_free(r->ak);
        x509_stack_free(r->chain);
        free(r->ek_uri);
        *r = (attest_client_result) {};
}

static int fail(client_failure *e, client_failure_kind kind, const char *step, int r,
                const char *detail) {
        return client_fail(e, kind, "Attestation CA exchange", step, r, detail);
}

/* The secret from ActivateCredential, and the request body built from it. */
typedef struct secret_buf {
        uint8_t *p;
        size_t len;
} secret_buf;

static void secret_buf_done(secret_buf *b) {
        erase_and_free(b->p, b->len);
        *b = (secret_buf) {};
}

static void erase_stringp(char **s) {
        if (*s)
                erase_and_free(*s, strlen(*s));
}

/* One POST with the exchange's headers. On success *ret is a 200/201
 * response with a JSON body; anything else is turned into e. */
static int post_json(const char *url, const char *body, const char *id_header,
                     const char *root_pem, const char *step, http_client_response **ret,
                     client_failure *e) {
        _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
        const char *headers[] = { id_header, "Accept: application/json", NULL };
        const http_client_request req = {
                .method = "POST",
                .url = url,
                .body = body,
                .body_len = strlen(body),
                .headers = headers,
                .root_pem = root_pem,
                .connect_timeout_sec = ATTEST_CONNECT_TIMEOUT,
                .timeout_sec = ATTEST_TIMEOUT,
                .max_body = ATTEST_CLIENT_MAX_RESPONSE,
        };
        char text[HTTP_CLIENT_ERROR_MAX] = "";
        int r;

        (void) snprintf(e->url, sizeof(e->url), "%s", url);
        r = http_client_perform(&req, &resp, text);
        if (r < 0)
                return client_fail_transport(e, "Attestation CA exchange", step, r, text);

        if (resp->status >= 400) {
                _cleanup_free_ char *message = NULL;

                e->status = resp->status;
                (void) client_failure_message(resp->body, resp->body_len, &message, NULL);
                return fail(e, CLIENT_FAIL_REFUSED, step, -EACCES, message);
        }
        if (resp->status != 200 && resp->status != 201) {
                char detail[64];

                e->status = resp->status;
                (void) snprintf(detail, sizeof(detail), "unexpected HTTP status %ld", resp->status);
                return fail(e, CLIENT_FAIL_RESPONSE, step, -EPROTO, detail);
        }
        if (!http_client_media_type_is(resp->content_type, "application/json"))
                return fail(e, CLIENT_FAIL_RESPONSE, step, -EPROTO,
                            "the response is not application/json");
        *ret = TAKE_PTR(resp);
        return 0;
}

int attest_client_enroll(tpm_ctx *t, const char *base_url, const cert_bundle *roots, tpm_key_alg ak_alg,
                         attest_client_result *ret, client_failure *error) {
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        _cleanup_free_ char *attest_url = NULL, *secret_url = NULL, *ek_uri = NULL,
                            *attest_body = NULL;
        _cleanup_(erase_stringp) char *secret_body = NULL;
        _cleanup_(tpm_ek_freep) tpm_ek *ek = NULL;
        _cleanup_(tpm_key_freep) tpm_key *ak = NULL;
        _cleanup_(tpm_ak_params_done) tpm_ak_params params = {};
        _cleanup_(attest_challenge_done) attest_challenge challenge = {};
        _cleanup_(secret_buf_done) secret_buf secret = {};
        _cleanup_(http_client_response_freep) http_client_response *resp = NULL;
        client_failure dummy;
        char request_id[37], id_header[64];
        const char *why = NULL;
        tpm_info info;
        int r;

        if (!error)
                error = &dummy;
        *error = (client_failure) {};
        if (!t || !base_url || !ret || (int) ak_alg < 0 || ak_alg >= _TPM_KEY_ALG_MAX)
                return fail(error, CLIENT_FAIL_LOCAL, "start the exchange", -EINVAL, NULL);

        r = client_url(base_url, "attest", &attest_url);
        if (r >= 0)
                r = client_url(base_url, "secret", &secret_url);
        if (r < 0)
                return fail(error, CLIENT_FAIL_LOCAL, "use the CA URL", r,
                            "not an http(s) URL without query or fragment");
        r = attest_client_request_id(request_id);
        if (r < 0)
                return fail(error, CLIENT_FAIL_LOCAL, "draw a request ID", r, NULL);
        (void) snprintf(id_header, sizeof(id_header), "X-Request-Id: %s", request_id);
        log_debug("Attestation CA exchange %s with %s", request_id, base_url);

        /* The TPM half of /attest. */
        r = tpm_get_info(t, &info);
        if (r < 0)
                return fail(error, CLIENT_FAIL_TPM, "read the TPM properties", r, NULL);
        r = tpm_ek_default(t, &ek);
        if (r < 0)
                return fail(error, CLIENT_FAIL_TPM, "read the endorsement key", r, NULL);
        r = tpm_ek_uri(ek, &ek_uri);
        if (r < 0)
                return fail(error, CLIENT_FAIL_LOCAL, "compute the EK URI", r, NULL);
        r = tpm_ak_create(t, ak_alg, &ak, &params);
        if (r < 0)
                return fail(error, CLIENT_FAIL_TPM, "create the attestation key", r, NULL);
        r = attest_client_build_attest_request(&info, ek, &params, &attest_body);
        if (r < 0)
                return fail(error, CLIENT_FAIL_LOCAL, "build the /attest request", r, NULL);

        r = post_json(attest_url, attest_body, id_header, roots ? roots->pem : NULL, "POST /attest", &resp, error);
        if (r < 0)
                return r;
        r = attest_client_parse_attest_response(resp->body, resp->body_len, &challenge);
        if (r < 0)
                return fail(error, r == -ENOMEM ? CLIENT_FAIL_LOCAL : CLIENT_FAIL_RESPONSE,
                            "read the /attest response", r,
                            r == -E2BIG ? "a member is too large"
                                        : "expected {\"credential\": base64 TPM2B, \"secret\": "
                                          "base64 TPM2B} with matching size prefixes");
        http_client_response_free(TAKE_PTR(resp));

        r = tpm_activate_credential(t, ak, ek, challenge.credential, challenge.credential_len,
                                    challenge.secret, challenge.secret_len, &secret.p, &secret.len);
        if (r == -EBADE) /* integrity check failed: the CA's fault, not the TPM's */
                return fail(error, CLIENT_FAIL_RESPONSE, "activate the credential", r,
                            "the TPM refused the credential: it was not made for this AK and EK");
        if (r < 0)
                return fail(error, CLIENT_FAIL_TPM, "activate the credential", r, NULL);
        r = attest_client_build_secret_request(secret.p, secret.len, &secret_body);
        secret_buf_done(&secret);
        if (r < 0)
                return fail(error, CLIENT_FAIL_LOCAL, "build the /secret request", r, NULL);

        r = post_json(secret_url, secret_body, id_header, roots ? roots->pem : NULL, "POST /secret", &resp, error);
        erase_stringp(&secret_body);
        secret_body = NULL;
        if (r < 0)
                return r;
        r = attest_client_parse_secret_response(resp->body, resp->body_len, &chain);
        if (r < 0)
                return fail(error, r == -ENOMEM ? CLIENT_FAIL_LOCAL : CLIENT_FAIL_RESPONSE,
                            "read the /secret response", r,
                            r == -E2BIG ? "too many or too large certificates"
                                        : "not {\"chain\": [base64 DER certificate, ...]}");

        r = identity_check_chain(IDENTITY_CERT_AK, chain, tpm_key_public_key(ak), ek_uri,
                                 roots ? roots->chain : NULL, 0, &why);
        if (r < 0)
                return fail(error, r == -ENOMEM ? CLIENT_FAIL_LOCAL : CLIENT_FAIL_CHECK,
                            "accept the AK certificate", r, why);
        error->url[0] = '\0';

        *ret = (attest_client_result) {
                .ak = TAKE_PTR(ak),
                .chain = TAKE_PTR(chain),
                .ek_uri = TAKE_PTR(ek_uri),
        };
        return 0;
}
