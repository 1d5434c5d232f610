/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Certificate issuance for the CA directory (issuer.h): building and
 * signing X.509 v3 certificates from a profile, loading the directory's
 * CAs, and the certificates table (what was issued, to whom, revoked or
 * not). This is the CA's signing core, so it uses OpenSSL's X509 API
 * directly; keys, PEM and DER conversions go through common/.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "issuer.h"
#include "log.h"

#define CERT_BACKDATE 60
#define CA_FILE_MAX (64 * 1024)

static const char *const ca_names[_CA_KIND_MAX] = {
        [CA_ATTESTATION] = "attestation",
        [CA_AGENT] = "agent",
        [CA_ACCOUNT] = "account",
};

ca_kind ca_kind_from_string(const char *s) {
        if (!s)
                return CA_KIND_INVALID;
        if (streq(s, "acme"))
                return CA_AGENT;
        for (int k = 0; k < _CA_KIND_MAX; k++)
                if (streq(s, ca_names[k]))
                        return (ca_kind) k;
        return CA_KIND_INVALID;
}

const char *ca_kind_to_string(ca_kind k) {
        if (k < 0 || k >= _CA_KIND_MAX)
                return NULL;
        return ca_names[k];
}

typedef struct ca_entry {
        X509 *cert;
        EVP_PKEY *key;
        char *pem; /* the intermediate's certificate */
} ca_entry;

struct issuer {
        store *st;
        X509 *root;
        char *root_pem;
        ca_entry cas[_CA_KIND_MAX];
};

cert_profile cert_profile_leaf(EVP_PKEY *key, unsigned ext_key_usage, uint64_t lifetime) {
        cert_profile p = {
                .lifetime = lifetime,
                .key_usage = CERT_KU_DIGITAL_SIGNATURE,
                .ext_key_usage = ext_key_usage,
                .path_len = -1,
        };

        if (key && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA)
                p.key_usage |= CERT_KU_KEY_ENCIPHERMENT;
        return p;
}

void issued_cert_done(issued_cert *c) {
        if (!c)
                return;
        free(c->serial);
        X509_free(c->cert);
        free(c->chain_pem);
        *c = (issued_cert) {};
}

void issued_info_done(issued_info *c) {
        if (!c)
                return;
        free(c->serial);
        free(c->ca);
        free(c->account);
        free(c->der);
        *c = (issued_info) {};
}

/* ---- building certificates ---- */

static int add_ext_nid(X509 *cert, X509V3_CTX *ctx, int nid, const char *value) {
        X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
        int ok;

        if (!ext) {
                log_debug("x509: extension %s=\"%s\": %s", OBJ_nid2sn(nid), value, crypto_last_error());
                return -EINVAL;
        }
        ok = X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
        return ok ? 0 : -ENOMEM;
}

/* SANs are encoded (and checked) by common/x509-san.c, the same code that
 * reads them back, so what we issue is what our parsers accept. */
static int add_sans(X509 *cert, const x509_san *sans, size_t n, bool critical) {
        _cleanup_(GENERAL_NAMES_freep) GENERAL_NAMES *names = NULL;
        int r;

        r = x509_sans_to_general_names(sans, n, &names);
        if (r < 0)
                return r;
        if (!X509_add1_ext_i2d(cert, NID_subject_alt_name, names, critical ? 1 : 0, X509V3_ADD_DEFAULT))
                return -ENOMEM;
        return 0;
}

static int random_serial(ASN1_INTEGER **ret) {
        _cleanup_(BN_freep) BIGNUM *bn = NULL;
        uint8_t bytes[16];
        ASN1_INTEGER *ai;
        int r;

        do {
                r = crypto_random(bytes, sizeof(bytes));
                if (r < 0)
                        return r;
                BN_free(bn);
                bn = BN_bin2bn(bytes, sizeof(bytes), NULL);
                if (!bn)
                        return -ENOMEM;
        } while (BN_is_zero(bn));
        ai = BN_to_ASN1_INTEGER(bn, NULL);
        if (!ai)
                return -ENOMEM;
        *ret = ai;
        return 0;
}

static const EVP_MD *digest_for(EVP_PKEY *signing_key) {
        return crypto_key_type_of(signing_key) == CRYPTO_KEY_EC_P384 ? EVP_sha384() : EVP_sha256();
}

