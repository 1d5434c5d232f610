# SPDX-License-Identifier: Apache-2.0
"""step-ca 0.19 (built offline from Debian's library, fixtures/stepca.py)
as an Account CA that trusts deviceid's device certificates: an X5C
provisioner whose root is deviceid-ca's root.pem accepts a one-time token
signed by the key of a device certificate from today's Agent CA
(tests/tools/ca-issue, linked to an inventory device as enrollment makes it)
and issues a certificate from /1.0/sign; tokens from other CAs, replays
and tokens older than the server's start are refused; deviceid-enrolld
gets an account it declares locally from step-ca as its Account CA
while its device certificate comes from deviceid-ca. Heavy."""
import base64
import os
import secrets
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fixtures.ca import ca_cli
from fixtures.pki import MiniCA, deviceid_issue
from fixtures.procs import run
from fixtures.fsd import wait_for
from fixtures.stepca import x5c_token
from test_enrolld import Daemon, daemon, short_ca  # noqa: F401 (fixtures)

pytestmark = pytest.mark.heavy


def csr_for(cn, sans):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]),
                          critical=False)
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture
def device(ca_dir):
    """A device in deviceid-ca's inventory with a device certificate from
    its Agent CA; returns (certificate Leaf, [leaf, Agent CA] chain)."""
    ek_uri = "urn:ek:sha256:" + base64.b64encode(secrets.token_bytes(32)).decode()
    ca_cli(ca_dir, "device", "add", "--ek-uri", ek_uri, "--name", "laptop")
    leaf = deviceid_issue(ca_dir, "agent", ek_uri, lifetime=7 * 86400, ek_uri=ek_uri, link=True)
    agent_ca = x509.load_pem_x509_certificate(open(f"{ca_dir}/agent-ca.pem", "rb").read())
    return leaf, [leaf.cert, agent_ca]


def test_step_ca_issues_for_a_deviceid_device_certificate(step_ca, ca_dir, device, tmp_path):
    leaf, chain = device
    t0 = time.monotonic()
    ca = step_ca({"devices": open(f"{ca_dir}/root.pem", "rb").read()},
                 claims={"minTLSCertDuration": "5m", "maxTLSCertDuration": "24h",
                         "defaultTLSCertDuration": "24h"})
    print(f"step-ca ready in {time.monotonic() - t0:.2f}s")
    ott = x5c_token(leaf.key, chain, ca.audience("devices"), "alice", ["alice.example.org"],
                    issuer="devices")
    status, body = ca.sign(csr_for("alice", ["alice.example.org"]), ott)
    assert status == 201, (status, body, ca.log_text()[-2000:])

    crt = tmp_path / "issued.pem"
    crt.write_text(body["crt"])
    inter = tmp_path / "issuing.pem"
    inter.write_text(body["ca"])
    run(["openssl", "verify", "-CAfile", ca.root.cert_path, "-untrusted", inter, crt])
    cert = x509.load_pem_x509_certificate(body["crt"].encode())
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "alice"
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["alice.example.org"]
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in eku
    assert cert.issuer == ca.intermediate.cert.subject
    life = cert.not_valid_after - cert.not_valid_before
    assert life <= leaf.cert.not_valid_after - leaf.cert.not_valid_before

    # One-time tokens are single use, even on the in-memory database.
    status, body = ca.sign(csr_for("alice", ["alice.example.org"]), ott)
    assert status == 401, (status, body)


