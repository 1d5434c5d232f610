/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ACME device-attest-01 on the device (device-attest-client.h): the pure
 * attObj builder and device chain checks, then the order itself over
 * acme-client.c and the TPM layer. Logs at debug only.
 */
#include <cbor.h>

#include "b64.h"
#include "crypto.h"
#include "enroll/client/acme-client.h"
#include "enroll/client/device-attest-client.h"
#include "enroll/client/identity-check.h"
#include "enroll/client/posture-client.h"
#include "json.h"
#include "log.h"
#include "x509.h"

#define COSE_ES256 (-7)
#define COSE_RS256 (-257)

static void cbor_unrefp(cbor_item_t **p) {
        if (*p)
                cbor_decref(p);
}
#define _cleanup_cbor_ _cleanup_(cbor_unrefp)

int device_attest_client_cose_alg(const TPMT_PUBLIC *ak_public, int *ret) {
        if (!ak_public || !ret)
                return -EINVAL;
        if (ak_public->type == TPM2_ALG_ECC)
                *ret = COSE_ES256;
        else if (ak_public->type == TPM2_ALG_RSA)
                *ret = COSE_RS256;
        else
                return -EOPNOTSUPP;
        return 0;
}

/* Adds key -> value, taking the reference to value also on failure. */
static int map_put(cbor_item_t *map, const char *key, cbor_item_t *value) {
        cbor_item_t *k;
        bool ok;

        if (!value)
                return -ENOMEM;
        k = cbor_build_string(key);
        if (!k) {
                cbor_decref(&value);
                return -ENOMEM;
        }
        ok = cbor_map_add(map, (struct cbor_pair) { .key = k, .value = value });
        cbor_decref(&k);
        cbor_decref(&value);
        return ok ? 0 : -ENOMEM;
}

int device_attest_client_build_attobj(int cose_alg, const uint8_t *const *x5c, const size_t *x5c_len,
                                      size_t n_x5c, const uint8_t *sig, size_t sig_len,
                                      const uint8_t *cert_info, size_t cert_info_len,
                                      const uint8_t *pub_area, size_t pub_area_len, uint8_t **ret,
                                      size_t *ret_len) {
        _cleanup_cbor_ cbor_item_t *top = NULL, *stmt = NULL, *arr = NULL;
        unsigned char *buf = NULL;
        size_t buf_size = 0, n;
        int r;

        if ((cose_alg != COSE_ES256 && cose_alg != COSE_RS256) || !x5c || !x5c_len || n_x5c == 0 ||
            n_x5c > DEVICE_ATTEST_MAX_X5C || !sig || sig_len == 0 || !cert_info || cert_info_len == 0 ||
            !pub_area || pub_area_len == 0 || !ret || !ret_len)
                return -EINVAL;
        for (size_t i = 0; i < n_x5c; i++)
                if (!x5c[i] || x5c_len[i] == 0)
                        return -EINVAL;

        top = cbor_new_definite_map(2);
        stmt = cbor_new_definite_map(6);
        arr = cbor_new_definite_array(n_x5c);
        if (!top || !stmt || !arr)
                return -ENOMEM;
        for (size_t i = 0; i < n_x5c; i++) {
                cbor_item_t *b = cbor_build_bytestring(x5c[i], x5c_len[i]);
                bool ok = b && cbor_array_push(arr, b);

                if (b)
                        cbor_decref(&b);
                if (!ok)
                        return -ENOMEM;
        }
        r = map_put(stmt, "ver", cbor_build_string("2.0"));
        if (r >= 0)
                r = map_put(stmt, "alg", cose_alg == COSE_ES256 ? cbor_build_negint8(6) : cbor_build_negint16(256));
        if (r >= 0)
                r = map_put(stmt, "x5c", cbor_incref(arr));
        if (r >= 0)
                r = map_put(stmt, "sig", cbor_build_bytestring(sig, sig_len));
        if (r >= 0)
                r = map_put(stmt, "certInfo", cbor_build_bytestring(cert_info, cert_info_len));
        if (r >= 0)
                r = map_put(stmt, "pubArea", cbor_build_bytestring(pub_area, pub_area_len));
        if (r >= 0)
                r = map_put(top, "fmt", cbor_build_string("tpm"));
        if (r >= 0)
                r = map_put(top, "attStmt", cbor_incref(stmt));
        if (r < 0)
                return r;
        n = cbor_serialize_alloc(top, &buf, &buf_size);
        if (n == 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        *ret_len = n;
        return 0;
}

int device_attest_client_build_payload(const uint8_t *att_obj, size_t len, json_object *posture,
                                       const uint8_t *eventlog, size_t eventlog_len, char **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_b64(o, "attObj", B64_URL, att_obj, len);
        if (r < 0)
                return r;
        if (posture) {
                r = json_add_object(o, POSTURE_ACME_MEMBER, json_object_get(posture));
                if (r < 0)
                        return r;
        }
        if (posture && eventlog) {
                r = json_add_b64(o, POSTURE_EVENTLOG_MEMBER, B64_STD, eventlog, eventlog_len);
                if (r < 0)
                        return r;
        }
        return json_to_string_dup(o, ret);
}

void device_attest_client_result_done(device_attest_client_result *r) {
        if (!r)
                return;
        tpm_key_free(r->key);
        cert_bundle_done(&r->cert);
        *r = (device_attest_client_result) {};
}

static int fail(client_failure *e, client_failure_kind kind, const char *step, int r,
                const char *detail) {
        return client_fail(e, kind, "device-attest-01", step, r, detail);
}

typedef struct der_list {
        uint8_t *der[DEVICE_ATTEST_MAX_X5C];
        size_t len[DEVICE_ATTEST_MAX_X5C];
        size_t n;
} der_list;

static void der_list_done(der_list *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->der[i]);
        *l = (der_list) {};
}

