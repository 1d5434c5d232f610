/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server-side verdicts on TPM attestation structures: the Attestation
 * CA's checks of TPM2_CertifyCreation output (protocols.md section 1,
 * after go-attestation's CheckAKParameters) and the ACME device-attest-01
 * `tpm` checks of TPM2_Certify output (protocols.md section 2). Signatures
 * and hashes are always computed over the bytes received, never over a
 * re-marshalled copy.
 */
#include <openssl/crypto.h>

#include "crypto.h"
#include "log.h"
#include "tpm2util.h"

#define AK_REQUIRED                                                                        \
        (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN | \
         TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT)
#define KEY_REQUIRED                                                                       \
        (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN | \
         TPMA_OBJECT_SIGN_ENCRYPT)

/* Records the reason for the caller and logs it at debug; returns -err. */
static int fail(int err, const char **ret_why, const char *why) {
        if (ret_why)
                *ret_why = why;
        return log_debug_errno(err, "TPM attestation refused: %s", why);
}

static bool b2b_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
        return alen == blen && CRYPTO_memcmp(a, b, alen) == 0;
}

/* SHA-1 is not accepted for Names or signatures of attestation. */
static int check_hashes(const TPMT_PUBLIC *pub, const TPMT_SIGNATURE *sig, const char **ret_why) {
        if (pub->nameAlg == TPM2_ALG_SHA1)
                return fail(EPERM, ret_why, "nameAlg SHA-1 not accepted");
        /* ecdsa, rsassa and rsapss share the layout {hash, ...}. */
        if ((sig->sigAlg == TPM2_ALG_ECDSA || sig->sigAlg == TPM2_ALG_RSASSA ||
             sig->sigAlg == TPM2_ALG_RSAPSS) &&
            sig->signature.any.hashAlg == TPM2_ALG_SHA1)
                return fail(EPERM, ret_why, "SHA-1 signature not accepted");
        return 0;
}

static int check_attest_header(const TPMS_ATTEST *att, TPMI_ST_ATTEST type, const char **ret_why) {
        if (att->magic != TPM2UTIL_GENERATED_VALUE)
                return fail(EPROTO, ret_why, "attestation magic is not TPM_GENERATED_VALUE");
        if (att->type != type)
                return fail(EPROTO, ret_why, "attestation has the wrong type");
        return 0;
}

int tpm2_check_creation(const uint8_t *public_area, size_t public_len, const uint8_t *create_data,
                        size_t create_data_len, const uint8_t *attest, size_t attest_len,
                        const uint8_t *sig, size_t sig_len, EVP_PKEY **ret_ak_pub,
                        TPM2B_NAME *ret_ak_name, const char **ret_why) {
        _cleanup_pkey_ EVP_PKEY *pkey = NULL;
        TPMS_CREATION_DATA cd;
        TPMT_SIGNATURE tsig;
        uint8_t digest[64];
        unsigned dlen = 0;
        TPMT_PUBLIC pub;
        TPMS_ATTEST att;
        TPM2B_NAME name;
        int nid, r;

        if (!public_area || !create_data || !attest || !sig)
                return -EINVAL;
        if (tpm2_public_unmarshal(public_area, public_len, &pub) < 0)
                return fail(EBADMSG, ret_why, "AK public area is malformed");
        if (tpm2_creation_data_unmarshal(create_data, create_data_len, &cd) < 0)
                return fail(EBADMSG, ret_why, "creation data is malformed");
        if (tpm2_attest_unmarshal(attest, attest_len, &att) < 0)
                return fail(EBADMSG, ret_why, "creation attestation is malformed");
        if (tpm2_signature_unmarshal(sig, sig_len, &tsig) < 0)
                return fail(EBADMSG, ret_why, "creation signature is malformed");

        r = check_attest_header(&att, TPM2UTIL_ST_ATTEST_CREATION, ret_why);
        if (r < 0)
                return r;

        if ((pub.objectAttributes & AK_REQUIRED) != AK_REQUIRED)
                return fail(EPERM, ret_why,
                            "AK lacks one of fixedTPM, fixedParent, sensitiveDataOrigin, "
                            "restricted, sign");
        if (pub.objectAttributes & TPMA_OBJECT_DECRYPT)
                return fail(EPERM, ret_why, "AK is also a decryption key");
        r = tpm2_public_check_strength(&pub);
        if (r < 0)
                return fail(r == -EPERM ? EPERM : EOPNOTSUPP, ret_why,
                            "AK key type or size not accepted");
        r = check_hashes(&pub, &tsig, ret_why);
        if (r < 0)
                return r;

        r = tpm2_public_name_from_bytes(public_area, public_len, &name);
        if (r < 0)
                return fail(EOPNOTSUPP, ret_why, "AK nameAlg unsupported");
        if (!b2b_equal(att.attested.creation.objectName.name, att.attested.creation.objectName.size,
                       name.name, name.size))
                return fail(EBADE, ret_why, "attested Name does not match the AK public area");

        nid = tpm2_hash_alg_to_nid(pub.nameAlg);
        if (nid < 0 ||
            EVP_Digest(create_data, create_data_len, digest, &dlen, EVP_get_digestbynid(nid),
                       NULL) != 1)
                return fail(EOPNOTSUPP, ret_why, "AK nameAlg unsupported");
        if (!b2b_equal(att.attested.creation.creationHash.buffer,
                       att.attested.creation.creationHash.size, digest, dlen))
                return fail(EBADE, ret_why, "creationHash does not match the creation data");

        r = tpm2_public_to_pkey(&pub, &pkey);
        if (r < 0)
                return fail(r == -EOPNOTSUPP ? EOPNOTSUPP : EBADMSG, ret_why,
                            "AK public key is unusable");
        r = tpm2_signature_verify(pkey, &tsig, attest, attest_len);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(EKEYREJECTED, ret_why,
                            "creation attestation signature does not verify with the AK");

        if (ret_ak_name)
                *ret_ak_name = name;
        if (ret_ak_pub)
                *ret_ak_pub = TAKE_PTR(pkey);
        if (ret_why)
                *ret_why = NULL;
        return 0;
}