def test_step_ca_refuses_other_chains_and_early_tokens(step_ca, ca_dir, device, tmp_path):
    leaf, chain = device
    ca = step_ca({"devices": open(f"{ca_dir}/root.pem", "rb").read()})
    csr = csr_for("alice", ["alice.example.org"])

    # A client certificate from an unrelated CA.
    other = MiniCA(tmp_path / "other", "Unrelated Root").issue_ca("Unrelated CA")
    mallory = other.issue("mallory")
    ott = x5c_token(mallory.key, [mallory.cert, other.cert], ca.audience("devices"), "alice",
                    ["alice.example.org"], issuer="devices")
    status, body = ca.sign(csr, ott)
    assert status == 401, (status, body)
    assert "error verifying x5c certificate chain" in ca.log_text()

    # Signed by another key than the certificate's.
    ott = x5c_token(ec.generate_private_key(ec.SECP256R1()), chain, ca.audience("devices"),
                    "alice", ["alice.example.org"], issuer="devices")
    assert ca.sign(csr, ott)[0] == 401

    # Issued before step-ca started: refused (the trap of its start time).
    early = int(time.time()) - 120
    ott = x5c_token(leaf.key, chain, ca.audience("devices"), "alice", ["alice.example.org"],
                    issuer="devices", iat=early, nbf=early)
    status, body = ca.sign(csr, ott)
    assert status == 401, (status, body)
    assert "before the bootstrap" in ca.log_text()

    # Names the token does not carry.
    ott = x5c_token(leaf.key, chain, ca.audience("devices"), "alice", ["alice.example.org"],
                    issuer="devices")
    status, body = ca.sign(csr_for("alice", ["bob.example.org"]), ott)
    assert status == 403 and "alice.example.org" in body["message"], (status, body)

    # And the good token still works.
    ott = x5c_token(leaf.key, chain, ca.audience("devices"), "alice", ["alice.example.org"],
                    issuer="devices")
    assert ca.sign(csr, ott)[0] == 201


def test_step_ca_binary_is_cached_outside_the_tree(step_ca_binary):
    from fixtures.procs import SRCDIR
    from fixtures.stepca import build_key
    assert os.access(step_ca_binary, os.X_OK)
    assert not os.path.abspath(step_ca_binary).startswith(os.path.abspath(SRCDIR) + os.sep)
    assert os.path.basename(os.path.dirname(step_ca_binary)) == f"step-ca-{build_key()}"
    out = run([step_ca_binary, "--version"]).stdout.decode()
    assert "0.19" in out


def test_enrolld_gets_a_local_account_from_step_ca_as_account_ca(step_ca, daemon, tmp_path):
    """Each CA role at its own address: deviceid-enrolld enrolls its device
    at deviceid-ca and gets the account it declares locally from a stock
    step-ca 0.19 ([account-ca] url, root, issuer, provisioner), whose X5C
    provisioner trusts deviceid-ca's root.pem."""
    dev = daemon.device
    ca = step_ca({"devices": open(os.path.join(dev.ca.dir, "root.pem"), "rb").read()},
                 claims={"minTLSCertDuration": "5m", "maxTLSCertDuration": "24h",
                         "defaultTLSCertDuration": "1h"})
    cfg = tmp_path / "enrolld-step.conf"
    cfg.write_text(f"""[ca]
url = {dev.ca.base_url}
root = {dev.ca.root}

[account-ca]
url = {ca.url}
root = {ca.root.cert_path}
issuer = {ca.root.cert_path}
provisioner = devices

[account "wifi"]
sub = wifi
sans = wifi.example.org

[renewal]
retry_min = 1s
retry_max = 3s
check_interval = 1s
""")
    daemon.write_config = lambda *a, **k: cfg
    proc = daemon.start()
    wait_for(lambda: os.path.exists(dev.fsd.path("wifi.pem")), timeout=90,
             what=f"wifi from step-ca\n{proc.log_text()[-3000:]}")
    pem = dev.served("wifi.pem").decode()
    blocks = [b + "-----END CERTIFICATE-----\n" for b in pem.split("-----END CERTIFICATE-----") if "BEGIN" in b]
    (tmp_path / "w-leaf.pem").write_text(blocks[0])
    (tmp_path / "w-inter.pem").write_text("".join(blocks[1:]))
    run(["openssl", "verify", "-CAfile", ca.root.cert_path, "-untrusted", tmp_path / "w-inter.pem",
         tmp_path / "w-leaf.pem"])
    cert = x509.load_pem_x509_certificate(blocks[0].encode())
    assert cert.issuer == ca.intermediate.cert.subject
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "wifi"
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "wifi.example.org" in san.get_values_for_type(x509.DNSName)
    # The device certificate still comes from deviceid-ca.
    assert b"deviceid Agent CA" in run(["openssl", "x509", "-noout", "-issuer", "-in",
                                        dev.fsd.path("device.pem")]).stdout
    assert "step-ca" not in dev.ca.base_url and "Issued account \"wifi\"" in proc.log_text()
