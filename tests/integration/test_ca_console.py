# SPDX-License-Identifier: Apache-2.0
"""The web console's server side over HTTPS, against a real deviceid-ca:
login links (single use, expiry, refusals rate limited), sessions (cookie
attributes, lifetime and idle end, sign-out), the anti-CSRF header and
cross-site refusals on every change, admin certificates still working,
the audit log (API and `deviceid-ca audit list` agree), certificate search
and revocation, device search and paging, the console's files and their
security headers."""
import json
import os
import sqlite3
import time
from http.cookies import SimpleCookie

import pytest

from fixtures.ca import UI_DIR, ca_cli
from fixtures.console import COOKIE, ConsoleSession, ek_uri, issue_for_device, login_link, redeem, token_of

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self';"
       " object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def db(srv):
    return sqlite3.connect(os.path.join(srv.dir, "ca.db"))


def audit_api(srv):
    status, _, body = srv.get("/admin/audit?limit=500", admin=True)
    assert status == 200, body
    return json.loads(body)["entries"]


def test_login_link_single_use(ca_server):
    link = login_link(ca_server, name="alice")
    status, headers, body = redeem(ca_server, token_of(link))
    assert status == 201, body
    assert body["kind"] == "session" and body["name"] == "alice" and len(body["csrf_token"]) == 43
    cookie = headers["Set-Cookie"]
    attrs = [a.strip() for a in cookie.split(";")]
    assert attrs[0].startswith(COOKIE + "=") and len(attrs[0]) == len(COOKIE) + 1 + 43
    assert {"Path=/", "Secure", "HttpOnly", "SameSite=Strict", "Max-Age=28800"} <= set(attrs[1:])
    # Only its hash is stored: the database does not hold the secret.
    with db(ca_server) as d:
        stored = [r[0] for r in d.execute("SELECT id_hash FROM console_sessions")]
        links = [r[0] for r in d.execute("SELECT token_hash FROM console_login_links")]
    assert len(stored) == 1 and attrs[0].split("=", 1)[1] not in stored
    assert token_of(link) not in links

    status, _, body = redeem(ca_server, token_of(link))
    assert status == 401 and "already used" in body["message"]
    status, _, body = redeem(ca_server, "A" * 43)
    assert status == 401 and body["message"] == "this sign-in link is not valid"


def test_login_link_expires(ca_server):
    link = login_link(ca_server, ttl="1s")
    time.sleep(2.1)
    status, _, body = redeem(ca_server, token_of(link))
    assert status == 401 and "expired" in body["message"]
    r = ca_cli(ca_server.dir, "admin", "login-link", "--ttl", "25h", check=False)
    assert r.returncode != 0


def test_signin_rate_limited(ca_server):
    good = token_of(login_link(ca_server))
    for i in range(5):
        status, _, _ = redeem(ca_server, f"{i:043d}")
        assert status == 401
    status, headers, body = redeem(ca_server, good)
    # Over the limit even a good token is not looked at (and stays unused).
    assert status == 429, body
    assert 1 <= int(headers["Retry-After"]) <= 12
    with db(ca_server) as d:
        assert d.execute("SELECT used_at FROM console_login_links").fetchall() == [(None,)]
    # Malformed requests count as failures too.
    status, _, _ = ca_server.post("/admin/session", b"{", headers={"Content-Type": "application/json"})
    assert status == 429
    # One interval later one more attempt is allowed, and it works.
    time.sleep(12.2)
    status, _, body = redeem(ca_server, good)
    assert status == 201, body


