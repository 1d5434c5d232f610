# SPDX-License-Identifier: Apache-2.0
"""Device posture at issuance (docs/posture.md), with swtpm, a real
deviceid-ca and `deviceidctl enroll`: the first report of a device is its
baseline; extending a PCR of the selection (tpm2_pcrextend) makes the next
account issuance fail with a posture problem naming the PCR check; with
on_failure = revoke, the account certificates issued before show as
revoked in the certificates table, the CRL and OCSP; `deviceid-ca device
posture accept` lets issuance resume; a policy requiring Secure Boot fails
on a machine that reports none; `device show` prints the reports. The
same for the device renewal by ACME device-attest-01 under
[posture "agents"]: enrollment records the baseline, a renewal after a
PCR extend is refused naming the check, and a report bound to another
challenge is refused. The TCG event log, firmware-sized, travels beside
the token bound by its digest, is replayed and stored once; the raised
body limits hold; deviceid-enrolld keeps its device certificate through
a posture refusal of its renewal and renews once accepted again."""
import base64
import hashlib
import json
import os
import re
import sqlite3

import pytest
from cryptography import x509

from fixtures.agent import Agent, pem_blocks
from fixtures.ca import ca_cli, ca_init, start_ca_server
from fixtures.procs import free_port, require_tool, run
from fixtures.revocation import crl_text, ocsp_status, wait_for
from test_enroll import Device


def posture_ca(tmp_path, procs, policy):
    """A CA whose x5c provisioner "devices" (local accounts) has policy."""
    d = str(tmp_path / "ca")
    port = free_port()
    ca_init(d, port)
    with open(os.path.join(d, "ca.conf"), "a") as f:
        f.write('\n[posture "devices"]\n' + policy)
    return start_ca_server(procs, d, port)


def restart(procs, srv, policy):
    """The same CA with another policy for "devices"."""
    srv.stop()
    path = os.path.join(srv.dir, "ca.conf")
    text = open(path).read()
    text = text[:text.index('[posture "devices"]')] + '[posture "devices"]\n' + policy
    with open(path, "w") as f:
        f.write(text)
    return start_ca_server(procs, srv.dir, srv.port)


@pytest.fixture
def enrolled(swtpm, deviceidctl, fsd, tmp_path, procs, request):
    fsd.start()
    srv = posture_ca(tmp_path, procs, request.param)
    dev = Device(swtpm, deviceidctl, srv, fsd, tmp_path)
    dev.register()
    return dev


def pcrextend(dev, pcr):
    run([require_tool("tpm2_pcrextend"), f"{pcr}:sha256=" + "ab" * 32], env=dev.env)


def show(dev):
    return json.loads(ca_cli(dev.ca.dir, "device", "show", dev.ek_uri, "--json").stdout)


def account_rows(dev):
    db = sqlite3.connect(os.path.join(dev.ca.dir, "ca.db"))
    try:
        return db.execute("SELECT serial, revoked, revocation_reason FROM certificates WHERE ca = 'account'"
                          " ORDER BY created_at").fetchall()
    finally:
        db.close()


@pytest.mark.parametrize("enrolled", ["pcrs = enrolled\npcr_selection = 0-3,7\n"], indirect=True)
def test_the_agent_quotes_the_selection_the_policy_asks_for(enrolled):
    """A policy over other PCRs than the default 0-7: the agent's default
    report is refused at the quote check; with --posture-pcrs (enrolld:
    [posture] pcr_selection) the same selection, it passes, and only the
    selected PCRs count."""
    dev = enrolled
    sel = ["--posture-pcrs", "sha256:0-3,7"]
    cp = dev.enroll("wifi")
    assert cp.returncode != 0
    assert "the report is not over PCRs sha256:0-3,7" in cp.stderr.decode(), cp.stderr.decode()
    cp = dev.enroll("wifi", extra=sel)
    assert cp.returncode == 0, cp.stderr.decode()
    p = show(dev)["posture"]
    assert sorted(p["baseline"]["pcrs"]["sha256"], key=int) == ["0", "1", "2", "3", "7"]
    assert sorted(p["reports"][0]["pcrs"]["sha256"], key=int) == ["0", "1", "2", "3", "7"]
    # A PCR outside the selection changes nothing; one inside is refused.
    pcrextend(dev, 5)
    cp = dev.enroll("wifi", extra=sel)
    assert cp.returncode == 0, cp.stderr.decode()
    pcrextend(dev, 7)
    cp = dev.enroll("wifi", extra=sel)
    assert cp.returncode != 0 and "PCR 7 differs from the baseline" in cp.stderr.decode(), cp.stderr.decode()
    # Bad selections are refused before the TPM or the CA do any work.
    cp = dev.enroll("wifi", extra=["--posture-pcrs", "sha1:0-7"])
    assert cp.returncode != 0 and "Invalid --posture-pcrs" in cp.stderr.decode(), cp.stderr.decode()


