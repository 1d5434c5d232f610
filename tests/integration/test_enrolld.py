# SPDX-License-Identifier: Apache-2.0
"""deviceid-enrolld, the enrollment daemon, against swtpm, a real
deviceid-ca with short lifetimes (agent 20m, account 5m), a private
keyring and a real deviceid-fsd mount: first enrollment and sd_notify,
renewal forced by SIGUSR1 (new bytes, higher generation, an inotify event)
and by the clock, restart recovery without re-attestation, the CA down
and back, a disabled device, SIGTERM, nothing secret on disk, and the
systemd units."""
import os
import signal
import socket
import sqlite3
import subprocess
import time

import pytest

from fixtures.ca import ca_cli, ca_init, start_ca_server
from fixtures.fsd import wait_for
from fixtures.procs import build_path, built_unit, free_port, require_tool, run, verify_units
from test_enroll import (Device, account_root, check_account, check_device_cert, files_with_private_keys,
                         openssl_verify)


class Daemon:
    """deviceid-enrolld for a Device, with an sd_notify socket."""

    def __init__(self, device, procs, tmp_path):
        self.device = device
        self.procs = procs
        self.tmp = tmp_path
        self.binary = build_path("enroll", "deviceid-enrolld")
        self.notify_path = str(tmp_path / "notify.sock")
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(self.notify_path)
        self.notify.settimeout(0.1)
        self.messages = []
        self.proc = None
        self.n = 0

    def write_config(self, renew_at="0.66", extra=""):
        cfg = self.tmp / "enrolld.conf"
        cfg.write_text(f"""# deviceid-enrolld test configuration
[ca]
url = {self.device.ca.base_url}
root = {self.device.ca.root}

[device]
key_alg = ecc

[account "wifi"]

[account "web"]
sub = web
sans = web.example.org, www.example.org

[renewal]
renew_at = {renew_at}
retry_min = 1s
retry_max = 3s
check_interval = 1s
{extra}""")
        return cfg

    def start(self, renew_at="0.66"):
        cfg = self.write_config(renew_at)
        env = dict(self.device.env, NOTIFY_SOCKET=self.notify_path, DEVICEID_LOG_LEVEL="debug")
        self.proc = self.procs([self.binary, "--config", cfg, "--foreground"], f"enrolld{self.n}", env=env)
        self.n += 1
        return self.proc

    def drain(self):
        while True:
            try:
                self.messages.append(self.notify.recv(4096).decode())
            except (socket.timeout, BlockingIOError):
                return self.messages

    def wait_notify(self, text, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in m for m in self.drain()):
                return
            assert self.proc.alive(), self.proc.log_text()[-4000:]
        raise AssertionError(f"no {text!r} from sd_notify: {self.messages}\n{self.proc.log_text()[-4000:]}")

    def gen(self, name):
        return int(self.device.keyring_read(name).get("generation", 0))

    def kill(self, sig):
        os.kill(self.proc.pid, sig)

    def close(self):
        self.notify.close()


@pytest.fixture
def short_ca(tmp_path, procs):
    d = str(tmp_path / "ca")
    port = free_port()
    ca_init(d, port)
    conf = os.path.join(d, "ca.conf")
    text = open(conf).read().replace("agent = 30d", "agent = 20m").replace("account = 24h", "account = 5m")
    open(conf, "w").write(text)
    srv = start_ca_server(procs, d, port)
    srv.restart = lambda: start_ca_server(procs, d, port)
    return srv


@pytest.fixture
def daemon(swtpm, deviceidctl, short_ca, fsd, tmp_path, procs):
    fsd.start()
    dev = Device(swtpm, deviceidctl, short_ca, fsd, tmp_path)
    dev.register()
    d = Daemon(dev, procs, tmp_path)
    yield d
    d.close()


def issued(ca_dir):
    """Certificates in the CA's database by issuing CA."""
    db = sqlite3.connect(os.path.join(ca_dir, "ca.db"), timeout=10)
    try:
        return dict(db.execute("SELECT ca, count(*) FROM certificates GROUP BY ca").fetchall())
    finally:
        db.close()


