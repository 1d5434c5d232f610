# SPDX-License-Identifier: Apache-2.0
"""deviceid-fsd survives its own crash and upgrade: the holder keeps the
FUSE connection, a new server takes it over (FUSE_NOTIFY_RESEND, kernel
6.9+), and every mount and bind mount of it keeps serving, also in
another mount namespace, as a container has it."""
import json
import os
import signal
import socket
import time

import pytest

from fixtures.fsd import mounted_at, wait_for
from fixtures.procs import require_tool
from test_fsd import Inotify, key_matches_chain, read, split_bundle

KILLS = 20
UPGRADES = 5

# Loops open+read+verify of one file until the stop file appears; verifies
# each distinct content once (key against leaf), writes its figures as JSON.
READER = r'''
import errno, hashlib, json, os, sys, time
from cryptography import x509
from cryptography.hazmat.primitives import serialization

path, stop, out = sys.argv[1:4]
marker = b"-----END PRIVATE KEY-----\n"
end = b"-----END CERTIFICATE-----\n"
spki = lambda k: k.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
verified, bad, errors, seen = {}, 0, {}, []
reads, longest, t_end = 0, 0.0, None
while not os.path.exists(stop):
    t0 = time.monotonic()
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        name = errno.errorcode.get(e.errno, str(e.errno))
        errors[name] = errors.get(name, 0) + 1
        continue
    finally:
        longest = max(longest, time.monotonic() - t0)
    reads += 1
    h = hashlib.sha256(data).hexdigest()
    if h not in verified:
        try:
            i = data.index(marker) + len(marker)
            key = serialization.load_pem_private_key(data[:i], password=None)
            leaf = x509.load_pem_x509_certificate(data[i:data.index(end, i) + len(end)])
            verified[h] = spki(key.public_key()) == spki(leaf.public_key())
        except Exception:
            verified[h] = False
        seen.append(h)
    if not verified[h]:
        bad += 1
json.dump({"reads": reads, "bad": bad, "errors": errors, "seen": seen, "longest_stall_s": longest},
          open(out, "w"))
'''


def bundle_hash(data):
    return __import__("hashlib").sha256(data).hexdigest()


def wait_new_server(fsd, old, timeout=10.0):
    """Waits until a server other than old serves (its server.pid written at
    readiness); returns (pid, seconds waited)."""
    t0 = time.monotonic()
    pid = wait_for(lambda: (lambda p: p if p and p != old and os.path.exists(f"/proc/{p}") else None)(
        fsd.server_pid()), timeout=timeout, what="a new server")
    return pid, time.monotonic() - t0


def control(fsd, request):
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(10)
        s.connect(fsd.sock)
        s.send(request)
        return s.recv(256)


@pytest.fixture
def wifi_world(fsd, pki):
    dev = pki.issue("device-1")
    fsd.publish("device", dev["chain"])
    wifi = pki.issue("wifi-1")
    fsd.publish("wifi", wifi["chain"], wifi["key"])
    fsd.start()
    assert "no takeover possible" not in fsd.proc.log_text(), "this kernel lacks FUSE_NOTIFY_RESEND"
    return wifi


