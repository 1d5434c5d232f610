# SPDX-License-Identifier: Apache-2.0
"""The Account CA of a real deviceid-ca: X5C one-time tokens and
POST /1.0/sign, POST /1.0/renew (protocols.md section 3).

Device certificates come from tests/tools/ca-issue (the Agent CA's device
profile, linked to an inventory device) for keys made here; tokens are
built here with python-cryptography (ES256, raw r||s). Issued
certificates are checked with `openssl verify` and python-cryptography,
and every refusal with its status and "nothing issued" (the count of
Account CA rows in ca.db)."""
import base64
import datetime
import hashlib
import json
import os
import secrets
import sqlite3
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fixtures.ca import ca_cli, start_ca_server
from fixtures.procs import build_path, require_tool, run

PROV = "devices"


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def pem_pub(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def ek_uri_of(key):
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    return "urn:ek:sha256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()


def ca_issue(srv, tmp_path, key, ca="agent", cn="device", lifetime=7 * 86400, extra=()):
    """A certificate for key from the CA directory, by tests/tools/ca-issue."""
    pub = tmp_path / f"pub-{secrets.token_hex(4)}.pem"
    pub.write_bytes(pem_pub(key))
    out = run([build_path("tests", "tools", "ca-issue"), srv.dir, str(pub), ca, cn, str(lifetime), *extra]).stdout
    return x509.load_pem_x509_certificate(out.encode() if isinstance(out, str) else out)


def der_b64(cert):
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def account_rows(srv):
    db = sqlite3.connect(os.path.join(srv.dir, "ca.db"))
    try:
        return db.execute("SELECT serial, device_id, revoked FROM certificates WHERE ca = 'account'"
                          " ORDER BY created_at").fetchall()
    finally:
        db.close()


class Device:
    """A registered device with a device certificate (key in memory)."""

    def __init__(self, srv, tmp_path, lifetime=7 * 86400):
        self.srv = srv
        self.ek_uri = ek_uri_of(ec.generate_private_key(ec.SECP256R1()))
        ca_cli(srv.dir, "device", "add", "--ek-uri", self.ek_uri)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cert = ca_issue(srv, tmp_path, self.key, lifetime=lifetime,
                             extra=("--ek-uri", self.ek_uri, "--link"))
        self.agent_ca = x509.load_pem_x509_certificate(
            open(os.path.join(srv.dir, "agent-ca.pem"), "rb").read())

    def token(self, key=None, chain=None, header=None, sig=None, drop=(), **claims):
        now = int(time.time())
        h = {"alg": "ES256", "typ": "JWT", "kid": "device",
             "x5c": [der_b64(c) for c in (chain or (self.cert, self.agent_ca))]}
        h.update(header or {})
        c = {"iss": PROV, "aud": f"https://localhost:{self.srv.port}/1.0/sign#x5c/{PROV}",
             "sub": "alice", "sans": ["alice.example.org", "10.1.2.3", "alice@example.org",
                                      "spiffe://example.org/alice"],
             "iat": now, "nbf": now, "exp": now + 300, "jti": secrets.token_hex(32)}
        c.update(claims)
        for d in drop:
            c.pop(d, None)
        si = (b64u(json.dumps(h).encode()) + "." + b64u(json.dumps(c).encode())).encode()
        if sig is None:
            r, s = utils.decode_dss_signature((key or self.key).sign(si, ec.ECDSA(hashes.SHA256())))
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return si.decode() + "." + b64u(sig)


def make_csr(key=None, cn="ignored", dns="ignored.example.org"):
    key = key or ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False)
           .sign(key, hashes.SHA256()))
    return key, csr


def csr_pem(csr):
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def sign(srv, csr, ott, **extra):
    status, _, body = srv.post("/1.0/sign", {"csr": csr_pem(csr), "ott": ott, **extra})
    return status, json.loads(body)


@pytest.fixture
def device(ca_server, tmp_path):
    return Device(ca_server, tmp_path)


def not_after(cert):
    return cert.not_valid_after_utc if hasattr(cert, "not_valid_after_utc") else \
        cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def not_before(cert):
    return cert.not_valid_before_utc if hasattr(cert, "not_valid_before_utc") else \
        cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)


