/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the Attestation CA (ca/attest*.c) with fixed vectors: the
 * swtpm AKs of tests/unit/data/tpm2 (TPM2_CertifyCreation output) and its
 * software "EKs", whose private keys let the test activate the credential
 * itself (tpm2_activate_credential_soft). Covers the request parsers
 * member by member, the pending-activation table (limits, expiry, single
 * use, threads), and the whole exchange against a CA directory and
 * inventory built in a temporary directory: the AK certificate profile,
 * its revocation with the device, and every refusal with its status.
 */
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "ca/attest/attest-pending.h"
#include "ca/attest/attest-req.h"
#include "ca/attest/attest.h"
#include "ca/inventory/devices.h"
#include "log.h"
#include "tests/unit/ca/test-db.h"
#include "tests/unit/tap.h"
#include "tpm2util.h"

#define MANUFACTURER_DEC "1229081888" /* 0x49424d20, "IBM " */
#define MODEL "SW   TPM"
#define FIRMWARE "8217.4131"          /* 0x2019, 0x1023 */
#define RID "0f8fad5b-d9cb-469f-a165-70867728950e"

static char tmpdir[] = "/tmp/test-ca-attest-XXXXXX";

/* ---- fixtures ---- */

static char *data_path(const char *name) {
        const char *dir = getenv("top_srcdir");
        char *p;

        if ((dir ? asprintf(&p, "%s/tests/unit/data/tpm2/%s", dir, name)
                 : asprintf(&p, "%s/%s", TPM2_TESTDATA, name)) < 0)
                abort();
        return p;
}

static attest_bytes load(const char *name, size_t skip) {
        _cleanup_free_ char *path = data_path(name);
        char *buf = NULL;
        size_t len = 0;

        if (read_file_at(AT_FDCWD, path, 1 << 20, &buf, &len) < 0 || len < skip) {
                printf("Bail out! cannot read %s\n", path);
                exit(1);
        }
        memmove(buf, buf + skip, len - skip);
        return (attest_bytes) { (uint8_t *) buf, len - skip };
}

static EVP_PKEY *load_key(const char *name) {
        attest_bytes b = load(name, 0);
        EVP_PKEY *k = NULL;

        if (crypto_key_from_pem((const char *) b.data, b.len, &k) < 0)
                abort();
        free(b.data);
        return k;
}

static char *b64(const void *p, size_t n) {
        char *s = NULL;
        if (b64_encode(B64_STD, p, n, &s) < 0)
                abort();
        return s;
}

/* The AK params of data/tpm2 for "rsa" or "ecc", as /attest carries them. */
static json_object *params_of(const char *ak) {
        static const struct {
                const char *member, *suffix;
                size_t skip;
        } files[] = {
                { "public", "pub", 2 }, /* TPM2B_PUBLIC -> TPMT_PUBLIC */
                { "createData", "cdata", 2 },
                { "createAttestation", "cattest", 0 },
                { "createSignature", "csig", 0 },
        };
        json_object *p = json_object_new_object();

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                char name[64];
                attest_bytes b;

                snprintf(name, sizeof(name), "ak-%s.%s", ak, files[i].suffix);
                b = load(name, files[i].skip);
                if (json_add_b64(p, files[i].member, B64_STD, b.data, b.len) < 0)
                        abort();
                free(b.data);
        }
        return p;
}

static json_object *good_request(const char *ak, EVP_PKEY *ek) {
        json_object *o = json_object_new_object(), *info = json_object_new_object();
        _cleanup_free_ uint8_t *der = NULL;
        size_t len;

        if (!o || !info || crypto_pubkey_to_der(ek, &der, &len) < 0)
                abort();
        json_add_int64(info, "version", 2);
        json_add_string(info, "manufacturer", MANUFACTURER_DEC);
        json_add_string(info, "model", MODEL);
        json_add_string(info, "firmwareVersion", FIRMWARE);
        json_add_object(o, "tpmInfo", info);
        json_add_b64(o, "ek", B64_STD, der, len);
        json_add_object(o, "params", params_of(ak));
        return o;
}

static int parse_obj(json_object *o, attest_request *ret, char **ret_error) {
        _cleanup_free_ char *text = NULL;

        if (json_to_string_dup(o, &text) < 0)
                abort();
        return attest_request_parse(text, strlen(text), ret, ret_error);
}

/* ---- parsers ---- */

/* A JSON value for a mutation: literal JSON, or "@b64:N" (base64 of N
 * zero bytes), or "@certs:N" (an array of N small base64 strings). */
static json_object *value_of(const char *spec) {
        if (strncmp(spec, "@b64:", 5) == 0) {
                size_t n = strtoul(spec + 5, NULL, 10);
                _cleanup_free_ uint8_t *z = calloc(1, n + 1);
                _cleanup_free_ char *s = b64(z, n);
                return json_object_new_string(s);
        }
        if (strncmp(spec, "@certs:", 7) == 0) {
                json_object *a = json_object_new_array();
                for (size_t i = 0, n = strtoul(spec + 7, NULL, 10); i < n; i++)
                        json_object_array_add(a, json_object_new_string("MAA="));
                return a;
        }
        return json_tokener_parse(spec);
}

