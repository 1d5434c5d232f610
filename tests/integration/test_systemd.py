# SPDX-License-Identifier: Apache-2.0
"""deviceid under a real systemd: a Debian root booted with systemd-nspawn,
deviceid installed into it with `make install DESTDIR=` (Debian layout),
the shipped units started with their shipped hardening (only Environment=
drop-ins: a private keyring name, the TCTI of a swtpm on the host).

Covered: the install layout; the three services reach active (running)
through Type=notify with STATUS= lines; the shipped example .path unit,
started at boot before its file exists, fires on the first publication and
on each of ten renewals, each time reading the new certificate (and
inotifywait on the directory sees IN_CREATE then IN_MOVED_TO); removal
fires it too; restarting deviceid-enrolld re-attests nothing, restarting
deviceid-ca under renewals loses no certificate, stopping deviceid-fsd
unmounts; journal priorities; a second container bind-mounting
/run/deviceid sees renewals; hardening scores. In a container refused the
keyring calls (systemd-nspawn's default), fsd and enrolld fail with one
clear line; a broken configuration fails with status 78 and no restart;
enrolld stopped (SIGSTOP) under a short WatchdogSec= is restarted.

Heavy: runs only with DEVICEID_HEAVY_TESTS=1 (fixtures/nspawn.py)."""
import json
import os
import re
import shutil
import sqlite3
import threading
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from fixtures.fsd import wait_for
from fixtures.procs import SRCDIR, free_port, run
from fixtures.swtpm import start_swtpm

pytestmark = pytest.mark.heavy

EXAMPLES = "/usr/share/doc/deviceid/examples"
UNITDIR = "/lib/systemd/system"
RECORDS = "/var/lib/deviceid-test"
DAEMONS = ("deviceid-fsd", "deviceid-enrolld", "deviceid-ca")
# systemd-analyze security --offline=true, Debian 12's systemd 252: the
# exposure of each shipped unit may not grow (docs/systemd.md has the list).
MAX_EXPOSURE = {"deviceid-ca": 1.1, "deviceid-fsd": 3.1, "deviceid-enrolld": 1.8}

# Records one activation: a copy of wifi.pem as read at that moment (or a
# marker when it is absent), numbered in order.
RECORD_SCRIPT = """#!/bin/sh
set -e
d=/var/lib/deviceid-test/$1
mkdir -p "$d"
n=$(printf %04d "$(ls "$d" | wc -l)")
if cp /run/deviceid/wifi.pem "$d/$n.tmp" 2>/dev/null; then mv "$d/$n.tmp" "$d/$n.pem"; else : > "$d/$n.absent"; fi
"""

TEST_UNITS = {
    # The service that uses wifi.pem; the example path unit reloads it.
    "wifi.service": """[Unit]
Description=test: a service using /run/deviceid/wifi.pem
[Service]
ExecStart=/bin/sleep infinity
ExecReload=/usr/local/bin/deviceid-test-record wifi
[Install]
WantedBy=multi-user.target
""",
    # A .path unit on the directory.
    "dir-renewal.path": """[Unit]
Description=test: watch /run/deviceid
DefaultDependencies=no
Requires=sysinit.target
After=sysinit.target deviceid-fsd.service
PartOf=deviceid-fsd.service
Conflicts=shutdown.target
Before=shutdown.target
[Path]
PathChanged=/run/deviceid
Unit=dir-record.service
[Install]
WantedBy=deviceid-fsd.service
""",
    "dir-record.service": """[Unit]
Description=test: record what a directory watcher reads
# A directory watcher may fire more than once per renewal.
StartLimitIntervalSec=0
[Service]
Type=oneshot
ExecStart=/usr/local/bin/deviceid-test-record dir
""",
    # inotifywait on the directory from boot on.
    "dir-inotify.service": """[Unit]
Description=test: inotifywait on /run/deviceid
After=deviceid-fsd.service
[Service]
ExecStart=/usr/bin/inotifywait -m -q -e create,moved_to,delete --format "%%e %%f" -o /var/lib/deviceid-test/inotify.log /run/deviceid
[Install]
WantedBy=multi-user.target
""",
}


def leaf_der(pem):
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def keyring_unlink(name):
    cp = run(["keyctl", "search", "@u", "keyring", name], check=False)
    if cp.returncode == 0 and cp.stdout.strip():
        run(["keyctl", "unlink", cp.stdout.decode().strip(), "@u"], check=False)


