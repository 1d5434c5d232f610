# SPDX-License-Identifier: Apache-2.0
"""ACME device-attest-01 (format tpm, protocols.md 2) end to end on
loopback: a provisioned swtpm, a real deviceid-ca, an AK certificate from
its Attestation CA (`deviceidctl attest`), a device key created and
TPM2_Certify'd in the TPM (tests/tools/tpm-cli), the attObj built with cbor2 (an
independent CBOR encoder), and the Python ACME client on provisioner
`agents`. The issued certificate is checked with `openssl verify` and
python-cryptography; every refusal is checked for its problem type and
for not issuing anything."""
import datetime
import hashlib
import os
import sqlite3

import cbor2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from fixtures.acme import AcmeClient, b64u
from fixtures.agent import Agent, pem_blocks, permanent_id_der
from fixtures.ca import ca_cli
from fixtures.procs import require_tool, run

ERR = "urn:ietf:params:acme:error:"
PERMANENT_IDENTIFIER = ObjectIdentifier("1.3.6.1.5.5.7.8.3")
TCG_KP_AIK = ObjectIdentifier("2.23.133.8.3")
OTHER_EK_URI = "urn:ek:sha256:" + "A" * 43 + "="


@pytest.fixture
def agent(swtpm, deviceidctl, tpm_cli, ca_server, tmp_path):
    return Agent(swtpm, deviceidctl, tpm_cli, ca_server, tmp_path)


def issued_count(ca):
    with sqlite3.connect(os.path.join(ca.dir, "ca.db")) as db:
        return db.execute("SELECT COUNT(*) FROM certificates WHERE ca = 'agent'").fetchone()[0]


def assert_refused(agent, r, chall, order, problem):
    assert r.status == 200, r
    ch = r.json()
    assert ch["status"] == "invalid", ch
    assert ch["error"]["type"] == ERR + problem, ch
    assert agent.acme.get(order["url"]).json()["status"] == "invalid"
    assert issued_count(agent.ca) == 0
    return ch["error"]["detail"]


def assert_malformed(agent, r, chall, order, problem="badAttestationStatement"):
    """A 400 problem document, and the challenge and order as they were."""
    assert r.status == 400, r
    assert r.headers["Content-Type"].startswith("application/problem+json"), r
    assert r.problem_type == ERR + problem, r
    assert agent.acme.get(chall["url"]).json()["status"] == "pending"
    assert agent.acme.get(order["url"]).json()["status"] == "pending"
    assert issued_count(agent.ca) == 0
    return r.json()["detail"]


