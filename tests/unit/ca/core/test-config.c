/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of ca.conf parsing: the file init writes, durations, listen
 * addresses, and each kind of mistake with its line number.
 */
#include "ca/core/config.h"
#include "tests/unit/tap.h"

static const char good[] =
        "# comment\n"
        "[server]\n"
        "listen = 127.0.0.1:8443\n"
        "dns_names = ca.example.org, localhost\n"
        "[lifetimes]\n"
        "account = 12h\n"
        "acme = 1h30m\n"
        "[provisioner \"acme\"]\n"
        "type = acme\n"
        "challenges = http-01, dns-01 tls-alpn-01\n"
        "http01_port = 5002\n"
        "dns_resolver = 127.0.0.1:8053\n"
        "x_custom = kept\n"
        "[provisioner \"agents\"]\n"
        "type = acme\n"
        "challenges = device-attest-01\n"
        "[console]\n"
        "ui_dir = /srv/ui\n"
        "url = https://ca.example.org:8443\n"
        "session_lifetime = 2h\n"
        "session_idle = 10m\n";

static void expect_error(const char *text, const char *fragment, const char *what) {
        _cleanup_(ca_config_freep) ca_config *c = NULL;
        _cleanup_free_ char *err = NULL;
        int r = ca_config_parse(text, strlen(text), &c, &err);

        is_err(r, -EINVAL, what);
        if (!ok(err && strstr(err, fragment), "  error message names the problem"))
                printf("#   message: %s\n", err ?: "(none)");
}

static void test_good(void) {
        _cleanup_(ca_config_freep) ca_config *c = NULL;
        _cleanup_free_ char *err = NULL, *url = NULL;
        const ca_provisioner *p;

        if (!is_ok(ca_config_parse(good, strlen(good), &c, &err), "config: good file parses"))
                printf("#   %s\n", err ?: "");
        if (!c)
                return;
        is_str(c->listen, "127.0.0.1:8443", "config: listen");
        is_str(c->dns_names[0], "ca.example.org", "config: dns name 1");
        is_str(c->dns_names[1], "localhost", "config: dns name 2");
        ok(c->dns_names[2] == NULL, "config: two dns names");
        is_str(c->database, "ca.db", "config: database default");
        is_int(c->lifetime_account, 12 * 3600, "config: account lifetime");
        is_int(c->lifetime_acme, 5400, "config: combined duration");
        is_int(c->lifetime_agent, 30 * 86400, "config: agent default");
        is_int(c->n_provisioners, 2, "config: two provisioners");
        p = ca_config_provisioner(c, "acme");
        ok(p != NULL, "config: provisioner acme found");
        if (p) {
                is_int(p->http01_port, 5002, "config: http01_port");
                is_int(p->tlsalpn01_port, 443, "config: tlsalpn01_port default");
                is_str(p->dns_resolver, "127.0.0.1:8053", "config: dns_resolver");
                is_int(ca_provisioner_has_challenge(p, "tls-alpn-01"), 1, "config: challenge list split on space too");
                is_int(ca_provisioner_has_challenge(p, "device-attest-01"), 0, "config: not offered");
                is_str(ca_provisioner_get(p, "x_custom"), "kept", "config: provisioner keys kept");
        }
        ok(ca_config_provisioner(c, "nope") == NULL, "config: unknown provisioner is NULL");
        is_ok(ca_config_database_url(c, "/srv/ca", &url), "config: database url");
        is_str(url, "/srv/ca/ca.db", "config: relative database resolved");
        is_str(c->console_ui_dir, "/srv/ui", "config: console ui_dir");
        is_str(c->console_url, "https://ca.example.org:8443", "config: console url");
        is_int(c->console_session_lifetime, 7200, "config: session_lifetime");
        is_int(c->console_session_idle, 600, "config: session_idle");
        is_int(c->threads, CA_DEFAULT_THREADS, "config: threads default");
        is_int(c->connections_per_address, CA_DEFAULT_CONNECTIONS_PER_ADDRESS, "config: per-address default");
        is_int(c->header_timeout, CA_DEFAULT_HEADER_TIMEOUT, "config: header_timeout default");
}

