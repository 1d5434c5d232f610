#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Enrollment daemon memory benchmark (not a test): deviceid-enrolld's
resident memory after it enrolled, and after --renewals forced renewals
(SIGUSR1), from /proc/PID/status (VmRSS, RssAnon: its own memory, RssFile:
pages of files, mostly shared libraries).

The reference, measured in the same run: `deviceidctl keyring` (the same
libraries, no daemon state), its peak RSS under /usr/bin/time. The ratio
says what the daemon keeps beyond loading its libraries.

It runs the README's main job (quickstart.sh main-job: swtpm, deviceid-ca,
deviceid-fsd, deviceid-enrolld) on free loopback ports with a private
keyring and mount, and stops it by PID at the end. Run as root.
Usage: bench/enrolld-mem.py --builddir BUILD [--renewals 10]
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from fixtures.procs import free_port  # noqa: E402


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise SystemExit(f"no {field} for pid {pid}")


def memory(pid):
    return {f: status_kib(pid, f) for f in ("VmRSS", "RssAnon", "RssFile")}


def generations(ctl, env):
    out = subprocess.run([ctl, "keyring", "--json"], env=env, check=True, capture_output=True).stdout
    return {e["name"]: e["generation"] for e in json.loads(out)["entries"] if e["state"] == "current"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--renewals", type=int, default=10)
    a = ap.parse_args()
    builddir = os.path.abspath(a.builddir)
    ctl = os.path.join(builddir, "enroll", "deviceidctl")
    script = os.path.join(HERE, "..", "quickstart.sh")

    tmp = tempfile.mkdtemp(prefix="enrolld-mem-")
    qs = f"/run/deviceid-bench-{os.getpid()}"
    env = {**os.environ, "BUILDDIR": builddir, "QUICKSTART_DIR": qs,
           "QUICKSTART_MOUNT": os.path.join(tmp, "mnt"), "QUICKSTART_TPM_PORT": str(free_port(2)),
           "QUICKSTART_CA_PORT": str(free_port()), "DEVICEID_KEYRING": f"bench{os.getpid()}"}
    env.pop("DEVICEID_FSD_SOCKET", None)
    try:
        subprocess.run([script, "main-job"], env=env, check=True, capture_output=True, timeout=300)
        pids = dict(line.split() for line in open(os.path.join(qs, "pids")) if line.strip())
        pid = int(pids["deviceid-enrolld"])
        env["DEVICEID_FSD_SOCKET"] = os.path.join(qs, "fsd.sock")
        start = memory(pid)
        for i in range(a.renewals):
            before = generations(ctl, env)
            os.kill(pid, signal.SIGUSR1)
            deadline = time.monotonic() + 60
            while True:
                now = generations(ctl, env)
                if all(now.get(n, 0) > g for n, g in before.items() if n != "roots"):
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"renewal {i} did not complete: {before} -> {now}")
                time.sleep(0.05)
        after = memory(pid)
        ref = subprocess.run(["/usr/bin/time", "-f", "%M", ctl, "keyring"], env=env, check=True,
                             capture_output=True, text=True).stderr.strip().splitlines()[-1]
        ref = int(ref)
        print("deviceid-enrolld resident memory (KiB): total / own (anonymous) / file-backed")
        print(f"  after enrolling:         {start['VmRSS']:6d} / {start['RssAnon']:6d} / {start['RssFile']:6d}")
        print(f"  after {a.renewals:2d} renewals:       {after['VmRSS']:6d} / {after['RssAnon']:6d} / "
              f"{after['RssFile']:6d}")
        print(f"Reference: deviceidctl keyring, same libraries, peak RSS {ref} KiB")
        print(f"  ratio daemon / reference: {after['VmRSS'] / ref:.2f} "
              f"(growth over the renewals: {after['VmRSS'] - start['VmRSS']:+d} KiB)")
    finally:
        subprocess.run([script, "stop"], env=env, capture_output=True, timeout=120)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