def device_profile(agent, leaf, key_pem):
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    other = [o for o in san.get_values_for_type(x509.OtherName) if o.type_id == PERMANENT_IDENTIFIER]
    assert [o.value for o in other] == [permanent_id_der(agent.ek_uri)]
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == [agent.ek_uri]
    assert not san.get_values_for_type(x509.DNSName)
    eku = list(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert eku == [ExtendedKeyUsageOID.CLIENT_AUTH]
    ku = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature
    assert leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert leaf.public_key().public_bytes(serialization.Encoding.PEM,
                                          serialization.PublicFormat.SubjectPublicKeyInfo) == key_pem
    return ku


@pytest.mark.parametrize("ak_alg,key_alg", [("ecc", "ecc"), ("rsa", "rsa")])
def test_device_attest_issues_device_certificate(swtpm, deviceidctl, tpm_cli, ca_server, tmp_path,
                                                 ak_alg, key_alg):
    agent = Agent(swtpm, deviceidctl, tpm_cli, ca_server, tmp_path, ak_alg=ak_alg)
    order, chall = agent.order()
    assert len(chall["token"]) >= 22
    key = agent.new_key(key_alg)
    r = agent.attest(chall, key)
    assert r.status == 200 and r.json()["status"] == "valid", r
    order = agent.acme.get(order["url"]).json() | {"url": order["url"]}
    assert order["status"] == "ready"

    r = agent.acme.finalize(order, agent.csr(key, cn=agent.ek_uri))
    assert r.status == 200 and r.json()["status"] == "valid", r
    r = agent.acme.post(r.json()["certificate"], None)
    assert r.status == 200
    chain = pem_blocks(r.body.decode())
    (tmp_path / "chain.pem").write_text("".join(chain[1:]))
    (tmp_path / "leaf.pem").write_text(chain[0])
    cp = run([require_tool("openssl"), "verify", "-CAfile", ca_server.root, "-untrusted",
              str(tmp_path / "chain.pem"), "-purpose", "sslclient", str(tmp_path / "leaf.pem")], check=False)
    assert cp.returncode == 0 and cp.stdout.strip().endswith(b"OK"), cp.stdout + cp.stderr
    leaf = x509.load_pem_x509_certificate(chain[0].encode())
    ku = device_profile(agent, leaf, (key / "key-pub.pem").read_bytes())
    assert ku.key_encipherment == (key_alg == "rsa")
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == agent.ek_uri
    life = leaf.not_valid_after - leaf.not_valid_before
    assert datetime.timedelta(days=29) < life <= datetime.timedelta(days=31)

    # The certificate is the device's: disabling the device revokes it.
    serial = format(leaf.serial_number, "x")
    ca_cli(ca_server.dir, "device", "disable", agent.ek_uri)
    with sqlite3.connect(os.path.join(ca_server.dir, "ca.db")) as db:
        (revoked,) = db.execute("SELECT revoked FROM certificates WHERE serial = ?", (serial,)).fetchone()
    assert revoked


def test_wrong_qualifying_data(agent):
    order, chall = agent.order()
    key = agent.new_key()
    cert = agent.certify(key, hashlib.sha256(b"not the key authorization").digest())
    r = agent.answer(chall, agent.att_obj(cert))
    assert "extraData" in assert_refused(agent, r, chall, order, "badAttestationStatement")


def test_ak_certificate_from_another_root(agent):
    # A self-made CA issues a certificate with the right profile for the
    # same AK: only the configured roots count.
    ca_key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rogue CA")])
    ca_cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(ca_key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .sign(ca_key, hashes.SHA256()))
    ak_pub = serialization.load_pem_public_key(agent.tpm("pem-pub", str(agent.ak)).stdout)
    ak_cert = (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(name).public_key(ak_pub)
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([TCG_KP_AIK]), critical=False)
               .add_extension(x509.SubjectAlternativeName([
                   x509.UniformResourceIdentifier(agent.ek_uri),
                   x509.OtherName(PERMANENT_IDENTIFIER, permanent_id_der(agent.ek_uri))]), critical=True)
               .sign(ca_key, hashes.SHA256()))
    order, chall = agent.order()
    der = lambda c: c.public_bytes(serialization.Encoding.DER)  # noqa: E731
    r = agent.attest(chall, agent.new_key(), x5c=[der(ak_cert), der(ca_cert)])
    assert "chain" in assert_refused(agent, r, chall, order, "badAttestationStatement")


def test_order_for_another_registered_device(agent):
    ca_cli(agent.ca.dir, "device", "add", "--ek-uri", OTHER_EK_URI, "--name", "other")
    order, chall = agent.order(OTHER_EK_URI)
    r = agent.attest(chall, agent.new_key())
    assert "PermanentIdentifier" in assert_refused(agent, r, chall, order, "badAttestationStatement")


def test_disabled_device(agent):
    order, chall = agent.order()
    ca_cli(agent.ca.dir, "device", "disable", agent.ek_uri)
    r = agent.attest(chall, agent.new_key())
    assert "disabled" in assert_refused(agent, r, chall, order, "badAttestationStatement")


def test_restricted_pub_area(agent):
    # The AK certifies itself: a restricted key is not a device key.
    order, chall = agent.order()
    keyauth = agent.acme.key_authorization(chall["token"])
    cert = agent.certify(None, hashlib.sha256(keyauth.encode()).digest(), key=agent.ak)
    r = agent.answer(chall, agent.att_obj(cert))
    assert "restricted" in assert_refused(agent, r, chall, order, "badAttestationStatement")