static void test_errors(void) {
        expect_error("[server]\nlisten = 1.2.3.4\ndns_names = a\n", "line 2", "config: listen without port");
        expect_error("[server]\nlisten = :1\ndns_names = a..b\n", "invalid DNS name", "config: bad dns name");
        expect_error("[server]\nlisten = :1\n", "dns_names is missing", "config: dns_names missing");
        expect_error("[server]\nlisten = :1\ndns_names = a\nfoo = 1\n", "line 4", "config: unknown key");
        expect_error("[server]\nlisten = :1\ndns_names = a\n[other]\nx = 1\n", "unknown section", "config: unknown section");
        expect_error("[server]\nlisten = :1\ndns_names = a\n[lifetimes]\nagent = 10y\n", "invalid duration",
                     "config: bad duration");
        expect_error("[server]\nlisten = :1\ndns_names = a\n[provisioner \"p\"]\ntype = scep\n", "unknown provisioner type",
                     "config: unknown provisioner type");
        expect_error("[server]\nlisten = :1\ndns_names = a\n[provisioner \"p\"]\ntype = acme\nchallenges = http-02\n",
                     "unknown challenge", "config: unknown challenge");
        expect_error("[server]\nlisten = :1\ndns_names = a\n[provisioner \"p\"]\ntype = acme\nchallenges = http-01\nhttp01_port = 70000\n",
                     "http01_port", "config: port out of range");
        expect_error("[server]\nlisten = :1\ndns_names = a\n[provisioner p]\ntype = acme\n", "provisioner \"NAME\"",
                     "config: unquoted provisioner name");
        expect_error("[server]\nlisten = :1\ndns_names = a\n[provisioner \"p\"]\nchallenges = http-01\n", "no type",
                     "config: provisioner without type");
        expect_error("[server]\nlisten = :1\ndns_names = a\n[provisioner \"d\"]\ntype = x5c\nchallenges = http-01\n",
                     "challenges are for acme", "config: x5c provisioner with challenges");
        expect_error("[server]\nlisten = :1\ndns_names = a\n[provisioner \"p\"]\ntype = acme\n", "no challenges",
                     "config: acme provisioner without challenges");
        {
                _cleanup_(ca_config_freep) ca_config *c = NULL;
                static const char x5c[] = "[server]\nlisten = :1\ndns_names = a\n[provisioner \"d\"]\ntype = x5c\n"
                                          "roots = my-roots.pem\n";
                if (is_ok(ca_config_parse(x5c, strlen(x5c), &c, NULL), "config: x5c provisioner parses")) {
                        is_str(c->provisioners[0].type, "x5c", "config: x5c type");
                        is_str(ca_provisioner_get(&c->provisioners[0], "roots"), "my-roots.pem", "config: x5c roots kept");
                }
        }
        expect_error("[server]\nlisten = :1\nlisten = :2\ndns_names = a\n", "duplicate", "config: duplicate key");
        expect_error("[server]\nlisten = :1\ndns_names = a\n[console]\nui_dir = ui\n", "absolute",
                     "config: relative ui_dir");
        expect_error("[server]\nlisten = :1\ndns_names = a\n[console]\nurl = http://x\n", "https://HOST",
                     "config: console url not https");
        expect_error("[server]\nlisten = :1\ndns_names = a\n[console]\nurl = https://x/ui\n", "without a path",
                     "config: console url with a path");
        expect_error("[server]\nlisten = :1\ndns_names = a\n[console]\nsession_lifetime = 8d\n", "1m to 7d",
                     "config: session lifetime too long");
        expect_error("[server]\nlisten = :1\ndns_names = a\n[console]\nsession_idle = 30s\n", "1m to 7d",
                     "config: session idle too short");
        expect_error("[server]\nlisten = :1\ndns_names = a\n[console]\nsession_lifetime = 1h\nsession_idle = 2h\n",
                     "longer than session_lifetime", "config: idle longer than lifetime");
        expect_error("[server]\nlisten = :1\ndns_names = a\nthreads = 0\n", "1 to 256", "config: no worker threads");
        expect_error("[server]\nlisten = :1\ndns_names = a\nconnections_per_address = -1\n", "1 to 65536",
                     "config: negative connection count");
        expect_error("[server]\nlisten = :1\ndns_names = a\nconnections = 12x\n", "connections",
                     "config: connection count with junk");
        expect_error("[server]\nlisten = :1\ndns_names = a\nheader_timeout = 0\n", "1s to 1h",
                     "config: zero header timeout");
        expect_error("[server]\nlisten = :1\ndns_names = a\nrequest_timeout = 2h\n", "1s to 1h",
                     "config: request timeout too long");
        {
                _cleanup_(ca_config_freep) ca_config *c = NULL;
                static const char conn[] = "[server]\nlisten = :1\ndns_names = a\nthreads = 4\nio_threads = 1\n"
                                           "connections = 100\nconnections_per_address = 10\n"
                                           "header_timeout = 3s\nrequest_timeout = 1m\n";
                if (is_ok(ca_config_parse(conn, strlen(conn), &c, NULL), "config: connection keys parse")) {
                        is_int(c->threads, 4, "config: threads");
                        is_int(c->io_threads, 1, "config: io_threads");
                        is_int(c->connections, 100, "config: connections");
                        is_int(c->connections_per_address, 10, "config: connections_per_address");
                        is_int(c->header_timeout, 3, "config: header_timeout");
                        is_int(c->request_timeout, 60, "config: request_timeout");
                }
        }
        expect_error("[server\nlisten = :1\n", "line 1", "config: broken section header");
        {
                _cleanup_(ca_config_freep) ca_config *c = NULL;
                _cleanup_free_ char *err = NULL;
                is_err(ca_config_parse("[server]\0", 9, &c, &err), -EINVAL, "config: NUL byte refused");
        }
}