class Device:
    """Container A: deviceid installed, the CA, fsd and enrolld running."""

    def __init__(self, c, tpm, keyring, ca_port):
        self.c = c
        self.tpm = tpm
        self.keyring = keyring
        self.ca_port = ca_port

    def served(self, name):
        return self.c.run(["cat", f"/run/deviceid/{name}"]).stdout

    def records(self, kind):
        d = self.c.path(f"{RECORDS}/{kind}")
        names = sorted(n for n in os.listdir(d) if not n.endswith(".tmp")) if os.path.isdir(d) else []
        return [(n, open(os.path.join(d, n), "rb").read()) for n in names]

    def inotify(self):
        try:
            return self.c.read(f"{RECORDS}/inotify.log").decode().splitlines()
        except FileNotFoundError:
            return []

    def issued(self):
        db = sqlite3.connect(self.c.path("/var/lib/deviceid-ca/ca.db"), timeout=10)
        try:
            return dict(db.execute("SELECT ca, count(*) FROM certificates GROUP BY ca").fetchall())
        finally:
            db.close()

    def issued_ders(self):
        db = sqlite3.connect(self.c.path("/var/lib/deviceid-ca/ca.db"), timeout=10)
        try:
            return {bytes(r[0]) for r in db.execute("SELECT der FROM certificates")}
        finally:
            db.close()

    def renew(self):
        self.c.systemctl("kill", "-s", "USR1", "--kill-who=main", "deviceid-enrolld")

    def explain(self):
        """What the units and the journal say, for failure messages."""
        c = self.c
        out = [c.systemctl("status", "wifi-renewal.path", "wifi-renewal.service", "wifi.service", "dir-renewal.path",
                           "deviceid-enrolld.service", "deviceid-fsd.service", check=False).stdout.decode()]
        out.append("records: " + " ".join(n for n, _ in self.records("wifi")))
        out.append("inotify: " + "; ".join(self.inotify()[-20:]))
        out.append(c.run(["journalctl", "--no-pager", "-n", "80"], check=False).stdout.decode())
        return "\n".join(out)

    def wait(self, cond, what, timeout=60):
        try:
            wait_for(cond, timeout=timeout, what=what)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.explain()}") from None

    def ctl(self, *args, check=True):
        return self.c.run(["deviceidctl", *args], check=check, env={"DEVICEID_KEYRING": self.keyring})


@pytest.fixture(scope="module")
def tpm(swtpm_template, tmp_path_factory):
    state, ek_ca = swtpm_template
    d = tmp_path_factory.mktemp("systemd-tpm")
    shutil.copytree(state, str(d / "state"))
    t = start_swtpm(str(d / "state"), str(d / "swtpm.log"), ek_ca)
    yield t
    t.stop()


@pytest.fixture(scope="module")
def device(nspawn_root, debian_build, containers, tpm):
    c = containers(nspawn_root)
    c.install(debian_build)
    keyring = f"deviceid-nspawn-{os.getpid()}"
    ca_port = free_port()
    # Only where the test runs differs from a real machine: a private
    # keyring name (the container shares the host's user keyring) and the
    # software TPM's TCTI.
    c.write("/etc/systemd/system/deviceid-fsd.service.d/10-test.conf",
            f"[Service]\nEnvironment=DEVICEID_KEYRING={keyring}\n")
    c.write("/etc/systemd/system/deviceid-enrolld.service.d/10-test.conf",
            f"[Service]\nEnvironment=DEVICEID_KEYRING={keyring} DEVICEID_TCTI={tpm.tcti}\n")
    c.write("/etc/deviceid/fsd.conf", c.read(f"{EXAMPLES}/fsd.conf").decode())
    c.write("/usr/local/bin/deviceid-test-record", RECORD_SCRIPT, 0o755)
    # The shipped example, copied and renamed as its comments say.
    for kind in ("path", "service"):
        text = c.read(f"{EXAMPLES}/example-renewal.{kind}").decode().replace("example", "wifi")
        c.write(f"/etc/systemd/system/wifi-renewal.{kind}", text)
    for name, text in TEST_UNITS.items():
        c.write(f"/etc/systemd/system/{name}", text)
    os.makedirs(c.path(RECORDS), exist_ok=True)
    c.enable("deviceid-fsd.service", "wifi-renewal.path", "dir-renewal.path", "wifi.service",
             "dir-inotify.service")
    try:
        c.boot()
        c.wait_active("deviceid-fsd.service")
        c.wait_active("wifi-renewal.path")
        c.wait_active("dir-inotify.service")

        # The CA, initialised as its unit's comments say.
        c.sh("install -d -m 0700 -o deviceid-ca -g deviceid-ca /var/lib/deviceid-ca && "
             "runuser -u deviceid-ca -- deviceid-ca init --dir /var/lib/deviceid-ca --dns-name localhost "
             f"--listen 127.0.0.1:{ca_port} --http-port {free_port()} >/dev/null")
        c.systemctl("start", "deviceid-ca.service")
        c.wait_active("deviceid-ca.service")
        ident = json.loads(c.run(["deviceidctl", "identity", "--json"], env={"DEVICEID_TCTI": tpm.tcti}).stdout)
        c.write(f"{RECORDS}/ek.pem", ident["ekPublicKey"])
        c.run(["runuser", "-u", "deviceid-ca", "--", "deviceid-ca", "device", "add", "--dir",
               "/var/lib/deviceid-ca", "--ek-pub", f"{RECORDS}/ek.pem", "--name", "nspawn-device"])
        # The accounts, defined once at the CA: the example enrolld.conf names none.
        for args in (["wifi"], ["vpn", "--sub", "alice", "--san", "vpn.example.org", "--key", "tpm"]):
            c.run(["runuser", "-u", "deviceid-ca", "--", "deviceid-ca", "account", "add", *args, "--dir",
                   "/var/lib/deviceid-ca"])

        # enrolld from the installed example configuration.
        conf = c.read(f"{EXAMPLES}/enrolld.conf").decode()
        for old, new in (("https://ca.example.org:8443", f"https://localhost:{ca_port}"),
                         ("retry_min = 5s", "retry_min = 1s"), ("retry_max = 10m", "retry_max = 2s")):
            assert old in conf, old
            conf = conf.replace(old, new)
        c.write("/etc/deviceid/enrolld.conf", conf)
        c.run(["cp", "/var/lib/deviceid-ca/root.pem", "/etc/deviceid/root.pem"])
        assert not os.path.exists(c.path(f"{RECORDS}/wifi")), "the path unit fired before any publication"
        c.systemctl("start", "deviceid-enrolld.service")
        c.wait_active("deviceid-enrolld.service", timeout=120)
        dev = Device(c, tpm, keyring, ca_port)
        wait_for(lambda: len(dev.records("wifi")) >= 1, timeout=60, what="the first activation")
        yield dev
    finally:
        # The daemons in it use the keyring: power off first.
        c.poweroff()
        keyring_unlink(keyring)