def test_sign_issues_account_certificate(ca_server, device, tmp_path):
    key, csr = make_csr()
    status, body = sign(ca_server, csr, device.token())
    assert status == 201, body
    crt = x509.load_pem_x509_certificate(body["crt"].encode())
    assert body["certChain"][0] == body["crt"]
    assert body["ca"] == body["certChain"][1]
    assert body["ca"].encode() == open(os.path.join(ca_server.dir, "account-ca.pem"), "rb").read()

    leaf, chain = tmp_path / "leaf.pem", tmp_path / "ca.pem"
    leaf.write_text(body["crt"])
    chain.write_text(body["ca"])
    account_root = os.path.join(ca_server.dir, "account-root.pem")
    out = run([require_tool("openssl"), "verify", "-CAfile", account_root, "-untrusted", str(chain),
               "-purpose", "sslclient", str(leaf)]).stdout
    assert b"OK" in out

    assert crt.public_key().public_numbers() == key.public_key().public_numbers()
    assert crt.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "alice"
    san = crt.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["alice.example.org"]
    assert [str(i) for i in san.get_values_for_type(x509.IPAddress)] == ["10.1.2.3"]
    assert san.get_values_for_type(x509.RFC822Name) == ["alice@example.org"]
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == ["spiffe://example.org/alice"]
    assert "ignored.example.org" not in san.get_values_for_type(x509.DNSName)
    eku = crt.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    ku = crt.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature
    life = not_after(crt) - not_before(crt)
    assert datetime.timedelta(hours=23) < life <= datetime.timedelta(hours=24)
    assert not_after(crt) <= not_after(device.cert)

    rows = account_rows(ca_server)
    assert len(rows) == 1 and rows[0][2] == 0
    assert rows[0][0] == format(crt.serial_number, "x")
    db = sqlite3.connect(os.path.join(ca_server.dir, "ca.db"))
    dev_id = db.execute("SELECT id FROM devices WHERE ek_uri = ?", (device.ek_uri,)).fetchone()[0]
    db.close()
    assert rows[0][1] == dev_id

    # Disabling the device revokes its account certificates too.
    ca_cli(ca_server.dir, "device", "disable", device.ek_uri)
    assert account_rows(ca_server)[0][2] == 1


def test_sign_default_sans_and_cnf(ca_server, device):
    _, csr = make_csr()
    h = b64u(hashlib.sha256(csr.public_bytes(serialization.Encoding.DER)).digest())
    tok = device.token(drop=("sans",), sub="bob.example.org", cnf={"x5rt#S256": h})
    status, body = sign(ca_server, csr, tok)
    assert status == 201, body
    crt = x509.load_pem_x509_certificate(body["crt"].encode())
    san = crt.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["bob.example.org"]

    # cnf for another CSR: refused, nothing issued.
    _, other = make_csr()
    n = len(account_rows(ca_server))
    status, body = sign(ca_server, other, device.token(cnf={"x5rt#S256": h}))
    assert status == 401 and "cnf" in body["message"], body
    assert body["status"] == 401
    assert len(account_rows(ca_server)) == n


