# SPDX-License-Identifier: Apache-2.0
"""`deviceidctl status` against a running deviceid-enrolld (swtpm, a real
deviceid-ca, a private keyring and a real deviceid-fsd mount), and the
withdrawal of what the CA took away: valid after enrollment (exit 0);
failing with the connection failure in words while the CA is stopped
(exit 4), with nothing withdrawn; after `deviceid-ca device disable` the
device and account entries leave the keyring (files gone from the mount,
an inotify watcher sees the deletions), logged once at error, "withdrawn"
in status; back to valid after `device enable`; withdrawn again after
`device remove`; with the accounts from the Account CA's list, withdrawn
at the next list check without a signal. --json parses and says the same as the text and the
certificates."""
import json
import os
import signal
import time

from cryptography import x509

from fixtures.ca import ca_cli
from fixtures.fsd import wait_for
from fixtures.procs import run
from test_enrolld import daemon, short_ca, wait_enrolled  # noqa: F401 (fixtures)
from test_enrolld_accounts import listd, served_names, start_dir_watch  # noqa: F401 (fixture)

NAMES = ("device", "wifi", "web")
FILES = {"device.pem", "wifi.pem", "wifi.key.pem", "web.pem", "web.key.pem"}


def status(d, *args):
    """(exit status, stdout) of deviceidctl status on the daemon's state file."""
    cp = run([d.device.ctl, "status", "--state", d.runtime / "status", *args], check=False, env=d.device.env)
    assert cp.returncode in (0, 3, 4), cp.stderr.decode()
    return cp.returncode, cp.stdout.decode()


def status_json(d):
    rc, out = status(d, "--json")
    doc = json.loads(out)
    assert doc["pid"] == d.proc.pid and doc["running"] is True, doc
    assert doc["attention"] == (rc == 4), (rc, doc)
    return rc, {e["name"]: e for e in doc["entries"]}


def text_blocks(out):
    """The text form as {name: {field: value}}."""
    blocks, cur = {}, None
    for line in out.splitlines():
        if line == "device:":
            cur = blocks.setdefault("device", {})
        elif line.startswith('account "'):
            cur = blocks.setdefault(line.split('"')[1], {})
        elif cur is not None and line.startswith("        "):
            k, v = line.strip().split(": ", 1)
            cur[k] = v
    return blocks


def not_after(pem):
    cert = x509.load_pem_x509_certificate(pem)
    return cert.not_valid_after.strftime("%Y-%m-%dT%H:%M:%SZ")


def wait_states(d, want, rc, timeout=60):
    def ok():
        code, entries = status_json(d)
        return code == rc and {n: entries[n]["state"] for n in NAMES if n in entries} == want
    try:
        wait_for(ok, timeout=timeout, what=f"states {want}, exit {rc}")
    except AssertionError:
        raise AssertionError(f"{status(d)}\n{d.proc.log_text()[-4000:]}")
    return status_json(d)[1]


def wait_log(d, cond, timeout, what):
    """wait_for, with the daemon's log in the failure."""
    try:
        wait_for(cond, timeout=timeout, what=what)
    except AssertionError as e:
        raise AssertionError(f"{e}\n{d.proc.log_text()[-6000:]}") from None


def start(daemon, tmp_path):
    daemon.start()
    wait_enrolled(daemon)
    return daemon.device


def test_status_valid_then_failing_with_the_ca_down_and_back(daemon, tmp_path):
    dev = start(daemon, tmp_path)
    entries = wait_states(daemon, {n: "valid" for n in NAMES}, 0)
    assert list(entries) == list(NAMES), entries
    for n in NAMES:
        e = entries[n]
        assert e["not_after"] == not_after(dev.served(f"{n}.pem")), (n, e)
        assert e["last_error"] is None and e["attention"] is False and e["last_success"], (n, e)
        assert e["next_attempt"] < e["not_after"], (n, e)
    # The text form says the same.
    rc, out = status(daemon)
    blocks = text_blocks(out)
    assert rc == 0 and list(blocks) == list(NAMES), out
    for n in NAMES:
        assert blocks[n]["state"] == "valid" and blocks[n]["not after"] == entries[n]["not_after"], out
        assert blocks[n]["next attempt"] == entries[n]["next_attempt"] and blocks[n]["last error"] == "none", out

    # The CA stops: failing, in words; nothing withdrawn.
    served = {n: dev.served(f"{n}.pem") for n in NAMES}
    dev.ca.stop()
    daemon.kill(signal.SIGUSR1)
    entries = wait_states(daemon, {"device": "failing", "wifi": "failing", "web": "failing"}, 4)
    assert "Failed to reach the" in entries["device"]["last_error"], entries
    assert "Connection refused" in entries["device"]["last_error"] or "onnect" in entries["device"]["last_error"]
    assert all(entries[n]["attention"] for n in NAMES), entries
    rc, out = status(daemon)
    assert rc == 4 and "state: failing (needs attention)" in out and "Failed to reach the" in out, out
    time.sleep(4)  # retries (retry_max 3 s) with the CA down
    assert FILES <= served_names(dev)
    assert {n: dev.served(f"{n}.pem") for n in NAMES} == served
    assert "withdrew" not in daemon.proc.log_text()
    assert all("error" not in dev.keyring_read(n) for n in NAMES)

    dev.ca.restart()
    daemon.kill(signal.SIGUSR1)
    entries = wait_states(daemon, {n: "valid" for n in NAMES}, 0)
    assert all(entries[n]["last_error"] is None for n in NAMES), entries