/* The duration syntax itself is tested in test-duration.c; here what
 * ca.conf adds: a lifetime is positive and at most 20 years. */
static int lifetime(const char *value, uint64_t *ret) {
        _cleanup_(ca_config_freep) ca_config *c = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        if (asprintf(&text, "[server]\nlisten = :1\ndns_names = a\n[lifetimes]\nagent = %s\n", value) < 0)
                return -ENOMEM;
        r = ca_config_parse(text, strlen(text), &c, NULL);
        if (r >= 0)
                *ret = c->lifetime_agent;
        return r;
}

static void test_durations(void) {
        uint64_t v = 0;

        is_ok(lifetime("90", &v), "duration: bare seconds");
        is_int(v, 90, "duration: 90");
        is_ok(lifetime("1d2h3m4s", &v), "duration: compound");
        is_int(v, 86400 + 7200 + 180 + 4, "duration: compound value");
        is_err(lifetime("0s", &v), -EINVAL, "duration: zero refused");
        is_err(lifetime("5h30", &v), -EINVAL, "duration: trailing bare number refused");
        is_err(lifetime("h", &v), -EINVAL, "duration: unit without number refused");
        is_err(lifetime("99999999999999999999d", &v), -EINVAL, "duration: overflow refused");
        is_err(lifetime("", &v), -EINVAL, "duration: empty refused");
        is_ok(lifetime("7300d", &v), "duration: 20 years accepted");
        is_err(lifetime("7300d1s", &v), -EINVAL, "duration: over 20 years refused");
}

static void test_listen(void) {
        _cleanup_free_ char *h1 = NULL, *h2 = NULL, *h3 = NULL;
        char *h = NULL;
        unsigned port = 0;

        is_ok(ca_parse_listen("127.0.0.1:8443", &h1, &port), "listen: v4");
        is_str(h1, "127.0.0.1", "listen: v4 host");
        is_int(port, 8443, "listen: port");
        is_ok(ca_parse_listen("[::1]:443", &h2, &port), "listen: v6");
        is_str(h2, "::1", "listen: v6 host");
        is_ok(ca_parse_listen(":0", &h3, &port), "listen: any, port 0");
        is_str(h3, "", "listen: any is empty host");
        is_err(ca_parse_listen("::1:443", &h, &port), -EINVAL, "listen: bare v6 refused");
        is_err(ca_parse_listen("host:65536", &h, &port), -EINVAL, "listen: port range");
        is_err(ca_parse_listen("host", &h, &port), -EINVAL, "listen: no port");
        is_err(ca_parse_listen("a b:1", &h, &port), -EINVAL, "listen: space refused");
}

int main(void) {
        test_good();
        test_errors();
        test_durations();
        test_listen();
        return tap_done();
}
