#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Account CA benchmark (not a test): durable /1.0/sign issuances per second.

A deviceid-ca on loopback with one registered device and a device
certificate from its Agent CA (tests/tools/ca-issue). The request bodies
(each a fresh P-256 CSR and a fresh X5C token, new jti, signed by the
device key) are all made before the clock starts, and `wrk` (Debian's
package) posts them over 8 kept-alive HTTPS connections from 2 threads
(bench/sign-wrk.lua cycles through them), so the server, not the client,
is measured. Reported per run:
  - issuances per second (201 answers over the run; every other answer is
    counted and reported);
  - the server's CPU time per issuance (utime + stime of all its threads,
    from /proc) and issuances per CPU-second;
  - fsync + fdatasync calls per issuance over the server's whole life
    (warm-up and start included), counted in the kernel by `perf stat` on
    the syscalls:sys_enter_fsync and sys_enter_fdatasync tracepoints around
    the server, which costs the server nothing; where perf cannot count
    them (no perf, no tracepoint access), by `strace -f --seccomp-bpf -c`,
    which stops the server at each of those calls (the report says which);
  - the server's peak resident set (VmHWM), and after the run its split
    into the process's own memory (RssAnon) and mapped files (RssFile,
    mostly the code of shared libraries, shared with other processes).
Storage, one setup per --backends entry, all in the same run:
  sqlite  one instance on its SQLite file: group commit (a 201 only after
          the WAL fsync that covers its transaction; store-sqlite.c)
  pg1     one instance on a private PostgreSQL cluster (Debian
          `postgresql`, initdb in a temporary directory, a free port,
          stopped by PID) with fsync=on and synchronous_commit=on
  pg2     two instances on that cluster's database, each on its own
          loopback address and the same port (as behind a balancer), one
          wrk each
PostgreSQL entries are left out, with a note, when no server is installed.

The reference, measured in the same run: one core's ECDSA P-256
signatures and verifications per second (`openssl speed -seconds 3
ecdsap256`). An issuance verifies the token, the device chain and the
CSR and signs one certificate, so the ratios say how many raw signatures
one issuance costs. Other load on the machine moves every figure; the
ratios to the reference move less.

Usage: bench/sign-bench.py --builddir BUILD [--seconds 5] [--connections 8]
       [--backends sqlite,pg1,pg2] [--perf FILE]
