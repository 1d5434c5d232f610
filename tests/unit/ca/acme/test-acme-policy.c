/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the ACME server's rules (acme-policy.h) over fixed
 * provisioners: the identifier types a provisioner accepts, the
 * challenges offered for each identifier type (acme_challenges_for), the
 * device-provisioner rule, attempts and retry delays, effective statuses.
 */
#include "ca/acme/acme-policy.h"
#include "ca/core/cert-build.h"
#include "tests/unit/tap.h"

static char *web_challenges[] = { (char *) "http-01", (char *) "dns-01", (char *) "tls-alpn-01", NULL };
static char *dns_only[] = { (char *) "dns-01", NULL };
static char *alpn_http[] = { (char *) "tls-alpn-01", (char *) "http-01", NULL };
static char *device_only[] = { (char *) "device-attest-01", NULL };
static char *device_mixed[] = { (char *) "device-attest-01", (char *) "http-01", NULL };

static const ca_provisioner web = { .name = (char *) "web", .type = (char *) "acme", .challenges = web_challenges };
static const ca_provisioner dns = { .name = (char *) "dns", .type = (char *) "acme", .challenges = dns_only };
static const ca_provisioner alpn = { .name = (char *) "alpn", .type = (char *) "acme", .challenges = alpn_http };
static const ca_provisioner agents = { .name = (char *) "agents", .type = (char *) "acme", .challenges = device_only };
static const ca_provisioner x5c = { .name = (char *) "x5c", .type = (char *) "x5c" };

/* The names offered, joined with spaces ("" for none). */
static const char *offer(const ca_provisioner *p, acme_id_type t, bool wildcard) {
        static char buf[256];
        const challenge_type *v[ACME_MAX_CHALLENGES];
        size_t n = acme_challenges_for(p, t, wildcard, v);

        buf[0] = '\0';
        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        strcat(buf, " ");
                strcat(buf, v[i]->name);
        }
        return buf;
}

static void test_offer(void) {
        static const struct {
                const ca_provisioner *p;
                acme_id_type type;
                bool wildcard;
                const char *want;
        } vectors[] = {
                { &web, ACME_ID_DNS, false, "http-01 dns-01 tls-alpn-01" },
                { &web, ACME_ID_DNS, true, "dns-01" },
                { &web, ACME_ID_IP, false, "http-01 tls-alpn-01" },
                { &web, ACME_ID_PERMANENT, false, "" },
                { &dns, ACME_ID_DNS, false, "dns-01" },
                { &dns, ACME_ID_IP, false, "" },
                { &alpn, ACME_ID_DNS, false, "tls-alpn-01 http-01" },
                { &alpn, ACME_ID_DNS, true, "" },
                { &agents, ACME_ID_PERMANENT, false, "device-attest-01" },
                { &agents, ACME_ID_DNS, false, "" },
                { &agents, ACME_ID_IP, false, "" },
                { &x5c, ACME_ID_DNS, false, "" },
        };

        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                char what[128];

                snprintf(what, sizeof(what), "offer: %s, %s%s", vectors[i].p->name,
                         acme_id_type_to_string(vectors[i].type), vectors[i].wildcard ? " wildcard" : "");
                is_str(offer(vectors[i].p, vectors[i].type, vectors[i].wildcard), vectors[i].want, what);
        }
}

static void test_id_mask(void) {
        is_int(acme_provisioner_id_mask(&web), ACME_ID_MASK(ACME_ID_DNS) | ACME_ID_MASK(ACME_ID_IP),
               "id types: http-01, dns-01, tls-alpn-01 prove names and IPs");
        is_int(acme_provisioner_id_mask(&dns), ACME_ID_MASK(ACME_ID_DNS), "id types: dns-01 proves names only");
        is_int(acme_provisioner_id_mask(&agents), ACME_ID_MASK(ACME_ID_PERMANENT),
               "id types: a device provisioner takes permanent identifiers only");
        is_int(acme_provisioner_id_mask(&x5c), 0, "id types: none without challenges");
        ok(acme_provisioner_is_device(&agents), "device provisioner: device-attest-01");
        ok(!acme_provisioner_is_device(&web), "not a device provisioner: web");
        ok(!acme_provisioner_is_device(NULL), "not a device provisioner: none");
}

static void test_device_rule(void) {
        ca_provisioner provs[] = {
                web,
                agents,
                { .name = (char *) "mixed", .type = (char *) "acme", .challenges = device_mixed },
        };
        ca_config cfg = { .provisioners = provs, .n_provisioners = 2 };
        const ca_provisioner *bad = NULL;
        const char *other = NULL;

        is_ok(acme_provisioners_check(&cfg, &bad, &other), "device rule: device-attest-01 alone is fine");
        cfg.n_provisioners = 3;
        is_err(acme_provisioners_check(&cfg, &bad, &other), -EINVAL, "device rule: mixed with http-01 is refused");
        ok(bad == &provs[2] && streq_ptr(other, "http-01"), "device rule: names the provisioner and the challenge");
}

