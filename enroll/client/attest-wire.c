/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Attestation CA wire formats, device side (attest-wire.h): builders
 * of the /attest and /secret request bodies and parsers of their
 * responses. Buffers in, values out: no TPM, no network, no files.
 * Everything the CA sends is treated as hostile and bounded before it is
 * decoded.
 */
#include "b64.h"
#include "crypto.h"
#include "enroll/client/attest-wire.h"
#include "json.h"
#include "log.h"
#include "x509.h"

/* A json-c or b64 failure of a parser, as documented: -E2BIG and -ENOMEM
 * pass, everything else is a malformed body. */
static int as_malformed(int r) {
        return r == -E2BIG || r == -ENOMEM ? r : -EBADMSG;
}

/* A NUL-terminated field of a fixed-size array, or NULL if unterminated. */
#define FIELD(s) (memchr((s), '\0', sizeof(s)) ? (s) : NULL)

static int add_tpm_info(json_object *o, const tpm_info *info) {
        _cleanup_json_ json_object *ti = json_object_new_object();
        const char *manufacturer = FIELD(info->manufacturer_dec), *model = FIELD(info->model),
                   *firmware = FIELD(info->firmware);
        int r;

        if (!ti)
                return -ENOMEM;
        if (!manufacturer || !model || !firmware)
                return -EINVAL;
        r = json_add_int64(ti, "version", 2);
        if (r >= 0)
                r = json_add_string(ti, "manufacturer", manufacturer);
        if (r >= 0)
                r = json_add_string(ti, "model", model);
        if (r >= 0)
                r = json_add_string(ti, "firmwareVersion", firmware);
        if (r < 0)
                return r;
        return json_add_object(o, "tpmInfo", TAKE_PTR(ti));
}

static int add_ek(json_object *o, const tpm_ek *ek) {
        _cleanup_json_ json_object *certs = json_object_new_array();
        _cleanup_free_ uint8_t *spki = NULL;
        size_t spki_len;
        int r;

        if (!certs)
                return -ENOMEM;
        r = crypto_pubkey_to_der(ek->pkey, &spki, &spki_len);
        if (r < 0)
                return r;
        r = json_add_b64(o, "ek", B64_STD, spki, spki_len);
        if (r < 0)
                return r;
        if (ek->cert && ek->cert_len > 0) {
                _cleanup_free_ char *s = NULL;
                json_object *e;

                r = b64_encode(B64_STD, ek->cert, ek->cert_len, &s);
                if (r < 0)
                        return r;
                e = json_object_new_string(s);
                if (!e)
                        return -ENOMEM;
                if (json_object_array_add(certs, e) < 0) {
                        json_object_put(e);
                        return -ENOMEM;
                }
        }
        return json_add_object(o, "ekCerts", TAKE_PTR(certs));
}

static int add_params(json_object *o, const tpm_ak_params *p) {
        _cleanup_json_ json_object *params = json_object_new_object();
        int r;

        if (!params)
                return -ENOMEM;
        r = json_add_b64(params, "public", B64_STD, p->public, p->public_len);
        if (r >= 0)
                r = json_add_b64(params, "createData", B64_STD, p->create_data, p->create_data_len);
        if (r >= 0)
                r = json_add_b64(params, "createAttestation", B64_STD, p->attest, p->attest_len);
        if (r >= 0)
                r = json_add_b64(params, "createSignature", B64_STD, p->signature, p->signature_len);
        if (r < 0)
                return r;
        return json_add_object(o, "params", TAKE_PTR(params));
}

int attest_client_build_attest_request(const tpm_info *info, const tpm_ek *ek,
                                       const tpm_ak_params *p, char **ret) {
        _cleanup_json_ json_object *o = NULL;
        int r;

        if (!info || !ek || !ek->pkey || !p || !ret)
                return -EINVAL;
        if (!p->public || p->public_len == 0 || !p->create_data || p->create_data_len == 0 ||
            !p->attest || p->attest_len == 0 || !p->signature || p->signature_len == 0)
                return -EINVAL;
        if (ek->cert_len > 0 && !ek->cert)
                return -EINVAL;

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        r = add_tpm_info(o, info);
        if (r >= 0)
                r = add_ek(o, ek);
        if (r >= 0)
                r = add_params(o, p);
        if (r >= 0)
                r = json_to_string_dup(o, ret);
        return r;
}

void attest_challenge_done(attest_challenge *c) {
        if (!c)
                return;
        free(c->credential);
        free(c->secret);
        *c = (attest_challenge) {};
}

/* A base64 member holding a TPM2B: bounded, and its size prefix must
 * cover exactly the rest. */