static void test_request_parse(EVP_PKEY *ek) {
        static const struct {
                const char *container; /* NULL: top level */
                const char *key;
                const char *value;     /* NULL: delete the member */
                int want_r;
                const char *want_msg;
        } v[] = {
                { NULL, "tpmInfo", NULL, -EBADMSG, "tpmInfo is required" },
                { NULL, "tpmInfo", "\"x\"", -EBADMSG, "tpmInfo must be an object" },
                { "tpmInfo", "version", NULL, -EBADMSG, "tpmInfo.version is required" },
                { "tpmInfo", "version", "1", -EBADMSG, "tpmInfo.version must be the number 2" },
                { "tpmInfo", "version", "\"2\"", -EBADMSG, "tpmInfo.version must be the number 2" },
                { "tpmInfo", "version", "2.0", -EBADMSG, "tpmInfo.version must be the number 2" },
                { "tpmInfo", "manufacturer", NULL, -EBADMSG, "tpmInfo.manufacturer is required" },
                { "tpmInfo", "manufacturer", "1229081888", -EBADMSG, "tpmInfo.manufacturer must be" },
                { "tpmInfo", "manufacturer", "\"01\"", -EBADMSG, "tpmInfo.manufacturer must be" },
                { "tpmInfo", "manufacturer", "\"4294967296\"", -EBADMSG, "tpmInfo.manufacturer must be" },
                { "tpmInfo", "manufacturer", "\"-1\"", -EBADMSG, "tpmInfo.manufacturer must be" },
                { "tpmInfo", "manufacturer", "\"0x49\"", -EBADMSG, "tpmInfo.manufacturer must be" },
                { "tpmInfo", "model", NULL, -EBADMSG, "tpmInfo.model is required" },
                { "tpmInfo", "model", "\"\"", -EBADMSG, "tpmInfo.model must be 1 to 64 printable" },
                { "tpmInfo", "model", "\"caf\\u00e9\"", -EBADMSG, "tpmInfo.model must be 1 to 64" },
                { "tpmInfo", "model", "\"a\\tb\"", -EBADMSG, "tpmInfo.model must be 1 to 64" },
                { "tpmInfo", "model", "\"0123456789012345678901234567890123456789012345678901234567890123x\"",
                  -EBADMSG, "tpmInfo.model must be 1 to 64" },
                { "tpmInfo", "model", "null", -EBADMSG, "tpmInfo.model is required" },
                { "tpmInfo", "firmwareVersion", NULL, -EBADMSG, "tpmInfo.firmwareVersion is required" },
                { "tpmInfo", "firmwareVersion", "\"1\"", -EBADMSG, "tpmInfo.firmwareVersion must be" },
                { "tpmInfo", "firmwareVersion", "\"1.2.3\"", -EBADMSG, "tpmInfo.firmwareVersion must be" },
                { "tpmInfo", "firmwareVersion", "\"65536.0\"", -EBADMSG, "tpmInfo.firmwareVersion must be" },
                { "tpmInfo", "firmwareVersion", "\"01.2\"", -EBADMSG, "tpmInfo.firmwareVersion must be" },
                { "tpmInfo", "firmwareVersion", "\"1.\"", -EBADMSG, "tpmInfo.firmwareVersion must be" },
                { "tpmInfo", "firmwareVersion", "\" 1.2\"", -EBADMSG, "tpmInfo.firmwareVersion must be" },
                { "tpmInfo", "firmwareVersion", "12", -EBADMSG, "tpmInfo.firmwareVersion must be" },
                { NULL, "ek", NULL, -EBADMSG, "ek is required" },
                { NULL, "ek", "null", -EBADMSG, "ek is required" },
                { NULL, "ek", "5", -EBADMSG, "ek must be a base64 string" },
                { NULL, "ek", "\"not base64!\"", -EBADMSG, "ek is not standard base64" },
                { NULL, "ek", "\"-_-_\"", -EBADMSG, "ek is not standard base64" },
                { NULL, "ek", "\"AAA\"", -EBADMSG, "ek is not standard base64" },
                { NULL, "ek", "\"\"", -EBADMSG, "ek is empty" },
                { NULL, "ek", "@b64:2049", -E2BIG, "ek is longer than 2048 bytes" },
                { NULL, "ekCerts", "\"MAA=\"", -EBADMSG, "ekCerts must be an array" },
                { NULL, "ekCerts", "[1]", -EBADMSG, "ekCerts[0] must be a base64 string" },
                { NULL, "ekCerts", "[\"MAA=\", \"%%\"]", -EBADMSG, "ekCerts[1] is not standard base64" },
                { NULL, "ekCerts", "[\"\"]", -EBADMSG, "ekCerts[0] is empty" },
                { NULL, "ekCerts", "@certs:9", -E2BIG, "ekCerts holds 9 certificates, at most 8" },
                { NULL, "params", NULL, -EBADMSG, "params is required" },
                { NULL, "params", "[]", -EBADMSG, "params must be an object" },
                { "params", "public", NULL, -EBADMSG, "params.public is required" },
                { "params", "createData", "{}", -EBADMSG, "params.createData must be a base64 string" },
                { "params", "createAttestation", "\"AA==\\n\"", -EBADMSG,
                  "params.createAttestation is not standard base64" },
                { "params", "createSignature", "@b64:4097", -E2BIG, "params.createSignature is longer than 4096" },
                { "params", "useTCSDActivationFormat", "true", -EBADMSG, "TPM 1.2 activation is not supported" },
                { "params", "useTCSDActivationFormat", "\"no\"", -EBADMSG, "must be a boolean" },
        };
        _cleanup_(attest_request_done) attest_request req = {};
        _cleanup_free_ char *err = NULL;
        json_object *o;
        int r;

        printf("# /attest body parser\n");
        o = good_request("rsa", ek);
        is_ok(parse_obj(o, &req, &err), "good request parses");
        ok(err == NULL, "no message on success");
        is_int(req.manufacturer, 0x49424d20, "manufacturer");
        is_str(req.model, MODEL, "model");
        ok(req.fw_major == 0x2019 && req.fw_minor == 0x1023, "firmware major.minor");
        is_int(req.n_ek_certs, 0, "no EK certificates");
        {
                attest_bytes pub = load("ak-rsa.pub", 2), sig = load("ak-rsa.csig", 0);
                is_mem(req.public_area.data, req.public_area.len, pub.data, pub.len, "params.public decoded");
                is_mem(req.create_signature.data, req.create_signature.len, sig.data, sig.len,
                       "params.createSignature decoded");
                free(pub.data);
                free(sig.data);
        }
        attest_request_done(&req);

        /* What step's client adds, and anything else, is ignored. */
        json_object_object_add(o, "akCert", NULL);
        json_object_object_add(o, "ekCerts", NULL);
        json_object_object_add(o, "future", json_tokener_parse("{\"x\": [1, 2]}"));
        json_object_object_add(json_object_object_get(o, "tpmInfo"), "vendor", json_object_new_int(7));
        json_object_object_add(json_object_object_get(o, "params"), "useTCSDActivationFormat",
                               json_object_new_boolean(0));
        is_ok(parse_obj(o, &req, NULL), "unknown members and null ekCerts ignored");
        attest_request_done(&req);
        json_object_object_add(o, "ekCerts", value_of("@certs:8"));
        is_ok(parse_obj(o, &req, NULL), "eight EK certificates accepted");
        is_int(req.n_ek_certs, 8, "eight EK certificates returned");
        ok(req.ek_certs[7].len == 2 && req.ek_certs[7].data[0] == 0x30, "EK certificate bytes decoded");
        attest_request_done(&req);
        json_object_put(o);

        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                _cleanup_free_ char *msg = NULL;
                json_object *c;

                o = good_request("ecc", ek);
                c = v[i].container ? json_object_object_get(o, v[i].container) : o;
                if (v[i].value)
                        json_object_object_add(c, v[i].key, value_of(v[i].value));
                else
                        json_object_object_del(c, v[i].key);
                r = parse_obj(o, &req, &msg);
                is_int(r, v[i].want_r, v[i].want_msg);
                if (!msg || !strstr(msg, v[i].want_msg)) {
                        ok(false, "message names the problem");
                        printf("#   got \"%s\"\n", msg ?: "(null)");
                }
                ok(!req.model && !req.ek.data, "nothing returned on failure");
                json_object_put(o);
        }

        {
                static const struct {
                        const char *body;
                        const char *want_msg;
                } bodies[] = {
                        { "", "not a JSON object" },
                        { "[]", "not a JSON object" },
                        { "{\"tpmInfo\": ", "not a JSON object" },
                        { "{} {}", "not a JSON object" },
                        { "{\"a\":1,\"a\":2}", "not a JSON object" },
                };
                for (size_t i = 0; i < ELEMENTSOF(bodies); i++) {
                        _cleanup_free_ char *msg = NULL;
                        is_err(attest_request_parse(bodies[i].body, strlen(bodies[i].body), &req, &msg), -EBADMSG,
                               bodies[i].want_msg);
                        ok(msg && strstr(msg, bodies[i].want_msg), "body message");
                }
                _cleanup_free_ char *big = malloc(ATTEST_BODY_MAX + 2), *msg = NULL;
                memset(big, ' ', ATTEST_BODY_MAX + 1);
                big[0] = '{';
                big[ATTEST_BODY_MAX] = '}';
                big[ATTEST_BODY_MAX + 1] = '\0';
                is_err(attest_request_parse(big, ATTEST_BODY_MAX + 1, &req, &msg), -E2BIG, "body over 64 KiB");
                ok(msg && strstr(msg, "larger than"), "oversize message");
                is_err(attest_request_parse(NULL, 0, &req, NULL), -EBADMSG, "NULL body");
        }
}

