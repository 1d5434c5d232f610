# SPDX-License-Identifier: Apache-2.0
"""Accounts managed at the CA (docs/accounts.md), with a real deviceid-ca:
the Account CA's own root, `deviceid-ca account` and device tags, the
admin API's /admin/accounts, GET /1.0/accounts and POST /1.0/sign for an
account (the CA decides the names and the lifetime), and revocation when
an account is removed or a device untagged. Device certificates come
from tests/tools/ca-issue and tokens are built here, as in
test_ca_sign.py; issued certificates are checked with `openssl verify`
against account-root.pem and root.pem."""
import base64
import datetime
import json
import os
import secrets
import sqlite3
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fixtures.ca import ca_cli, ca_init, start_ca_server
from fixtures.procs import free_port, require_tool, run
from test_ca_sign import (Device, b64u, ca_issue, csr_pem, der_b64, ek_uri_of, not_after, not_before)


class TaggedDevice(Device):
    """A registered device with a name, an owner and tags, and a device
    certificate."""

    def __init__(self, srv, tmp_path, name="laptop1", owner="alice", tags=()):
        self.srv = srv
        self.ek_uri = ek_uri_of(ec.generate_private_key(ec.SECP256R1()))
        args = ["device", "add", "--ek-uri", self.ek_uri, "--name", name, "--owner", owner]
        for t in tags:
            args += ["--tag", t]
        ca_cli(srv.dir, *args)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cert = ca_issue(srv, tmp_path, self.key, extra=("--ek-uri", self.ek_uri, "--link"))
        self.agent_ca = x509.load_pem_x509_certificate(open(os.path.join(srv.dir, "agent-ca.pem"), "rb").read())

    def account_token(self, account, sub, sans=None, **claims):
        c = {"iss": account, "aud": f"https://localhost:{self.srv.port}/1.0/sign#x5c/{account}", "sub": sub}
        if sans is not None:
            c["sans"] = sans
        c.update(claims)
        drop = () if sans is not None else ("sans",)
        return self.token(drop=drop, **c)

    def list_token(self, **claims):
        c = {"iss": "accounts", "aud": f"https://localhost:{self.srv.port}/1.0/accounts", "sub": self.ek_uri}
        c.update(claims)
        return self.token(drop=("sans",), **c)

    def accounts(self, token=None):
        status, _, body = self.srv.get("/1.0/accounts",
                                       headers={"Authorization": "Bearer " + (token or self.list_token())})
        return status, json.loads(body)


def csr_for(cn=None, sans=()):
    key = ec.generate_private_key(ec.SECP256R1())
    b = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else []))
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False)
    return key, b.sign(key, hashes.SHA256())


def sign(srv, csr, ott, **extra):
    status, _, body = srv.post("/1.0/sign", {"csr": csr_pem(csr), "ott": ott, **extra})
    return status, json.loads(body)


def rows(srv, account=None):
    db = sqlite3.connect(os.path.join(srv.dir, "ca.db"))
    try:
        q = "SELECT serial, device_id, revoked, revocation_reason, account FROM certificates WHERE ca = 'account'"
        if account:
            return db.execute(q + " AND account = ? ORDER BY created_at", (f"x5c/{account}",)).fetchall()
        return db.execute(q + " ORDER BY created_at").fetchall()
    finally:
        db.close()


def verify(tmp_path, cafile, pem, chain_pem):
    leaf, chain = tmp_path / f"leaf-{secrets.token_hex(3)}.pem", tmp_path / f"chain-{secrets.token_hex(3)}.pem"
    leaf.write_text(pem)
    chain.write_text(chain_pem)
    return run([require_tool("openssl"), "verify", "-CAfile", cafile, "-untrusted", str(chain),
                "-purpose", "sslclient", str(leaf)], check=False)


@pytest.fixture
def wifi(ca_server):
    ca_cli(ca_server.dir, "account", "add", "wifi", "--sub", "{name}", "--san", "{name}.wifi.example.org",
           "--san", "{owner}@example.org", "--lifetime", "8h")
    return "wifi"


