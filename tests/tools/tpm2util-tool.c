/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A check-only command-line wrapper around common/tpm2util.h for the pytest
 * suite (tests/integration/test_tpm2util.py), so that our MakeCredential and
 * attestation checks can be run against structures a real (software) TPM
 * produced through tpm2-tools. Files are in tpm2-tools' formats:
 *
 *   makecred --ek-pub F | --ek-pem F  --name F --secret F --out F
 *       F of --ek-pub is a TPM2B_PUBLIC (scheme from the EK's own public
 *       area); --ek-pem an SPKI PEM (TCG default scheme, as the CA does).
 *       Writes tpm2_makecredential's file layout (u32 0xBADCC0DE, u32 1,
 *       TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET) for tpm2_activatecredential.
 *   name PUB                  prints the Name (hex) of a TPM2B_PUBLIC file
 *   ek-uri PUB                prints the EK URI of a TPM2B_PUBLIC file
 *   check-creation PUB CDATA ATTEST SIG
 *       PUB TPM2B_PUBLIC, CDATA TPM2B_CREATION_DATA, ATTEST TPMS_ATTEST,
 *       SIG TPMT_SIGNATURE; prints the AK Name on success.
 *   check-certify AKPUB PUB ATTEST SIG EXTRAHEX
 * Exit status 0 on success, 1 on a refused check (reason on stderr), 2 on
 * usage or I/O errors.
 */
#include <fcntl.h>
#include <getopt.h>
#include <openssl/pem.h>

#include "crypto.h"
#include "log.h"
#include "tpm2util.h"

typedef struct buf {
        uint8_t *p;
        size_t n;
} buf;

static void buf_free(buf *b) {
        free(b->p);
}

static int load(const char *path, buf *ret) {
        char *s = NULL;
        size_t n = 0;
        int r;

        r = read_file_at(AT_FDCWD, path, 1 << 20, &s, &n);
        if (r < 0)
                return log_error_errno(r, "Failed to read \"%s\": %m", path);
        ret->p = (uint8_t *) s;
        ret->n = n;
        return 0;
}

/* A TPM2B file: the inner bytes without the 2-byte size. */
static int load_2b(const char *path, buf *ret) {
        int r = load(path, ret);

        if (r < 0)
                return r;
        if (ret->n < 2 || (size_t) (ret->p[0] << 8 | ret->p[1]) != ret->n - 2) {
                buf_free(ret);
                return log_error_errno(EBADMSG, "\"%s\" is not a TPM2B structure", path);
        }
        memmove(ret->p, ret->p + 2, ret->n - 2);
        ret->n -= 2;
        return 0;
}

static void print_hex(const uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                printf("%02x", p[i]);
        printf("\n");
}

static int hex_decode(const char *s, uint8_t *out, size_t max, size_t *ret_len) {
        size_t n = strlen(s);

        if (n % 2 || n / 2 > max)
                return -EINVAL;
        for (size_t i = 0; i < n / 2; i++) {
                unsigned v;
                if (sscanf(s + 2 * i, "%2x", &v) != 1)
                        return -EINVAL;
                out[i] = (uint8_t) v;
        }
        *ret_len = n / 2;
        return 0;
}

static int load_public(const char *path, TPMT_PUBLIC *ret, buf *ret_bytes) {
        buf b = {};
        int r;

        r = load_2b(path, &b);
        if (r < 0)
                return r;
        r = tpm2_public_unmarshal(b.p, b.n, ret);
        if (r < 0) {
                buf_free(&b);
                return log_error_errno(r, "\"%s\" is not a TPMT_PUBLIC: %m", path);
        }
        if (ret_bytes)
                *ret_bytes = b;
        else
                buf_free(&b);
        return 0;
}

static int write_all(const char *path, const uint8_t *p, size_t n) {
        _cleanup_close_ int fd = -1;

        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create \"%s\": %m", path);
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0)
                        return log_error_errno(errno, "Failed to write \"%s\": %m", path);
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

static int cmd_makecred(int argc, char **argv) {
        static const struct option opts[] = {
                { "ek-pub", required_argument, NULL, 'u' }, { "ek-pem", required_argument, NULL, 'p' },
                { "name", required_argument, NULL, 'n' },   { "secret", required_argument, NULL, 's' },
                { "out", required_argument, NULL, 'o' },    {}
        };
        const char *ek_pub = NULL, *ek_pem = NULL, *name = NULL, *secret = NULL, *out = NULL;
        _cleanup_free_ uint8_t *cred = NULL, *enc = NULL, *file = NULL;
        size_t cred_len = 0, enc_len = 0;
        _cleanup_pkey_ EVP_PKEY *ek = NULL;
        buf nb = {}, sb = {};
        tpm2_ek_scheme scheme;
        bool have_scheme = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                switch (c) {
                case 'u': ek_pub = optarg; break;
                case 'p': ek_pem = optarg; break;
                case 'n': name = optarg; break;
                case 's': secret = optarg; break;
                case 'o': out = optarg; break;
                default: return -EINVAL;
                }
        if (!!ek_pub == !!ek_pem || !name || !secret || !out)
                return log_error_errno(EINVAL, "makecred needs one EK, --name, --secret, --out");

        if (ek_pub) {
                TPMT_PUBLIC p;
                r = load_public(ek_pub, &p, NULL);
                if (r < 0)
                        return r;
                r = tpm2_public_to_pkey(&p, &ek);
                if (r < 0)
                        return log_error_errno(r, "EK public area unusable: %m");
                r = tpm2_ek_scheme_from_public(&p, &scheme);
                if (r < 0)
                        return log_error_errno(r, "EK is not a storage key: %m");
                have_scheme = true;
        } else {
                buf pem = {};
                BIO *bio;
                r = load(ek_pem, &pem);
                if (r < 0)
                        return r;
                bio = BIO_new_mem_buf(pem.p, (int) pem.n);
                ek = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
                BIO_free(bio);
                buf_free(&pem);
                if (!ek)
                        return log_error_errno(EBADMSG, "\"%s\" holds no public key", ek_pem);
        }
        r = load(name, &nb);
        if (r >= 0)
                r = load(secret, &sb);
        if (r >= 0) {
                r = tpm2_make_credential(ek, have_scheme ? &scheme : NULL, nb.p, nb.n, sb.p, sb.n,
                                         &cred, &cred_len, &enc, &enc_len);
                if (r < 0)
                        log_error_errno(r, "MakeCredential failed: %m");
        }
        buf_free(&nb);
        buf_free(&sb);
        if (r < 0)
                return r;

        file = malloc(8 + cred_len + enc_len);
        if (!file)
                return log_oom();
        memcpy(file, "\xba\xdc\xc0\xde\x00\x00\x00\x01", 8);
        memcpy(file + 8, cred, cred_len);
        memcpy(file + 8 + cred_len, enc, enc_len);
        return write_all(out, file, 8 + cred_len + enc_len);
}

