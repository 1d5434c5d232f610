/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TPM layer of the agent: every access to the device's TPM goes through
 * here (tpm2-tss ESAPI; only enroll/tpm*.c include tss2_esys.h).
 *
 *  - a context on a TCTI (tctildr syntax: "device:/dev/tpmrm0",
 *    "swtpm:host=127.0.0.1,port=2321", "tabrmd:bus_type=session");
 *  - TPM info (protocols.md 1 tpmInfo);
 *  - the endorsement key: persistent, or recreated from the TCG default
 *    templates, with its certificate from NV and its EK URI;
 *  - attestation keys (restricted signing keys under the SRK) with their
 *    TPM2_CertifyCreation output, and TPM2_ActivateCredential;
 *  - device/account keys (non-restricted signing keys under the SRK),
 *    TPM2_Certify by an AK, TPM2_Sign, and a signer (common/signer.h);
 *  - key files: the `TSS2 PRIVATE KEY` PEM of tpm2-openssl/tpm2-tss-engine.
 *
 * Handles: no transient object stays loaded between calls. Every call that
 * needs a key recreates the SRK (a transient primary from the template
 * tpm2-openssl uses for parent 0x40000001), loads the key from its blobs,
 * flushes the SRK at once, uses the key and flushes it, on success and on
 * failure. At most three object slots are ever in use (SRK + AK + key,
 * during tpm_key_certify), so a raw swtpm without resource manager works.
 * Nothing is persisted in the TPM; what the caller must keep are the key
 * blobs (tpm_key_to_blobs / tpm_key_to_pem), useless without this TPM.
 *
 * Errors: 0 or -errno. TPM and TSS errors are decoded once, where the Esys
 * call is made, and logged at debug with the TSS's own message:
 *   -ENOENT      persistent handle or NV index absent;
 *   -EACCES      authorization or policy failure (e.g. hierarchy auth set,
 *                credential for another key: the TPM refuses);
 *   -ENOSPC      out of TPM object or session memory (0x902, 0x903);
 *   -EAGAIN      TPM busy (retry, yielded, testing);
 *   -EOPNOTSUPP  algorithm, curve or scheme the TPM does not support;
 *   -EINVAL      value the TPM refused as malformed; also bad arguments;
 *   -EBADMSG     truncated or malformed key blob, PEM or TPM structure;
 *   -EBADE       credential integrity check failed in the TPM;
 *   -EIO / -ECONNREFUSED  TCTI could not reach the TPM; -ENOMEM.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include "macro.h"
#include "signer.h"

/* Default TCTI when neither the caller nor $DEVICEID_TCTI names one. */
#define TPM_DEFAULT_TCTI "device:/dev/tpmrm0"

typedef struct tpm_ctx tpm_ctx;

/* Opens the TPM through the TCTI named by tcti, or, if NULL or empty, by
 * $DEVICEID_TCTI, or else TPM_DEFAULT_TCTI. The context is reference
 * counted (signers keep one). Returns 0 or -errno: for a "device:" TCTI
 * the reason the node cannot be opened (-ENOENT, -EACCES), for others
 * -ECONNREFUSED when the TPM or daemon is not reachable, -EOPNOTSUPP for
 * an unknown TCTI name. */
int tpm_open(const char *tcti, tpm_ctx **ret);
/* The TCTI string tpm_open(tcti) would use (borrowed; for messages). */
const char *tpm_tcti_resolve(const char *tcti);
tpm_ctx *tpm_ref(tpm_ctx *t);
/* Drops a reference; the last one closes ESAPI and the TCTI. NULL is ok. */
tpm_ctx *tpm_unref(tpm_ctx *t);
static inline void tpm_unrefp(tpm_ctx **t) {
        tpm_unref(*t);
}
/* The TCTI string the context was opened with (for messages). */
const char *tpm_tcti(const tpm_ctx *t);

/* ---- TPM info ----------------------------------------------------------- */

typedef struct tpm_info {
        uint32_t manufacturer;  /* TPM_PT_MANUFACTURER */
        uint32_t vendor[4];     /* TPM_PT_VENDOR_STRING_1..4 */
        uint32_t firmware1;     /* TPM_PT_FIRMWARE_VERSION_1 */
        uint32_t firmware2;     /* TPM_PT_FIRMWARE_VERSION_2 */
        /* The strings of protocols.md 1 tpmInfo, NUL-terminated:
         * manufacturer as decimal, model = vendor strings, "major.minor". */
        char manufacturer_dec[16];
        char manufacturer_id[8]; /* "IBM", "INTC", ... (display only) */
        char model[20];
        char firmware[16];
} tpm_info;

