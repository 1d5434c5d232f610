/* SPDX-License-Identifier: Apache-2.0 */
/*
 * crl-bench: builds and signs one CRL with N revoked serials (default
 * 100,000; random 128-bit serials like deviceid-ca's, every tenth with a
 * reason code) through ca/revoke/crl.c, the code deviceid-ca signs with,
 * and prints the time to add the entries, the time to sign, and the DER
 * size. Never run by `make check` (bench/ocsp-bench.py runs it).
 *
 *   crl-bench [N] [OUT.der]
 */
#include <stdio.h>
#include <time.h>

#include "ca/core/cert-build.h"
#include "ca/revoke/crl.h"
#include "crypto.h"
#include "log.h"
#include "time-util.h"

int main(int argc, char **argv) {
        _cleanup_pkey_ EVP_PKEY *key = NULL;
        _cleanup_x509_ X509 *ca = NULL;
        _cleanup_(crl_builder_freep) crl_builder *b = NULL;
        _cleanup_free_ uint8_t *der = NULL;
        cert_profile p = { .lifetime = 86400, .key_usage = CERT_KU_KEY_CERT_SIGN | CERT_KU_CRL_SIGN, .is_ca = true,
                           .path_len = -1 };
        long n = argc > 1 ? atol(argv[1]) : 100000;
        time_t now = time(NULL);
        uint64_t t0, t1, t2;
        size_t len;

        if (n <= 0 || crypto_key_generate(CRYPTO_KEY_EC_P256, &key) < 0 ||
            cert_create(NULL, key, key, "Bench CA", NULL, 0, &p, &ca) < 0 || crl_builder_new(ca, &b) < 0)
                return 1;
        t0 = now_monotonic_ms();
        for (long i = 0; i < n; i++) {
                uint8_t raw[16];
                char hex[33];

                if (crypto_random(raw, sizeof(raw)) < 0)
                        return 1;
                raw[0] |= 0x01; /* no leading zero byte, like 128-bit serials mostly are */
                for (size_t j = 0; j < sizeof(raw); j++)
                        snprintf(hex + 2 * j, 3, "%02x", raw[j]);
                if (crl_builder_add(b, hex, now - (time_t) (i % 86400), i % 10 == 0 ? 1 : 5) < 0)
                        return 1;
        }
        t1 = now_monotonic_ms();
        if (crl_builder_sign(b, key, 1, now, now + 86400, &der, &len) < 0)
                return 1;
        t2 = now_monotonic_ms();
        printf("revoked=%ld add_ms=%" PRIu64 " sign_ms=%" PRIu64 " der_bytes=%zu\n", n, t1 - t0, t2 - t1, len);
        if (argc > 2) {
                FILE *f = fopen(argv[2], "wb");
                if (!f || fwrite(der, 1, len, f) != len || fclose(f) != 0)
                        return 1;
        }
        return 0;
}
