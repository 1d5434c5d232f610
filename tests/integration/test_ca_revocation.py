# SPDX-License-Identifier: Apache-2.0
"""deviceid-ca's CRLs and OCSP responder (docs/revocation.md) on a real
server: every certificate names them, `openssl crl -verify` and `openssl
ocsp` accept what is served, every revocation path (device disable and
remove, `cert revoke`) reaches both within seconds with a CRL number that
grows, and bad OCSP and CRL requests get an OCSP error status or an HTTP
4xx while the server keeps serving."""
import base64
import os
import re
import subprocess
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from fixtures.acme import acme_ca, http01  # noqa: F401 (fixtures)
from fixtures.acme import AcmeClient, b64u
from fixtures.ca import ca_cli, ca_init, start_ca_server
from fixtures.pki import MiniCA
from fixtures.procs import free_port, require_tool, run
from fixtures.revocation import crl_der, crl_number, crl_pem, crl_text, http, ocsp_run, ocsp_status, wait_for
from test_ca_sign import Device, make_csr, sign

CAS = ("attestation", "agent", "account")


def write_pem(path, cert):
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(path)


def account_cert(srv, device, tmp_path, name="acct"):
    """An account certificate from POST /1.0/sign (the served path)."""
    _, csr = make_csr()
    status, body = sign(srv, csr, device.token())
    assert status == 201, body
    cert = x509.load_pem_x509_certificate(body["crt"].encode())
    return cert, write_pem(tmp_path / f"{name}.pem", cert)


def ocsp_request(issuer_pem, serial, algorithm=hashes.SHA1(), nonce=None):
    """DER OCSP request for a serial of the CA in issuer_pem (a fake leaf
    carries the serial: the builder wants a certificate)."""
    issuer = x509.load_pem_x509_certificate(open(issuer_pem, "rb").read())
    key = ec.generate_private_key(ec.SECP256R1())
    now = issuer.not_valid_before_utc if hasattr(issuer, "not_valid_before_utc") else issuer.not_valid_before
    fake = (x509.CertificateBuilder().subject_name(issuer.subject).issuer_name(issuer.subject)
            .public_key(key.public_key()).serial_number(serial).not_valid_before(now)
            .not_valid_after(now + (issuer.not_valid_after - issuer.not_valid_before
                                    if not hasattr(issuer, "not_valid_after_utc")
                                    else issuer.not_valid_after_utc - issuer.not_valid_before_utc))
            .sign(key, hashes.SHA256()))
    b = ocsp.OCSPRequestBuilder().add_certificate(fake, issuer, algorithm)
    if nonce:
        b = b.add_extension(x509.OCSPNonce(nonce), critical=False)
    return b.build().public_bytes(serialization.Encoding.DER)


def post_ocsp(srv, der, content_type="application/ocsp-request"):
    status, headers, body = http(srv, "POST", "/ocsp", der, {"Content-Type": content_type})
    return status, headers, body


def test_every_ca_serves_a_crl_that_openssl_verifies(ca_server, tmp_path):
    for ca in CAS:
        path = crl_pem(ca_server, ca, tmp_path / f"{ca}.crl")
        cp = run([require_tool("openssl"), "crl", "-in", path, "-noout", "-verify",
                  "-CAfile", os.path.join(ca_server.dir, f"{ca}-ca.pem")])
        assert b"verify OK" in cp.stdout + cp.stderr, cp
        assert f"CN = deviceid {ca.capitalize()} CA" in crl_text(ca_server, ca)
    root = crl_pem(ca_server, "root", tmp_path / "root.crl")
    cp = run([require_tool("openssl"), "crl", "-in", root, "-noout", "-verify", "-CAfile", ca_server.root])
    assert b"verify OK" in cp.stdout + cp.stderr
    # The Account CA's own root has its CRL too.
    aroot = crl_pem(ca_server, "account-root", tmp_path / "account-root.crl")
    cp = run([require_tool("openssl"), "crl", "-in", aroot, "-noout", "-verify", "-CAfile",
              os.path.join(ca_server.dir, "account-root.pem")])
    assert b"verify OK" in cp.stdout + cp.stderr
    # Unknown CAs and other paths: 404; the HTTPS listener serves none of it.
    for path in ("/crl/nope.crl", "/crl/", "/crl/../ca.db", "/crl/account.crl/x", "/", "/health"):
        status, _, _ = http(ca_server, "GET", path)
        assert status == 404, path
    status, _, _ = ca_server.get("/crl/account.crl")
    assert status == 404
    assert ca_server.healthy()