int cert_create(X509 *issuer_cert, EVP_PKEY *issuer_key, EVP_PKEY *subject_key, const char *subject_cn,
                const x509_san *sans, size_t n_sans, const cert_profile *p, X509 **ret) {
        _cleanup_x509_ X509 *cert = NULL;
        X509_NAME *name;
        ASN1_INTEGER *serial = NULL;
        X509V3_CTX ctx;
        time_t nb, na, now = time(NULL);
        char buf[128];
        int r;

        if (!issuer_key || !subject_key || !p || p->lifetime == 0 || (!issuer_cert && !subject_cn))
                return -EINVAL;
        if (!subject_cn && n_sans == 0)
                return -EINVAL; /* RFC 5280: empty subject needs a SAN */

        cert = X509_new();
        if (!cert || !X509_set_version(cert, X509_VERSION_3))
                return -ENOMEM;
        r = random_serial(&serial);
        if (r < 0)
                return r;
        if (!X509_set_serialNumber(cert, serial)) {
                ASN1_INTEGER_free(serial);
                return -ENOMEM;
        }
        ASN1_INTEGER_free(serial);

        nb = p->not_before ?: now - CERT_BACKDATE;
        if ((uint64_t) nb + p->lifetime > (uint64_t) INT64_MAX / 2)
                return -EINVAL;
        na = nb + (time_t) p->lifetime;
        if (issuer_cert) {
                /* Never outlive the issuer. */
                const ASN1_TIME *ina = X509_get0_notAfter(issuer_cert);
                struct tm tm;
                if (ASN1_TIME_to_tm(ina, &tm) == 1) {
                        time_t limit = timegm(&tm);
                        if (na > limit)
                                na = limit;
                }
        }
        if (!ASN1_TIME_set(X509_getm_notBefore(cert), nb) || !ASN1_TIME_set(X509_getm_notAfter(cert), na))
                return -ENOMEM;

        name = X509_get_subject_name(cert);
        if (subject_cn && !X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                                      (const unsigned char *) subject_cn, -1, -1, 0))
                return -EINVAL;
        if (!X509_set_issuer_name(cert, issuer_cert ? X509_get_subject_name(issuer_cert) : name))
                return -ENOMEM;
        if (!X509_set_pubkey(cert, subject_key))
                return -EINVAL;

        X509V3_set_ctx(&ctx, issuer_cert ?: cert, cert, NULL, NULL, 0);
        if (p->is_ca) {
                if (p->path_len >= 0)
                        snprintf(buf, sizeof(buf), "critical,CA:TRUE,pathlen:%d", p->path_len);
                else
                        snprintf(buf, sizeof(buf), "critical,CA:TRUE");
        } else
                snprintf(buf, sizeof(buf), "critical,CA:FALSE");
        r = add_ext_nid(cert, &ctx, NID_basic_constraints, buf);
        if (r < 0)
                return r;

        if (p->key_usage) {
                snprintf(buf, sizeof(buf), "critical%s%s%s%s%s",
                         p->key_usage & CERT_KU_DIGITAL_SIGNATURE ? ",digitalSignature" : "",
                         p->key_usage & CERT_KU_KEY_ENCIPHERMENT ? ",keyEncipherment" : "",
                         p->key_usage & CERT_KU_KEY_AGREEMENT ? ",keyAgreement" : "",
                         p->key_usage & CERT_KU_KEY_CERT_SIGN ? ",keyCertSign" : "",
                         p->key_usage & CERT_KU_CRL_SIGN ? ",cRLSign" : "");
                r = add_ext_nid(cert, &ctx, NID_key_usage, buf);
                if (r < 0)
                        return r;
        }
        if (p->ext_key_usage) {
                snprintf(buf, sizeof(buf), "%s%s%s",
                         p->ext_key_usage & CERT_EKU_TCG_AIK ? "2.23.133.8.3," : "",
                         p->ext_key_usage & CERT_EKU_SERVER_AUTH ? "serverAuth," : "",
                         p->ext_key_usage & CERT_EKU_CLIENT_AUTH ? "clientAuth," : "");
                buf[strlen(buf) - 1] = '\0';
                r = add_ext_nid(cert, &ctx, NID_ext_key_usage, buf);
                if (r < 0)
                        return r;
        }
        r = add_ext_nid(cert, &ctx, NID_subject_key_identifier, "hash");
        if (r < 0)
                return r;
        if (issuer_cert) {
                r = add_ext_nid(cert, &ctx, NID_authority_key_identifier, "keyid:always");
                if (r < 0)
                        return r;
        }
        if (n_sans > 0) {
                r = add_sans(cert, sans, n_sans, !subject_cn);
                if (r < 0)
                        return r;
        }

        if (X509_sign(cert, issuer_key, digest_for(issuer_key)) <= 0) {
                log_debug("x509: signing failed: %s", crypto_last_error());
                return -EINVAL;
        }
        *ret = TAKE_PTR(cert);
        return 0;
}