def test_install_puts_everything_where_a_debian_admin_expects_it(device):
    c = device.c
    for p in ("/usr/bin/deviceid-ca", "/usr/bin/deviceidctl", "/usr/sbin/deviceid-fsd", "/usr/sbin/deviceid-enrolld"):
        assert os.access(c.path(p), os.X_OK), p
    for p in (f"{UNITDIR}/deviceid-fsd.service", f"{UNITDIR}/deviceid-enrolld.service",
              f"{UNITDIR}/deviceid-ca.service", "/usr/lib/sysusers.d/deviceid.conf",
              "/usr/share/man/man8/deviceid-fsd.8", "/usr/share/man/man8/deviceid-enrolld.8",
              "/usr/share/man/man8/deviceid-ca.8", "/usr/share/man/man8/deviceidctl.8",
              f"{EXAMPLES}/example-renewal.path", f"{EXAMPLES}/example-renewal.service",
              f"{EXAMPLES}/fsd.conf", f"{EXAMPLES}/enrolld.conf"):
        assert os.path.isfile(c.path(p)), p
    for unit, binary in (("deviceid-fsd", "/usr/sbin/deviceid-fsd"), ("deviceid-enrolld", "/usr/sbin/deviceid-enrolld"),
                         ("deviceid-ca", "/usr/bin/deviceid-ca")):
        src = open(os.path.join(SRCDIR, "units", f"{unit}.service.in")).read()
        assert c.read(f"{UNITDIR}/{unit}.service").decode() == \
            src.replace("@sbindir@", "/usr/sbin").replace("@bindir@", "/usr/bin")
        assert c.show(f"{unit}.service", "FragmentPath")["FragmentPath"] == f"{UNITDIR}/{unit}.service"
        assert f"ExecStart={binary} " in c.read(f"{UNITDIR}/{unit}.service").decode()
    # systemd-sysusers made the CA's user at boot.
    assert c.run(["id", "-u", "deviceid-ca"]).returncode == 0


