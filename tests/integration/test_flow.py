# SPDX-License-Identifier: Apache-2.0
"""The CA side of the whole flow of design.md, steps 1 to 4 and 7, with
one TPM and every key in it: the device is registered by its EK; it gets
an AK certificate by credential activation; a device certificate by ACME
device-attest-01 for a TPM key; an account certificate from /1.0/sign with
an X5C token that the TPM key signed. Then the device is disabled: every
certificate it holds is revoked and the Account CA refuses it."""
import base64
import hashlib
import json
import os
import secrets
import sqlite3
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import NameOID

from fixtures.acme import b64u
from fixtures.agent import Agent
from fixtures.ca import ca_cli
from fixtures.procs import run


def x5c_token(agent, keydir, chain_der, port, sub):
    """A one-time token (protocols.md 3) signed by the device key in the TPM."""
    now = int(time.time())
    header = {"alg": "ES256", "typ": "JWT", "kid": "device",
              "x5c": [base64.b64encode(c).decode() for c in chain_der]}
    claims = {"iss": "devices", "aud": f"https://localhost:{port}/1.0/sign#x5c/devices",
              "sub": sub, "sans": [f"{sub}.example.org"], "iat": now, "nbf": now, "exp": now + 300,
              "jti": secrets.token_hex(32)}
    signing_input = b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode())
    der = agent.sign_digest(keydir, hashlib.sha256(signing_input.encode()).digest())
    r, s = utils.decode_dss_signature(der)
    return signing_input + "." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def sign_request(ca, token, account_key):
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ignored")]))
           .sign(account_key, hashes.SHA256()))
    status, _, body = ca.post("/1.0/sign", {"csr": csr.public_bytes(serialization.Encoding.PEM).decode(),
                                            "ott": token})
    return status, json.loads(body)


def openssl_verify(ca, pems, tmp_path, purpose, root=None):
    (tmp_path / "leaf.pem").write_text(pems[0])
    (tmp_path / "inter.pem").write_text("".join(pems[1:]))
    cp = run(["openssl", "verify", "-CAfile", root or ca.root, "-untrusted", tmp_path / "inter.pem",
              "-purpose", purpose, tmp_path / "leaf.pem"], check=False)
    assert cp.returncode == 0 and cp.stdout.strip().endswith(b"OK"), cp.stdout + cp.stderr


def test_register_attest_enroll_sign_then_disable(swtpm, deviceidctl, tpm_cli, ca_server, tmp_path):
    agent = Agent(swtpm, deviceidctl, tpm_cli, ca_server, tmp_path)   # registered, AK certificate
    key, device_chain = agent.device_certificate("ecc")
    openssl_verify(ca_server, device_chain, tmp_path, "sslclient")
    device_cert = x509.load_pem_x509_certificate(device_chain[0].encode())
    chain_der = [x509.load_pem_x509_certificate(p.encode()).public_bytes(serialization.Encoding.DER)
                 for p in device_chain]

    account_key = ec.generate_private_key(ec.SECP256R1())
    status, resp = sign_request(ca_server, x5c_token(agent, key, chain_der, ca_server.port, "wifi"),
                                account_key)
    assert status == 201, resp
    account_chain = [resp["crt"]] + [p for p in resp["certChain"][1:]]
    openssl_verify(ca_server, account_chain, tmp_path, "sslclient",
                   root=os.path.join(ca_server.dir, "account-root.pem"))
    account = x509.load_pem_x509_certificate(resp["crt"].encode())
    assert account.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "wifi"
    assert account.public_key().public_numbers() == account_key.public_key().public_numbers()
    assert account.not_valid_after <= device_cert.not_valid_after
    assert (account.not_valid_after - account.not_valid_before).total_seconds() <= 24 * 3600 + 120

    # Disabling the device revokes its AK, device and account certificates,
    # and a fresh token signed by the same TPM key is refused.
    ca_cli(ca_server.dir, "device", "disable", agent.ek_uri)
    with sqlite3.connect(os.path.join(ca_server.dir, "ca.db")) as db:
        rows = db.execute("SELECT ca, revoked FROM certificates WHERE device_id > 0").fetchall()
    assert sorted(ca for ca, _ in rows) == ["account", "agent", "attestation"], rows
    assert all(revoked for _, revoked in rows), rows
    status, resp = sign_request(ca_server, x5c_token(agent, key, chain_der, ca_server.port, "vpn"),
                                ec.generate_private_key(ec.SECP256R1()))
    assert status == 403, resp
    assert "disabled" in resp["message"]
