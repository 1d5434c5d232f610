/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The endorsement key (tpm-ek.h): read from its persistent handle or
 * recreated from the TCG default template, its certificate read from NV.
 */
#include "enroll/tpm/tpm-ek.h"
#include "enroll/tpm/tpm-internal.h"
#include "log.h"
#include "tpm2util.h"

/* TCG EK Credential Profile 2.x, section 2.2.1.4 (low range) and 2.2.1.5
 * (high range); TCG Provisioning Guidance for the persistent handles. */
static const struct ek_slot {
        const char *name;
        TPM2_HANDLE persistent;
        TPM2_HANDLE cert_nv;
} ek_slots[_TPM_EK_TYPE_MAX] = {
        [TPM_EK_RSA2048] = { "rsa2048", 0x81010001, 0x01c00002 },
        [TPM_EK_ECC_P256] = { "ecc256", 0x81010002, 0x01c0000a },
        [TPM_EK_ECC_P384] = { "ecc384", 0x81010016, 0x01c00016 },
};

/* Largest EK certificate we accept from NV. */
#define EK_CERT_MAX 4096

const char *tpm_ek_type_to_string(tpm_ek_type type) {
        if ((unsigned) type >= _TPM_EK_TYPE_MAX)
                return NULL;
        return ek_slots[type].name;
}

int tpm_ek_type_from_string(const char *s) {
        for (unsigned i = 0; s && i < _TPM_EK_TYPE_MAX; i++)
                if (streq(s, ek_slots[i].name))
                        return i;
        return -EINVAL;
}

void tpm_ek_free(tpm_ek *ek) {
        if (!ek)
                return;
        EVP_PKEY_free(ek->pkey);
        free(ek->cert);
        free(ek);
}

int tpm_ek_uri(const tpm_ek *ek, char **ret) {
        if (!ek || !ek->pkey)
                return -EINVAL;
        return tpm2_ek_uri(ek->pkey, ret);
}

static bool ek_public_is_type(const TPMT_PUBLIC *p, tpm_ek_type type) {
        switch (type) {
        case TPM_EK_RSA2048:
                return p->type == TPM2_ALG_RSA && p->parameters.rsaDetail.keyBits == 2048;
        case TPM_EK_ECC_P256:
                return p->type == TPM2_ALG_ECC && p->parameters.eccDetail.curveID == TPM2_ECC_NIST_P256;
        case TPM_EK_ECC_P384:
                return p->type == TPM2_ALG_ECC && p->parameters.eccDetail.curveID == TPM2_ECC_NIST_P384;
        default:
                return false;
        }
}

/* The public area at the persistent handle; -ENOENT if there is none or
 * it holds another kind of key. */
static int ek_read_persistent(tpm_ctx *t, tpm_ek_type type, TPM2B_PUBLIC *ret) {
        _cleanup_esys_ TPM2B_PUBLIC *pub = NULL;
        ESYS_TR tr = ESYS_TR_NONE;
        int r;

        r = tpm_handle_exists(t, ek_slots[type].persistent);
        if (r <= 0)
                return r < 0 ? r : -ENOENT;
        r = tpm_esys_tr_from_public(t, ek_slots[type].persistent, &tr);
        if (r < 0)
                return r;
        r = tpm_esys_read_public(t, tr, &pub);
        (void) tpm_esys_tr_close(t, &tr);
        if (r < 0)
                return r;
        if (!ek_public_is_type(&pub->publicArea, type) ||
            !(pub->publicArea.objectAttributes & TPMA_OBJECT_DECRYPT) ||
            !(pub->publicArea.objectAttributes & TPMA_OBJECT_RESTRICTED)) {
                log_debug("Persistent handle 0x%08x holds no %s EK, ignoring.",
                          ek_slots[type].persistent, ek_slots[type].name);
                return -ENOENT;
        }
        *ret = *pub;
        return 0;
}

/* Recreates the EK from its template and flushes it again. */
static int ek_create_transient(tpm_ctx *t, tpm_ek_type type, TPM2B_PUBLIC *ret) {
        _cleanup_esys_ TPM2B_PUBLIC *pub = NULL;
        TPM2B_PUBLIC tmpl;
        ESYS_TR tr = ESYS_TR_NONE;
        int r;

        r = tpm_template_ek(type, &tmpl);
        if (r < 0)
                return r;
        r = tpm_esys_create_primary(t, ESYS_TR_RH_ENDORSEMENT, &tmpl, &tr, &pub);
        if (r < 0)
                return r;
        r = tpm_esys_flush(t, &tr);
        if (r < 0)
                return r;
        *ret = *pub;
        return 0;
}

static uint16_t nv_chunk_size(tpm_ctx *t) {
        _cleanup_esys_ TPMS_CAPABILITY_DATA *cap = NULL;

        if (tpm_esys_get_capability(t, TPM2_CAP_TPM_PROPERTIES, TPM2_PT_NV_BUFFER_MAX, 1, &cap) >= 0 &&
            cap->data.tpmProperties.count == 1 &&
            cap->data.tpmProperties.tpmProperty[0].property == TPM2_PT_NV_BUFFER_MAX) {
                uint32_t v = cap->data.tpmProperties.tpmProperty[0].value;
                if (v >= 64 && v <= TPM2_MAX_NV_BUFFER_SIZE)
                        return v;
        }
        return 512;
}

