# SPDX-License-Identifier: Apache-2.0
"""The Attestation CA exchange (AK certificate by credential activation,
protocols.md 1) on loopback: a provisioned swtpm, a real deviceid-ca, and
two clients: `deviceidctl attest`, and tpm2-tools as an independent one.
What is issued is checked with `openssl verify` and python-cryptography;
a TPM that does not hold the registered EK must not get a certificate."""
import base64
import http.client
import json
import os
import re
import secrets
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ObjectIdentifier
from tpm2_pytss.tsskey import TSSPrivKey
from tpm2_pytss.types import TPM2B_PUBLIC

from fixtures.ca import ca_cli
from fixtures.procs import free_port, require_tool, run
from fixtures.swtpm import start_swtpm
from fixtures.tpm import getcap_fixed, write_activatecredential_input

TCG_KP_AIK = ObjectIdentifier("2.23.133.8.3")
TPM_MANUFACTURER = ObjectIdentifier("2.23.133.2.1")
TPM_MODEL = ObjectIdentifier("2.23.133.2.2")
TPM_VERSION = ObjectIdentifier("2.23.133.2.3")
PERMANENT_IDENTIFIER = ObjectIdentifier("1.3.6.1.5.5.7.8.3")
AK_ATTRS = "restricted|sign|fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda"


class Device:
    """The device under test: its TPM, its identity as deviceidctl reports
    it, and the CA it attests to."""

    def __init__(self, swtpm, deviceidctl, ca_server, tmp_path):
        self.tpm = swtpm
        self.ctl = deviceidctl
        self.ca = ca_server
        self.tmp = tmp_path
        self.env = swtpm.env()
        self.identity = json.loads(
            run([deviceidctl, "identity", "--json"], env=self.env).stdout)
        self.ek_uri = self.identity["ekUri"]
        self.ek_pem = tmp_path / "ek.pem"
        self.ek_pem.write_text(self.identity["ekPublicKey"])
        self.base_url = f"{ca_server.base_url}/attestation"

    def register(self):
        ca_cli(self.ca.dir, "device", "add", "--ek-pub", str(self.ek_pem), "--name", "test-device")

    def attest(self, *args, check=True):
        return run([self.ctl, "attest", "--ca-url", self.base_url, "--root", self.ca.root, *args],
                   env=self.env, check=check, timeout=120)


@pytest.fixture
def device(swtpm, deviceidctl, ca_server, tmp_path):
    return Device(swtpm, deviceidctl, ca_server, tmp_path)


def pem_blocks(text):
    return re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n?", text, re.S)