def test_services_run_with_their_shipped_hardening_and_report_status(device):
    c = device.c
    for d in DAEMONS:
        st = c.show(f"{d}.service", "ActiveState", "SubState", "Type", "NRestarts", "StatusText",
                    "DropInPaths", "MainPID")
        assert (st["ActiveState"], st["SubState"], st["Type"], st["NRestarts"]) == \
            ("active", "running", "notify", "0"), (d, st)
        status = c.systemctl("status", f"{d}.service").stdout.decode()
        assert "Active: active (running)" in status and "Status: \"" in status, status
        for dropin in st["DropInPaths"].split():
            text = c.read(dropin).decode()
            assert all(l.startswith(("[Service]", "Environment=")) for l in text.splitlines() if l), text
    assert re.match(r"Serving \d+ files under /run/deviceid$", c.show("deviceid-fsd.service", "StatusText")["StatusText"])
    assert f"port {device.ca_port}" in c.show("deviceid-ca.service", "StatusText")["StatusText"]
    assert c.show("deviceid-enrolld.service", "StatusText")["StatusText"].startswith("Certificates current")
    # deviceidctl status, with no option, reads the state file in the unit's RuntimeDirectory=.
    doc = json.loads(device.ctl("status", "--json").stdout)
    assert doc["running"] and not doc["attention"], doc
    assert {(e["name"], e["state"]) for e in doc["entries"]} >= {("device", "valid"), ("wifi", "valid")}, doc
    # The hardening in effect is the unit's.
    fsd = c.show("deviceid-fsd.service", "CapabilityBoundingSet", "PrivateNetwork", "DevicePolicy", "NoNewPrivileges")
    assert fsd == {"CapabilityBoundingSet": "cap_sys_admin", "PrivateNetwork": "yes", "DevicePolicy": "closed",
                   "NoNewPrivileges": "yes"}, fsd
    assert c.show("deviceid-ca.service", "User", "PrivateUsers", "ProtectSystem") == \
        {"User": "deviceid-ca", "PrivateUsers": "yes", "ProtectSystem": "strict"}
    assert c.show("deviceid-enrolld.service", "CapabilityBoundingSet", "ProtectSystem")["ProtectSystem"] == "strict"
    # The mount is the system's (fsd shares PID 1's mount namespace), read-only on top.
    pid = c.show("deviceid-fsd.service", "MainPID")["MainPID"]
    assert c.run(["readlink", "/proc/1/ns/mnt"]).stdout == c.run(["readlink", f"/proc/{pid}/ns/mnt"]).stdout
    mounts = c.run(["findmnt", "-n", "-o", "FSTYPE,OPTIONS", "/run/deviceid"]).stdout.decode().splitlines()
    assert len(mounts) == 2 and all(m.startswith("fuse.deviceid") for m in mounts) and " ro," in mounts[-1]
    names = c.run(["ls", "/run/deviceid"]).stdout.decode().split()
    assert {"device.pem", "roots.pem", "status.json", "wifi.pem", "wifi.key.pem", "vpn.pem", "vpn.key.pem"} <= set(names)
    # What is served verifies, with openssl in the container: the device
    # certificate against the CA's root, the accounts against the Account CA's.
    for n in ("device.pem", "wifi.pem", "vpn.pem"):
        root = "/etc/deviceid/root.pem" if n == "device.pem" else "/var/lib/deviceid-ca/account-root.pem"
        c.run(["openssl", "verify", "-CAfile", root, "-untrusted", f"/run/deviceid/{n}", f"/run/deviceid/{n}"])


def test_path_units_fire_on_the_first_publication_and_on_each_of_ten_renewals(device):
    c = device.c
    first = device.records("wifi")
    assert [n for n, _ in first] == ["0000.pem"], first
    assert first[0][1] == device.served("wifi.pem")
    assert device.inotify().count("CREATE wifi.pem") == 1, device.inotify()
    assert "MOVED_TO wifi.pem" not in device.inotify()
    assert len(device.records("dir")) >= 1
    served = [first[0][1]]
    last = 0.0
    for i in range(10):
        # Renewals hours apart in real life; here at least 2.5 s apart, so
        # that the example's service stays within systemd's default start
        # limit (5 starts in 10 s), which would otherwise fail the path unit.
        time.sleep(max(0.0, last + 2.5 - time.monotonic()))
        last = time.monotonic()
        dir_before = len(device.records("dir"))
        device.renew()
        device.wait(lambda: len(device.records("wifi")) >= i + 2, timeout=90, what=f"activation {i + 2}")
        device.wait(lambda: device.inotify().count("MOVED_TO wifi.pem") >= i + 1, what="IN_MOVED_TO")
        device.wait(lambda: len(device.records("dir")) > dir_before, what="the directory unit")
        now = device.served("wifi.pem")
        assert now not in served, "a renewal served an earlier certificate"
        assert device.records("wifi")[i + 1][1] == now, f"activation {i + 2} read another certificate"
        served.append(now)
    time.sleep(2)  # nothing late
    recs = device.records("wifi")
    assert len(recs) == 11 and [r[1] for r in recs] == served
    assert len({leaf_der(r[1]) for r in recs}) == 11
    events = [e for e in device.inotify() if e.endswith(" wifi.pem")]
    assert events == ["CREATE wifi.pem"] + ["MOVED_TO wifi.pem"] * 10, events
    assert c.show("wifi-renewal.path", "ActiveState")["ActiveState"] == "active"