/* Canonical form of a serial given by a user: lowercase, no leading zeros. */
static int serial_normalize(const char *s, char **ret) {
        char *out, *o;

        if (!s)
                return -EINVAL;
        while (*s == '0' && s[1])
                s++;
        if (!*s || strlen(s) > 64)
                return -EINVAL;
        out = o = malloc(strlen(s) + 1);
        if (!out)
                return -ENOMEM;
        for (; *s; s++) {
                char c = *s;
                if (c >= 'A' && c <= 'F')
                        c = (char) (c - 'A' + 'a');
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                        free(out);
                        return -EINVAL;
                }
                *o++ = c;
        }
        *o = '\0';
        *ret = out;
        return 0;
}

/* ---- the store ---- */

static const store_migration ca_migrations[] = {
        { 1,
          "CREATE TABLE certificates ("
          " serial TEXT PRIMARY KEY,"
          " ca TEXT NOT NULL,"
          " device_id INTEGER,"
          " account TEXT,"
          " subject TEXT,"
          " not_before INTEGER NOT NULL,"
          " not_after INTEGER NOT NULL,"
          " revoked INTEGER NOT NULL DEFAULT 0,"
          " revoked_at INTEGER,"
          " revocation_reason INTEGER,"
          " der BLOB NOT NULL,"
          " created_at INTEGER NOT NULL);"
          "CREATE INDEX certificates_device ON certificates (device_id);"
          "CREATE INDEX certificates_account ON certificates (account);" },
};

int issuer_store_migrate(store *st) {
        int r = store_migrate(st, "ca", ca_migrations, ELEMENTSOF(ca_migrations));
        return r < 0 ? r : 0;
}

static int record_cert(store *st, const issue_request *req, X509 *cert, const char *serial) {
        _cleanup_(store_stmt_freep) store_stmt *stmt = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        time_t nb, na;
        size_t len;
        const char *subject;
        int r;

        r = x509_cert_to_der(cert, &der, &len);
        if (r < 0)
                return r;
        r = x509_cert_get_validity(cert, &nb, &na);
        if (r < 0)
                return r;
        subject = req->subject_cn ?: (req->n_sans > 0 ? req->sans[0].value : NULL);
        r = store_prepare(st,
                          "INSERT INTO certificates (serial, ca, device_id, account, subject, not_before,"
                          " not_after, revoked, der, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)"
                          " ON CONFLICT (serial) DO NOTHING RETURNING serial",
                          &stmt);
        if (r < 0)
                return r;
        r = store_bind(stmt, "tt", serial, ca_kind_to_string(req->ca));
        if (r >= 0)
                r = req->device_id > 0 ? store_bind_int64(stmt, 3, req->device_id) : store_bind_null(stmt, 3);
        if (r >= 0)
                r = store_bind_text(stmt, 4, req->account);
        if (r >= 0)
                r = store_bind_text(stmt, 5, subject);
        if (r >= 0)
                r = store_bind_int64(stmt, 6, (int64_t) nb);
        if (r >= 0)
                r = store_bind_int64(stmt, 7, (int64_t) na);
        if (r >= 0)
                r = store_bind_blob(stmt, 8, der, len);
        if (r >= 0)
                r = store_bind_int64(stmt, 9, (int64_t) time(NULL));
        if (r >= 0)
                r = store_step(stmt);
        /* No row back: the serial is taken. Said without an error, which
         * on PostgreSQL would spoil the caller's transaction. */
        if (r == 0)
                return -EEXIST;
        return r < 0 ? r : 0;
}