def check_ak_certificate(device, leaf, ak_public_pem):
    """The AK certificate profile of protocols.md 1, read independently."""
    assert len(leaf.subject) == 0, leaf.subject
    assert leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    eku = list(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert eku[0] == TCG_KP_AIK, eku
    san_ext = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert san_ext.critical  # the subject is empty (RFC 5280 4.2.1.6)
    san = san_ext.value
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == [device.ek_uri]
    other = [o for o in san.get_values_for_type(x509.OtherName) if o.type_id == PERMANENT_IDENTIFIER]
    assert len(other) == 1
    # SEQUENCE { identifierValue UTF8String, ... }: the UTF8String is first.
    body = other[0].value
    assert body[0] == 0x30 and body[2] == 0x0C, body.hex()
    assert body[4:4 + body[3]].decode() == device.ek_uri
    dirnames = san.get_values_for_type(x509.DirectoryName)
    assert len(dirnames) == 1
    attrs = {a.oid: a.value for a in dirnames[0]}
    props = getcap_fixed(device.env)
    assert attrs[TPM_MANUFACTURER] == "id:%08X" % props["TPM2_PT_MANUFACTURER"]
    assert attrs[TPM_MODEL] == device.identity["tpmInfo"]["model"]
    assert attrs[TPM_VERSION] == "id:%08X" % props["TPM2_PT_FIRMWARE_VERSION_1"]
    # It certifies the AK, and nothing else.
    cert_pub = leaf.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
    assert cert_pub == ak_public_pem


def verify_chain(ca_server, chain_pems, tmp_path):
    """openssl verify of leaf + intermediates against the CA root."""
    assert len(chain_pems) >= 2
    leaf = tmp_path / "ak-cert.pem"
    leaf.write_text(chain_pems[0])
    inter = tmp_path / "ak-chain.pem"
    inter.write_text("".join(chain_pems[1:]))
    cp = run(["openssl", "verify", "-CAfile", ca_server.root, "-untrusted", inter, leaf], check=False)
    assert cp.returncode == 0 and cp.stdout.strip().endswith(b"OK"), cp.stdout + cp.stderr
    att_ca = open(os.path.join(ca_server.dir, "attestation-ca.pem")).read()
    assert x509.load_pem_x509_certificate(chain_pems[1].encode()) == \
        x509.load_pem_x509_certificate(att_ca.encode())


@pytest.mark.parametrize("alg", ["ecc", "rsa"])
def test_deviceidctl_attest_gets_ak_certificate(device, alg, tmp_path):
    device.register()
    ak_file = tmp_path / "ak.pem"
    cp = device.attest("--ak-alg", alg, "--ak-key", str(ak_file))
    chain = pem_blocks(cp.stdout.decode())
    verify_chain(device.ca, chain, tmp_path)
    # The AK file is a TPM-wrapped blob, private to its owner.
    assert (os.stat(ak_file).st_mode & 0o077) == 0
    key_pem = ak_file.read_text()
    assert key_pem.startswith("-----BEGIN TSS2 PRIVATE KEY-----")
    assert "BEGIN PRIVATE KEY" not in key_pem and "BEGIN EC PRIVATE KEY" not in key_pem
    ak = TSSPrivKey.from_pem(key_pem.encode())
    leaf = x509.load_pem_x509_certificate(chain[0].encode())
    check_ak_certificate(device, leaf, ak.public.to_pem())
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature


def test_deviceidctl_attest_json(device):
    device.register()
    cp = device.attest("--json")
    out = json.loads(cp.stdout)
    assert out["ekUri"] == device.ek_uri
    text = out["chain"] if isinstance(out["chain"], str) else "".join(out["chain"])
    leaf = x509.load_pem_x509_certificate(pem_blocks(text)[0].encode())
    assert leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value \
        .get_values_for_type(x509.UniformResourceIdentifier) == [device.ek_uri]


def test_attest_refused_unless_registered_and_active(device):
    cp = device.attest(check=False)
    assert cp.returncode != 0
    assert b"BEGIN CERTIFICATE" not in cp.stdout
    assert b"not registered" in cp.stderr, cp.stderr
    device.register()
    ca_cli(device.ca.dir, "device", "disable", device.ek_uri)
    cp = device.attest(check=False)
    assert cp.returncode != 0
    assert b"BEGIN CERTIFICATE" not in cp.stdout
    assert b"disabled" in cp.stderr, cp.stderr


def test_attest_with_ca_down_is_a_clear_error(device):
    device.base_url = f"https://localhost:{free_port()}/attestation"
    cp = device.attest(check=False)
    assert cp.returncode != 0
    assert b"BEGIN CERTIFICATE" not in cp.stdout
    err = cp.stderr.decode()
    assert "Connection refused" in err or "connect" in err.lower(), err
    assert len(err.strip().splitlines()) <= 3, err


# ---- tpm2-tools as the client --------------------------------------------

def tools_ak(env, d):
    """An AK made and self-certified by tpm2-tools (no deviceid code);
    returns the /attest `params` and the AK public key PEM. Transient
    objects are flushed after each step: a raw swtpm has 3 slots."""
    def t(*argv):
        run(["tpm2_" + argv[0], *argv[1:]], env=env)
        run(["tpm2_flushcontext", "-t"], env=env)
    t("createprimary", "-C", "o", "-g", "sha256", "-G", "ecc", "-c", d / "srk.ctx", "-Q")
    t("create", "-C", d / "srk.ctx", "-G", "ecc256:ecdsa-sha256:null", "-g", "sha256", "-a", AK_ATTRS,
      "-u", d / "ak.pub", "-r", d / "ak.priv", "--creation-data", d / "cd.bin",
      "--creation-ticket", d / "ticket.bin", "--creation-hash", d / "hash.bin", "-Q")
    t("load", "-C", d / "srk.ctx", "-u", d / "ak.pub", "-r", d / "ak.priv", "-c", d / "ak.ctx", "-Q")
    t("certifycreation", "-C", d / "ak.ctx", "-c", d / "ak.ctx", "-d", d / "hash.bin",
      "-t", d / "ticket.bin", "-g", "sha256", "-o", d / "sig.bin", "--attestation", d / "att.bin")
    pub = (d / "ak.pub").read_bytes()       # TPM2B_PUBLIC
    cdata = (d / "cd.bin").read_bytes()     # TPM2B_CREATION_DATA
    b64 = lambda b: base64.b64encode(b).decode()
    params = {"public": b64(pub[2:]), "createData": b64(cdata[2:]),
              "createAttestation": b64((d / "att.bin").read_bytes()),
              "createSignature": b64((d / "sig.bin").read_bytes())}
    ak_pub, _ = TPM2B_PUBLIC.unmarshal(pub)
    return params, ak_pub.to_pem()


def tools_activate(env, d, credential, secret):
    """tpm2_activatecredential with the persistent RSA EK and its policy
    (PolicySecret on the endorsement hierarchy); None if the TPM refuses."""
    write_activatecredential_input(d / "cred.in", credential, secret)
    run(["tpm2_startauthsession", "--policy-session", "-S", d / "session.ctx"], env=env)
    try:
        run(["tpm2_policysecret", "-S", d / "session.ctx", "-c", "e"], env=env)
        cp = run(["tpm2_activatecredential", "-c", d / "ak.ctx", "-C", "0x81010001",
                  "-i", d / "cred.in", "-o", d / "secret.out", "-P", f"session:{d / 'session.ctx'}"],
                 env=env, check=False)
    finally:
        run(["tpm2_flushcontext", d / "session.ctx"], env=env, check=False)
        run(["tpm2_flushcontext", "-t"], env=env, check=False)
    return (d / "secret.out").read_bytes() if cp.returncode == 0 else None


def attest_request(device, params, env):
    props = getcap_fixed(env)
    words = b"".join(props[f"TPM2_PT_VENDOR_STRING_{i}"].to_bytes(4, "big") for i in range(1, 5))
    fw = props["TPM2_PT_FIRMWARE_VERSION_1"]
    ek_der = serialization.load_pem_public_key(device.ek_pem.read_bytes()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"tpmInfo": {"version": 2, "manufacturer": str(props["TPM2_PT_MANUFACTURER"]),
                        "model": words.replace(b"\0", b"").decode(),
                        "firmwareVersion": f"{fw >> 16}.{fw & 0xffff}"},
            "ek": base64.b64encode(ek_der).decode(), "ekCerts": [], "params": params}


def post(device, path, body, request_id):
    status, _, resp = device.ca.post(f"/attestation/{path}", body, headers={"X-Request-Id": request_id})
    return status, json.loads(resp)


def test_tpm2_tools_client_gets_ak_certificate(device, tmp_path):
    """An independent client (tpm2-tools for every TPM step, Python for
    the HTTP) completes the exchange; the request id is single use."""
    require_tool("tpm2_certifycreation")
    require_tool("tpm2_activatecredential")
    device.register()
    d = tmp_path / "tools"
    d.mkdir()
    params, ak_pub_pem = tools_ak(device.env, d)
    rid = str(uuid.uuid4())
    status, resp = post(device, "attest", attest_request(device, params, device.env), rid)
    assert 200 <= status < 300, resp
    recovered = tools_activate(device.env, d, base64.b64decode(resp["credential"]),
                               base64.b64decode(resp["secret"]))
    assert recovered is not None and len(recovered) == 32
    status, resp = post(device, "secret", {"secret": base64.b64encode(recovered).decode()}, rid)
    assert status == 201, resp
    chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in resp["chain"]]
    pems = [c.public_bytes(serialization.Encoding.PEM).decode() for c in chain]
    verify_chain(device.ca, pems, tmp_path)
    check_ak_certificate(device, chain[0], ak_pub_pem)
    # Single use: the same request id cannot fetch a second certificate.
    status, resp = post(device, "secret", {"secret": base64.b64encode(recovered).decode()}, rid)
    assert 400 <= status < 500 and "chain" not in resp, resp


