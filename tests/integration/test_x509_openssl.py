# SPDX-License-Identifier: Apache-2.0
"""Our CSRs and certificate code held against the openssl CLI.

For every key type, a CSR that common/x509.c builds through a software
signer, with DNS, IP (v4 and v6), URI, email and two RFC 4043
PermanentIdentifier SANs, must pass `openssl req -verify`, show its SANs
in `openssl req -text` and, byte by byte, in `openssl asn1parse`; an
openssl CA must sign it with `openssl x509 -req -copy_extensions copy`,
and the certificate that comes back must verify with our
x509_chain_verify (root, and root plus intermediate) and give our SANs
back. The driver is tests/tools/x509-tool."""
import os
import re

import pytest

from fixtures.procs import build_path, require_tool, run

EK_URI = "urn:ek:sha256:qrs0rAYhg1e7wzq8lq6yIV-xxiAIlNumV7a6zESJcjM"
ASSIGNER = "1.3.6.1.4.1.59207.1"
PERMID_OID = "1.3.6.1.5.5.7.8.3"

SANS = [
    ("--dns", "device-7.example.com"),
    ("--ip", "192.0.2.7"),
    ("--ip", "2001:db8::7"),
    ("--uri", EK_URI),
    ("--email", "device-7@example.com"),
    ("--permid", f"{EK_URI},{ASSIGNER}"),
    ("--permid", "serial-0007"),
]
# What `x509-tool names` prints for SANS, in order.
NAMES = [
    "DNS:device-7.example.com",
    "IP:192.0.2.7",
    "IP:2001:db8::7",
    f"URI:{EK_URI}",
    "email:device-7@example.com",
    f"permanentIdentifier:{EK_URI};{ASSIGNER}",
    "permanentIdentifier:serial-0007",
]

KEY_TYPES = {
    "ec256": "ecdsa-with-SHA256",
    "ec384": "ecdsa-with-SHA384",
    "rsa2048": "sha256WithRSAEncryption",
    "rsa3072": "sha256WithRSAEncryption",
    "rsa4096": "sha256WithRSAEncryption",
}

LEAF_EXT = """[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
"""


@pytest.fixture
def tool():
    path = build_path("tests", "tools", "x509-tool")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is not built (make tests/tools/x509-tool)")
    return path


@pytest.fixture
def openssl():
    return require_tool("openssl")


def text(cp):
    return cp.stdout.decode() + cp.stderr.decode()


def make_root(openssl, d, name):
    """A self-signed P-256 CA made by openssl alone."""
    key, crt = d / f"{name}.key", d / f"{name}.crt"
    run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", f"/CN={name}",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    return key, crt


def openssl_sign(openssl, d, csr, ca_crt, ca_key, out, ext="leaf"):
    """openssl x509 -req: checks the CSR signature, copies its extensions."""
    (d / "ext.cnf").write_text(LEAF_EXT)
    run([openssl, "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
         "-CAcreateserial", "-days", "1", "-copy_extensions", "copy",
         "-extfile", d / "ext.cnf", "-extensions", ext, "-out", out])
    return out


def build_csr(tool, d, key_type, cn="device-7"):
    argv = [tool, "csr", key_type, d / "csr"]
    if cn:
        argv += ["--cn", cn]
    for opt, val in SANS:
        argv += [opt, val]
    pub = run(argv).stdout.decode()
    assert pub.startswith("-----BEGIN PUBLIC KEY-----")
    return d / "csr.der", d / "csr.pem", pub


def san_octets(openssl, der):
    """asn1parse of the subjectAltName extension value inside the CSR."""
    dump = run([openssl, "asn1parse", "-inform", "DER", "-in", der]).stdout.decode()
    lines = dump.splitlines()
    for i, line in enumerate(lines):
        if line.rstrip().endswith(":X509v3 Subject Alternative Name"):
            for follow in lines[i + 1:i + 3]:
                if "OCTET STRING" in follow:
                    offset = follow.split(":", 1)[0].strip()
                    return run([openssl, "asn1parse", "-inform", "DER", "-in", der,
                                "-strparse", offset]).stdout.decode()
    raise AssertionError("no subjectAltName in asn1parse output:\n" + dump)


