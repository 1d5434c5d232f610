# SPDX-License-Identifier: Apache-2.0
"""deviceid-ca init: the CA directory it creates, checked with openssl."""
import os
import stat
import subprocess

import pytest

from fixtures.ca import ca_binary, ca_init
from fixtures.procs import free_port, require_tool, run

KEYS = ["root.key", "account-root.key", "attestation-ca.key", "agent-ca.key", "account-ca.key", "tls.key",
        "admin.key"]
CERTS = ["root.pem", "attestation-ca.pem", "agent-ca.pem", "tls.pem", "admin.pem"]


def openssl(*args, check=True):
    return run([require_tool("openssl"), *args], check=check)


def cert_text(path):
    return openssl("x509", "-in", path, "-noout", "-text").stdout.decode()


def test_init_creates_directory(tmp_path):
    d = str(tmp_path / "ca")
    ca_init(d, free_port())
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
    for name in KEYS:
        mode = stat.S_IMODE(os.stat(os.path.join(d, name)).st_mode)
        assert mode == 0o600, f"{name} has mode {oct(mode)}"
    for name in CERTS + ["account-root.pem", "account-ca.pem", "ca.conf", "ca.db"]:
        assert os.path.isfile(os.path.join(d, name)), name
    root = os.path.join(d, "root.pem")
    for name in CERTS[1:]:
        out = openssl("verify", "-CAfile", root, os.path.join(d, name)).stdout.decode()
        assert out.strip().endswith("OK"), out
    # The Account CA chains to its own root, and only to it.
    account_root = os.path.join(d, "account-root.pem")
    out = openssl("verify", "-CAfile", account_root, os.path.join(d, "account-ca.pem")).stdout.decode()
    assert out.strip().endswith("OK"), out
    assert openssl("verify", "-CAfile", root, os.path.join(d, "account-ca.pem"), check=False).returncode != 0
    assert "CA:TRUE" in cert_text(account_root) and "deviceid Account Root CA" in cert_text(account_root)
    # Each key matches its certificate.
    for stem in ["root", "account-root", "attestation-ca", "agent-ca", "account-ca", "tls", "admin"]:
        k = openssl("pkey", "-in", os.path.join(d, stem + ".key"), "-pubout").stdout
        c = openssl("x509", "-in", os.path.join(d, stem + ".pem"), "-noout", "-pubkey").stdout
        assert k == c, stem
    text = cert_text(root)
    assert "CA:TRUE" in text and "prime256v1" in text
    assert "Certificate Sign" in cert_text(os.path.join(d, "agent-ca.pem"))
    tls = cert_text(os.path.join(d, "tls.pem"))
    assert "DNS:localhost" in tls and "IP Address:127.0.0.1" in tls
    assert "TLS Web Server Authentication" in tls
    admin = cert_text(os.path.join(d, "admin.pem"))
    assert "URI:urn:deviceid-ca:admin" in admin and "TLS Web Client Authentication" in admin
    # The purposes openssl checks for TLS.
    openssl("verify", "-CAfile", root, "-purpose", "sslserver", os.path.join(d, "tls.pem"))
    openssl("verify", "-CAfile", root, "-purpose", "sslclient", os.path.join(d, "admin.pem"))
    conf = open(os.path.join(d, "ca.conf")).read()
    assert '[provisioner "acme"]' in conf and "http-01, dns-01, tls-alpn-01" in conf
    assert '[provisioner "agents"]' in conf and "device-attest-01" in conf
    assert '[provisioner "devices"]\ntype = x5c\n' in conf


@pytest.mark.parametrize("key_type,marker", [("ec384", "secp384r1"), ("rsa2048", "2048 bit")])
def test_init_key_types(tmp_path, key_type, marker):
    d = str(tmp_path / "ca")
    ca_init(d, free_port(), extra=["--key-type", key_type])
    assert marker in cert_text(os.path.join(d, "root.pem"))
    openssl("verify", "-CAfile", os.path.join(d, "root.pem"), os.path.join(d, "tls.pem"))


def test_init_refuses_non_empty_dir_without_force(tmp_path):
    d = str(tmp_path / "ca")
    ca_init(d, free_port())
    before = open(os.path.join(d, "root.pem")).read()
    cp = run([ca_binary(), "init", "--dir", d, "--dns-name", "localhost"], check=False)
    assert cp.returncode != 0
    assert b"not empty" in cp.stderr
    assert open(os.path.join(d, "root.pem")).read() == before
    run([ca_binary(), "init", "--dir", d, "--dns-name", "localhost", "--force"])
    assert open(os.path.join(d, "root.pem")).read() != before
    openssl("verify", "-CAfile", os.path.join(d, "root.pem"), os.path.join(d, "agent-ca.pem"))


@pytest.mark.parametrize("args,message", [
    (["--dns-name", "bad..name"], b"invalid DNS name"),
    (["--dns-name", "ok", "--listen", "nope"], b"listen"),
    (["--dns-name", "ok", "--key-type", "dsa"], b"key-type"),
    ([], b"dns-name"),
])
def test_init_bad_arguments_create_nothing(tmp_path, args, message):
    d = str(tmp_path / "ca")
    cp = run([ca_binary(), "init", "--dir", d, *args], check=False)
    assert cp.returncode != 0
    assert message in cp.stderr, cp.stderr
    assert not os.path.exists(d)
