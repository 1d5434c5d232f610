/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Account CA's decisions (sign.h): from an X5C token and a CSR to an
 * account certificate, and from a current account certificate to its
 * renewal. Token parsing and the pure checks are in x5c-token.c, the body
 * and validity rules in sign-req.c; this file adds the provisioners, the
 * certificate store and inventory lookups, single-use jtis and issuance.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>

#include "ca/inventory/devices.h"
#include "ca/posture/posture-check.h"
#include "posture.h"
#include "log.h"
#include "sign-account.h"
#include "sign-req.h"
#include "sign.h"
#include "x5c-cache.h"
#include "x5c-token.h"

#define AUD_PATH "/1.0/sign#x5c/"
#define ACCOUNT_REF_PREFIX "x5c/" /* the account reference of what an x5c provisioner issued */
#define ACCOUNTS_ISS "accounts"
#define ACCOUNTS_JTI_KEY "/accounts" /* no provisioner or account has this name */
#define JTI_PURGE_INTERVAL 60 /* seconds */

typedef struct x5c_prov {
        char *name;
        const ca_anchors *trust; /* the provisioner's roots */
        char **audiences;        /* NULL-terminated */
} x5c_prov;

struct sign_ca {
        store *st;
        issuer *iss;
        const ca_anchors *accounts; /* what account certificates chain to */
        const ca_anchors *agent;    /* what device certificates chain to: the roots of account provisioners */
        const ca_config *cfg;
        char **accounts_aud;        /* GET /1.0/accounts audiences, NULL-terminated */
        uint64_t lifetime;
        x5c_prov *provs;
        size_t n_provs;
        _Atomic int64_t next_purge; /* of expired jtis */
        x5c_cache *chains;          /* verified device chains of tokens */
        posture_policies *postures; /* [posture] sections (docs/posture.md) */
        const ca_anchors *attestation; /* what AK certificates chain to */
};

static const store_migration x5c_migrations[] = {
        { 1,
          "CREATE TABLE x5c_tokens ("
          " provisioner TEXT NOT NULL,"
          " jti TEXT NOT NULL,"
          " expires_at INTEGER NOT NULL,"
          " used_at INTEGER NOT NULL,"
          " PRIMARY KEY (provisioner, jti));"
          "CREATE INDEX x5c_tokens_expires ON x5c_tokens (expires_at);" },
};

int sign_store_migrate(store *st) {
        int r = store_migrate(st, "x5c", x5c_migrations, ELEMENTSOF(x5c_migrations));
        return r < 0 ? r : 0;
}

void sign_result_done(sign_result *r) {
        if (!r)
                return;
        issued_cert_done(&r->cert);
        free(r->provisioner);
        free(r->subject);
        free(r->device_ek_uri);
        *r = (sign_result) {};
}

static void strv_free(char **v) {
        if (v)
                for (char **a = v; *a; a++)
                        free(*a);
        free(v);
}

static void prov_done(x5c_prov *p) {
        free(p->name);
        strv_free(p->audiences);
}

void sign_ca_free(sign_ca *ca) {
        if (!ca)
                return;
        for (size_t i = 0; i < ca->n_provs; i++)
                prov_done(&ca->provs[i]);
        free(ca->provs);
        strv_free(ca->accounts_aud);
        x5c_cache_free(ca->chains);
        posture_policies_free(ca->postures);
        free(ca);
}

