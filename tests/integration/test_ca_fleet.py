# SPDX-License-Identifier: Apache-2.0
"""Several deviceid-ca instances on one PostgreSQL behave as one CA
(fixtures/fleet.py: instances behind nginx's TCP balancer on loopback):
state that a request leaves for the next one is in the database (ACME
nonces, pending attestations, challenge validation), single-use rules hold
across instances under races (a token's jti, a nonce, an activation), 200
devices get account certificates concurrently through the balancer with
no failure and no duplicate serial, an instance killed under load loses
no issued certificate's record while the other keeps serving, a device
with swtpm enrolls through the balancer while an instance is killed and
restarted, and the
database going away gives 503 with Retry-After until it comes back, with
no restart. Heavy (PostgreSQL)."""
import base64
import concurrent.futures
import hashlib
import json
import os
import secrets
import subprocess
import threading
import time
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import NameOID

from fixtures.acme import AcmeClient, Http01Responder, b64u, configure_acme
from fixtures.ca import ca_cli
from fixtures.fleet import PinnedHTTPSConnection
from fixtures.fsd import wait_for
from fixtures.procs import build_path, free_port, require_tool
from test_attest import Device as AttestingDevice
from test_attest import attest_request, tools_activate, tools_ak, verify_chain
from test_enroll import Device as EnrollingDevice
from test_enroll import openssl_verify

pytestmark = pytest.mark.heavy


# ---- devices with software keys and device certificates from the CA ----

class SoftDevice:
    """A device whose key is in memory (not a TPM): registered in the
    inventory, with a device certificate of the CA's Agent CA linked to it."""

    def __init__(self, ek_uri, key, chain_der):
        self.ek_uri = ek_uri
        self.key = key
        self.x5c = [base64.b64encode(c).decode() for c in chain_der]

    def token(self, port, sub="wifi", jti=None):
        now = int(time.time())
        header = {"alg": "ES256", "typ": "JWT", "kid": "device", "x5c": self.x5c}
        claims = {"iss": "devices", "aud": f"https://localhost:{port}/1.0/sign#x5c/devices", "sub": sub,
                  "iat": now, "nbf": now, "exp": now + 300, "jti": jti or secrets.token_hex(32)}
        si = b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode())
        r, s = utils.decode_dss_signature(self.key.sign(si.encode(), ec.ECDSA(hashes.SHA256())))
        return si + "." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def csr_pem(cn="ignored"):
    key = ec.generate_private_key(ec.SECP256R1())
    return (x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())


def make_devices(ca_dir, n, tmp_path):
    """n devices: one bulk import into the inventory, then a device
    certificate each from tests/tools/ca-issue (--link ties it to the device)."""
    keys, uris = [], []
    for _ in range(n):
        ek = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        uris.append("urn:ek:sha256:" + base64.b64encode(hashlib.sha256(ek).digest()).decode())
        keys.append(ec.generate_private_key(ec.SECP256R1()))
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps([{"ek_uri": u, "name": f"dev{i}"} for i, u in enumerate(uris)]))
    ca_cli(ca_dir, "device", "import", str(inventory))
    agent_ca = x509.load_pem_x509_certificate(open(os.path.join(ca_dir, "agent-ca.pem"), "rb").read())
    tool = build_path("tests", "tools", "ca-issue")

    def issue(i):
        pub = tmp_path / f"dev{i}-pub.pem"
        pub.write_bytes(keys[i].public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo))
        out = subprocess.run([tool, ca_dir, str(pub), "agent", f"dev{i}", str(7 * 86400), "--ek-uri", uris[i],
                              "--link"], capture_output=True, check=True, timeout=60).stdout
        cert = x509.load_pem_x509_certificate(out)
        return SoftDevice(uris[i], keys[i], [c.public_bytes(serialization.Encoding.DER) for c in (cert, agent_ca)])

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return list(pool.map(issue, range(n)))