int tpm_get_info(tpm_ctx *t, tpm_info *ret);

/* ---- Endorsement key ---------------------------------------------------- */

typedef enum tpm_ek_type {
        TPM_EK_RSA2048,   /* template L-1, persistent 0x81010001, cert NV 0x01c00002 */
        TPM_EK_ECC_P256,  /* template L-2, persistent 0x81010002, cert NV 0x01c0000a */
        TPM_EK_ECC_P384,  /* template H-3, persistent 0x81010016, cert NV 0x01c00016 */
        _TPM_EK_TYPE_MAX,
} tpm_ek_type;

typedef struct tpm_ek {
        tpm_ek_type type;
        /* The persistent handle the EK was read from, or 0 when it was
         * recreated from the template (then flushed at once). */
        TPM2_HANDLE handle;
        TPM2B_PUBLIC public;
        EVP_PKEY *pkey;
        /* DER EK certificate from NV, or NULL if the TPM has none. */
        uint8_t *cert;
        size_t cert_len;
} tpm_ek;

/* "rsa2048" / "ecc256" / "ecc384" and back (-EINVAL). */
const char *tpm_ek_type_to_string(tpm_ek_type type);
int tpm_ek_type_from_string(const char *s);

/* The EK of this type: the persistent one if its handle holds an object
 * of that type, else recreated from the TCG default template (transient,
 * flushed before returning). Its certificate is read from NV if present
 * (absence is not an error). *ret is freed with tpm_ek_free(). */
int tpm_ek_read(tpm_ctx *t, tpm_ek_type type, tpm_ek **ret);

/* The device's EK by the rule of protocols.md 0: the persistent RSA EK,
 * else a persistent ECC EK (P-256, then P-384), else the RSA EK recreated
 * from its template, else the ECC P-256 one. */
int tpm_ek_default(tpm_ctx *t, tpm_ek **ret);

void tpm_ek_free(tpm_ek *ek);
static inline void tpm_ek_freep(tpm_ek **ek) {
        tpm_ek_free(*ek);
}

/* "urn:ek:sha256:..." of the EK (protocols.md 0); malloc'ed. */
int tpm_ek_uri(const tpm_ek *ek, char **ret);

/* ---- Keys under the SRK (AKs, device and account keys) ------------------ */

typedef enum tpm_key_alg {
        TPM_KEY_ECC_P256, /* ECDSA-SHA256 (default) */
        TPM_KEY_RSA_2048, /* RSASSA-SHA256 */
        _TPM_KEY_ALG_MAX,
} tpm_key_alg;

/* "ecc256"/"p256"/"ec256" and "rsa2048" (-EINVAL otherwise). */
int tpm_key_alg_from_string(const char *s);
const char *tpm_key_alg_to_string(tpm_key_alg alg);

/* A key's blobs (TPM2B_PUBLIC, TPM2B_PRIVATE wrapped by the SRK) and its
 * public key. Holds no TPM handle. */
typedef struct tpm_key tpm_key;

void tpm_key_free(tpm_key *k);
static inline void tpm_key_freep(tpm_key **k) {
        tpm_key_free(*k);
}

/* The public key (borrowed, valid as long as k). */
EVP_PKEY *tpm_key_public_key(const tpm_key *k);
/* The TPMT_PUBLIC structure (borrowed). */
const TPMT_PUBLIC *tpm_key_public(const tpm_key *k);
/* The marshalled TPMT_PUBLIC, no size prefix (the AK `public` of
 * protocols.md 1, the `pubArea` of 2); malloc'ed. */
int tpm_key_public_area(const tpm_key *k, uint8_t **ret, size_t *ret_len);
/* The key's Name (nameAlg || SHA-256(TPMT_PUBLIC)). */
int tpm_key_name(const tpm_key *k, TPM2B_NAME *ret);
/* true for restricted signing keys (AKs). */
bool tpm_key_is_restricted(const tpm_key *k);

/* Saves / restores a key as its two marshalled blobs, TPM2B_PUBLIC and
 * TPM2B_PRIVATE with their size prefixes (as tpm2_create -u/-r write them).
 * Restoring parses only (-EBADMSG if truncated or trailing bytes; -EPERM
 * unless it is a sign | fixedTPM | fixedParent key that is not a storage
 * key); the TPM checks the private part at the next load (a blob of
 * another TPM or parent: -EBADE / -EINVAL then). */
int tpm_key_to_blobs(const tpm_key *k, uint8_t **ret_pub, size_t *ret_pub_len, uint8_t **ret_priv,
                     size_t *ret_priv_len);