static void test_ekus(void) {
        ca_kv yes = { (char *) "client_auth", (char *) "true" }, no = { (char *) "client_auth", (char *) "false" },
              bad = { (char *) "client_auth", (char *) "yes" };
        ca_provisioner client = web, server = web, wrong = web;
        ca_config cfg = { .provisioners = &wrong, .n_provisioners = 1 };
        const ca_provisioner *p = NULL;
        const char *what = NULL;

        client.kv = &yes, client.n_kv = 1;
        server.kv = &no, server.n_kv = 1;
        wrong.kv = &bad, wrong.n_kv = 1;
        ok(acme_provisioner_ekus(&web) == CERT_EKU_SERVER_AUTH, "ekus: http-01/dns-01/tls-alpn-01: serverAuth only");
        ok(acme_provisioner_ekus(&server) == CERT_EKU_SERVER_AUTH, "ekus: client_auth = false: serverAuth only");
        ok(acme_provisioner_ekus(&client) == (CERT_EKU_SERVER_AUTH | CERT_EKU_CLIENT_AUTH),
           "ekus: client_auth = true adds clientAuth");
        ok(acme_provisioner_ekus(&agents) == CERT_EKU_CLIENT_AUTH, "ekus: device identities: clientAuth");
        is_err(acme_provisioners_check(&cfg, &p, &what), -EINVAL, "ekus: client_auth other than true/false refused");
        ok(p == &wrong && streq_ptr(what, "client_auth"), "ekus: the check names client_auth");
}

static void test_retries(void) {
        ca_kv three[] = { { (char *) "challenge_attempts", (char *) "5" },
                          { (char *) "challenge_retry_delay", (char *) "10" } };
        ca_kv bad[] = { { (char *) "challenge_attempts", (char *) "21" },
                        { (char *) "challenge_retry_delay", (char *) "0" } };
        ca_provisioner set = { .name = (char *) "set", .kv = three, .n_kv = 2 };
        ca_provisioner out = { .name = (char *) "out", .kv = bad, .n_kv = 2 };

        is_int(acme_provisioner_attempts(&web), ACME_DEFAULT_ATTEMPTS, "attempts: default");
        is_int(acme_provisioner_attempts(&set), 5, "attempts: challenge_attempts");
        is_int(acme_provisioner_attempts(&out), ACME_DEFAULT_ATTEMPTS, "attempts: out of range gives the default");
        is_int(acme_provisioner_attempts(NULL), ACME_DEFAULT_ATTEMPTS, "attempts: no provisioner, the default");
        is_int(acme_retry_delay(&web, 1), ACME_DEFAULT_RETRY_DELAY, "retry delay: default after the first failure");
        is_int(acme_retry_delay(&web, 3), 4 * ACME_DEFAULT_RETRY_DELAY, "retry delay: doubled per failure");
        is_int(acme_retry_delay(&set, 1), 10, "retry delay: challenge_retry_delay");
        is_int(acme_retry_delay(&set, 4), 80, "retry delay: 10, 20, 40, 80");
        is_int(acme_retry_delay(&out, 2), 2 * ACME_DEFAULT_RETRY_DELAY, "retry delay: out of range gives the default");
}

static void test_challenge_wait(void) {
        ca_kv v[][1] = { { { (char *) "challenge_wait_ms", (char *) "250" } },
                         { { (char *) "challenge_wait_ms", (char *) "0" } },
                         { { (char *) "challenge_wait_ms", (char *) "10000" } },
                         { { (char *) "challenge_wait_ms", (char *) "10001" } },
                         { { (char *) "challenge_wait_ms", (char *) "-1" } },
                         { { (char *) "challenge_wait_ms", (char *) "1s" } },
                         { { (char *) "challenge_wait_ms", (char *) "" } },
                         { { (char *) "challenge_wait_ms", (char *) "99999999999999999999999" } } };
        unsigned want[] = { 250, 0, ACME_MAX_CHALLENGE_WAIT, ACME_DEFAULT_CHALLENGE_WAIT, ACME_DEFAULT_CHALLENGE_WAIT,
                            ACME_DEFAULT_CHALLENGE_WAIT, ACME_DEFAULT_CHALLENGE_WAIT, ACME_DEFAULT_CHALLENGE_WAIT };

        is_int(acme_provisioner_challenge_wait_ms(&web), ACME_DEFAULT_CHALLENGE_WAIT, "challenge wait: default");
        is_int(acme_provisioner_challenge_wait_ms(NULL), ACME_DEFAULT_CHALLENGE_WAIT,
               "challenge wait: no provisioner, the default");
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                ca_provisioner p = { .name = (char *) "p", .kv = v[i], .n_kv = 1 };

                is_int(acme_provisioner_challenge_wait_ms(&p), want[i], "challenge wait: a number of ms in 0..10000, else the default");
        }
}

static void test_statuses(void) {
        acme_order_row o = { .status = (char *) "pending", .expires = 1000 };
        acme_authz_row a = { .status = (char *) "pending", .expires = 1000 };

        is_str(acme_order_effective_status(&o, 1000), "pending", "order: pending until it expires");
        is_str(acme_order_effective_status(&o, 1001), "invalid", "order: pending past expiry is invalid");
        o.status = (char *) "ready";
        is_str(acme_order_effective_status(&o, 1001), "invalid", "order: ready past expiry is invalid");
        o.status = (char *) "valid";
        is_str(acme_order_effective_status(&o, 5000), "valid", "order: valid stays valid");
        is_str(acme_authz_effective_status(&a, 1000), "pending", "authz: pending until it expires");
        is_str(acme_authz_effective_status(&a, 1001), "expired", "authz: pending past expiry is expired");
        a.status = (char *) "valid";
        is_str(acme_authz_effective_status(&a, 5000), "valid", "authz: valid stays valid");
}

int main(void) {
        test_offer();
        test_id_mask();
        test_device_rule();
        test_ekus();
        test_retries();
        test_challenge_wait();
        test_statuses();
        return tap_done();
}
