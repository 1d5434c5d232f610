# SPDX-License-Identifier: Apache-2.0
"""deviceid-ca device ...: the inventory from the command line. EK URIs
are recomputed here from the key with openssl and hashlib, and the
database is inspected with Python's sqlite3 for revocation marks."""
import base64
import hashlib
import json
import os
import sqlite3

import pytest

from fixtures.ca import ca_binary, ca_cli
from fixtures.procs import require_tool, run


def openssl(*args):
    return run([require_tool("openssl"), *args]).stdout


def make_ek(tmp_path, name, algo="EC"):
    """A key pair standing in for an EK: (pub PEM path, cert PEM path,
    cert DER path, EK URI computed independently)."""
    key = tmp_path / f"{name}.key"
    if algo == "EC":
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", key)
    else:
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key)
    pub = tmp_path / f"{name}.pub"
    openssl("pkey", "-in", key, "-pubout", "-out", pub)
    der = openssl("pkey", "-in", key, "-pubout", "-outform", "DER")
    uri = "urn:ek:sha256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()
    cert = tmp_path / f"{name}.crt"
    openssl("req", "-x509", "-new", "-key", key, "-subj", "/CN=fake EK", "-days", "30", "-out", cert)
    cert_der = tmp_path / f"{name}.der"
    openssl("x509", "-in", cert, "-outform", "DER", "-out", cert_der)
    return str(pub), str(cert), str(cert_der), uri


def devices_json(ca_dir):
    return json.loads(ca_cli(ca_dir, "device", "list", "--json").stdout)


def add_cert_rows(ca_dir, device_id, n):
    """Certificate rows as the issuer records them, for revocation checks."""
    db = sqlite3.connect(os.path.join(ca_dir, "ca.db"))
    with db:
        for i in range(n):
            db.execute("INSERT INTO certificates (serial, ca, device_id, not_before, not_after, der, created_at)"
                       " VALUES (?, 'agent', ?, 0, 1, x'00', 0)", (f"{device_id:x}{i:04x}", device_id))
    db.close()


def revoked_flags(ca_dir, device_id):
    db = sqlite3.connect(os.path.join(ca_dir, "ca.db"))
    rows = db.execute("SELECT revoked, revocation_reason FROM certificates WHERE device_id = ?",
                      (device_id,)).fetchall()
    db.close()
    return rows


def test_add_by_uri_pub_and_cert(ca_dir, tmp_path):
    pub, _, _, uri1 = make_ek(tmp_path, "ek1")
    _, cert2, _, uri2 = make_ek(tmp_path, "ek2", algo="RSA")
    _, _, der3, uri3 = make_ek(tmp_path, "ek3")
    uri0 = "urn:ek:sha256:" + base64.b64encode(hashlib.sha256(b"x").digest()).decode()

    out = ca_cli(ca_dir, "device", "add", "--ek-uri", uri0, "--name", "laptop-0", "--serial", "SN0",
                 "--owner", "alice").stdout.decode()
    assert uri0 in out
    ca_cli(ca_dir, "device", "add", "--ek-pub", pub, "--name", "laptop-1")
    ca_cli(ca_dir, "device", "add", "--ek-cert", cert2)
    ca_cli(ca_dir, "device", "add", "--ek-cert", der3)

    devs = devices_json(ca_dir)
    assert [d["ek_uri"] for d in devs] == [uri0, uri1, uri2, uri3]
    assert devs[0]["name"] == "laptop-0" and devs[0]["serial"] == "SN0" and devs[0]["owner"] == "alice"
    assert all(d["status"] == "active" for d in devs)
    assert "ek_pub" not in devs[0]
    der1 = openssl("pkey", "-pubin", "-in", pub, "-outform", "DER")
    assert base64.b64decode(devs[1]["ek_pub"]) == der1
    assert base64.b64decode(devs[3]["ek_cert"]) == open(der3, "rb").read()

    table = ca_cli(ca_dir, "device", "list").stdout.decode()
    assert "laptop-0" in table and uri2 in table and table.splitlines()[0].startswith("ID")

    shown = json.loads(ca_cli(ca_dir, "device", "show", uri1, "--json").stdout)
    assert shown["id"] == devs[1]["id"]
    text = ca_cli(ca_dir, "device", "show", str(devs[0]["id"])).stdout.decode()
    assert "owner:   alice" in text


def test_add_errors_change_nothing(ca_dir, tmp_path):
    uri = "urn:ek:sha256:" + base64.b64encode(hashlib.sha256(b"y").digest()).decode()
    ca_cli(ca_dir, "device", "add", "--ek-uri", uri)
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    cases = [
        (["--ek-uri", uri], b"already in the inventory"),
        (["--ek-uri", "urn:ek:sha256:tooshort"], b"invalid EK URI"),
        (["--ek-pub", str(garbage)], b"EK public key"),
        (["--ek-cert", str(garbage)], b"EK certificate"),
        (["--ek-uri", uri, "--ek-pub", str(garbage)], b"exactly one"),
        (["--ek-uri", "urn:ek:sha256:" + "A" * 43 + "=", "--name", "x" * 300], b"invalid name"),
        (["--ek-uri", "urn:ek:sha256:" + "A" * 43 + "=", "--owner", "a\tb"], b"invalid owner"),
    ]
    for args, msg in cases:
        cp = ca_cli(ca_dir, "device", "add", *args, check=False)
        assert cp.returncode != 0, args
        assert msg in cp.stderr, (args, cp.stderr)
    assert len(devices_json(ca_dir)) == 1