/* "https://NAME[:PORT]" + path + suffix for every dns_names NAME. */
static int audiences(const ca_config *cfg, const char *path, const char *suffix, char ***ret) {
        _cleanup_free_ char *host = NULL;
        char **v;
        unsigned port;
        size_t n = 0, k = 0;

        if (ca_parse_listen(cfg->listen, &host, &port) < 0)
                return -EINVAL;
        for (char **d = cfg->dns_names; *d; d++)
                n++;
        v = calloc(2 * n + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        for (char **d = cfg->dns_names; *d; d++) {
                if (asprintf(&v[k++], "https://%s%s%s", *d, path, suffix) < 0 ||
                    asprintf(&v[k++], "https://%s:%u%s%s", *d, port, path, suffix) < 0) {
                        v[k - 1] = NULL;
                        strv_free(v);
                        return -ENOMEM;
                }
        }
        *ret = v;
        return 0;
}

static int prov_audiences(const ca_config *cfg, x5c_prov *p) {
        return audiences(cfg, AUD_PATH, p->name, &p->audiences);
}

int sign_ca_new(store *st, issuer *iss, const ca_trust *trust, const ca_config *cfg, int dirfd, sign_ca **ret) {
        _cleanup_(sign_ca_freep) sign_ca *ca = NULL;
        _cleanup_free_ char *error = NULL;
        int r;

        if (!st || !iss || !trust || !cfg || !ret)
                return -EINVAL;
        ca = calloc(1, sizeof(*ca));
        if (!ca)
                return log_oom();
        ca->st = st;
        ca->iss = iss;
        ca->accounts = ca_trust_issued_by(trust, CA_ACCOUNT);
        ca->agent = ca_trust_issued_by(trust, CA_AGENT);
        ca->cfg = cfg;
        ca->lifetime = cfg->lifetime_account;
        r = x5c_cache_new(&ca->chains);
        if (r < 0)
                return log_oom();
        ca->attestation = ca_trust_issued_by(trust, CA_ATTESTATION);
        r = posture_policies_load(dirfd, cfg, &ca->postures, &error);
        if (r < 0)
                return log_error_errno(r, "Invalid posture policy in ca.conf: %s", error ?: strerror(-r));
        r = audiences(cfg, ACCOUNTS_PATH, "", &ca->accounts_aud);
        if (r < 0)
                return log_error_errno(r, "Failed to build the account list's audiences: %m");
        ca->provs = calloc(cfg->n_provisioners ?: 1, sizeof(x5c_prov));
        if (!ca->provs)
                return log_oom();
        for (size_t i = 0; i < cfg->n_provisioners; i++) {
                const ca_provisioner *cp = &cfg->provisioners[i];
                x5c_prov *p;

                if (!streq_ptr(cp->type, "x5c"))
                        continue;
                p = &ca->provs[ca->n_provs++];
                p->name = strdup(cp->name);
                if (!p->name)
                        return log_oom();
                p->trust = ca_trust_provisioner(trust, cp->name);
                if (!p->trust)
                        return log_error_errno(-EINVAL, "x5c provisioner \"%s\" has no roots.", cp->name);
                r = prov_audiences(cfg, p);
                if (r < 0)
                        return log_error_errno(r, "x5c provisioner \"%s\": failed to build its audiences: %m",
                                               cp->name);
        }
        r = sign_store_migrate(st);
        if (r < 0)
                return log_error_errno(r, "Failed to migrate the x5c token table: %m");
        *ret = TAKE_PTR(ca);
        return 0;
}

static const x5c_prov *prov_find(const sign_ca *ca, const char *name) {
        for (size_t i = 0; i < ca->n_provs; i++)
                if (streq(ca->provs[i].name, name))
                        return &ca->provs[i];
        return NULL;
}

/* The device must be registered and active. Checked again inside the
 * issuing transaction, so that a concurrent disable either revokes what
 * we issue or makes us refuse. */
static int check_device(sign_ca *ca, int64_t device_id, char **ret_ek_uri, sign_refusal *ref) {
        _cleanup_(device_done) device d = {};
        int r;

        r = devices_get(ca->st, device_id, &d);
        if (r == -ENOENT) {
                r = ca_refuse(ref, 403, "the device (id %" PRId64 ") is no longer in the inventory", device_id);
                ref->type = CA_PROBLEM_DEVICE_REMOVED;
                return r;
        }
        if (r < 0)
                return r;
        if (d.status != DEVICE_ACTIVE) {
                r = ca_refuse(ref, 403, "device \"%s\" is disabled", d.ek_uri);
                ref->type = CA_PROBLEM_DEVICE_DISABLED;
                return r;
        }
        if (ret_ek_uri) {
                *ret_ek_uri = strdup(d.ek_uri);
                if (!*ret_ek_uri)
                        return -ENOMEM;
        }
        return 0;
}

/* The store's record of a presented certificate: issued here by CA
 * `kind`, the same bytes, linked to a device, not revoked. */
static int check_issued(sign_ca *ca, X509 *cert, ca_kind kind, const char *what, issued_info *ret,
                        sign_refusal *ref) {
        _cleanup_(issued_info_done) issued_info info = {};
        _cleanup_free_ char *serial = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        size_t len;
        int r;

        r = x509_cert_serial_hex(cert, &serial);
        if (r < 0)
                return r;
        r = x509_cert_to_der(cert, &der, &len);
        if (r < 0)
                return r;
        r = certificates_lookup(ca->st, serial, &info);
        if (r == -ENOENT)
                return ca_refuse(ref, 401, "the %s (serial %s) was not issued by this CA", what, serial);
        if (r < 0)
                return r;
        if (info.der_len != len || memcmp(info.der, der, len) != 0)
                return ca_refuse(ref, 401, "the %s (serial %s) is not the certificate this CA issued under that serial",
                              what, serial);
        if (!streq(info.ca, ca_kind_to_string(kind)))
                return ca_refuse(ref, 401, "the %s (serial %s) was issued by the %s CA, not the %s CA", what, serial,
                              info.ca, ca_kind_to_string(kind));
        if (info.device_id <= 0)
                return ca_refuse(ref, 401, "the %s (serial %s) is not linked to a device", what, serial);
        /* A disabled device's certificates are revoked: say why first. */
        r = check_device(ca, info.device_id, NULL, ref);
        if (r < 0)
                return r;
        if (info.revoked)
                return ca_refuse(ref, 401, "the %s (serial %s) is revoked", what, serial);
        *ret = info;
        info = (issued_info) {};
        return 0;
}

/* Expired jtis are forgotten, once a minute per instance and outside
 * the issuing transactions: several instances deleting the same rows in
 * every issuance would wait for each other's row locks. */
static void purge_jtis(sign_ca *ca, time_t now) {
        int64_t due = atomic_load(&ca->next_purge);
        int r;

        if (now < due || !atomic_compare_exchange_strong(&ca->next_purge, &due, (int64_t) now + JTI_PURGE_INTERVAL))
                return;
        r = store_run(ca->st, "DELETE FROM x5c_tokens WHERE expires_at < ?", "i", (int64_t) now);
        if (r < 0)
                log_debug_errno(r, "Purging expired token ids failed, ignoring: %m");
}

/* Records a jti as used until it expires: of two requests with one
 * token, at one instance or two, the primary key lets one through. */
static int record_jti(sign_ca *ca, const char *prov, const x5c_token *t, time_t now, sign_refusal *ref) {
        int r;

        r = store_run(ca->st, "INSERT INTO x5c_tokens (provisioner, jti, expires_at, used_at) VALUES (?, ?, ?, ?)",
                      "ttii", prov, t->jti, t->exp + X5C_LEEWAY, (int64_t) now);
        if (r == -EEXIST)
                return ca_refuse(ref, 401, "the token has already been used (jti \"%s\")", t->jti);
        return r < 0 ? r : 0;
}

/* Issues in one transaction: the jti (if any) and the device re-check
 * with the certificate, so that nothing is left of a failed attempt. */
static int issue_tx(sign_ca *ca, const char *prov, const x5c_token *t, const issue_request *req, time_t now,
                    sign_result *res, sign_refusal *ref) {
        int r;

        purge_jtis(ca, now);
        /* Signed before the transaction, so that the write lock is held
         * only for the checks and the records. */
        r = issuer_make(ca->iss, req, &res->cert);
        if (r < 0)
                return r;
        r = store_begin(ca->st);
        if (r < 0) {
                issued_cert_done(&res->cert);
                return r;
        }
        r = t ? record_jti(ca, prov, t, now, ref) : 0;
        if (r >= 0)
                r = devices_lock(ca->st, req->device_id, false);
        if (r >= 0)
                r = check_device(ca, req->device_id, &res->device_ek_uri, ref);
        if (r >= 0)
                r = issuer_record(ca->iss, req, &res->cert);
        if (r >= 0)
                r = store_commit(ca->st);
        if (r < 0) {
                issued_cert_done(&res->cert);
                (void) store_rollback(ca->st);
        }
        return r;
}

static int leaf_names_device(X509 *leaf, const char *ek_uri, bool *ret) {
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        int r = x509_cert_get_sans(leaf, &sans);
        if (r < 0)
                return r;
        *ret = x509_san_list_contains(sans, X509_SAN_PERMANENT_ID, ek_uri);
        return 0;
}

/* The SANs of an account certificate: the account's names, classified. */
static int names_to_sans(const account_names *n, x509_san **ret) {
        x509_san *v = calloc(n->n_sans ?: 1, sizeof(x509_san));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n->n_sans; i++) {
                if (x5c_san_classify(n->sans[i], &v[i].type) < 0) {
                        free(v);
                        return -EINVAL;
                }
                v[i].value = n->sans[i];
        }
        *ret = v;
        return 0;
}