static int cmd_name(char **argv) {
        TPMT_PUBLIC p;
        TPM2B_NAME n;
        int r;

        r = load_public(argv[0], &p, NULL);
        if (r < 0)
                return r;
        r = tpm2_public_name(&p, &n);
        if (r < 0)
                return log_error_errno(r, "Name: %m");
        print_hex(n.name, n.size);
        return 0;
}

static int cmd_ek_uri(char **argv) {
        _cleanup_pkey_ EVP_PKEY *k = NULL;
        _cleanup_free_ char *uri = NULL;
        TPMT_PUBLIC p;
        int r;

        r = load_public(argv[0], &p, NULL);
        if (r < 0)
                return r;
        r = tpm2_public_to_pkey(&p, &k);
        if (r >= 0)
                r = tpm2_ek_uri(k, &uri);
        if (r < 0)
                return log_error_errno(r, "EK URI: %m");
        printf("%s\n", uri);
        return 0;
}

static int cmd_check_creation(char **argv) {
        buf pub = {}, cd = {}, att = {}, sig = {};
        const char *why = NULL;
        TPMT_PUBLIC p;
        TPM2B_NAME n = {};
        int r;

        r = load_public(argv[0], &p, &pub);
        if (r >= 0)
                r = load_2b(argv[1], &cd);
        if (r >= 0)
                r = load(argv[2], &att);
        if (r >= 0)
                r = load(argv[3], &sig);
        if (r >= 0) {
                r = tpm2_check_creation(pub.p, pub.n, cd.p, cd.n, att.p, att.n, sig.p, sig.n, NULL,
                                        &n, &why);
                if (r < 0)
                        fprintf(stderr, "refused: %s (%s)\n", why ? why : "?", strerror(-r));
                else
                        print_hex(n.name, n.size);
                r = r < 0 ? 1 : 0;
        }
        buf_free(&pub);
        buf_free(&cd);
        buf_free(&att);
        buf_free(&sig);
        return r;
}

static int cmd_check_certify(char **argv) {
        buf akb = {}, pub = {}, att = {}, sig = {};
        _cleanup_pkey_ EVP_PKEY *ak = NULL;
        const char *why = NULL;
        uint8_t extra[64];
        size_t extra_len = 0;
        TPMT_PUBLIC akp, p;
        int r;

        if (hex_decode(argv[4], extra, sizeof(extra), &extra_len) < 0)
                return log_error_errno(EINVAL, "bad hex \"%s\"", argv[4]);
        r = load_public(argv[0], &akp, &akb);
        if (r >= 0)
                r = tpm2_public_to_pkey(&akp, &ak);
        if (r >= 0)
                r = load_public(argv[1], &p, &pub);
        if (r >= 0)
                r = load(argv[2], &att);
        if (r >= 0)
                r = load(argv[3], &sig);
        if (r >= 0) {
                r = tpm2_check_certify(ak, pub.p, pub.n, att.p, att.n, sig.p, sig.n, extra,
                                       extra_len, NULL, &why);
                if (r < 0)
                        fprintf(stderr, "refused: %s (%s)\n", why ? why : "?", strerror(-r));
                r = r < 0 ? 1 : 0;
        }
        buf_free(&akb);
        buf_free(&pub);
        buf_free(&att);
        buf_free(&sig);
        return r;
}

int main(int argc, char **argv) {
        int r;

        log_parse_environment();
        if (argc < 2)
                goto usage;
        if (streq(argv[1], "makecred"))
                r = cmd_makecred(argc - 1, argv + 1);
        else if (streq(argv[1], "name") && argc == 3)
                r = cmd_name(argv + 2);
        else if (streq(argv[1], "ek-uri") && argc == 3)
                r = cmd_ek_uri(argv + 2);
        else if (streq(argv[1], "check-creation") && argc == 6)
                r = cmd_check_creation(argv + 2);
        else if (streq(argv[1], "check-certify") && argc == 7)
                r = cmd_check_certify(argv + 2);
        else
                goto usage;
        return r < 0 ? 2 : r;
usage:
        fprintf(stderr, "usage: %s makecred|name|ek-uri|check-creation|check-certify ...\n",
                argv[0]);
        return 2;
}