/* The posture report of the answer (docs/posture.md): a quote by the AK
 * over qualifying data bound to this challenge's token and key
 * authorization. */
static int build_posture(tpm_ctx *t, const attest_client_result *ak, uint32_t pcrs, const char *token,
                         const char *key_authz, json_object **ret, uint8_t **ret_log, size_t *ret_log_len,
                         client_failure *e) {
        uint8_t q[32];
        int r;

        r = posture_qualifying_acme(token, key_authz, q);
        if (r < 0)
                return fail(e, CLIENT_FAIL_LOCAL, "derive the posture qualifying data", r, NULL);
        r = posture_client_report_qualified(
                &(posture_source) { .tpm = t, .ak = ak->ak, .ak_cert = sk_X509_value(ak->chain, 0), .mask = pcrs },
                q, ret, ret_log, ret_log_len);
        if (r < 0)
                return fail(e, r == -ENOMEM ? CLIENT_FAIL_LOCAL : CLIENT_FAIL_TPM, "build the posture report", r,
                            NULL);
        return 0;
}

/* Certifies the key for this challenge and builds the answer payload. */
static int build_answer(tpm_ctx *t, const tpm_key *key, const attest_client_result *ak, uint32_t pcrs,
                        const char *token, const char *key_authz, char **ret, client_failure *e) {
        _cleanup_(der_list_done) der_list x5c = {};
        _cleanup_free_ uint8_t *attest = NULL, *sig = NULL, *pub = NULL, *att_obj = NULL, *eventlog = NULL;
        _cleanup_json_ json_object *posture = NULL;
        size_t attest_len, sig_len, pub_len, att_obj_len, eventlog_len = 0;
        uint8_t qualifying[32];
        int alg, r;

        r = crypto_sha256(key_authz, strlen(key_authz), qualifying);
        if (r < 0)
                return fail(e, CLIENT_FAIL_LOCAL, "hash the key authorization", r, NULL);
        r = tpm_key_certify(t, key, ak->ak, qualifying, sizeof(qualifying), &attest, &attest_len, &sig,
                            &sig_len);
        if (r < 0)
                return fail(e, CLIENT_FAIL_TPM, "certify the device key with the AK", r, NULL);
        r = tpm_key_public_area(key, &pub, &pub_len);
        if (r < 0)
                return fail(e, CLIENT_FAIL_LOCAL, "encode the device key's public area", r, NULL);
        for (int i = 0; i < sk_X509_num(ak->chain) && x5c.n < DEVICE_ATTEST_MAX_X5C; i++) {
                r = x509_cert_to_der(sk_X509_value(ak->chain, i), &x5c.der[x5c.n], &x5c.len[x5c.n]);
                if (r < 0)
                        return fail(e, CLIENT_FAIL_LOCAL, "encode the AK certificate chain", r, NULL);
                x5c.n++;
        }
        r = build_posture(t, ak, pcrs, token, key_authz, &posture, &eventlog, &eventlog_len, e);
        if (r < 0)
                return r;
        r = device_attest_client_cose_alg(tpm_key_public(ak->ak), &alg);
        if (r >= 0)
                r = device_attest_client_build_attobj(alg, (const uint8_t *const *) x5c.der, x5c.len, x5c.n, sig,
                                                      sig_len, attest, attest_len, pub, pub_len, &att_obj,
                                                      &att_obj_len);
        if (r >= 0)
                r = device_attest_client_build_payload(att_obj, att_obj_len, posture, eventlog, eventlog_len, ret);
        if (r < 0)
                return fail(e, CLIENT_FAIL_LOCAL, "build the attestation object", r, NULL);
        return 0;
}