def test_lifetime_clamped_to_device_certificate(ca_server, tmp_path):
    dev = Device(ca_server, tmp_path, lifetime=2 * 3600)
    _, csr = make_csr()
    status, body = sign(ca_server, csr, dev.token())
    assert status == 201, body
    crt = x509.load_pem_x509_certificate(body["crt"].encode())
    assert not_after(crt) == not_after(dev.cert)

    # An explicit notAfter past the device certificate is refused.
    late = (not_after(dev.cert) + datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    n = len(account_rows(ca_server))
    status, body = sign(ca_server, csr, dev.token(), notAfter=late)
    assert status == 400 and "device certificate" in body["message"], body
    assert len(account_rows(ca_server)) == n

    # A duration within it is honoured; under 5 minutes is refused.
    status, body = sign(ca_server, csr, dev.token(), notAfter="30m")
    assert status == 201, body
    crt = x509.load_pem_x509_certificate(body["crt"].encode())
    assert abs((not_after(crt) - not_before(crt)).total_seconds() - 1800) <= 1
    status, body = sign(ca_server, csr, dev.token(), notAfter="4m")
    assert status == 400, body


def test_jti_single_use_survives_restart(ca_server, device, procs):
    _, csr = make_csr()
    tok = device.token()
    status, body = sign(ca_server, csr, tok)
    assert status == 201, body
    n = len(account_rows(ca_server))
    status, body = sign(ca_server, csr, tok)
    assert status == 401 and "already been used" in body["message"], body
    assert len(account_rows(ca_server)) == n

    ca_server.stop()
    srv = start_ca_server(procs, ca_server.dir, ca_server.port, name="deviceid-ca-2")
    status, body = sign(srv, csr, tok)
    assert status == 401 and "already been used" in body["message"], body
    assert len(account_rows(srv)) == n
    # A fresh token still works.
    status, body = sign(srv, csr, device.token())
    assert status == 201, body


BAD_TOKENS = {
    "wrong aud": (lambda d: d.token(aud=f"https://localhost:{d.srv.port}/1.0/sign#x5c/other"), "aud"),
    "wrong iss": (lambda d: d.token(iss="agents"), "iss"),
    "expired": (lambda d: d.token(iat=int(time.time()) - 900, nbf=int(time.time()) - 900,
                                  exp=int(time.time()) - 300), "expired"),
    "not yet valid": (lambda d: d.token(iat=int(time.time()) + 300, nbf=int(time.time()) + 300,
                                        exp=int(time.time()) + 600), "not valid yet"),
    "alg none": (lambda d: d.token(header={"alg": "none"}, sig=b""), "token"),
    "alg HS256": (lambda d: d.token(header={"alg": "HS256"}, sig=b"k" * 32), "alg"),
    "bad signature": (lambda d: d.token(key=ec.generate_private_key(ec.SECP256R1())), "signature"),
    "no jti": (lambda d: d.token(drop=("jti",)), "jti"),
    "garbage": (lambda d: "not-a-token", "token"),
}


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_bad_token_refused(ca_server, device, case):
    make, word = BAD_TOKENS[case]
    _, csr = make_csr()
    status, body = sign(ca_server, csr, make(device))
    assert status == 401, body
    assert body["status"] == 401 and word in body["message"], body
    assert account_rows(ca_server) == []


def test_leaf_from_another_ca_refused(ca_server, device):
    k = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rogue")])
    rogue = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(k.public_key())
             .serial_number(device.cert.serial_number)  # even the device certificate's serial
             .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
             .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
             .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
             .sign(k, hashes.SHA256()))
    _, csr = make_csr()
    status, body = sign(ca_server, csr, device.token(key=k, chain=(rogue,)))
    assert status == 401 and "roots" in body["message"], body
    assert account_rows(ca_server) == []


def test_leaf_without_device_link_refused(ca_server, device, tmp_path):
    _, csr = make_csr()
    # A web-server style leaf from the same Agent CA (the acme provisioner's).
    k = ec.generate_private_key(ec.SECP256R1())
    web = ca_issue(ca_server, tmp_path, k, cn="www.example.org", extra=("--dns", "www.example.org"))
    status, body = sign(ca_server, csr, device.token(key=k, chain=(web, device.agent_ca)))
    assert status == 401 and "not a device certificate" in body["message"], body
    # PermanentIdentifier but not linked to the inventory.
    k2 = ec.generate_private_key(ec.SECP256R1())
    unlinked = ca_issue(ca_server, tmp_path, k2, extra=("--ek-uri", device.ek_uri))
    status, body = sign(ca_server, csr, device.token(key=k2, chain=(unlinked, device.agent_ca)))
    assert status == 401 and "not linked to a device" in body["message"], body
    # A linked certificate from another intermediate (the Account CA).
    k3 = ec.generate_private_key(ec.SECP256R1())
    acct = ca_issue(ca_server, tmp_path, k3, ca="account", extra=("--ek-uri", device.ek_uri, "--link"))
    n = len(account_rows(ca_server))
    status, body = sign(ca_server, csr, device.token(key=k3, chain=(acct,)))
    assert status == 401 and "roots" in body["message"], body
    assert len(account_rows(ca_server)) == n