def wait_enrolled(d):
    d.wait_notify("READY=1")
    names = {"device.pem", "roots.pem", "wifi.pem", "wifi.key.pem", "web.pem", "web.key.pem"}
    wait_for(lambda: names <= set(os.listdir(d.device.fsd.mnt)), what="files under the mount")


def start_inotifywait(procs, name, path):
    inw = require_tool("inotifywait")
    p = procs([inw, "-e", "attrib,delete_self,modify", path], name)
    wait_for(lambda: "Watches established" in p.log_text() or not p.alive(), what="inotifywait")
    return p


def test_enrolld_enrolls_renews_on_sigusr1_and_stops_on_sigterm(daemon, tmp_path, tpm_cli, procs):
    start = time.time() - 1
    proc = daemon.start()
    wait_enrolled(daemon)
    dev = daemon.device
    device_cert = check_device_cert(dev, tmp_path, tpm_cli)
    check_account(dev, tmp_path, "wifi", "wifi", ["wifi"], device_cert)
    check_account(dev, tmp_path, "web", "web", ["web.example.org", "www.example.org"], device_cert)
    assert dev.served("roots.pem") == open(dev.ca.root, "rb").read()
    assert any("STATUS=" in m for m in daemon.messages)

    gens = {n: daemon.gen(n) for n in ("device", "wifi", "web")}
    before = {n: dev.served(f"{n}.pem") for n in ("device", "wifi", "web")}
    watcher = start_inotifywait(procs, "inotify-wifi", dev.fsd.path("wifi.pem"))
    counts = issued(dev.ca.dir)
    daemon.kill(signal.SIGUSR1)
    wait_for(lambda: all(daemon.gen(n) > gens[n] for n in gens), timeout=60, what="renewed generations")
    assert watcher.popen.wait(20) == 0, watcher.log_text()
    assert "wifi.pem ATTRIB" in watcher.log_text() or "wifi.pem MODIFY" in watcher.log_text(), watcher.log_text()
    for n in ("device", "wifi", "web"):
        assert dev.served(f"{n}.pem") != before[n], n
        openssl_verify(dev.ca.root if n == "device" else account_root(dev.ca), dev.served(f"{n}.pem"), tmp_path)
    after = issued(dev.ca.dir)
    assert after["agent"] == counts["agent"] + 1 and after["account"] == counts["account"] + 2, (counts, after)
    assert after["attestation"] == counts["attestation"] + 1, (counts, after)

    # Nothing the daemon wrote to disk holds a private key (the test's own
    # copy of the TPM-wrapped device blob aside).
    skip = {str(tmp_path / "ca"), dev.fsd.mnt}
    found = [p for p in files_with_private_keys(str(tmp_path), start, skip) if not p.endswith("device-tss2.pem")]
    assert found == []

    daemon.kill(signal.SIGTERM)
    assert proc.popen.wait(10) == 0, proc.log_text()
    daemon.wait_notify("STOPPING=1", timeout=2)
    assert "PRIVATE KEY" not in proc.log_text()


def test_enrolld_renews_when_due_by_the_clock(daemon):
    # renew_at 0.1 of a 5-minute account certificate: due ~30 s after issue.
    daemon.start(renew_at="0.1")
    wait_enrolled(daemon)
    g = daemon.gen("wifi")
    wait_for(lambda: daemon.gen("wifi") > g, timeout=60, what="renewal by the clock")
    assert daemon.proc.alive()


def test_enrolld_restart_reuses_the_device_identity(daemon):
    daemon.start()
    wait_enrolled(daemon)
    dev = daemon.device
    counts = issued(dev.ca.dir)
    served = {n: dev.served(n) for n in ("device.pem", "wifi.pem", "web.pem")}
    gens = {n: daemon.gen(n) for n in ("device", "wifi", "web")}

    daemon.kill(signal.SIGKILL)
    daemon.proc.popen.wait(10)
    # Files keep being served with the daemon gone.
    assert {n: dev.served(n) for n in served} == served

    daemon.messages.clear()
    daemon.start()
    daemon.wait_notify("READY=1")
    log = daemon.proc.log_text()
    assert "Reusing the device certificate" in log, log
    assert {n: dev.served(n) for n in served} == served
    assert issued(dev.ca.dir) == counts
    assert {n: daemon.gen(n) for n in gens} == gens