def test_certificates_name_the_crl_and_ocsp_and_disable_reaches_both(ca_server, tmp_path):
    device = Device(ca_server, tmp_path)
    cert, path = account_cert(ca_server, device, tmp_path)
    base = f"http://localhost:{ca_server.http_port}"
    cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [n.value for n in cdp[0].full_name] == [f"{base}/crl/account.crl"]
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [(d.access_method, d.access_location.value) for d in aia] == \
        [(AuthorityInformationAccessOID.OCSP, f"{base}/ocsp")]
    dcdp = device.cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [n.value for n in dcdp[0].full_name] == [f"{base}/crl/agent.crl"]

    assert ocsp_status(ca_server, path, "account") == "good"
    # The answer is cached; asking again gives the same (good) answer.
    assert ocsp_status(ca_server, path, "account", "-no_nonce") == "good"
    n_account, n_agent = crl_number(ca_server, "account"), crl_number(ca_server, "agent")
    serial = format(cert.serial_number, "X")
    assert serial not in crl_text(ca_server, "account")

    ca_cli(ca_server.dir, "device", "disable", device.ek_uri)
    took = wait_for(lambda: ocsp_status(ca_server, path, "account", "-no_nonce") == "revoked")
    print(f"\nOCSP answered revoked {took:.2f} s after `device disable`")
    took = wait_for(lambda: serial in crl_text(ca_server, "account"))
    print(f"the account CRL listed it {took:.2f} s later")
    text = crl_text(ca_server, "account")
    entry = text[text.index(serial):]
    assert "Cessation Of Operation" in entry[:400], entry[:400]
    assert crl_number(ca_server, "account") > n_account
    # The device certificate (Agent CA) went with it.
    dserial = format(device.cert.serial_number, "X")
    wait_for(lambda: dserial in crl_text(ca_server, "agent"))
    assert crl_number(ca_server, "agent") > n_agent
    out = ocsp_run(ca_server, "account", "-cert", path, "-resp_text").stdout
    assert "Reason: cessationOfOperation" in out, out


def test_device_remove_revokes(ca_server, tmp_path):
    device = Device(ca_server, tmp_path)
    _, path = account_cert(ca_server, device, tmp_path)
    assert ocsp_status(ca_server, path, "account") == "good"
    ca_cli(ca_server.dir, "device", "remove", device.ek_uri)
    wait_for(lambda: ocsp_status(ca_server, path, "account") == "revoked")