def test_removal_and_reappearance_fire_the_path_units(device):
    c = device.c
    c.systemctl("stop", "deviceid-enrolld.service")  # it would publish wifi again
    n_wifi, n_dir = len(device.records("wifi")), len(device.records("dir"))
    device.ctl("remove", "wifi")
    wait_for(lambda: len(device.records("wifi")) == n_wifi + 1, what="activation on removal")
    assert device.records("wifi")[-1][0].endswith(".absent")
    wait_for(lambda: "DELETE wifi.pem" in device.inotify(), what="IN_DELETE")
    wait_for(lambda: len(device.records("dir")) > n_dir, what="the directory unit on removal")
    assert "wifi.pem" not in c.run(["ls", "/run/deviceid"]).stdout.decode().split()
    c.systemctl("start", "deviceid-enrolld.service")
    c.wait_active("deviceid-enrolld.service", timeout=120)
    wait_for(lambda: len(device.records("wifi")) == n_wifi + 2, timeout=60, what="activation on reappearance")
    assert device.records("wifi")[-1][1] == device.served("wifi.pem")
    assert device.inotify().count("CREATE wifi.pem") == 2


def test_restarting_enrolld_keeps_the_mount_serving_and_reattests_nothing(device):
    c = device.c
    counts = device.issued()
    dev_pem, fsd_pid = device.served("device.pem"), c.show("deviceid-fsd.service", "MainPID")["MainPID"]
    since = c.run(["date", "+%Y-%m-%d %H:%M:%S"]).stdout.decode().strip()
    c.systemctl("restart", "deviceid-enrolld.service")
    c.wait_active("deviceid-enrolld.service", timeout=120)
    assert device.served("device.pem") == dev_pem
    assert c.show("deviceid-fsd.service", "MainPID", "NRestarts") == {"MainPID": fsd_pid, "NRestarts": "0"}
    after = device.issued()
    assert after.get("attestation") == counts.get("attestation") and after.get("agent") == counts.get("agent"), \
        (counts, after)
    log = " ".join(e["MESSAGE"] for e in c.journal("-u", "deviceid-enrolld", "--since", since))
    assert "Reusing the device certificate" in log, log


def test_restarting_the_ca_under_renewals_loses_no_certificate(device):
    c = device.c
    stop = threading.Event()

    def load():
        while not stop.is_set():
            device.renew()
            time.sleep(0.4)

    t = threading.Thread(target=load)
    t.start()
    try:
        pids = set()
        for _ in range(3):
            time.sleep(1.5)
            c.systemctl("restart", "deviceid-ca.service")
            c.wait_active("deviceid-ca.service")
            pids.add(c.show("deviceid-ca.service", "MainPID")["MainPID"])
        time.sleep(1.5)
    finally:
        stop.set()
        t.join(30)
    assert len(pids) == 3
    # A round after the last restart succeeds; then every certificate the
    # device was served is in the CA's database.
    device.renew()
    wait_for(lambda: c.show("deviceid-enrolld.service", "StatusText")["StatusText"].startswith(
        "Certificates current"), timeout=60, what="a successful round")
    known = device.issued_ders()
    seen = [r[1] for r in device.records("wifi") if r[0].endswith(".pem")]
    for name in ("device.pem", "wifi.pem", "vpn.pem"):
        seen.append(device.served(name))
    missing = [i for i, pem in enumerate(seen) if leaf_der(pem) not in known]
    assert not missing, f"{len(missing)} served certificates are not in the CA's database"


def test_journal_priorities(device):
    c = device.c
    # A round with the CA down: a warning, then the recovery.
    c.systemctl("stop", "deviceid-ca.service")
    device.renew()
    device.wait(lambda: any("retrying with backoff" in e["MESSAGE"] for e in c.journal("-t", "deviceid-enrolld", "-p",
                                                                                         "warning")),
                what="the warning of a failed round")
    c.systemctl("start", "deviceid-ca.service")
    c.wait_active("deviceid-ca.service")
    device.wait(lambda: c.show("deviceid-enrolld.service", "StatusText")["StatusText"].startswith(
        "Certificates current"), what="the recovery")
    entries = [e for d in DAEMONS for e in c.journal("-t", d)]
    by_prio = {}
    for e in entries:
        by_prio.setdefault(int(e["PRIORITY"]), []).append(e["MESSAGE"])
        assert not re.match(r"^<\d>", e["MESSAGE"]), e["MESSAGE"]  # the prefix was parsed
    assert any(m.startswith("Serving \"/run/deviceid\"") for m in by_prio.get(6, []))
    assert any("listening on" in m for m in by_prio.get(6, []))
    assert any("SIGUSR1: renewing" in m for m in by_prio.get(6, []))
    assert any("retrying with backoff" in m for m in by_prio.get(4, [])), by_prio.get(4)
    warn = c.run(["journalctl", "--no-pager", "-q", "-p", "warning", *[a for d in DAEMONS for a in ("-t", d)]])
    text = warn.stdout.decode()
    assert "retrying with backoff" in text
    for info in ("Serving \"/run/deviceid\"", "listening on", "SIGUSR1: renewing", "Reloaded:"):
        assert info not in text, info


