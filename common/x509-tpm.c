/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TPM device name of EK and AK certificates: a directoryName SAN
 * whose RDNs carry tcg-at-tpmManufacturer, tcg-at-tpmModel and
 * tcg-at-tpmVersion (TCG EK Credential Profile; step-ca looks for all
 * three in AK certificates). Kept apart from x509.c, which dispatches
 * here for X509_SAN_TPM_DEVICE.
 */
#include <inttypes.h>
#include <openssl/objects.h>

#include "log.h"
#include "x509-internal.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(X509_NAME *, X509_NAME_free);

static const char *const tpm_attr_oids[3] = {
        OID_TCG_AT_TPM_MANUFACTURER,
        OID_TCG_AT_TPM_MODEL,
        OID_TCG_AT_TPM_VERSION,
};

static char **tpm_attr_slot(x509_tpm_attrs *a, size_t i) {
        return i == 0 ? &a->manufacturer : i == 1 ? &a->model : &a->version;
}

static bool attr_value_ok(const char *s) {
        size_t n = 0;

        if (!s)
                return false;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++, n++)
                if (*p < 0x20 || *p >= 0x7f)
                        return false;
        return n > 0 && n <= X509_TPM_ATTR_MAX;
}

void x509_tpm_attrs_done(x509_tpm_attrs *a) {
        if (!a)
                return;
        free(a->manufacturer);
        free(a->model);
        free(a->version);
        *a = (x509_tpm_attrs) {};
}

int x509_tpm_attrs_from_tpm(uint32_t manufacturer, const char *model, uint32_t version,
                            x509_tpm_attrs *ret) {
        _cleanup_(x509_tpm_attrs_done) x509_tpm_attrs a = {};

        if (!ret || !attr_value_ok(model))
                return -EINVAL;
        if (asprintf(&a.manufacturer, "id:%08" PRIX32, manufacturer) < 0) {
                a.manufacturer = NULL;
                return -ENOMEM;
        }
        if (asprintf(&a.version, "id:%08" PRIX32, version) < 0) {
                a.version = NULL;
                return -ENOMEM;
        }
        a.model = strdup(model);
        if (!a.model)
                return -ENOMEM;
        *ret = a;
        a = (x509_tpm_attrs) {};
        return 0;
}

int x509_tpm_name_encode(const x509_tpm_attrs *a, GENERAL_NAME **ret) {
        _cleanup_(X509_NAME_freep) X509_NAME *name = NULL;
        GENERAL_NAME *g;

        if (!a || !ret)
                return -EINVAL;
        name = X509_NAME_new();
        if (!name)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(tpm_attr_oids); i++) {
                const char *v = *tpm_attr_slot((x509_tpm_attrs *) a, i);
                ASN1_OBJECT *oid;
                int ok;

                if (!attr_value_ok(v))
                        return log_debug_errno(EINVAL, "TPM attribute %s is missing, empty, too long or not printable ASCII.",
                                               tpm_attr_oids[i]);
                oid = OBJ_txt2obj(tpm_attr_oids[i], 1);
                if (!oid)
                        return -ENOMEM;
                /* An explicit UTF8String (not an MBSTRING_* mask, which
                 * follows OpenSSL's process-wide string mask); loc -1 and
                 * set 0 append a new RDN per attribute. */
                ok = X509_NAME_add_entry_by_OBJ(name, oid, V_ASN1_UTF8STRING, (const unsigned char *) v, -1, -1, 0);
                ASN1_OBJECT_free(oid);
                if (ok != 1)
                        return log_debug_errno(ENOMEM, "Adding TPM attribute %s failed: %s", tpm_attr_oids[i],
                                               crypto_last_error());
        }
        g = GENERAL_NAME_new();
        if (!g)
                return -ENOMEM;
        GENERAL_NAME_set0_value(g, GEN_DIRNAME, TAKE_PTR(name));
        *ret = g;
        return 0;
}

/* Index of a TPM attribute type in tpm_attr_oids, or -1. */
static int tpm_attr_index(const ASN1_OBJECT *obj) {
        char buf[64];
        int n = OBJ_obj2txt(buf, sizeof(buf), obj, 1);

        if (n <= 0 || (size_t) n >= sizeof(buf))
                return -1;
        for (size_t i = 0; i < ELEMENTSOF(tpm_attr_oids); i++)
                if (streq(buf, tpm_attr_oids[i]))
                        return (int) i;
        return -1;
}

int x509_tpm_name_decode(const X509_NAME *name, x509_tpm_attrs *ret) {
        _cleanup_(x509_tpm_attrs_done) x509_tpm_attrs a = {};
        bool any = false;

        if (!name || !ret)
                return -EINVAL;
        for (int i = 0; i < X509_NAME_entry_count(name); i++) {
                const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
                unsigned char *utf8 = NULL;
                char **slot;
                int idx, n;

                idx = tpm_attr_index(X509_NAME_ENTRY_get_object(e));
                if (idx < 0)
                        continue;
                slot = tpm_attr_slot(&a, (size_t) idx);
                if (*slot)
                        return log_debug_errno(EBADMSG, "TPM attribute %s appears twice.", tpm_attr_oids[idx]);
                n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
                if (n < 0)
                        return log_debug_errno(EBADMSG, "TPM attribute %s is not a string: %s", tpm_attr_oids[idx],
                                               crypto_last_error());
                if (n > X509_TPM_ATTR_MAX || memchr(utf8, 0, (size_t) n)) {
                        OPENSSL_free(utf8);
                        return log_debug_errno(EBADMSG, "TPM attribute %s is too long or holds a NUL.",
                                               tpm_attr_oids[idx]);
                }
                *slot = strndup((const char *) utf8, (size_t) n);
                OPENSSL_free(utf8);
                if (!*slot)
                        return -ENOMEM;
                any = true;
        }
        if (!any)
                return -ENOENT;
        *ret = a;
        a = (x509_tpm_attrs) {};
        return 0;
}
