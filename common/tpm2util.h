/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure TPM 2.0 structure helpers shared by the agent (enroll/) and the CA
 * (ca/). No TPM access here: only buffers in, values out.
 *
 *  - marshalling of the structures that cross the wire, via tss2-mu, with
 *    exact lengths (truncated, oversized or trailing bytes: -EBADMSG);
 *  - Names (nameAlg || H(TPMT_PUBLIC)), TPMT_PUBLIC -> EVP_PKEY;
 *  - TPMT_SIGNATURE verification and conversion to OpenSSL formats;
 *  - the Attestation CA checks of TPM2_CertifyCreation output and the ACME
 *    device-attest-01 checks of TPM2_Certify output (protocols.md 1 and 2);
 *  - MakeCredential (TPM 2.0 Library Part 1, section 24 "Credential
 *    Protection") with KDFa / KDFe (Part 1, section 11.4.10), for RSA and
 *    ECC endorsement keys, plus its software inverse (for tests and tools);
 *  - the EK URI and TPM-info string formatting of protocols.md 0 and 1.
 *
 * Errors (all functions return 0 or a negative errno):
 *   -EBADMSG     malformed structure: truncated, trailing bytes, size field
 *                out of range, unknown selector;
 *   -EPROTO      wrong TPMS_ATTEST magic or type;
 *   -EOPNOTSUPP  algorithm, curve or scheme we do not handle;
 *   -EPERM       object attributes or key strength do not match the policy
 *                (restricted vs not, RSA < 2048, ...);
 *   -EBADE       a binding does not match: attested Name vs public area,
 *                creationHash vs createData, extraData vs expected, credential
 *                integrity HMAC;
 *   -EKEYREJECTED the signature does not verify;
 *   -EINVAL      bad argument from the caller; -ENOMEM.
 * The check functions can also hand back a static English reason string
 * (for logs and ACME problem details) via ret_why, which may be NULL.
 * Library code only logs at debug.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

/* TPMS_ATTEST.magic (TPM_GENERATED_VALUE) and the two types we check. */
#define TPM2UTIL_GENERATED_VALUE 0xff544347u
#define TPM2UTIL_ST_ATTEST_CERTIFY 0x8017u
#define TPM2UTIL_ST_ATTEST_CREATION 0x801au

/* Upper bound of any marshalled structure handled here (TPMT_PUBLIC with a
 * 4096-bit RSA modulus and a policy digest is well under this). Inputs
 * longer than this are refused with -EBADMSG before parsing. */
#define TPM2UTIL_MAX_STRUCT 4096

/* ---- Marshalling (tss2-mu) ----------------------------------------------
 * X_unmarshal(buf, len, ret): parses exactly len bytes into *ret; -EBADMSG
 * if the buffer is short, longer than the structure (trailing bytes), longer
 * than TPM2UTIL_MAX_STRUCT, or invalid for tss2-mu (bad selector, size over
 * the type's maximum). *ret is written only on success.
 * X_marshal(v, ret, ret_len): malloc'ed marshalled bytes, caller frees.
 * The TPMT_/TPMS_ forms have no size prefix (as in attStmt and the
 * /attest params); the TPM2B_ forms keep their 2-byte big-endian size. */
int tpm2_public_unmarshal(const uint8_t *buf, size_t len, TPMT_PUBLIC *ret);
int tpm2_public_marshal(const TPMT_PUBLIC *v, uint8_t **ret, size_t *ret_len);
int tpm2_attest_unmarshal(const uint8_t *buf, size_t len, TPMS_ATTEST *ret);
int tpm2_attest_marshal(const TPMS_ATTEST *v, uint8_t **ret, size_t *ret_len);
int tpm2_signature_unmarshal(const uint8_t *buf, size_t len, TPMT_SIGNATURE *ret);
int tpm2_signature_marshal(const TPMT_SIGNATURE *v, uint8_t **ret, size_t *ret_len);
int tpm2_creation_data_unmarshal(const uint8_t *buf, size_t len, TPMS_CREATION_DATA *ret);
int tpm2_creation_data_marshal(const TPMS_CREATION_DATA *v, uint8_t **ret, size_t *ret_len);
int tpm2b_public_unmarshal(const uint8_t *buf, size_t len, TPM2B_PUBLIC *ret);
int tpm2b_public_marshal(const TPM2B_PUBLIC *v, uint8_t **ret, size_t *ret_len);
int tpm2b_private_unmarshal(const uint8_t *buf, size_t len, TPM2B_PRIVATE *ret);
int tpm2b_private_marshal(const TPM2B_PRIVATE *v, uint8_t **ret, size_t *ret_len);
/* The credential blob and encrypted seed of MakeCredential / the inputs of
 * TPM2_ActivateCredential, with their size prefixes (protocols.md 1). */
int tpm2b_id_object_unmarshal(const uint8_t *buf, size_t len, TPM2B_ID_OBJECT *ret);
int tpm2b_id_object_marshal(const TPM2B_ID_OBJECT *v, uint8_t **ret, size_t *ret_len);
int tpm2b_encrypted_secret_unmarshal(const uint8_t *buf, size_t len, TPM2B_ENCRYPTED_SECRET *ret);
int tpm2b_encrypted_secret_marshal(const TPM2B_ENCRYPTED_SECRET *v, uint8_t **ret, size_t *ret_len);

/* ---- Algorithms ------------------------------------------------------- */

/* OpenSSL NID of a TPM hash algorithm (SHA-1/256/384/512), or -EOPNOTSUPP. */
int tpm2_hash_alg_to_nid(TPM2_ALG_ID alg);
/* Digest size in bytes of a TPM hash algorithm, 0 if unsupported. */
size_t tpm2_hash_alg_size(TPM2_ALG_ID alg);

/* ---- Names and keys ---------------------------------------------------- */

/* Name of an object: u16 nameAlg (big-endian) || H_nameAlg(marshalled
 * TPMT_PUBLIC) (Part 1 section 16). -EOPNOTSUPP for nameAlg NULL/unknown. */
int tpm2_public_name(const TPMT_PUBLIC *pub, TPM2B_NAME *ret);

/* Same, from an already marshalled TPMT_PUBLIC; hashes those exact bytes
 * (they must parse as a TPMT_PUBLIC, else -EBADMSG). */
int tpm2_public_name_from_bytes(const uint8_t *buf, size_t len, TPM2B_NAME *ret);

/* OpenSSL public key of an RSA (1024..16384 bits; exponent 0 = 65537) or
 * ECC (NIST P-256, P-384, P-521) TPMT_PUBLIC. The caller owns *ret. */
int tpm2_public_to_pkey(const TPMT_PUBLIC *pub, EVP_PKEY **ret);

/* Key strength policy of protocols.md 2: RSA with at least 2048 bits or ECC
 * on P-256 or larger. 0 if acceptable, -EPERM if weaker, -EOPNOTSUPP. */
int tpm2_public_check_strength(const TPMT_PUBLIC *pub);

/* ---- Signatures -------------------------------------------------------- */

/* Verifies a TPMT_SIGNATURE (ECDSA, RSASSA or RSAPSS with SHA-256/384/512,
 * or SHA-1) over data (hashed here with the signature's hash algorithm).
 * 0 if valid; -EKEYREJECTED if it does not verify or the key type does not
 * match the scheme; -EOPNOTSUPP for other schemes. */
int tpm2_signature_verify(EVP_PKEY *pub, const TPMT_SIGNATURE *sig, const uint8_t *data,
                          size_t len);

/* The signature in the format of the signer abstraction (signer.h): ECDSA
 * as a DER ECDSA-Sig-Value, RSASSA/RSAPSS as the raw big-endian signature.
 * *ret_md_nid (may be NULL) gets the digest NID. The caller frees *ret. */
int tpm2_signature_to_der(const TPMT_SIGNATURE *sig, uint8_t **ret, size_t *ret_len,
                          int *ret_md_nid);

/* ---- Attestation checks ------------------------------------------------ */

/* Attestation CA checks of protocols.md 1 on the raw `params` bytes of
 * /attest (no size prefixes): TPMS_ATTEST magic 0xFF544347 and type
 * ATTEST_CREATION; creationHash == H_akNameAlg(create_data bytes); AK
 * attributes include fixedTPM, fixedParent, sensitiveDataOrigin, restricted
 * and sign (and not decrypt); the attested objectName equals the AK Name;
 * the signature over the attest bytes verifies with the AK public key.
 * SHA-1 as the AK's nameAlg or the signature's hash is refused (-EPERM).
 * On success *ret_ak_pub (may be NULL) is the AK public key (caller frees)
 * and *ret_ak_name (may be NULL) its Name. */
int tpm2_check_creation(const uint8_t *public_area, size_t public_len, const uint8_t *create_data,
                        size_t create_data_len, const uint8_t *attest, size_t attest_len,
                        const uint8_t *sig, size_t sig_len, EVP_PKEY **ret_ak_pub,
                        TPM2B_NAME *ret_ak_name, const char **ret_why);

/* ACME device-attest-01 `tpm` checks of protocols.md 2 (after the x5c and
 * AK certificate checks, which are the caller's): cert_info is TPMS_ATTEST
 * with magic and type ATTEST_CERTIFY; pub_area (TPMT_PUBLIC, no prefix) has
 * fixedTPM, fixedParent, sensitiveDataOrigin and sign, and not restricted;
 * RSA >= 2048 or ECC >= P-256; attested Name == Name(pub_area); sig over
 * cert_info verifies with ak_pub; extraData equals expected_extra_data
 * (SHA-256 of the keyAuthorization). SHA-1 as the key's nameAlg or the
 * signature's hash is refused (-EPERM). On success *ret_key (may be NULL) is
 * the attested public key, caller frees. */
int tpm2_check_certify(EVP_PKEY *ak_pub, const uint8_t *pub_area, size_t pub_area_len,
                       const uint8_t *cert_info, size_t cert_info_len, const uint8_t *sig,
                       size_t sig_len, const uint8_t *expected_extra_data, size_t extra_len,
                       EVP_PKEY **ret_key, const char **ret_why);

/* ---- Credential protection (MakeCredential) ---------------------------- */

/* KDFa (Part 1, 11.4.10.2, SP 800-108 counter mode with HMAC):
 * out = first bits/8 bytes of HMAC_hash(key, u32 i || label || 0x00 ||
 * context_u || context_v || u32 bits) for i = 1, 2, ... The label is a C
 * string hashed with its terminating NUL, as the spec requires; a NULL
 * label contributes no bytes at all. Contexts may be NULL when empty. bits
 * must be a non-zero multiple of 8, at most 8192; ret holds bits/8 bytes. */
int tpm2_kdfa(TPM2_ALG_ID hash, const uint8_t *key, size_t key_len, const char *label,
              const uint8_t *context_u, size_t u_len, const uint8_t *context_v, size_t v_len,
              size_t bits, uint8_t *ret);

/* KDFe (Part 1, 11.4.10.3, SP 800-56A concatenation KDF):
 * out = first bits/8 bytes of H(u32 i || Z || label || 0x00 || party_u ||
 * party_v) for i = 1, 2, ... Same limits as tpm2_kdfa. */
int tpm2_kdfe(TPM2_ALG_ID hash, const uint8_t *z, size_t z_len, const char *label,
              const uint8_t *party_u, size_t u_len, const uint8_t *party_v, size_t v_len,
              size_t bits, uint8_t *ret);

/* What MakeCredential needs to know about the EK beyond its public key: its
 * nameAlg (hash of the KDFs, HMAC, OAEP and KDFe) and its symmetric
 * definition (AES in CFB mode, key size in bits). */
typedef struct tpm2_ek_scheme {
        TPM2_ALG_ID name_alg;
        uint16_t aes_bits;
} tpm2_ek_scheme;

/* The scheme of the TCG EK Credential Profile default templates for this
 * key: RSA-2048 and ECC P-256 (templates L-1/L-2, H-1/H-2): SHA-256 and
 * AES-128; ECC P-384 (H-3) and RSA-3072/4096 (H-6/H-7): SHA-384 and
 * AES-256; ECC P-521 (H-4): SHA-512 and AES-256. -EOPNOTSUPP otherwise.
 * Use tpm2_ek_scheme_from_public() when the EK's TPMT_PUBLIC is known. */
int tpm2_ek_scheme_default(EVP_PKEY *ek, tpm2_ek_scheme *ret);
/* The scheme an EK TPMT_PUBLIC actually declares (nameAlg, symmetric
 * AES-CFB); -EOPNOTSUPP if it is not an AES-CFB storage key. */
int tpm2_ek_scheme_from_public(const TPMT_PUBLIC *ek, tpm2_ek_scheme *ret);

/* The deterministic half of MakeCredential: given the seed, wraps secret
 * (1 byte up to the digest size of the scheme's nameAlg, the limit that
 * TPM2_MakeCredential enforces) for the object named ak_name:
 *   symKey  = KDFa(nameAlg, seed, "STORAGE", akName, -, aes_bits)
 *   encId   = AES-CFB(symKey, IV 0, u16 len || secret)
 *   hmacKey = KDFa(nameAlg, seed, "INTEGRITY", -, -, digest bits)
 *   hmac    = HMAC(hmacKey, encId || akName)
 * and returns the TPM2B_ID_OBJECT bytes u16 size || u16 hmacLen || hmac ||
 * encId (malloc'ed, caller frees). */
int tpm2_credential_wrap(const tpm2_ek_scheme *scheme, const uint8_t *seed, size_t seed_len,
                         const uint8_t *ak_name, size_t ak_name_len, const uint8_t *secret,
                         size_t secret_len, uint8_t **ret, size_t *ret_len);

/* Inverse of tpm2_credential_wrap: checks the HMAC (-EBADE on mismatch),
 * decrypts, and returns the secret (malloc'ed; erase and free). Takes the
 * TPM2B_ID_OBJECT bytes with the size prefix. */
int tpm2_credential_unwrap(const tpm2_ek_scheme *scheme, const uint8_t *seed, size_t seed_len,
                           const uint8_t *ak_name, size_t ak_name_len, const uint8_t *blob,
                           size_t blob_len, uint8_t **ret, size_t *ret_len);

/* MakeCredential (Part 1, section 24): draws a fresh seed and encrypts it
 * to the EK public key: for RSA, a random seed of the nameAlg digest size
 * (as tpm2-tools draws it; go-tpm uses 16 bytes, the TPM takes either),
 * RSA-OAEP(nameAlg, label "IDENTITY\0"); for ECC, an ephemeral ECDH key on
 * the EK curve, seed = KDFe(nameAlg, Z, "IDENTITY", ephX, ekX, digest bits),
 * encrypted seed = TPMS_ECC_POINT of the ephemeral key. Then wraps secret
 * with tpm2_credential_wrap. scheme NULL means tpm2_ek_scheme_default(ek).
 * Returns the TPM2B_ID_OBJECT (*ret_credential) and TPM2B_ENCRYPTED_SECRET
 * (*ret_secret), both with their 2-byte size prefix and malloc'ed. */
int tpm2_make_credential(EVP_PKEY *ek, const tpm2_ek_scheme *scheme, const uint8_t *ak_name,
                         size_t ak_name_len, const uint8_t *secret, size_t secret_len,
                         uint8_t **ret_credential, size_t *ret_credential_len, uint8_t **ret_secret,
                         size_t *ret_secret_len);

/* Software ActivateCredential with the EK private key (tests, tools; never
 * used on a device, whose EK lives in the TPM): recovers the seed from the
 * TPM2B_ENCRYPTED_SECRET and unwraps the TPM2B_ID_OBJECT. -EBADE if the
 * credential was made for another Name or another EK. */
int tpm2_activate_credential_soft(EVP_PKEY *ek_priv, const tpm2_ek_scheme *scheme,
                                  const uint8_t *ak_name, size_t ak_name_len,
                                  const uint8_t *credential, size_t credential_len,
                                  const uint8_t *enc_secret, size_t enc_secret_len, uint8_t **ret,
                                  size_t *ret_len);

/* ---- EK authorization policy ------------------------------------------- */

/* How to satisfy an EK's authPolicy (TCG EK Credential Profile 2.x):
 * start a policy session with hash `session_hash`, run
 * PolicySecret(TPM_RH_ENDORSEMENT); then, if n_or > 0, run PolicyOR over
 * or_branches[0..n_or). Low-range templates (RSA-2048 0x81010001, P-256
 * 0x81010002) carry PolicyA (SHA-256) alone: n_or = 0. The high-range
 * P-384 template (swtpm's 0x81010016) carries PolicyB = PolicyOR(PolicyA,
 * PolicyC) in SHA-384: n_or = 2. */
typedef struct tpm2_ek_policy {
        TPM2_ALG_ID session_hash;
        size_t n_or;
        TPM2B_DIGEST or_branches[2];
} tpm2_ek_policy;

/* Recognizes ek->authPolicy; -EOPNOTSUPP for any other policy (e.g. the
 * SHA-256 or SHA-512 high-range templates, not handled yet). */
int tpm2_ek_policy_of(const TPMT_PUBLIC *ek, tpm2_ek_policy *ret);

/* ---- Identifiers and TPM info ------------------------------------------ */

/* "urn:ek:sha256:" + standard base64 (padded) of SHA-256(DER SPKI of ek). */
int tpm2_ek_uri(EVP_PKEY *ek, char **ret);

/* TPM_PT_MANUFACTURER as a decimal string (protocols.md 1 tpmInfo). */
int tpm2_info_manufacturer(uint32_t manufacturer, char **ret);
/* TPM_PT_VENDOR_STRING_1..4 (each 4 big-endian ASCII bytes) concatenated
 * with NUL bytes removed (step trims them at both ends; a C string cannot
 * hold interior ones either); other bytes outside printable ASCII become
 * '?'. n is the number of words (0..4). */
int tpm2_info_vendor_string(const uint32_t *words, size_t n, char **ret);
/* TPM_PT_FIRMWARE_VERSION_1 as "major.minor" (fw >> 16, fw & 0xffff). */
int tpm2_info_firmware(uint32_t fw1, char **ret);
/* The 4-character manufacturer ID ("IBM", "STM", "INTC", "MSFT" ...) of
 * TPM_PT_MANUFACTURER, trailing spaces and NULs trimmed (for display). */
int tpm2_info_manufacturer_id(uint32_t manufacturer, char **ret);