def test_a_second_container_bind_mounting_the_directory_sees_renewals(device):
    c = device.c
    out = f"{RECORDS}/reader"
    c.sh(f"mkdir -p /var/lib/machines/reader {out} && mountpoint -q /var/lib/machines/reader || "
         "mount --bind / /var/lib/machines/reader")
    script = ("cat /run/deviceid/wifi.pem > /mnt/before.pem; "
              "inotifywait -e attrib,delete_self /run/deviceid/wifi.pem 2> /mnt/inotify.err; "
              "cat /run/deviceid/wifi.pem > /mnt/after.tmp && mv /mnt/after.tmp /mnt/after.pem")
    c.run(["systemd-run", "--unit=deviceid-test-reader", "-p", "Delegate=yes", "--",
           "systemd-nspawn", "-q", "--register=no", "--keep-unit", "--link-journal=no", "--console=pipe",
           "-D", "/var/lib/machines/reader", "--read-only", "--bind-ro=/run/deviceid",
           f"--bind={out}:/mnt", "/bin/sh", "-c", script])
    try:
        wait_for(lambda: b"Watches established" in (c.read(f"{out}/inotify.err")
                                                     if os.path.exists(c.path(f"{out}/inotify.err")) else b""),
                 timeout=60, what="the reader's watch")
        before = device.served("wifi.pem")
        assert c.read(f"{out}/before.pem") == before
        device.renew()
        wait_for(lambda: os.path.exists(c.path(f"{out}/after.pem")), timeout=90, what="the reader's new read")
        after = c.read(f"{out}/after.pem")
        assert after != before and after == device.served("wifi.pem")
        wait_for(lambda: c.show("deviceid-test-reader.service", "ActiveState")["ActiveState"] != "active",
                 what="the reader container to exit")
        st = c.show("deviceid-test-reader.service", "Result", "ExecMainStatus")
        assert st.get("ExecMainStatus", "0") == "0", st
    finally:
        c.systemctl("stop", "deviceid-test-reader.service", check=False)


def test_a_wedged_enrolld_is_restarted_by_its_watchdog(device):
    c = device.c
    unit = "deviceid-enrolld.service"
    assert c.show(unit, "WatchdogUSec")["WatchdogUSec"] == "15min"
    # A short watchdog in a drop-in, as an administrator would write one.
    dropin = "/etc/systemd/system/deviceid-enrolld.service.d/20-watchdog.conf"
    c.write(dropin, "[Service]\nWatchdogSec=3s\nTimeoutAbortSec=5s\n")
    try:
        c.systemctl("daemon-reload")
        c.systemctl("restart", unit)
        c.wait_active(unit, timeout=120)
        st = c.show(unit, "MainPID", "NRestarts")
        # Healthy: it pings while its loop runs, several periods long.
        time.sleep(8)
        assert c.show(unit, "MainPID", "NRestarts") == st, c.diagnostics()
        # Wedged (stopped where no code of its own can notice): restarted.
        since = c.run(["date", "+%Y-%m-%d %H:%M:%S"]).stdout.decode().strip()
        c.systemctl("kill", "-s", "STOP", "--kill-who=main", unit)
        wait_for(lambda: c.show(unit, "MainPID")["MainPID"] not in (st["MainPID"], "0"), timeout=60,
                 what="the watchdog restart")
        c.wait_active(unit, timeout=120)
        assert int(c.show(unit, "NRestarts")["NRestarts"]) > int(st["NRestarts"])
        log = " ".join(e["MESSAGE"] for e in c.journal("-u", unit, "--since", since))
        assert "Watchdog timeout" in log, log
    finally:
        c.run(["rm", "-f", dropin])
        c.systemctl("daemon-reload")
        c.systemctl("restart", unit)
        c.wait_active(unit, timeout=120)


def test_hardening_exposure_does_not_grow(device):
    c = device.c
    for d, limit in MAX_EXPOSURE.items():
        out = c.run(["systemd-analyze", "security", "--offline=true", "--no-pager",
                     f"{UNITDIR}/{d}.service"]).stdout.decode()
        m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out)
        assert m and float(m.group(1)) <= limit, (d, m and m.group(1), out[-2000:])