@pytest.mark.parametrize("key_type", sorted(KEY_TYPES))
def test_csr_accepted_by_openssl_and_cert_verifies(tool, openssl, tmp_path, key_type):
    der, pem, pub = build_csr(tool, tmp_path, key_type)

    # Our PEM and DER are the same CSR.
    conv = run([openssl, "req", "-in", pem, "-outform", "DER"]).stdout
    assert conv == der.read_bytes()

    # openssl checks the self-signature and sees every SAN.
    cp = run([openssl, "req", "-inform", "DER", "-in", der, "-verify", "-noout", "-text"])
    out = text(cp)
    assert "verify OK" in out
    assert f"Signature Algorithm: {KEY_TYPES[key_type]}" in out
    assert "Subject: CN = device-7" in out
    assert "DNS:device-7.example.com" in out
    assert "IP Address:192.0.2.7" in out
    assert "IP Address:2001:DB8:0:0:0:0:0:7" in out
    assert f"URI:{EK_URI}" in out
    assert "email:device-7@example.com" in out
    assert out.count("othername: Permanent Identifier") == 2
    # openssl's view of the key is the key we generated.
    cp = run([openssl, "req", "-inform", "DER", "-in", der, "-noout", "-pubkey"])
    assert cp.stdout.decode() == pub

    # The PermanentIdentifiers, field by field (RFC 4043).
    sans = san_octets(openssl, der)
    assert sans.count(":Permanent Identifier") == 2
    assert re.search(r"UTF8STRING\s+:" + re.escape(EK_URI), sans)
    assert re.search(r"OBJECT\s+:" + re.escape(ASSIGNER), sans)
    assert re.search(r"UTF8STRING\s+:serial-0007", sans)

    # We read back what we wrote.
    assert run([tool, "names", pem]).stdout.decode().splitlines() == ["CN:device-7"] + NAMES

    # An openssl CA issues from it; our verifier accepts the result and
    # reads the SANs that openssl copied.
    root_key, root_crt = make_root(openssl, tmp_path, "root")
    leaf = openssl_sign(openssl, tmp_path, pem, root_crt, root_key, tmp_path / "leaf.crt")
    assert "verified" in run([tool, "verify", leaf, root_crt, "--clientauth"]).stdout.decode()
    assert run([tool, "names", leaf]).stdout.decode().splitlines() == ["CN:device-7"] + NAMES
    cp = run([openssl, "x509", "-in", leaf, "-noout", "-pubkey"])
    assert cp.stdout.decode() == pub


def test_empty_subject_marks_sans_critical(tool, openssl, tmp_path):
    der, pem, _ = build_csr(tool, tmp_path, "ec256", cn=None)
    out = text(run([openssl, "req", "-inform", "DER", "-in", der, "-verify", "-noout", "-text"]))
    assert "verify OK" in out
    assert re.search(r"Subject:\s*\n", out)
    assert "X509v3 Subject Alternative Name: critical" in out
    assert run([tool, "names", pem]).stdout.decode().splitlines() == NAMES


def test_chain_with_openssl_intermediate(tool, openssl, tmp_path):
    _, pem, _ = build_csr(tool, tmp_path, "ec384")
    root_key, root_crt = make_root(openssl, tmp_path, "root")
    other_key, other_crt = make_root(openssl, tmp_path, "other")

    int_key = tmp_path / "int.key"
    run([openssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes",
         "-keyout", int_key, "-out", tmp_path / "int.csr", "-subj", "/CN=intermediate"])
    int_crt = openssl_sign(openssl, tmp_path, tmp_path / "int.csr", root_crt, root_key,
                           tmp_path / "int.crt", ext="ca")
    leaf = openssl_sign(openssl, tmp_path, pem, int_crt, int_key, tmp_path / "leaf.crt")
    server = openssl_sign(openssl, tmp_path, pem, int_crt, int_key, tmp_path / "server.crt",
                          ext="server")

    # openssl agrees with the chain first, so a failure below is ours.
    run([openssl, "verify", "-CAfile", root_crt, "-untrusted", int_crt, "-purpose", "sslclient", leaf])

    ok = run([tool, "verify", leaf, root_crt, "--untrusted", int_crt, "--clientauth"])
    assert "verified" in ok.stdout.decode()
    # The leaf-first bundle form: the leaf is taken from the first block.
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(leaf.read_bytes() + int_crt.read_bytes())
    assert run([tool, "verify", leaf, root_crt, "--untrusted", bundle]).returncode == 0

    refusals = [
        ([tool, "verify", leaf, root_crt], "no intermediate"),
        ([tool, "verify", leaf, other_crt, "--untrusted", int_crt], "wrong root"),
        ([tool, "verify", leaf, int_crt], "intermediate as root"),
        ([tool, "verify", server, root_crt, "--untrusted", int_crt, "--clientauth"],
         "serverAuth only"),
        # Ten days on, the one-day leaf has expired.
        ([tool, "verify", leaf, root_crt, "--untrusted", int_crt, "--at",
          str(int(os.path.getmtime(leaf)) + 10 * 86400)], "expired"),
    ]
    for argv, what in refusals:
        cp = run(argv, check=False)
        assert cp.returncode == 1, f"{what}: {text(cp)}"
        assert "does not verify" in cp.stderr.decode(), what
    assert run([tool, "verify", server, root_crt, "--untrusted", int_crt]).returncode == 0