(`make bench-sign BENCH_SIGN_ARGS='--perf /tmp/sign.perf'`, then
`perf report -i /tmp/sign.perf --no-children` for where the CPU goes.)
"""
import argparse
import base64
import hashlib
import json
import multiprocessing
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from fixtures.fleet import shared_free_port  # noqa: E402
from fixtures.postgres import Postgres, pg_bindir  # noqa: E402
from fixtures.procs import free_port, port_open  # noqa: E402
from benchlib import Procs, cpu_seconds  # noqa: E402

PROV = "devices"


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def setup(procs, builddir, tmp, name, database=None, instances=1):
    """A CA with one device and its device certificate, served by
    `instances` processes (one CA directory each, copies of the first);
    returns their Popen objects and what the clients need."""
    exe = os.path.join(builddir, "ca", "deviceid-ca")
    d = os.path.join(tmp, name)
    ips = [f"127.0.0.{i + 1}" for i in range(instances)]
    port = shared_free_port(ips) if instances > 1 else free_port()
    subprocess.run([exe, "init", "--dir", d, "--dns-name", "localhost", "--listen", f"127.0.0.1:{port}",
                    "--http-port", str(free_port()), *(["--database", database] if database else [])], check=True, capture_output=True)
    ek = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    ek_uri = "urn:ek:sha256:" + base64.b64encode(hashlib.sha256(ek).digest()).decode()
    subprocess.run([exe, "device", "add", "--dir", d, "--ek-uri", ek_uri], check=True, capture_output=True)
    key = ec.generate_private_key(ec.SECP256R1())
    pub = os.path.join(tmp, f"{name}-device-pub.pem")
    with open(pub, "wb") as f:
        f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo))
    out = subprocess.run([os.path.join(builddir, "tests", "tools", "ca-issue"), d, pub, "agent", "device",
                          str(7 * 86400), "--ek-uri", ek_uri, "--link"], check=True, capture_output=True).stdout
    cert = x509.load_pem_x509_certificate(out)
    agent_ca = x509.load_pem_x509_certificate(open(os.path.join(d, "agent-ca.pem"), "rb").read())
    servers = []
    for i, ip in enumerate(ips):
        di = d if i == 0 else f"{d}-{i}"
        if i > 0:
            shutil.copytree(d, di)
        trace = os.path.join(tmp, f"{name}-{i}.fsyncs")
        counter = FSYNC_COUNTER(trace)
        p = procs.start(counter + [exe, "serve", "--dir", di, "--listen", f"{ip}:{port}"], f"{name}-{i}",
                        env={**os.environ, "DEVICEID_LOG_LEVEL": "warning"})
        procs.wait(p, lambda ip=ip: port_open(ip, port), "deviceid-ca")
        servers.append({"tracer": p, "pid": server_pid(p), "fsyncs": trace})
    return servers, {
        "port": port, "ips": ips, "root": os.path.join(d, "root.pem"),
        "key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()),
        "x5c": [base64.b64encode(der(c)).decode() for c in (cert, agent_ca)],
    }


def start_postgres(tmp):
    """A private cluster with fsync and synchronous commits on; None when
    no PostgreSQL server is installed."""
    bindir = pg_bindir()
    if bindir is None or shutil.which("psql") is None:
        return None
    d = tempfile.mkdtemp(prefix="sign-bench-pg-")
    user = None
    if os.geteuid() == 0:
        user = "postgres"
        pw = pwd.getpwnam(user)
        os.chown(d, pw.pw_uid, pw.pw_gid)
    pg = Postgres(d, free_port(), bindir, user)
    pg.durable = True
    pg.initdb()
    pg.start()
    return pg


def make_bodies(args):
    """count /1.0/sign bodies, one JSON text per line, into path."""
    env, count, path = args
    key = serialization.load_pem_private_key(env["key"], None)
    header = b64u(json.dumps({"alg": "ES256", "typ": "JWT", "kid": "bench", "x5c": env["x5c"]}).encode())
    aud = f"https://localhost:{env['port']}/1.0/sign#x5c/{PROV}"
    with open(path, "w") as f:
        for _ in range(count):
            csr_key = ec.generate_private_key(ec.SECP256R1())
            csr = (x509.CertificateSigningRequestBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench")]))
                   .sign(csr_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())
            now = int(time.time())
            claims = {"iss": PROV, "aud": aud, "sub": "bench", "iat": now, "nbf": now, "exp": now + 540,
                      "jti": secrets.token_hex(32)}
            si = header + "." + b64u(json.dumps(claims).encode())
            r, sig = utils.decode_dss_signature(key.sign(si.encode(), ec.ECDSA(hashes.SHA256())))
            ott = si + "." + b64u(r.to_bytes(32, "big") + sig.to_bytes(32, "big"))
            f.write(json.dumps({"csr": csr, "ott": ott}) + "\n")
    return path


def bodies_file(pool, env, count, path, parts=4):
    """count bodies in path, made by the pool in parts."""
    parts_paths = pool.map(make_bodies, [(env, count // parts + (i < count % parts), f"{path}.{i}")
                                         for i in range(parts)])
    with open(path, "w") as out:
        for pp in parts_paths:
            with open(pp) as f:
                shutil.copyfileobj(f, out)
            os.unlink(pp)
    return path


def openssl_reference():
    """One core's ECDSA P-256 (signatures/s, verifications/s)."""
    out = subprocess.run(["openssl", "speed", "-seconds", "3", "ecdsap256"],
                         check=True, capture_output=True, text=True).stdout
    m = re.search(r"256 bits ecdsa \(nistp256\)\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)", out)
    if not m:
        raise SystemExit("cannot read `openssl speed ecdsap256` output:\n" + out)
    return float(m.group(1)), float(m.group(2))


