/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tpm-cli: a small driver of the TPM layer for the integration tests
 * (tests/integration/test_tpm*.py). Not a unit test: it talks to the TPM
 * named by $DEVICEID_TCTI and writes blobs into a directory, so that the
 * Python tests can cross-check them with tpm2-tools and tpm2-pytss.
 *
 *   tpm-cli ek TYPE|default DIR          ek.pem, ek.uri, ek.der (cert)
 *   tpm-cli ak-create ALG DIR            ak.pub ak.priv public.bin
 *                                        create_data.bin attest.bin sig.bin
 *                                        ak.name; self-checked with tpm2util
 *   tpm-cli activate AKDIR CRED SECRET [EKTYPE]   prints the secret in hex
 *   tpm-cli activate-self AKDIR [EKTYPE]  MakeCredential (tpm2util) + activate
 *   tpm-cli key-create ALG DIR           key.pub key.priv key.pem pub.pem
 *   tpm-cli certify KEYDIR AKDIR QUALHEX DIR   certinfo.bin sig.bin pubarea.bin
 *                                        (KEYDIR/AKDIR may also be TSS2 PEM
 *                                        files *.pem; the files are written
 *                                        before the self-check, which fails
 *                                        for a restricted key)
 *   tpm-cli quote AK.pem QUALHEX DIR     quote.bin sig.bin pcrs.json: TPM2_Quote
 *                                        of sha256 PCRs 0-7 (docs/posture.md)
 *   tpm-cli csr KEY.pem CN|- OUT.der     a CSR signed by the TPM key
 *   tpm-cli sign KEY.pem HEXDIGEST OUT   signature via the signer (DER)
 *   tpm-cli pem-pub KEY.pem              prints the public key PEM
 *   tpm-cli cycles N ALG                 N x (AK + key + certify + sign)
 */
#include <fcntl.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "log.h"
#include "x509.h"
#include "enroll/tpm/tpm-activate.h"
#include "enroll/tpm/tpm-ek.h"
#include "enroll/tpm/tpm-info.h"
#include "enroll/tpm/tpm-key.h"
#include "enroll/tpm/tpm-quote.h"
#include "json.h"
#include "posture.h"
#include "tpm2util.h"