def test_restart_keeps_a_bind_mount_in_another_namespace_serving(device):
    """`systemctl restart deviceid-fsd` with the unit's file descriptor
    store: the new instance continues the same FUSE connection, so a bind
    mount made in another mount namespace (as a container has it) never
    sees an error, and shows the renewals made after the restarts."""
    c = device.c
    out = f"{RECORDS}/restart-reader"
    script = (f"mount --make-rprivate / && mkdir -p /tmp/view && mount --bind /run/deviceid /tmp/view && "
              f": > {out}/started; n=0; e=0; while [ ! -e {out}/stop ]; do "
              f"if cat /tmp/view/wifi.pem > /dev/null 2>> {out}/errors; then n=$((n+1)); else e=$((e+1)); fi; "
              f"done; cat /tmp/view/wifi.pem > {out}/last.pem; echo $n $e > {out}/result")
    c.sh(f"rm -rf {out} && mkdir -p {out}")
    c.run(["systemd-run", "--unit=deviceid-test-restart-reader", "--", "unshare", "-m", "--propagation",
           "private", "sh", "-c", script])
    try:
        wait_for(lambda: os.path.exists(c.path(f"{out}/started")), timeout=30, what="the reader's bind mount")
        pids = [c.show("deviceid-fsd.service", "MainPID")["MainPID"]]
        for _ in range(3):
            c.systemctl("restart", "deviceid-fsd.service")
            c.wait_active("deviceid-fsd.service")
            pids.append(c.show("deviceid-fsd.service", "MainPID")["MainPID"])
        assert len(set(pids)) == 4, pids
        messages = [e["MESSAGE"] for e in c.journal("-u", "deviceid-fsd", "-n", "200")]
        assert sum("back from the service manager" in m for m in messages) >= 3, messages[-40:]
        assert sum("Restarting: leaving" in m for m in messages) >= 3, messages[-40:]
        # A renewal after the restarts, served and seen by the path unit.
        n = len(device.records("wifi"))
        time.sleep(2.5)  # the example service's start limit (see below)
        device.renew()
        device.wait(lambda: len(device.records("wifi")) == n + 1, what="an activation after the renewal")
        c.sh(f": > {out}/stop")
        wait_for(lambda: os.path.exists(c.path(f"{out}/result")), timeout=30, what="the reader's result")
        n, errors = map(int, c.read(f"{out}/result").split())
        assert errors == 0 and n > 0, (n, errors, c.read(f"{out}/errors"))
        assert c.read(f"{out}/last.pem") == device.served("wifi.pem")
    finally:
        c.systemctl("stop", "deviceid-test-restart-reader.service", check=False)


def test_restarting_or_stopping_fsd_unmounts_cleanly_and_the_path_unit_follows(device):
    c = device.c
    wifi = device.served("wifi.pem")

    def renewal_fires():
        n = len(device.records("wifi"))
        time.sleep(2.5)  # the example service's start limit (see above)
        device.renew()
        device.wait(lambda: len(device.records("wifi")) == n + 1, what="an activation after the renewal")
        assert device.records("wifi")[-1][1] == device.served("wifi.pem")

    # A restart continues the same mount (file descriptor store); the
    # example path unit (PartOf=) is restarted after it and watches it again.
    c.systemctl("restart", "deviceid-fsd.service")
    c.wait_active("deviceid-fsd.service")
    assert device.served("wifi.pem") == wifi  # from the keyring, which outlives the daemon
    renewal_fires()

    c.systemctl("stop", "deviceid-fsd.service")
    st = c.show("deviceid-fsd.service", "ActiveState", "Result", "ExecMainStatus")
    assert st == {"ActiveState": "inactive", "Result": "success", "ExecMainStatus": "0"}, st
    assert c.run(["findmnt", "/run/deviceid"], check=False).returncode != 0
    assert c.show("wifi-renewal.path", "ActiveState")["ActiveState"] == "inactive"
    assert any("Unmounted" in e["MESSAGE"] for e in c.journal("-u", "deviceid-fsd", "-n", "20"))
    c.systemctl("start", "deviceid-fsd.service")
    c.wait_active("deviceid-fsd.service")
    c.wait_active("wifi-renewal.path")  # pulled in again (WantedBy=deviceid-fsd.service)
    renewal_fires()


# ---------------------------------------------------------------------------
# A container run the way systemd-nspawn runs one by default: the keyring
# system calls refused. Also where broken configurations are tried.

@pytest.fixture(scope="module")
def plain(nspawn_root, debian_build, containers, tmp_path_factory):
    c = containers(nspawn_root, keyring_filter=False)
    c.install(debian_build)
    d = tmp_path_factory.mktemp("plain-pki")
    run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(d / "k.pem"), "-out", str(d / "root.pem"), "-days", "2", "-subj", "/CN=plain root"])
    c.write("/etc/deviceid/root.pem", (d / "root.pem").read_text())
    conf = c.read(f"{EXAMPLES}/enrolld.conf").decode().replace("https://ca.example.org:8443", "https://localhost:9")
    c.write("/etc/deviceid/enrolld.conf", conf)
    for u in ("deviceid-fsd", "deviceid-enrolld"):
        c.write(f"/etc/systemd/system/{u}.service.d/10-test.conf",
                f"[Service]\nEnvironment=DEVICEID_KEYRING=deviceid-plain-{os.getpid()}\n")
    c.boot()
    return c