def test_init_gives_the_account_ca_its_own_root_and_keeps_root_keys_apart(tmp_path, procs):
    d, keys = str(tmp_path / "ca"), str(tmp_path / "offline")
    port = free_port()
    ca_init(d, port, extra=("--root-key-dir", keys))
    assert sorted(os.listdir(keys)) == ["account-root.key", "root.key"]
    assert not os.path.exists(os.path.join(d, "root.key"))
    assert not os.path.exists(os.path.join(d, "account-root.key"))
    assert os.stat(os.path.join(keys, "root.key")).st_mode & 0o777 == 0o600
    openssl = require_tool("openssl")
    acct = os.path.join(d, "account-ca.pem")
    assert run([openssl, "verify", "-CAfile", os.path.join(d, "account-root.pem"), acct]).returncode == 0
    assert run([openssl, "verify", "-CAfile", os.path.join(d, "root.pem"), acct], check=False).returncode != 0
    for other in ("agent-ca.pem", "attestation-ca.pem"):
        assert run([openssl, "verify", "-CAfile", os.path.join(d, "account-root.pem"), os.path.join(d, other)],
                   check=False).returncode != 0
    # serve runs without any root key.
    srv = start_ca_server(procs, d, port)
    assert srv.healthy()


def test_a_ca_directory_without_account_root_keeps_working(tmp_path, procs):
    """A directory made before account-root.pem existed: its Account CA
    chains to root.pem, and serve loads it as it is."""
    d = str(tmp_path / "ca")
    port = free_port()
    ca_init(d, port)
    openssl = require_tool("openssl")
    # Re-make the old layout: an Account CA issued by root.pem.
    run([openssl, "req", "-new", "-key", os.path.join(d, "account-ca.key"), "-subj", "/CN=deviceid Account CA",
         "-out", str(tmp_path / "acct.csr")])
    (tmp_path / "ext").write_text("basicConstraints=critical,CA:TRUE,pathlen:0\n"
                                  "keyUsage=critical,keyCertSign,cRLSign\n")
    run([openssl, "x509", "-req", "-in", str(tmp_path / "acct.csr"), "-CA", os.path.join(d, "root.pem"),
         "-CAkey", os.path.join(d, "root.key"), "-set_serial", "7", "-days", "365",
         "-extfile", str(tmp_path / "ext"), "-out", os.path.join(d, "account-ca.pem")])
    os.unlink(os.path.join(d, "account-root.pem"))
    srv = start_ca_server(procs, d, port)
    dev = Device(srv, tmp_path)
    _, csr = csr_for()
    status, body = sign(srv, csr, dev.token())
    assert status == 201, body
    assert verify(tmp_path, srv.root, body["crt"], body["ca"]).returncode == 0


def test_account_command(ca_server):
    d = ca_server.dir
    out = ca_cli(d, "account", "add", "vpn", "--devices", "tag:lab", "--devices", "tag:office", "--key", "tpm",
                 "--lifetime", "2h", "--json").stdout
    acct = json.loads(out)
    assert acct["name"] == "vpn" and acct["sub"] == "vpn" and acct["key"] == "tpm"
    assert acct["lifetime"] == 7200 and acct["devices"] == ["tag:lab", "tag:office"] and acct["created_at"] > 0
    ca_cli(d, "account", "add", "web", "--sub", "{name}", "--san", "{name}.example.org")
    listed = json.loads(ca_cli(d, "account", "list", "--json").stdout)
    assert [a["name"] for a in listed] == ["vpn", "web"]
    assert listed[1]["devices"] == "all" and listed[1]["lifetime"] == 86400 and listed[1]["key"] == "software"
    shown = ca_cli(d, "account", "show", "web").stdout
    assert b"{name}.example.org" in shown

    def refused(*args):
        r = ca_cli(d, "account", *args, check=False)
        assert r.returncode != 0, args
        return r.stderr.decode()

    assert "already exists" in refused("add", "vpn")
    assert "No account" in refused("show", "nope")
    assert "No account" in refused("remove", "nope")
    assert "unknown variable" in refused("add", "bad", "--sub", "{nmae}")
    assert "without '}'" in refused("add", "bad", "--san", "{name")
    assert "not a DNS name" in refused("add", "bad", "--san", "a b.example.org")
    assert "not a DNS name" in refused("add", "bad", "--san", "{name}..example.org")
    assert "invalid account name" in refused("add", "Bad")
    assert "invalid account name" in refused("add", "device")
    assert "provisioner in ca.conf" in refused("add", "devices")
    assert "outside" in refused("add", "bad", "--lifetime", "25h")
    assert "outside" in refused("add", "bad", "--lifetime", "1m")
    assert "invalid key kind" in refused("add", "bad", "--key", "hsm")
    assert "invalid device target" in refused("add", "bad", "--devices", "lab")
    # A template the inventory cannot fill in for a targeted device.
    ca_cli(d, "device", "add", "--ek-uri", ek_uri_of(ec.generate_private_key(ec.SECP256R1())), "--tag", "kiosk")
    err = refused("add", "bad", "--san", "{owner}@example.org", "--devices", "tag:kiosk")
    assert "has no value" in err and "{owner}@example.org" in err
    assert [a["name"] for a in json.loads(ca_cli(d, "account", "list", "--json").stdout)] == ["vpn", "web"]
    assert b"removed account vpn" in ca_cli(d, "account", "remove", "vpn").stdout