/* The token's provisioner: a [provisioner] of ca.conf, or else an
 * account of the inventory (sign-account.h), whose roots are the Agent
 * CA and whose audiences are made for its name. */
typedef struct token_prov {
        const char *name;
        const ca_anchors *trust;
        char **audiences;       /* borrowed from a ca.conf provisioner, or owned */
        bool is_account;
} token_prov;

static void token_prov_done(token_prov *p) {
        if (p->is_account)
                strv_free(p->audiences);
        *p = (token_prov) {};
}

static int resolve_prov(sign_ca *ca, const char *iss, token_prov *ret, sign_refusal *ref) {
        const x5c_prov *p = prov_find(ca, iss);
        int r;

        if (p) {
                *ret = (token_prov) { .name = p->name, .trust = p->trust, .audiences = p->audiences };
                return 0;
        }
        if (!account_name_is_valid(iss) || ca_config_provisioner(ca->cfg, iss))
                return ca_refuse(ref, 401, "invalid token: \"iss\" names no x5c provisioner");
        *ret = (token_prov) { .name = iss, .trust = ca->agent, .is_account = true };
        r = audiences(ca->cfg, AUD_PATH, iss, &ret->audiences);
        return r < 0 ? r : 0;
}

/* The token's leaf as a device certificate of this CA, whose device is
 * active and named by it: fills *ret_info and *ret_dev. */