def attempts(c, unit, text):
    """Realtime stamps (s) of the journal lines of unit containing text."""
    return [int(e["__REALTIME_TIMESTAMP"]) / 1e6 for e in c.journal("-u", unit) if text in e.get("MESSAGE", "")]


def test_refused_keyring_calls_are_one_clear_error_and_no_tight_loop(plain):
    c = plain
    refused = "The kernel refuses the keyring system calls"
    c.systemctl("start", "deviceid-fsd.service", check=False)
    c.systemctl("start", "deviceid-enrolld.service", check=False)
    # fsd: Restart=always every second, until the start limit stops it.
    wait_for(lambda: c.show("deviceid-fsd.service", "ActiveState")["ActiveState"] == "failed" and
             attempts(c, "deviceid-fsd", "Start request repeated too quickly"), timeout=30,
             what="fsd to hit its start limit")
    assert int(c.show("deviceid-fsd.service", "NRestarts")["NRestarts"]) <= 5
    fsd = [e for e in c.journal("-u", "deviceid-fsd") if e.get("SYSLOG_IDENTIFIER") == "deviceid-fsd"]
    lines = [e for e in fsd if refused in e["MESSAGE"]]
    assert lines and all(int(e["PRIORITY"]) == 3 for e in lines), fsd
    assert len(lines) <= 5 and all(refused in e["MESSAGE"] for e in fsd if int(e["PRIORITY"]) <= 4), fsd
    assert not any("Serving" in e["MESSAGE"] for e in fsd)
    stamps = attempts(c, "deviceid-fsd", refused)
    assert all(b - a >= 0.9 for a, b in zip(stamps, stamps[1:])), stamps
    assert c.run(["findmnt", "/run/deviceid"], check=False).returncode != 0
    assert "add_key, keyctl and request_key" in lines[0]["MESSAGE"]
    # enrolld: one line per attempt, attempts 5 s apart.
    wait_for(lambda: attempts(c, "deviceid-enrolld", refused), what="enrolld's error")
    time.sleep(6)
    stamps = attempts(c, "deviceid-enrolld", refused)
    assert 1 <= len(stamps) <= 3 and all(b - a >= 4.5 for a, b in zip(stamps, stamps[1:])), stamps
    st = c.show("deviceid-enrolld.service", "ExecMainStatus")
    assert st["ExecMainStatus"] in ("1", "0"), st  # 0 while the next attempt is running
    # Each start of enrolld pulls fsd in again (Wants=): once its start
    # limit interval has passed, fsd may be waiting for a restart. A stop
    # cancels that; reset-failed alone would leave it to run later.
    c.systemctl("stop", "deviceid-enrolld.service", "deviceid-fsd.service")
    c.systemctl("reset-failed", "deviceid-fsd.service", "deviceid-enrolld.service", check=False)


@pytest.mark.parametrize("unit,path,text,owner", [
    ("deviceid-fsd", "/etc/deviceid/fsd.conf", "[fsd]\nPollIntervalSec=0\n", None),
    ("deviceid-enrolld", "/etc/deviceid/enrolld.conf", "[ca]\nurl = https://localhost:9\n[renewal]\nrenew_at = 2\n",
     None),
    ("deviceid-ca", "/var/lib/deviceid-ca/ca.conf", "[ca]\nno such key = 1\n", "deviceid-ca"),
])
def test_a_broken_configuration_fails_once_with_status_78(plain, unit, path, text, owner):
    c = plain
    # From a known state: stopped (no restart of an earlier test queued),
    # no restarts counted.
    c.systemctl("stop", f"{unit}.service")
    c.systemctl("reset-failed", f"{unit}.service", check=False)
    c.write(path, text, 0o600)
    if owner:
        c.run(["chown", "-R", f"{owner}:{owner}", os.path.dirname(path)])
        c.run(["chmod", "0700", os.path.dirname(path)])
    since = time.time()
    cp = c.systemctl("start", f"{unit}.service", check=False)
    assert cp.returncode != 0
    time.sleep(6)  # longer than any RestartSec=
    st = c.show(f"{unit}.service", "ActiveState", "Result", "ExecMainStatus", "NRestarts")
    assert st == {"ActiveState": "failed", "Result": "exit-code", "ExecMainStatus": "78", "NRestarts": "0"}, st
    errors = [e["MESSAGE"] for e in c.journal("-u", unit, "-p", "err")
              if e.get("SYSLOG_IDENTIFIER") == unit and int(e["__REALTIME_TIMESTAMP"]) / 1e6 >= since]
    assert len(errors) == 1 and path.rsplit("/", 1)[1] in errors[0], errors
    assert "status=78/CONFIG" in c.systemctl("status", f"{unit}.service", check=False).stdout.decode()