/* Length of a DER SEQUENCE at the start of buf (EK certificate indices
 * may be padded), or 0 if it does not parse within len. */
static size_t der_sequence_len(const uint8_t *buf, size_t len) {
        size_t hdr, body = 0, n;

        if (len < 2 || buf[0] != 0x30)
                return 0;
        if (buf[1] < 0x80) {
                hdr = 2;
                body = buf[1];
        } else {
                n = buf[1] & 0x7f;
                if (n == 0 || n > 3 || len < 2 + n)
                        return 0;
                for (size_t i = 0; i < n; i++)
                        body = body << 8 | buf[2 + i];
                hdr = 2 + n;
        }
        return hdr + body <= len ? hdr + body : 0;
}

static int nv_read_all(tpm_ctx *t, TPM2_HANDLE index, uint8_t **ret, size_t *ret_len) {
        _cleanup_esys_ TPM2B_NV_PUBLIC *nvpub = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        ESYS_TR nv = ESYS_TR_NONE, auth;
        uint16_t size, chunk;
        size_t der;
        int r;

        r = tpm_handle_exists(t, index);
        if (r <= 0)
                return r < 0 ? r : -ENOENT;
        r = tpm_esys_tr_from_public(t, index, &nv);
        if (r < 0)
                return r;
        r = tpm_esys_nv_read_public(t, nv, &nvpub);
        if (r < 0)
                goto finish;
        size = nvpub->nvPublic.dataSize;
        if (size == 0 || size > EK_CERT_MAX) {
                r = -EBADMSG;
                goto finish;
        }
        auth = (nvpub->nvPublic.attributes & TPMA_NV_AUTHREAD) ? nv : ESYS_TR_RH_OWNER;
        buf = malloc(size);
        if (!buf) {
                r = -ENOMEM;
                goto finish;
        }
        chunk = nv_chunk_size(t);
        for (uint16_t off = 0; off < size;) {
                _cleanup_esys_ TPM2B_MAX_NV_BUFFER *data = NULL;
                uint16_t n = size - off < chunk ? size - off : chunk;

                r = tpm_esys_nv_read(t, auth, nv, n, off, &data);
                if (r < 0)
                        goto finish;
                if (data->size != n) {
                        r = -EBADMSG;
                        goto finish;
                }
                memcpy(buf + off, data->buffer, n);
                off += n;
        }
        der = der_sequence_len(buf, size);
        *ret_len = der > 0 ? der : size;
        *ret = TAKE_PTR(buf);
        r = 0;
finish:
        (void) tpm_esys_tr_close(t, &nv);
        return r;
}

static int ek_finish(tpm_ctx *t, tpm_ek_type type, TPM2_HANDLE handle, const TPM2B_PUBLIC *pub,
                     tpm_ek **ret) {
        _cleanup_(tpm_ek_freep) tpm_ek *ek = NULL;
        int r;

        ek = calloc(1, sizeof(*ek));
        if (!ek)
                return -ENOMEM;
        ek->type = type;
        ek->handle = handle;
        ek->public = *pub;
        r = tpm2_public_to_pkey(&pub->publicArea, &ek->pkey);
        if (r < 0)
                return r;
        r = nv_read_all(t, ek_slots[type].cert_nv, &ek->cert, &ek->cert_len);
        if (r < 0) {
                log_debug("No EK certificate at NV index 0x%08x: %s, ignoring.",
                          ek_slots[type].cert_nv, strerror(-r));
                ek->cert = NULL;
                ek->cert_len = 0;
        }
        *ret = TAKE_PTR(ek);
        return 0;
}

int tpm_ek_read(tpm_ctx *t, tpm_ek_type type, tpm_ek **ret) {
        TPM2B_PUBLIC pub;
        int r;

        if (!t || !ret || (unsigned) type >= _TPM_EK_TYPE_MAX)
                return -EINVAL;
        r = ek_read_persistent(t, type, &pub);
        if (r >= 0)
                return ek_finish(t, type, ek_slots[type].persistent, &pub, ret);
        if (r != -ENOENT)
                return r;
        r = ek_create_transient(t, type, &pub);
        if (r < 0)
                return r;
        return ek_finish(t, type, 0, &pub, ret);
}

int tpm_ek_default(tpm_ctx *t, tpm_ek **ret) {
        static const tpm_ek_type order[] = { TPM_EK_RSA2048, TPM_EK_ECC_P256, TPM_EK_ECC_P384 };
        TPM2B_PUBLIC pub;
        int r;

        if (!t || !ret)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(order); i++) {
                r = ek_read_persistent(t, order[i], &pub);
                if (r >= 0)
                        return ek_finish(t, order[i], ek_slots[order[i]].persistent, &pub, ret);
                if (r != -ENOENT)
                        return r;
        }
        r = ek_create_transient(t, TPM_EK_RSA2048, &pub);
        if (r >= 0)
                return ek_finish(t, TPM_EK_RSA2048, 0, &pub, ret);
        if (r != -EOPNOTSUPP)
                return r;
        r = ek_create_transient(t, TPM_EK_ECC_P256, &pub);
        if (r < 0)
                return r;
        return ek_finish(t, TPM_EK_ECC_P256, 0, &pub, ret);
}