def sign(server, device, jti=None, conn=None):
    """POST /1.0/sign; returns (status, body dict)."""
    body = json.dumps({"csr": csr_pem(), "ott": device.token(server.port, jti=jti)})
    status, _, data = server.request("POST", "/1.0/sign", body=body.encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        return status, json.loads(data)
    except ValueError:
        return status, {"raw": data.decode(errors="replace")}


def serial_of(resp):
    return format(x509.load_pem_x509_certificate(resp["crt"].encode()).serial_number, "x")


def db_serials(fleet):
    return set(fleet.pg.psql("SELECT serial FROM certificates", dbname=fleet.db).split())


# ---- tests ----

def test_instances_share_inventory_and_issue_through_the_balancer(ca_fleet, tmp_path):
    fleet = ca_fleet(2)
    a, b = fleet.instances
    (dev,) = make_devices(a.dir, 1, tmp_path)
    # The inventory written through instance A's directory is B's too.
    status, _, body = b.get("/admin/devices", admin=True)
    assert status == 200 and dev.ek_uri in body.decode()
    serials = set()
    for _ in range(6):   # round robin: both instances answer
        status, resp = sign(fleet.ca, dev)
        assert status == 201, resp
        serials.add(serial_of(resp))
    assert len(serials) == 6
    assert fleet.issued_by(a) and fleet.issued_by(b), "the balancer did not use both instances"
    assert fleet.issued_by(a) | fleet.issued_by(b) == serials
    assert serials <= db_serials(fleet)


def test_200_devices_sign_concurrently_across_both_instances(ca_fleet, tmp_path):
    """200 devices ask at once, through the balancer: every one gets its
    certificate (no retry), each serial is new, every one is on record,
    and both instances took part."""
    fleet = ca_fleet(2)
    a, b = fleet.instances
    t0 = time.monotonic()
    devices = make_devices(a.dir, 200, tmp_path)
    setup_s = time.monotonic() - t0
    barrier = threading.Barrier(len(devices))

    def ask(dev):
        barrier.wait(timeout=120)
        return sign(fleet.ca, dev)

    with concurrent.futures.ThreadPoolExecutor(len(devices)) as pool:
        results = list(pool.map(ask, devices))
    failures = [(s, r) for s, r in results if s != 201]
    assert not failures, f"{len(failures)} of 200 failed, e.g. {failures[:3]}"
    serials = [serial_of(r) for _, r in results]
    assert len(set(serials)) == 200, "duplicate serials"
    for dev, (_, r) in zip(devices, results):
        cert = x509.load_pem_x509_certificate(r["crt"].encode())
        assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "wifi"
    assert set(serials) <= db_serials(fleet)
    by_a, by_b = fleet.issued_by(a), fleet.issued_by(b)
    assert by_a and by_b and by_a | by_b == set(serials) and not by_a & by_b, (len(by_a), len(by_b))
    print(f"200 devices set up in {setup_s:.1f} s; instance A issued {len(by_a)}, B {len(by_b)}")


def test_a_token_is_accepted_once_in_the_fleet_under_a_race(ca_fleet, tmp_path):
    """One X5C token sent 16 times at once, half to each instance: one
    certificate, fifteen 401s."""
    fleet = ca_fleet(2)
    a, b = fleet.instances
    (dev,) = make_devices(a.dir, 1, tmp_path)
    jti = secrets.token_hex(32)
    token = dev.token(fleet.ca.port, jti=jti)
    bodies = [json.dumps({"csr": csr_pem(), "ott": token}).encode() for _ in range(16)]
    barrier = threading.Barrier(16)

    def post(i):
        inst = (a, b)[i % 2]
        barrier.wait(timeout=60)
        status, _, data = inst.request("POST", "/1.0/sign", body=bodies[i],
                                       headers={"Content-Type": "application/json"})
        return status, json.loads(data)

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(post, range(16)))
    statuses = sorted(s for s, _ in results)
    assert statuses == [201] + [401] * 15, results
    assert all("already been used" in r["message"] for s, r in results if s == 401), results
    assert fleet.pg.psql(f"SELECT COUNT(*) FROM x5c_tokens WHERE jti = '{jti}'", dbname=fleet.db).strip() == "1"


class FleetAcme(AcmeClient):
    """An ACME client that sends each request where `via` says: an
    instance of the fleet, or the balancer (None)."""

    def __init__(self, fleet, **kw):
        super().__init__(fleet.ca, **kw)
        self.via = None

    def request(self, method, url, body=None, headers=None):
        if self.via is None:
            return super().request(method, url, body=body, headers=headers)
        from fixtures.acme import Response
        conn = PinnedHTTPSConnection(self.via.ip, self.server.host, self.via.port, self.ctx)
        try:
            conn.request(method, url[len(self.server.base_url):], body=body, headers=headers or {})
            resp = conn.getresponse()
            r = Response(resp.status, resp.headers, resp.read())
        finally:
            conn.close()
        if r.headers.get("Replay-Nonce"):
            self.nonce = r.headers["Replay-Nonce"]
        return r