static int get_tpm2b(json_object *o, const char *key, uint8_t **ret, size_t *ret_len) {
        _cleanup_free_ uint8_t *b = NULL;
        size_t n;
        int r;

        r = json_get_b64(o, key, B64_STD, b64_encoded_len(B64_STD, ATTEST_CLIENT_MAX_BLOB), &b, &n);
        if (r == -ENOENT)
                return log_debug_errno(EBADMSG, "\"%s\" is missing.", key);
        if (r < 0)
                return as_malformed(r);
        if (n > ATTEST_CLIENT_MAX_BLOB)
                return log_debug_errno(E2BIG, "\"%s\" is %zu bytes long.", key, n);
        if (n < 3)
                return log_debug_errno(EBADMSG, "\"%s\" is too short for a TPM2B.", key);
        if (((size_t) b[0] << 8 | b[1]) != n - 2)
                return log_debug_errno(EBADMSG, "\"%s\": size prefix %u does not match %zu bytes.",
                                       key, (unsigned) (b[0] << 8 | b[1]), n - 2);
        *ret = TAKE_PTR(b);
        *ret_len = n;
        return 0;
}

int attest_client_parse_attest_response(const char *body, size_t len, attest_challenge *ret) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_(attest_challenge_done) attest_challenge c = {};
        int r;

        if (!body || !ret)
                return -EINVAL;
        r = json_parse_object(body, len, ATTEST_CLIENT_MAX_RESPONSE, &o);
        if (r < 0)
                return as_malformed(r);
        r = get_tpm2b(o, "credential", &c.credential, &c.credential_len);
        if (r < 0)
                return r;
        r = get_tpm2b(o, "secret", &c.secret, &c.secret_len);
        if (r < 0)
                return r;
        *ret = c;
        c = (attest_challenge) {};
        return 0;
}

int attest_client_build_secret_request(const uint8_t *secret, size_t len, char **ret) {
        static const char head[] = "{\"secret\":\"", tail[] = "\"}";
        char *enc = NULL, *s;
        size_t enc_len;
        int r;

        if (!secret || len == 0 || len > 64 || !ret)
                return -EINVAL;
        r = b64_encode(B64_STD, secret, len, &enc);
        if (r < 0)
                return r;
        enc_len = strlen(enc);
        /* Base64 needs no JSON escaping, so the body is assembled by hand. */
        s = malloc(sizeof(head) - 1 + enc_len + sizeof(tail));
        if (!s) {
                erase_and_free(enc, enc_len);
                return -ENOMEM;
        }
        memcpy(s, head, sizeof(head) - 1);
        memcpy(s + sizeof(head) - 1, enc, enc_len);
        memcpy(s + sizeof(head) - 1 + enc_len, tail, sizeof(tail));
        erase_and_free(enc, enc_len);
        *ret = s;
        return 0;
}

int attest_client_parse_secret_response(const char *body, size_t len, STACK_OF(X509) **ret) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        json_object *a;
        size_t n;
        int r;

        if (!body || !ret)
                return -EINVAL;
        r = json_parse_object(body, len, ATTEST_CLIENT_MAX_RESPONSE, &o);
        if (r < 0)
                return as_malformed(r);
        r = json_get_array(o, "chain", &a);
        if (r == -ENOENT)
                return log_debug_errno(EBADMSG, "\"chain\" is missing.");
        if (r < 0)
                return as_malformed(r);
        n = json_object_array_length(a);
        if (n == 0)
                return log_debug_errno(EBADMSG, "\"chain\" is empty.");
        if (n > ATTEST_CLIENT_MAX_CERTS)
                return log_debug_errno(E2BIG, "\"chain\" holds %zu certificates.", n);

        chain = sk_X509_new_null();
        if (!chain)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i);
                _cleanup_free_ uint8_t *der = NULL;
                X509 *cert = NULL;
                size_t der_len;

                if (!json_object_is_type(e, json_type_string))
                        return log_debug_errno(EBADMSG, "\"chain\"[%zu] is not a string.", i);
                r = b64_decode(B64_STD, json_object_get_string(e),
                               (size_t) json_object_get_string_len(e),
                               b64_encoded_len(B64_STD, ATTEST_CLIENT_MAX_CERT_DER), &der, &der_len);
                if (r < 0)
                        return log_debug_errno(as_malformed(r), "\"chain\"[%zu] is not valid base64: %s",
                                               i, strerror(-r));
                if (der_len > ATTEST_CLIENT_MAX_CERT_DER)
                        return log_debug_errno(E2BIG, "\"chain\"[%zu] is %zu bytes long.", i, der_len);
                r = x509_cert_from_der(der, der_len, &cert);
                if (r < 0)
                        return log_debug_errno(as_malformed(r), "\"chain\"[%zu] is not a certificate.", i);
                if (sk_X509_push(chain, cert) <= 0) {
                        X509_free(cert);
                        return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(chain);
        return 0;
}

int attest_client_request_id(char ret[static 37]) {
        uint8_t b[16];
        int r;

        r = crypto_random(b, sizeof(b));
        if (r < 0)
                return r;
        b[6] = (uint8_t) ((b[6] & 0x0f) | 0x40); /* version 4 */
        b[8] = (uint8_t) ((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
        (void) snprintf(ret, 37,
                        "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                        b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
                        b[13], b[14], b[15]);
        return 0;
}
