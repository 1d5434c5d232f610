# SPDX-License-Identifier: Apache-2.0
"""The admin API (/admin/devices) over mTLS: what the admin certificate
may do, what everyone else gets (401/403), bad input that must change
nothing, and the device search by the verdict of a real posture report."""
import base64
import hashlib
import json
import os
import sqlite3
import ssl

import pytest

from fixtures.procs import require_tool, run


def uri(seed):
    return "urn:ek:sha256:" + base64.b64encode(hashlib.sha256(seed.encode()).digest()).decode()


def openssl(*args):
    return run([require_tool("openssl"), *args]).stdout


def make_client_cert(tmp_path, ca_dir, name, issuer="root", san="URI:urn:deviceid-ca:admin",
                     eku="clientAuth", self_signed=False, chain=False):
    key = tmp_path / f"{name}.key"
    crt = tmp_path / f"{name}.pem"
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key)
    ext = tmp_path / f"{name}.ext"
    ext.write_text(f"subjectAltName={san}\nextendedKeyUsage={eku}\nkeyUsage=critical,digitalSignature\n"
                   "basicConstraints=critical,CA:FALSE\n")
    if self_signed:
        openssl("req", "-x509", "-new", "-key", key, "-subj", f"/CN={name}", "-days", "1",
                "-addext", f"subjectAltName={san}", "-addext", f"extendedKeyUsage={eku}", "-out", crt)
    else:
        csr = tmp_path / f"{name}.csr"
        openssl("req", "-new", "-key", key, "-subj", f"/CN={name}", "-out", csr)
        openssl("x509", "-req", "-in", csr, "-CA", os.path.join(ca_dir, f"{issuer}.pem"),
                "-CAkey", os.path.join(ca_dir, f"{issuer}.key"), "-CAcreateserial", "-days", "1",
                "-extfile", ext, "-out", crt)
        if chain:
            with open(crt, "a") as f:
                f.write(open(os.path.join(ca_dir, f"{issuer}.pem")).read())
    return str(crt), str(key)


def list_ids(srv):
    status, _, body = srv.get("/admin/devices", admin=True)
    assert status == 200
    return [d["ek_uri"] for d in json.loads(body)["devices"]]


def test_admin_crud(ca_server):
    status, _, body = ca_server.get("/admin/devices", admin=True)
    assert status == 200 and json.loads(body) == {"devices": [], "total": 0}

    status, headers, body = ca_server.post("/admin/devices", {"ek_uri": uri("a"), "name": "n1", "owner": "o"},
                                           admin=True)
    assert status == 201, body
    dev = json.loads(body)
    assert headers["Location"] == f"/admin/devices/{dev['id']}"
    assert dev["name"] == "n1" and dev["status"] == "active"

    status, _, body = ca_server.get(f"/admin/devices/{dev['id']}", admin=True)
    assert status == 200 and json.loads(body)["ek_uri"] == uri("a")

    # The same device twice: 409, nothing added.
    status, _, _ = ca_server.post("/admin/devices", {"ek_uri": uri("a")}, admin=True)
    assert status == 409

    # Revocation marks show in the database the issuer writes.
    db = sqlite3.connect(os.path.join(ca_server.dir, "ca.db"))
    with db:
        db.execute("INSERT INTO certificates (serial, ca, device_id, not_before, not_after, der, created_at)"
                   " VALUES ('c0ffee', 'agent', ?, 0, 1, x'00', 0)", (dev["id"],))
    status, _, body = ca_server.post(f"/admin/devices/{dev['id']}/disable", b"", admin=True)
    assert status == 200
    assert json.loads(body)["status"] == "disabled" and json.loads(body)["revoked_certificates"] == 1
    assert db.execute("SELECT revoked FROM certificates WHERE serial = 'c0ffee'").fetchone() == (1,)
    status, _, body = ca_server.post(f"/admin/devices/{dev['id']}/enable", b"", admin=True)
    assert status == 200 and json.loads(body)["status"] == "active"

    status, _, body = ca_server.request("DELETE", f"/admin/devices/{dev['id']}", admin=True)
    assert status == 200 and json.loads(body)["revoked_certificates"] == 0
    status, _, _ = ca_server.get(f"/admin/devices/{dev['id']}", admin=True)
    assert status == 404
    status, _, _ = ca_server.request("DELETE", f"/admin/devices/{dev['id']}", admin=True)
    assert status == 404
    db.close()