static int write_at(const char *dir, const char *name, const void *data, size_t len) {
        char path[4096];
        _cleanup_close_ int fd = -1;

        if (dir)
                snprintf(path, sizeof(path), "%s/%s", dir, name);
        else
                snprintf(path, sizeof(path), "%s", name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return log_error_errno(errno, "open %s: %m", path);
        if (write(fd, data, len) != (ssize_t) len)
                return log_error_errno(EIO, "write %s: %m", path);
        return 0;
}

static int read_at(const char *dir, const char *name, uint8_t **ret, size_t *ret_len) {
        char path[4096];
        char *buf;
        int r;

        if (dir)
                snprintf(path, sizeof(path), "%s/%s", dir, name);
        else
                snprintf(path, sizeof(path), "%s", name);
        r = read_file_at(AT_FDCWD, path, 1 << 20, &buf, ret_len);
        if (r < 0)
                return log_error_errno(r, "read %s: %m", path);
        *ret = (uint8_t *) buf;
        return 0;
}

static int hex_decode(const char *s, uint8_t *buf, size_t max, size_t *ret_len) {
        size_t n = strlen(s);

        if (n % 2 || n / 2 > max)
                return -EINVAL;
        for (size_t i = 0; i < n / 2; i++) {
                unsigned v;
                if (sscanf(s + 2 * i, "%2x", &v) != 1)
                        return -EINVAL;
                buf[i] = v;
        }
        *ret_len = n / 2;
        return 0;
}

static int load_key_dir(const char *dir, const char *stem, tpm_key **ret) {
        _cleanup_free_ uint8_t *pub = NULL, *priv = NULL;
        size_t pub_len, priv_len;
        char name[64];
        int r;

        snprintf(name, sizeof(name), "%s.pub", stem);
        r = read_at(dir, name, &pub, &pub_len);
        if (r < 0)
                return r;
        snprintf(name, sizeof(name), "%s.priv", stem);
        r = read_at(dir, name, &priv, &priv_len);
        if (r < 0)
                return r;
        r = tpm_key_from_blobs(pub, pub_len, priv, priv_len, ret);
        if (r < 0)
                return log_error_errno(r, "Failed to parse %s/%s blobs: %m", dir, stem);
        return 0;
}

static int save_key_dir(const tpm_key *k, const char *dir, const char *stem) {
        _cleanup_free_ uint8_t *pub = NULL, *priv = NULL;
        _cleanup_free_ char *pem = NULL, *pubpem = NULL;
        size_t pub_len, priv_len, pem_len;
        char name[64];
        int r;

        r = tpm_key_to_blobs(k, &pub, &pub_len, &priv, &priv_len);
        if (r < 0)
                return log_error_errno(r, "blobs: %m");
        snprintf(name, sizeof(name), "%s.pub", stem);
        r = write_at(dir, name, pub, pub_len);
        snprintf(name, sizeof(name), "%s.priv", stem);
        if (r >= 0)
                r = write_at(dir, name, priv, priv_len);
        if (r < 0)
                return r;
        r = tpm_key_to_pem(k, &pem, &pem_len);
        if (r < 0)
                return log_error_errno(r, "pem: %m");
        snprintf(name, sizeof(name), "%s.pem", stem);
        r = write_at(dir, name, pem, pem_len);
        if (r < 0)
                return r;
        r = crypto_pubkey_to_pem(tpm_key_public_key(k), &pubpem);
        if (r < 0)
                return r;
        snprintf(name, sizeof(name), "%s-pub.pem", stem);
        return write_at(dir, name, pubpem, strlen(pubpem));
}

static int do_ek(tpm_ctx *t, const char *type, const char *dir) {
        _cleanup_(tpm_ek_freep) tpm_ek *ek = NULL;
        _cleanup_free_ char *uri = NULL, *pem = NULL;
        char buf[32];
        int r;

        if (streq(type, "default"))
                r = tpm_ek_default(t, &ek);
        else {
                r = tpm_ek_type_from_string(type);
                if (r < 0)
                        return log_error_errno(r, "bad EK type");
                r = tpm_ek_read(t, r, &ek);
        }
        if (r < 0)
                return log_error_errno(r, "EK: %m");
        r = tpm_ek_uri(ek, &uri);
        if (r < 0)
                return r;
        r = crypto_pubkey_to_pem(ek->pkey, &pem);
        if (r < 0)
                return r;
        r = write_at(dir, "ek.uri", uri, strlen(uri));
        if (r >= 0)
                r = write_at(dir, "ek.pem", pem, strlen(pem));
        if (r >= 0 && ek->cert)
                r = write_at(dir, "ek.der", ek->cert, ek->cert_len);
        snprintf(buf, sizeof(buf), "0x%08x", (unsigned) ek->handle);
        if (r >= 0)
                r = write_at(dir, "ek.handle", buf, strlen(buf));
        return r;
}

static int do_ak_create(tpm_ctx *t, const char *alg, const char *dir) {
        _cleanup_(tpm_key_freep) tpm_key *ak = NULL;
        _cleanup_(tpm_ak_params_done) tpm_ak_params p = {};
        TPM2B_NAME name, checked;
        const char *why = NULL;
        int a, r;

        a = tpm_key_alg_from_string(alg);
        if (a < 0)
                return log_error_errno(a, "bad alg");
        r = tpm_ak_create(t, a, &ak, &p);
        if (r < 0)
                return log_error_errno(r, "AK create: %m");
        r = tpm2_check_creation(p.public, p.public_len, p.create_data, p.create_data_len, p.attest,
                                p.attest_len, p.signature, p.signature_len, NULL, &checked, &why);
        if (r < 0)
                return log_error_errno(r, "AK creation check failed: %s: %m", why ?: "?");
        r = tpm_key_name(ak, &name);
        if (r < 0 || name.size != checked.size || memcmp(name.name, checked.name, name.size) != 0)
                return log_error_errno(EBADE, "AK name mismatch");
        r = save_key_dir(ak, dir, "ak");
        if (r >= 0)
                r = write_at(dir, "public.bin", p.public, p.public_len);
        if (r >= 0)
                r = write_at(dir, "create_data.bin", p.create_data, p.create_data_len);
        if (r >= 0)
                r = write_at(dir, "attest.bin", p.attest, p.attest_len);
        if (r >= 0)
                r = write_at(dir, "sig.bin", p.signature, p.signature_len);
        if (r >= 0)
                r = write_at(dir, "ak.name", name.name, name.size);
        return r;
}

static int read_ek(tpm_ctx *t, const char *type, tpm_ek **ret) {
        int r;

        if (!type || streq(type, "default"))
                return tpm_ek_default(t, ret);
        r = tpm_ek_type_from_string(type);
        if (r < 0)
                return r;
        return tpm_ek_read(t, r, ret);
}

static void print_hex(const uint8_t *b, size_t n) {
        for (size_t i = 0; i < n; i++)
                printf("%02x", b[i]);
        printf("\n");
}

static int do_activate(tpm_ctx *t, const char *akdir, const char *credf, const char *secf,
                       const char *ektype) {
        _cleanup_(tpm_key_freep) tpm_key *ak = NULL;
        _cleanup_(tpm_ek_freep) tpm_ek *ek = NULL;
        _cleanup_free_ uint8_t *cred = NULL, *sec = NULL, *out = NULL;
        size_t cred_len, sec_len, out_len;
        int r;

        r = load_key_dir(akdir, "ak", &ak);
        if (r < 0)
                return r;
        r = read_at(NULL, credf, &cred, &cred_len);
        if (r >= 0)
                r = read_at(NULL, secf, &sec, &sec_len);
        if (r < 0)
                return r;
        r = read_ek(t, ektype, &ek);
        if (r < 0)
                return log_error_errno(r, "EK: %m");
        r = tpm_activate_credential(t, ak, ek, cred, cred_len, sec, sec_len, &out, &out_len);
        if (r < 0)
                return log_error_errno(r, "Failed to activate the credential: %m");
        print_hex(out, out_len);
        return 0;
}

static int do_activate_self(tpm_ctx *t, const char *akdir, const char *ektype) {
        _cleanup_(tpm_key_freep) tpm_key *ak = NULL;
        _cleanup_(tpm_ek_freep) tpm_ek *ek = NULL;
        _cleanup_free_ uint8_t *cred = NULL, *sec = NULL, *out = NULL;
        size_t cred_len, sec_len, out_len;
        uint8_t secret[32];
        tpm2_ek_scheme scheme;
        TPM2B_NAME name;
        int r;

        r = load_key_dir(akdir, "ak", &ak);
        if (r < 0)
                return r;
        r = read_ek(t, ektype, &ek);
        if (r < 0)
                return log_error_errno(r, "EK: %m");
        r = tpm_key_name(ak, &name);
        if (r < 0)
                return r;
        r = tpm2_ek_scheme_from_public(&ek->public.publicArea, &scheme);
        if (r < 0)
                return log_error_errno(r, "EK scheme: %m");
        r = crypto_random(secret, sizeof(secret));
        if (r < 0)
                return r;
        r = tpm2_make_credential(ek->pkey, &scheme, name.name, name.size, secret, sizeof(secret),
                                 &cred, &cred_len, &sec, &sec_len);
        if (r < 0)
                return log_error_errno(r, "MakeCredential: %m");
        r = tpm_activate_credential(t, ak, ek, cred, cred_len, sec, sec_len, &out, &out_len);
        if (r < 0)
                return log_error_errno(r, "Failed to activate the credential: %m");
        if (out_len != sizeof(secret) || memcmp(out, secret, out_len) != 0)
                return log_error_errno(EBADE, "Recovered secret differs");
        print_hex(out, out_len);
        return 0;
}

static int do_key_create(tpm_ctx *t, const char *alg, const char *dir) {
        _cleanup_(tpm_key_freep) tpm_key *k = NULL;
        int a, r;

        a = tpm_key_alg_from_string(alg);
        if (a < 0)
                return log_error_errno(a, "bad alg");
        r = tpm_key_create(t, a, &k);
        if (r < 0)
                return log_error_errno(r, "key create: %m");
        return save_key_dir(k, dir, "key");
}

static int load_pem_key(const char *path, tpm_key **ret);

/* A key directory (STEM.pub/STEM.priv) or a TSS2 PEM file. */
static int load_key_any(const char *path, const char *stem, tpm_key **ret) {
        size_t n = strlen(path);

        if (n > 4 && streq(path + n - 4, ".pem"))
                return load_pem_key(path, ret);
        return load_key_dir(path, stem, ret);
}

static int do_certify(tpm_ctx *t, const char *keydir, const char *akdir, const char *qhex,
                      const char *dir) {
        _cleanup_(tpm_key_freep) tpm_key *k = NULL, *ak = NULL;
        _cleanup_free_ uint8_t *attest = NULL, *sig = NULL, *area = NULL;
        size_t attest_len, sig_len, area_len, q_len;
        uint8_t q[64];
        const char *why = NULL;
        int r;

        r = hex_decode(qhex, q, sizeof(q), &q_len);
        if (r < 0)
                return log_error_errno(r, "bad hex");
        r = load_key_any(keydir, "key", &k);
        if (r >= 0)
                r = load_key_any(akdir, "ak", &ak);
        if (r < 0)
                return r;
        r = tpm_key_certify(t, k, ak, q, q_len, &attest, &attest_len, &sig, &sig_len);
        if (r < 0)
                return log_error_errno(r, "certify: %m");
        r = tpm_key_public_area(k, &area, &area_len);
        if (r < 0)
                return r;
        r = write_at(dir, "certinfo.bin", attest, attest_len);
        if (r >= 0)
                r = write_at(dir, "sig.bin", sig, sig_len);
        if (r >= 0)
                r = write_at(dir, "pubarea.bin", area, area_len);
        if (r < 0)
                return r;
        r = tpm2_check_certify(tpm_key_public_key(ak), area, area_len, attest, attest_len, sig,
                               sig_len, q, q_len, NULL, &why);
        if (r < 0)
                return log_error_errno(r, "certify check failed: %s: %m", why ?: "?");
        return 0;
}

static int do_quote(tpm_ctx *t, const char *akpath, const char *qhex, const char *dir) {
        _cleanup_(tpm_key_freep) tpm_key *ak = NULL;
        _cleanup_free_ uint8_t *attest = NULL, *sig = NULL;
        _cleanup_free_ char *pcrs_text = NULL;
        _cleanup_json_ json_object *pcrs_json = NULL;
        tpm2_pcr_values pcrs;
        size_t attest_len, sig_len, q_len;
        uint8_t q[64];
        int r;

        r = hex_decode(qhex, q, sizeof(q), &q_len);
        if (r < 0)
                return log_error_errno(r, "bad hex");
        r = load_pem_key(akpath, &ak);
        if (r < 0)
                return r;
        r = tpm_quote(t, ak, TPM2_ALG_SHA256, 0xffu, q, q_len, &attest, &attest_len, &sig, &sig_len, &pcrs);
        if (r < 0)
                return log_error_errno(r, "quote: %m");
        r = posture_pcrs_to_json(&pcrs, &pcrs_json);
        if (r >= 0)
                r = json_to_string_dup(pcrs_json, &pcrs_text);
        if (r >= 0)
                r = write_at(dir, "quote.bin", attest, attest_len);
        if (r >= 0)
                r = write_at(dir, "sig.bin", sig, sig_len);
        if (r >= 0)
                r = write_at(dir, "pcrs.json", pcrs_text, strlen(pcrs_text));
        return r;
}

static int load_pem_key(const char *path, tpm_key **ret) {
        _cleanup_free_ uint8_t *pem = NULL;
        size_t len;
        int r;

        r = read_at(NULL, path, &pem, &len);
        if (r < 0)
                return r;
        r = tpm_key_from_pem((const char *) pem, len, ret);
        if (r < 0)
                return log_error_errno(r, "Failed to load %s: %m", path);
        return 0;
}

static int do_sign(tpm_ctx *t, const char *pem, const char *dhex, const char *out) {
        _cleanup_(tpm_key_freep) tpm_key *k = NULL;
        _cleanup_(signer_freep) signer *s = NULL;
        _cleanup_free_ uint8_t *sig = NULL;
        uint8_t d[64];
        size_t d_len, sig_len;
        int r;

        r = hex_decode(dhex, d, sizeof(d), &d_len);
        if (r < 0)
                return log_error_errno(r, "bad hex");
        r = load_pem_key(pem, &k);
        if (r < 0)
                return r;
        r = tpm_key_signer(t, k, &s);
        if (r < 0)
                return log_error_errno(r, "signer: %m");
        r = signer_sign_digest(s, NID_sha256, d, d_len, &sig, &sig_len);
        if (r < 0)
                return log_error_errno(r, "sign: %m");
        r = crypto_verify_digest(signer_public_key(s), NID_sha256, d, d_len, sig, sig_len);
        if (r < 0)
                return log_error_errno(r, "own signature does not verify: %m");
        return write_at(NULL, out, sig, sig_len);
}

static int do_csr(tpm_ctx *t, const char *pem, const char *cn, const char *out) {
        _cleanup_(tpm_key_freep) tpm_key *k = NULL;
        _cleanup_(signer_freep) signer *s = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        size_t der_len;
        int r;

        r = load_pem_key(pem, &k);
        if (r < 0)
                return r;
        r = tpm_key_signer(t, k, &s);
        if (r < 0)
                return log_error_errno(r, "signer: %m");
        r = x509_csr_build(s, streq(cn, "-") ? NULL : cn, NULL, 0, &der, &der_len);
        if (r < 0)
                return log_error_errno(r, "csr: %m");
        return write_at(NULL, out, der, der_len);
}

static int do_pem_pub(const char *path) {
        _cleanup_(tpm_key_freep) tpm_key *k = NULL;
        _cleanup_free_ char *pem = NULL;
        int r;

        r = load_pem_key(path, &k);
        if (r < 0)
                return r;
        r = crypto_pubkey_to_pem(tpm_key_public_key(k), &pem);
        if (r < 0)
                return r;
        fputs(pem, stdout);
        return 0;
}

static int do_cycles(tpm_ctx *t, const char *count, const char *alg) {
        int n = atoi(count), a, r;

        a = tpm_key_alg_from_string(alg);
        if (a < 0)
                return log_error_errno(a, "bad alg");
        for (int i = 0; i < n; i++) {
                _cleanup_(tpm_key_freep) tpm_key *ak = NULL, *k = NULL;
                _cleanup_(tpm_ak_params_done) tpm_ak_params p = {};
                _cleanup_(signer_freep) signer *s = NULL;
                _cleanup_free_ uint8_t *attest = NULL, *sig = NULL, *area = NULL, *jsig = NULL;
                size_t attest_len, sig_len, area_len, jsig_len;
                uint8_t q[32], d[32];
                const char *why = NULL;

                r = tpm_ak_create(t, a, &ak, &p);
                if (r < 0)
                        return log_error_errno(r, "cycle %d: AK: %m", i);
                r = tpm2_check_creation(p.public, p.public_len, p.create_data, p.create_data_len,
                                        p.attest, p.attest_len, p.signature, p.signature_len, NULL,
                                        NULL, &why);
                if (r < 0)
                        return log_error_errno(r, "cycle %d: AK check: %s: %m", i, why ?: "?");
                r = tpm_key_create(t, a, &k);
                if (r < 0)
                        return log_error_errno(r, "cycle %d: key: %m", i);
                (void) crypto_random(q, sizeof(q));
                r = tpm_key_certify(t, k, ak, q, sizeof(q), &attest, &attest_len, &sig, &sig_len);
                if (r < 0)
                        return log_error_errno(r, "cycle %d: certify: %m", i);
                r = tpm_key_public_area(k, &area, &area_len);
                if (r >= 0)
                        r = tpm2_check_certify(tpm_key_public_key(ak), area, area_len, attest,
                                               attest_len, sig, sig_len, q, sizeof(q), NULL, &why);
                if (r < 0)
                        return log_error_errno(r, "cycle %d: certify check: %s: %m", i, why ?: "?");
                r = tpm_key_signer(t, k, &s);
                if (r < 0)
                        return log_error_errno(r, "cycle %d: signer: %m", i);
                (void) crypto_random(d, sizeof(d));
                r = signer_sign_digest(s, NID_sha256, d, sizeof(d), &jsig, &jsig_len);
                if (r < 0)
                        return log_error_errno(r, "cycle %d: sign: %m", i);
                r = crypto_verify_digest(signer_public_key(s), NID_sha256, d, sizeof(d), jsig,
                                         jsig_len);
                if (r < 0)
                        return log_error_errno(r, "cycle %d: verify: %m", i);
        }
        printf("%d cycles ok\n", n);
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_(tpm_unrefp) tpm_ctx *t = NULL;
        const char *cmd;
        int r;

        log_parse_environment();
        if (argc < 2) {
                fprintf(stderr, "usage: see the comment at the top of tests/tools/tpm-cli.c\n");
                return 2;
        }
        cmd = argv[1];
        if (streq(cmd, "pem-pub") && argc == 3)
                return do_pem_pub(argv[2]) < 0;

        r = tpm_open(NULL, &t);
        if (r < 0) {
                log_error_errno(r, "Failed to open the TPM: %m");
                return 1;
        }
        if (streq(cmd, "ek") && argc == 4)
                r = do_ek(t, argv[2], argv[3]);
        else if (streq(cmd, "ak-create") && argc == 4)
                r = do_ak_create(t, argv[2], argv[3]);
        else if (streq(cmd, "activate") && (argc == 5 || argc == 6))
                r = do_activate(t, argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
        else if (streq(cmd, "activate-self") && (argc == 3 || argc == 4))
                r = do_activate_self(t, argv[2], argc == 4 ? argv[3] : NULL);
        else if (streq(cmd, "key-create") && argc == 4)
                r = do_key_create(t, argv[2], argv[3]);
        else if (streq(cmd, "certify") && argc == 6)
                r = do_certify(t, argv[2], argv[3], argv[4], argv[5]);
        else if (streq(cmd, "quote") && argc == 5)
                r = do_quote(t, argv[2], argv[3], argv[4]);
        else if (streq(cmd, "csr") && argc == 5)
                r = do_csr(t, argv[2], argv[3], argv[4]);
        else if (streq(cmd, "sign") && argc == 5)
                r = do_sign(t, argv[2], argv[3], argv[4]);
        else if (streq(cmd, "cycles") && argc == 4)
                r = do_cycles(t, argv[2], argv[3]);
        else {
                fprintf(stderr, "unknown command or wrong arguments\n");
                return 2;
        }
        return r < 0 ? 1 : 0;
}