@pytest.mark.parametrize("enrolled", ["pcrs = enrolled\n"], indirect=True)
def test_baseline_then_an_extended_pcr_is_refused_until_accepted(enrolled, tmp_path):
    dev = enrolled
    cp = dev.enroll("wifi")
    assert cp.returncode == 0, cp.stderr.decode()
    p = show(dev)["posture"]
    assert p["baseline"] is not None
    assert sorted(p["baseline"]["pcrs"]["sha256"]) == [str(i) for i in range(8)]
    last = p["reports"][0]
    assert last["passed"] and last["account"] == "devices"
    checks = {c["check"]: c for c in last["checks"]}
    assert checks["ak"]["passed"] and checks["quote"]["passed"]
    assert checks["pcrs"]["detail"] == "baseline recorded"
    facts = last["facts"]
    assert facts["kernel"] == os.uname().release
    assert facts["secureBoot"] in ("absent", "disabled", "enabled")
    # The reported values are the TPM's (tpm2_pcrread).
    out = run([require_tool("tpm2_pcrread"), "sha256:0,7"], env=dev.env).stdout.decode()
    pcr7 = re.search(r"7 *: *0x([0-9A-F]+)", out).group(1).lower()
    assert last["pcrs"]["sha256"]["7"] == pcr7

    # mTLS renewal carries no report: refused for a provisioner with a policy.
    (tmp_path / "wifi.pem").write_bytes(dev.served("wifi.pem"))
    (tmp_path / "wifi.key.pem").write_bytes(dev.served("wifi.key.pem"))
    ctx = dev.ca.ssl_context(cert=str(tmp_path / "wifi.pem"), key=str(tmp_path / "wifi.key.pem"))
    status, _, raw = dev.ca.post("/1.0/renew", b"", context=ctx)
    body = json.loads(raw)
    assert status == 403 and body["type"] == "urn:deviceid:error:posture", body
    assert "use /1.0/sign" in body["message"], body

    # Same state: passes against the baseline.
    cp = dev.enroll("wifi")
    assert cp.returncode == 0, cp.stderr.decode()
    assert {c["check"]: c for c in show(dev)["posture"]["reports"][0]["checks"]}["pcrs"]["detail"] == \
        "equal to the baseline"

    pcrextend(dev, 7)
    cp = dev.enroll("wifi")
    err = cp.stderr.decode()
    assert cp.returncode == 4, err
    assert "posture check failed" in err and "pcrs (PCR 7 differs from the baseline)" in err, err
    text = ca_cli(dev.ca.dir, "device", "show", dev.ek_uri).stdout.decode()
    assert "posture:" in text and "FAILED" in text and "PCR 7 differs" in text, text
    reports = show(dev)["posture"]["reports"]
    assert [r["passed"] for r in reports[:3]] == [False, True, True]
    # refuse (the default) revokes nothing.
    assert all(not revoked for _, revoked, _ in account_rows(dev))

    # The admin API gives the same, and accepts too (audited).
    dev_id = show(dev)["id"]
    status, _, body = dev.ca.get(f"/admin/devices/{dev_id}/posture", admin=True)
    assert status == 200 and json.loads(body) == show(dev)["posture"]
    status, _, _ = dev.ca.get(f"/admin/devices/{dev_id}/posture/accept", admin=True)
    assert status == 405
    status, _, body = dev.ca.post(f"/admin/devices/{dev_id}/posture/accept", admin=True)
    assert status == 200, body
    assert json.loads(body)["baseline"]["pcrs"]["sha256"]["7"] == reports[0]["pcrs"]["sha256"]["7"]
    audit = ca_cli(dev.ca.dir, "audit", "list", "--json").stdout.decode()
    assert "device.posture.accept" in audit
    pcrextend(dev, 7)
    assert dev.enroll("wifi").returncode == 4

    out = ca_cli(dev.ca.dir, "device", "posture", "accept", dev.ek_uri).stdout.decode()
    assert "new baseline" in out
    cp = dev.enroll("wifi")
    assert cp.returncode == 0, cp.stderr.decode()
    assert show(dev)["posture"]["reports"][0]["passed"]