def test_enrolld_keeps_serving_with_the_ca_down_and_recovers(daemon):
    daemon.start()
    wait_enrolled(daemon)
    dev = daemon.device
    served = {n: dev.served(n) for n in ("device.pem", "wifi.pem")}
    g = daemon.gen("wifi")

    dev.ca.stop()
    daemon.kill(signal.SIGUSR1)
    wait_for(lambda: "Failed to reach" in daemon.proc.log_text(), timeout=30, what="the failure logged")
    time.sleep(7)  # several retries with retry_min 1s, retry_max 3s
    log = daemon.proc.log_text()
    assert log.count("Failed to reach") == 1, log
    assert daemon.proc.alive()
    assert {n: dev.served(n) for n in served} == served

    dev.ca.restart()
    wait_for(lambda: daemon.gen("wifi") > g, timeout=30, what="renewal after the CA came back")
    # Logged when the round ends, after the entries are published.
    wait_for(lambda: "Renewal works again" in daemon.proc.log_text(), timeout=30, what="the recovery logged")
    assert daemon.proc.alive()


def test_enrolld_disabled_device_stops_renewing_and_keeps_serving(daemon):
    daemon.start()
    wait_enrolled(daemon)
    dev = daemon.device
    served = {n: dev.served(n) for n in ("device.pem", "wifi.pem", "web.pem")}
    ca_cli(dev.ca.dir, "device", "disable", dev.ek_uri)
    counts = issued(dev.ca.dir)

    daemon.kill(signal.SIGUSR1)
    wait_for(lambda: "disabled or removed" in daemon.proc.log_text(), timeout=30, what="removal noticed")
    daemon.kill(signal.SIGUSR1)
    time.sleep(3)
    log = daemon.proc.log_text()
    assert log.count("disabled or removed") == 1, log
    assert daemon.proc.alive()
    assert issued(dev.ca.dir) == counts
    assert {n: dev.served(n) for n in served} == served
    daemon.kill(signal.SIGTERM)
    assert daemon.proc.popen.wait(10) == 0


def test_enrolld_bad_config_is_exit_78(tmp_path):
    binary = build_path("enroll", "deviceid-enrolld")
    cfg = tmp_path / "bad.conf"
    cfg.write_text("[ca]\nurl = https://localhost:1\nroot = /nonexistent\n[renewal]\nrenew_at = 2\n")
    cp = subprocess.run([binary, "--config", cfg, "--foreground"], capture_output=True, timeout=10)
    # EX_CONFIG: the unit's RestartPreventExitStatus= does not retry it.
    assert cp.returncode == 78 and b"line 5" in cp.stderr and b"renew_at" in cp.stderr, cp.stderr


def test_enrolld_and_ca_service_units_verify(tmp_path):
    for u in ("deviceid-enrolld.service", "deviceid-ca.service"):
        unit = built_unit(tmp_path, u)
        text = unit.read_text()
        assert "Type=notify" in text and "ProtectSystem=strict" in text and "RestartPreventExitStatus=78" in text, u
        if u == "deviceid-enrolld.service":
            # A wedged loop stops pinging the watchdog: systemd restarts it.
            assert "\nWatchdogSec=15min\n" in text and "\nRestart=always\n" in text, text
        verify_units(unit, args=("--man=no",))


def test_enrolld_sighup_rereads_the_config(daemon):
    daemon.start()
    wait_enrolled(daemon)
    gens = {n: daemon.gen(n) for n in ("device", "wifi", "web")}
    daemon.write_config(extra='\n[account "vpn"]\nsub = alice\nsans = vpn.example.org\n')
    daemon.kill(signal.SIGHUP)
    wait_for(lambda: "vpn.pem" in os.listdir(daemon.device.fsd.mnt), timeout=30, what="vpn.pem")
    assert {n: daemon.gen(n) for n in gens} == gens   # the rest is reused
    # A broken config is refused; the daemon keeps the previous one.
    (daemon.tmp / "enrolld.conf").write_text("[ca]\nbogus = 1\n")
    daemon.kill(signal.SIGHUP)
    wait_for(lambda: "Keeping the previous configuration" in daemon.proc.log_text(), what="refusal")
    assert daemon.proc.alive()