def test_agent_list_and_sign_for_an_account(ca_server, wifi, tmp_path):
    dev = TaggedDevice(ca_server, tmp_path)
    status, body = dev.accounts()
    assert status == 200, body
    assert body == {"accounts": [{"name": "wifi", "provisioner": "wifi", "sub": "laptop1",
                                  "sans": ["laptop1.wifi.example.org", "alice@example.org"],
                                  "key": "software", "lifetime": 8 * 3600}]}

    key, csr = csr_for("laptop1", ["laptop1.wifi.example.org"])
    status, body = sign(ca_server, csr, dev.account_token("wifi", "laptop1",
                                                           ["laptop1.wifi.example.org", "alice@example.org"]))
    assert status == 201, body
    crt = x509.load_pem_x509_certificate(body["crt"].encode())
    assert crt.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "laptop1"
    san = crt.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["laptop1.wifi.example.org"]
    assert san.get_values_for_type(x509.RFC822Name) == ["alice@example.org"]
    assert list(crt.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == \
        [ExtendedKeyUsageOID.CLIENT_AUTH]
    life = not_after(crt) - not_before(crt)
    assert datetime.timedelta(hours=7) < life <= datetime.timedelta(hours=8)
    account_root = os.path.join(ca_server.dir, "account-root.pem")
    assert verify(tmp_path, account_root, body["crt"], body["ca"]).returncode == 0
    assert verify(tmp_path, ca_server.root, body["crt"], body["ca"]).returncode != 0
    assert len(rows(ca_server, "wifi")) == 1

    # Without "sans" in the token: the account's names all the same.
    _, csr = csr_for()
    status, body = sign(ca_server, csr, dev.account_token("wifi", "laptop1"))
    assert status == 201, body

    # A list token is single use, and names the device.
    tok = dev.list_token()
    assert dev.accounts(tok)[0] == 200
    status, body = dev.accounts(tok)
    assert status == 401 and "already been used" in body["message"], body
    status, body = dev.accounts(dev.list_token(sub="urn:ek:sha256:" + "B" * 43 + "="))
    assert status == 401 and "EK URI" in body["message"], body
    status, _, body = ca_server.get("/1.0/accounts")
    assert status == 401 and b"Bearer" in body


@pytest.mark.parametrize("case", ["token-sub", "token-san", "csr-cn", "csr-san", "not-after"])
def test_asking_for_other_names_or_lifetime_is_refused(ca_server, wifi, tmp_path, case):
    dev = TaggedDevice(ca_server, tmp_path)
    sub, sans, cn, csr_sans, extra = "laptop1", ["laptop1.wifi.example.org"], None, (), {}
    if case == "token-sub":
        sub, want = "root", 'subject "root"'
    elif case == "token-san":
        sans, want = ["laptop1.wifi.example.org", "admin.example.org"], '"admin.example.org"'
    elif case == "csr-cn":
        cn, want = "someone", 'subject "someone"'
    elif case == "csr-san":
        csr_sans, want = ("evil.example.org",), '"evil.example.org"'
    else:
        extra, want = {"notAfter": "48h"}, "lifetime"
    _, csr = csr_for(cn, csr_sans)
    status, body = sign(ca_server, csr, dev.account_token("wifi", sub, sans), **extra)
    assert status == 400 and want in body["message"], body
    assert rows(ca_server) == []


def test_targeting_unknown_and_removed_accounts(ca_server, tmp_path):
    d = ca_server.dir
    ca_cli(d, "account", "add", "vpn", "--devices", "tag:lab")
    lab = TaggedDevice(ca_server, tmp_path, name="lab1", tags=("lab",))
    other = TaggedDevice(ca_server, tmp_path, name="desk1")
    assert [a["name"] for a in lab.accounts()[1]["accounts"]] == ["vpn"]
    assert other.accounts()[1] == {"accounts": []}

    _, csr = csr_for()
    status, body = sign(ca_server, csr, other.account_token("vpn", "vpn"))
    assert status == 403 and "does not target" in body["message"], body
    status, body = sign(ca_server, csr, other.account_token("nosuch", "nosuch"))
    assert status == 403 and "unknown, or removed" in body["message"], body
    assert rows(ca_server) == []

    # Tagging the other device makes it eligible; untagging revokes.
    ca_cli(d, "device", "tag", other.ek_uri, "lab")
    for dev in (lab, other):
        _, csr = csr_for()
        status, body = sign(ca_server, csr, dev.account_token("vpn", "vpn"))
        assert status == 201, body
    out = ca_cli(d, "device", "untag", other.ek_uri, "lab").stdout
    assert b"1 account certificate(s) revoked" in out
    got = {r[1]: (r[2], r[3]) for r in rows(ca_server, "vpn")}
    assert sorted(got.values()) == [(0, None), (1, 3)]
    assert other.accounts()[1] == {"accounts": []}

    # Removing the account revokes the rest; a token for it is refused.
    out = ca_cli(d, "account", "remove", "vpn").stdout
    assert b"1 certificate(s) revoked" in out
    assert all(r[2] == 1 for r in rows(ca_server, "vpn"))
    n = len(rows(ca_server))
    _, csr = csr_for()
    status, body = sign(ca_server, csr, lab.account_token("vpn", "vpn"))
    assert status == 403 and "removed" in body["message"], body
    assert len(rows(ca_server)) == n


def test_account_edit_command(ca_server, tmp_path):
    """`account edit` changes only what it is given, revokes what the change
    takes away (as the admin API's PUT does), refuses bad definitions
    without changing anything, and every CLI change is in the audit log."""
    d = ca_server.dir
    ca_cli(d, "account", "add", "vpn", "--sub", "{name}", "--san", "{name}.vpn.example.org",
           "--devices", "tag:lab", "--devices", "tag:office", "--lifetime", "2h")
    lab = TaggedDevice(ca_server, tmp_path, name="lab1", tags=("lab",))
    office = TaggedDevice(ca_server, tmp_path, name="desk1", tags=("office",))

    def issue(dev):
        _, csr = csr_for()
        status, body = sign(ca_server, csr, dev.account_token("vpn", dev_name[dev]))
        assert status == 201, body
        return format(x509.load_pem_x509_certificate(body["crt"].encode()).serial_number, "x")

    def show():
        return json.loads(ca_cli(d, "account", "show", "vpn", "--json").stdout)

    def revoked():
        return {r[0].lower().lstrip("0"): r[3] for r in rows(ca_server, "vpn") if r[2]}

    dev_name = {lab: "lab1", office: "desk1"}
    first = {dev: issue(dev) for dev in (lab, office)}

    # The lifetime alone: nothing else changes, nothing is revoked.
    out = ca_cli(d, "account", "edit", "vpn", "--lifetime", "3h").stdout
    assert b"changed account vpn; 0 certificate(s) revoked" in out
    acct = show()
    assert acct["lifetime"] == 3 * 3600 and acct["sub"] == "{name}"
    assert acct["sans"] == ["{name}.vpn.example.org"] and acct["devices"] == ["tag:lab", "tag:office"]
    assert revoked() == {}

    # Targets narrowed: the office device's certificate goes (affiliationChanged, 3).
    out = ca_cli(d, "account", "edit", "vpn", "--devices", "tag:lab", "--json").stdout
    assert json.loads(out)["devices"] == ["tag:lab"] and json.loads(out)["lifetime"] == 3 * 3600
    assert revoked() == {first[office].lstrip("0"): 3}
    assert [a["name"] for a in office.accounts()[1]["accounts"]] == []

    # New names: every certificate of the account goes (superseded, 4), and
    # the next one carries the new names.
    out = ca_cli(d, "account", "edit", "vpn", "--no-sans").stdout
    assert b"1 certificate(s) revoked" in out
    assert revoked() == {first[office].lstrip("0"): 3, first[lab].lstrip("0"): 4}
    assert show()["sans"] == [] and show()["sub"] == "{name}"
    _, csr = csr_for()
    status, body = sign(ca_server, csr, lab.account_token("vpn", "lab1"))
    assert status == 201, body
    crt = x509.load_pem_x509_certificate(body["crt"].encode())
    assert crt.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "lab1"

    # Refusals change nothing.
    before = show()
    for args, want in ((("nope", "--lifetime", "1h"), "No account"),
                       (("vpn", "--san", "{nmae}"), "unknown variable"),
                       (("vpn", "--lifetime", "25h"), "outside"),
                       (("vpn", "--key", "hsm"), "invalid key kind"),
                       (("vpn", "--san", "x.example.org", "--no-sans"), "exclude each other"),
                       (("vpn", "--sub", "{serial}", "--devices", "all"), "has no value")):
        r = ca_cli(d, "account", "edit", *args, check=False)
        assert r.returncode != 0 and want in r.stderr.decode(), (args, r.stderr)
    assert show() == before

    # Each change made on the command line is audited, as the user running it.
    ca_cli(d, "account", "remove", "vpn")
    entries = json.loads(ca_cli(d, "audit", "list", "--json").stdout)
    mine = [e for e in entries if (e.get("target") or "") == "account vpn"]
    assert [e["action"] for e in reversed(mine)] == \
        ["account.add", "account.edit", "account.edit", "account.edit", "account.remove"]
    assert all(e["actor_kind"] == "cli" for e in mine)
    assert [e["detail"]["revoked_certificates"] for e in reversed(mine[1:4])] == [0, 1, 1]
    assert mine[0]["detail"]["revoked_certificates"] == 1


def test_admin_api_accounts_and_tags(ca_server, tmp_path):
    def call(method, path, body=None, admin=True):
        status, _, raw = ca_server.request(method, path, body=body, admin=admin)
        return status, json.loads(raw) if raw else None

    status, body = call("POST", "/admin/accounts", {"name": "wifi", "sub": "{name}", "sans": ["{name}.example.org"],
                                                    "lifetime": "4h", "devices": ["tag:lab"]})
    assert status == 201 and body["lifetime"] == 14400 and body["devices"] == ["tag:lab"], body
    assert call("POST", "/admin/accounts", {"name": "wifi"})[0] == 409
    status, body = call("POST", "/admin/accounts", {"name": "x", "sans": ["{bogus}"]})
    assert status == 400 and "unknown variable" in body["message"], body
    assert call("POST", "/admin/accounts", {"name": "x", "extra": 1})[0] == 400
    assert call("POST", "/admin/accounts", {"name": "x"}, admin=False)[0] == 401
    assert [a["name"] for a in call("GET", "/admin/accounts")[1]["accounts"]] == ["wifi"]
    assert call("GET", "/admin/accounts/wifi")[1]["sub"] == "{name}"
    assert call("GET", "/admin/accounts/nope")[0] == 404

    dev = TaggedDevice(ca_server, tmp_path, name="lab2")
    db = sqlite3.connect(os.path.join(ca_server.dir, "ca.db"))
    dev_id = db.execute("SELECT id FROM devices WHERE ek_uri = ?", (dev.ek_uri,)).fetchone()[0]
    db.close()
    status, body = call("PUT", f"/admin/devices/{dev_id}/tags", {"tags": ["lab", "blue"]})
    assert status == 200 and body["tags"] == ["blue", "lab"] and body["revoked_certificates"] == 0, body
    _, csr = csr_for()
    status, body = sign(ca_server, csr, dev.account_token("wifi", "lab2", ["lab2.example.org"]))
    assert status == 201, body
    # Tags replaced without "lab": the wifi certificate of the device is revoked.
    status, body = call("PUT", f"/admin/devices/{dev_id}/tags", {"tags": ["blue"]})
    assert status == 200 and body["tags"] == ["blue"] and body["revoked_certificates"] == 1, body
    assert rows(ca_server, "wifi")[0][2:4] == (1, 3)
    assert call("PUT", f"/admin/devices/{dev_id}/tags", {"tags": ["bad/tag"]})[0] == 400
    assert call("PUT", "/admin/devices/99999/tags", {"tags": ["lab"]})[0] == 404
    # Each change is in the audit log.
    actions = [e["action"] for e in call("GET", "/admin/audit")[1]["entries"]]
    assert "account.add" in actions and "device.tags" in actions, actions
    status, body = call("DELETE", "/admin/accounts/wifi")
    assert status == 200 and body["revoked_certificates"] == 0, body
    assert call("GET", "/admin/accounts")[1]["accounts"] == []


def test_admin_api_account_edit_preview_and_pages(ca_server, tmp_path):
    def call(method, path, body=None):
        status, _, raw = ca_server.request(method, path, body=body, admin=True)
        return status, json.loads(raw) if raw else None

    dev = TaggedDevice(ca_server, tmp_path, name="pc7", owner="bob", tags=("lab",))
    db = sqlite3.connect(os.path.join(ca_server.dir, "ca.db"))
    dev_id = db.execute("SELECT id FROM devices WHERE ek_uri = ?", (dev.ek_uri,)).fetchone()[0]
    db.close()
    wifi = {"name": "wifi", "sub": "{name}", "sans": ["{name}.wifi.example.org", "{owner}@example.org"]}

    # The preview of an unsaved definition: the names issuance gives.
    status, body = call("POST", "/admin/account-preview", {"device": dev_id, "account": wifi})
    assert status == 200 and body == {"device": dev_id, "targeted": True, "sub": "pc7",
                                      "sans": ["pc7.wifi.example.org", "bob@example.org"]}, body
    status, body = call("POST", "/admin/account-preview",
                        {"device": dev_id, "account": {**wifi, "sans": ["{serial}.example.org"]}})
    assert status == 200 and body["field"] == "sans" and "{serial}" in body["error"] and "sub" not in body, body
    status, body = call("POST", "/admin/account-preview", {"device": dev_id, "account": {**wifi, "sub": "{nope}"}})
    assert status == 200 and body["field"] == "sub", body
    status, body = call("POST", "/admin/account-preview", {"device": dev_id, "account": {**wifi, "devices": ["tag:x"]}})
    assert status == 200 and body["targeted"] is False and body["sub"] == "pc7", body
    assert call("POST", "/admin/account-preview", {"device": 9999, "account": wifi})[1]["field"] == "device"
    assert call("POST", "/admin/account-preview", {"account": wifi})[0] == 400

    # Refusals name the member at fault.
    for bad, field in (({"name": "Wifi"}, "name"), ({"name": "x", "lifetime": "soon"}, "lifetime"),
                       ({"name": "x", "key": "hsm"}, "key"), ({"name": "x", "devices": ["lab"]}, "devices"),
                       ({"name": "x", "sans": ["{owner}@{serial}"]}, "sans")):
        status, body = call("POST", "/admin/accounts", bad)
        assert status == 400 and body["field"] == field, (bad, body)
    assert call("POST", "/admin/accounts", wifi)[0] == 201
    assert call("POST", "/admin/accounts", wifi)[1]["field"] == "name"

    # What the preview showed is what the certificate carries.
    _, csr = csr_for()
    status, body = sign(ca_server, csr, dev.account_token("wifi", "pc7", ["pc7.wifi.example.org", "bob@example.org"]))
    assert status == 201, body
    crt = x509.load_pem_x509_certificate(body["crt"].encode())
    assert crt.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "pc7"
    san = crt.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["pc7.wifi.example.org"]
    assert san.get_values_for_type(x509.RFC822Name) == ["bob@example.org"]

    # Edit: a lifetime alone revokes nothing; new names supersede.
    status, body = call("PUT", "/admin/accounts/wifi", {**wifi, "lifetime": "2h"})
    assert status == 200 and body["lifetime"] == 7200 and body["revoked_certificates"] == 0, body
    assert rows(ca_server, "wifi")[0][2] == 0
    assert call("PUT", "/admin/accounts/wifi", {**wifi, "name": "other"})[1]["field"] == "name"
    assert call("PUT", "/admin/accounts/wifi", {**wifi, "sans": ["{serial}.x.org"]})[1]["field"] == "sans"
    assert call("PUT", "/admin/accounts/nope", wifi)[0] == 404
    status, body = call("PUT", "/admin/accounts/wifi", {"sub": "wifi-{id}"})
    assert status == 200 and body["sub"] == "wifi-{id}" and body["sans"] == [] and body["revoked_certificates"] == 1
    assert rows(ca_server, "wifi")[0][2:4] == (1, 4)
    actions = [e["action"] for e in call("GET", "/admin/audit")[1]["entries"]]
    assert actions.count("account.edit") == 2, actions

    # Pages and search.
    for i in range(5):
        assert call("POST", "/admin/accounts", {"name": f"vpn{i}", "sub": f"vpn{i}-{{name}}"})[0] == 201
    status, body = call("GET", "/admin/accounts?limit=2&offset=2")
    assert [a["name"] for a in body["accounts"]] == ["vpn2", "vpn3"] and body["total"] == 6, body
    status, body = call("GET", "/admin/accounts?q=WIFI-&limit=10")
    assert [a["name"] for a in body["accounts"]] == ["wifi"] and body["total"] == 1, body
    assert len(call("GET", "/admin/accounts")[1]["accounts"]) == 6
    assert call("GET", "/admin/accounts?limit=501")[0] == 400
