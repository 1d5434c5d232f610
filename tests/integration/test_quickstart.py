# SPDX-License-Identifier: Apache-2.0
"""The README's main job (`quickstart.sh`, minus package installation and
the build), on free loopback ports, a private keyring and a private mount:
it must end with the device certificate (TPM attestation) and the account
certificates served through the mount and verified, leave no private key
in the device's files (the CA's and the software TPM's own keys aside),
and `quickstart.sh stop` must stop every process it started, by PID."""
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import types

import pytest

from fixtures.procs import BUILDDIR, SRCDIR, free_port, require_tool, run


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


@pytest.fixture
def quickstart(keyring_env, tmp_path):
    for tool in ("swtpm", "swtpm_setup", "swtpm_localca", "tpm2_getcap", "curl", "openssl"):
        require_tool(tool)
    # On a tmpfs, as the default /run/deviceid-quickstart is.
    qs = f"/run/deviceid-pytest-qs-{os.getpid()}-{tmp_path.name}"
    mount = tmp_path / "mnt"
    env = dict(keyring_env.env)
    env.update(BUILDDIR=BUILDDIR, QUICKSTART_DIR=qs, QUICKSTART_MOUNT=str(mount),
               QUICKSTART_TPM_PORT=str(free_port(2)), QUICKSTART_CA_PORT=str(free_port()),
               QUICKSTART_HTTP_PORT=str(free_port()),
               HOME=str(tmp_path))
    env.pop("DEVICEID_FSD_SOCKET", None)  # the job sets its own
    script = os.path.join(SRCDIR, "quickstart.sh")

    yield types.SimpleNamespace(dir=qs, mount=mount, env=env, script=script)
    # Whatever the test did: stop by PID what is still running, unmount.
    pids = []
    if os.path.exists(os.path.join(qs, "pids")):
        with open(os.path.join(qs, "pids")) as f:
            pids = [int(line.split()[1]) for line in f if line.strip()]
    subprocess.run([script, "stop"], env=env, capture_output=True, timeout=60)
    for pid in pids:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)
    shutil.rmtree(qs, ignore_errors=True)