static void test_secret_parse(void) {
        static const struct {
                const char *body;
                int want_r;
                const char *want_msg;
        } v[] = {
                { "{\"secret\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\",\"more\":1}", 0, NULL },
                { "{\"secret\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\"}", -EBADMSG, "exactly 32 bytes" },
                { "{\"secret\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\"}", -E2BIG, "longer than 32" },
                { "{\"secret\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\"}", -EBADMSG, "not standard base64" },
                { "{\"secret\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh-=\"}", -EBADMSG, "not standard base64" },
                { "{\"secret\":null}", -EBADMSG, "secret is required" },
                { "{\"secret\":32}", -EBADMSG, "secret must be a base64 string" },
                { "{}", -EBADMSG, "secret is required" },
                { "\"secret\"", -EBADMSG, "not a JSON object" },
        };
        uint8_t s[ATTEST_SECRET_LEN], want[ATTEST_SECRET_LEN];

        printf("# /secret body parser\n");
        for (size_t i = 0; i < sizeof(want); i++)
                want[i] = (uint8_t) i;
        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                _cleanup_free_ char *msg = NULL;
                int r;

                memset(s, 0xee, sizeof(s));
                r = attest_secret_parse(v[i].body, strlen(v[i].body), s, &msg);
                is_int(r, v[i].want_r, v[i].want_msg ?: "good secret");
                if (r == 0)
                        is_mem(s, sizeof(s), want, sizeof(want), "secret bytes");
                else {
                        ok(msg && strstr(msg, v[i].want_msg), "secret message");
                        ok(s[0] == 0xee && s[31] == 0xee, "output untouched on failure");
                }
        }
}

static void test_request_id(void) {
        static const char *const bad[] = {
                "0f8fad5b-d9cb-469f-a165-70867728950",  "0f8fad5b-d9cb-469f-a165-70867728950e0",
                "0f8fad5bd-9cb-469f-a165-70867728950e", "0f8fad5b-d9cb-469f-a165-70867728950g",
                "{f8fad5b-d9cb-469f-a165-70867728950}", "0f8fad5b-d9cb-469f-a165_70867728950e",
                "",
        };
        char id[ATTEST_REQUEST_ID_LEN + 1] = "unchanged";

        printf("# X-Request-Id\n");
        is_ok(attest_request_id_parse(RID, id), "a UUID");
        is_str(id, RID, "kept");
        is_ok(attest_request_id_parse("0F8FAD5B-D9CB-469F-A165-70867728950E", id), "upper case");
        is_str(id, RID, "lower-cased");
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                strcpy(id, "unchanged");
                is_err(attest_request_id_parse(bad[i], id), -EINVAL, bad[i]);
                is_str(id, "unchanged", "untouched");
        }
        is_err(attest_request_id_parse(NULL, id), -EINVAL, "NULL");
}

/* ---- pending table ---- */

static EVP_PKEY *pending_ak;

