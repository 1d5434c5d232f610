/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loads the fixed vectors under tests/unit/data/crypto/ (made once by
 * generate.sh there) for test-crypto, test-x509 and test-signer.
 * CRYPTO_TESTDATA is the directory, set by tests/crypto.mk.
 */
#pragma once

#include <fcntl.h>

#include "crypto.h"
#include "macro.h"

#ifndef CRYPTO_TESTDATA
#error "CRYPTO_TESTDATA must name the test data directory"
#endif

/* Reads a data file into a NUL-terminated buffer; aborts if missing, since
 * every later assertion would be meaningless. */
static inline char *testdata_read(const char *name, size_t *ret_len) {
        _cleanup_free_ char *path = NULL;
        char *buf = NULL;
        size_t len = 0;
        int r;

        if (asprintf(&path, "%s/%s", CRYPTO_TESTDATA, name) < 0)
                abort();
        r = read_file_at(AT_FDCWD, path, 1024 * 1024, &buf, &len);
        if (r < 0) {
                fprintf(stderr, "Bail out! cannot read %s: %s\n", path, strerror(-r));
                printf("Bail out! cannot read %s\n", path);
                exit(1);
        }
        if (ret_len)
                *ret_len = len;
        return buf;
}

/* Loads a key (private or public PEM) from a data file, aborting on error. */
static inline EVP_PKEY *testdata_key(const char *name) {
        _cleanup_free_ char *pem = NULL;
        EVP_PKEY *k = NULL;
        size_t len;

        pem = testdata_read(name, &len);
        if (crypto_key_from_pem(pem, len, &k) < 0) {
                printf("Bail out! cannot load key %s\n", name);
                exit(1);
        }
        return k;
}