def test_disabled_device_refused(ca_server, device):
    _, csr = make_csr()
    ca_cli(ca_server.dir, "device", "disable", device.ek_uri)
    status, body = sign(ca_server, csr, device.token())
    assert status == 403 and "disabled" in body["message"], body
    assert account_rows(ca_server) == []
    # Enabled again, its device certificate stays revoked.
    ca_cli(ca_server.dir, "device", "enable", device.ek_uri)
    status, body = sign(ca_server, csr, device.token())
    assert status == 401 and "revoked" in body["message"], body
    assert account_rows(ca_server) == []


def test_cached_chain_still_meets_revocation(ca_server, device, tmp_path):
    """A device chain verified once is cached (x5c-cache.c), but what the
    store says is asked for every request: a revoked device certificate
    and a disabled device are refused right after a 201."""
    for _ in range(2):  # the second token finds the chain cached
        _, csr = make_csr()
        status, body = sign(ca_server, csr, device.token())
        assert status == 201, body
    serial = format(device.cert.serial_number, "x")
    ca_cli(ca_server.dir, "cert", "revoke", serial)
    _, csr = make_csr()
    status, body = sign(ca_server, csr, device.token())
    assert status == 401 and "revoked" in body["message"], body

    other = Device(ca_server, tmp_path)
    _, csr = make_csr()
    assert sign(ca_server, csr, other.token())[0] == 201
    ca_cli(ca_server.dir, "device", "disable", other.ek_uri)
    status, body = sign(ca_server, csr, other.token())
    assert status == 403 and "disabled" in body["message"], body


def test_malformed_requests(ca_server, device):
    status, _, body = ca_server.post("/1.0/sign", b"{}", headers={"Content-Type": "text/plain"})
    assert status == 415
    status, _, body = ca_server.post("/1.0/sign", b"{", headers={"Content-Type": "application/json"})
    assert status == 400 and json.loads(body)["status"] == 400
    status, _, body = ca_server.post("/1.0/sign", {"csr": "nope", "ott": device.token()})
    assert status == 400 and "csr" in json.loads(body)["message"]
    # Past the route's limit (room for a 256 KiB event log in base64: docs/posture.md).
    status, _, body = ca_server.post("/1.0/sign", b"x" * (400 * 1024),
                                     headers={"Content-Type": "application/json"})
    assert status == 413
    assert account_rows(ca_server) == []


def test_renew_over_mtls(ca_server, device, tmp_path):
    key, csr = make_csr()
    status, body = sign(ca_server, csr, device.token())
    assert status == 201, body
    old = x509.load_pem_x509_certificate(body["crt"].encode())
    cert_file, key_file = tmp_path / "acct.pem", tmp_path / "acct.key"
    cert_file.write_text(body["crt"] + body["ca"])
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    ctx = ca_server.ssl_context(cert=str(cert_file), key=str(key_file))
    status, _, raw = ca_server.post("/1.0/renew", b"", context=ctx)
    assert status == 201, raw
    new = x509.load_pem_x509_certificate(json.loads(raw)["crt"].encode())
    assert new.serial_number != old.serial_number
    assert new.public_key().public_numbers() == key.public_key().public_numbers()
    assert new.subject == old.subject
    assert new.extensions.get_extension_for_class(x509.SubjectAlternativeName).value == \
        old.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert not_after(new) <= not_after(device.cert)
    assert len(account_rows(ca_server)) == 2

    # Without a client certificate, or with the device certificate: refused.
    status, _, raw = ca_server.post("/1.0/renew", b"")
    assert status == 401, raw
    dev_file, dev_key = tmp_path / "dev.pem", tmp_path / "dev.key"
    dev_file.write_bytes(device.cert.public_bytes(serialization.Encoding.PEM) +
                         device.agent_ca.public_bytes(serialization.Encoding.PEM))
    dev_key.write_bytes(device.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    status, _, raw = ca_server.post("/1.0/renew", b"",
                                    context=ca_server.ssl_context(cert=str(dev_file), key=str(dev_key)))
    assert status == 401, raw
    # A disabled device's account certificate no longer renews.
    ca_cli(ca_server.dir, "device", "disable", device.ek_uri)
    status, _, raw = ca_server.post("/1.0/renew", b"", context=ctx)
    assert status == 403 and b"disabled" in raw, raw
    assert len(account_rows(ca_server)) == 2