static attest_activation *activation_from(const char *rid, const char *ek_uri, time_t expires, const char *addr) {
        attest_activation *a = calloc(1, sizeof(*a));

        if (!a || strlen(rid) > ATTEST_REQUEST_ID_LEN || EVP_PKEY_up_ref(pending_ak) != 1)
                abort();
        strcpy(a->request_id, rid);
        a->ek_uri = strdup(ek_uri);
        a->model = strdup("SW  TPM");
        a->ak_pub = pending_ak;
        a->device_id = 7;
        a->manufacturer = 0x49424d00;
        a->firmware = 0x20191023;
        memset(a->secret_sha256, 0xa5, sizeof(a->secret_sha256));
        a->expires = expires;
        snprintf(a->addr, sizeof(a->addr), "%s", addr);
        return a;
}

static attest_activation *activation(const char *rid, const char *ek_uri, time_t expires) {
        return activation_from(rid, ek_uri, expires, "192.0.2.1");
}

/* Adds a fresh activation and frees the caller's copy; the add's result. */
static int add(attest_pending *t, attest_activation *a, time_t now) {
        int r = attest_pending_add(t, a, now);

        attest_activation_free(a);
        return r;
}

static _Atomic int churn_seq;

static void *churn(void *p) {
        attest_pending *t = p;
        intptr_t failures = 0;
        int me = atomic_fetch_add(&churn_seq, 1);

        for (int i = 0; i < 40; i++) {
                char rid[ATTEST_REQUEST_ID_LEN + 1], ek[32];
                _cleanup_(attest_activation_freep) attest_activation *a = NULL, *got = NULL;

                snprintf(rid, sizeof(rid), "thread%d-%d", me, i);
                snprintf(ek, sizeof(ek), "ek-%d", i % 50);
                a = activation(rid, ek, 1000);
                if (attest_pending_add(t, a, 10) < 0) {
                        failures++;
                        continue;
                }
                if (attest_pending_take(t, rid, 10, &got) < 0 || !streq(got->request_id, rid) ||
                    !streq(got->ek_uri, ek))
                        failures++;
        }
        return (void *) failures;
}

typedef struct taker {
        attest_pending *t;
        pthread_barrier_t *start;
        int result;
} taker;

static void *take_race(void *p) {
        taker *k = p;
        attest_activation *got = NULL;

        pthread_barrier_wait(k->start);
        k->result = attest_pending_take(k->t, "raced", 10, &got);
        attest_activation_free(got);
        return NULL;
}

static void test_pending(const char *url) {
        _cleanup_(store_closep) store *st = NULL, *st2 = NULL;
        _cleanup_(attest_pending_freep) attest_pending *t = NULL, *t2 = NULL;
        _cleanup_(attest_activation_freep) attest_activation *a = NULL, *got = NULL;

        printf("# pending activations\n");
        if (crypto_key_generate(CRYPTO_KEY_EC_P256, &pending_ak) < 0 || store_open(url, &st) < 0 ||
            store_open(url, &st2) < 0)
                abort();
        is_err(attest_pending_new(st, 0, 1, 1, &t), -EINVAL, "empty table refused");
        is_ok(attest_pending_new(st, 3, 2, 3, &t), "table of 3, 2 per device and address, 3 per address");
        /* A second handle on the same database: another CA instance. */
        is_ok(attest_pending_new(st2, 3, 2, 3, &t2), "the same table from a second instance");
        is_ok(add(t, activation("r1", "ekA", 160), 100), "add r1");
        is_err(add(t2, activation("r1", "ekB", 160), 100), -EEXIST, "same request id, other EK, at the other instance");
        is_ok(add(t2, activation("r2", "ekA", 160), 100), "second for ekA");
        is_int(add(t, activation("r3", "ekA", 160), 100), 1,
               "third for ekA: gets a slot, the oldest of ekA (r1) dropped");
        is_err(attest_pending_take(t, "r1", 100, &got), -ENOENT, "r1 gone");
        is_ok(add(t, activation("r4", "ekB", 170), 100), "ekB");
        is_int(attest_pending_count(t), 3, "three held");
        is_int(add(t, activation("r5", "ekC", 170), 159), 1, "full: the oldest (r2) dropped for r5");
        is_err(attest_pending_take(t, "r2", 159, &got), -ENOENT, "r2 gone");
        is_int(attest_pending_count(t2), 3, "three held");
        is_ok(add(t, activation("r6", "ekD", 220), 160), "r3 expired at 160: dropped");
        is_int(attest_pending_count(t), 3, "three held");
        is_err(attest_pending_take(t, "r3", 160, &got), -ENOENT, "r3 gone");
        is_ok(add(t, activation("r3", "ekA", 220), 160), "an expired request id is usable again");
        is_err(attest_pending_take(t, "r4", 160, &got), -ENOENT, "the oldest, r4, dropped for it");

        is_err(attest_pending_take(t, "nope", 160, &got), -ENOENT, "unknown id");
        is_ok(attest_pending_take(t2, "r5", 169, &got), "take r5 at the other instance before it expires");
        ok(got && streq(got->ek_uri, "ekC") && streq(got->model, "SW  TPM") && got->device_id == 7 &&
                   got->manufacturer == 0x49424d00 && got->firmware == 0x20191023 && got->expires == 170 &&
                   got->secret_sha256[0] == 0xa5 && got->secret_sha256[31] == 0xa5,
           "the right entry, every field kept");
        ok(got && crypto_pubkey_equal(got->ak_pub, pending_ak) == 1, "the AK public key kept");
        attest_activation_free(TAKE_PTR(got));
        is_err(attest_pending_take(t, "r5", 169, &got), -ENOENT, "single use, across instances");
        is_err(attest_pending_take(t, "r6", 220, &got), -ETIME, "r6 expired at 220");
        ok(got == NULL, "nothing handed out");
        is_err(attest_pending_take(t, "r6", 220, &got), -ENOENT, "expired entry removed too");
        is_int(attest_pending_count(t), 1, "r3 left");
        is_err(attest_pending_add(t, NULL, 0), -EINVAL, "NULL entry");
        is_ok(attest_pending_take(t, "r3", 160, &got), "r3 taken too");
        attest_activation_free(TAKE_PTR(got));
        attest_pending_free(TAKE_PTR(t));

        /* A replayer of ekA's /attest from another address pushes out only
         * its own entries: the device's one survives a flood. */
        is_ok(attest_pending_new(st, 64, 4, 16, &t), "table of 64, 4 per device and address, 16 per address");
        is_ok(add(t, activation_from("dev", "ekA", 200, "192.0.2.7"), 100), "the device's attempt");
        for (int i = 0; i < 200; i++) {
                char rid[16];

                snprintf(rid, sizeof(rid), "replay-%d", i);
                if (add(t, activation_from(rid, "ekA", 200, "198.51.100.9"), 100) < 0)
                        break;
        }
        is_int(attest_pending_count(t), 5, "the replayer holds 4 slots, the device 1");
        is_ok(attest_pending_take(t, "dev", 101, &got), "the device's entry survived 200 replays");
        attest_activation_free(TAKE_PTR(got));
        for (int i = 0; i < 40; i++) {
                char rid[16], ek[16];

                snprintf(rid, sizeof(rid), "many-%d", i);
                snprintf(ek, sizeof(ek), "ek-%d", i);
                (void) add(t, activation_from(rid, ek, 200, "198.51.100.9"), 100);
        }
        is_int(attest_pending_count(t), 16, "one address holds at most 16 entries");
        (void) store_run(st, "DELETE FROM attest_pending", "");
        attest_pending_free(TAKE_PTR(t));

        attest_pending_free(TAKE_PTR(t2));
        is_ok(attest_pending_new(st, 1000, 64, 1000, &t), "table for threads");
        is_ok(attest_pending_new(st2, 1000, 64, 1000, &t2), "and its second instance");
        {
                pthread_t th[8];
                intptr_t failures = 0;

                for (size_t i = 0; i < ELEMENTSOF(th); i++)
                        pthread_create(&th[i], NULL, churn, i % 2 ? t : t2);
                for (size_t i = 0; i < ELEMENTSOF(th); i++) {
                        void *ret;
                        pthread_join(th[i], &ret);
                        failures += (intptr_t) ret;
                }
                is_int(failures, 0, "threads: every add found by its take");
                is_int(attest_pending_count(t), 0, "threads: table empty");
        }
        {
                /* One challenge, sixteen /secret requests through two
                 * instances: exactly one gets the activation. */
                pthread_barrier_t start;
                pthread_t th[16];
                taker k[16];
                int won = 0, gone = 0;

                attest_activation_free(TAKE_PTR(a));
                a = activation("raced", "ekR", 1000);
                is_ok(attest_pending_add(t, a, 10), "race: one pending activation");
                pthread_barrier_init(&start, NULL, ELEMENTSOF(th));
                for (size_t i = 0; i < ELEMENTSOF(th); i++) {
                        k[i] = (taker) { .t = i % 2 ? t : t2, .start = &start };
                        pthread_create(&th[i], NULL, take_race, &k[i]);
                }
                for (size_t i = 0; i < ELEMENTSOF(th); i++) {
                        pthread_join(th[i], NULL);
                        won += k[i].result == 0;
                        gone += k[i].result == -ENOENT;
                }
                pthread_barrier_destroy(&start);
                is_int(won, 1, "race: taken exactly once");
                is_int(gone, 15, "race: every other /secret finds nothing");
        }
        EVP_PKEY_free(TAKE_PTR(pending_ak));
}