def test_other_tpm_cannot_claim_a_registered_ek(device, swtpm_template, tmp_path):
    """A second TPM sends the registered device's EK with its own AK. The
    CA cannot tell at /attest, but the credential is sealed to that EK:
    the second TPM cannot activate it, and guessing the secret fails and
    burns the request id."""
    require_tool("tpm2_activatecredential")
    device.register()
    state = tmp_path / "other-tpm"
    state.mkdir()  # empty state: a TPM with its own endorsement seed
    other = start_swtpm(str(state), str(tmp_path / "other-swtpm.log"), swtpm_template[1])
    try:
        env = other.env()
        run(["tpm2_createek", "-c", "0x81010001", "-G", "rsa"], env=env)
        d = tmp_path / "tools"
        d.mkdir()
        params, _ = tools_ak(env, d)
        rid = str(uuid.uuid4())
        status, resp = post(device, "attest", attest_request(device, params, env), rid)
        assert 200 <= status < 300, resp
        assert tools_activate(env, d, base64.b64decode(resp["credential"]),
                              base64.b64decode(resp["secret"])) is None
        guess = base64.b64encode(secrets.token_bytes(32)).decode()
        status, resp = post(device, "secret", {"secret": guess}, rid)
        assert status == 403 and "chain" not in resp, resp
        status, resp = post(device, "secret", {"secret": guess}, rid)
        assert 400 <= status < 500 and "chain" not in resp, resp
    finally:
        other.stop()


