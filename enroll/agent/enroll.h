/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The enrollment steps shared by `deviceidctl enroll` (one shot) and
 * deviceid-enrolld (kept fresh): enroll the device (AK certificate, then
 * the device certificate by ACME device-attest-01), issue one account
 * certificate (/1.0/sign with the device key), reuse what the keyring
 * already holds, and publish. Nothing here logs above debug: failures come
 * back as -errno plus an enroll_failure that enroll_failure_format() turns
 * into the one line the caller logs (the daemon only when the state
 * changes).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>

#include "cert-bundle.h"
#include "enroll/client/attest-client.h"
#include "enroll/client/sign-client.h"
#include "enroll/tpm/tpm-key.h"
#include "keyring/writer.h"
#include "signer.h"

#define ENROLL_ROOT_FILE_MAX (1024 * 1024)
/* ... and at most this many certificates in it. */
#define ENROLL_ROOTS_MAX 16

/* Exit statuses of deviceidctl enroll (deviceidctl(8)), also the classes
 * enroll_failure_format() sorts failures into. */
enum {
        ENROLL_EXIT_LOCAL = 1,
        ENROLL_EXIT_CA_UNREACHABLE = 3,
        ENROLL_EXIT_CA_REFUSED = 4,
        ENROLL_EXIT_CA_BAD_RESPONSE = 5,
};

/* Where the CA is and what anchors it. */
typedef struct enroll_ca {
        char *url;        /* https://HOST[:PORT] */
        char *attest_url; /* URL/attestation */
        char *dir_url;    /* URL/acme/agents/directory */
        char *root_path;
        cert_bundle roots; /* the roots file, parsed once when loaded (PEM text kept for TLS) */
        /* Each role at its own address (enroll_ca_set_roles()); NULL or an
         * empty bundle: as above. Every bundle is parsed once, at load;
         * enroll_ca_roots() picks the one a role uses. */
        cert_bundle attest_roots;   /* TLS anchors and AK chain roots of the Attestation CA */
        cert_bundle acme_roots;     /* ... TLS anchors and device chain roots of the ACME directory */
        char *account_url;          /* the Account CA's base URL */
        cert_bundle account_roots;  /* ... its TLS anchors */
        cert_bundle account_issuer; /* the root its certificates must chain to; empty: not checked */
        char *account_provisioner;  /* X5C provisioner of local accounts; NULL: "devices" */
        uint32_t posture_pcrs;      /* sha256 PCRs posture reports quote; 0: POSTURE_DEFAULT_PCRS */
} enroll_ca;
void enroll_ca_done(enroll_ca *c);

/* The anchors a role uses: its own bundle when set, else the CA's roots.
 * Borrowed from c. */
static inline const cert_bundle *enroll_ca_roots(const enroll_ca *c, const cert_bundle *role) {
        return role->chain ? role : &c->roots;
}

/* Where each CA role is when it is not at the CA's URL (deviceid-enrolld's
 * [attestation-ca], [acme] and [account-ca]); NULL members keep the
 * defaults. Paths are read as the root is (a PEM bundle). */
typedef struct enroll_roles {
        const char *attest_url, *attest_root;
        const char *acme_directory, *acme_root;
        const char *account_url, *account_root, *account_issuer, *account_provisioner;
} enroll_roles;

/* Applies roles to a loaded CA. 0, or -errno with *ret_path naming the
 * file that cannot be read or parsed (or NULL for a bad URL). */
int enroll_ca_set_roles(enroll_ca *c, const enroll_roles *roles, const char **ret_path);

/* Checks url (https://HOST[:PORT]) and reads and parses root_path.
 * -EPROTONOSUPPORT: not https://; -EINVAL: not HOST[:PORT]; errors of
 * reading the file; -EBADMSG: not a PEM bundle. On failure *ret_what (if
 * not NULL) says which of these it was, for the caller's message. */
int enroll_ca_load(const char *url, const char *root_path, enroll_ca *ret, const char **ret_what);

/* What went wrong in an exchange, for enroll_failure_format(). */
typedef struct enroll_failure {
        client_failure e;
        const char *who;   /* "Attestation CA", "Agent CA", "Account CA"; NULL: local */
        const char *url;   /* the URL tried when e.url is empty */
        const char *name;  /* the account, for local failures; may be NULL */
} enroll_failure;