static int check_device_leaf(sign_ca *ca, X509 *leaf, issued_info *ret_info, device *ret_dev, sign_refusal *ref) {
        bool names;
        int r;

        r = check_issued(ca, leaf, CA_AGENT, "device certificate", ret_info, ref);
        if (r < 0)
                return r;
        r = devices_get(ca->st, ret_info->device_id, ret_dev);
        if (r < 0)
                return r;
        r = leaf_names_device(leaf, ret_dev->ek_uri, &names);
        if (r < 0)
                return r;
        if (!names)
                return ca_refuse(ref, 401, "the device certificate does not name its device \"%s\"", ret_dev->ek_uri);
        return 0;
}

typedef struct chain_lookup {
        sign_ca *ca;
        time_t now;
        const void *verifier; /* of the cached chain */
} chain_lookup;

static STACK_OF(X509) *lookup_chain(const uint8_t digest[32], void *userdata) {
        chain_lookup *l = userdata;

        return x5c_cache_get(l->ca->chains, digest, l->now, &l->verifier);
}

/* The token's leaf as a device certificate of the provisioner's roots:
 * verified now, or found verified by the same roots in the cache. The
 * store's view of it (revoked, device disabled) is not cached:
 * check_device_leaf() asks for every request. */
static int verify_leaf_cached(sign_ca *ca, const x5c_token *t, const token_prov *p, const void *verifier, time_t now,
                              const char **ret_why) {
        const ASN1_TIME *na;
        struct tm tm;
        time_t until = now + X5C_CACHE_TTL;
        int r;

        if (t->x5c_given && verifier == p->trust)
                return 0;
        r = x5c_token_verify_leaf(t, p->trust->anchors, p->trust->intermediates, now, ret_why);
        if (r < 0)
                return r;
        na = X509_get0_notAfter(sk_X509_value(t->x5c, 0));
        if (na && ASN1_TIME_to_tm(na, &tm) == 1 && timegm(&tm) < until)
                until = timegm(&tm);
        (void) x5c_cache_put(ca->chains, t->x5c_digest, t->x5c, p->trust, until); /* only a cache */
        return 0;
}

/* The posture report of the token, when the provisioner's or account's
 * policy asks for one (docs/posture.md): -EPERM with a posture refusal
 * when it fails. Nothing of this runs without a policy. */
