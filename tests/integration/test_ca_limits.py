# SPDX-License-Identifier: Apache-2.0
"""Bounded state in deviceid-ca, on loopback against a real server: the
request rate limits of ca.conf's [limits] (429 with Retry-After, other
clients unaffected), the purge of expired ACME orders, newOrder refusing
identifiers the provisioner can never issue, and a full disk (a small
tmpfs holding the CA directory) answered with 503 and Retry-After, with
nothing half-written, reads still served, and writes back once space is."""
import json
import os
import shutil
import sqlite3
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from fixtures.acme import ERR, AcmeClient
from fixtures.ca import ca_cli, ca_init, start_ca_server
from fixtures.procs import free_port, require

OTHER_EK_URI = "urn:ek:sha256:" + "B" * 42 + "E="


def start_ca(procs, directory, limits):
    """A CA in DIRECTORY whose ca.conf has [limits] LIMITS (dict)."""
    port = free_port()
    ca_init(directory, port)
    with open(os.path.join(directory, "ca.conf"), "a") as f:
        f.write("\n[limits]\n" + "".join(f"{k} = {v}\n" for k, v in limits.items()))
    return start_ca_server(procs, directory, port)


def db(ca):
    return sqlite3.connect(os.path.join(ca.dir, "ca.db"), timeout=10)


def count(ca, table):
    with db(ca) as con:
        return con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def assert_rate_limited(r):
    assert r.status == 429, r
    assert r.headers["Content-Type"].startswith("application/problem+json"), r
    assert r.problem_type == ERR + "rateLimited", r
    assert int(r.headers["Retry-After"]) >= 1, r.headers


def test_order_flood_is_rate_limited_per_account(procs, tmp_path):
    ca = start_ca(procs, str(tmp_path / "ca"),
                  {"new_order_per_account": "3/1h", "new_account_per_address": "3/1h"})
    a, b, c, d = (AcmeClient(ca) for _ in range(4))
    for client in (a, b, c):
        assert client.new_account().status == 201
    assert_rate_limited(d.new_account())
    orders = count(ca, "acme_orders")
    for _ in range(3):
        assert a.new_order([("dns", "flood.test")]).status == 201
    for _ in range(20):
        assert_rate_limited(a.new_order([("dns", "flood.test")]))
    # Nothing was stored for the refused ones, and other accounts go on.
    assert count(ca, "acme_orders") == orders + 3
    assert b.new_order([("dns", "other.test")]).status == 201
    assert c.new_order([("dns", "other.test")]).status == 201


def test_attest_is_rate_limited_per_address(procs, tmp_path):
    ca = start_ca(procs, str(tmp_path / "ca"), {"attest_per_address": "2/1h"})
    body = {"tpmInfo": {}, "ek": "", "ekCerts": [], "params": {}}
    for _ in range(2):
        status, _, resp = ca.post("/attestation/attest", body, headers={"X-Request-Id": str(uuid.uuid4())})
        assert status == 400, resp
    status, headers, resp = ca.post("/attestation/attest", body, headers={"X-Request-Id": str(uuid.uuid4())})
    assert status == 429, resp
    assert int(headers["Retry-After"]) >= 1
    assert json.loads(resp)["status"] == 429


def test_new_order_refuses_identifiers_never_issued(procs, tmp_path):
    ca = start_ca(procs, str(tmp_path / "ca"), {})
    c = AcmeClient(ca, provisioner="agents")
    assert c.new_account().status == 201
    # Typed so that an agent withdraws what it holds (docs/revocation.md).
    r = c.new_order([("permanent-identifier", OTHER_EK_URI)])
    assert r.status == 403 and r.problem_type == "urn:deviceid:error:deviceRemoved", r
    assert "inventory" in r.json()["detail"]
    ca_cli(ca.dir, "device", "add", "--ek-uri", OTHER_EK_URI, "--name", "other")
    ca_cli(ca.dir, "device", "disable", OTHER_EK_URI)
    r = c.new_order([("permanent-identifier", OTHER_EK_URI)])
    assert r.status == 403 and r.problem_type == "urn:deviceid:error:deviceDisabled", r
    assert "disabled" in r.json()["detail"]
    assert count(ca, "acme_orders") == 0
    ca_cli(ca.dir, "device", "enable", OTHER_EK_URI)
    assert c.new_order([("permanent-identifier", OTHER_EK_URI)]).status == 201