int tpm2_check_certify(EVP_PKEY *ak_pub, const uint8_t *pub_area, size_t pub_area_len,
                       const uint8_t *cert_info, size_t cert_info_len, const uint8_t *sig,
                       size_t sig_len, const uint8_t *expected_extra_data, size_t extra_len,
                       EVP_PKEY **ret_key, const char **ret_why) {
        _cleanup_pkey_ EVP_PKEY *pkey = NULL;
        TPMT_SIGNATURE tsig;
        TPMT_PUBLIC pub;
        TPMS_ATTEST att;
        TPM2B_NAME name;
        int r;

        if (!ak_pub || !pub_area || !cert_info || !sig || (!expected_extra_data && extra_len > 0))
                return -EINVAL;
        if (tpm2_public_unmarshal(pub_area, pub_area_len, &pub) < 0)
                return fail(EBADMSG, ret_why, "pubArea is malformed");
        if (tpm2_attest_unmarshal(cert_info, cert_info_len, &att) < 0)
                return fail(EBADMSG, ret_why, "certInfo is malformed");
        if (tpm2_signature_unmarshal(sig, sig_len, &tsig) < 0)
                return fail(EBADMSG, ret_why, "sig is malformed");

        r = check_attest_header(&att, TPM2UTIL_ST_ATTEST_CERTIFY, ret_why);
        if (r < 0)
                return r;

        if ((pub.objectAttributes & KEY_REQUIRED) != KEY_REQUIRED)
                return fail(EPERM, ret_why,
                            "key lacks one of fixedTPM, fixedParent, sensitiveDataOrigin, sign");
        if (pub.objectAttributes & TPMA_OBJECT_RESTRICTED)
                return fail(EPERM, ret_why, "key is restricted");
        r = tpm2_public_check_strength(&pub);
        if (r < 0)
                return fail(r == -EPERM ? EPERM : EOPNOTSUPP, ret_why,
                            "key weaker than RSA-2048 / ECC P-256 or of an unsupported type");
        r = check_hashes(&pub, &tsig, ret_why);
        if (r < 0)
                return r;

        r = tpm2_public_name_from_bytes(pub_area, pub_area_len, &name);
        if (r < 0)
                return fail(EOPNOTSUPP, ret_why, "key nameAlg unsupported");
        if (!b2b_equal(att.attested.certify.name.name, att.attested.certify.name.size, name.name,
                       name.size))
                return fail(EBADE, ret_why, "certified Name does not match pubArea");

        r = tpm2_signature_verify(ak_pub, &tsig, cert_info, cert_info_len);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(EKEYREJECTED, ret_why, "certInfo signature does not verify with the AK");

        if (!b2b_equal(att.extraData.buffer, att.extraData.size, expected_extra_data, extra_len))
                return fail(EBADE, ret_why, "certInfo extraData is not the expected value");

        r = tpm2_public_to_pkey(&pub, &pkey);
        if (r < 0)
                return fail(r == -EOPNOTSUPP ? EOPNOTSUPP : EBADMSG, ret_why,
                            "certified public key is unusable");
        if (ret_key)
                *ret_key = TAKE_PTR(pkey);
        if (ret_why)
                *ret_why = NULL;
        return 0;
}