@pytest.mark.parametrize("enrolled", ["pcrs = enrolled\non_failure = revoke\n"], indirect=True)
def test_revoke_policy_revokes_the_account_certificates(enrolled, tmp_path):
    dev = enrolled
    cp = dev.enroll("wifi", "web:web:web.example.org")
    assert cp.returncode == 0, cp.stderr.decode()
    wifi = tmp_path / "wifi.pem"
    wifi.write_text(pem_blocks(dev.served("wifi.pem").decode())[0])
    serial = format(x509.load_pem_x509_certificate(wifi.read_bytes()).serial_number, "X")
    assert ocsp_status(dev.ca, wifi, "account") == "good"
    assert len(account_rows(dev)) == 2

    pcrextend(dev, 0)
    cp = dev.enroll("wifi")
    err = cp.stderr.decode()
    assert cp.returncode == 4, err
    assert "pcrs (PCR 0 differs from the baseline)" in err and "2 certificate(s) revoked" in err, err
    rows = account_rows(dev)
    assert [(revoked, reason) for _, revoked, reason in rows] == [(1, 9), (1, 9)]
    wait_for(lambda: ocsp_status(dev.ca, wifi, "account", "-no_nonce") == "revoked")
    wait_for(lambda: serial in crl_text(dev.ca, "account"))
    # The device certificate stays: issuance resumes after accept.
    ca_cli(dev.ca.dir, "device", "posture", "accept", dev.ek_uri)
    cp = dev.enroll("wifi")
    assert cp.returncode == 0, cp.stderr.decode()


@pytest.mark.parametrize("enrolled", ["pcrs = none\n"], indirect=True)
def test_secure_boot_required_fails_on_a_machine_without_it(enrolled, procs):
    dev = enrolled
    cp = dev.enroll("wifi")
    assert cp.returncode == 0, cp.stderr.decode()
    facts = show(dev)["posture"]["reports"][0]["facts"]
    if facts["secureBoot"] == "enabled":
        pytest.fail("this test needs a machine without Secure Boot")
    dev.ca = restart(procs, dev.ca, "pcrs = none\nsecure_boot = required\nmin_kernel = 999.1\n")
    cp = dev.enroll("wifi")
    err = cp.stderr.decode()
    assert cp.returncode == 4, err
    assert f"secureBoot (Secure Boot {facts['secureBoot']})" in err, err
    assert "kernel (kernel " in err and "(minimum 999.1)" in err, err
    dev.ca = restart(procs, dev.ca, "pcrs = none\nmin_kernel = 2.6\n")
    cp = dev.enroll("wifi")
    assert cp.returncode == 0, cp.stderr.decode()


def test_bad_policies_are_refused_at_start(tmp_path, procs):
    d = str(tmp_path / "ca")
    ca_init(d, free_port())
    conf = os.path.join(d, "ca.conf")
    base = open(conf).read()
    for policy, words in [("pcrs = maybe\n", "pcrs"), ("pcrs = file\n", "pcr_file"),
                          ("pcr_selection = 0-24\n", "pcr_selection"), ("colour = red\n", "colour")]:
        with open(conf, "w") as f:
            f.write(base + '\n[posture "devices"]\n' + policy)
        cp = ca_cli(d, "serve", "--listen", f"127.0.0.1:{free_port()}", check=False)
        assert cp.returncode != 0 and words in cp.stderr.decode(), (policy, cp.stderr)


def test_enrolld_logs_a_posture_refusal_once_keeps_serving_and_resumes(swtpm, deviceidctl, fsd, tmp_path, procs):
    from test_enrolld import Daemon, wait_enrolled
    import signal
    import time

    fsd.start()
    srv = posture_ca(tmp_path, procs, "pcrs = enrolled\n")
    dev = Device(swtpm, deviceidctl, srv, fsd, tmp_path)
    dev.register()
    d = Daemon(dev, procs, tmp_path)
    try:
        d.start()
        wait_enrolled(d)
        served = {n: dev.served(n) for n in ("wifi.pem", "web.pem")}
        g = d.gen("wifi")

        pcrextend(dev, 7)
        d.kill(signal.SIGUSR1)
        wait_for(lambda: "posture check failed" in d.proc.log_text(), timeout=30)
        assert d.gen("wifi") == g
        time.sleep(5)  # several retries with retry_min 1s, retry_max 3s
        log = d.proc.log_text()
        logged = [line for line in log.splitlines() if "posture check failed" in line and not line.startswith("<7>")]
        assert len(logged) == 1, log
        assert "pcrs (PCR 7 differs from the baseline)" in logged[0] and "Keeping the current certificates" in \
            logged[0], logged
        assert "disabled or removed" not in log, log
        assert d.proc.alive()
        assert {n: dev.served(n) for n in served} == served

        ca_cli(srv.dir, "device", "posture", "accept", dev.ek_uri)
        wait_for(lambda: d.gen("wifi") > g, timeout=30)
        wait_for(lambda: "Renewal works again" in d.proc.log_text(), timeout=30)
    finally:
        d.close()