def test_a_disabled_device_is_withdrawn_and_comes_back_when_enabled(daemon, tmp_path, procs):
    dev = start(daemon, tmp_path)
    wait_states(daemon, {n: "valid" for n in NAMES}, 0)
    watch = start_dir_watch(procs, "inotify-withdraw", dev.fsd.mnt)

    ca_cli(dev.ca.dir, "device", "disable", dev.ek_uri)
    t0 = time.monotonic()
    daemon.kill(signal.SIGUSR1)
    wait_log(daemon, lambda: not FILES & served_names(dev), 30, "files withdrawn from the mount")
    print(f"\nwithdrawn {time.monotonic() - t0:.1f} s after SIGUSR1")
    for n in NAMES:
        assert dev.keyring_read(n).get("error") == "ENOENT", n
    wait_for(lambda: all(f"DELETE {n}.pem" in watch.log_text() for n in NAMES), timeout=10, what="inotify DELETE")
    assert "roots.pem" in served_names(dev)
    entries = wait_states(daemon, {n: "withdrawn" for n in NAMES}, 4)
    assert "disabled" in entries["device"]["last_error"], entries
    assert entries["device"]["not_after"] is None, entries
    time.sleep(4)  # retries (retry_max 3 s): logged once
    log = daemon.proc.log_text()
    assert log.count("withdrew") == 1, log
    assert next(line for line in log.splitlines() if "withdrew" in line).startswith("<3>"), log  # at error
    assert daemon.proc.alive()

    # Enabled again: the daemon gets everything back by itself.
    ca_cli(dev.ca.dir, "device", "enable", dev.ek_uri)
    wait_log(daemon, lambda: FILES <= served_names(dev), 60, "files back")
    entries = wait_states(daemon, {n: "valid" for n in NAMES}, 0)
    assert entries["wifi"]["not_after"] == not_after(dev.served("wifi.pem")), entries

    # Removed from the inventory: withdrawn again, logged again.
    ca_cli(dev.ca.dir, "device", "remove", dev.ek_uri)
    daemon.kill(signal.SIGUSR1)
    wait_log(daemon, lambda: not FILES & served_names(dev), 30, "files withdrawn after removal")
    entries = wait_states(daemon, {n: "withdrawn" for n in NAMES}, 4)
    assert "inventory" in entries["device"]["last_error"], entries
    assert daemon.proc.log_text().count("withdrew") == 2


def test_with_the_ca_list_a_disable_is_seen_at_the_next_check(listd, procs):
    """No renewal is due and no signal is sent: the account list check
    (check_interval 1 s) gets the typed 403 and withdraws."""
    dev = listd.device
    ca_cli(dev.ca.dir, "account", "add", "wifi", "--sub", "{name}")
    listd.start()
    wait_log(listd, lambda: {"device.pem", "wifi.pem"} <= served_names(dev), 90, "wifi under the mount")
    wait_states(listd, {"device": "valid", "wifi": "valid"}, 0)
    watch = start_dir_watch(procs, "inotify-list", dev.fsd.mnt)
    ca_cli(dev.ca.dir, "device", "disable", dev.ek_uri)
    t0 = time.monotonic()
    wait_log(listd, lambda: not {"device.pem", "wifi.pem"} & served_names(dev), 30, "withdrawn")
    print(f"\nwithdrawn {time.monotonic() - t0:.1f} s after the disable, with no signal")
    wait_for(lambda: "DELETE wifi.pem" in watch.log_text(), timeout=10, what="inotify DELETE")
    entries = wait_states(listd, {"device": "withdrawn", "wifi": "withdrawn"}, 4)
    assert "Account CA" in entries["device"]["last_error"] or "disabled" in entries["device"]["last_error"]
    ca_cli(dev.ca.dir, "device", "enable", dev.ek_uri)
    wait_log(listd, lambda: {"device.pem", "wifi.pem"} <= served_names(dev), 60, "back after enable")