int issuer_issue(issuer *i, const issue_request *req, issued_cert *ret) {
        _cleanup_x509_ X509 *cert = NULL;
        _cleanup_free_ char *serial = NULL, *leaf_pem = NULL, *chain = NULL;
        const ca_entry *ca;
        time_t nb, na;
        int r;

        if (!req || req->ca < 0 || req->ca >= _CA_KIND_MAX || !req->public_key)
                return -EINVAL;
        ca = &i->cas[req->ca];

        for (int attempt = 0;; attempt++) {
                X509_free(TAKE_PTR(cert));
                free(TAKE_PTR(serial));
                r = cert_create(ca->cert, ca->key, req->public_key, req->subject_cn, req->sans, req->n_sans,
                                &req->profile, &cert);
                if (r < 0)
                        return r;
                r = x509_cert_serial_hex(cert, &serial);
                if (r < 0)
                        return r;
                if (!i->st)
                        break;
                r = record_cert(i->st, req, cert, serial);
                if (r == -EEXIST && attempt < 3)
                        continue; /* a serial collision: astronomically unlikely */
                if (r < 0)
                        return r;
                break;
        }

        r = x509_cert_to_pem(cert, &leaf_pem);
        if (r < 0)
                return r;
        if (asprintf(&chain, "%s%s", leaf_pem, ca->pem) < 0)
                return -ENOMEM;
        r = x509_cert_get_validity(cert, &nb, &na);
        if (r < 0)
                return r;
        *ret = (issued_cert) {
                .serial = TAKE_PTR(serial),
                .cert = TAKE_PTR(cert),
                .chain_pem = TAKE_PTR(chain),
                .not_after = na,
        };
        return 0;
}

int issuer_issue_csr(issuer *i, ca_kind ca, X509_REQ *csr, const cert_profile *profile, int64_t device_id,
                     const char *account, issued_cert *ret) {
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        _cleanup_free_ char *cn = NULL;
        EVP_PKEY *pub;
        int r;

        if (!csr || !profile)
                return -EINVAL;
        pub = X509_REQ_get0_pubkey(csr);
        if (!pub)
                return -EINVAL;
        r = x509_csr_get_cn(csr, &cn);
        if (r < 0 && r != -ENOENT)
                return r;
        r = x509_csr_get_sans(csr, &sans);
        if (r < 0)
                return r;
        issue_request req = {
                .ca = ca,
                .public_key = pub,
                .subject_cn = cn,
                .sans = sans ? sans->items : NULL,
                .n_sans = sans ? sans->n : 0,
                .profile = *profile,
                .device_id = device_id,
                .account = account,
        };
        return issuer_issue(i, &req, ret);
}

int issuer_revoke_serial(issuer *i, const char *serial, int reason) {
        _cleanup_free_ char *norm = NULL;
        issued_info info = {};
        int r;

        if (!i->st)
                return -EINVAL;
        r = serial_normalize(serial, &norm);
        if (r < 0)
                return r == -EINVAL ? -ENOENT : r;
        r = store_run(i->st,
                      "UPDATE certificates SET revoked = 1, revoked_at = ?, revocation_reason = ?"
                      " WHERE serial = ? AND revoked = 0",
                      "iit", (int64_t) time(NULL), (int64_t) reason, norm);
        if (r < 0)
                return r;
        if (r > 0)
                return 0;
        r = issuer_lookup(i, norm, &info);
        issued_info_done(&info);
        return r < 0 ? r : -EALREADY;
}

int issuer_revoke_device(issuer *i, int64_t device_id, int reason) {
        if (!i->st)
                return -EINVAL;
        return certificates_revoke_device(i->st, device_id, reason);
}

int certificates_revoke_device(store *st, int64_t device_id, int reason) {
        return store_run(st,
                         "UPDATE certificates SET revoked = 1, revoked_at = ?, revocation_reason = ?"
                         " WHERE device_id = ? AND revoked = 0",
                         "iii", (int64_t) time(NULL), (int64_t) reason, device_id);
}

int issuer_lookup(issuer *i, const char *serial, issued_info *ret) {
        _cleanup_(store_stmt_freep) store_stmt *st = NULL;
        _cleanup_free_ char *norm = NULL;
        issued_info info = {};
        const void *der;
        int r;

        if (!i->st)
                return -EINVAL;
        r = serial_normalize(serial, &norm);
        if (r < 0)
                return r == -EINVAL ? -ENOENT : r;
        r = store_prepare(i->st,
                          "SELECT serial, ca, device_id, account, not_before, not_after, revoked,"
                          " revoked_at, revocation_reason, der FROM certificates WHERE serial = ?",
                          &st);
        if (r < 0)
                return r;
        r = store_bind(st, "t", norm);
        if (r < 0)
                return r;
        r = store_step(st);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        info.serial = strdup(store_column_text(st, 0) ?: "");
        info.ca = strdup(store_column_text(st, 1) ?: "");
        info.device_id = store_column_int64(st, 2);
        if (!store_column_is_null(st, 3))
                info.account = strdup(store_column_text(st, 3));
        info.not_before = (time_t) store_column_int64(st, 4);
        info.not_after = (time_t) store_column_int64(st, 5);
        info.revoked = store_column_int64(st, 6) != 0;
        info.revoked_at = (time_t) store_column_int64(st, 7);
        info.reason = (int) store_column_int64(st, 8);
        der = store_column_blob(st, 9, &info.der_len);
        info.der = malloc(info.der_len ?: 1);
        if (info.der && info.der_len)
                memcpy(info.der, der, info.der_len);
        if (!info.serial || !info.ca || !info.der || (!store_column_is_null(st, 3) && !info.account)) {
                issued_info_done(&info);
                return -ENOMEM;
        }
        *ret = info;
        return 0;
}