int tpm_key_from_blobs(const uint8_t *pub, size_t pub_len, const uint8_t *priv, size_t priv_len,
                       tpm_key **ret);

/* The key as a `TSS2 PRIVATE KEY` PEM (OID 2.23.133.10.1.3, emptyAuth
 * TRUE, parent 0x40000001), as OpenSSL's tpm2 provider loads it; and back
 * (also files written by tpm2-openssl): -EBADMSG for anything malformed
 * or another parent, -EOPNOTSUPP for a key that needs an auth value,
 * -EPERM if it is not a signing key. */
int tpm_key_to_pem(const tpm_key *k, char **ret, size_t *ret_len);
int tpm_key_from_pem(const char *pem, size_t len, tpm_key **ret);

/* Output of TPM2_CertifyCreation of an AK by itself (protocols.md 1
 * `params`), all without size prefixes; malloc'ed. */
typedef struct tpm_ak_params {
        uint8_t *public;      size_t public_len;      /* TPMT_PUBLIC */
        uint8_t *create_data; size_t create_data_len; /* TPMS_CREATION_DATA */
        uint8_t *attest;      size_t attest_len;      /* TPMS_ATTEST (ATTEST_CREATION) */
        uint8_t *signature;   size_t signature_len;   /* TPMT_SIGNATURE */
} tpm_ak_params;
void tpm_ak_params_done(tpm_ak_params *p);

/* Creates an attestation key under the SRK: restricted | sign | fixedTPM |
 * fixedParent | sensitiveDataOrigin | userWithAuth | noDA, nameAlg
 * SHA-256, ECDSA-SHA256 on P-256 or RSASSA-SHA256 RSA-2048; then has it
 * certify its own creation (empty qualifying data). *ret_params may be
 * NULL. Returns 0 or -errno; on failure nothing is written. */
int tpm_ak_create(tpm_ctx *t, tpm_key_alg alg, tpm_key **ret_ak, tpm_ak_params *ret_params);

/* TPM2_ActivateCredential (protocols.md 1): credential is the
 * TPM2B_ID_OBJECT and secret the TPM2B_ENCRYPTED_SECRET, both with their
 * 2-byte size prefixes, as the Attestation CA sends them. Loads the AK,
 * satisfies the EK policy (PolicySecret(TPM_RH_ENDORSEMENT), plus
 * PolicyOR for high-range templates) and returns the recovered secret
 * (malloc'ed; erase_and_free it). -EBADE/-EACCES if the credential was not
 * made for this AK and EK. */
int tpm_activate_credential(tpm_ctx *t, const tpm_key *ak, const tpm_ek *ek,
                            const uint8_t *credential, size_t credential_len, const uint8_t *secret,
                            size_t secret_len, uint8_t **ret, size_t *ret_len);

/* Creates a device or account key under the SRK: sign | fixedTPM |
 * fixedParent | sensitiveDataOrigin | userWithAuth | noDA, NOT restricted,
 * nameAlg SHA-256, ECDSA-SHA256 P-256 or RSASSA-SHA256 RSA-2048
 * (protocols.md 2). */
int tpm_key_create(tpm_ctx *t, tpm_key_alg alg, tpm_key **ret);

/* TPM2_Certify(object = key, signHandle = ak, qualifyingData): returns
 * the TPMS_ATTEST (`certInfo`) and TPMT_SIGNATURE (`sig`) bytes, no size
 * prefixes, malloc'ed. qualifying may be up to 64 bytes (32 in ACME). */
int tpm_key_certify(tpm_ctx *t, const tpm_key *key, const tpm_key *ak, const uint8_t *qualifying,
                    size_t qualifying_len, uint8_t **ret_attest, size_t *ret_attest_len,
                    uint8_t **ret_sig, size_t *ret_sig_len);

/* TPM2_Sign of a digest with a non-restricted key; the signature in signer
 * format (ECDSA DER, RSA PKCS#1 v1.5). Our keys have a fixed SHA-256
 * scheme; keys with a NULL scheme (e.g. made by tpm2-openssl) are signed
 * with ECDSA / RSASSA and SHA-256 or SHA-384. -EOPNOTSUPP for a digest the
 * key's scheme does not allow, -EINVAL if digest_len does not match. */
int tpm_key_sign_digest(tpm_ctx *t, const tpm_key *key, int md_nid, const uint8_t *digest,
                        size_t digest_len, uint8_t **ret_sig, size_t *ret_sig_len);

/* A signer (common/signer.h) over a TPM key: it keeps a reference to t
 * and a copy of the key's blobs, and loads and flushes the key on every
 * signature. */
int tpm_key_signer(tpm_ctx *t, const tpm_key *key, signer **ret);