def test_admin_add_by_key_and_cert(ca_server, tmp_path):
    key = tmp_path / "ek.key"
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key)
    pub_pem = openssl("pkey", "-in", key, "-pubout").decode()
    der = openssl("pkey", "-in", key, "-pubout", "-outform", "DER")
    want = "urn:ek:sha256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()
    status, _, body = ca_server.post("/admin/devices", {"ek_pub": pub_pem}, admin=True)
    assert status == 201, body
    assert json.loads(body)["ek_uri"] == want

    crt_der = tmp_path / "ek.der"
    openssl("req", "-x509", "-new", "-key", key, "-subj", "/CN=ek", "-days", "1", "-outform", "DER", "-out", crt_der)
    status, _, body = ca_server.post("/admin/devices",
                                     {"ek_cert": base64.b64encode(crt_der.read_bytes()).decode()}, admin=True)
    assert status == 409  # same key as the ek_pub above


def test_admin_import(ca_server):
    status, _, body = ca_server.post("/admin/devices/import", [{"ek_uri": uri("i1")}, {"ek_uri": uri("i2")}],
                                     admin=True)
    assert status == 200 and json.loads(body) == {"imported": 2}
    csv = f"ek_uri,name\n{uri('i3')},c3\n".encode()
    status, _, body = ca_server.post("/admin/devices/import", csv, headers={"Content-Type": "text/csv"}, admin=True)
    assert status == 200 and json.loads(body) == {"imported": 1}
    # One bad record: nothing from that file is added.
    bad = f"ek_uri,name\n{uri('i4')},c4\n{uri('i1')},dup\n".encode()
    status, _, body = ca_server.post("/admin/devices/import", bad, headers={"Content-Type": "text/csv"}, admin=True)
    assert status == 409 and b"record 2 (line 3)" in body
    assert list_ids(ca_server) == [uri("i1"), uri("i2"), uri("i3")]
    # Above the default 64 KiB body limit, imports may be larger.
    many = [{"ek_uri": uri(f"m{i}"), "name": "x" * 100} for i in range(600)]
    assert len(json.dumps(many)) > 64 * 1024
    status, _, body = ca_server.post("/admin/devices/import", many, admin=True)
    assert status == 200 and json.loads(body)["imported"] == 600


def test_admin_requires_admin_certificate(ca_server, tmp_path):
    routes = [("GET", "/admin/devices", None), ("POST", "/admin/devices", {"ek_uri": uri("x")}),
              ("POST", "/admin/devices/import", [{"ek_uri": uri("y")}]), ("DELETE", "/admin/devices/1", None)]
    other_root = make_client_cert(tmp_path, ca_server.dir, "selfsigned", self_signed=True)
    not_admin = make_client_cert(tmp_path, ca_server.dir, "user", san="URI:urn:someone:else")
    server_only = make_client_cert(tmp_path, ca_server.dir, "server", eku="serverAuth")
    via_intermediate = make_client_cert(tmp_path, ca_server.dir, "inter", issuer="agent-ca", chain=True)
    cases = [(None, 401), (other_root, 401), (server_only, 401), (not_admin, 403), (via_intermediate, 403)]
    for cert, want in cases:
        ctx = ca_server.ssl_context(cert=cert[0], key=cert[1]) if cert else ca_server.ssl_context()
        for method, path, body in routes:
            status, _, resp = ca_server.request(method, path, body=body, context=ctx)
            assert status == want, (cert, method, path, resp)
            assert json.loads(resp)["status"] == want
    assert list_ids(ca_server) == []


