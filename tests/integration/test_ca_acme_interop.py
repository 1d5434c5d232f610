# SPDX-License-Identifier: Apache-2.0
"""Off-the-shelf ACME clients against deviceid-ca on loopback: lego
(http-01, tls-alpn-01, dns-01 through pebble-challtestsrv, revoke) and
certbot (http-01, revoke). Every issued chain must pass `openssl verify`
against the CA's root.pem. Names, not IPs: lego 4.9 sends IPs as dns
identifiers (peers.md); "localhost" resolves without /etc/hosts."""
import os
import stat
import sys

from cryptography import x509

from fixtures.acme import *  # noqa: F401,F403 (fixtures)
from fixtures.procs import require_tool, run


def verify_chain(acme_ca, leaf, chain=None):
    argv = [require_tool("openssl"), "verify", "-purpose", "sslserver", "-CAfile", acme_ca.root]
    if chain:
        argv += ["-untrusted", chain]
    cp = run(argv + [leaf])
    assert cp.stdout.decode().strip().endswith(": OK"), cp.stdout


def sans_of(path):
    with open(path, "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    return sorted(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
                  .value.get_values_for_type(x509.DNSName))


def lego_env(acme_ca, tmp_path, **extra):
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
            "LEGO_CA_CERTIFICATES": acme_ca.root, **extra}


def lego(acme_ca, tmp_path, args, env=None):
    exe = require_tool("lego")
    return run([exe, "--server", acme_ca.directory_url, "--accept-tos", "--email",
                "ops@example.org", "--path", str(tmp_path / "lego"), "--key-type", "ec256", *args],
               env=env or lego_env(acme_ca, tmp_path), timeout=120)


def test_lego_http01_and_revoke(acme_ca, tmp_path):
    lego(acme_ca, tmp_path, ["--domains", "localhost", "--http", "--http.port",
                             f"127.0.0.1:{acme_ca.http01_port}", "run"])
    certs = tmp_path / "lego" / "certificates"
    verify_chain(acme_ca, str(certs / "localhost.crt"), str(certs / "localhost.issuer.crt"))
    assert sans_of(certs / "localhost.crt") == ["localhost"]

    before = acme_ca.snapshot()["certificates"]
    lego(acme_ca, tmp_path, ["--domains", "localhost", "revoke"])
    con = acme_ca.db()
    try:
        revoked = con.execute("SELECT COUNT(*) FROM certificates WHERE ca = 'agent' AND revoked = 1").fetchone()[0]
    finally:
        con.close()
    assert revoked == 1 and len(before) >= 1


def test_lego_tls_alpn01(acme_ca, tmp_path):
    lego(acme_ca, tmp_path, ["--domains", "localhost", "--tls", "--tls.port",
                             f"127.0.0.1:{acme_ca.tlsalpn_port}", "run"])
    certs = tmp_path / "lego" / "certificates"
    verify_chain(acme_ca, str(certs / "localhost.crt"), str(certs / "localhost.issuer.crt"))


def test_lego_dns01_with_challtestsrv(acme_ca, challtestsrv, tmp_path):
    # lego's exec provider runs this program with present|cleanup FQDN VALUE.
    hook = tmp_path / "dns-hook"
    hook.write_text(f"""#!{sys.executable}
import json, sys, urllib.request
action, fqdn, value = sys.argv[1], sys.argv[2], sys.argv[3]
what, body = ("set-txt", {{"host": fqdn, "value": value}}) if action == "present" else \\
             ("clear-txt", {{"host": fqdn}})
req = urllib.request.Request("http://127.0.0.1:{challtestsrv.port}/" + what,
                             data=json.dumps(body).encode(), method="POST")
urllib.request.urlopen(req, timeout=10).read()
""")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    env = lego_env(acme_ca, tmp_path, EXEC_PATH=str(hook), EXEC_SEQUENCE_INTERVAL="1",
                   EXEC_POLLING_INTERVAL="1", EXEC_PROPAGATION_TIMEOUT="30")
    lego(acme_ca, tmp_path, ["--domains", "example.test", "--domains", "*.example.test",
                             "--dns", "exec", "--dns.resolvers", f"127.0.0.1:{acme_ca.dns_port}",
                             "--dns.disable-cp", "run"], env=env)
    certs = tmp_path / "lego" / "certificates"
    verify_chain(acme_ca, str(certs / "example.test.crt"), str(certs / "example.test.issuer.crt"))
    assert sans_of(certs / "example.test.crt") == ["*.example.test", "example.test"]


def test_certbot_http01_and_revoke(acme_ca, tmp_path):
    exe = require_tool("certbot")
    d = tmp_path / "certbot"
    common = ["--non-interactive", "--server", acme_ca.directory_url, "--config-dir", str(d / "etc"),
              "--work-dir", str(d / "work"), "--logs-dir", str(d / "logs")]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "REQUESTS_CA_BUNDLE": acme_ca.root}
    run([exe, "certonly", *common, "--agree-tos", "--register-unsafely-without-email",
         "--standalone", "--http-01-address", "127.0.0.1", "--http-01-port",
         str(acme_ca.http01_port), "--key-type", "ecdsa", "-d", "localhost"], env=env, timeout=120)
    live = d / "etc" / "live" / "localhost"
    verify_chain(acme_ca, str(live / "cert.pem"), str(live / "chain.pem"))
    # fullchain.pem is what the server sent: leaf first, then the intermediate.
    with open(live / "fullchain.pem") as f:
        full = f.read()
    with open(live / "cert.pem") as f:
        assert full.startswith(f.read())
    assert sans_of(live / "cert.pem") == ["localhost"]

    run([exe, "revoke", *common, "--cert-name", "localhost", "--no-delete-after-revoke"], env=env,
        timeout=120)
    con = acme_ca.db()
    try:
        n = con.execute("SELECT COUNT(*) FROM certificates WHERE ca = 'agent' AND revoked = 1").fetchone()[0]
    finally:
        con.close()
    assert n == 1