/* ---- the exchange, against a CA directory and inventory ---- */

#define LIFETIME (30 * 86400)

typedef struct fixture {
        store *st;
        issuer *iss;
        attest_ca *ca;
        EVP_PKEY *root_key;
        X509 *root;
} fixture;

static void save(int dirfd, const char *stem, X509 *cert, EVP_PKEY *key) {
        _cleanup_free_ char *pem = NULL, *name = NULL;
        char *kpem = NULL;
        size_t klen;
        int fd;

        if (x509_cert_to_pem(cert, &pem) < 0 || asprintf(&name, "%s.pem", stem) < 0)
                abort();
        fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, pem, strlen(pem)) != (ssize_t) strlen(pem))
                abort();
        close(fd);
        if (!key)
                return;
        free(name);
        if (asprintf(&name, "%s.key", stem) < 0 || crypto_key_to_pem_pkcs8(key, &kpem, &klen) < 0)
                abort();
        fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, kpem, klen) != (ssize_t) klen)
                abort();
        close(fd);
        erase_and_free(kpem, klen);
}

static void setup(fixture *f) {
        static const char *const stems[] = { "attestation-ca", "agent-ca", "account-ca" };
        cert_profile cap = { .lifetime = 3650 * 86400ULL, .key_usage = CERT_KU_KEY_CERT_SIGN | CERT_KU_CRL_SIGN,
                             .is_ca = true, .path_len = 1 };
        _cleanup_close_ int dirfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char db[1024];

        if (dirfd < 0 || crypto_key_generate(CRYPTO_KEY_EC_P256, &f->root_key) < 0 ||
            cert_create(NULL, f->root_key, f->root_key, "Attest Test Root", NULL, 0, &cap, &f->root) < 0)
                abort();
        save(dirfd, "root", f->root, NULL);
        cap.path_len = 0;
        for (size_t i = 0; i < ELEMENTSOF(stems); i++) {
                _cleanup_pkey_ EVP_PKEY *k = NULL;
                _cleanup_x509_ X509 *c = NULL;
                if (crypto_key_generate(CRYPTO_KEY_EC_P256, &k) < 0 ||
                    cert_create(f->root, f->root_key, k, stems[i], NULL, 0, &cap, &c) < 0)
                        abort();
                save(dirfd, stems[i], c, k);
        }
        test_db_url(tmpdir, db, sizeof(db));
        if (store_open(db, &f->st) < 0 || certificates_store_migrate(f->st) < 0 || devices_store_migrate(f->st) < 0 ||
            issuer_load(dirfd, f->st, &f->iss) < 0)
                abort();
        is_err(attest_ca_new(f->st, f->iss, 0, &f->ca), -EINVAL, "zero lifetime refused");
        is_ok(attest_ca_new(f->st, f->iss, LIFETIME, &f->ca), "Attestation CA set up");
}

