/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the account list client's pure parts
 * (enroll/client/accounts-client.h): the parser and its limits, the
 * audience, and the EK URI of a device certificate.
 */
#include <string.h>

#include "enroll/client/accounts-client.h"
#include "tests/unit/tap.h"

static int parse(const char *s, accounts_list **l, const char **why) {
        return accounts_client_parse(s, strlen(s), l, why);
}

static void test_good(void) {
        accounts_list *l = NULL;
        const char *why = NULL;

        is_ok(parse("{\"accounts\":[{\"name\":\"wifi\",\"provisioner\":\"wifi\",\"sub\":\"laptop 1\","
                    "\"sans\":[\"laptop1.wifi.example.org\",\"alice@example.org\"],\"key\":\"software\","
                    "\"lifetime\":86400},{\"name\":\"vpn\",\"sub\":\"vpn\",\"key\":\"tpm\",\"other\":1}],\"x\":2}",
                    &l, &why),
              "parse: two accounts, other members ignored");
        if (!l)
                return;
        ok(l->n == 2, "parse: two");
        ok(streq(l->v[0].name, "wifi") && streq(l->v[0].provisioner, "wifi") && streq(l->v[0].sub, "laptop 1") &&
                   l->v[0].n_sans == 2 && streq(l->v[0].sans[1], "alice@example.org") && !l->v[0].tpm,
           "parse: the first as listed");
        ok(streq(l->v[1].provisioner, "vpn") && l->v[1].n_sans == 0 && l->v[1].tpm,
           "parse: provisioner defaults to the name; tpm key");
        accounts_list_free(l);
        l = NULL;
        is_ok(parse("{\"accounts\":[]}", &l, &why), "parse: an empty list");
        ok(l && l->n == 0, "parse: no accounts");
        accounts_list_free(l);
}

static void test_bad(void) {
        static const struct {
                const char *body;
                int err;
                const char *what;
        } cases[] = {
                { "", -EBADMSG, "empty body" },
                { "[]", -EBADMSG, "an array" },
                { "{}", -EBADMSG, "no accounts" },
                { "{\"accounts\":{}}", -EBADMSG, "accounts not an array" },
                { "{\"accounts\":[1]}", -EBADMSG, "an account not an object" },
                { "{\"accounts\":[{\"sub\":\"x\"}]}", -EBADMSG, "no name" },
                { "{\"accounts\":[{\"name\":\"Wifi\",\"sub\":\"x\"}]}", -EBADMSG, "upper-case name" },
                { "{\"accounts\":[{\"name\":\"device\",\"sub\":\"x\"}]}", -EBADMSG, "the device's own name" },
                { "{\"accounts\":[{\"name\":\"../x\",\"sub\":\"x\"}]}", -EBADMSG, "a path as name" },
                { "{\"accounts\":[{\"name\":\"wifi\"}]}", -EBADMSG, "no sub" },
                { "{\"accounts\":[{\"name\":\"wifi\",\"sub\":\"\"}]}", -EBADMSG, "empty sub" },
                { "{\"accounts\":[{\"name\":\"wifi\",\"sub\":\"a\\nb\"}]}", -EBADMSG, "sub with a newline" },
                { "{\"accounts\":[{\"name\":\"wifi\",\"sub\":\"a\\u0000b\"}]}", -EBADMSG, "sub with a NUL" },
                { "{\"accounts\":[{\"name\":\"wifi\",\"sub\":\"x\",\"key\":\"hsm\"}]}", -EBADMSG, "unknown key kind" },
                { "{\"accounts\":[{\"name\":\"wifi\",\"sub\":\"x\",\"sans\":\"a\"}]}", -EBADMSG, "sans not an array" },
                { "{\"accounts\":[{\"name\":\"wifi\",\"sub\":\"x\",\"sans\":[\"a b\"]}]}", -EBADMSG, "a SAN with a blank" },
                { "{\"accounts\":[{\"name\":\"wifi\",\"sub\":\"x\",\"sans\":[\"\"]}]}", -EBADMSG, "an empty SAN" },
                { "{\"accounts\":[{\"name\":\"wifi\",\"sub\":\"x\",\"lifetime\":\"1h\"}]}", -EBADMSG, "lifetime a string" },
                { "{\"accounts\":[{\"name\":\"wifi\",\"sub\":\"x\",\"lifetime\":10}]}", -EBADMSG, "lifetime too short" },
                { "{\"accounts\":[{\"name\":\"wifi\",\"sub\":\"x\"},{\"name\":\"wifi\",\"sub\":\"y\"}]}", -EBADMSG,
                  "a name twice" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                accounts_list *l = NULL;
                const char *why = NULL;
                int r = parse(cases[i].body, &l, &why);

                ok(r == cases[i].err && !l && why, cases[i].what);
        }
}

static void test_limits(void) {
        char *big = NULL, *many = NULL, *sub = NULL;
        accounts_list *l = NULL;
        const char *why = NULL;
        size_t n = 0;
        FILE *f;

        /* 17 accounts. */
        f = open_memstream(&many, &n);
        fputs("{\"accounts\":[", f);
        for (int i = 0; i < 17; i++)
                fprintf(f, "%s{\"name\":\"a%d\",\"sub\":\"x\"}", i ? "," : "", i);
        fputs("]}", f);
        fclose(f);
        is_err(parse(many, &l, &why), -E2BIG, "limits: more than 16 accounts");
        free(many);

        /* Over 64 KiB. */
        big = malloc(ACCOUNTS_CLIENT_MAX_RESPONSE + 64);
        memset(big, ' ', ACCOUNTS_CLIENT_MAX_RESPONSE + 63);
        memcpy(big, "{\"accounts\":[]}", 15);
        big[ACCOUNTS_CLIENT_MAX_RESPONSE + 63] = '\0';
        is_err(parse(big, &l, &why), -E2BIG, "limits: more than 64 KiB");
        free(big);

        /* A 65-byte subject. */
        if (asprintf(&sub, "{\"accounts\":[{\"name\":\"w\",\"sub\":\"%065d\"}]}", 0) < 0)
                sub = NULL;
        is_err(sub ? parse(sub, &l, &why) : -ENOMEM, -EBADMSG, "limits: a subject over 64 bytes");
        free(sub);
        ok(!l, "limits: nothing returned");
}

static void test_audience(void) {
        _cleanup_free_ char *a = NULL, *b = NULL;

        is_ok(accounts_client_audience("https://ca.example.org:8443", &a), "audience: from the base URL");
        is_str(a, "https://ca.example.org:8443/1.0/accounts", "audience: .../1.0/accounts");
        is_ok(accounts_client_audience("https://ca.example.org/", &b), "audience: a trailing slash");
        is_str(b, "https://ca.example.org/1.0/accounts", "audience: one slash");
}

int main(void) {
        test_good();
        test_bad();
        test_limits();
        test_audience();
        return tap_done();
}
