/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exact-length marshalling of the TPM structures that cross the wire
 * (tss2-mu underneath), the hash algorithm table, and object Names.
 * tss2-mu parses a prefix of its buffer and reports how far it got; the
 * wrappers here turn that into "all of these bytes and nothing more".
 */
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include "log.h"
#include "tpm2util.h"

/* Runs one tss2-mu unmarshal over exactly [buf, buf+len). */
#define DEFINE_UNMARSHAL(name, type, mu)                                                 \
        int name(const uint8_t *buf, size_t len, type *ret) {                            \
                type v = {};                                                             \
                size_t off = 0;                                                          \
                TSS2_RC rc;                                                              \
                                                                                         \
                if (!buf || !ret)                                                        \
                        return -EINVAL;                                                  \
                if (len == 0 || len > TPM2UTIL_MAX_STRUCT)                               \
                        return log_debug_errno(EBADMSG, #type ": bad length %zu", len);  \
                rc = mu##_Unmarshal(buf, len, &off, &v);                                 \
                if (rc != TSS2_RC_SUCCESS)                                               \
                        return log_debug_errno(EBADMSG, #type ": malformed (0x%x)",      \
                                               (unsigned) rc);                           \
                if (off != len)                                                          \
                        return log_debug_errno(EBADMSG, #type ": %zu trailing bytes",    \
                                               len - off);                               \
                *ret = v;                                                                \
                return 0;                                                                \
        }

/* Marshals into a scratch buffer of the maximum size, then trims. */
#define DEFINE_MARSHAL(name, type, mu)                                                   \
        int name(const type *v, uint8_t **ret, size_t *ret_len) {                        \
                _cleanup_free_ uint8_t *b = NULL;                                        \
                size_t off = 0;                                                          \
                TSS2_RC rc;                                                              \
                                                                                         \
                if (!v || !ret || !ret_len)                                              \
                        return -EINVAL;                                                  \
                b = malloc(sizeof(type) + 64);                                           \
                if (!b)                                                                  \
                        return -ENOMEM;                                                  \
                rc = mu##_Marshal(v, b, sizeof(type) + 64, &off);                        \
                if (rc != TSS2_RC_SUCCESS)                                               \
                        return log_debug_errno(EINVAL, #type ": cannot marshal (0x%x)",  \
                                               (unsigned) rc);                           \
                *ret_len = off;                                                          \
                *ret = TAKE_PTR(b);                                                      \
                return 0;                                                                \
        }

#define DEFINE_MU(prefix, type, mu)                                                      \
        DEFINE_UNMARSHAL(prefix##_unmarshal, type, mu)                                   \
        DEFINE_MARSHAL(prefix##_marshal, type, mu)

DEFINE_MU(tpm2_public, TPMT_PUBLIC, Tss2_MU_TPMT_PUBLIC)
DEFINE_MU(tpm2_attest, TPMS_ATTEST, Tss2_MU_TPMS_ATTEST)
DEFINE_MU(tpm2_signature, TPMT_SIGNATURE, Tss2_MU_TPMT_SIGNATURE)
DEFINE_MU(tpm2_creation_data, TPMS_CREATION_DATA, Tss2_MU_TPMS_CREATION_DATA)
DEFINE_MU(tpm2b_public, TPM2B_PUBLIC, Tss2_MU_TPM2B_PUBLIC)
DEFINE_MU(tpm2b_private, TPM2B_PRIVATE, Tss2_MU_TPM2B_PRIVATE)
DEFINE_MU(tpm2b_id_object, TPM2B_ID_OBJECT, Tss2_MU_TPM2B_ID_OBJECT)
DEFINE_MU(tpm2b_encrypted_secret, TPM2B_ENCRYPTED_SECRET, Tss2_MU_TPM2B_ENCRYPTED_SECRET)

int tpm2_hash_alg_to_nid(TPM2_ALG_ID alg) {
        switch (alg) {
        case TPM2_ALG_SHA1:
                return NID_sha1;
        case TPM2_ALG_SHA256:
                return NID_sha256;
        case TPM2_ALG_SHA384:
                return NID_sha384;
        case TPM2_ALG_SHA512:
                return NID_sha512;
        default:
                return -EOPNOTSUPP;
        }
}

size_t tpm2_hash_alg_size(TPM2_ALG_ID alg) {
        switch (alg) {
        case TPM2_ALG_SHA1:
                return TPM2_SHA1_DIGEST_SIZE;
        case TPM2_ALG_SHA256:
                return TPM2_SHA256_DIGEST_SIZE;
        case TPM2_ALG_SHA384:
                return TPM2_SHA384_DIGEST_SIZE;
        case TPM2_ALG_SHA512:
                return TPM2_SHA512_DIGEST_SIZE;
        default:
                return 0;
        }
}

static int name_of_bytes(TPM2_ALG_ID name_alg, const uint8_t *buf, size_t len, TPM2B_NAME *ret) {
        TPM2B_NAME n = {};
        unsigned dlen = 0;
        int nid;

        nid = tpm2_hash_alg_to_nid(name_alg);
        if (nid < 0)
                return log_debug_errno(nid, "Name: unsupported nameAlg 0x%04x", name_alg);
        n.name[0] = (uint8_t) (name_alg >> 8);
        n.name[1] = (uint8_t) name_alg;
        if (EVP_Digest(buf, len, n.name + 2, &dlen, EVP_get_digestbynid(nid), NULL) != 1)
                return -ENOMEM;
        n.size = (UINT16) (2 + dlen);
        *ret = n;
        return 0;
}

int tpm2_public_name(const TPMT_PUBLIC *pub, TPM2B_NAME *ret) {
        _cleanup_free_ uint8_t *b = NULL;
        size_t len;
        int r;

        if (!pub || !ret)
                return -EINVAL;
        r = tpm2_public_marshal(pub, &b, &len);
        if (r < 0)
                return r;
        return name_of_bytes(pub->nameAlg, b, len, ret);
}

int tpm2_public_name_from_bytes(const uint8_t *buf, size_t len, TPM2B_NAME *ret) {
        TPMT_PUBLIC pub;
        int r;

        if (!buf || !ret)
                return -EINVAL;
        r = tpm2_public_unmarshal(buf, len, &pub);
        if (r < 0)
                return r;
        return name_of_bytes(pub.nameAlg, buf, len, ret);
}