def test_main_job_serves_a_verified_certificate_and_stops_by_pid(quickstart, keyring_env):
    q = quickstart
    cp = run([q.script, "main-job"], env=q.env, timeout=300)
    out = cp.stdout.decode()

    # The device was registered under the EK URI the TPM reports.
    ident = json.load(open(os.path.join(q.dir, "identity.json")))
    assert ident["ekUri"].startswith("urn:ek:sha256:")
    assert ident["ekCertificatePresent"] is True
    listing = run([os.path.join(BUILDDIR, "ca", "deviceid-ca"), "device", "list",
                   "--dir", os.path.join(q.dir, "ca")]).stdout.decode()
    assert ident["ekUri"] in listing and "active" in listing
    # The accounts ask for the posture (pcrs = enrolled): device show
    # prints the last report, passed, with the baseline it took.
    assert "posture:" in out and "baseline:  recorded" in out, out
    assert re.search(r"last: .* (vpn|wifi) passed", out), out
    assert re.search(r"quote +pass +signed by the AK", out), out
    # The files, as applications see them: the device certificate (TPM
    # attestation), two account certificates with their keys, the roots.
    names = sorted(os.listdir(q.mount))
    accounts = [f"{a}{ext}" for a in ("vpn", "wifi") for ext in (".bundle.pem", ".key.pem", ".pem")]
    assert names == sorted(["device.pem", "roots.pem", "status.json"] + accounts), names
    # The accounts were defined at the CA; enrolld.conf names none.
    assert "[account" not in open(os.path.join(q.dir, "enrolld.conf")).read()
    listed = run([os.path.join(BUILDDIR, "ca", "deviceid-ca"), "account", "list", "--json",
                  "--dir", os.path.join(q.dir, "ca")]).stdout.decode()
    assert sorted(a["name"] for a in json.loads(listed)) == ["vpn", "wifi"]
    root = os.path.join(q.dir, "ca", "root.pem")
    account_root = os.path.join(q.dir, "ca", "account-root.pem")
    for name in ("device", "wifi", "vpn"):
        assert f"{q.mount}/{name}.pem: OK" in out
        # Independently of the job: each served chain verifies against its
        # root (account certificates against the Account CA's, and not the other).
        anchor, other = (root, account_root) if name == "device" else (account_root, root)
        v = run(["openssl", "verify", "-CAfile", anchor, "-untrusted", q.mount / f"{name}.pem",
                 q.mount / f"{name}.pem"])
        assert v.stdout.decode().strip().endswith(": OK")
        v = run(["openssl", "verify", "-CAfile", other, "-untrusted", q.mount / f"{name}.pem",
                 q.mount / f"{name}.pem"], check=False)
        assert v.returncode != 0
    san = run(["openssl", "x509", "-in", q.mount / "device.pem", "-noout", "-ext",
               "subjectAltName"]).stdout.decode()
    assert f"URI:{ident['ekUri']}" in san
    for name in ("wifi", "vpn"):
        assert stat.S_IMODE(os.stat(q.mount / f"{name}.key.pem").st_mode) & 0o077 == 0
        # The served key is the certificate's key.
        pub_key = run(["openssl", "pkey", "-in", q.mount / f"{name}.key.pem", "-pubout"]).stdout
        pub_cert = run(["openssl", "x509", "-in", q.mount / f"{name}.pem", "-noout", "-pubkey"]).stdout
        assert pub_key == pub_cert
    status = json.load(open(q.mount / "status.json"))
    assert {e["name"] for e in status["entries"]} == {"device", "roots", "wifi", "vpn"}

    # No private key left in the device's files. Not the device's: the CA's
    # own keys (ca/), the software TPM's chip state (tpm/) and the TPM
    # vendor's CA that issued the EK certificates (tpm-manufacturer/).
    others = [os.path.join(q.dir, d) for d in ("ca", "tpm", "tpm-manufacturer")]
    for root, _, files in os.walk(q.dir):
        if any(os.path.commonpath([root, d]) == d for d in others):
            continue
        for name in files:
            if not stat.S_ISREG(os.lstat(os.path.join(root, name)).st_mode):
                continue  # the fsd control socket
            with open(os.path.join(root, name), "rb") as f:
                assert b"PRIVATE KEY" not in f.read(), os.path.join(root, name)

    # The keyring holds every entry: the device key stays a TPM blob.
    kr = json.loads(run([keyring_env.ctl, "keyring", "--json"], env=q.env).stdout)
    assert {e["name"]: e["kind"] for e in kr["entries"] if e["state"] == "current"} == \
        {"device": "tss2", "roots": "none", "wifi": "pkcs8", "vpn": "pkcs8"}

    # stop: every recorded process gone, the mount gone, the entries withdrawn.
    with open(os.path.join(q.dir, "pids")) as f:
        recorded = dict(line.split() for line in f if line.strip())
    assert set(recorded) == {"swtpm", "deviceid-ca", "deviceid-fsd", "deviceid-enrolld"}
    stopped = run([q.script, "stop"], env=q.env, timeout=120).stdout.decode()
    for name, pid in recorded.items():
        assert f"stopped {name} (pid {pid})" in stopped
        assert not _alive(int(pid)), name
    assert run(["findmnt", "-M", q.mount], check=False).returncode != 0
    assert not os.path.exists(q.dir)
    kr = json.loads(run([keyring_env.ctl, "keyring", "--json"], env=q.env).stdout)
    assert [e["name"] for e in kr["entries"]] == []


def test_main_job_refuses_a_busy_port(quickstart):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", int(quickstart.env["QUICKSTART_CA_PORT"])))
        s.listen()
        cp = run([quickstart.script, "main-job"], env=quickstart.env, check=False, timeout=120)
    assert cp.returncode == 1
    assert b"is in use" in cp.stderr
    assert not os.path.exists(os.path.join(quickstart.dir, "pids"))