def test_disable_enable_remove_revoke(ca_dir):
    uris = ["urn:ek:sha256:" + base64.b64encode(hashlib.sha256(bytes([i])).digest()).decode() for i in range(2)]
    for u in uris:
        ca_cli(ca_dir, "device", "add", "--ek-uri", u)
    d1, d2 = [d["id"] for d in devices_json(ca_dir)]
    add_cert_rows(ca_dir, d1, 3)
    add_cert_rows(ca_dir, d2, 2)

    out = ca_cli(ca_dir, "device", "disable", str(d1)).stdout.decode()
    assert "3 certificate(s) revoked" in out
    assert revoked_flags(ca_dir, d1) == [(1, 5)] * 3
    assert revoked_flags(ca_dir, d2) == [(0, None)] * 2
    assert devices_json(ca_dir)[0]["status"] == "disabled"
    ca_cli(ca_dir, "device", "enable", uris[0])
    assert devices_json(ca_dir)[0]["status"] == "active"
    assert revoked_flags(ca_dir, d1) == [(1, 5)] * 3  # enabling does not un-revoke

    out = ca_cli(ca_dir, "device", "remove", uris[1]).stdout.decode()
    assert "2 certificate(s) revoked" in out
    assert revoked_flags(ca_dir, d2) == [(1, 5)] * 2
    assert [d["id"] for d in devices_json(ca_dir)] == [d1]
    cp = ca_cli(ca_dir, "device", "remove", uris[1], check=False)
    assert cp.returncode != 0 and b"No device" in cp.stderr
    # A new device never takes over the removed one's id (and certificates).
    ca_cli(ca_dir, "device", "add", "--ek-uri", uris[1])
    assert devices_json(ca_dir)[-1]["id"] > d2


def test_import_json_and_csv(ca_dir, tmp_path):
    pub, _, _, uri_pub = make_ek(tmp_path, "ekj")
    der_b64 = base64.b64encode(openssl("pkey", "-pubin", "-in", pub, "-outform", "DER")).decode()
    uris = ["urn:ek:sha256:" + base64.b64encode(hashlib.sha256(b"j%d" % i).digest()).decode() for i in range(3)]
    jpath = tmp_path / "devices.json"
    jpath.write_text(json.dumps([
        {"ek_uri": uris[0], "name": "a", "serial": "S-A"},
        {"ek_pub": der_b64, "owner": "bob"},
    ]))
    out = ca_cli(ca_dir, "device", "import", str(jpath)).stdout.decode()
    assert "imported 2" in out
    cpath = tmp_path / "devices.csv"
    cpath.write_text('name,ek_uri,owner\r\n"laptop, b",%s,carol\r\nlaptop-c,%s,\r\n' % (uris[1], uris[2]))
    ca_cli(ca_dir, "device", "import", str(cpath))
    devs = devices_json(ca_dir)
    assert [d["ek_uri"] for d in devs] == [uris[0], uri_pub, uris[1], uris[2]]
    assert devs[1]["owner"] == "bob" and devs[2]["name"] == "laptop, b" and "owner" not in devs[3]


@pytest.mark.parametrize("content,fmt,message", [
    ('[{"ek_uri":"%(u0)s"},{"ek_uri":"%(u1)s"},{"ek_uri":"bad"}]', "json", b"record 3"),
    ('[{"ek_uri":"%(u0)s"},{"ek_uri":"%(u1)s"},{"ek_uri":"%(u0)s"}]', "json", b"record 3"),
    ('[{"ek_uri":"%(u0)s"},{"ek_uri":"%(u1)s"},{"ek_uri":"%(old)s"}]', "json", b"already in the inventory"),
    ('[{"ek_uri":"%(u0)s"},', "json", b"malformed JSON"),
    ('[{"ek_uri":"%(u0)s","colour":"red"}]', "json", b"unknown field"),
    ('ek_uri,name\n%(u0)s,a\n%(u1)s,b\nbad,c\n', "csv", b"record 3 (line 4)"),
    ('ek_uri,name\n%(u0)s,a\n"%(u1)s,b\n', "csv", b"malformed CSV"),
    ('ek_uri,name\n%(u0)s,a\n%(u1)s\n', "csv", b"record 2 (line 3)"),
])
def test_import_is_all_or_nothing(ca_dir, tmp_path, content, fmt, message):
    old = "urn:ek:sha256:" + base64.b64encode(hashlib.sha256(b"old").digest()).decode()
    ca_cli(ca_dir, "device", "add", "--ek-uri", old)
    u = ["urn:ek:sha256:" + base64.b64encode(hashlib.sha256(b"n%d" % i).digest()).decode() for i in range(2)]
    path = tmp_path / f"import.{fmt}"
    path.write_text(content % {"u0": u[0], "u1": u[1], "old": old})
    cp = ca_cli(ca_dir, "device", "import", str(path), check=False)
    assert cp.returncode != 0
    assert message in cp.stderr, cp.stderr
    assert b"nothing was imported" in cp.stderr
    assert [d["ek_uri"] for d in devices_json(ca_dir)] == [old]


@pytest.mark.parametrize("args,code,message", [
    (["frobnicate"], 2, b"Unknown command"),
    (["device", "list"], 2, b"--dir"),
    (["device", "explode", "--dir", "/nonexistent"], 2, b"Unknown device command"),
    (["device", "show", "--dir", "/nonexistent"], 2, b"exactly one argument"),
    (["device", "add", "--dir", "/nonexistent"], 2, b"exactly one of"),
    (["device", "list", "--dir", "/nonexistent"], 1, b"/nonexistent"),
    (["serve"], 2, b"--dir"),
])
def test_cli_usage_errors(args, code, message):
    cp = run([ca_binary(), *args], check=False)
    assert cp.returncode == code, cp
    assert message in cp.stderr, cp.stderr