@pytest.mark.parametrize("mutate,want", [
    (lambda r: r.pop("params"), 400),
    (lambda r: r["params"].update(public=r["params"]["public"][:-8]), 400),
    (lambda r: r["params"].update(createSignature=base64.b64encode(b"\0" * 72).decode()), 400),
    (lambda r: r["tpmInfo"].update(version=1), 400),
    (lambda r: r.update(ek="not base64!"), 400),
])
def test_attest_bad_requests(device, tmp_path, mutate, want):
    device.register()
    d = tmp_path / "tools"
    d.mkdir()
    params, _ = tools_ak(device.env, d)
    req = attest_request(device, params, device.env)
    mutate(req)
    status, resp = post(device, "attest", req, str(uuid.uuid4()))
    assert status == want, resp
    assert resp["status"] == want and resp["message"], resp
    # Without a request id: refused.
    status, _, _ = device.ca.post("/attestation/attest", attest_request(device, params, device.env))
    assert status == 400


def test_attest_content_type(device):
    """A declared non-JSON Content-Type is refused; none at all is let
    through to the body checks (step's client sends none)."""
    device.register()
    body = json.dumps({"secret": base64.b64encode(b"x" * 32).decode()}).encode()
    rid = str(uuid.uuid4())
    status, _, _ = device.ca.post("/attestation/secret", body,
                                  headers={"Content-Type": "text/plain", "X-Request-Id": rid})
    assert status == 415
    status, _, resp = device.ca.post("/attestation/secret", body, headers={"X-Request-Id": rid})
    assert status == 404 and b"no pending attestation" in resp, resp


def test_replayed_attest_cannot_lock_the_device_out(device, tmp_path):
    """Anyone who knows a device's public EK can replay its /attest body,
    and gets credentials only the device's TPM can activate. Replays from
    another address (127.0.0.2) before and while the device attests push
    out only their own pending entries: the device still gets its
    certificate."""
    require_tool("tpm2_activatecredential")
    device.register()
    d = tmp_path / "tools"
    d.mkdir()
    params, _ = tools_ak(device.env, d)
    body = json.dumps(attest_request(device, params, device.env)).encode()
    replayer = http.client.HTTPSConnection(device.ca.host, device.ca.port, context=device.ca.ssl_context(),
                                           timeout=30, source_address=("127.0.0.2", 0))

    def replay(n):
        for _ in range(n):
            replayer.request("POST", "/attestation/attest", body=body,
                             headers={"Content-Type": "application/json", "X-Request-Id": str(uuid.uuid4())})
            resp = replayer.getresponse()
            resp.read()
            assert resp.status in (201, 429), resp.status

    try:
        replay(20)
        rid = str(uuid.uuid4())
        status, resp = post(device, "attest", json.loads(body), rid)
        assert status == 201, resp
        replay(20)
        recovered = tools_activate(device.env, d, base64.b64decode(resp["credential"]),
                                   base64.b64decode(resp["secret"]))
        assert recovered is not None
        status, resp = post(device, "secret", {"secret": base64.b64encode(recovered).decode()}, rid)
        assert status == 201 and resp["chain"], resp
    finally:
        replayer.close()