def test_reader_in_a_container_sees_no_error_across_kills_upgrades_and_renewals(fsd, wifi_world, pki, procs,
                                                                               tmp_path):
    unshare = require_tool("unshare")
    view = tmp_path / "container-view"
    view.mkdir()
    (tmp_path / "reader.py").write_text(READER)
    stop, out = tmp_path / "stop", tmp_path / "reader.json"
    (tmp_path / "ns.sh").write_text(f"""set -e
mount --make-rprivate /
mount --bind {fsd.mnt} {view}
exec /usr/bin/python3 {tmp_path}/reader.py {view}/wifi.bundle.pem {stop} {out}
""")
    reader = procs([unshare, "-m", "--propagation", "private", "sh", str(tmp_path / "ns.sh")], "reader")
    published = {bundle_hash(read(fsd.path("wifi.bundle.pem")))}
    gaps = []
    t_start = time.monotonic()
    for i in range(KILLS + UPGRADES):
        time.sleep(0.05)  # let the reader loop
        old = fsd.server_pid()
        t0 = time.monotonic()
        if i % 5 == 4:
            # Upgrades, alternately by signal to the holder and on the control socket.
            if (i // 5) % 2 == 0:
                os.kill(fsd.proc.pid, signal.SIGUSR2)
            else:
                assert control(fsd, b"upgrade") == b"ok"
        else:
            os.kill(old, signal.SIGKILL)
        pid, _ = wait_new_server(fsd, old)
        gaps.append(time.monotonic() - t0)
        assert fsd.proc.alive() and reader.alive(), reader.log_text()
        # A renewal in between, through the new server.
        g = pki.issue(f"wifi-{i + 2}")
        fsd.publish("wifi", g["chain"], g["key"])
        bundle = read(fsd.path("wifi.bundle.pem"))
        assert split_bundle(bundle)[1] == g["chain_pem"]
        published.add(bundle_hash(bundle))
    time.sleep(0.2)
    stop.write_text("")
    assert reader.popen.wait(30) == 0, reader.log_text()
    figures = json.loads(out.read_text())
    elapsed = time.monotonic() - t_start
    print(f"\n{KILLS} kills, {UPGRADES} upgrades, {KILLS + UPGRADES} renewals in {elapsed:.1f} s: "
          f"{figures['reads']} reads in the container, longest stall {figures['longest_stall_s'] * 1000:.1f} ms, "
          f"longest server change {max(gaps) * 1000:.1f} ms")
    assert figures["errors"] == {}, figures["errors"]  # no ENOTCONN, no error at all
    assert figures["bad"] == 0
    assert figures["reads"] > 100
    assert set(figures["seen"]) <= published
    assert len(figures["seen"]) > 1  # it did see renewals
    assert len(mounted_at(fsd.mnt)) == 2
    log = fsd.proc.log_text()
    # Killed: reaped, or seen gone while its last threads still exit.
    assert log.count("starting a successor on the same connection") == KILLS
    assert log.count("handed over") == UPGRADES


def test_blocked_reader_gets_its_answer_and_old_generation_stays_readable(fsd, wifi_world, pki):
    """A request the dead server had read is resent to its successor; a
    descriptor of an old generation keeps reading it after the takeover, and
    a directory opened before it (a handle the dead server gave out) lists."""
    old_fd = os.open(fsd.path("wifi.pem"), os.O_RDONLY)
    dir_fd = os.open(fsd.mnt, os.O_RDONLY | os.O_DIRECTORY)
    try:
        server = fsd.server_pid()
        os.kill(server, signal.SIGSTOP)  # requests now wait, read or not
        results = {}

        def reader():
            try:
                results["names"] = sorted(os.listdir(fsd.mnt))
            except OSError as e:
                results["error"] = e.errno

        import threading
        t = threading.Thread(target=reader)
        t.start()
        time.sleep(0.3)
        assert t.is_alive()  # blocked on the stopped server
        os.kill(server, signal.SIGKILL)
        wait_new_server(fsd, server)
        t.join(10)
        assert not t.is_alive() and "error" not in results, results
        assert "wifi.pem" in results["names"]
        new = pki.issue("wifi-after-takeover")
        fsd.publish("wifi", new["chain"], new["key"])
        assert read(fsd.path("wifi.pem")) == new["chain_pem"]
        assert os.pread(old_fd, 1 << 16, 0) == wifi_world["chain_pem"]
        assert key_matches_chain(read(fsd.path("wifi.key.pem")), new["chain_pem"])
        assert sorted(os.listdir(dir_fd)) == sorted(os.listdir(fsd.mnt))
        assert fsd.proc.alive() and "killed by signal 11" not in fsd.proc.log_text()
    finally:
        os.close(dir_fd)
        os.close(old_fd)


def test_inotify_on_renewal_keeps_working_after_takeover(fsd, wifi_world, pki):
    ino = Inotify()
    try:
        ino.watch(fsd.mnt)
        for how in ("kill", "upgrade"):
            old = fsd.server_pid()
            if how == "kill":
                os.kill(old, signal.SIGKILL)
            else:
                os.kill(fsd.proc.pid, signal.SIGUSR2)
            wait_new_server(fsd, old)
            ino.read()  # what the takeover itself raised
            new = pki.issue(f"wifi-inotify-{how}")
            fsd.publish("wifi", new["chain"], new["key"])
            events = [(e[1], e[2]) for e in ino.read()]
            assert (["MOVED_TO"], "wifi.pem") in events, events
            assert (["MOVED_TO"], "wifi.bundle.pem") in events, events
            assert read(fsd.path("wifi.pem")) == new["chain_pem"]
    finally:
        ino.close()


def test_sigterm_to_the_server_stops_everything(fsd, wifi_world):
    server = fsd.server_pid()
    os.kill(server, signal.SIGTERM)
    assert fsd.proc.popen.wait(15) == 0
    assert mounted_at(fsd.mnt) == []
    assert not os.path.exists(fsd.sock)
    assert not os.path.exists(os.path.join(os.path.dirname(fsd.sock), "server.pid"))


def test_upgrade_to_a_refused_configuration_stops_instead_of_looping(fsd, pki, tmp_path):
    """The successor reads the configuration again; one it refuses (exit 78)
    is not retried: the holder unmounts and fails."""
    wifi = pki.issue("wifi-1")
    fsd.publish("wifi", wifi["chain"], wifi["key"])
    fsd.start(config="[fsd]\nPollIntervalSec=5\n")
    cfg = fsd.tmp / "fsd0.conf"
    cfg.write_text("[account:wifi]\nMode=0444\n")
    os.kill(fsd.proc.pid, signal.SIGUSR2)
    assert fsd.proc.popen.wait(15) != 0
    assert "refused its configuration" in fsd.proc.log_text()
    assert mounted_at(fsd.mnt) == []