def test_enrolld_quotes_its_configured_selection(swtpm, deviceidctl, fsd, tmp_path, procs):
    from test_enrolld import Daemon, wait_enrolled

    fsd.start()
    srv = posture_ca(tmp_path, procs, "pcrs = enrolled\npcr_selection = sha256:1,4-6\n")
    dev = Device(swtpm, deviceidctl, srv, fsd, tmp_path)
    dev.register()
    d = Daemon(dev, procs, tmp_path)
    d.write_config = lambda renew_at="0.66": Daemon.write_config(
        d, renew_at, extra="\n[posture]\npcr_selection = 1,4-6\n")
    try:
        d.start()
        wait_enrolled(d)
        p = show(dev)["posture"]
        assert sorted(p["baseline"]["pcrs"]["sha256"], key=int) == ["1", "4", "5", "6"], p
        assert all(r["passed"] for r in p["reports"]), p["reports"]
    finally:
        d.close()


def event_log(events):
    """A TCG crypto-agile event log (SHA-256 only) of (pcr, data) events."""
    import hashlib
    import struct

    le32 = lambda v: struct.pack("<I", v)  # noqa: E731
    spec = b"Spec ID Event03\0" + le32(0) + bytes([0, 2, 0, 2]) + le32(1) + struct.pack("<HH", 0x000B, 32) + b"\0"
    out = le32(0) + le32(3) + bytes(20) + le32(len(spec)) + spec
    for pcr, data in events:
        out += le32(pcr) + le32(5) + le32(1) + struct.pack("<H", 0x000B) + hashlib.sha256(data).digest() + \
            le32(len(data)) + data
    return out


@pytest.mark.parametrize("enrolled", ["pcrs = none\n"], indirect=True)
def test_the_event_log_replays_to_the_quoted_pcrs(enrolled, tmp_path):
    import hashlib

    dev = enrolled
    events = [(i, b"deviceid event %d" % i) for i in range(8)] + [(4, b"deviceid second event of PCR 4")]
    for pcr, data in events:
        run([require_tool("tpm2_pcrextend"), f"{pcr}:sha256=" + hashlib.sha256(data).hexdigest()], env=dev.env)
    log = tmp_path / "binary_bios_measurements"
    log.write_bytes(event_log(events))
    dev.env["DEVICEID_EVENT_LOG"] = str(log)
    cp = dev.enroll("wifi")
    assert cp.returncode == 0, cp.stderr.decode()
    checks = {c["check"]: c for c in show(dev)["posture"]["reports"][0]["checks"]}
    assert checks["eventlog"] == {"check": "eventlog", "passed": True, "detail": "replays to the quoted values"}

    # A log that leaves out an event does not replay to the quoted values.
    log.write_bytes(event_log(events[:-1]))
    cp = dev.enroll("wifi")
    err = cp.stderr.decode()
    assert cp.returncode == 4, err
    assert "eventlog (PCR 4 differs from the event log's replay)" in err, err
    log.write_bytes(b"\0" * 64)
    cp = dev.enroll("wifi")
    assert cp.returncode == 4 and "eventlog (the first event is not the Spec ID event)" in cp.stderr.decode()


def agents_ca(tmp_path, procs, policy):
    """A CA whose ACME provisioner "agents" (device-attest-01) has policy."""
    d = str(tmp_path / "ca")
    port = free_port()
    ca_init(d, port)
    with open(os.path.join(d, "ca.conf"), "a") as f:
        f.write('\n[posture "agents"]\n' + policy)
    return start_ca_server(procs, d, port)


@pytest.fixture
def acme_enrolled(swtpm, deviceidctl, fsd, tmp_path, procs, request):
    fsd.start()
    srv = agents_ca(tmp_path, procs, request.param)
    dev = Device(swtpm, deviceidctl, srv, fsd, tmp_path)
    dev.register()
    return dev


def device_certs(dev):
    db = sqlite3.connect(os.path.join(dev.ca.dir, "ca.db"))
    try:
        return db.execute("SELECT COUNT(*) FROM certificates WHERE ca = 'agent'").fetchone()[0]
    finally:
        db.close()


@pytest.mark.parametrize("acme_enrolled", ["pcrs = enrolled\n"], indirect=True)
def test_device_enrollment_records_the_baseline_and_renewal_checks_it(acme_enrolled):
    dev = acme_enrolled
    # deviceidctl enroll renews the device certificate by device-attest-01
    # each time; its answer carries a report bound to the challenge.
    cp = dev.enroll()
    assert cp.returncode == 0, cp.stderr.decode()
    p = show(dev)["posture"]
    assert p["baseline"] is not None
    last = p["reports"][0]
    assert last["passed"] and last["account"] == "agents", last
    checks = {c["check"]: c for c in last["checks"]}
    assert checks["ak"]["passed"] and checks["quote"]["passed"], checks
    assert checks["pcrs"]["detail"] == "baseline recorded"

    cp = dev.enroll()
    assert cp.returncode == 0, cp.stderr.decode()
    assert {c["check"]: c for c in show(dev)["posture"]["reports"][0]["checks"]}["pcrs"]["detail"] == \
        "equal to the baseline"
    issued = device_certs(dev)
    assert issued == 2

    pcrextend(dev, 7)
    cp = dev.enroll()
    err = cp.stderr.decode()
    assert cp.returncode != 0, err
    assert "posture check failed for \"agents\"" in err and "pcrs (PCR 7 differs from the baseline)" in err, err
    assert device_certs(dev) == issued
    reports = show(dev)["posture"]["reports"]
    assert [r["passed"] for r in reports[:3]] == [False, True, True]

    out = ca_cli(dev.ca.dir, "device", "posture", "accept", dev.ek_uri).stdout.decode()
    assert "new baseline" in out
    cp = dev.enroll()
    assert cp.returncode == 0, cp.stderr.decode()
    assert device_certs(dev) == issued + 1


