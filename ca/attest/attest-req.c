/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsers of the Attestation CA requests (attest-req.h). Every failure
 * names the member at fault, because the message goes back to the client
 * verbatim: someone debugging an agent should not have to guess.
 */
#include <stdarg.h>

#include "attest-req.h"
#include "b64.h"
#include "json.h"

_printf_(3, 4) static int fail(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;

        if (ret_error) {
                va_start(ap, fmt);
                if (vasprintf(ret_error, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return r;
}

static void bytes_done(attest_bytes *b) {
        free(b->data);
        *b = (attest_bytes) {};
}

void attest_request_done(attest_request *r) {
        if (!r)
                return;
        free(r->model);
        bytes_done(&r->ek);
        for (size_t i = 0; i < r->n_ek_certs; i++)
                bytes_done(&r->ek_certs[i]);
        bytes_done(&r->public_area);
        bytes_done(&r->create_data);
        bytes_done(&r->create_attestation);
        bytes_done(&r->create_signature);
        *r = (attest_request) {};
}

/* Decodes the standard base64 string s of slen characters (named `what`
 * in messages) into 1..max bytes. */
static int decode_b64(const char *what, const char *s, size_t slen, size_t max, attest_bytes *ret,
                      char **ret_error) {
        uint8_t *data = NULL;
        size_t len = 0;
        int r;

        r = b64_decode(B64_STD, s, slen, b64_encoded_len(B64_STD, max), &data, &len);
        if (r == -ENOMEM)
                return r;
        if (r == -E2BIG || (r >= 0 && len > max)) {
                free(data);
                return fail(ret_error, -E2BIG, "%s is longer than %zu bytes", what, max);
        }
        if (r < 0)
                return fail(ret_error, -EBADMSG, "%s is not standard base64 with padding", what);
        if (len == 0) {
                free(data);
                return fail(ret_error, -EBADMSG, "%s is empty", what);
        }
        *ret = (attest_bytes) { .data = data, .len = len };
        return 0;
}

/* A required base64 member `key` of o; `path` prefixes it in messages. */
static int get_b64(json_object *o, const char *path, const char *key, size_t max, attest_bytes *ret,
                   char **ret_error) {
        _cleanup_free_ char *what = NULL;
        const char *s = NULL;
        int r;

        if (asprintf(&what, "%s%s", path, key) < 0)
                return -ENOMEM;
        r = json_get_string_opt(o, key, &s);
        if (r == 0)
                return fail(ret_error, -EBADMSG, "%s is required", what);
        if (r < 0)
                return fail(ret_error, -EBADMSG, "%s must be a base64 string", what);
        return decode_b64(what, s, strlen(s), max, ret, ret_error);
}

/* Decimal without sign or leading zeros, at most max. */
static int parse_decimal(const char *s, uint32_t max, uint32_t *ret) {
        uint64_t v = 0;

        if (!s || !*s || (s[0] == '0' && s[1]))
                return -EBADMSG;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EBADMSG;
                v = v * 10 + (uint64_t) (*p - '0');
                if (v > max)
                        return -EBADMSG;
        }
        *ret = (uint32_t) v;
        return 0;
}

static int parse_firmware(const char *s, uint16_t *ret_major, uint16_t *ret_minor) {
        _cleanup_free_ char *copy = NULL;
        uint32_t major, minor;
        char *dot;

        if (strlen(s) > 11) /* "65535.65535" */
                return -EBADMSG;
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        dot = strchr(copy, '.');
        if (!dot)
                return -EBADMSG;
        *dot = '\0';
        if (parse_decimal(copy, UINT16_MAX, &major) < 0 || parse_decimal(dot + 1, UINT16_MAX, &minor) < 0)
                return -EBADMSG;
        *ret_major = (uint16_t) major;
        *ret_minor = (uint16_t) minor;
        return 0;
}

static bool model_ok(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > ATTEST_MODEL_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (s[i] < 0x20 || s[i] > 0x7e)
                        return false;
        return true;
}

static int parse_tpm_info(json_object *top, attest_request *req, char **ret_error) {
        json_object *info = NULL;
        const char *s = NULL;
        int64_t version;
        uint32_t manufacturer;
        int r;

        r = json_get_object_opt(top, "tpmInfo", &info);
        if (r == 0)
                return fail(ret_error, -EBADMSG, "tpmInfo is required");
        if (r < 0)
                return fail(ret_error, -EBADMSG, "tpmInfo must be an object");

        r = json_get_int64_opt(info, "version", &version);
        if (r == 0)
                return fail(ret_error, -EBADMSG, "tpmInfo.version is required");
        if (r < 0 || version != 2)
                return fail(ret_error, -EBADMSG, "tpmInfo.version must be the number 2 (TPM 2.0)");

        r = json_get_string_opt(info, "manufacturer", &s);
        if (r == 0)
                return fail(ret_error, -EBADMSG, "tpmInfo.manufacturer is required");
        if (r < 0 || parse_decimal(s, UINT32_MAX, &manufacturer) < 0)
                return fail(ret_error, -EBADMSG,
                            "tpmInfo.manufacturer must be TPM_PT_MANUFACTURER as a decimal string");

        r = json_get_string_opt(info, "model", &s);
        if (r == 0)
                return fail(ret_error, -EBADMSG, "tpmInfo.model is required");
        if (r < 0 || !model_ok(s))
                return fail(ret_error, -EBADMSG, "tpmInfo.model must be 1 to %d printable ASCII characters",
                            ATTEST_MODEL_MAX);
        req->model = strdup(s);
        if (!req->model)
                return -ENOMEM;

        r = json_get_string_opt(info, "firmwareVersion", &s);
        if (r == 0)
                return fail(ret_error, -EBADMSG, "tpmInfo.firmwareVersion is required");
        if (r >= 0)
                r = parse_firmware(s, &req->fw_major, &req->fw_minor);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(ret_error, -EBADMSG,
                            "tpmInfo.firmwareVersion must be \"major.minor\", two decimal numbers up to 65535");
        req->manufacturer = manufacturer;
        return 0;
}

static int parse_ek_certs(json_object *top, attest_request *req, char **ret_error) {
        json_object *arr = NULL;
        size_t n;
        int r;

        r = json_get_array_opt(top, "ekCerts", &arr);
        if (r < 0)
                return fail(ret_error, -EBADMSG, "ekCerts must be an array of base64 strings");
        if (r == 0)
                return 0; /* absent or null: the TPM has no EK certificate */
        n = json_object_array_length(arr);
        if (n > ATTEST_EK_CERTS_MAX)
                return fail(ret_error, -E2BIG, "ekCerts holds %zu certificates, at most %d are accepted", n,
                            ATTEST_EK_CERTS_MAX);
        for (size_t i = 0; i < n; i++) {
                json_object *v = json_object_array_get_idx(arr, i);
                char what[32];

                snprintf(what, sizeof(what), "ekCerts[%zu]", i);
                if (!json_object_is_type(v, json_type_string))
                        return fail(ret_error, -EBADMSG, "%s must be a base64 string", what);
                r = decode_b64(what, json_object_get_string(v), (size_t) json_object_get_string_len(v),
                               ATTEST_EK_CERT_MAX, &req->ek_certs[i], ret_error);
                if (r < 0)
                        return r;
                req->n_ek_certs = i + 1;
        }
        return 0;
}

static int parse_params(json_object *top, attest_request *req, char **ret_error) {
        json_object *params = NULL;
        bool tcsd = false;
        int r;

        r = json_get_object_opt(top, "params", &params);
        if (r == 0)
                return fail(ret_error, -EBADMSG, "params is required");
        if (r < 0)
                return fail(ret_error, -EBADMSG, "params must be an object");
        r = json_get_bool_opt(params, "useTCSDActivationFormat", &tcsd);
        if (r < 0)
                return fail(ret_error, -EBADMSG, "params.useTCSDActivationFormat must be a boolean");
        if (tcsd)
                return fail(ret_error, -EBADMSG,
                            "params.useTCSDActivationFormat is true: TPM 1.2 activation is not supported");

        r = get_b64(params, "params.", "public", ATTEST_STRUCT_MAX, &req->public_area, ret_error);
        if (r >= 0)
                r = get_b64(params, "params.", "createData", ATTEST_STRUCT_MAX, &req->create_data, ret_error);
        if (r >= 0)
                r = get_b64(params, "params.", "createAttestation", ATTEST_STRUCT_MAX, &req->create_attestation,
                            ret_error);
        if (r >= 0)
                r = get_b64(params, "params.", "createSignature", ATTEST_STRUCT_MAX, &req->create_signature,
                            ret_error);
        return r;
}

/* The top-level object of a body, with a message for each way it fails. */
static int parse_body(const char *body, size_t len, json_object **ret, char **ret_error) {
        int r;

        if (!body)
                return fail(ret_error, -EBADMSG, "the request body is empty");
        r = json_parse_object(body, len, ATTEST_BODY_MAX, ret);
        if (r == -ENOMEM)
                return r;
        if (r == -E2BIG)
                return fail(ret_error, -E2BIG, "the request body is larger than %d bytes", ATTEST_BODY_MAX);
        if (r < 0)
                return fail(ret_error, -EBADMSG, "the request body is not a JSON object");
        return 0;
}

int attest_request_parse(const char *body, size_t len, attest_request *ret, char **ret_error) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_(attest_request_done) attest_request req = {};
        int r;

        if (ret_error)
                *ret_error = NULL;
        if (!ret)
                return -EINVAL;
        r = parse_body(body, len, &o, ret_error);
        if (r < 0)
                return r;
        r = parse_tpm_info(o, &req, ret_error);
        if (r < 0)
                return r;
        r = get_b64(o, "", "ek", ATTEST_EK_MAX, &req.ek, ret_error);
        if (r < 0)
                return r;
        r = parse_ek_certs(o, &req, ret_error);
        if (r < 0)
                return r;
        r = parse_params(o, &req, ret_error);
        if (r < 0)
                return r;
        *ret = req;
        req = (attest_request) {};
        return 0;
}

int attest_secret_parse(const char *body, size_t len, uint8_t ret[ATTEST_SECRET_LEN], char **ret_error) {
        _cleanup_json_ json_object *o = NULL;
        attest_bytes b = {};
        int r;

        if (ret_error)
                *ret_error = NULL;
        if (!ret)
                return -EINVAL;
        r = parse_body(body, len, &o, ret_error);
        if (r < 0)
                return r;
        r = get_b64(o, "", "secret", ATTEST_SECRET_LEN, &b, ret_error);
        if (r < 0)
                return r;
        if (b.len != ATTEST_SECRET_LEN) {
                erase_and_free(b.data, b.len);
                return fail(ret_error, -EBADMSG, "secret must decode to exactly %d bytes", ATTEST_SECRET_LEN);
        }
        memcpy(ret, b.data, ATTEST_SECRET_LEN);
        erase_and_free(b.data, b.len);
        return 0;
}

int attest_request_id_parse(const char *s, char ret[ATTEST_REQUEST_ID_LEN + 1]) {
        char id[ATTEST_REQUEST_ID_LEN + 1];

        if (!s || !ret || strlen(s) != ATTEST_REQUEST_ID_LEN)
                return -EINVAL;
        for (size_t i = 0; i < ATTEST_REQUEST_ID_LEN; i++) {
                char c = s[i];

                if (i == 8 || i == 13 || i == 18 || i == 23) {
                        if (c != '-')
                                return -EINVAL;
                } else if (c >= 'A' && c <= 'F')
                        c = (char) (c - 'A' + 'a');
                else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                        return -EINVAL;
                id[i] = c;
        }
        id[ATTEST_REQUEST_ID_LEN] = '\0';
        memcpy(ret, id, sizeof(id));
        return 0;
}