@pytest.mark.parametrize("mutate,want", [
    (lambda a, cert: "!!!", "base64url"),
    (lambda a, cert: b64u(cbor2.dumps({"fmt": "packed", "attStmt": {}})), "fmt"),
    (lambda a, cert: a.att_obj(cert, ver="1.2"), "ver"),
    (lambda a, cert: a.att_obj(cert, x5c=[a.chain_der[0]] * 5), "x5c"),
])
def test_malformed_attobj(agent, mutate, want):
    # An attObj that does not parse is a 400 that decides nothing: the
    # device can still answer the same challenge.
    order, chall = agent.order()
    keyauth = agent.acme.key_authorization(chall["token"])
    key = agent.new_key()
    cert = agent.certify(key, hashlib.sha256(keyauth.encode()).digest())
    r = agent.answer(chall, mutate(agent, cert))
    assert want in assert_malformed(agent, r, chall, order)
    r = agent.answer(chall, agent.att_obj(cert))
    assert r.status == 200 and r.json()["status"] == "valid", r


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


# The two shapes that made libcbor's cbor_load allocate gigabytes or fail
# deep in its recursion: 2048 nested arrays, and about 2.5 KB of array heads
# each declaring 2^28 members.
DEEP = b"\x81" * 2048 + b"\x00"
OVER_DECLARED = (b"\xa2" + cbor2.dumps("fmt") + cbor2.dumps("tpm") + cbor2.dumps("attStmt")
                 + b"\x9a\x10\x00\x00\x00" * 500)


@pytest.mark.parametrize("cbor,want", [(DEEP, "nested too deeply"),
                                       (OVER_DECLARED, "more items than its bytes")],
                         ids=["deep", "over-declared"])
def test_hostile_attobj_shape(agent, cbor, want):
    order, chall = agent.order()
    before = vm_hwm_kib(agent.ca.proc.pid)
    for _ in range(4):
        r = agent.answer(chall, b64u(cbor))
        assert want in assert_malformed(agent, r, chall, order)
    grown = vm_hwm_kib(agent.ca.proc.pid) - before
    assert grown < 64 * 1024, f"the CA's peak RSS grew by {grown} KiB"
    assert agent.attest(chall, agent.new_key()).json()["status"] == "valid"


def test_alg_not_the_ak_key(agent):
    # Well-formed, but alg names the other key type: the verification fails.
    order, chall = agent.order()
    keyauth = agent.acme.key_authorization(chall["token"])
    cert = agent.certify(agent.new_key(), hashlib.sha256(keyauth.encode()).digest())
    r = agent.answer(chall, agent.att_obj(cert, alg=-257))
    assert "alg" in assert_refused(agent, r, chall, order, "badAttestationStatement")


def test_finalize_with_another_key(agent, tmp_path):
    order, chall = agent.order()
    key = agent.new_key()
    assert agent.attest(chall, key).json()["status"] == "valid"
    other = agent.new_key()
    r = agent.acme.finalize(order, agent.csr(other))
    assert r.status == 403 and r.problem_type == ERR + "unauthorized", r
    # A CN other than the identifier is a bad CSR.
    r = agent.acme.finalize(order, agent.csr(key, cn="someone-else"))
    assert r.status == 400 and r.problem_type == ERR + "badCSR", r
    assert issued_count(agent.ca) == 0
    # The attested key without a CN is fine.
    r = agent.acme.finalize(order, agent.csr(key))
    assert r.status == 200 and r.json()["status"] == "valid", r


def test_provisioner_identifier_types(agent):
    # acme refuses permanent-identifier; agents takes nothing else.
    c = AcmeClient(agent.ca)
    assert c.new_account().status == 201
    r = c.new_order([("permanent-identifier", agent.ek_uri)])
    assert r.status == 400 and r.problem_type == ERR + "unsupportedIdentifier", r
    for t, v in (("dns", "localhost"), ("ip", "127.0.0.1")):
        r = agent.acme.new_order([(t, v)])
        assert r.status == 400 and r.problem_type == ERR + "unsupportedIdentifier", r
    assert issued_count(agent.ca) == 0
