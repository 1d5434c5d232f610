/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TPM layer of the agent (enroll/tpm/, see README.md there): every
 * access to the device's TPM goes through it (tpm2-tss ESAPI; only
 * enroll/tpm/ includes tss2_esys.h). Its public headers:
 *
 *  - tpm.h (this one): a context on a TCTI (tctildr syntax:
 *    "device:/dev/tpmrm0", "swtpm:host=127.0.0.1,port=2321",
 *    "tabrmd:bus_type=session"), and the names the other headers share;
 *  - tpm-info.h: TPM info (protocols.md 1 tpmInfo);
 *  - tpm-ek.h: the endorsement key: persistent, or recreated from the TCG
 *    default templates, with its certificate from NV and its EK URI;
 *  - tpm-key.h: keys under the SRK: attestation keys (restricted signing
 *    keys) with their TPM2_CertifyCreation output; device/account keys
 *    (non-restricted signing keys), TPM2_Certify by an AK, TPM2_Sign, a
 *    signer (common/signer.h); key files: the `TSS2 PRIVATE KEY` PEM of
 *    tpm2-openssl/tpm2-tss-engine;
 *  - tpm-activate.h: TPM2_ActivateCredential with an AK and the EK;
 *  - tpm-recover.h: re-opening a broken context, flushing what a killed
 *    process left in a TPM without a resource manager.
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
#include <tss2/tss2_tpm2_types.h>

#include "macro.h"

/* Default TCTI when neither the caller nor $DEVICEID_TCTI names one. */
#define TPM_DEFAULT_TCTI "device:/dev/tpmrm0"

typedef struct tpm_ctx tpm_ctx;

/* A key under the SRK: its blobs and public key (tpm-key.h). */
typedef struct tpm_key tpm_key;

typedef enum tpm_ek_type {
        TPM_EK_RSA2048,   /* template L-1, persistent 0x81010001, cert NV 0x01c00002 */
        TPM_EK_ECC_P256,  /* template L-2, persistent 0x81010002, cert NV 0x01c0000a */
        TPM_EK_ECC_P384,  /* template H-3, persistent 0x81010016, cert NV 0x01c00016 */
        _TPM_EK_TYPE_MAX,
} tpm_ek_type;

typedef enum tpm_key_alg {
        TPM_KEY_ECC_P256, /* ECDSA-SHA256 (default) */
        TPM_KEY_RSA_2048, /* RSASSA-SHA256 */
        _TPM_KEY_ALG_MAX,
} tpm_key_alg;

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
/* True when a call failed in a way only re-opening the context mends (a
 * transport error, ESAPI out of step after one, a TPM restarted or in
 * failure mode, out of object or session memory), or a re-open failed:
 * tpm_recover() (tpm-recover.h) re-opens it in place. */
bool tpm_broken(const tpm_ctx *t);
/* The last failed TPM call and the TSS's text for its code, e.g.
 * "Esys_CreatePrimary: 0xa000a tcti:IO failure" (for messages; borrowed);
 * while the context is broken, the call that broke it. NULL if none
 * failed yet. */
const char *tpm_last_error(const tpm_ctx *t);
/* True when the TCTI reaches the TPM without a resource manager: a
 * simulator ("swtpm:", "mssim:") or a TPM device node other than the
 * kernel's resource manager ("device:/dev/tpm0"). Then transient objects
 * and sessions outlive the process that made them, and this process is
 * the TPM's only user (the kernel lets one process open /dev/tpm0). */
bool tpm_is_raw(const tpm_ctx *t);