@pytest.mark.parametrize("body,headers,status", [
    (b'{"ek_uri": ', {"Content-Type": "application/json"}, 400),
    (b'[1, 2]', {"Content-Type": "application/json"}, 400),
    (b'{"ek_uri": 5}', {"Content-Type": "application/json"}, 400),
    (b'{"ek_uri": "urn:ek:sha256:abc"}', {"Content-Type": "application/json"}, 400),
    (b'{"ek_pub": "not base64!"}', {"Content-Type": "application/json"}, 400),
    (b'{"ek_uri": "%s", "extra": 1}' % uri("z").encode(), {"Content-Type": "application/json"}, 400),
    (b'{"ek_uri": "%s"}' % uri("z").encode(), {"Content-Type": "text/plain"}, 415),
    (b'{"ek_uri": "%s"}' % uri("z").encode(), {}, 415),
    (b'{"name": "' + b"x" * 70000 + b'"}', {"Content-Type": "application/json"}, 413),
])
def test_admin_bad_input_changes_nothing(ca_server, body, headers, status):
    got, _, resp = ca_server.request("POST", "/admin/devices", body=body, headers=headers, admin=True)
    assert got == status, resp
    assert json.loads(resp)["status"] == status
    assert list_ids(ca_server) == []


def test_admin_bad_import_content_type(ca_server):
    status, _, _ = ca_server.post("/admin/devices/import", b"ek_uri\n", headers={"Content-Type": "text/plain"},
                                  admin=True)
    assert status == 415
    status, _, body = ca_server.post("/admin/devices/import", b"[{", headers={"Content-Type": "application/json"},
                                     admin=True)
    assert status == 400 and b"malformed JSON" in body
    assert list_ids(ca_server) == []


def posture_ids(srv, verdict):
    """The devices listed with ?posture=verdict: {ek_uri: posture}."""
    status, _, body = srv.get(f"/admin/devices?posture={verdict}&limit=10", admin=True)
    assert status == 200, body
    return {d["ek_uri"]: d["posture"] for d in json.loads(body)["devices"]}


def test_admin_device_search_by_posture(swtpm, deviceidctl, fsd, tmp_path, procs):
    """A real report (swtpm, `deviceidctl enroll` under a posture policy):
    the device is listed by the verdict of its newest report, a device that
    never reported as none."""
    from test_enroll import Device
    from test_posture import pcrextend, posture_ca
    fsd.start()
    srv = posture_ca(tmp_path, procs, "pcrs = enrolled\n")
    dev = Device(swtpm, deviceidctl, srv, fsd, tmp_path)
    dev.register()
    status, _, body = srv.post("/admin/devices", {"ek_uri": uri("quiet"), "name": "quiet"}, admin=True)
    assert status == 201, body
    assert posture_ids(srv, "none") == {dev.ek_uri: "none", uri("quiet"): "none"}
    assert posture_ids(srv, "pass") == {}

    cp = dev.enroll("wifi")
    assert cp.returncode == 0, cp.stderr.decode()
    assert posture_ids(srv, "pass") == {dev.ek_uri: "pass"}
    assert posture_ids(srv, "none") == {uri("quiet"): "none"}
    assert posture_ids(srv, "any") == {dev.ek_uri: "pass", uri("quiet"): "none"}

    pcrextend(dev, 7)
    assert dev.enroll("wifi").returncode == 4
    # The newest report decides: the device passed before, fails now.
    assert posture_ids(srv, "fail") == {dev.ek_uri: "fail"}
    assert posture_ids(srv, "pass") == {}
    status, _, body = srv.get("/admin/devices?posture=fail&q=quiet", admin=True)
    assert status == 200 and json.loads(body) == {"devices": [], "total": 0}

    status, _, body = srv.get("/admin/devices?posture=broken", admin=True)
    assert status == 400 and "posture must be" in json.loads(body)["message"]