def test_ocsp_answers_as_rfc_6960_says(ca_server, tmp_path):
    device = Device(ca_server, tmp_path)
    cert, path = account_cert(ca_server, device, tmp_path)
    dpath = write_pem(tmp_path / "device.pem", device.cert)
    # Nonce echoed (openssl ocsp sends one by default and checks it).
    cp = ocsp_run(ca_server, "account", "-cert", path, "-resp_text")
    assert "WARNING: no nonce" not in cp.stdout + cp.stderr and "OCSP Nonce" in cp.stdout, cp.stdout
    assert "Response verify OK" in cp.stderr + cp.stdout
    # The delegated responder: OCSP Signing, no check, issued by the Account CA.
    assert "OCSP Signing" in cp.stdout and "OCSP No Check" in cp.stdout, cp.stdout
    assert "Responder Id: CN = deviceid account CA OCSP responder" in cp.stdout
    # SHA-256 CertIDs.
    assert ocsp_status(ca_server, path, "account", "-sha256") == "good"
    # Unknown serials and a certificate of another CA asked as this CA's.
    cp = ocsp_run(ca_server, "account", "-serial", "0x123456789", "-resp_text")
    assert "0x123456789: unknown" in cp.stdout, cp.stdout
    dserial = f"0x{device.cert.serial_number:x}"
    cp = ocsp_run(ca_server, "account", "-serial", dserial)
    assert f"{dserial}: unknown" in cp.stdout, cp.stdout
    # A CertID whose name and key hashes are of two different CAs: no
    # responder may answer it.
    cp = ocsp_run(ca_server, "account", "-cert", dpath)
    assert "unauthorized" in cp.stdout + cp.stderr, cp
    assert ocsp_status(ca_server, dpath, "agent") == "good"
    # Several certificates at once: each answered.
    cp = ocsp_run(ca_server, "account", "-cert", path, "-serial", "0x42")
    assert f"{path}: good" in cp.stdout and "0x42: unknown" in cp.stdout, cp.stdout
    # GET (RFC 6960 appendix A.1), percent-encoded or not.
    der = ocsp_request(os.path.join(ca_server.dir, "account-ca.pem"), cert.serial_number)
    b64 = base64.b64encode(der).decode()
    for form in (b64, b64.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")):
        status, headers, body = http(ca_server, "GET", f"/ocsp/{form}")
        assert status == 200 and headers["Content-Type"] == "application/ocsp-response"
        resp = ocsp.load_der_ocsp_response(body)
        assert resp.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
        assert resp.certificate_status == ocsp.OCSPCertStatus.GOOD
        assert resp.serial_number == cert.serial_number
    # A nonce given by us comes back as it was.
    status, _, body = post_ocsp(ca_server, ocsp_request(os.path.join(ca_server.dir, "account-ca.pem"),
                                                        cert.serial_number, hashes.SHA256(), b"0123456789abcdef"))
    resp = ocsp.load_der_ocsp_response(body)
    assert resp.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"0123456789abcdef"
    assert resp.hash_algorithm.name == "sha256"


@pytest.mark.parametrize("case", ["garbage", "truncated", "trailing", "empty", "long-nonce", "nine"])
def test_malformed_ocsp_requests_get_malformed_request(ca_server, case):
    issuer = os.path.join(ca_server.dir, "account-ca.pem")
    good = ocsp_request(issuer, 5)
    body = {
        "garbage": b"\x30\x82\xff\xff" + b"A" * 64,
        "truncated": good[:-3],
        "trailing": good + b"\x00",
        "empty": b"",
        "long-nonce": ocsp_request(issuer, 5, nonce=b"n" * 40),
    }.get(case)
    if case == "nine":
        cp = ocsp_run(ca_server, "account", *[a for s in range(9) for a in ("-serial", str(s + 1))])
        assert "malformedrequest" in (cp.stdout + cp.stderr).lower(), cp
    else:
        status, _, resp = post_ocsp(ca_server, body)
        assert status == 200, status
        assert ocsp.load_der_ocsp_response(resp).response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    assert ca_server.healthy()


def test_bad_ocsp_and_crl_requests_get_4xx_or_an_ocsp_error(ca_server, tmp_path):
    issuer = os.path.join(ca_server.dir, "account-ca.pem")
    # Unknown issuer (a CA of its own): unauthorized.
    foreign = MiniCA(tmp_path / "pki", "Foreign Root").issue_ca("Foreign CA")
    status, _, body = post_ocsp(ca_server, ocsp_request(foreign.cert_path, 7))
    assert ocsp.load_der_ocsp_response(body).response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED
    # Two certificates of two CAs in one request: one responder cannot sign for both.
    cp = subprocess.run([require_tool("openssl"), "ocsp", "-issuer", issuer, "-serial", "1",
                         "-issuer", os.path.join(ca_server.dir, "agent-ca.pem"), "-serial", "2",
                         "-url", f"{ca_server.http_url}/ocsp", "-CAfile", ca_server.root],
                        capture_output=True, text=True, timeout=60)
    assert "unauthorized" in (cp.stdout + cp.stderr).lower(), cp
    # Oversized bodies: 413 before the parser; an oversized GET: 414.
    status, _, _ = post_ocsp(ca_server, b"\x30" * 8192)
    assert status == 413
    status, _, _ = http(ca_server, "GET", "/ocsp/" + "A" * 20000)
    assert status in (414, 431), status
    status, _, body = http(ca_server, "GET", "/ocsp/not*base64")
    assert ocsp.load_der_ocsp_response(body).response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    status, _, _ = post_ocsp(ca_server, ocsp_request(issuer, 5), content_type="text/plain")
    assert status == 415
    status, headers, _ = http(ca_server, "PUT", "/ocsp", b"x")
    assert status == 405 and "POST" in headers["Allow"]
    status, _, _ = http(ca_server, "POST", "/crl/account.crl", b"")
    assert status == 405
    assert ca_server.healthy()
    assert ocsp_run(ca_server, "account", "-serial", "1").returncode == 0


def test_cert_list_and_revoke(ca_server, tmp_path):
    device = Device(ca_server, tmp_path)
    cert, path = account_cert(ca_server, device, tmp_path)
    serial = format(cert.serial_number, "x")
    out = ca_cli(ca_server.dir, "cert", "list").stdout.decode()
    assert serial in out and "alice" in out
    dev_id = re.search(r"^" + serial + r"\s+account\s+(\d+)", out, re.M).group(1)
    out = ca_cli(ca_server.dir, "cert", "list", "--device", dev_id, "--ca", "account").stdout.decode()
    assert serial in out and format(device.cert.serial_number, "x") not in out
    out = ca_cli(ca_server.dir, "cert", "list", "--name", "alice", "--json").stdout.decode()
    assert f'"serial":"{serial}"' in out
    assert ca_cli(ca_server.dir, "cert", "list", "--name", "nobody").stdout.decode().count("\n") == 1

    cp = ca_cli(ca_server.dir, "cert", "revoke", serial, "--reason", "sometimes", check=False)
    assert cp.returncode == 2 and b"Unknown revocation reason" in cp.stderr
    cp = ca_cli(ca_server.dir, "cert", "revoke", "abcdef0123", check=False)
    assert cp.returncode == 1 and b"No certificate" in cp.stderr
    ca_cli(ca_server.dir, "cert", "revoke", serial.upper(), "--reason", "keyCompromise")
    took = wait_for(lambda: ocsp_status(ca_server, path, "account") == "revoked")
    print(f"\nOCSP answered revoked {took:.2f} s after `cert revoke`")
    out = ocsp_run(ca_server, "account", "-cert", path, "-resp_text").stdout
    assert "Reason: keyCompromise" in out
    wait_for(lambda: format(cert.serial_number, "X") in crl_text(ca_server, "account"))
    assert "Key Compromise" in crl_text(ca_server, "account")
    cp = ca_cli(ca_server.dir, "cert", "revoke", serial)
    assert b"already revoked" in cp.stderr
    out = ca_cli(ca_server.dir, "cert", "list", "--all").stdout.decode()
    assert re.search(serial + r".*revoked:keyCompromise", out)
    assert serial not in ca_cli(ca_server.dir, "cert", "list").stdout.decode()


def test_crls_are_resigned_before_next_update_and_responders_renewed(tmp_path, procs):
    d = str(tmp_path / "ca")
    ca_init(d, free_port())
    with open(os.path.join(d, "ca.conf")) as f:
        conf = f.read()
    conf = re.sub(r"^# crl_resign = .*$", "crl_resign = 2s", conf, flags=re.M)
    conf = re.sub(r"^# crl_validity = .*$", "crl_validity = 10s", conf, flags=re.M)
    conf = conf.replace("[revocation]\n", "[revocation]\nresponder_lifetime = 4s\n")
    with open(os.path.join(d, "ca.conf"), "w") as f:
        f.write(conf)
    srv = start_ca_server(procs, d)
    first = crl_number(srv, "account")
    wait_for(lambda: crl_number(srv, "account") >= first + 2, timeout=20)
    der = crl_der(srv, "account")
    crl = x509.load_der_x509_crl(der)
    upd = crl.last_update_utc if hasattr(crl, "last_update_utc") else crl.last_update
    nxt = crl.next_update_utc if hasattr(crl, "next_update_utc") else crl.next_update
    assert 5 <= (nxt - upd).total_seconds() <= 75

    def responder_serial():
        cp = ocsp_run(srv, "account", "-serial", "1", "-resp_text")
        cert = cp.stdout[cp.stdout.index("Certificate:"):]
        return re.search(r"Serial Number:\s*\n?\s*([0-9a-f:]+)", cert).group(1)
    s1 = responder_serial()
    wait_for(lambda: responder_serial() != s1, timeout=20)
    # Numbers survive a restart: they only grow.
    before = crl_number(srv, "account")
    srv.stop()
    srv = start_ca_server(procs, d)
    assert crl_number(srv, "account") > before


@pytest.mark.parametrize("action,problem", [("disable", "urn:deviceid:error:deviceDisabled"),
                                            ("remove", "urn:deviceid:error:deviceRemoved")])
def test_sign_says_the_device_was_taken_away(ca_server, tmp_path, action, problem):
    """A distinct problem type, not a bare 403, so that the agent withdraws
    what it holds instead of retrying (docs/revocation.md)."""
    device = Device(ca_server, tmp_path)
    account_cert(ca_server, device, tmp_path)
    ca_cli(ca_server.dir, "device", action, device.ek_uri)
    _, csr = make_csr()
    status, body = sign(ca_server, csr, device.token())
    assert status == 403 and body["type"] == problem, body
    # Other refusals keep the plain shape: no type.
    status, body = sign(ca_server, csr, "not.a.token")
    assert status in (400, 401) and "type" not in body, body


def test_acme_revokecert_reaches_ocsp_and_the_crl(acme_ca, http01, tmp_path):  # noqa: F811
    srv = acme_ca.server
    c = AcmeClient(acme_ca)
    c.new_account()
    _, chain, _ = c.obtain_http01(http01, [("dns", "localhost")])
    leaf = x509.load_pem_x509_certificate(chain.encode())
    path = write_pem(tmp_path / "acme.pem", leaf)
    cdp = leaf.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [n.value for n in cdp[0].full_name] == [f"http://localhost:{srv.http_port}/crl/agent.crl"]
    assert ocsp_status(srv, path, "agent") == "good"
    r = c.post(c.directory["revokeCert"], {"certificate": b64u(leaf.public_bytes(serialization.Encoding.DER)),
                                           "reason": 4})
    assert r.status == 200, r
    took = wait_for(lambda: ocsp_status(srv, path, "agent") == "revoked")
    print(f"\nOCSP answered revoked {took:.2f} s after ACME revokeCert")
    wait_for(lambda: format(leaf.serial_number, "X") in crl_text(srv, "agent"))
    assert "Superseded" in crl_text(srv, "agent")