/* One log line for failure r and the exit class (ENROLL_EXIT_*). *ret_msg
 * is malloc'ed (NULL when out of memory). Pure. */
int enroll_failure_format(int r, const enroll_failure *f, const char *root_path, const char *tcti,
                          char **ret_msg);

/* True if the failure is the CA saying this device is disabled or not
 * (any more) in the inventory: a 403 from any of the three CAs with the
 * problem type deviceDisabled or deviceRemoved. A bare 403, any other
 * refusal (a posture refusal included: docs/posture.md) or an unreachable
 * CA is not. */
bool enroll_failure_is_removed(int r, const enroll_failure *f);

/* The device identity in use: certificate chain and its TPM key. */
typedef struct enroll_device {
        tpm_key *key;
        cert_bundle cert;        /* device certificate first, with its validity */
        STACK_OF(X509) *x5c;     /* chain without self-signed roots, for tokens */
        signer *signer;          /* over key, in the TPM */
        char *ek_uri;            /* NULL when reused from the keyring */
        /* The AK the Attestation CA certified, kept in memory for posture
         * reports (docs/posture.md); NULL until enrolled (again). */
        tpm_key *ak;
        STACK_OF(X509) *ak_chain; /* AK certificate first */
} enroll_device;
void enroll_device_done(enroll_device *d);

/* The whole device enrollment: an AK certificate from the Attestation
 * CA, then a device certificate for a new device key of alg from the
 * Agent CA (device-attest-01). The AK is kept in *ret (in memory only)
 * for posture reports. 0 and *ret (the caller's), or -errno with *f
 * filled. */
int enroll_device_enroll(tpm_ctx *t, const enroll_ca *ca, tpm_key_alg alg, enroll_device *ret, enroll_failure *f);

/* Takes over the device identity the keyring holds: the entry's chain
 * and TSS2 key must parse, the key must load in this TPM and sign a random
 * digest that the leaf's public key verifies. -EBADMSG (does not parse),
 * -EKEYREJECTED (not this TPM's key or not the leaf's), TPM errors. */
int enroll_device_from_entry(tpm_ctx *t, const keyring_entry *e, enroll_device *ret);

/* One account certificate with its key. */
typedef struct enroll_account {
        cert_bundle cert; /* as the CA issued it, with its validity */
        char *key_pem;    /* PKCS#8 (secret: erased on done) or TSS2 */
        size_t key_len;
        bool tpm;
} enroll_account;
void enroll_account_done(enroll_account *a);

/* A new key for spec (software P-256, or a TPM key of alg when spec->tpm)
 * and a certificate for it from the Account CA (/1.0/sign, token signed
 * by the device key, with a posture report quoted by dev's AK). A device
 * taken over from the keyring has no AK yet: one is certified by the
 * Attestation CA first and kept in dev; if that fails, the token goes
 * without a report (the CA decides whether it needs one). 0 and *ret,
 * or -errno with *f filled. */
int enroll_account_issue(tpm_ctx *t, const enroll_ca *ca, enroll_device *dev,
                         const sign_client_account *spec, tpm_key_alg alg, enroll_account *ret,
                         enroll_failure *f);

/* 1 if the entry fits spec: CN = sub, SANs = the configured ones (or
 * [sub] when a local account names none; an account of the CA's list,
 * spec->provisioner set, exactly its SANs), key kind pkcs8/tss2 as
 * spec->tpm says; else 0.
 * Fills *ret_not_before/after of the leaf (may be NULL). -EBADMSG if the
 * chain does not parse. Pure. */
int enroll_account_entry_matches(const keyring_entry *e, const sign_client_account *spec,
                                 time_t *ret_not_before, time_t *ret_not_after);

/* Publishes into the keyring: "device" (chain + TSS2 blob), "roots", or
 * an account. *ret_generation may be NULL. Errors of keyring_publish. */
int enroll_publish_device(keyring *k, const enroll_device *d, uint64_t *ret_generation);
int enroll_publish_roots(keyring *k, const enroll_ca *ca);
int enroll_publish_account(keyring *k, const char *name, const enroll_account *a, uint64_t *ret_generation);