static void teardown(fixture *f) {
        attest_ca_free(f->ca);
        issuer_free(f->iss);
        store_close(f->st);
        X509_free(f->root);
        EVP_PKEY_free(f->root_key);
}

static int64_t register_ek(fixture *f, EVP_PKEY *ek) {
        _cleanup_free_ uint8_t *der = NULL;
        _cleanup_(device_done) device d = {};
        size_t len;
        device_spec spec = { .name = "attest-test" };

        if (crypto_pubkey_to_der(ek, &der, &len) < 0)
                abort();
        spec.ek_pub = der;
        spec.ek_pub_len = len;
        if (device_from_spec(&spec, &d, NULL) < 0 || devices_add(f->st, &d) < 0)
                abort();
        return d.id;
}

static const char *rid(unsigned n) {
        static char buf[ATTEST_REQUEST_ID_LEN + 1];
        snprintf(buf, sizeof(buf), "00000000-0000-4000-8000-%012u", n);
        return buf;
}

static int challenge(fixture *f, json_object *o, const char *id, time_t now, attest_credential *cred,
                     attest_refusal *ref) {
        _cleanup_(attest_request_done) attest_request req = {};

        if (parse_obj(o, &req, NULL) < 0)
                abort();
        json_object_put(o);
        attest_credential_done(cred);
        return attest_ca_challenge(f->ca, id, "127.0.0.1", &req, now, cred, ref);
}

/* What the TPM would do: ActivateCredential with the EK's private key. */
static char *activate_soft(const attest_credential *cred, EVP_PKEY *ek, const char *ak) {
        _cleanup_free_ uint8_t *secret = NULL;
        char name[32], *body;
        attest_bytes pub;
        tpm2_ek_scheme scheme;
        TPM2B_NAME n;
        size_t len = 0;
        int r;

        snprintf(name, sizeof(name), "ak-%s.pub", ak);
        pub = load(name, 2);
        if (tpm2_ek_scheme_default(ek, &scheme) < 0 || tpm2_public_name_from_bytes(pub.data, pub.len, &n) < 0)
                abort();
        free(pub.data);
        r = tpm2_activate_credential_soft(ek, &scheme, n.name, n.size, cred->credential, cred->credential_len,
                                          cred->secret, cred->secret_len, &secret, &len);
        is_ok(r, "software TPM activates the credential");
        is_int(len, ATTEST_SECRET_LEN, "32-byte secret");
        if (r < 0 || len != ATTEST_SECRET_LEN)
                return NULL;
        _cleanup_free_ char *s = b64(secret, len);
        if (asprintf(&body, "{\"secret\":\"%s\"}", s) < 0)
                abort();
        return body;
}

static int activate(fixture *f, const char *id, const char *body, time_t now, issued_cert *c, attest_refusal *ref) {
        _cleanup_free_ char *ek_uri = NULL;

        issued_cert_done(c);
        return attest_ca_activate(f->ca, id, body, body ? strlen(body) : 0, now, c, &ek_uri, ref);
}

static void is_refused(int r, const attest_refusal *ref, unsigned status, const char *msg, const char *what) {
        is_int(r, -EPERM, what);
        is_int(ref->status, status, "status");
        if (!strstr(ref->message, msg)) {
                ok(false, "message");
                printf("#   got \"%s\", want \"%s\"\n", ref->message, msg);
        }
}

static char *ek_uri_of(EVP_PKEY *ek) {
        _cleanup_free_ uint8_t *der = NULL;
        char *uri = NULL;
        size_t len;

        if (crypto_pubkey_to_der(ek, &der, &len) < 0 || ek_uri_from_spki(der, len, &uri) < 0)
                abort();
        return uri;
}

static void check_ak_cert(fixture *f, const issued_cert *c, EVP_PKEY *ek, const char *ak, int64_t device_id) {
        _cleanup_free_ char *ek_uri = ek_uri_of(ek);
        _cleanup_(x509_san_list_freep) x509_san_list *l = NULL;
        _cleanup_pkey_ EVP_PKEY *ak_key = NULL;
        BASIC_CONSTRAINTS *bc;
        EXTENDED_KEY_USAGE *eku;
        issued_info info = {};
        char name[32], oid[64] = "";
        attest_bytes pub;
        TPMT_PUBLIC p;
        time_t nb, na;
        int crit = -1;

        printf("# AK certificate profile (%s)\n", ak);
        is_int(X509_NAME_entry_count(X509_get_subject_name(c->cert)), 0, "empty subject");
        bc = X509_get_ext_d2i(c->cert, NID_basic_constraints, &crit, NULL);
        ok(bc && !bc->ca && crit == 1, "critical basicConstraints CA:FALSE");
        BASIC_CONSTRAINTS_free(bc);
        is_int(X509_get_key_usage(c->cert), KU_DIGITAL_SIGNATURE, "keyUsage digitalSignature only");
        eku = X509_get_ext_d2i(c->cert, NID_ext_key_usage, NULL, NULL);
        if (eku && sk_ASN1_OBJECT_num(eku) > 0)
                OBJ_obj2txt(oid, sizeof(oid), sk_ASN1_OBJECT_value(eku, 0), 1);
        is_str(oid, "2.23.133.8.3", "first EKU tcg-kp-AIKCertificate");
        is_int(eku ? sk_ASN1_OBJECT_num(eku) : 0, 1, "no other EKU");
        EXTENDED_KEY_USAGE_free(eku);
        crit = -1;
        GENERAL_NAMES_free(X509_get_ext_d2i(c->cert, NID_subject_alt_name, &crit, NULL));
        is_int(crit, 1, "SAN critical (empty subject)");
        is_ok(x509_cert_get_sans(c->cert, &l), "SANs parse");
        if (l && is_int(l->n, 3, "three SANs")) {
                ok(l->items[0].type == X509_SAN_URI && streq(l->items[0].value, ek_uri), "URI SAN = EK URI");
                ok(l->items[1].type == X509_SAN_PERMANENT_ID && streq(l->items[1].value, ek_uri) &&
                           !l->items[1].assigner,
                   "PermanentIdentifier = EK URI");
                is_int(l->items[2].type, X509_SAN_TPM_DEVICE, "TPM directoryName");
                is_str(l->items[2].tpm.manufacturer, "id:49424D20", "TPM manufacturer");
                is_str(l->items[2].tpm.model, MODEL, "TPM model");
                is_str(l->items[2].tpm.version, "id:20191023", "TPM version");
        }
        snprintf(name, sizeof(name), "ak-%s.pub", ak);
        pub = load(name, 2);
        if (tpm2_public_unmarshal(pub.data, pub.len, &p) < 0 || tpm2_public_to_pkey(&p, &ak_key) < 0)
                abort();
        free(pub.data);
        is_int(crypto_pubkey_equal(X509_get0_pubkey(c->cert), ak_key), 1, "certifies the AK");
        x509_cert_get_validity(c->cert, &nb, &na);
        is_int(na - nb, LIFETIME, "attestation lifetime");
        is_int(X509_check_issued(issuer_ca_cert(f->iss, CA_ATTESTATION), c->cert), X509_V_OK,
               "issued by the Attestation CA");
        ok(c->chain_pem && strstr(c->chain_pem + 1, "-----BEGIN CERTIFICATE-----"), "chain of two");
        is_ok(certificates_lookup(f->st, c->serial, &info), "recorded");
        is_str(info.ca, "attestation", "recorded as attestation");
        is_int(info.device_id, device_id, "linked to the device");
        issued_info_done(&info);
}