def test_acme_nonces_are_good_once_in_the_fleet(ca_fleet):
    fleet = ca_fleet(2)
    a, b = fleet.instances
    c = FleetAcme(fleet)
    c.via = a
    n1 = c.new_nonce()
    c.via = b
    r = c.post(c.directory["newAccount"], {"termsOfServiceAgreed": True}, use_jwk=True, nonce=n1)
    assert r.status == 201, r            # A's nonce, accepted by B
    c.kid = r.headers["Location"]
    c.via = a
    r = c.post(c.directory["newAccount"], {"onlyReturnExisting": True}, use_jwk=True, nonce=n1)
    assert r.status == 400 and r.problem_type == "urn:ietf:params:acme:error:badNonce", r
    r = c.post(c.directory["newAccount"], {"onlyReturnExisting": True}, use_jwk=True)
    assert r.status == 200, r            # a fresh one from A's error, at A

    # One nonce, sixteen requests at once through both instances.
    c.via = b
    n2 = c.new_nonce()
    barrier = threading.Barrier(16)

    def post(i):
        cl = FleetAcme(fleet, key=c.key)
        cl.via = (a, b)[i % 2]
        cl._dir = c.directory
        barrier.wait(timeout=60)
        return cl.post(c.directory["newAccount"], {"onlyReturnExisting": True}, use_jwk=True, nonce=n2)

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(post, range(16)))
    assert sorted(r.status for r in results) == [200] + [400] * 15, results
    assert all(r.problem_type.endswith(":badNonce") for r in results if r.status == 400)


def test_each_validation_attempt_is_made_by_exactly_one_instance(ca_fleet):
    """http-01 challenges answered at both instances, the first fetch of
    each failing: every challenge is fetched exactly twice (one failed
    attempt, one good retry), whichever instances took them, and each
    outcome is logged once in the fleet."""
    ports = [free_port() for _ in range(3)]
    fleet = ca_fleet(2, configure=lambda d: configure_acme(d, *ports, attempts=3, delay=1))
    a, b = fleet.instances
    responder = Http01Responder(ports[0], fail_first=True)
    try:
        clients, challenges = [], []
        for i in range(4):
            c = FleetAcme(fleet)
            c.via = (a, b)[i % 2]
            assert c.new_account().status == 201
            r = c.new_order([("dns", "localhost")])
            assert r.status == 201, r
            az = r.json()["authorizations"][0]
            ch = c.challenge(az, "http-01")
            responder.tokens[ch["token"]] = c.key_authorization(ch["token"])
            clients.append(c)
            challenges.append((ch, az))
        for c, (ch, _) in zip(clients, challenges):
            r = c.post(ch["url"], {})
            assert r.status == 200, r
        for c, (_, az) in zip(clients, challenges):
            c.via = None
            assert c.poll(az, deadline=30).json()["status"] == "valid"
        time.sleep(6)   # a sweep of each instance has passed since
        paths = [f"/.well-known/acme-challenge/{ch['token']}" for ch, _ in challenges]
        for p in paths:
            assert responder.requests.count(p) == 2, (p, responder.requests)
        logs = a.log_text() + b.log_text()
        for ch, _ in challenges:
            cid = ch["url"].rsplit("/", 1)[1]
            assert logs.count(f"ACME challenge \"{cid}\" (http-01 localhost) is valid") == 1, cid
            assert logs.count(f"ACME challenge \"{cid}\" attempt 1 failed") == 1, cid
    finally:
        responder.close()