def test_session_csrf_and_cross_site(ca_server):
    s = ConsoleSession.sign_in(ca_server, name="alice")
    status, body = s.json("GET", "/admin/devices")
    assert status == 200 and body["devices"] == []
    status, body = s.json("GET", "/admin/session")
    assert status == 200 and body["csrf_token"] == s.csrf and body["features"] == {"accounts": True}

    dev = {"ek_uri": ek_uri("a"), "name": "one"}
    status, body = s.json("POST", "/admin/devices", dev, csrf=False)
    assert status == 403 and "X-CSRF-Token" in body["message"]
    status, body = s.json("POST", "/admin/devices", dev, headers={"X-CSRF-Token": "x" * 43})
    assert status == 403
    # A cross-site request is refused even with the right token.
    status, _ = s.json("POST", "/admin/devices", dev, headers={"Origin": "https://evil.example"})
    assert status == 403
    status, _ = s.json("POST", "/admin/devices", dev, headers={"Sec-Fetch-Site": "cross-site"})
    assert status == 403
    status, _ = s.json("POST", "/admin/devices", dev, headers={"Origin": "null"})
    assert status == 403
    with db(ca_server) as d:
        assert d.execute("SELECT COUNT(*) FROM devices").fetchone() == (0,)

    status, body = s.json("POST", "/admin/devices", dev)
    assert status == 201, body
    status, body = s.json("POST", f"/admin/devices/{body['id']}/disable", b"")
    assert status == 200 and body["status"] == "disabled"

    # The admin certificate keeps working without a token, but not cross-site.
    status, _, _ = ca_server.post("/admin/devices", {"ek_uri": ek_uri("b")}, admin=True)
    assert status == 201
    status, _, _ = ca_server.post("/admin/devices", {"ek_uri": ek_uri("c")}, admin=True,
                                  headers={"Origin": "https://evil.example"})
    assert status == 403
    # Neither: 401.
    status, _, _ = ca_server.get("/admin/devices")
    assert status == 401
    # The admin certificate is who it is, with no session and no token.
    status, _, body = ca_server.get("/admin/session", admin=True)
    body = json.loads(body)
    assert status == 200 and body["kind"] == "certificate" and "csrf_token" not in body
    status, _, _ = ca_server.request("DELETE", "/admin/session", admin=True)
    assert status == 400


def test_session_end_and_expiry(ca_server):
    s = ConsoleSession.sign_in(ca_server)
    status, headers, _ = s.request("DELETE", "/admin/session", csrf=False)
    assert status == 403
    status, headers, _ = s.request("DELETE", "/admin/session")
    assert status == 204
    jar = SimpleCookie()
    jar.load(headers["Set-Cookie"])
    assert jar[COOKIE].value == "" and jar[COOKIE]["max-age"] == "0"
    status, _, _ = s.request("GET", "/admin/devices")
    assert status == 401

    # Idle past session_idle (30 min) or past the lifetime: ended, 401.
    for column, value in (("last_seen_at", time.time() - 31 * 60), ("expires_at", time.time() - 1)):
        s = ConsoleSession.sign_in(ca_server)
        with db(ca_server) as d:
            d.execute(f"UPDATE console_sessions SET {column} = ?", (int(value),))
        status, _, body = s.request("GET", "/admin/devices")
        assert status == 401 and b"expired" in body, column
        with db(ca_server) as d:
            assert d.execute("SELECT COUNT(*) FROM console_sessions").fetchone() == (0,)


