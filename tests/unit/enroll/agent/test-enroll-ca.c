/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the agent's CA anchors (enroll/agent/enroll.c): the roots
 * file and each role's file are parsed once, at load, into cert_bundles
 * whose PEM text is kept for TLS; enroll_ca_roots() picks a role's own
 * bundle or the CA's; bad files are named. Fixed vectors from
 * tests/unit/data/crypto/.
 */
#include <stdio.h>
#include <unistd.h>

#include "enroll/agent/enroll.h"
#include "macro.h"
#include "tests/unit/crypto-testdata.h"
#include "tests/unit/tap.h"

#define DATA(name) CRYPTO_TESTDATA "/" name

static void test_load(void) {
        _cleanup_(enroll_ca_done) enroll_ca ca = {};
        _cleanup_free_ char *pem = NULL;
        const char *what = NULL;
        size_t len;

        pem = testdata_read("chain.pem", &len);
        is_int(enroll_ca_load("https://ca.example:8443", DATA("chain.pem"), &ca, &what), 0, "load chain.pem");
        ok(ca.roots.chain && sk_X509_num(ca.roots.chain) == 2, "both certificates parsed once");
        ok(ca.roots.pem_len == len && memcmp(ca.roots.pem, pem, len) == 0, "PEM text kept as read, for TLS");
        is_str(ca.attest_url, "https://ca.example:8443/attestation", "attestation URL");
        is_str(ca.dir_url, "https://ca.example:8443/acme/agents/directory", "ACME directory URL");
        ok(enroll_ca_roots(&ca, &ca.attest_roots) == &ca.roots, "no role file: the CA's roots");
        ok(enroll_ca_roots(&ca, &ca.account_roots) == &ca.roots, "no role file: the CA's roots (account)");
        ok(!ca.account_issuer.chain, "no issuer: not checked");
}

static void test_load_errors(void) {
        _cleanup_(enroll_ca_done) enroll_ca ca = {};
        const char *what = NULL;

        is_int(enroll_ca_load("http://ca.example", DATA("root.crt"), &ca, &what), -EPROTONOSUPPORT, "http:// refused");
        is_str(what, "url", "named: url");
        is_int(enroll_ca_load("https://ca.example", DATA("absent.pem"), &ca, &what), -ENOENT, "missing file");
        is_str(what, "read", "named: read");
        is_int(enroll_ca_load("https://ca.example", DATA("leaf.key"), &ca, &what), -EBADMSG, "a key, not certificates");
        is_str(what, "parse", "named: parse");
        is_int(enroll_ca_load("https://ca.example", DATA("leaf.csr.der"), &ca, &what), -EBADMSG, "DER, not PEM");
        ok(!ca.roots.chain && !ca.url, "nothing filled on failure");
}

static void test_roles(void) {
        _cleanup_(enroll_ca_done) enroll_ca ca = {};
        const char *path = "x";

        is_int(enroll_ca_load("https://ca.example", DATA("chain.pem"), &ca, NULL), 0, "load");
        is_int(enroll_ca_set_roles(&ca,
                                   &(const enroll_roles) { .account_url = "https://acct.example",
                                                           .account_root = DATA("other-root.crt"),
                                                           .account_issuer = DATA("root.crt") },
                                   &path),
               0, "roles");
        ok(!path, "no bad file");
        is_str(ca.account_url, "https://acct.example", "account URL");
        ok(enroll_ca_roots(&ca, &ca.account_roots) == &ca.account_roots && sk_X509_num(ca.account_roots.chain) == 1,
           "the role's own TLS anchors, parsed");
        ok(enroll_ca_roots(&ca, &ca.acme_roots) == &ca.roots, "other roles keep the CA's roots");
        ok(ca.account_issuer.chain && sk_X509_num(ca.account_issuer.chain) == 1, "issuer parsed");

        is_int(enroll_ca_set_roles(&ca, &(const enroll_roles) { .acme_root = DATA("leaf.key") }, &path), -EBADMSG,
               "bad role file");
        is_str(path, DATA("leaf.key"), "the bad file is named");
        ok(sk_X509_num(ca.account_roots.chain) == 1, "earlier roles kept");
        is_int(enroll_ca_set_roles(&ca, &(const enroll_roles) { .attest_url = "http://x" }, &path),
               -EPROTONOSUPPORT, "role URL must be https://");
        ok(!path, "a bad URL names no file");
}

int main(void) {
        test_load();
        test_load_errors();
        test_roles();
        return tap_done();
}
