/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CA's trust anchors (trust.h).
 */
#include "log.h"
#include "trust.h"
#include "x509.h"

typedef struct prov_anchors {
        char *name;
        ca_anchors set;
} prov_anchors;

struct ca_trust {
        ca_anchors root;
        ca_anchors issued[_CA_KIND_MAX];
        prov_anchors *provs;
        size_t n_provs;
};

static void anchors_done(ca_anchors *a) {
        x509_stack_free(a->anchors);
        x509_stack_free(a->intermediates);
        *a = (ca_anchors) {};
}

void ca_trust_free(ca_trust *t) {
        if (!t)
                return;
        anchors_done(&t->root);
        for (size_t k = 0; k < _CA_KIND_MAX; k++)
                anchors_done(&t->issued[k]);
        for (size_t i = 0; i < t->n_provs; i++) {
                free(t->provs[i].name);
                anchors_done(&t->provs[i].set);
        }
        free(t->provs);
        free(t);
}

static int push_ref(STACK_OF(X509) *sk, X509 *cert) {
        if (!cert || X509_up_ref(cert) != 1)
                return -ENOMEM;
        if (!sk_X509_push(sk, cert)) {
                X509_free(cert);
                return -ENOMEM;
        }
        return 0;
}

/* An empty set, or one of [first] if first is not NULL. */
static int anchors_new(ca_anchors *a, X509 *first) {
        a->anchors = sk_X509_new_null();
        a->intermediates = sk_X509_new_null();
        if (!a->anchors || !a->intermediates)
                return -ENOMEM;
        return first ? push_ref(a->anchors, first) : 0;
}

/* A PEM bundle; *ret_unreadable tells a file that cannot be read from
 * one that does not parse. */
static int read_bundle(int dirfd, const char *file, STACK_OF(X509) **ret, bool *ret_unreadable) {
        _cleanup_free_ char *pem = NULL;
        size_t len;
        int r;

        r = read_file_at(dirfd, file, CA_TRUST_FILE_MAX, &pem, &len);
        *ret_unreadable = r < 0;
        if (r < 0)
                return r;
        return x509_chain_from_pem(pem, len, CA_TRUST_MAX_CERTS, ret);
}

/* x5c: the token's leaf must chain through the bundle's intermediates to
 * one of its self-signed certificates or the root. */
static int load_x5c(int dirfd, const ca_provisioner *p, const issuer *iss, ca_anchors *a) {
        _cleanup_x509_stack_ STACK_OF(X509) *bundle = NULL;
        const char *file = ca_provisioner_get(p, "roots");
        bool unreadable;
        int r;

        if (anchors_new(a, issuer_root(iss)) < 0)
                return log_oom();
        if (!file)
                return push_ref(a->intermediates, issuer_ca_cert(iss, CA_AGENT)) < 0 ? log_oom() : 0;
        r = read_bundle(dirfd, file, &bundle, &unreadable);
        if (r < 0 && unreadable)
                return log_error_errno(r, "x5c provisioner \"%s\": failed to read roots \"%s\": %m", p->name, file);
        if (r < 0)
                return log_error_errno(r, "x5c provisioner \"%s\": \"%s\" is not a PEM certificate bundle: %m",
                                       p->name, file);
        for (int i = 0; i < sk_X509_num(bundle); i++) {
                X509 *c = sk_X509_value(bundle, i);
                bool self_signed = X509_check_issued(c, c) == X509_V_OK;

                if (push_ref(self_signed ? a->anchors : a->intermediates, c) < 0)
                        return log_oom();
        }
        return 0;
}

/* device-attest-01: the AK certificate must chain to one of these; the
 * AK chain brings its own intermediates. */
static int load_attestation(int dirfd, const ca_provisioner *p, const issuer *iss, ca_anchors *a) {
        _cleanup_x509_stack_ STACK_OF(X509) *bundle = NULL;
        const char *file = ca_provisioner_get(p, "attestation_roots");
        bool unreadable;
        int r;

        /* Out of the box: the CA's own root, which the Attestation CA's AK
         * certificates chain to. */
        if (anchors_new(a, file ? NULL : issuer_root(iss)) < 0)
                return log_oom();
        if (!file)
                return 0;
        r = read_bundle(dirfd, file, &bundle, &unreadable);
        if (r < 0 && unreadable)
                return log_error_errno(r, "Provisioner \"%s\": failed to read attestation_roots \"%s\": %m", p->name,
                                       file);
        if (r < 0)
                return log_error_errno(r, "Provisioner \"%s\": attestation_roots \"%s\" holds no usable certificates: %m",
                                       p->name, file);
        x509_stack_free(a->anchors);
        a->anchors = TAKE_PTR(bundle);
        return 0;
}

int ca_trust_load(int dirfd, const ca_config *cfg, const issuer *iss, ca_trust **ret) {
        _cleanup_(ca_trust_freep) ca_trust *t = NULL;
        int r;

        t = calloc(1, sizeof(*t));
        if (!t)
                return log_oom();
        if (anchors_new(&t->root, issuer_root(iss)) < 0)
                return log_oom();
        for (int k = 0; k < _CA_KIND_MAX; k++)
                if (anchors_new(&t->issued[k], issuer_ca_root(iss, k)) < 0 ||
                    push_ref(t->issued[k].intermediates, issuer_ca_cert(iss, k)) < 0)
                        return log_oom();

        t->provs = calloc(cfg->n_provisioners ?: 1, sizeof(prov_anchors));
        if (!t->provs)
                return log_oom();
        for (size_t i = 0; i < cfg->n_provisioners; i++) {
                const ca_provisioner *p = &cfg->provisioners[i];
                prov_anchors *pa = &t->provs[t->n_provs];

                if (streq_ptr(p->type, "x5c"))
                        r = load_x5c(dirfd, p, iss, &pa->set);
                else if (ca_provisioner_has_challenge(p, "device-attest-01"))
                        r = load_attestation(dirfd, p, iss, &pa->set);
                else
                        continue;
                t->n_provs++;
                if (r < 0)
                        return r;
                pa->name = strdup(p->name);
                if (!pa->name)
                        return log_oom();
        }
        *ret = TAKE_PTR(t);
        return 0;
}

const ca_anchors *ca_trust_root(const ca_trust *t) {
        return &t->root;
}

const ca_anchors *ca_trust_issued_by(const ca_trust *t, ca_kind k) {
        if (k < 0 || k >= _CA_KIND_MAX)
                return NULL;
        return &t->issued[k];
}

const ca_anchors *ca_trust_provisioner(const ca_trust *t, const char *name) {
        for (size_t i = 0; i < t->n_provs; i++)
                if (streq_ptr(t->provs[i].name, name))
                        return &t->provs[i].set;
        return NULL;
}