@pytest.mark.parametrize("acme_enrolled", ["pcrs = enrolled\non_failure = revoke\n"], indirect=True)
def test_device_renewal_failure_under_revoke_revokes_the_account_certificates(acme_enrolled):
    dev = acme_enrolled
    # "wifi" is a local account of provisioner "devices", which has no policy.
    cp = dev.enroll("wifi")
    assert cp.returncode == 0, cp.stderr.decode()
    assert [revoked for _, revoked, _ in account_rows(dev)] == [0]
    pcrextend(dev, 0)
    cp = dev.enroll("wifi")
    err = cp.stderr.decode()
    assert cp.returncode != 0, err
    assert "pcrs (PCR 0 differs from the baseline)" in err and "1 certificate(s) revoked" in err, err
    assert [(revoked, reason) for _, revoked, reason in account_rows(dev)] == [(1, 9)]


def test_device_attest_answer_without_a_report_is_refused_under_a_policy(swtpm, deviceidctl, tpm_cli, tmp_path,
                                                                          procs):
    srv = agents_ca(tmp_path, procs, "pcrs = none\n")
    agent = Agent(swtpm, deviceidctl, tpm_cli, srv, tmp_path)
    order, chall = agent.order()
    r = agent.attest(chall, agent.new_key())
    assert r.status == 200, r
    ch = r.json()
    assert ch["status"] == "invalid", ch
    assert ch["error"]["type"] == "urn:deviceid:error:posture", ch
    assert "report (the answer carries no posture report)" in ch["error"]["detail"], ch
    assert agent.acme.get(order["url"]).json()["status"] == "invalid"


def acme_report(agent, token, keyauth):
    """A report as the agent makes it, by the Agent fixture's AK (tpm-cli
    quote), bound to the challenge of token and keyauth."""
    q = hashlib.sha256(b"deviceid-posture-acme-v1\0" + token.encode() + b"\0" + keyauth.encode()).digest()
    out = agent.tmp / f"quote-{token}"
    out.mkdir()
    agent.tpm("quote", str(agent.ak), q.hex(), str(out))
    return {"version": 1, "ak": base64.b64encode(agent.chain_der[0]).decode(),
            "quote": base64.b64encode((out / "quote.bin").read_bytes()).decode(),
            "sig": base64.b64encode((out / "sig.bin").read_bytes()).decode(),
            "pcrs": json.loads((out / "pcrs.json").read_text()), "facts": {}}


def answer_with_report(agent, chall, report_for=None):
    keyauth = agent.acme.key_authorization(chall["token"])
    cert = agent.certify(agent.new_key(), hashlib.sha256(keyauth.encode()).digest())
    report = acme_report(agent, *(report_for or (chall["token"], keyauth)))
    return agent.acme.post(chall["url"], {"attObj": agent.att_obj(cert), "posture": report}), report


def test_device_attest_report_bound_to_another_challenge_is_refused(swtpm, deviceidctl, tpm_cli, tmp_path, procs):
    srv = agents_ca(tmp_path, procs, "pcrs = none\n")
    agent = Agent(swtpm, deviceidctl, tpm_cli, srv, tmp_path)
    _, chall = agent.order()
    r, report = answer_with_report(agent, chall)
    assert r.status == 200 and r.json()["status"] == "valid", r.json()
    shown = json.loads(ca_cli(srv.dir, "device", "show", agent.ek_uri, "--json").stdout)["posture"]
    assert shown["reports"][0]["passed"] and shown["reports"][0]["account"] == "agents", shown

    # The same report again (a replay), then one for a challenge not issued.
    for replay in (True, False):
        order, chall = agent.order()
        keyauth = agent.acme.key_authorization(chall["token"])
        cert = agent.certify(agent.new_key(), hashlib.sha256(keyauth.encode()).digest())
        other = report if replay else acme_report(agent, "not-a-challenge-token", keyauth)
        r = agent.acme.post(chall["url"], {"attObj": agent.att_obj(cert), "posture": other})
        assert r.status == 200, r
        ch = r.json()
        assert ch["status"] == "invalid" and ch["error"]["type"] == "urn:deviceid:error:posture", ch
        assert "quote (" in ch["error"]["detail"], ch
        assert agent.acme.get(order["url"]).json()["status"] == "invalid"