/* ---- loading the directory ---- */

static int load_cert(int dirfd, const char *name, X509 **ret_cert, char **ret_pem) {
        _cleanup_free_ char *pem = NULL;
        size_t len;
        int r;

        r = read_file_at(dirfd, name, CA_FILE_MAX, &pem, &len);
        if (r < 0)
                return log_error_errno(r, "Failed to read \"%s\": %m", name);
        r = x509_cert_from_pem(pem, len, ret_cert);
        if (r < 0)
                return log_error_errno(r, "Failed to parse the certificate in \"%s\": %m", name);
        if (ret_pem)
                *ret_pem = TAKE_PTR(pem);
        return 0;
}

int issuer_load_key(int dirfd, const char *name, EVP_PKEY **ret) {
        char *pem = NULL;
        size_t len;
        struct stat stt;
        int r;

        if (fstatat(dirfd, name, &stt, AT_SYMLINK_NOFOLLOW) < 0)
                return log_error_errno(negative_errno(), "Failed to stat \"%s\": %m", name);
        if (!S_ISREG(stt.st_mode))
                return log_error_errno(-EINVAL, "\"%s\" is not a regular file.", name);
        if (stt.st_mode & 077)
                return log_error_errno(-EPERM, "Private key \"%s\" is accessible to group or others (mode %03o); it must be 0600.",
                                       name, stt.st_mode & 0777);
        r = read_file_at(dirfd, name, CA_FILE_MAX, &pem, &len);
        if (r < 0)
                return log_error_errno(r, "Failed to read \"%s\": %m", name);
        r = crypto_key_from_pem(pem, len, ret);
        erase_and_free(pem, len);
        if (r < 0)
                return log_error_errno(r, "Failed to parse the key in \"%s\": %m", name);
        if (crypto_key_is_private(*ret) != 1) {
                EVP_PKEY_free(TAKE_PTR(*ret));
                return log_error_errno(-EINVAL, "\"%s\" holds no private key.", name);
        }
        return 0;
}

int issuer_load(int dirfd, store *st, issuer **ret) {
        _cleanup_(issuer_freep) issuer *i = NULL;
        int r;

        i = calloc(1, sizeof(*i));
        if (!i)
                return log_oom();
        i->st = st;
        r = load_cert(dirfd, "root.pem", &i->root, &i->root_pem);
        if (r < 0)
                return r;
        for (int k = 0; k < _CA_KIND_MAX; k++) {
                char name[64];
                ca_entry *e = &i->cas[k];

                snprintf(name, sizeof(name), "%s-ca.pem", ca_names[k]);
                r = load_cert(dirfd, name, &e->cert, &e->pem);
                if (r < 0)
                        return r;
                snprintf(name, sizeof(name), "%s-ca.key", ca_names[k]);
                r = issuer_load_key(dirfd, name, &e->key);
                if (r < 0)
                        return r;
                if (X509_check_private_key(e->cert, e->key) != 1)
                        return log_error_errno(-EINVAL, "\"%s\" does not match its certificate.", name);
                if (X509_check_issued(i->root, e->cert) != X509_V_OK)
                        return log_error_errno(-EINVAL, "\"%s-ca.pem\" is not issued by root.pem.", ca_names[k]);
        }
        *ret = TAKE_PTR(i);
        return 0;
}

void issuer_free(issuer *i) {
        if (!i)
                return;
        X509_free(i->root);
        free(i->root_pem);
        for (int k = 0; k < _CA_KIND_MAX; k++) {
                X509_free(i->cas[k].cert);
                EVP_PKEY_free(i->cas[k].key);
                free(i->cas[k].pem);
        }
        free(i);
}

X509 *issuer_root(const issuer *i) {
        return i->root;
}

X509 *issuer_ca_cert(const issuer *i, ca_kind k) {
        if (k < 0 || k >= _CA_KIND_MAX)
                return NULL;
        return i->cas[k].cert;
}

const char *issuer_root_pem(const issuer *i) {
        return i->root_pem;
}