def test_audit_log(ca_server, tmp_path):
    s = ConsoleSession.sign_in(ca_server, name="alice")
    status, dev = s.json("POST", "/admin/devices", {"ek_uri": ek_uri("p"), "name": "printer"})
    assert status == 201
    serial = issue_for_device(ca_server, tmp_path, ek_uri("p"))
    status, _ = s.json("POST", f"/admin/certificates/{serial}/revoke", {"reason": "keyCompromise"})
    assert status == 200
    status, _, _ = ca_server.post(f"/admin/devices/{dev['id']}/disable", b"", admin=True)
    assert status == 200
    ca_cli(ca_server.dir, "device", "enable", str(dev["id"]))
    # A refused change leaves no entry.
    status, _ = s.json("POST", "/admin/devices", {"ek_uri": ek_uri("p")})
    assert status == 409

    entries = audit_api(ca_server)
    got = [(e["actor_kind"], e["actor"], e["action"], e.get("target")) for e in reversed(entries)]
    admin_serial = got[4][1]
    assert got == [
        ("cli", "root", "login-link.create", None),
        ("session", "alice", "session.login", None),
        ("session", "alice", "device.add", f"device {dev['id']}"),
        ("session", "alice", "certificate.revoke", f"certificate {serial}"),
        ("certificate", admin_serial, "device.disable", f"device {dev['id']}"),
        ("cli", "root", "device.enable", f"device {dev['id']}"),
    ]
    # The certificate actor is the admin certificate's serial.
    import subprocess
    out = subprocess.run(["openssl", "x509", "-noout", "-serial", "-in", ca_server.admin_cert],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip().split("=")[1].lower().lstrip("0") == admin_serial
    assert entries[2]["detail"] == {"reason": "keyCompromise"}
    assert entries[1]["remote_addr"] == "127.0.0.1" and len(entries[2]["session"]) == 16

    # The command line prints the same entries.
    out = ca_cli(ca_server.dir, "audit", "list", "--json").stdout
    assert json.loads(out) == entries
    text = ca_cli(ca_server.dir, "audit", "list", "--limit", "2").stdout
    text = text.decode() if isinstance(text, bytes) else text
    assert len(text.strip().splitlines()) == 3 and "device.enable" in text
    # Paging and search.
    status, _, body = ca_server.get("/admin/audit?limit=2", admin=True)
    page = json.loads(body)
    assert [e["id"] for e in page["entries"]] == [entries[0]["id"], entries[1]["id"]]
    status, _, body = ca_server.get(f"/admin/audit?limit=2&before={page['next_before']}", admin=True)
    assert [e["id"] for e in json.loads(body)["entries"]] == [entries[2]["id"], entries[3]["id"]]
    status, _, body = ca_server.get("/admin/audit?q=REVOKE", admin=True)
    assert [e["action"] for e in json.loads(body)["entries"]] == ["certificate.revoke"]
    status, _, _ = ca_server.get("/admin/audit?limit=0", admin=True)
    assert status == 400


def test_certificates_search_and_revoke(ca_server, tmp_path):
    for name in ("alpha", "beta"):
        status, _, _ = ca_server.post("/admin/devices", {"ek_uri": ek_uri(name), "name": name}, admin=True)
        assert status == 201
    a1 = issue_for_device(ca_server, tmp_path, ek_uri("alpha"), ca="agent", cn="alpha-dev")
    a2 = issue_for_device(ca_server, tmp_path, ek_uri("alpha"), ca="account", cn="wifi-alpha")
    b1 = issue_for_device(ca_server, tmp_path, ek_uri("beta"), ca="account", cn="vpn-beta")

    def search(q):
        status, _, body = ca_server.get(f"/admin/certificates{q}", admin=True)
        assert status == 200, body
        body = json.loads(body)
        return body["total"], sorted(c["serial"] for c in body["certificates"])

    assert search("") == (3, sorted([a1, a2, b1]))
    assert search("?q=alpha") == (2, sorted([a1, a2]))        # device name
    assert search("?q=VPN") == (1, [b1])                       # subject, any case
    assert search(f"?q={b1[:10]}") == (1, [b1])                # serial
    assert search("?ca=account") == (2, sorted([a2, b1]))
    assert search("?device=2") == (1, [b1])
    assert search("?limit=1&offset=1")[0] == 3 and len(search("?limit=1&offset=1")[1]) == 1
    assert search("?q=%25")[0] == 0                            # LIKE wildcards are literal
    for bad in ("?state=bogus", "?ca=root", "?limit=501", "?device=x"):
        status, _, _ = ca_server.get(f"/admin/certificates{bad}", admin=True)
        assert status == 400, bad

    status, _, body = ca_server.get(f"/admin/certificates/{a1.upper()}", admin=True)
    assert status == 200
    one = json.loads(body)
    assert one["serial"] == a1 and one["device_name"] == "alpha" and one["state"] == "valid"
    assert one["pem"].startswith("-----BEGIN CERTIFICATE-----")
    assert {"type": "permanent-identifier", "value": ek_uri("alpha")} in one["sans"]

    status, _, body = ca_server.post(f"/admin/certificates/{a2}/revoke", {"reason": "superseded"}, admin=True)
    assert status == 200 and json.loads(body)["state"] == "revoked"
    assert json.loads(body)["revocation_reason"] == "superseded"
    status, _, _ = ca_server.post(f"/admin/certificates/{a2}/revoke", {"reason": "superseded"}, admin=True)
    assert status == 409
    status, _, _ = ca_server.post("/admin/certificates/abcdef/revoke", b"", admin=True)
    assert status == 404
    for bad in ({"reason": "certificateHold"}, {"reason": 1}, {"why": "x"}):
        status, _, _ = ca_server.post(f"/admin/certificates/{b1}/revoke", bad, admin=True)
        assert status == 400, bad
    with db(ca_server) as d:
        rows = dict(d.execute("SELECT serial, revocation_reason FROM certificates WHERE revoked = 1").fetchall())
    assert rows == {a2: 4}
    assert search("?state=revoked") == (1, [a2])
    assert search("?state=valid")[0] == 2

    status, _, body = ca_server.get("/admin/overview", admin=True)
    o = json.loads(body)
    assert o["devices"] == {"active": 2, "disabled": 0}
    assert o["certificates"] == {"valid": 2, "revoked": 1, "expired": 0}
    assert [c["name"] for c in o["ca_certificates"]] == ["root", "attestation-ca", "agent-ca", "account-ca"]
    assert o["revocation"] == {"crl": None, "ocsp": None}
    root = open(ca_server.root).read()
    assert o["ca_certificates"][0]["pem"] == root
    status, headers, body = ca_server.get("/ui/root.pem")
    assert status == 200 and body.decode() == root and "attachment" in headers["Content-Disposition"]


def test_devices_search_and_paging(ca_server):
    for i in range(7):
        body = {"ek_uri": ek_uri(f"d{i}"), "name": f"Host {i}", "owner": "Ops" if i % 2 else "Lab"}
        assert ca_server.post("/admin/devices", body, admin=True)[0] == 201
    ca_server.post("/admin/devices/3/disable", b"", admin=True)

    def get(q):
        status, _, body = ca_server.get(f"/admin/devices{q}", admin=True)
        assert status == 200, body
        body = json.loads(body)
        return body["total"], [d["id"] for d in body["devices"]]

    assert get("") == (7, [1, 2, 3, 4, 5, 6, 7])
    assert get("?limit=3") == (7, [1, 2, 3])
    assert get("?limit=3&offset=6") == (7, [7])
    assert get("?q=ops") == (3, [2, 4, 6])
    assert get("?status=disabled") == (1, [3])
    assert get("?status=active&q=lab") == (3, [1, 5, 7])
    assert get("?q=host%205") == (1, [6])
    for bad in ("?status=gone", "?limit=501", "?offset=-1"):
        assert ca_server.get(f"/admin/devices{bad}", admin=True)[0] == 400, bad


def test_device_tags(ca_server):
    s = ConsoleSession.sign_in(ca_server, name="alice")
    status, one = s.json("POST", "/admin/devices", {"ek_uri": ek_uri("t1"), "tags": ["Lab", "site-a", "lab"]})
    assert status == 201 and one["tags"] == ["lab", "site-a"]
    status, body = s.json("POST", "/admin/devices", {"ek_uri": ek_uri("t2"), "tags": ["<b>x</b>"]})
    assert status == 400 and "tag" in body["message"]
    status, body = s.json("POST", "/admin/devices", {"ek_uri": ek_uri("t2"), "tags": ["a b"]})
    assert status == 400
    status, body = s.json("POST", "/admin/devices", {"ek_uri": ek_uri("t2"), "tags": [f"t{i}" for i in range(17)]})
    assert status == 400
    csv = f"ek_uri,name,tags\n{ek_uri('t2')},two,site-a;kiosk\n{ek_uri('t3')},three,\n".encode()
    status, body = s.json("POST", "/admin/devices/import", csv, content_type="text/csv")
    assert status == 200 and body["imported"] == 2, body

    def ids(q):
        status, body = s.json("GET", f"/admin/devices{q}")
        assert status == 200, body
        return body["total"], [d["id"] for d in body["devices"]]

    assert ids("?tag=site-a") == (2, [1, 2])
    assert ids("?tag=SITE-A") == (2, [1, 2])
    assert ids("?tag=kiosk&q=two") == (1, [2])
    # A tag is matched whole, and LIKE wildcards are plain characters.
    assert ids("?tag=site") == (0, [])
    assert ids("?tag=site_a") == (0, [])
    for bad in ("?tag=a%20b", "?tag=x!", "?tag=" + "a" * 33):
        assert s.json("GET", f"/admin/devices{bad}")[0] == 400, bad

    # Replacing the tags: a change like any other (CSRF token, audit log).
    status, _ = s.json("PUT", "/admin/devices/3/tags", {"tags": ["kiosk"]}, csrf=False)
    assert status == 403
    status, body = s.json("PUT", "/admin/devices/3/tags", {"tags": ["kiosk", "Floor-2"]})
    assert status == 200 and body["tags"] == ["floor-2", "kiosk"]
    assert ids("?tag=kiosk") == (2, [2, 3])
    status, body = s.json("PUT", "/admin/devices/1/tags", {"tags": []})
    assert status == 200 and body["tags"] == []
    assert ids("?tag=lab") == (0, [])
    status, body = s.json("PUT", "/admin/devices/1/tags", {"tags": ["ok"], "name": "x"})
    assert status == 400
    status, body = s.json("PUT", "/admin/devices/1/tags", {"tags": ["no way"]})
    assert status == 400
    assert s.json("PUT", "/admin/devices/99/tags", {"tags": ["x"]})[0] == 404
    assert s.json("POST", "/admin/devices/1/tags", {"tags": ["x"]})[0] == 405
    with db(ca_server) as d:
        assert d.execute("SELECT tags FROM devices ORDER BY id").fetchall() == [
            (None,), (",kiosk,site-a,",), (",floor-2,kiosk,",)]
    tagged = [(e["action"], e["target"], e["detail"].get("tags")) for e in audit_api(ca_server)
              if e["action"] == "device.tags"]
    assert tagged == [("device.tags", "device 1", None), ("device.tags", "device 3", ",floor-2,kiosk,")]
    # The command line sets and shows them too.
    ca_cli(ca_server.dir, "device", "add", "--ek-uri", ek_uri("t4"), "--tags", "cli Kiosk")
    assert ids("?tag=kiosk") == (3, [2, 3, 4])
    out = ca_cli(ca_server.dir, "device", "show", "3").stdout
    out = out.decode() if isinstance(out, bytes) else out
    assert "tags:    floor-2,kiosk" in out


def test_console_files_and_headers(ca_server):
    for path, ctype in (("/ui/", "text/html"), ("/ui/login", "text/html"), ("/ui/app.js", "text/javascript"),
                        ("/ui/console.css", "text/css"), ("/ui/favicon.svg", "image/svg+xml")):
        status, headers, body = ca_server.get(path)
        assert status == 200, path
        assert headers["Content-Type"].startswith(ctype), path
        assert headers["Content-Security-Policy"] == CSP
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
    # No inline script anywhere: every script is a file of this origin.
    for name in os.listdir(UI_DIR):
        if name.endswith(".html"):
            html = ca_server.get(f"/ui/{name}")[2].decode()
            assert "<script>" not in html and "onclick" not in html and "style=" not in html
    status, headers, _ = ca_server.get("/ui")
    assert status == 301 and headers["Location"] == "/ui/"
    for path in ("/ui/../ca.conf", "/ui/%2e%2e/ca.conf", "/ui/nothing.js", "/ui/.hidden.js", "/ui/Index.html",
                 "/ui/admin.key", "/ui/ca.db"):
        status, headers, _ = ca_server.get(path)
        assert status == 404, path
    status, _, _ = ca_server.post("/ui/app.js", b"")
    assert status == 405
    status, headers, body = ca_server.post("/admin/session", {"token": "x"})
    assert headers["Content-Security-Policy"] == CSP


def test_console_config(ca_dir, procs):
    with open(os.path.join(ca_dir, "ca.conf"), "a") as f:
        f.write("[console]\nurl = https://ca.example.org\nsession_lifetime = 2h\nsession_idle = 10m\n")
    out = ca_cli(ca_dir, "admin", "login-link", "--name", "ops team").stdout
    out = out.decode() if isinstance(out, bytes) else out
    assert out.startswith("https://ca.example.org/ui/login#")
    from fixtures.ca import start_ca_server
    srv = start_ca_server(procs, ca_dir)
    status, headers, body = redeem(srv, token_of(out.strip()))
    assert status == 201 and body["name"] == "ops team" and body["idle_timeout"] == 600
    assert "Max-Age=7200" in headers["Set-Cookie"]

    with open(os.path.join(ca_dir, "ca.conf"), "a") as f:
        f.write("[console]\nsession_idle = 3h\n")
    r = ca_cli(ca_dir, "admin", "login-link", check=False)
    assert r.returncode != 0


@pytest.mark.parametrize("args", [["--name", ""], ["--name", "x" * 65], ["--ttl", "0"], ["--ttl", "soon"]])
def test_login_link_bad_arguments(ca_dir, args):
    r = ca_cli(ca_dir, "admin", "login-link", *args, check=False)
    assert r.returncode != 0
    with sqlite3.connect(os.path.join(ca_dir, "ca.db")) as d:
        rows = d.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'console_login_links'").fetchone()
        if rows == (1,):
            assert d.execute("SELECT COUNT(*) FROM console_login_links").fetchone() == (0,)