def test_killing_an_instance_under_load_loses_no_record(ca_fleet, tmp_path):
    """Eight clients sign through the balancer without pause; one instance
    is SIGKILLed: only requests in flight at that moment fail, every
    certificate a client got is on record, the other instance serves all
    later requests, and the killed one serves again once restarted."""
    fleet = ca_fleet(2)
    a, b = fleet.instances
    devices = make_devices(a.dir, 8, tmp_path)
    stop = threading.Event()
    lock = threading.Lock()
    got, errors = [], []

    def load(dev):
        while not stop.is_set():
            t = time.monotonic()
            try:
                status, r = sign(fleet.ca, dev)
            except Exception as e:          # the connection the kill cut
                with lock:
                    errors.append((t, repr(e)))
                continue
            with lock:
                if status == 201:
                    got.append((t, serial_of(r)))
                else:
                    errors.append((t, f"{status} {r}"))

    threads = [threading.Thread(target=load, args=(d,)) for d in devices]
    for t in threads:
        t.start()

    def served(since):
        with lock:
            return len([1 for t, _ in got if t > since])

    try:
        # Under load: as many requests served as there are clients.
        wait_for(lambda: served(0) >= len(devices), timeout=60, what="the load under way")
        t_kill = time.monotonic()
        a.kill()
        # SIGKILL is delivered and the listening socket closed a little after
        # kill(2) returns: a connection the kernel queued in between is cut
        # too, and one made in between may still be served by it. The
        # instance is gone once it has been reaped: what starts later is
        # the other's.
        t_gone = time.monotonic()
        wait_for(lambda: served(t_gone) > 10, timeout=60, what="the other instance serving after the kill")
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert len(errors) <= len(devices), errors
    assert all(t < t_gone for t, _ in errors), (t_kill, t_gone, errors)     # only those in flight at the kill
    received = {s for _, s in got}
    assert len(received) == len(got)
    assert received <= db_serials(fleet), "a certificate a client received has no record"
    assert {s for t, s in got if t > t_gone} <= fleet.issued_by(b)

    a.start()
    # The balancer tries the instance again once its fail_timeout (2 s) has
    # passed since the last failed connect, and then only as its round
    # robin gives it a turn: sign until the restarted one issues (every
    # answer a 201 meanwhile), within a bound far above that.
    before = fleet.issued_by(a)
    deadline = time.monotonic() + 30
    while not fleet.issued_by(a) - before:
        assert time.monotonic() < deadline, "the restarted instance gets no work"
        status, r = sign(fleet.ca, devices[0])
        assert status == 201, r
        time.sleep(0.1)


def test_database_going_away_is_503_and_service_resumes(ca_fleet, tmp_path):
    fleet = ca_fleet(2)
    a, b = fleet.instances
    (dev,) = make_devices(a.dir, 1, tmp_path)
    pids = [i.proc.pid for i in fleet.instances]
    c = FleetAcme(fleet)
    assert c.new_account().status == 201

    fleet.pg.stop()
    for inst in (a, b):
        status, headers, body = inst.request("POST", "/1.0/sign",
                                             body=json.dumps({"csr": csr_pem(), "ott": dev.token(inst.port)}).encode(),
                                             headers={"Content-Type": "application/json"})
        assert status == 503 and int(headers["Retry-After"]) > 0, (status, body)
        status, headers, _ = inst.get("/admin/devices", admin=True)
        assert status == 503 and int(headers["Retry-After"]) > 0
        assert inst.get("/health")[0] == 200
    c.via = a
    r = c.new_order([("dns", "localhost")])
    assert r.status == 503 and int(r.headers["Retry-After"]) > 0, r
    assert r.problem_type.endswith(":serverInternal"), r

    fleet.pg.start()
    deadline = time.monotonic() + 15
    while True:    # the first request after the restart may still find it starting
        status, r = sign(fleet.ca, dev)
        if status == 201 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert status == 201, r
    for inst in (a, b):
        status, r = sign(inst, dev)
        assert status == 201, r
        assert inst.get("/admin/devices", admin=True)[0] == 200
    c.via = b
    assert c.new_order([("dns", "localhost")]).status == 201
    assert [i.proc.pid for i in fleet.instances] == pids and all(i.proc.alive() for i in fleet.instances)