static int check_posture(sign_ca *ca, const posture_policy *pol, const x5c_token *t, const sign_request *req,
                         const char *prov, const device *dev, time_t now, sign_refusal *ref) {
        _cleanup_json_ json_object *claims = NULL;
        posture_verdict v;
        posture_token tok = { .jti = t->jti, .iat = t->iat, .exp = t->exp, .beside = req->json };
        int r;

        if (!ca->attestation)
                return -EINVAL;
        r = json_parse_object((const char *) t->jws->payload, t->jws->payload_len, X5C_TOKEN_MAX, &claims);
        if (r < 0)
                return r;
        (void) json_object_object_get_ex(claims, POSTURE_CLAIM, &tok.claim);
        r = posture_evaluate(ca->st, ca->attestation, pol, &tok, prov, dev->id, dev->ek_uri, now, &v);
        if (r < 0)
                return r;
        if (!v.passed)
                return posture_refuse(&v, prov, ref);
        return 0;
}

int sign_ca_sign(sign_ca *ca, const char *body, size_t len, time_t now, sign_result *ret,
                 sign_refusal *ret_refusal) {
        chain_lookup lookup = { .ca = ca, .now = now };
        _cleanup_(sign_request_done) sign_request req = {};
        _cleanup_(x5c_token_freep) x5c_token *t = NULL;
        _cleanup_(issued_info_done) issued_info leaf_info = {};
        _cleanup_(x509_csr_freep) x509_csr *csr = NULL;
        _cleanup_(sign_result_done) sign_result res = {};
        _cleanup_(device_done) device dev = {};
        _cleanup_(token_prov_done) token_prov p = {};
        _cleanup_(account_done) account acct = {};
        _cleanup_(account_names_done) account_names names = {};
        _cleanup_free_ x509_san *acct_sans = NULL;
        const uint8_t *csr_der;
        const char *why = NULL;
        uint64_t lifetime;
        time_t nb, na;
        X509 *leaf;
        size_t csr_len;
        uint8_t h[32];
        int r;

        if (!ca || !body || !ret || !ret_refusal)
                return -EINVAL;
        *ret_refusal = (sign_refusal) {};

        r = sign_request_parse(body, len, &req, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return ca_refuse(ret_refusal, 400, "%s", why ?: "malformed request");
        r = x5c_token_parse_with(req.ott, req.ott_len, lookup_chain, &lookup, &t, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return ca_refuse(ret_refusal, 401, "invalid token: %s", why ?: "malformed");
        r = resolve_prov(ca, t->iss, &p, ret_refusal);
        if (r < 0)
                return r;
        r = x5c_token_check(t, p.name, (const char *const *) p.audiences, now, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return ca_refuse(ret_refusal, 401, "invalid token: %s", why ?: "refused");
        r = verify_leaf_cached(ca, t, &p, lookup.verifier, now, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return ca_refuse(ret_refusal, 401, "%s", why ?: "the x5c leaf is refused");
        leaf = sk_X509_value(t->x5c, 0);

        r = x509_csr_read_pem(req.csr_pem, req.csr_pem_len, SIGN_CSR_PEM_MAX, &csr);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return ca_refuse(ret_refusal, 400, "\"csr\" is not a PEM certificate request with a valid signature");
        if (t->has_cnf) {
                csr_der = x509_csr_der(csr, &csr_len);
                r = crypto_sha256(csr_der, csr_len, h);
                if (r < 0)
                        return r;
                if (memcmp(h, t->cnf_x5rt_s256, sizeof(h)) != 0)
                        return ca_refuse(ret_refusal, 401, "the token's cnf \"x5rt#S256\" does not match the CSR");
        }

        r = check_device_leaf(ca, leaf, &leaf_info, &dev, ret_refusal);
        if (r < 0) {
                x5c_cache_drop(ca->chains, t->x5c_digest); /* revoked, removed... */
                return r;
        }

        lifetime = ca->lifetime;
        if (p.is_account) {
                /* The account decides the names and the lifetime. */
                r = sign_account_resolve(ca->st, p.name, &dev, &acct, &names, ret_refusal);
                if (r < 0)
                        return r;
                r = sign_account_check_names(&names, t, csr, ret_refusal);
                if (r < 0)
                        return r;
                if (req.not_before.set || req.not_after.set)
                        return ca_refuse(ret_refusal, 400, "account \"%s\": the lifetime is the account's (%llus), not the request's",
                                         acct.name, (unsigned long long) acct.lifetime);
                r = names_to_sans(&names, &acct_sans);
                if (r == -EINVAL)
                        return ca_refuse(ret_refusal, 403, "account \"%s\" gives this device an invalid name", acct.name);
                if (r < 0)
                        return r;
                lifetime = acct.lifetime;
        } else if (t->sans->n == 0)
                return ca_refuse(ret_refusal, 401,
                                 "invalid token: a requested name is not a DNS name, IP address, email address or URI");

        r = sign_validity(&req.not_before, &req.not_after, now, lifetime, lifetime, leaf_info.not_after, &nb, &na,
                          &why);
        if (r == -ERANGE)
                return ca_refuse(ret_refusal, 401, "%s", why);
        if (r < 0)
                return ca_refuse(ret_refusal, 400, "%s", why ?: "invalid validity");

        {
                const posture_policy *pol = posture_policy_find(ca->postures, p.name);

                if (pol) {
                        r = check_posture(ca, pol, t, &req, p.name, &dev, now, ret_refusal);
                        if (r < 0)
                                return r;
                }
        }

        {
                EVP_PKEY *pub = x509_csr_public_key(csr);
                cert_profile prof = cert_profile_leaf(pub, CERT_EKU_CLIENT_AUTH, (uint64_t) (na - nb));
                _cleanup_free_ char *ref = NULL;

                prof.not_before = nb;
                prof.encode_only = true; /* only sent and recorded */
                if (asprintf(&ref, "x5c/%s", p.name) < 0)
                        return -ENOMEM;
                issue_request ir = {
                        .ca = CA_ACCOUNT,
                        .public_key = pub,
                        .subject_cn = p.is_account ? names.sub : t->sub,
                        .sans = p.is_account ? acct_sans : t->sans->items,
                        .n_sans = p.is_account ? names.n_sans : t->sans->n,
                        .profile = prof,
                        .device_id = leaf_info.device_id,
                        .account = ref,
                };
                if (!pub)
                        return ca_refuse(ret_refusal, 400, "the CSR's public key is not usable");
                r = issue_tx(ca, p.name, t, &ir, now, &res, ret_refusal);
                if (r < 0)
                        return r;
        }
        res.provisioner = strdup(p.name);
        res.subject = strdup(p.is_account ? names.sub : t->sub);
        res.device_id = leaf_info.device_id;
        if (!res.provisioner || !res.subject)
                return -ENOMEM;
        *ret = res;
        res = (sign_result) {};
        return 0;
}

int sign_ca_accounts(sign_ca *ca, const char *authorization, time_t now, json_object **ret,
                     sign_refusal *ret_refusal) {
        _cleanup_(x5c_token_freep) x5c_token *t = NULL;
        _cleanup_(issued_info_done) issued_info leaf_info = {};
        _cleanup_(device_done) device dev = {};
        const char *why = NULL, *ott;
        bool in_tx = false;
        int r;

        if (!ca || !ret || !ret_refusal)
                return -EINVAL;
        *ret_refusal = (sign_refusal) {};
        if (!authorization || strncmp(authorization, "Bearer ", 7) != 0)
                return ca_refuse(ret_refusal, 401, "the account list needs \"Authorization: Bearer <X5C token>\"");
        ott = authorization + 7;
        r = x5c_token_parse(ott, strlen(ott), &t, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return ca_refuse(ret_refusal, 401, "invalid token: %s", why ?: "malformed");
        r = x5c_token_check(t, ACCOUNTS_ISS, (const char *const *) ca->accounts_aud, now, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return ca_refuse(ret_refusal, 401, "invalid token: %s", why ?: "refused");
        r = x5c_token_verify_leaf(t, ca->agent->anchors, ca->agent->intermediates, now, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return ca_refuse(ret_refusal, 401, "%s", why ?: "the x5c leaf is refused");
        r = check_device_leaf(ca, sk_X509_value(t->x5c, 0), &leaf_info, &dev, ret_refusal);
        if (r < 0)
                return r;
        if (!streq(t->sub, dev.ek_uri))
                return ca_refuse(ret_refusal, 401, "the token's \"sub\" must be the device's EK URI \"%s\"", dev.ek_uri);

        r = store_begin(ca->st);
        if (r < 0)
                return r;
        in_tx = true;
        r = record_jti(ca, ACCOUNTS_JTI_KEY, t, now, ret_refusal);
        if (r >= 0)
                r = sign_account_list(ca->st, &dev, ret);
        if (r >= 0)
                r = store_commit(ca->st);
        if (r >= 0)
                in_tx = false;
        else if (*ret)
                json_object_put(TAKE_PTR(*ret));
        store_rollback_unless_committed(ca->st, &in_tx);
        return r < 0 ? r : 0;
}

/* The newest notAfter of the device's unrevoked Agent CA certificates. */
static int device_cert_limit(sign_ca *ca, int64_t device_id, time_t *ret) {
        _cleanup_(store_stmt_freep) store_stmt *st = NULL;
        int r;

        r = store_prepare(ca->st,
                          "SELECT MAX(not_after) FROM certificates WHERE device_id = ? AND ca = ? AND revoked = 0",
                          &st);
        if (r < 0)
                return r;
        r = store_bind(st, "it", device_id, ca_kind_to_string(CA_AGENT));
        if (r < 0)
                return r;
        r = store_step(st);
        if (r < 0)
                return r;
        if (r == 0 || store_column_is_null(st, 0))
                return -ENOENT;
        *ret = (time_t) store_column_int64(st, 0);
        return 0;
}

int sign_ca_renew(sign_ca *ca, STACK_OF(X509) *client_chain, time_t now, sign_result *ret,
                  sign_refusal *ret_refusal) {
        _cleanup_(issued_info_done) issued_info info = {};
        _cleanup_(sign_result_done) sign_result res = {};
        _cleanup_(x509_san_list_freep) x509_san_list *sans = NULL;
        _cleanup_free_ char *cn = NULL;
        time_t limit, nb, na;
        X509 *leaf;
        int r;

        if (!ca || !ret || !ret_refusal)
                return -EINVAL;
        *ret_refusal = (sign_refusal) {};
        if (!client_chain || sk_X509_num(client_chain) < 1)
                return ca_refuse(ret_refusal, 401, "renewal needs the current account certificate as TLS client certificate");
        leaf = sk_X509_value(client_chain, 0);

        r = x509_chain_verify(leaf, ca->accounts->intermediates, ca->accounts->anchors, now, true);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return ca_refuse(ret_refusal, 401, "the client certificate is not a valid account certificate of this CA");
        r = check_issued(ca, leaf, CA_ACCOUNT, "client certificate", &info, ret_refusal);
        if (r < 0)
                return r;
        if (info.account && strncmp(info.account, ACCOUNT_REF_PREFIX, strlen(ACCOUNT_REF_PREFIX)) == 0 &&
            posture_policy_find(ca->postures, info.account + strlen(ACCOUNT_REF_PREFIX))) {
                /* mTLS renewal carries no posture report. */
                (void) ca_refuse(ret_refusal, 403, "\"%s\" asks for a posture report at every issuance: use /1.0/sign",
                                 info.account + strlen(ACCOUNT_REF_PREFIX));
                ret_refusal->type = CA_PROBLEM_POSTURE;
                return -EPERM;
        }

        r = device_cert_limit(ca, info.device_id, &limit);
        if (r == -ENOENT || (r >= 0 && limit - now < SIGN_MIN_LIFETIME))
                return ca_refuse(ret_refusal, 401, "the device holds no device certificate valid for 5 more minutes");
        if (r < 0)
                return r;
        nb = now - SIGN_BACKDATE;
        na = nb + (time_t) ca->lifetime;
        if (na > limit)
                na = limit;

        r = x509_cert_get_cn(leaf, &cn);
        if (r < 0 && r != -ENOENT)
                return r;
        r = x509_cert_get_sans(leaf, &sans);
        if (r < 0)
                return r;
        {
                EVP_PKEY *pub = X509_get0_pubkey(leaf);
                cert_profile prof = cert_profile_leaf(pub, CERT_EKU_CLIENT_AUTH, (uint64_t) (na - nb));

                prof.not_before = nb;
                issue_request ir = {
                        .ca = CA_ACCOUNT,
                        .public_key = pub,
                        .subject_cn = cn,
                        .sans = sans->items,
                        .n_sans = sans->n,
                        .profile = prof,
                        .device_id = info.device_id,
                        .account = info.account,
                };
                r = issue_tx(ca, NULL, NULL, &ir, now, &res, ret_refusal);
                if (r < 0)
                        return r;
        }
        if (cn)
                res.subject = TAKE_PTR(cn);
        res.device_id = info.device_id;
        *ret = res;
        res = (sign_result) {};
        return 0;
}