int device_attest_client_enroll(tpm_ctx *t, const char *directory_url, const cert_bundle *roots,
                                const attest_client_result *ak, tpm_key_alg key_alg, uint32_t posture_pcrs,
                                device_attest_client_result *ret, client_failure *e) {
        _cleanup_(acme_client_freep) acme_client *c = NULL;
        _cleanup_(acme_order_done) acme_order order = {}, done = {};
        _cleanup_(acme_authorization_done) acme_authorization authz = {};
        _cleanup_(acme_challenge_done) acme_challenge answered = {};
        _cleanup_(tpm_key_freep) tpm_key *key = NULL;
        _cleanup_(signer_freep) signer *s = NULL;
        _cleanup_(cert_bundle_done) cert_bundle cert = {};
        _cleanup_free_ char *order_url = NULL, *key_authz = NULL, *payload = NULL, *pem = NULL;
        _cleanup_free_ uint8_t *csr = NULL;
        const acme_challenge *ch;
        const char *why = NULL;
        size_t csr_len, pem_len;
        int r;

        if (!t || !directory_url || !ak || !ak->ak || !ak->chain || !ak->ek_uri || !ret || !e)
                return -EINVAL;
        *e = (client_failure) {};

        r = acme_client_new(directory_url, roots ? roots->pem : NULL, &c, e);
        if (r >= 0)
                r = acme_client_new_account(c, e);
        if (r >= 0)
                r = acme_client_new_order(c, "permanent-identifier", ak->ek_uri, &order, &order_url, e);
        if (r < 0)
                return r;
        if (order.n_authorizations != 1)
                return fail(e, CLIENT_FAIL_RESPONSE, "read the ACME order", -EPROTO,
                            "expected exactly one authorization");
        r = acme_client_get_authorization(c, order.authorizations[0], &authz, e);
        if (r < 0)
                return r;
        ch = acme_authorization_find(&authz, "device-attest-01");
        if (!ch || !ch->token)
                return fail(e, CLIENT_FAIL_RESPONSE, "read the ACME authorization", -EPROTO,
                            "no device-attest-01 challenge with a token offered");

        r = acme_key_authorization(ch->token, acme_client_account_key(c), &key_authz);
        if (r < 0)
                return fail(e, CLIENT_FAIL_LOCAL, "compute the key authorization", r, NULL);
        r = tpm_key_create(t, key_alg, &key);
        if (r < 0)
                return fail(e, CLIENT_FAIL_TPM, "create the device key", r, NULL);
        r = build_answer(t, key, ak, posture_pcrs, ch->token, key_authz, &payload, e);
        if (r < 0)
                return r;
        r = acme_client_answer_challenge(c, ch->url, payload, &answered, e);
        if (r < 0)
                return r;
        if (answered.status != ACME_STATUS_VALID) {
                char detail[sizeof(e->detail)];
                size_t n;

                /* Named by the directory, the same at every attempt (a
                 * retrying daemon logs a refusal once), not by this
                 * challenge's URL; the problem's detail without its
                 * closing period (the caller's sentence goes on). */
                (void) snprintf(detail, sizeof(detail), "%s", answered.error_detail ?: "the challenge is invalid");
                n = strlen(detail);
                if (n > 0 && detail[n - 1] == '.')
                        detail[n - 1] = '\0';
                e->status = 0;
                (void) snprintf(e->url, sizeof(e->url), "%s", directory_url);
                return fail(e, CLIENT_FAIL_REFUSED, "answer the device-attest-01 challenge", -EACCES, detail);
        }

        acme_order_done(&order);
        r = acme_client_poll_order(c, order_url, true, &order, e);
        if (r < 0)
                return r;
        if (order.status != ACME_STATUS_READY)
                return fail(e, CLIENT_FAIL_RESPONSE, "read the ACME order", -EPROTO,
                            "the order is not ready after a valid challenge");
        r = tpm_key_signer(t, key, &s);
        if (r < 0)
                return fail(e, CLIENT_FAIL_TPM, "use the device key", r, NULL);
        r = x509_csr_build(s, ak->ek_uri, NULL, 0, &csr, &csr_len);
        if (r < 0)
                return fail(e, r == -EINVAL ? CLIENT_FAIL_LOCAL : CLIENT_FAIL_TPM,
                            "sign the CSR with the device key", r, NULL);
        r = acme_client_finalize(c, &order, order_url, csr, csr_len, &done, e);
        if (r < 0)
                return r;
        r = acme_client_download(c, done.certificate, &pem, &pem_len, e);
        if (r < 0)
                return r;
        r = cert_bundle_from_pem(pem, pem_len, DEVICE_ATTEST_MAX_CHAIN, &cert);
        if (r < 0)
                return fail(e, r == -ENOMEM ? CLIENT_FAIL_LOCAL : CLIENT_FAIL_RESPONSE,
                            "read the device certificate", r, "not a PEM certificate chain");
        r = identity_check_chain(IDENTITY_CERT_DEVICE, cert.chain, tpm_key_public_key(key), ak->ek_uri,
                                 roots ? roots->chain : NULL, 0, &why);
        if (r < 0)
                return fail(e, r == -ENOMEM ? CLIENT_FAIL_LOCAL : CLIENT_FAIL_CHECK,
                            "accept the device certificate", r, why);
        e->url[0] = '\0';
        *ret = (device_attest_client_result) {
                .key = TAKE_PTR(key),
                .cert = cert,
        };
        cert = (cert_bundle) {};
        return 0;
}