def firmware_like_events(total=150 * 1024):
    """Events of PCRs 0-7 whose data adds up to about total bytes, the size
    of a real firmware's log (EFI variables, boot services, GPT...)."""
    events, size, i = [], 0, 0
    while size < total:
        data = (b"deviceid firmware event %d " % i) * (40 + 37 * (i % 7))
        events.append((i % 8, data))
        size += len(data) + 50
        i += 1
    return events


def extend_events(dev, events):
    """Extends each event's SHA-256 into swtpm, in order, in one call."""
    run([require_tool("tpm2_pcrextend")] + [f"{pcr}:sha256=" + hashlib.sha256(data).hexdigest()
                                            for pcr, data in events], env=dev.env)


def both_ca(tmp_path, procs, policy):
    """A CA with policy for the local accounts ("devices") and the device
    renewal ("agents")."""
    d = str(tmp_path / "ca")
    port = free_port()
    ca_init(d, port)
    with open(os.path.join(d, "ca.conf"), "a") as f:
        f.write('\n[posture "devices"]\n' + policy + '\n[posture "agents"]\n' + policy)
    return start_ca_server(procs, d, port)


def stored_eventlogs(dev):
    db = sqlite3.connect(os.path.join(dev.ca.dir, "ca.db"))
    try:
        return db.execute("SELECT sha256, LENGTH(eventlog) FROM posture_eventlogs").fetchall()
    finally:
        db.close()


def test_a_firmware_sized_event_log_travels_beside_the_token(swtpm, deviceidctl, fsd, tmp_path, procs):
    """A log of about 150 KiB (too large for a token) reaches the CA in the
    /1.0/sign body and the device-attest-01 payload, bound by its digest;
    the CA replays it, and stores it once for all the reports that send
    it, from deviceidctl and from deviceid-enrolld."""
    from test_enrolld import Daemon, wait_enrolled

    fsd.start()
    srv = both_ca(tmp_path, procs, "pcrs = enrolled\n")
    dev = Device(swtpm, deviceidctl, srv, fsd, tmp_path)
    dev.register()
    events = firmware_like_events()
    extend_events(dev, events)
    log = event_log(events)
    assert 120 * 1024 < len(log) < 200 * 1024, len(log)
    path = tmp_path / "binary_bios_measurements"
    path.write_bytes(log)
    dev.env["DEVICEID_EVENT_LOG"] = str(path)
    digest = hashlib.sha256(log).hexdigest()

    def check(reports):
        for r in reports:
            assert r["passed"], r
            checks = {c["check"]: c for c in r["checks"]}
            assert checks["eventlog"] == {"check": "eventlog", "passed": True,
                                          "detail": "replays to the quoted values"}, r
            assert r["eventlog"]["sha256"] == digest and r["eventlog"]["size"] == len(log), r

    # The daemon: its device enrollment by device-attest-01, then "wifi"
    # and "web" by /1.0/sign.
    d = Daemon(dev, procs, tmp_path)
    try:
        d.start()
        wait_enrolled(d)
        wait_for(lambda: len(show(dev)["posture"]["reports"]) >= 3, timeout=60)
    finally:
        d.close()
        d.proc.stop()
    reports = show(dev)["posture"]["reports"]
    assert sorted(r["account"] for r in reports) == ["agents", "devices", "devices"], reports
    check(reports)
    assert stored_eventlogs(dev) == [(digest, len(log))]

    # deviceidctl: a device renewal and an account.
    cp = dev.enroll("wifi")
    assert cp.returncode == 0, cp.stderr.decode()
    reports = show(dev)["posture"]["reports"]
    assert [r["account"] for r in reports[:2]] == ["devices", "agents"], reports
    check(reports[:2])
    text = ca_cli(srv.dir, "device", "show", dev.ek_uri).stdout.decode()
    assert f"event log: {len(log)} bytes, sha256 {digest}" in text, text
    # One copy for the five reports that sent it, there for the admin API.
    assert stored_eventlogs(dev) == [(digest, len(log))]
    dev_id = show(dev)["id"]
    status, headers, body = srv.get(f"/admin/devices/{dev_id}/posture/eventlog/{digest}", admin=True)
    assert status == 200 and body == log and headers["Content-Type"] == "application/octet-stream"
    status, _, _ = srv.get(f"/admin/devices/{dev_id}/posture/eventlog/{'0' * 64}", admin=True)
    assert status == 404