def test_attest_at_one_instance_activate_at_the_other(ca_fleet, swtpm, deviceidctl, tmp_path):
    """tpm2-tools as the device: /attest at A, /secret at B gives the AK
    certificate; the activation is then spent in the whole fleet, and a
    second one raced at both instances succeeds once."""
    require_tool("tpm2_activatecredential")
    fleet = ca_fleet(2)
    a, b = fleet.instances
    dev_a = AttestingDevice(swtpm, deviceidctl, a, tmp_path)
    dev_b = AttestingDevice(swtpm, deviceidctl, b, tmp_path)
    dev_a.register()

    def call(inst, path, body, rid):
        status, _, data = inst.post(f"/attestation/{path}", body, headers={"X-Request-Id": rid})
        return status, json.loads(data)

    def challenge(n):
        d = tmp_path / f"tools{n}"
        d.mkdir()
        params, _ = tools_ak(dev_a.env, d)
        rid = str(uuid.uuid4())
        status, resp = call(a, "attest", attest_request(dev_a, params, dev_a.env), rid)
        assert 200 <= status < 300, resp
        secret = tools_activate(dev_a.env, d, base64.b64decode(resp["credential"]),
                                base64.b64decode(resp["secret"]))
        assert secret is not None
        return rid, {"secret": base64.b64encode(secret).decode()}

    rid, body = challenge(1)
    status, resp = call(b, "secret", body, rid)
    assert status == 201, resp
    chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in resp["chain"]]
    verify_chain(dev_b.ca, [c.public_bytes(serialization.Encoding.PEM).decode() for c in chain], tmp_path)
    logs_a, logs_b = a.log_text(), b.log_text()
    assert f"X-Request-Id {rid}" in logs_a and "sent a credential challenge" in logs_a
    assert "issued AK certificate" in logs_b and "issued AK certificate" not in logs_a
    for inst in (a, b):
        status, resp = call(inst, "secret", body, rid)
        assert 400 <= status < 500 and "chain" not in resp, resp

    rid, body = challenge(2)
    barrier = threading.Barrier(8)

    def race(i):
        barrier.wait(timeout=60)
        return call((a, b)[i % 2], "secret", body, rid)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(race, range(8)))
    assert sorted(s for s, _ in results)[0] == 201, results
    assert [s for s, _ in results].count(201) == 1, results
    assert all(400 <= s < 500 for s, _ in results if s != 201), results


def test_device_enrolls_through_the_balancer_while_an_instance_is_killed_and_restarted(
        ca_fleet, swtpm, deviceidctl, fsd, tmp_path):
    """deviceidctl enroll (swtpm: AK certificate, device certificate over
    ACME device-attest-01, an account certificate) runs again and again
    through the balancer while instance A is SIGKILLed and later started
    again: only a run in flight at the kill may fail, every other run
    succeeds, the restarted instance takes the device's requests again,
    and what the device last published verifies against the CA's root."""
    fleet = ca_fleet(2)
    a, b = fleet.instances
    fsd.start()
    dev = EnrollingDevice(swtpm, deviceidctl, fleet.ca, fsd, tmp_path)
    dev.register()
    runs, stop = [], threading.Event()

    def loop():
        while not stop.is_set():
            t0 = time.monotonic()
            cp = dev.enroll("wifi", extra=["--json"])
            runs.append((t0, time.monotonic(), cp.returncode, cp.stderr.decode(errors="replace")))

    def wait_runs(after, n=1, timeout=120):
        deadline = time.monotonic() + timeout
        while len([r for r in runs if r[0] > after]) < n:
            assert time.monotonic() < deadline, runs
            time.sleep(0.1)

    th = threading.Thread(target=loop)
    th.start()
    try:
        wait_runs(0)
        time.sleep(0.5)             # into the next run
        t_kill = time.monotonic()
        a.kill()
        t_gone = time.monotonic()   # reaped: a run started later never meets A
        wait_runs(t_gone, 2)
        t_restart = time.monotonic()
        a.start()
        restarted_log = a.logs[-1]
        # The balancer tries A again fail_timeout after its last failure,
        # at the latest when A came up.
        wait_runs(time.monotonic() + 2.5, 2)
    finally:
        stop.set()
        th.join(timeout=240)
    failed = [r for r in runs if r[2] != 0]
    assert len(failed) <= 1, failed
    # Only the run in flight at the kill may fail (see
    # test_killing_an_instance_under_load_loses_no_record for why the
    # bound is the reap).
    assert all(r[0] < t_gone and t_kill < r[1] for r in failed), (t_kill, t_gone, failed)
    assert all(r[2] == 0 for r in runs if r[0] > t_gone), runs
    assert len([r for r in runs if t_gone < r[0] and r[1] < t_restart]) >= 1   # B alone served one
    with open(restarted_log, "rb") as f:
        served = f.read().decode(errors="replace")
    assert "http: POST /attestation/attest" in served or "http: POST /acme/" in served \
        or "http: POST /1.0/sign" in served, "the restarted instance took none of the device's requests"
    openssl_verify(fleet.ca.root, dev.served("device.pem"), tmp_path)
    # Account certificates chain to the Account CA's own root.
    openssl_verify(os.path.join(a.dir, "account-root.pem"), dev.served("wifi.pem"), tmp_path)