def wrk(url, bodies, seconds, connections, threads=2):
    """Starts wrk on url with the bodies file; returns its Popen."""
    script = os.path.join(HERE, "sign-wrk.lua")
    return subprocess.Popen(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
                             "--timeout", "10s", "-s", script, url, "--", bodies, str(threads)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wrk_result(p):
    """(requests, non-2xx answers, socket errors text, seconds) of a
    finished wrk: its own clock, without the script's set-up."""
    out = p.communicate()[0]
    m = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)\b", out)
    if p.returncode != 0 or not m:
        raise SystemExit("wrk failed:\n" + out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    seconds = float(m.group(2)) * {"ms": 0.001, "s": 1, "m": 60}[m.group(3)]
    return int(m.group(1)), int(bad.group(1)) if bad else 0, errors.group(1) if errors else "", seconds


FSYNC_EVENTS = "syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync"


def perf_counter(out):
    return ["perf", "stat", "-x", ",", "-e", FSYNC_EVENTS, "-o", out, "--"]


def strace_counter(out):
    return ["strace", "-f", "--seccomp-bpf", "-qq", "-c", "-e", "trace=fsync,fdatasync", "-o", out]


def perf_counts_fsyncs():
    """True if `perf stat` can count the fsync tracepoints here (perf
    installed, tracefs readable, perf_event_paranoid allowing it)."""
    if shutil.which("perf") is None:
        return False
    with tempfile.NamedTemporaryFile("r", suffix=".perf-stat") as out, tempfile.TemporaryFile() as f:
        r = subprocess.run(perf_counter(out.name) + [sys.executable, "-c", f"import os; os.fsync({f.fileno()})"],
                           pass_fds=(f.fileno(),), capture_output=True)
        return r.returncode == 0 and fsync_calls(out.name) == 1


FSYNC_COUNTER = strace_counter  # main() picks perf_counter when it works


def server_pid(tracer):
    """The counted server: the child of perf or strace."""
    for _ in range(100):
        for task in os.listdir(f"/proc/{tracer.pid}/task"):
            with open(f"/proc/{tracer.pid}/task/{task}/children") as f:
                kids = f.read().split()
            if kids:
                return int(kids[0])
        time.sleep(0.05)
    raise SystemExit("cannot find the server under its fsync counter")


def memory_kib(pid):
    """Peak resident set (VmHWM), and the resident set now split into the
    process's own memory (RssAnon: heap, stacks) and mapped files
    (RssFile: mostly shared library code, shared with other processes)."""
    with open(f"/proc/{pid}/status") as f:
        st = f.read()
    return tuple(int(re.search(rf"{k}:\s+(\d+) kB", st).group(1)) for k in ("VmHWM", "RssAnon", "RssFile"))


def fsync_calls(path):
    """The calls counted in a `perf stat -x ,` or `strace -c` output."""
    n = 0
    with open(path) as f:
        for line in f:
            fields = line.split(",")
            if len(fields) > 2 and fields[2] in FSYNC_EVENTS.split(","):
                n += int(fields[0])  # count,unit,event,...
                continue
            fields = line.split()
            if fields and fields[-1] in ("fsync", "fdatasync"):
                n += int(fields[3])  # % time, seconds, usecs/call, calls
    return n


def run(pool, servers, env, tmp, name, seconds, connections, ref, base, perf=None):
    """One timed run against servers; prints and returns issuances/s."""
    per = max(2000, int(seconds * 5000 / len(servers)))  # more than the CA can take
    warm = [bodies_file(pool, env, 200, os.path.join(tmp, f"{name}-warm-{i}.txt")) for i in range(len(servers))]
    files = [bodies_file(pool, env, per, os.path.join(tmp, f"{name}-bodies-{i}.txt")) for i in range(len(servers))]
    urls = [f"https://{ip}:{env['port']}/1.0/sign" for ip in env["ips"]]
    for url, w in zip(urls, warm):
        wrk_result(wrk(url, w, 1, 2))

    recorder = None
    if perf:  # a profile of the (first) server over the timed run
        recorder = subprocess.Popen(["perf", "record", "-q", "-F", "499", "-e", "cpu-clock", "--call-graph", "dwarf,16384",
                                     "-p", str(servers[0]["pid"]), "-o", perf],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu0 = sum(cpu_seconds(s["pid"]) for s in servers)
    runs = [wrk(url, f, seconds, max(1, connections // len(servers))) for url, f in zip(urls, files)]
    results = [wrk_result(p) for p in runs]
    cpu = sum(cpu_seconds(s["pid"]) for s in servers) - cpu0
    dt = max(r[3] for r in results)
    if recorder:
        recorder.send_signal(signal.SIGINT)
        recorder.wait(timeout=60)
    requests = sum(r[0] for r in results)
    bad = sum(r[1] for r in results)
    issued = requests - bad
    if requests > per * len(servers):
        print(f"  (bodies ran out: {requests} requests for {per * len(servers)} bodies; raise the count)")
    rate = issued / dt
    sign_ref, verify_ref = ref
    print(f"  {issued / dt:7.0f} issuances/s ({issued} in {dt:.1f} s, {bad} other answers"
          f"{', socket errors: ' + results[0][2] if any(r[2] for r in results) else ''})"
          + (f", {rate / base:.2f} x SQLite" if base else ""))
    if issued:
        print(f"  CPU: {cpu / issued * 1e6:.0f} us per issuance, {issued / cpu:.0f} issuances per CPU-second"
              f" = {sign_ref / (issued / cpu):.1f} signatures' or {verify_ref / (issued / cpu):.1f}"
              f" verifications' worth of one core each")
    return rate, issued


def stop_servers(servers, issued_total):
    for s in servers:
        s["rss"] = memory_kib(s["pid"])
        os.kill(s["pid"], signal.SIGTERM)
        s["tracer"].wait(timeout=60)
    fs = sum(fsync_calls(s["fsyncs"]) for s in servers)
    peak, anon, files = max(s["rss"] for s in servers)
    print(f"  fsync+fdatasync in the server: {fs} for about {issued_total} issuances in its life"
          f" ({fs / max(issued_total, 1):.3f} per issuance; PostgreSQL's own flushes not included)")
    print(f"  peak resident set of the server: {peak / 1024:.1f} MiB; after the run {anon / 1024:.1f} MiB"
          f" of its own (RssAnon) and {files / 1024:.1f} MiB of mapped files, mostly shared libraries (RssFile)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--backends", default="sqlite,pg1")
    ap.add_argument("--perf", metavar="FILE", help="record a perf profile of the first backend's run into FILE")
    a = ap.parse_args()
    backends = a.backends.split(",")
    global FSYNC_COUNTER
    if shutil.which("wrk") is None:
        raise SystemExit("bench-sign needs wrk (./quickstart.sh deps)")
    if perf_counts_fsyncs():
        FSYNC_COUNTER = perf_counter
        how = "perf stat on the fsync and fdatasync tracepoints (no stop of the server)"
    elif shutil.which("strace"):
        how = "strace -f --seccomp-bpf (stops the server at each call: costs it some CPU)"
    else:
        raise SystemExit("bench-sign needs perf (linux-perf) or strace to count fsyncs (./quickstart.sh deps)")

    tmp = tempfile.mkdtemp(prefix="sign-bench-")
    procs = Procs(tmp)
    pg = None
    base = None
    try:
        ref = openssl_reference()
        print(f"Reference: openssl speed -seconds 3 ecdsap256, one core: {ref[0]:,.0f} signatures/s, "
              f"{ref[1]:,.0f} verifications/s")
        print(f"/1.0/sign against deviceid-ca: wrk, {a.connections} kept-alive HTTPS connections, "
              f"{a.seconds:.0f} s, pre-made bodies (fresh CSR and X5C token each); "
              f"{os.cpu_count()} CPUs shared with the clients and any other load")
        print(f"fsyncs counted by {how}")
        if any(b.startswith("pg") for b in backends):
            pg = start_postgres(tmp)
            if pg is None:
                print("  (PostgreSQL is not installed: pg1 and pg2 left out)")
        with multiprocessing.Pool(os.cpu_count() or 2) as pool:
            for b in backends:
                if b == "sqlite":
                    print("SQLite, one instance (group commit, a 201 after its WAL fsync):")
                    servers, env = setup(procs, a.builddir, tmp, b)
                elif b in ("pg1", "pg2") and pg:
                    n = int(b[2])
                    print(f"PostgreSQL (fsync=on, synchronous_commit=on), {n} instance(s):")
                    servers, env = setup(procs, a.builddir, tmp, b, pg.create_database(b), n)
                else:
                    continue
                rate, issued = run(pool, servers, env, tmp, b, a.seconds, a.connections, ref, base,
                                   a.perf if b == backends[0] else None)
                if b == "sqlite":
                    base = rate
                stop_servers(servers, issued + 200 * len(servers))
    finally:
        procs.stop_all()
        if pg:
            pg.stop()
            shutil.rmtree(pg.dir, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