def test_expired_orders_are_purged(procs, tmp_path):
    ca = start_ca(procs, str(tmp_path / "ca"), {"purge_interval": "1s", "purge_after": "0"})
    c = AcmeClient(ca)
    assert c.new_account().status == 201
    old = c.new_order([("dns", "a.test"), ("dns", "b.test")])
    new = c.new_order([("dns", "c.test")])
    assert old.status == 201 and new.status == 201
    old_id = old.headers["Location"].rsplit("/", 1)[1]
    assert count(ca, "acme_orders") == 2 and count(ca, "acme_authz") == 3
    assert count(ca, "acme_challenges") >= 3
    with db(ca) as con:
        con.execute("UPDATE acme_orders SET expires = 1 WHERE id = ?", (old_id,))
        con.execute("UPDATE acme_authz SET expires = 1 WHERE order_id = ?", (old_id,))
    deadline = time.monotonic() + 15
    while count(ca, "acme_orders") != 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    with db(ca) as con:
        assert [r[0] for r in con.execute("SELECT id FROM acme_orders")] == \
            [new.headers["Location"].rsplit("/", 1)[1]]
        assert con.execute("SELECT COUNT(*) FROM acme_authz").fetchone()[0] == 1
        assert con.execute("SELECT COUNT(*) FROM acme_challenges WHERE authz_id NOT IN "
                           "(SELECT id FROM acme_authz)").fetchone()[0] == 0
    assert c.get(old.headers["Location"]).status == 404
    assert c.get(new.headers["Location"]).status == 200


@pytest.fixture
def small_fs(tmp_path):
    """A 4 MiB tmpfs (root only), unmounted at the end."""
    require(os.geteuid() == 0, "mounting a tmpfs needs root")
    mnt = tmp_path / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(mnt)], check=True)
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(path):
    """Writes PATH until the file system is full. Unbuffered: a short
    write leaves nothing behind for close() to flush into the full disk."""
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass


def test_full_disk_is_503_and_recovers(procs, small_fs):
    ca = start_ca(procs, str(small_fs / "ca"), {"new_order_per_account": "off", "new_order_per_address": "off"})
    c = AcmeClient(ca)
    assert c.new_account().status == 201
    first = c.new_order([("dns", "first.test")])
    assert first.status == 201
    filler = small_fs / "filler"
    fill(filler)
    # The WAL may still hold free pages: write until the disk says no.
    for i in range(500):
        r = c.new_order([("dns", f"n{i}.test"), ("dns", f"m{i}.test")])
        if r.status != 201:
            break
    assert r.status == 503, r
    assert r.headers["Content-Type"].startswith("application/problem+json"), r
    assert int(r.headers["Retry-After"]) >= 1
    # The admin API's writes are refused the same way.
    status, headers, _ = ca.post("/admin/devices", {"ek_uri": OTHER_EK_URI}, admin=True)
    assert status == 503 and int(headers["Retry-After"]) >= 1
    # Reads go on, and nothing is half-written. (An ACME POST-as-GET is
    # not a pure read: it uses up its nonce in the database, so it gets
    # the same 503 until there is space.)
    assert ca.healthy()
    # Every read is served, also on the server threads that open their
    # database connection only now: opening one writes nothing (the WAL
    # and its index exist already), so concurrent reads, which reach
    # threads that had no work yet, all succeed.
    with ThreadPoolExecutor(16) as pool:
        reads = list(pool.map(lambda _: ca.get("/admin/devices", admin=True), range(64)))
    for status, _, body in reads:
        assert status == 200 and OTHER_EK_URI not in body.decode(), (status, body)
    status, _, body = ca.get("/acme/acme/directory")
    assert status == 200 and "newOrder" in json.loads(body)
    r = c.get(first.headers["Location"])
    assert r.status == 200 or (r.status == 503 and int(r.headers["Retry-After"]) >= 1), r
    with db(ca) as con:
        assert con.execute("SELECT COUNT(*) FROM acme_orders WHERE id NOT IN "
                           "(SELECT order_id FROM acme_authz)").fetchone()[0] == 0
        assert con.execute("SELECT COUNT(*) FROM acme_authz WHERE id NOT IN "
                           "(SELECT authz_id FROM acme_challenges)").fetchone()[0] == 0
    os.unlink(filler)
    assert c.get(first.headers["Location"]).status == 200
    r = c.new_order([("dns", "after.test")])
    assert r.status == 201, r
    status, _, _ = ca.post("/admin/devices", {"ek_uri": OTHER_EK_URI}, admin=True)
    assert status == 201
    assert ca.stop() == 0
    shutil.rmtree(small_fs / "ca")
