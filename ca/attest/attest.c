/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Attestation CA's decisions (attest.h): from an /attest request to a
 * credential for the TPM, and from the secret it recovered to an AK
 * certificate. The TPM structures are checked by common/tpm2util (the
 * checks of go-attestation's CheckAKParameters, protocols.md 1); this file
 * adds the inventory, the EK certificates, the pending-activation table
 * and issuance.
 */
#include <assert.h>
#include <stdarg.h>
#include <openssl/crypto.h>

#include "attest-pending.h"
#include "attest.h"
#include "ca/inventory/devices.h"
#include "log.h"
#include "tpm2util.h"
#include "x509.h"

static_assert(ATTEST_STRUCT_MAX == TPM2UTIL_MAX_STRUCT, "attest-req.h and tpm2util.h disagree on the structure limit");

struct attest_ca {
        store *st;
        issuer *iss;
        uint64_t lifetime;
        attest_pending *pending;
};

int attest_ca_new(store *st, issuer *iss, uint64_t lifetime, attest_ca **ret) {
        attest_ca *ca;
        int r;

        if (!st || !iss || lifetime == 0 || !ret)
                return -EINVAL;
        ca = calloc(1, sizeof(*ca));
        if (!ca)
                return -ENOMEM;
        r = attest_pending_new(st, ATTEST_PENDING_MAX, ATTEST_PENDING_PER_DEVICE, ATTEST_PENDING_PER_ADDRESS,
                               &ca->pending);
        if (r < 0) {
                free(ca);
                return r;
        }
        ca->st = st;
        ca->iss = iss;
        ca->lifetime = lifetime;
        *ret = ca;
        return 0;
}

void attest_ca_free(attest_ca *ca) {
        if (!ca)
                return;
        attest_pending_free(ca->pending);
        free(ca);
}

void attest_credential_done(attest_credential *c) {
        if (!c)
                return;
        free(c->credential);
        free(c->secret);
        free(c->ek_uri);
        *c = (attest_credential) {};
}

/* The device of ek_uri must be in the inventory and active. */
static int check_device(attest_ca *ca, const char *ek_uri, int64_t *ret_id, attest_refusal *ref) {
        _cleanup_(device_done) device d = {};
        int r;

        r = devices_get_by_ek_uri(ca->st, ek_uri, &d);
        if (r == -ENOENT) {
                r = ca_refuse(ref, 403, "device \"%s\" is not registered in the inventory", ek_uri);
                ref->type = CA_PROBLEM_DEVICE_REMOVED;
                return r;
        }
        if (r < 0)
                return r;
        if (d.status != DEVICE_ACTIVE) {
                r = ca_refuse(ref, 403, "device \"%s\" is disabled", ek_uri);
                ref->type = CA_PROBLEM_DEVICE_DISABLED;
                return r;
        }
        *ret_id = d.id;
        return 0;
}

/* Each EK certificate must be a certificate for the EK itself. Their
 * chains to the TPM vendors' roots are NOT verified (no root store for
 * them yet): the inventory, not the certificate, makes an EK trusted. */
static int check_ek_certs(const attest_request *req, EVP_PKEY *ek, attest_refusal *ref) {
        for (size_t i = 0; i < req->n_ek_certs; i++) {
                _cleanup_x509_ X509 *c = NULL;
                EVP_PKEY *k;
                int r;

                r = x509_cert_from_der(req->ek_certs[i].data, req->ek_certs[i].len, &c);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return ca_refuse(ref, 400, "ekCerts[%zu] is not a DER X.509 certificate", i);
                k = X509_get0_pubkey(c);
                if (!k)
                        return ca_refuse(ref, 400, "ekCerts[%zu] has an unusable public key", i);
                r = crypto_pubkey_equal(k, ek);
                if (r < 0)
                        return r;
                if (r == 0)
                        return ca_refuse(ref, 400, "ekCerts[%zu] certifies another key than ek", i);
        }
        return 0;
}

/* The EK: its key, TCG default scheme and URI (from OpenSSL's DER, so
 * that two encodings of one key name the same device). */
static int load_ek(const attest_request *req, EVP_PKEY **ret_ek, tpm2_ek_scheme *ret_scheme, char **ret_uri,
                   attest_refusal *ref) {
        _cleanup_pkey_ EVP_PKEY *ek = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        size_t der_len;
        int r;

        r = crypto_pubkey_from_der(req->ek.data, req->ek.len, &ek);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return ca_refuse(ref, 400, "ek is not a DER SubjectPublicKeyInfo");
        r = tpm2_ek_scheme_default(ek, ret_scheme);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return ca_refuse(ref, 400, "ek must be an RSA 2048/3072/4096 or ECC P-256/P-384/P-521 key");
        r = crypto_pubkey_to_der(ek, &der, &der_len);
        if (r < 0)
                return r;
        r = ek_uri_from_spki(der, der_len, ret_uri);
        if (r < 0)
                return r;
        *ret_ek = TAKE_PTR(ek);
        return 0;
}

/* tpm2_check_creation() and the key strength policy of protocols.md 2. */
static int check_ak(const attest_request *req, EVP_PKEY **ret_ak, TPM2B_NAME *ret_name, attest_refusal *ref) {
        _cleanup_pkey_ EVP_PKEY *ak = NULL;
        const char *why = NULL;
        TPMT_PUBLIC pub;
        int r;

        r = tpm2_check_creation(req->public_area.data, req->public_area.len, req->create_data.data,
                                req->create_data.len, req->create_attestation.data, req->create_attestation.len,
                                req->create_signature.data, req->create_signature.len, &ak, ret_name, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return ca_refuse(ref, 400, "the AK attestation does not verify: %s", why ?: "malformed params");
        r = tpm2_public_unmarshal(req->public_area.data, req->public_area.len, &pub);
        if (r >= 0)
                r = tpm2_public_check_strength(&pub);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return ca_refuse(ref, 400, "the AK must be RSA with at least 2048 bits or ECC on P-256 or larger");
        *ret_ak = TAKE_PTR(ak);
        return 0;
}

int attest_ca_challenge(attest_ca *ca, const char *request_id, const char *peer, const attest_request *req,
                        time_t now, attest_credential *ret, attest_refusal *ret_refusal) {
        _cleanup_(attest_activation_freep) attest_activation *a = NULL;
        _cleanup_(attest_credential_done) attest_credential out = {};
        _cleanup_pkey_ EVP_PKEY *ek = NULL;
        uint8_t secret[ATTEST_SECRET_LEN];
        tpm2_ek_scheme scheme;
        TPM2B_NAME ak_name;
        int r;

        if (!ca || !request_id || strlen(request_id) != ATTEST_REQUEST_ID_LEN || !req || !ret || !ret_refusal)
                return -EINVAL;
        *ret_refusal = (attest_refusal) {};
        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        memcpy(a->request_id, request_id, ATTEST_REQUEST_ID_LEN + 1);
        (void) snprintf(a->addr, sizeof(a->addr), "%s", peer ?: "");

        r = load_ek(req, &ek, &scheme, &a->ek_uri, ret_refusal);
        if (r < 0)
                return r;
        r = check_device(ca, a->ek_uri, &a->device_id, ret_refusal);
        if (r < 0)
                return r;
        r = check_ek_certs(req, ek, ret_refusal);
        if (r < 0)
                return r;
        r = check_ak(req, &a->ak_pub, &ak_name, ret_refusal);
        if (r < 0)
                return r;

        /* Only the secret's digest is kept (in the database, where any
         * instance can check the answer). */
        r = crypto_random(secret, sizeof(secret));
        if (r >= 0)
                r = crypto_sha256(secret, sizeof(secret), a->secret_sha256);
        if (r >= 0)
                r = tpm2_make_credential(ek, &scheme, ak_name.name, ak_name.size, secret, sizeof(secret),
                                         &out.credential, &out.credential_len, &out.secret, &out.secret_len);
        explicit_bzero(secret, sizeof(secret));
        if (r < 0)
                return r;
        out.ek_uri = strdup(a->ek_uri);
        a->model = strdup(req->model);
        if (!out.ek_uri || !a->model)
                return -ENOMEM;
        a->manufacturer = req->manufacturer;
        a->firmware = (uint32_t) req->fw_major << 16 | req->fw_minor;
        a->expires = now + ATTEST_PENDING_LIFETIME;

        r = attest_pending_add(ca->pending, a, now);
        if (r == -EEXIST)
                return ca_refuse(ret_refusal, 409, "X-Request-Id %s is already in use by a pending attestation",
                                 request_id);
        if (r < 0)
                return r;
        *ret = out;
        out = (attest_credential) {};
        return 0;
}

/* Issues the AK certificate of a (protocols.md 1, AK certificate
 * profile) in one transaction with the device check, so that a device
 * disabled meanwhile either gets no certificate or has it revoked. */
static int issue_ak_cert(attest_ca *ca, const attest_activation *a, issued_cert *ret, attest_refusal *ref) {
        _cleanup_(x509_tpm_attrs_done) x509_tpm_attrs tpm = {};
        int64_t device_id = 0;
        int r;

        r = x509_tpm_attrs_from_tpm(a->manufacturer, a->model, a->firmware, &tpm);
        if (r < 0)
                return r;
        /* The URI first: the certificates table names a certificate by
         * its first SAN. */
        const x509_san sans[] = {
                { .type = X509_SAN_URI, .value = a->ek_uri },
                { .type = X509_SAN_PERMANENT_ID, .value = a->ek_uri },
                { .type = X509_SAN_TPM_DEVICE, .tpm = tpm },
        };
        issue_request req = {
                .ca = CA_ATTESTATION,
                .public_key = a->ak_pub,
                .subject_cn = NULL,
                .sans = sans,
                .n_sans = ELEMENTSOF(sans),
                .profile = {
                        .lifetime = ca->lifetime,
                        .key_usage = CERT_KU_DIGITAL_SIGNATURE,
                        .ext_key_usage = CERT_EKU_TCG_AIK,
                        .is_ca = false,
                        .path_len = -1,
                },
        };

        r = store_begin(ca->st);
        if (r < 0)
                return r;
        r = devices_lock(ca->st, a->device_id, false);
        if (r >= 0)
                r = check_device(ca, a->ek_uri, &device_id, ref);
        if (r >= 0 && device_id != a->device_id)
                r = ca_refuse(ref, 403, "device \"%s\" was registered again since /attest; start again", a->ek_uri);
        if (r >= 0) {
                req.device_id = device_id;
                r = issuer_issue(ca->iss, &req, ret);
        }
        if (r >= 0) {
                r = store_commit(ca->st);
                if (r < 0)
                        issued_cert_done(ret);
        }
        if (r < 0)
                (void) store_rollback(ca->st);
        return r;
}

int attest_ca_activate(attest_ca *ca, const char *request_id, const char *body, size_t body_len, time_t now,
                       issued_cert *ret, char **ret_ek_uri, attest_refusal *ret_refusal) {
        _cleanup_(attest_activation_freep) attest_activation *a = NULL;
        _cleanup_free_ char *error = NULL, *ek_uri = NULL;
        uint8_t secret[ATTEST_SECRET_LEN], digest[32];
        issued_cert c = {};
        int r;

        if (!ca || !request_id || !ret || !ret_ek_uri || !ret_refusal)
                return -EINVAL;
        *ret_refusal = (attest_refusal) {};

        /* Taken out before anything else: one /secret per challenge, so a
         * wrong guess cannot be followed by another. */
        r = attest_pending_take(ca->pending, request_id, now, &a);
        if (r == -ENOENT)
                return ca_refuse(ret_refusal, 404,
                              "no pending attestation for X-Request-Id %s (unknown, or its secret was already "
                              "sent once)",
                              request_id);
        if (r == -ETIME)
                return ca_refuse(ret_refusal, 400,
                              "the attestation of X-Request-Id %s expired (challenges last %d s); start again "
                              "with /attest",
                              request_id, ATTEST_PENDING_LIFETIME);
        if (r < 0)
                return r;

        r = attest_secret_parse(body, body_len, secret, &error);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return ca_refuse(ret_refusal, 400, "%s", error ?: "malformed request body");
        r = crypto_sha256(secret, sizeof(secret), digest);
        explicit_bzero(secret, sizeof(secret));
        if (r < 0)
                return r;
        if (CRYPTO_memcmp(digest, a->secret_sha256, sizeof(digest)) != 0)
                return ca_refuse(ret_refusal, 403,
                              "the secret does not match: the credential was not activated by the TPM of \"%s\"",
                              a->ek_uri);

        ek_uri = strdup(a->ek_uri);
        if (!ek_uri)
                return -ENOMEM;
        r = issue_ak_cert(ca, a, &c, ret_refusal);
        if (r < 0)
                return r;
        *ret = c;
        *ret_ek_uri = TAKE_PTR(ek_uri);
        return 0;
}