/* The params of ak with one byte of member flipped. */
static json_object *tampered(const char *ak, EVP_PKEY *ek, const char *member) {
        json_object *o = good_request(ak, ek), *params = json_object_object_get(o, "params");
        _cleanup_free_ uint8_t *raw = NULL;
        size_t len;

        if (json_get_b64(params, member, B64_STD, 8192, &raw, &len) < 0)
                abort();
        raw[len - 1] ^= 1;
        json_add_b64(params, member, B64_STD, raw, len);
        return o;
}

static json_object *with_ek_cert(json_object *o, X509 *cert) {
        json_object *a = json_object_new_array();
        _cleanup_free_ uint8_t *der = NULL;
        _cleanup_free_ char *s = NULL;
        size_t len;

        if (x509_cert_to_der(cert, &der, &len) < 0)
                abort();
        s = b64(der, len);
        json_object_array_add(a, json_object_new_string(s));
        json_object_object_add(o, "ekCerts", a);
        return o;
}

static void test_exchange(void) {
        _cleanup_pkey_ EVP_PKEY *ek = load_key("softek-rsa.key"), *ek_ecc = load_key("softek-ecc.key");
        _cleanup_pkey_ EVP_PKEY *weak = EVP_RSA_gen(1024);
        _cleanup_(attest_credential_done) attest_credential cred = {};
        _cleanup_(issued_cert_done) issued_cert c = {};
        _cleanup_free_ char *body = NULL, *ek_uri = ek_uri_of(ek);
        fixture f = {};
        attest_refusal ref;
        time_t now = time(NULL);
        int64_t id, id_ecc;
        unsigned n = 1;
        int r;

        printf("# exchange\n");
        setup(&f);
        if (!f.ca)
                return;
        r = challenge(&f, good_request("rsa", ek), rid(n++), now, &cred, &ref);
        is_refused(r, &ref, 403, "is not registered", "unregistered EK refused");
        id = register_ek(&f, ek);

        printf("# RSA EK, RSA AK\n");
        r = challenge(&f, good_request("rsa", ek), rid(n), now, &cred, &ref);
        is_ok(r, "challenge");
        is_int(ref.status, 0, "no refusal");
        is_str(cred.ek_uri, ek_uri, "EK URI of the challenge");
        ok(cred.credential_len > 2 && cred.secret_len == 2 + 256, "credential and RSA-2048 encrypted seed");
        body = activate_soft(&cred, ek, "rsa");
        is_ok(activate(&f, rid(n), body, now + 59, &c, &ref), "secret accepted 59 s later");
        if (c.cert)
                check_ak_cert(&f, &c, ek, "rsa", id);
        is_refused(activate(&f, rid(n++), body, now + 59, &c, &ref), &ref, 404, "no pending attestation",
                   "second /secret for the same id");
        ok(c.cert == NULL, "no second certificate");
        free(TAKE_PTR(body));

        printf("# EK certificates\n");
        {
                _cleanup_x509_ X509 *ek_cert = NULL, *other = NULL;
                cert_profile p = cert_profile_leaf(ek, 0, 86400);

                if (cert_create(f.root, f.root_key, ek, "EK", NULL, 0, &p, &ek_cert) < 0 ||
                    cert_create(f.root, f.root_key, ek_ecc, "EK", NULL, 0, &p, &other) < 0)
                        abort();
                r = challenge(&f, with_ek_cert(good_request("rsa", ek), ek_cert), rid(n), now, &cred, &ref);
                is_ok(r, "EK certificate of the EK accepted");
                body = activate_soft(&cred, ek, "rsa");
                is_refused(activate(&f, rid(n), body, now + ATTEST_PENDING_LIFETIME, &c, &ref), &ref, 400,
                           "expired", "secret after 60 s");
                is_refused(activate(&f, rid(n++), body, now, &c, &ref), &ref, 404, "no pending attestation",
                           "expired challenge is gone");
                free(TAKE_PTR(body));
                r = challenge(&f, with_ek_cert(good_request("rsa", ek), other), rid(n++), now, &cred, &ref);
                is_refused(r, &ref, 400, "ekCerts[0] certifies another key than ek", "EK certificate of another key");
                {
                        json_object *o = good_request("rsa", ek);
                        json_object_object_add(o, "ekCerts", value_of("[\"MAA=\"]"));
                        r = challenge(&f, o, rid(n++), now, &cred, &ref);
                        is_refused(r, &ref, 400, "ekCerts[0] is not a DER X.509", "EK certificate that is not one");
                }
        }

        printf("# AK evidence\n");
        r = challenge(&f, tampered("rsa", ek, "createSignature"), rid(n++), now, &cred, &ref);
        is_refused(r, &ref, 400, "the AK attestation does not verify", "tampered signature");
        r = challenge(&f, tampered("rsa", ek, "createData"), rid(n++), now, &cred, &ref);
        is_refused(r, &ref, 400, "the AK attestation does not verify", "tampered creation data");
        {
                json_object *o = good_request("rsa", ek), *ecc = params_of("ecc");
                json_object_object_add(json_object_object_get(o, "params"), "public",
                                       json_object_get(json_object_object_get(ecc, "public")));
                json_object_put(ecc);
                r = challenge(&f, o, rid(n++), now, &cred, &ref);
                is_refused(r, &ref, 400, "the AK attestation does not verify", "another AK's public area");
        }
        {
                json_object *o = good_request("rsa", ek);
                json_object_object_add(o, "ek", json_object_new_string("aGVsbG8="));
                r = challenge(&f, o, rid(n++), now, &cred, &ref);
                is_refused(r, &ref, 400, "ek is not a DER SubjectPublicKeyInfo", "ek that is not a key");
        }
        if (weak) {
                r = challenge(&f, good_request("rsa", weak), rid(n++), now, &cred, &ref);
                is_refused(r, &ref, 400, "ek must be an RSA 2048", "RSA-1024 EK");
        }

        printf("# single use, wrong secrets\n");
        is_ok(challenge(&f, good_request("rsa", ek), rid(n), now, &cred, &ref), "challenge");
        is_refused(challenge(&f, good_request("rsa", ek), rid(n), now, &cred, &ref), &ref, 409, "already in use",
                   "same X-Request-Id again");
        is_refused(activate(&f, rid(n), "{\"secret\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"}", now, &c,
                            &ref),
                   &ref, 403, "the secret does not match", "wrong secret");
        is_refused(activate(&f, rid(n++), "{\"secret\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"}", now,
                            &c, &ref),
                   &ref, 404, "no pending attestation", "no second guess");
        is_ok(challenge(&f, good_request("rsa", ek), rid(n), now, &cred, &ref), "challenge");
        body = activate_soft(&cred, ek, "rsa");
        is_refused(activate(&f, rid(n), "{\"secret\":\"short\"}", now, &c, &ref), &ref, 400,
                   "secret is not standard base64", "malformed /secret body");
        is_refused(activate(&f, rid(n++), body, now, &c, &ref), &ref, 404, "no pending attestation",
                   "a malformed body used the challenge up");
        free(TAKE_PTR(body));
        is_refused(activate(&f, rid(999), NULL, now, &c, &ref), &ref, 404, "no pending attestation",
                   "unknown X-Request-Id");

        printf("# limits\n");
        now += 1000; /* everything above has expired */
        {
                unsigned first = n;

                for (unsigned i = 0; i < ATTEST_PENDING_PER_DEVICE; i++)
                        if (challenge(&f, good_request("ecc", ek), rid(n++), now, &cred, &ref) < 0)
                                ok(false, "pending challenge");
                is_ok(challenge(&f, good_request("ecc", ek), rid(n++), now, &cred, &ref),
                      "over the per-device limit, a new attempt still gets a slot");
                is_refused(activate(&f, rid(first), "{\"secret\":\"AAAA\"}", now, &c, &ref), &ref, 404,
                           "no pending attestation", "the device's oldest pending attempt made room");
        }
        now += 1000;

        printf("# device state\n");
        is_int(devices_set_status(f.st, id, DEVICE_DISABLED), 1, "disabling revokes the AK certificate");
        is_refused(challenge(&f, good_request("rsa", ek), rid(n++), now, &cred, &ref), &ref, 403, "is disabled",
                   "disabled device");
        devices_set_status(f.st, id, DEVICE_ACTIVE);
        is_ok(challenge(&f, good_request("rsa", ek), rid(n), now, &cred, &ref), "challenge");
        body = activate_soft(&cred, ek, "rsa");
        devices_set_status(f.st, id, DEVICE_DISABLED);
        is_refused(activate(&f, rid(n++), body, now, &c, &ref), &ref, 403, "is disabled",
                   "disabled between /attest and /secret");
        free(TAKE_PTR(body));

        printf("# ECC EK, ECC AK\n");
        id_ecc = register_ek(&f, ek_ecc);
        is_ok(challenge(&f, good_request("ecc", ek_ecc), rid(n), now, &cred, &ref), "challenge");
        ok(cred.secret_len == 2 + 2 + 32 + 2 + 32, "encrypted seed is a P-256 point");
        body = activate_soft(&cred, ek_ecc, "ecc");
        is_ok(activate(&f, rid(n++), body, now, &c, &ref), "secret accepted");
        if (c.cert)
                check_ak_cert(&f, &c, ek_ecc, "ecc", id_ecc);
        free(TAKE_PTR(body));
        is_ok(challenge(&f, good_request("ecc", ek_ecc), rid(n), now, &cred, &ref), "challenge");
        body = activate_soft(&cred, ek_ecc, "ecc");
        is_int(devices_remove(f.st, id_ecc), 1, "removing revokes");
        is_refused(activate(&f, rid(n++), body, now, &c, &ref), &ref, 403, "is not registered",
                   "removed between /attest and /secret");
        free(TAKE_PTR(body));
        teardown(&f);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

int main(void) {
        _cleanup_pkey_ EVP_PKEY *ek = NULL;
        char url[1024];

        log_parse_environment();
        if (!mkdtemp(tmpdir))
                return 1;
        ek = load_key("softek-ecc.key");
        test_request_parse(ek);
        test_secret_parse();
        test_request_id();
        test_db_url(tmpdir, url, sizeof(url));
        test_pending(url);
        test_exchange();
        if (nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS) < 0)
                printf("# could not remove %s\n", tmpdir);
        return tap_done();
}
