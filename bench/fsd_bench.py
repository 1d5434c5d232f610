#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""deviceid-fsd benchmark (not a test; run as root with `make bench-fsd`).

Sets up a private keyring with real EC P-256 certificates (openssl), runs
deviceid-fsd on a temporary mount point and a tmpfs beside it holding the
same bytes, then measures with bench/fsd-bench (C, so the measuring loop
costs the same on both):
  1. open+read+close of ACCOUNT.pem, one thread, fsd vs tmpfs, rounds
     interleaved so that both see the same machine conditions;
  2. the same with 64 parallel readers;
  3. renewals alone: `deviceidctl import` (publish, notify, wait for the
     reload) back to back, no readers;
  4. a renewal storm: 64 readers on fsd while `deviceidctl import` publishes
     new generations back to back; every read is checked to be one whole
     published chain;
  5. takeover: SIGKILL of the server to the first request answered by its
     successor (a statfs(2) queued while the server was stopped), and an
     upgrade (SIGUSR2 to the holder) to the new server serving.
Prints a table and one JSON line with all figures."""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def sh(argv, **kw):
    return subprocess.run([str(a) for a in argv], check=True, capture_output=True, **kw)


def bench(tool, path, threads, seconds, valid=()):
    out = sh([tool, path, threads, seconds, *valid]).stdout
    return json.loads(out)


def make_pki(d, n):
    sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem", "-days", "2", "-subj", "/CN=fsd bench CA"])
    leaves = []
    for i in range(n):
        b = f"{d}/leaf{i}"
        sh(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", b + ".key", "-out", b + ".csr", "-subj", f"/CN=bench-{i}" + "-x" * i])
        sh(["openssl", "x509", "-req", "-in", b + ".csr", "-CA", f"{d}/ca.pem", "-CAkey", f"{d}/ca.key",
            "-set_serial", str(100 + i), "-days", "1", "-out", b + ".crt"])
        with open(b + ".chain", "wb") as f:
            f.write(open(b + ".crt", "rb").read() + open(f"{d}/ca.pem", "rb").read())
        leaves.append((b + ".chain", b + ".key"))
    return leaves


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--seconds", type=float, default=2.0, help="length of one measurement")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds per comparison")
    ap.add_argument("--threads", type=int, default=64)
    ap.add_argument("--storm-seconds", type=float, default=5.0)
    ap.add_argument("--takeovers", type=int, default=10, help="server kills measured (and half as many upgrades)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("fsd_bench.py needs root (FUSE mount, tmpfs mount)")

    tool = os.path.join(args.builddir, "bench", "fsd-bench")
    fsd_bin = os.path.join(args.builddir, "fsd", "deviceid-fsd")
    ctl = os.path.join(args.builddir, "enroll", "deviceidctl")
    tmp = tempfile.mkdtemp(prefix="fsd-bench-")
    mnt, tmpfs, sock = f"{tmp}/mnt", f"{tmp}/tmpfs", f"{tmp}/control.sock"
    os.makedirs(mnt)
    os.makedirs(tmpfs)
    env = dict(os.environ, DEVICEID_KEYRING=f"fsdbench-{os.getpid()}", DEVICEID_FSD_SOCKET=sock)
    fsd = None
    results = {}
    try:
        leaves = make_pki(tmp, 6)
        sh([ctl, "import", "wifi", "--cert", leaves[0][0], "--key", leaves[0][1]], env=env)
        sh(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", tmpfs])
        fsd = subprocess.Popen([fsd_bin, "--foreground", "--mount", mnt, "--control-socket", sock],
                               env=env, stdout=subprocess.DEVNULL, stderr=open(f"{tmp}/fsd.log", "wb"))
        deadline = time.monotonic() + 15
        while not os.path.exists(sock) or not os.path.exists(f"{tmp}/server.pid"):
            if fsd.poll() is not None or time.monotonic() > deadline:
                sys.exit("deviceid-fsd did not start:\n" + open(f"{tmp}/fsd.log").read())
            time.sleep(0.02)
        fsd_file, tmpfs_file = f"{mnt}/wifi.pem", f"{tmpfs}/wifi.pem"
        shutil.copyfile(fsd_file, tmpfs_file)
        size = os.path.getsize(fsd_file)

        for name, threads in (("single", 1), ("parallel", args.threads)):
            f_rates, t_rates = [], []
            bench(tool, fsd_file, threads, 0.2)  # warm the caches
            bench(tool, tmpfs_file, threads, 0.2)
            for _ in range(args.rounds):
                f_rates.append(bench(tool, fsd_file, threads, args.seconds)["reads_per_sec"])
                t_rates.append(bench(tool, tmpfs_file, threads, args.seconds)["reads_per_sec"])
            f, t = statistics.median(f_rates), statistics.median(t_rates)
            results[name] = {"threads": threads, "fsd_reads_per_sec": round(f), "tmpfs_reads_per_sec": round(t),
                             "ratio": round(f / t, 3), "rounds": args.rounds, "seconds": args.seconds}

        # Takeover: from SIGKILL of the server (or the upgrade request) to
        # the first answered request, a statfs(2) that always reaches the
        # server. The server is stopped first so that the request is
        # certainly queued for its successor, not answered by it.
        def server_pid():
            with open(f"{tmp}/server.pid") as f:
                return int(f.read())

        def takeover_kill():
            pid = server_pid()
            os.kill(pid, signal.SIGSTOP)
            done = []
            t = threading.Thread(target=lambda: (os.statvfs(mnt), done.append(time.monotonic())))
            t.start()
            time.sleep(0.05)
            t0 = time.monotonic()
            os.kill(pid, signal.SIGKILL)
            t.join(30)
            while server_pid() == pid:  # written once the successor serves
                time.sleep(0.005)
            return (done[0] - t0) * 1000

        def takeover_upgrade():
            """SIGUSR2 to the holder until the new server serves; meanwhile
            statfs(2) back to back, the longest one is the stall a reader saw."""
            pid = server_pid()
            t0 = time.monotonic()
            os.kill(fsd.pid, signal.SIGUSR2)
            longest = 0.0
            while True:
                t = time.monotonic()
                os.statvfs(mnt)
                longest = max(longest, time.monotonic() - t)
                try:
                    if server_pid() != pid:
                        break
                except (OSError, ValueError):
                    pass
            return (time.monotonic() - t0) * 1000, longest * 1000

        kills = [takeover_kill() for _ in range(args.takeovers)]
        upgrades = [takeover_upgrade() for _ in range(max(1, args.takeovers // 2))]
        results["takeover_ms"] = {"kill_median": round(statistics.median(kills), 1), "kill_max": round(max(kills), 1),
                                  "upgrade_median": round(statistics.median(u for u, _ in upgrades), 1),
                                  "upgrade_max": round(max(u for u, _ in upgrades), 1),
                                  "upgrade_longest_statfs": round(max(l for _, l in upgrades), 1),
                                  "kills": len(kills), "upgrades": len(upgrades)}

        # Renewals alone: what a publish + notify + reload costs end to end.
        t0 = time.monotonic()
        for i in range(20):
            c, k = leaves[(i + 1) % len(leaves)]
            sh([ctl, "import", "wifi", "--cert", c, "--key", k], env=env)
        results["renewals_alone_per_sec"] = round(20 / (time.monotonic() - t0), 1)

        # Renewal storm.
        stop = threading.Event()
        renewals = [0]

        def publisher():
            i = 1
            while not stop.is_set():
                c, k = leaves[i % len(leaves)]
                sh([ctl, "import", "wifi", "--cert", c, "--key", k], env=env)
                renewals[0] += 1
                i += 1

        pub = threading.Thread(target=publisher)
        t0 = time.monotonic()
        pub.start()
        storm = bench(tool, fsd_file, args.threads, args.storm_seconds, [c for c, _ in leaves])
        stop.set()
        pub.join()
        elapsed = time.monotonic() - t0
        results["storm"] = {"threads": args.threads, "reads_per_sec": round(storm["reads_per_sec"]),
                            "renewals": renewals[0], "renewals_per_sec": round(renewals[0] / elapsed, 1),
                            "bad_reads": storm["bad"], "read_errors": storm["errors"],
                            "reads": storm["reads"]}
        results["file_bytes"] = size
        results["cpus"] = os.cpu_count()
        results["kernel"] = os.uname().release
    finally:
        if fsd and fsd.poll() is None:
            fsd.send_signal(signal.SIGTERM)
            fsd.wait(20)
        subprocess.run(["umount", "-l", tmpfs], capture_output=True)
        cp = subprocess.run(["keyctl", "search", "@u", "keyring", env["DEVICEID_KEYRING"]],
                            capture_output=True, text=True)
        if cp.returncode == 0:
            subprocess.run(["keyctl", "unlink", cp.stdout.strip(), "@u"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)

    s, p, st = results["single"], results["parallel"], results["storm"]
    print(f"deviceid-fsd benchmark ({results['cpus']} CPUs, kernel {results['kernel']}, "
          f"{results['file_bytes']}-byte certificate chain)")
    print(f"  open+read+close, 1 thread:   fsd {s['fsd_reads_per_sec']:>9}/s  tmpfs {s['tmpfs_reads_per_sec']:>9}/s"
          f"  ratio {s['ratio']:.2f}")
    print(f"  open+read+close, {p['threads']} threads: fsd {p['fsd_reads_per_sec']:>9}/s  tmpfs "
          f"{p['tmpfs_reads_per_sec']:>9}/s  ratio {p['ratio']:.2f}")
    print(f"  renewal storm, {st['threads']} readers: {st['reads_per_sec']}/s during {st['renewals']} renewals "
          f"({st['renewals_per_sec']}/s); bad reads {st['bad_reads']}, errors {st['read_errors']}")
    print(f"  renewals alone (deviceidctl import + reload, no readers): {results['renewals_alone_per_sec']}/s")
    tk = results["takeover_ms"]
    print(f"  takeover, SIGKILL to first answered request: median {tk['kill_median']} ms, max {tk['kill_max']} ms "
          f"({tk['kills']} kills)")
    print(f"  upgrade, SIGUSR2 to the new server serving: median {tk['upgrade_median']} ms, max "
          f"{tk['upgrade_max']} ms ({tk['upgrades']} upgrades); longest statfs meanwhile "
          f"{tk['upgrade_longest_statfs']} ms")
    print(json.dumps(results))
    return 0 if st["bad_reads"] == 0 and st["read_errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
