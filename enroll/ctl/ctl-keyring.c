/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deviceidctl import / remove / keyring: publish an externally issued
 * certificate and key into the kernel keyring (bring your own certificate),
 * withdraw an entry, and show what the keyring holds without ever printing
 * key bytes. All three go through keyring.h; after a change they tell a
 * running deviceid-fsd to reload (no fsd running is fine).
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <openssl/bio.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "enroll/ctl/ctl.h"
#include "enroll/tpm/tpm-key.h"
#include "json.h"
#include "keyring/writer.h"
#include "log.h"
#include "time-util.h"
#include "x509.h"

#define CTL_NOTIFY_TIMEOUT_MS 10000
#define CTL_MAX_KEY_FILE (64 * 1024)

typedef struct secret_buf {
        char *p;
        size_t len;
} secret_buf;

static void secret_buf_done(secret_buf *b) {
        erase_and_free(b->p, b->len);
        b->p = NULL;
        b->len = 0;
}

/* Tells fsd; its absence is normal (not installed, not started yet). */
static int notify_fsd(void) {
        int r = keyring_notify_readers(NULL, CTL_NOTIFY_TIMEOUT_MS);

        if (r == -ENOENT || r == -ECONNREFUSED) {
                log_debug_errno(r, "No deviceid-fsd listening (%m), not notifying.");
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "The keyring changed, but deviceid-fsd did not confirm the reload: %m");
        log_debug("deviceid-fsd reloaded.");
        return 0;
}

/* Reads a private key file and turns it into what the entry stores: PKCS#8
 * PEM for a software key, the TSS2 PEM as is for a TPM-wrapped one. */
static int load_key(const char *path, bool tss2, secret_buf *ret, EVP_PKEY **ret_public) {
        _cleanup_(secret_buf_done) secret_buf raw = {};
        _cleanup_pkey_ EVP_PKEY *pkey = NULL;
        int r;

        r = read_file_at(AT_FDCWD, path, CTL_MAX_KEY_FILE, &raw.p, &raw.len);
        if (r < 0)
                return log_error_errno(r, "Failed to read key \"%s\": %m", path);
        if (tss2) {
                _cleanup_(tpm_key_freep) tpm_key *tk = NULL;

                /* Parsing only: the blob is usable on this TPM alone, which
                 * checks it when it loads it. */
                r = tpm_key_from_pem(raw.p, raw.len, &tk);
                if (r < 0)
                        return log_error_errno(r, "\"%s\" is not a usable TSS2 PRIVATE KEY PEM: %m", path);
                if (EVP_PKEY_up_ref(tpm_key_public_key(tk)) != 1)
                        return log_oom();
                *ret_public = tpm_key_public_key(tk);
                *ret = raw;
                raw = (secret_buf) {};
                return 0;
        }
        r = crypto_key_from_pem(raw.p, raw.len, &pkey);
        if (r < 0)
                return log_error_errno(r, "Failed to parse key \"%s\": %m", path);
        if (crypto_key_is_private(pkey) != 1)
                return log_error_errno(EKEYREJECTED, "\"%s\" holds no private key.", path);
        r = crypto_key_to_pem_pkcs8(pkey, &ret->p, &ret->len);
        if (r < 0)
                return log_error_errno(r, "Failed to convert key \"%s\" to PKCS#8: %m", path);
        *ret_public = TAKE_PTR(pkey);
        return 0;
}

/* keyring_publish checks a PKCS#8 key itself; a TSS2 key is checked here,
 * where the TPM layer can read its public part. */
static int check_key_matches(const cert_bundle *chain, EVP_PKEY *key, const char *cert_path,
                             const char *key_path) {
        if (crypto_pubkey_equal(key, X509_get0_pubkey(cert_bundle_leaf(chain))) != 1)
                return log_error_errno(EKEYREJECTED, "The key \"%s\" does not match the certificate \"%s\".",
                                       key_path, cert_path);
        return 0;
}

