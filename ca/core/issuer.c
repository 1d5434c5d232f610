/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The issuer (issuer.h): loading the CA directory's certificates and keys,
 * and issuing from them: build and sign (cert-build.c), then record
 * (certificates.c).
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "issuer.h"
#include "log.h"

#define CA_FILE_MAX (64 * 1024)

typedef struct ca_entry {
        X509 *cert;
        EVP_PKEY *key;
        char *pem; /* the intermediate's certificate */
        char *crl_url;
} ca_entry;

struct issuer {
        store *st;
        X509 *root;
        char *root_pem;
        X509 *account_root;     /* account-root.pem, or NULL (a directory made before it) */
        char *account_root_pem;
        ca_entry cas[_CA_KIND_MAX];
        char *ocsp_url;
};

void issued_cert_done(issued_cert *c) {
        if (!c)
                return;
        free(c->serial);
        X509_free(c->cert);
        free(c->chain_pem);
        *c = (issued_cert) {};
}

int issuer_make(issuer *i, const issue_request *req, issued_cert *ret) {
        _cleanup_x509_ X509 *cert = NULL;
        _cleanup_free_ char *serial = NULL, *leaf_pem = NULL, *chain = NULL;
        const ca_entry *ca;
        cert_profile profile;
        time_t nb, na;
        int r;

        if (!i || !req || req->ca < 0 || req->ca >= _CA_KIND_MAX || !req->public_key || !ret)
                return -EINVAL;
        ca = &i->cas[req->ca];
        profile = req->profile;
        if (!profile.crl_url)
                profile.crl_url = ca->crl_url;
        if (!profile.ocsp_url)
                profile.ocsp_url = i->ocsp_url;

        r = cert_create(ca->cert, ca->key, req->public_key, req->subject_cn, req->sans, req->n_sans, &profile,
                        &cert);
        if (r < 0)
                return r;
        r = x509_cert_serial_hex(cert, &serial);
        if (r < 0)
                return r;
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

int issuer_record(issuer *i, const issue_request *req, issued_cert *c) {
        int r;

        if (!i || !req || !c || !c->cert)
                return -EINVAL;
        for (int attempt = 0; i->st; attempt++) {
                r = certificates_record(i->st, req->ca, c->cert, c->serial, req->device_id, req->account,
                                        req->subject_cn ?: (req->n_sans > 0 ? req->sans[0].value : NULL));
                if (r != -EEXIST || attempt >= 3)
                        return r;
                /* A serial collision: astronomically unlikely. */
                issued_cert_done(c);
                r = issuer_make(i, req, c);
                if (r < 0)
                        return r;
        }
        return 0;
}

int issuer_issue(issuer *i, const issue_request *req, issued_cert *ret) {
        issued_cert c = {};
        int r;

        r = issuer_make(i, req, &c);
        if (r >= 0)
                r = issuer_record(i, req, &c);
        if (r < 0) {
                issued_cert_done(&c);
                return r;
        }
        *ret = c;
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
        /* The Account CA's own root. A CA directory created before it
         * existed has none: its Account CA chains to root.pem, and keeps
         * working so until it is moved (deviceid-ca(8), MIGRATING). */
        if (faccessat(dirfd, ISSUER_ACCOUNT_ROOT_FILE, F_OK, AT_SYMLINK_NOFOLLOW) >= 0) {
                r = load_cert(dirfd, ISSUER_ACCOUNT_ROOT_FILE, &i->account_root, &i->account_root_pem);
                if (r < 0)
                        return r;
        } else if (errno != ENOENT)
                return log_error_errno(negative_errno(), "Failed to access \"%s\": %m", ISSUER_ACCOUNT_ROOT_FILE);
        for (int k = 0; k < _CA_KIND_MAX; k++) {
                char name[64];
                ca_entry *e = &i->cas[k];

                snprintf(name, sizeof(name), "%s-ca.pem", ca_kind_to_string(k));
                r = load_cert(dirfd, name, &e->cert, &e->pem);
                if (r < 0)
                        return r;
                snprintf(name, sizeof(name), "%s-ca.key", ca_kind_to_string(k));
                r = issuer_load_key(dirfd, name, &e->key);
                if (r < 0)
                        return r;
                if (X509_check_private_key(e->cert, e->key) != 1)
                        return log_error_errno(-EINVAL, "\"%s\" does not match its certificate.", name);
                if (X509_check_issued(issuer_ca_root(i, k), e->cert) != X509_V_OK)
                        return log_error_errno(-EINVAL, "\"%s-ca.pem\" is not issued by %s.", ca_kind_to_string(k),
                                               issuer_ca_root(i, k) == i->root ? "root.pem" : ISSUER_ACCOUNT_ROOT_FILE);
        }
        *ret = TAKE_PTR(i);
        return 0;
}

void issuer_free(issuer *i) {
        if (!i)
                return;
        X509_free(i->root);
        free(i->root_pem);
        X509_free(i->account_root);
        free(i->account_root_pem);
        for (int k = 0; k < _CA_KIND_MAX; k++) {
                X509_free(i->cas[k].cert);
                EVP_PKEY_free(i->cas[k].key);
                free(i->cas[k].pem);
                free(i->cas[k].crl_url);
        }
        free(i->ocsp_url);
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

X509 *issuer_ca_root(const issuer *i, ca_kind k) {
        if (k == CA_ACCOUNT && i->account_root)
                return i->account_root;
        return i->root;
}

bool issuer_has_account_root(const issuer *i) {
        return i->account_root;
}

EVP_PKEY *issuer_ca_key(const issuer *i, ca_kind k) {
        if (k < 0 || k >= _CA_KIND_MAX)
                return NULL;
        return i->cas[k].key;
}

int issuer_set_revocation_base(issuer *i, const char *base_url) {
        _cleanup_free_ char *ocsp = NULL;
        char *crl[_CA_KIND_MAX] = {};

        if (base_url) {
                size_t len = strlen(base_url);

                if (strncmp(base_url, "http://", 7) != 0 || len <= 7 || len > 400 || base_url[len - 1] == '/')
                        return -EINVAL;
                if (asprintf(&ocsp, "%s/ocsp", base_url) < 0)
                        return -ENOMEM;
                for (int k = 0; k < _CA_KIND_MAX; k++)
                        if (asprintf(&crl[k], "%s/crl/%s.crl", base_url, ca_kind_to_string(k)) < 0) {
                                crl[k] = NULL;
                                for (int j = 0; j < k; j++)
                                        free(crl[j]);
                                return -ENOMEM;
                        }
        }
        free(i->ocsp_url);
        i->ocsp_url = TAKE_PTR(ocsp);
        for (int k = 0; k < _CA_KIND_MAX; k++) {
                free(i->cas[k].crl_url);
                i->cas[k].crl_url = crl[k];
        }
        return 0;
}

const char *issuer_crl_url(const issuer *i, ca_kind k) {
        if (k < 0 || k >= _CA_KIND_MAX)
                return NULL;
        return i->cas[k].crl_url;
}

const char *issuer_ocsp_url(const issuer *i) {
        return i->ocsp_url;
}