def test_an_event_log_other_than_the_reported_one_is_refused(swtpm, deviceidctl, tpm_cli, tmp_path, procs):
    srv = agents_ca(tmp_path, procs, "pcrs = none\n")
    agent = Agent(swtpm, deviceidctl, tpm_cli, srv, tmp_path)
    order, chall = agent.order()
    keyauth = agent.acme.key_authorization(chall["token"])
    cert = agent.certify(agent.new_key(), hashlib.sha256(keyauth.encode()).digest())
    report = acme_report(agent, chall["token"], keyauth)
    report["eventlogSha256"] = hashlib.sha256(event_log([(0, b"the log the report names")])).hexdigest()
    sent = event_log([(0, b"another log")])
    r = agent.acme.post(chall["url"], {"attObj": agent.att_obj(cert), "posture": report,
                                       "eventlog": base64.b64encode(sent).decode()})
    assert r.status == 200, r
    ch = r.json()
    assert ch["status"] == "invalid" and ch["error"]["type"] == "urn:deviceid:error:posture", ch
    assert "eventlog (the request's event log is not the one the report's \"eventlogSha256\" names)" in \
        ch["error"]["detail"], ch
    assert agent.acme.get(order["url"]).json()["status"] == "invalid"
    checks = json.loads(ca_cli(srv.dir, "device", "show", agent.ek_uri, "--json").stdout)["posture"]["reports"][0][
        "checks"]
    assert checks == [{"check": "eventlog", "passed": False,
                       "detail": "the request's event log is not the one the report's \"eventlogSha256\" names"}]


SIGN_BODY_MAX = 16384 + 16384 + 349528 + 4096  # csr, ott, 256 KiB of log in base64, the rest


def open_post(srv, path, length, first):
    """A TLS connection that has sent a POST's headers announcing length
    bytes and the first part of its body."""
    import socket

    raw = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    s = srv.ssl_context().wrap_socket(raw, server_hostname=srv.host)
    s.sendall(b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
              b"Connection: close\r\n\r\n" % (path.encode(), srv.host.encode(), length) + first)
    return s


def read_status(s):
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return int(data.split(b" ", 2)[1]), data.partition(b"\r\n\r\n")[2]


@pytest.mark.parametrize("enrolled", ["pcrs = none\n"], indirect=True)
def test_large_bodies_only_where_a_log_goes_and_bounded(enrolled):
    """/1.0/sign and device-attest-01 answers take up to a 256 KiB log;
    a larger body is a 413 in the route's error shape, other routes keep
    the 64 KiB limit, at most 16 large bodies are in flight (503 past
    them), and nothing of it disturbs the next issuance."""
    dev = enrolled
    srv = dev.ca
    filler = lambda n: json.dumps({"pad": "x" * (n - 11)}).encode()  # noqa: E731

    # Under the raised limit: the handler reads it (and refuses the content).
    status, _, body = srv.post("/1.0/sign", filler(SIGN_BODY_MAX), headers={"Content-Type": "application/json"})
    assert status == 400 and b"csr" in body, (status, body)
    # Over it: 413 in the /1.0/sign error shape.
    status, headers, body = srv.post("/1.0/sign", filler(SIGN_BODY_MAX + 1),
                                     headers={"Content-Type": "application/json"})
    assert status == 413, (status, body)
    assert json.loads(body) == {"status": 413, "message": "request body too large"}
    # Other routes keep 64 KiB.
    status, _, _ = srv.post("/1.0/renew", filler(64 * 1024 + 1), headers={"Content-Type": "application/json"})
    assert status == 413
    # ACME: a challenge answer of provisioner "agents" takes a log, up to
    # its own limit; past it, an ACME problem. Another resource keeps 64 KiB.
    for path, length in (("/acme/agents/chall/x", 560 * 1024), ("/acme/agents/new-order", 64 * 1024 + 1)):
        status, headers, body = srv.post(path, b"x" * length, headers={"Content-Type": "application/jose+json"})
        assert status == 413, (path, status, body)
        assert headers["Content-Type"] == "application/problem+json"
        assert json.loads(body)["type"] == "urn:ietf:params:acme:error:malformed"
    status, _, body = srv.post("/acme/agents/chall/x", b"x" * (400 * 1024),
                               headers={"Content-Type": "application/jose+json"})
    assert status == 400, (status, body)

    # 16 large bodies held half-sent: a 17th is answered 503 (once the
    # server has read the 16 first parts); the 16 then complete.
    held = [open_post(srv, "/1.0/sign", 300 * 1024, b"{" + b" " * (80 * 1024)) for _ in range(16)]
    try:
        for _ in range(50):
            status, body = read_status(open_post(srv, "/1.0/sign", 300 * 1024, b"{" + b" " * (300 * 1024 - 1)))
            if status == 503:
                break
            assert status == 400, (status, body)
        assert status == 503 and json.loads(body) == {
            "status": 503, "message": "too many large requests in flight, retry later"}, (status, body)
    finally:
        for s in held:
            s.sendall(b" " * (300 * 1024 - 80 * 1024 - 2) + b"}")
        statuses = [read_status(s)[0] for s in held]
    assert statuses == [400] * 16, statuses
    status, body = read_status(open_post(srv, "/1.0/sign", 300 * 1024, b"{" + b" " * (300 * 1024 - 2) + b"}"))
    assert status == 400, (status, body)

    # Nothing lost: the device's next issuance goes through.
    cp = dev.enroll("wifi")
    assert cp.returncode == 0, cp.stderr.decode()