static int publish_error(int r, const char *name, const char *cert, const char *key) {
        switch (r) {
        case -EKEYREJECTED:
                return log_error_errno(r, "The key \"%s\" does not match the certificate \"%s\".", key, cert);
        case -EKEYEXPIRED:
                return log_error_errno(r, "The certificate \"%s\" has already expired.", cert);
        case -EBADMSG:
                return log_error_errno(r, "\"%s\" is not a chain (leaf first) with a matching key: %m", cert);
        case -E2BIG:
                return log_error_errno(r, "Chain or key too large for one keyring entry (chain %d, key %d bytes at most).",
                                       KEYRING_MAX_CHAIN, KEYRING_MAX_KEY);
        case -EDQUOT:
                return log_error_errno(r, "Keyring quota exceeded publishing \"%s\" (see /proc/sys/kernel/keys/); the previous generation is unchanged.",
                                       name);
        default:
                return log_error_errno(r, "Failed to publish \"%s\": %m", name);
        }
}

int verb_import(int argc, char *argv[]) {
        static const struct option options[] = {
                { "cert", required_argument, NULL, 'c' },
                { "key", required_argument, NULL, 'k' },
                { "tpm-key", no_argument, NULL, 't' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_(keyring_closep) keyring *k = NULL;
        _cleanup_(secret_buf_done) secret_buf key = {};
        _cleanup_(cert_bundle_done) cert_bundle bundle = {};
        _cleanup_free_ char *chain = NULL;
        const char *cert_path = NULL, *key_path = NULL, *name;
        bool tss2 = false;
        size_t chain_len = 0;
        uint64_t generation = 0;
        keyring_key_kind kind;
        int c, r;

        while ((c = getopt_long(argc, argv, "c:k:th", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        cert_path = optarg;
                        break;
                case 'k':
                        key_path = optarg;
                        break;
                case 't':
                        tss2 = true;
                        break;
                case 'h':
                        printf("Usage: deviceidctl import NAME --cert CHAIN.pem [--key KEY.pem [--tpm-key]]\n"
                               "NAME is an account, or \"device\" / \"roots\".\n");
                        return 0;
                default:
                        return -EINVAL;
                }
        if (optind + 1 != argc || !cert_path) {
                log_error("Usage: deviceidctl import NAME --cert CHAIN.pem [--key KEY.pem [--tpm-key]]");
                return -EINVAL;
        }
        name = argv[optind];
        if (!keyring_entry_name_is_valid(name))
                return log_error_errno(EINVAL, "\"%s\" is not a valid entry name ([a-z0-9][a-z0-9_-]{0,63}).", name);
        if (!key_path && keyring_account_name_is_valid(name))
                return log_error_errno(EINVAL, "Account \"%s\" needs --key.", name);
        if (key_path && streq(name, "roots"))
                return log_error_errno(EINVAL, "\"roots\" takes no key.");
        if (tss2 && !key_path)
                return log_error_errno(EINVAL, "--tpm-key needs --key.");

        r = read_file_at(AT_FDCWD, cert_path, KEYRING_MAX_CHAIN, &chain, &chain_len);
        if (r == -EFBIG)
                return log_error_errno(r, "\"%s\" is larger than %d bytes.", cert_path, KEYRING_MAX_CHAIN);
        if (r < 0)
                return log_error_errno(r, "Failed to read \"%s\": %m", cert_path);
        if (key_path) {
                _cleanup_pkey_ EVP_PKEY *public = NULL;

                r = load_key(key_path, tss2, &key, &public);
                if (r < 0)
                        return r;
                r = cert_bundle_from_pem(chain, chain_len, KEYRING_MAX_CHAIN_CERTS, &bundle);
                if (r < 0 && tss2 && r != -E2BIG && r != -ENOMEM)
                        return log_error_errno(EBADMSG, "\"%s\" is not a certificate chain.", cert_path);
                if (r >= 0 && tss2) {
                        r = check_key_matches(&bundle, public, cert_path, key_path);
                        if (r < 0)
                                return r;
                }
        } else
                r = cert_bundle_from_pem(chain, chain_len, KEYRING_MAX_CHAIN_CERTS, &bundle);
        if (r < 0)
                return publish_error(r, name, cert_path, key_path ? key_path : "(none)");
        kind = !key_path ? KEYRING_KEY_NONE : tss2 ? KEYRING_KEY_TSS2 : KEYRING_KEY_PKCS8;

        r = keyring_open(true, &k);
        if (r < 0)
                return log_error_errno(r, "Failed to open the deviceid keyring: %m");
        r = keyring_publish(k, name, &bundle, key.p, key.len, kind, &generation);
        if (r < 0)
                return publish_error(r, name, cert_path, key_path ? key_path : "(none)");
        log_info("Published \"%s\" generation %" PRIu64 " in keyring \"%s\".", name, generation,
                 keyring_get_name(k));
        return notify_fsd();
}

int verb_remove(int argc, char *argv[]) {
        _cleanup_(keyring_closep) keyring *k = NULL;
        const char *name;
        int r;

        if (argc == 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                printf("Usage: deviceidctl remove NAME\n");
                return 0;
        }
        if (argc != 2) {
                log_error("Usage: deviceidctl remove NAME");
                return -EINVAL;
        }
        name = argv[1];
        if (!keyring_entry_name_is_valid(name))
                return log_error_errno(EINVAL, "\"%s\" is not a valid entry name.", name);
        r = keyring_open(false, &k);
        if (r == -ENOKEY)
                return log_error_errno(ENOENT, "No entry \"%s\": the keyring does not exist.", name);
        if (r < 0)
                return log_error_errno(r, "Failed to open the deviceid keyring: %m");
        r = keyring_remove(k, name);
        if (r == -ENOENT)
                return log_error_errno(r, "No entry \"%s\" in keyring \"%s\".", name, keyring_get_name(k));
        if (r < 0)
                return log_error_errno(r, "Failed to remove \"%s\": %m", name);
        log_info("Removed \"%s\" from keyring \"%s\".", name, keyring_get_name(k));
        return notify_fsd();
}

/* Subject of the leaf (RFC 2253 form) and the number of certificates. */
static int chain_summary(const keyring_entry *e, char **ret_subject, int *ret_count) {
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        _cleanup_bio_ BIO *bio = NULL;
        char *mem;
        long n;
        int r;

        r = x509_chain_from_pem(e->chain_pem, e->chain_len, 64, &chain);
        if (r < 0)
                return r;
        bio = BIO_new(BIO_s_mem());
        if (!bio)
                return -ENOMEM;
        if (X509_NAME_print_ex(bio, X509_get_subject_name(sk_X509_value(chain, 0)), 0, XN_FLAG_RFC2253) < 0)
                return -EBADMSG;
        n = BIO_get_mem_data(bio, &mem);
        *ret_subject = strndup(mem, n > 0 ? (size_t) n : 0);
        if (!*ret_subject)
                return -ENOMEM;
        *ret_count = sk_X509_num(chain);
        return 0;
}

static const char *entry_error_string(int r) {
        switch (r) {
        case -ENOENT:
                return "expired";
        case -EKEYREVOKED:
                return "revoked";
        case -EMEDIUMTYPE:
                return "wrong-key-type";
        case -EBADMSG:
                return "malformed";
        default:
                return "unreadable";
        }
}

int verb_keyring(int argc, char *argv[]) {
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_(keyring_closep) keyring *k = NULL;
        _cleanup_(keyring_names_freep) char **names = NULL;
        _cleanup_json_ json_object *root = NULL;
        json_object *arr = NULL;
        bool json = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "jh", options, NULL)) >= 0)
                switch (c) {
                case 'j':
                        json = true;
                        break;
                case 'h':
                        printf("Usage: deviceidctl keyring [--json]\n");
                        return 0;
                default:
                        return -EINVAL;
                }
        if (optind != argc) {
                log_error("Usage: deviceidctl keyring [--json]");
                return -EINVAL;
        }

        r = keyring_open(false, &k);
        if (r < 0 && r != -ENOKEY)
                return log_error_errno(r, "Failed to open the deviceid keyring: %m");
        if (k) {
                r = keyring_list(k, &names);
                if (r < 0)
                        return log_error_errno(r, "Failed to list keyring \"%s\": %m", keyring_get_name(k));
        }

        if (json) {
                root = json_object_new_object();
                arr = json_object_new_array();
                if (!root || !arr) {
                        json_object_put(arr);
                        return log_oom();
                }
                if (json_add_string(root, "keyring", k ? keyring_get_name(k) : (getenv(KEYRING_ENV) ? getenv(KEYRING_ENV) : KEYRING_NAME)) < 0 ||
                    json_add_bool(root, "exists", k != NULL) < 0 || json_add_object(root, "entries", arr) < 0)
                        return log_oom();
        } else if (!k)
                printf("The keyring does not exist (nothing published since boot).\n");
        else
                printf("%-20s %6s %-6s %-20s %s\n", "NAME", "GEN", "KIND", "NOT AFTER", "SUBJECT");

        for (char **n = names; n && *n; n++) {
                _cleanup_(keyring_entry_freep) keyring_entry *e = NULL;
                _cleanup_free_ char *subject = NULL;
                char not_after[FORMAT_TIME_MAX], published[FORMAT_TIME_MAX];
                int count = 0;

                r = keyring_get(k, *n, &e);
                if (r < 0 && r != -ENOENT && r != -EKEYREVOKED && r != -EMEDIUMTYPE && r != -EBADMSG)
                        return log_error_errno(r, "Failed to read entry \"%s\": %m", *n);
                if (r >= 0 && chain_summary(e, &subject, &count) < 0)
                        log_warning("The chain of \"%s\" does not parse, ignoring.", *n);
                if (e) {
                        /* 0: unknown, shown as "-". */
                        if (e->not_after <= 0 || format_time(e->not_after, not_after) < 0)
                                strcpy(not_after, "-");
                        if (e->published <= 0 || format_time(e->published, published) < 0)
                                strcpy(published, "-");
                }

                if (json) {
                        json_object *o = json_object_new_object();

                        if (!o || json_object_array_add(arr, o) < 0) {
                                json_object_put(o);
                                return log_oom();
                        }
                        if (json_add_string(o, "name", *n) < 0)
                                return log_oom();
                        if (!e) {
                                if (json_add_string(o, "state", entry_error_string(r)) < 0)
                                        return log_oom();
                                continue;
                        }
                        if (json_add_string(o, "state", "current") < 0 ||
                            json_add_int64(o, "generation", (int64_t) e->generation) < 0 ||
                            json_add_string(o, "kind", keyring_key_kind_to_string(e->key_kind)) < 0 ||
                            json_add_int64(o, "not_after", (int64_t) e->not_after) < 0 ||
                            json_add_string(o, "not_after_utc", not_after) < 0 ||
                            json_add_int64(o, "published", (int64_t) e->published) < 0 ||
                            json_add_string(o, "published_utc", published) < 0 ||
                            json_add_int64(o, "certificates", count) < 0 ||
                            json_add_string(o, "subject", subject ? subject : "") < 0)
                                return log_oom();
                } else if (!e)
                        printf("%-20s %6s %-6s %-20s (%s)\n", *n, "-", "-", "-", entry_error_string(r));
                else
                        printf("%-20s %6" PRIu64 " %-6s %-20s %s\n", *n, e->generation,
                               keyring_key_kind_to_string(e->key_kind), not_after, subject ? subject : "?");
        }
        if (json)
                printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        return 0;
}
