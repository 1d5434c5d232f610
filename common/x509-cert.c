/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Certificates (x509.h): bounded DER and PEM parsing (one certificate, or
 * a bundle of at most so many), DER and PEM encoding, and what deviceid
 * reads out of them: SANs, CN, validity, serial number.
 */
#include <limits.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "log.h"
#include "x509-internal.h"

/* True if OpenSSL's last error says "no more PEM blocks", i.e. clean end. */
static bool pem_error_is_eof(void) {
        unsigned long e = ERR_peek_last_error();

        return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

/* ---- certificates ---- */

int x509_cert_from_der(const uint8_t *der, size_t len, X509 **ret) {
        const unsigned char *p = der;
        X509 *cert;

        if (!der || !ret)
                return -EINVAL;
        if (len == 0 || len > LONG_MAX)
                return -EBADMSG;
        cert = d2i_X509(NULL, &p, (long) len);
        if (!cert)
                return log_debug_errno(EBADMSG, "Malformed certificate: %s", crypto_last_error());
        if (p != der + len) {
                X509_free(cert);
                return log_debug_errno(EBADMSG, "Trailing data after the certificate.");
        }
        *ret = cert;
        return 0;
}

int x509_cert_from_pem(const char *pem, size_t len, X509 **ret) {
        _cleanup_bio_ BIO *bio = NULL;
        X509 *cert;
        int r;

        if (!pem || !ret)
                return -EINVAL;
        r = crypto_bio_from_mem(pem, len, &bio);
        if (r < 0)
                return r;
        cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        if (!cert)
                return log_debug_errno(EBADMSG, "No certificate in PEM: %s", crypto_last_error());
        *ret = cert;
        return 0;
}

int x509_chain_from_pem(const char *pem, size_t len, size_t max_certs, STACK_OF(X509) **ret) {
        _cleanup_x509_stack_ STACK_OF(X509) *sk = NULL;
        _cleanup_bio_ BIO *bio = NULL;
        int r;

        if (!pem || !ret)
                return -EINVAL;
        r = crypto_bio_from_mem(pem, len, &bio);
        if (r < 0)
                return r;
        sk = sk_X509_new_null();
        if (!sk)
                return -ENOMEM;

        for (;;) {
                X509 *cert;

                ERR_clear_error();
                cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
                if (!cert) {
                        if (pem_error_is_eof()) {
                                ERR_clear_error();
                                break;
                        }
                        return log_debug_errno(EBADMSG, "Malformed certificate %d in PEM bundle: %s",
                                               sk_X509_num(sk) + 1, crypto_last_error());
                }
                if ((size_t) sk_X509_num(sk) >= max_certs) {
                        X509_free(cert);
                        return log_debug_errno(E2BIG, "PEM bundle holds more than %zu certificates.",
                                               max_certs);
                }
                if (sk_X509_push(sk, cert) <= 0) {
                        X509_free(cert);
                        return -ENOMEM;
                }
        }
        if (sk_X509_num(sk) == 0)
                return -ENOENT;
        *ret = TAKE_PTR(sk);
        return 0;
}

int x509_cert_to_der(X509 *cert, uint8_t **ret, size_t *ret_len) {
        _cleanup_free_ uint8_t *der = NULL;
        uint8_t *p;
        int n;

        if (!cert || !ret || !ret_len)
                return -EINVAL;
        n = i2d_X509(cert, NULL);
        if (n <= 0)
                return log_debug_errno(EIO, "Encoding the certificate failed: %s", crypto_last_error());
        der = malloc((size_t) n);
        if (!der)
                return -ENOMEM;
        p = der;
        if (i2d_X509(cert, &p) != n)
                return -EIO;
        *ret = TAKE_PTR(der);
        *ret_len = (size_t) n;
        return 0;
}

static int chain_write_pem(X509 *const *certs, int n, char **ret) {
        _cleanup_bio_ BIO *bio = NULL;

        bio = BIO_new(BIO_s_mem());
        if (!bio)
                return -ENOMEM;
        for (int i = 0; i < n; i++)
                if (PEM_write_bio_X509(bio, certs[i]) != 1)
                        return log_debug_errno(EIO, "Encoding certificate %d as PEM failed: %s", i,
                                               crypto_last_error());
        return crypto_bio_to_string(bio, ret, NULL);
}

int x509_cert_to_pem(X509 *cert, char **ret) {
        if (!cert || !ret)
                return -EINVAL;
        return chain_write_pem(&cert, 1, ret);
}

int x509_chain_to_pem(STACK_OF(X509) *chain, char **ret) {
        _cleanup_free_ X509 **certs = NULL;
        int n;

        if (!chain || !ret)
                return -EINVAL;
        n = sk_X509_num(chain);
        if (n <= 0)
                return -ENOENT;
        certs = calloc((size_t) n, sizeof(*certs));
        if (!certs)
                return -ENOMEM;
        for (int i = 0; i < n; i++)
                certs[i] = sk_X509_value(chain, i);
        return chain_write_pem(certs, n, ret);
}

int x509_cert_get_sans(X509 *cert, x509_san_list **ret) {
        _cleanup_(GENERAL_NAMES_freep) GENERAL_NAMES *gens = NULL;
        int crit = -1;

        if (!cert || !ret)
                return -EINVAL;
        gens = X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, NULL);
        if (!gens) {
                x509_san_list *l;

                if (crit == -2)
                        return log_debug_errno(EBADMSG, "Certificate has two subjectAltName extensions.");
                if (crit >= 0)
                        return log_debug_errno(EBADMSG, "Malformed subjectAltName: %s", crypto_last_error());
                l = calloc(1, sizeof(*l));
                if (!l)
                        return -ENOMEM;
                *ret = l;
                return 0;
        }
        return x509_sans_from_general_names(gens, ret);
}

int x509_cert_get_cn(X509 *cert, char **ret) {
        if (!cert)
                return -EINVAL;
        return x509_name_get_cn(X509_get_subject_name(cert), ret);
}

static int asn1_time_to_time_t(const ASN1_TIME *t, time_t *ret) {
        struct tm tm = {};
        time_t v;

        if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
                return log_debug_errno(EBADMSG, "Malformed certificate time: %s", crypto_last_error());
        v = timegm(&tm);
        if (v == (time_t) -1)
                return -ERANGE;
        *ret = v;
        return 0;
}

int x509_cert_get_validity(X509 *cert, time_t *ret_not_before, time_t *ret_not_after) {
        time_t nb, na;
        int r;

        if (!cert)
                return -EINVAL;
        r = asn1_time_to_time_t(X509_get0_notBefore(cert), &nb);
        if (r < 0)
                return r;
        r = asn1_time_to_time_t(X509_get0_notAfter(cert), &na);
        if (r < 0)
                return r;
        if (ret_not_before)
                *ret_not_before = nb;
        if (ret_not_after)
                *ret_not_after = na;
        return 0;
}

int x509_cert_serial_hex(X509 *cert, char **ret) {
        _cleanup_(BN_freep) BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
        char *hex, *copy;
        const char *p;

        if (!bn)
                return -ENOMEM;
        hex = BN_bn2hex(bn);
        if (!hex)
                return -ENOMEM;
        /* BN_bn2hex writes whole bytes ("0A..."); our form has no leading zeros. */
        p = hex;
        while (*p == '0' && p[1])
                p++;
        copy = strdup(p);
        OPENSSL_free(hex);
        if (!copy)
                return -ENOMEM;
        for (char *c = copy; *c; c++)
                *c = (char) (*c >= 'A' && *c <= 'F' ? *c - 'A' + 'a' : *c);
        *ret = copy;
        return 0;
}
