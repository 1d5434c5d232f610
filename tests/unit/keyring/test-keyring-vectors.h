/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixed certificates and keys for the keyring unit tests, made once with
 * the openssl CLI (EC P-256): a test CA, two leaves it issued valid until
 * 2126, the private keys of both leaves, and a leaf that expired in 2020.
 * Test material only; nothing here protects anything.
 */
#pragma once

static const char vec_ca_pem[] =
        "-----BEGIN CERTIFICATE-----\n"
        "MIIBnDCCAUGgAwIBAgIUbfZ3d1igFAhCfU3chuESI2uiJscwCgYIKoZIzj0EAwIw\n"
        "GjEYMBYGA1UEAwwPS2V5cmluZyBUZXN0IENBMCAXDTI2MTEyMjA4MDY1NFoYDzIx\n"
        "MjYxMDI5MDgwNjU0WjAaMRgwFgYDVQQDDA9LZXlyaW5nIFRlc3QgQ0EwWTATBgcq\n"
        "hkjOPQIBBggqhkjOPQMBBwNCAATBTLvm88HWt9gBB+Gqmfxd7002wL6YztCzOJbI\n"
        "JD0O8ypAECahmZ8qia0QKKA3pcciq9f3n6tYIauW5TU8eEFvo2MwYTAdBgNVHQ4E\n"
        "FgQUIuE9faqL8a/s51Cm4idhf7GSzaAwHwYDVR0jBBgwFoAUIuE9faqL8a/s51Cm\n"
        "4idhf7GSzaAwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwCgYIKoZI\n"
        "zj0EAwIDSQAwRgIhAJx4Sq16P/rWLVGwfjvu3ljcyyPzakM3C41auPzIf0fXAiEA\n"
        "reLguL4ZQimvptxZHKnFQmDpoSgHaSc4G0bjJqH6Trk=\n"
        "-----END CERTIFICATE-----\n";

static const char vec_leaf_pem[] =
        "-----BEGIN CERTIFICATE-----\n"
        "MIIBHDCBwwIDAWZzMAoGCCqGSM49BAMCMBoxGDAWBgNVBAMMD0tleXJpbmcgVGVz\n"
        "dCBDQTAgFw0yNjExMjIwODA2NTRaGA8yMTI2MTAyOTA4MDY1NFowFzEVMBMGA1UE\n"
        "AwwMbGVhZi5leGFtcGxlMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAESWWgoJ5X\n"
        "7yc92gl+BNuZZr1bVnmJRCc1B+T9DWlYdOu83iIOItcOuzG2Ub2TY0azHhjlVnxy\n"
        "H8+1HqyBh+msjDAKBggqhkjOPQQDAgNIADBFAiBhB9FRTJIepOhkDZgYx3ZutLhR\n"
        "UgPh/kEvy4+Flm9jmAIhANujH0qi8YW2Ezs+z4E82cKC6a4cWSQ6wkRQVX84RVZI\n"
        "-----END CERTIFICATE-----\n";

static const char vec_leaf_key[] =
        "-----BEGIN PRIVATE KEY-----\n"
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgCKpScRxrMkdIKbVm\n"
        "NBXmpy+1crEn9UCZodbud++WQt2hRANCAARJZaCgnlfvJz3aCX4E25lmvVtWeYlE\n"
        "JzUH5P0NaVh067zeIg4i1w67MbZRvZNjRrMeGOVWfHIfz7UerIGH6ayM\n"
        "-----END PRIVATE KEY-----\n";

static const char vec_other_pem[] =
        "-----BEGIN CERTIFICATE-----\n"
        "MIIBHTCBwwICaFcwCgYIKoZIzj0EAwIwGjEYMBYGA1UEAwwPS2V5cmluZyBUZXN0\n"
        "IENBMCAXDTI2MTEyMjA4MDY1NFoYDzIxMjYxMDI5MDgwNjU0WjAYMRYwFAYDVQQD\n"
        "DA1vdGhlci5leGFtcGxlMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEKkYRtDA7\n"
        "lBpGPVxN0IVYFVg2A2skJ9ijsOWdPMHHmYCaThDIrwZTUF9IX6bX+D3M3St5PT3R\n"
        "Qc9MFeuUWc1LaTAKBggqhkjOPQQDAgNJADBGAiEAwoBwNNxfHyHSwHGJ88+LyPrp\n"
        "BqTvhlfJvLo8zOC1sc8CIQDlIXnAh2a/VNmC/IOEVDhpvsnJc16ydvcqPf45QraL\n"
        "gg==\n"
        "-----END CERTIFICATE-----\n";

static const char vec_other_key[] =
        "-----BEGIN PRIVATE KEY-----\n"
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg9eP8/avsWZG0EImc\n"
        "U+aKy8GNqE/WvYHubzlTyhI7UeahRANCAAQqRhG0MDuUGkY9XE3QhVgVWDYDayQn\n"
        "2KOw5Z08wceZgJpOEMivBlNQX0hfptf4PczdK3k9PdFBz0wV65RZzUtp\n"
        "-----END PRIVATE KEY-----\n";

static const char vec_expired_pem[] =
        "-----BEGIN CERTIFICATE-----\n"
        "MIIBIDCBx6ADAgECAgFNMAoGCCqGSM49BAMCMBoxGDAWBgNVBAMMD0tleXJpbmcg\n"
        "VGVzdCBDQTAeFw0yMDAxMDEwMDAwMDBaFw0yMDAxMDIwMDAwMDBaMBoxGDAWBgNV\n"
        "BAMMD2V4cGlyZWQuZXhhbXBsZTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABEll\n"
        "oKCeV+8nPdoJfgTbmWa9W1Z5iUQnNQfk/Q1pWHTrvN4iDiLXDrsxtlG9k2NGsx4Y\n"
        "5VZ8ch/PtR6sgYfprIwwCgYIKoZIzj0EAwIDSAAwRQIgNI5A8ik8u42KDnHeQwgv\n"
        "kfnVN7rtZDkNcEHclvt+82kCIQCukCjzCka+TYQWcUkDuwn0fOWAGpIvkxZmAfXN\n"
        "XYNqkA==\n"
        "-----END CERTIFICATE-----\n";