def test_enrolld_device_renewal_refused_for_posture_keeps_serving_and_resumes(swtpm, deviceidctl, fsd, tmp_path,
                                                                               procs):
    """deviceid-enrolld renewing its device certificate by device-attest-01
    under [posture "agents"]: a PCR extended after the baseline makes the
    CA refuse; the refusal is logged once, at error, with the failed check;
    the device certificate in the keyring and under the mount stays as it
    was; after `device posture accept` the renewal goes through by itself."""
    from test_enrolld import Daemon, wait_enrolled
    import signal

    fsd.start()
    srv = agents_ca(tmp_path, procs, "pcrs = enrolled\n")
    dev = Device(swtpm, deviceidctl, srv, fsd, tmp_path)
    dev.register()
    d = Daemon(dev, procs, tmp_path)
    try:
        d.start()
        wait_enrolled(d)
        assert show(dev)["posture"]["baseline"] is not None
        served = dev.served("device.pem")
        g = d.gen("device")
        issued = device_certs(dev)

        pcrextend(dev, 7)
        d.kill(signal.SIGUSR1)  # renew everything now: the device by device-attest-01
        # Three refusals: the first try and two retries (retry_min 1s, retry_max 3s).
        refusals = lambda: [r for r in show(dev)["posture"]["reports"] if not r["passed"]]  # noqa: E731
        wait_for(lambda: len(refusals()) >= 3, timeout=30)
        assert all(r["account"] == "agents" for r in refusals())
        log = d.proc.log_text()
        logged = [line for line in log.splitlines() if "posture check failed" in line and not line.startswith("<7>")]
        assert len(logged) == 1, log
        assert logged[0].startswith("<3>"), logged  # at error: the device certificate is the operator's business
        assert f"The Agent CA at {srv.base_url}/acme/agents/directory refused to answer the device-attest-01 " \
            "challenge: posture check failed for \"agents\": pcrs (PCR 7 differs from the baseline). Keeping the " \
            "current certificates; retrying with backoff." in logged[0], logged
        assert "disabled or removed" not in log, log
        assert d.proc.alive()
        assert dev.served("device.pem") == served and d.gen("device") == g
        assert device_certs(dev) == issued

        ca_cli(srv.dir, "device", "posture", "accept", dev.ek_uri)
        wait_for(lambda: d.gen("device") > g, timeout=30)
        wait_for(lambda: "Renewal works again" in d.proc.log_text(), timeout=30)
        wait_for(lambda: dev.served("device.pem") != served, timeout=30)
        assert device_certs(dev) == issued + 1
        assert show(dev)["posture"]["reports"][0]["passed"]
    finally:
        d.close()


def test_an_older_agents_event_log_inside_the_report_is_still_replayed(swtpm, deviceidctl, tpm_cli, tmp_path, procs):
    """Agents before the log went beside the token put a log of at most
    8 KiB inside the report ("eventlog"); the CA still replays it."""
    srv = agents_ca(tmp_path, procs, "pcrs = none\n")
    agent = Agent(swtpm, deviceidctl, tpm_cli, srv, tmp_path)
    _, chall = agent.order()
    keyauth = agent.acme.key_authorization(chall["token"])
    cert = agent.certify(agent.new_key(), hashlib.sha256(keyauth.encode()).digest())
    report = acme_report(agent, chall["token"], keyauth)
    # The Agent fixture's swtpm has extended nothing: a log of the header alone.
    log = event_log([])
    report["eventlog"] = base64.b64encode(log).decode()
    r = agent.acme.post(chall["url"], {"attObj": agent.att_obj(cert), "posture": report})
    assert r.status == 200 and r.json()["status"] == "valid", r.json()
    last = json.loads(ca_cli(srv.dir, "device", "show", agent.ek_uri, "--json").stdout)["posture"]["reports"][0]
    assert {"check": "eventlog", "passed": True, "detail": "replays to the quoted values"} in last["checks"], last
    assert last["eventlog"]["sha256"] == hashlib.sha256(log).hexdigest(), last
