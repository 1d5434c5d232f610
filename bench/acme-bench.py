#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""ACME benchmark (not a test): how fast deviceid-ca completes orders.

1. Time per order, deviceid-ca vs pebble (PEBBLE_VA_NOSLEEP=1), same
   client, same run: one account each, then --orders sequential orders of
   one http-01 identifier, each measured from newOrder to the downloaded
   certificate (newOrder, authz, challenge POST, polling, finalize,
   download). Both servers validate against the same in-process http-01
   responder on loopback, and the client polls both every --poll seconds.
2. Orders per second against deviceid-ca with N concurrent clients
   (--clients 1,4,8), each with its own account and responder entry.
3. lego (a real client, its own http-01 server on the same port) against
   deviceid-ca and pebble: the wall time of `lego run` for --lego-orders
   complete orders of one name, the account kept between runs (one
   registration first, not timed). This is what a user waits for,
   lego's process start and its polling included. lego 4.9 sleeps 1/18 s
   before it fetches each authorization (certificate/authorization.go,
   a client-side request limit), so no server can bring one order under
   about 56 ms plus lego's start, which is measured too (`lego --version`).
   A second deviceid-ca with challenge_wait_ms = 0 (a challenge POST
   only queues the validation, as before the wait existed) shows what the
   wait saves. The load average around these runs is printed with them:
   the worst case follows the machine's load more than the server.

Everything runs on loopback; every process started is stopped by PID.
Usage: bench/acme-bench.py --builddir BUILD [--orders 30] [--clients 1,4,8]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from fixtures.acme import AcmeClient, Http01Responder, configure_acme, make_csr  # noqa: E402
from fixtures.procs import free_port, port_open  # noqa: E402
from benchlib import Procs  # noqa: E402

import ssl  # noqa: E402


class Endpoint:
    """What AcmeClient needs to talk to a server."""

    def __init__(self, host, port, cafile=None, insecure=False):
        self.host, self.port = host, port
        self.base_url = f"https://{host}:{port}"
        self.cafile, self.insecure = cafile, insecure

    def ssl_context(self):
        if self.insecure:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return ctx
        return ssl.create_default_context(cafile=self.cafile)


def one_order(client, responder, name, poll):
    """newOrder .. certificate for one dns identifier; returns seconds."""
    t0 = time.perf_counter()
    r = client.new_order([("dns", name)])
    assert r.status == 201, r
    order_url, order = r.headers["Location"], r.json()
    for az in order["authorizations"]:
        ch = client.challenge(az, "http-01")
        if ch["status"] == "valid":
            continue  # an authorization reused by the server (pebble may)
        responder.tokens[ch["token"]] = client.key_authorization(ch["token"])
        r = client.post(ch["url"], {})
        assert r.status == 200, (r.status, r.body[:300])
        while True:
            st = client.get(az).json()["status"]
            if st == "valid":
                break
            assert st == "pending", st
            time.sleep(poll)
    while True:
        order = client.get(order_url).json()
        if order["status"] == "ready":
            break
        assert order["status"] == "pending", order
        time.sleep(poll)
    csr, _ = make_csr([name])
    r = client.finalize(order, csr)
    assert r.status == 200, r
    order = r.json()
    while order["status"] != "valid":
        assert order["status"] == "processing", order
        time.sleep(poll)
        order = client.get(order_url).json()
    cert = client.get(order["certificate"])
    assert cert.status == 200 and b"BEGIN CERTIFICATE" in cert.body
    return time.perf_counter() - t0


def start_deviceid_ca(procs, builddir, tmp, http01_port, name="ca", **conf):
    exe = os.path.join(builddir, "ca", "deviceid-ca")
    d = os.path.join(tmp, name)
    port = free_port()
    subprocess.run([exe, "init", "--dir", d, "--dns-name", "localhost", "--listen",
                    f"127.0.0.1:{port}", "--http-port", str(free_port())], check=True, capture_output=True)
    configure_acme(d, http01_port, free_port(), free_port(), **conf)
    p = procs.start([exe, "serve", "--dir", d, "--listen", f"127.0.0.1:{port}"], f"deviceid-ca-{name}",
                    env={**os.environ, "DEVICEID_LOG_LEVEL": "warning"})
    ep = Endpoint("localhost", port, cafile=os.path.join(d, "root.pem"))
    procs.wait(p, lambda: port_open("127.0.0.1", port), "deviceid-ca")
    return ep, f"{ep.base_url}/acme/acme/directory"


def start_pebble(procs, tmp, http01_port):
    pebble, chall = shutil.which("pebble"), shutil.which("pebble-challtestsrv")
    if not pebble or not chall:
        return None, None
    dns, mgmt, port, pmgmt = free_port(), free_port(), free_port(), free_port()
    key, cert = os.path.join(tmp, "pebble.key"), os.path.join(tmp, "pebble.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True,
                   capture_output=True)
    conf = os.path.join(tmp, "pebble.json")
    with open(conf, "w") as f:
        json.dump({"pebble": {"listenAddress": f"127.0.0.1:{port}",
                              "managementListenAddress": f"127.0.0.1:{pmgmt}",
                              "certificate": cert, "privateKey": key, "httpPort": http01_port,
                              "tlsPort": free_port(), "ocspResponderURL": "",
                              "externalAccountBindingRequired": False}}, f)
    c = procs.start([chall, "-defaultIPv6", "", "-defaultIPv4", "127.0.0.1", "-dns01",
                     f"127.0.0.1:{dns}", "-http01", "", "-https01", "", "-tlsalpn01", "",
                     "-management", f"127.0.0.1:{mgmt}"], "challtestsrv")
    procs.wait(c, lambda: port_open("127.0.0.1", mgmt), "pebble-challtestsrv")
    env = {**os.environ, "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0",
           "PEBBLE_AUTHZREUSE": "0"}
    p = procs.start([pebble, "-config", conf, "-dnsserver", f"127.0.0.1:{dns}"], "pebble", env=env)
    procs.wait(p, lambda: port_open("127.0.0.1", port), "pebble")
    ep = Endpoint("localhost", port, cafile=cert)
    return ep, f"{ep.base_url}/dir"


def time_orders(ep, dir_url, responder, name, n, poll):
    c = AcmeClient(ep, dir_url=dir_url)
    r = c.new_account()
    assert r.status in (200, 201), r
    one_order(c, responder, name, poll)  # warm-up: connection setup, first issuance
    return [one_order(c, responder, name, poll) for _ in range(n)]


def throughput(ep, dir_url, responder, name, clients, total, poll):
    accounts = []
    for _ in range(clients):
        c = AcmeClient(ep, dir_url=dir_url)
        assert c.new_account().status == 201
        accounts.append(c)
    per = total // clients
    errors = []

    def run(c):
        try:
            for _ in range(per):
                one_order(c, responder, name, poll)
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(c,)) for c in accounts]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dt = time.perf_counter() - t0
    if errors:
        raise errors[0]
    return per * clients / dt


def lego_runner(ep, dir_url, tmp, name, http01_port, prefix=()):
    """A function timing one `lego run` (one order), account kept; the
    account is registered (and the server warmed up) first. prefix goes
    before lego's argv (strace) from the second run on."""
    exe = shutil.which("lego")
    path = tempfile.mkdtemp(prefix="lego-", dir=tmp)
    env = {**os.environ, "LEGO_CA_CERTIFICATES": ep.cafile}
    argv = [exe, "--server", dir_url, "--accept-tos", "--email", "bench@example.org", "--path", path,
            "--key-type", "ec256", "--domains", name, "--http", "--http.port", f"127.0.0.1:{http01_port}",
            "run"]

    def once(first=False):
        t0 = time.perf_counter()
        p = subprocess.run((list(prefix) if not first else []) + argv, env=env, capture_output=True, timeout=120)
        dt = time.perf_counter() - t0
        if p.returncode != 0:
            raise SystemExit(f"lego against {dir_url} failed:\n{p.stderr.decode(errors='replace')}")
        return dt

    once(first=True)  # registers the account (kept in path) and warms up
    return once


def time_lego(ep, dir_url, tmp, name, http01_port, n):
    """Wall times of n `lego run` (one order each), account kept."""
    once = lego_runner(ep, dir_url, tmp, name, http01_port)
    return [once() for _ in range(n)]


def time_lego_pair(a, b, n):
    """n orders against each of two servers, alternating, so that both
    see the same load; returns both lists of wall times."""
    ta, tb = [], []
    for _ in range(n):
        ta.append(a())
        tb.append(b())
    return ta, tb


LEGO_STEPS = ["TLS handshake", "GET directory", "HEAD newNonce", "newOrder", "authz", "challenge",
              "finalize", "certificate"]


def lego_timeline(trace):
    """Per request of one `lego run` traced by strace -f -tt: seconds from
    lego's write of the request to its first read of the answer, on its
    connection to the server (the first it makes), and lego's wait before
    the authorization; None if the trace has another shape."""
    def ts(s):
        h, m, x = s.split(":")
        return int(h) * 3600 + int(m) * 60 + float(x)

    fd, events, pending, start, end = None, [], set(), None, None
    with open(trace) as f:
        for line in f:
            pid, stamp, call = line.split(None, 2)
            t = ts(stamp)
            start = t if start is None else start
            if fd is None:
                m = re.match(r"connect\((\d+), \{sa_family=AF_INET", call)
                fd = m.group(1) if m else None
                continue
            m = re.match(r"(write|read)\((\d+), .*?(?:= (\d+)|<unfinished)", call)
            if m and m.group(2) == fd:
                if m.group(1) == "write":
                    events.append(("w", t))
                elif m.group(3):
                    events.append(("r", t))
                else:
                    pending.add(pid)
            elif re.match(r"<\.\.\. read resumed>.*= \d+", call) and pid in pending:
                pending.discard(pid)
                events.append(("r", t))
            if "exit_group" in call:
                end = t
    # Each request is the first write after an answer; the write right after
    # the handshake's answer is the client's Finished, not a request.
    steps, sent, writes_since = [], None, 0
    for kind, t in events:
        if kind == "w":
            writes_since += 1
            if sent is None and not (len(steps) == 1 and writes_since == 1):
                sent = t
        elif sent is not None:
            steps.append((sent, t))
            sent, writes_since = None, 0
    if len(steps) != len(LEGO_STEPS) or end is None:
        return None
    out = {n: b - a for n, (a, b) in zip(LEGO_STEPS, steps)}
    out["lego's wait before authz"] = steps[4][0] - steps[3][1]
    out["server, all requests"] = sum(b - a for a, b in steps)
    out["whole run (lego traced)"] = end - start
    return out


def print_lego_timeline(ep, dir_url, tmp, http01_port, n):
    """n lego orders under strace; the median and worst of each step."""
    if not shutil.which("strace"):
        print("  timeline: strace not installed, skipped")
        return
    trace = os.path.join(tmp, "lego.trace")
    once = lego_runner(ep, dir_url, tmp, "localhost", http01_port,
                       prefix=["strace", "-f", "-tt", "-o", trace, "-e", "trace=connect,read,write,exit_group"])
    rows = []
    for _ in range(n):
        once()
        r = lego_timeline(trace)
        if r:
            rows.append(r)
    print(f"  timeline of one order as lego sees it ({len(rows)} of {n} traces parsed): from the request's write "
          f"to the answer's first read")
    for k in rows[0] if rows else []:
        xs = [r[k] * 1000 for r in rows]
        print(f"    {k:26s} median {statistics.median(xs):6.1f} ms  worst {max(xs):6.1f} ms")


def time_lego_start(n):
    """Wall times of n `lego --version`: the process start alone."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run([shutil.which("lego"), "--version"], check=True, capture_output=True)
        out.append(time.perf_counter() - t0)
    return out


def summary(xs):
    xs = sorted(xs)
    return (f"median {statistics.median(xs) * 1000:7.1f} ms  mean {statistics.mean(xs) * 1000:7.1f} ms  "
            f"p90 {xs[int(len(xs) * 0.9) - 1] * 1000:7.1f} ms  (n={len(xs)})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--orders", type=int, default=30)
    ap.add_argument("--clients", default="1,4,8")
    ap.add_argument("--throughput-orders", type=int, default=64)
    ap.add_argument("--poll", type=float, default=0.005)
    ap.add_argument("--lego-orders", type=int, default=20)
    ap.add_argument("--lego-timeline", type=int, default=0, metavar="N",
                    help="also N lego orders under strace: where the time of one order goes")
    ap.add_argument("--lego-only", action="store_true",
                    help="only lego against deviceid-ca (and --ref-builddir), its floor and the load")
    ap.add_argument("--ref-builddir", help="another build of deviceid-ca (e.g. before a change): its lego "
                    "orders alternate with this build's, under the same load")
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="acme-bench-")
    procs = Procs(tmp)
    http01_port = free_port()
    responder = Http01Responder(http01_port)
    try:
        ca, ca_dir = start_deviceid_ca(procs, a.builddir, tmp, http01_port)
        peb, peb_dir = (None, None) if a.lego_only else start_pebble(procs, tmp, http01_port)
        if not a.lego_only:
            print(f"ACME order benchmark, {a.orders} sequential orders each (http-01, one name, "
                  f"poll every {a.poll * 1000:.0f} ms)")
            t_ca = time_orders(ca, ca_dir, responder, "localhost", a.orders, a.poll)
            print(f"  deviceid-ca: {summary(t_ca)}")
            if peb:
                t_peb = time_orders(peb, peb_dir, responder, "localhost", a.orders, a.poll)
                print(f"  pebble     : {summary(t_peb)}  (PEBBLE_VA_NOSLEEP=1, AUTHZREUSE=0)")
                print(f"  deviceid-ca / pebble median time per order: "
                      f"{statistics.median(t_ca) / statistics.median(t_peb):.2f}")
            else:
                print("  pebble     : not installed, skipped")
            print(f"Orders per second against deviceid-ca ({a.throughput_orders} orders per run):")
            for n in [int(x) for x in a.clients.split(",")]:
                ops = throughput(ca, ca_dir, responder, "localhost", n, a.throughput_orders, a.poll)
                print(f"  {n:3d} concurrent clients: {ops:7.1f} orders/s")
        if a.lego_orders > 0 and shutil.which("lego"):
            responder.close()  # lego answers http-01 on that port itself now
            print(f"lego: wall time of `lego run` per complete order ({a.lego_orders} orders, http-01, "
                  f"one name, account kept)")
            load0 = os.getloadavg()[0]
            if a.ref_builddir:
                ref, ref_dir = start_deviceid_ca(procs, a.ref_builddir, tmp, http01_port, name="ca-ref")
                t_lego, t_ref = time_lego_pair(lego_runner(ca, ca_dir, tmp, "localhost", http01_port),
                                               lego_runner(ref, ref_dir, tmp, "localhost", http01_port),
                                               a.lego_orders)
            else:
                t_lego = time_lego(ca, ca_dir, tmp, "localhost", http01_port, a.lego_orders)
            print(f"  deviceid-ca: median {statistics.median(t_lego) * 1000:7.1f} ms  "
                  f"worst {max(t_lego) * 1000:7.1f} ms")
            if a.ref_builddir:
                print(f"  deviceid-ca of --ref-builddir, runs alternating with the above: median "
                      f"{statistics.median(t_ref) * 1000:7.1f} ms  worst {max(t_ref) * 1000:7.1f} ms")
            if a.lego_timeline > 0:
                print_lego_timeline(ca, ca_dir, tmp, http01_port, a.lego_timeline)
            if not a.lego_only:
                ca0, ca0_dir = start_deviceid_ca(procs, a.builddir, tmp, http01_port, name="ca-nowait", wait_ms=0)
                t_lego0 = time_lego(ca0, ca0_dir, tmp, "localhost", http01_port, a.lego_orders)
                print(f"  deviceid-ca, challenge_wait_ms = 0: median {statistics.median(t_lego0) * 1000:7.1f} ms  "
                      f"worst {max(t_lego0) * 1000:7.1f} ms")
                if peb:
                    t_lego_peb = time_lego(peb, peb_dir, tmp, "localhost", http01_port, a.lego_orders)
                    print(f"  pebble     : median {statistics.median(t_lego_peb) * 1000:7.1f} ms  "
                          f"worst {max(t_lego_peb) * 1000:7.1f} ms  (no Retry-After on a challenge: lego waits 5 s)")
            t_start = time_lego_start(a.lego_orders)
            print(f"  lego's own floor: start {statistics.median(t_start) * 1000:.1f} ms (median of `lego "
                  f"--version`) + 55.6 ms (its sleep before fetching an authorization) = "
                  f"{statistics.median(t_start) * 1000 + 55.6:.1f} ms")
            # The worst of 20 depends on what else runs: every request
            # wakes a few threads, each a scheduling delay on a busy machine.
            print(f"  load average (1 min) {load0:.2f} at the start of the lego runs, {os.getloadavg()[0]:.2f} "
                  f"at the end, {os.cpu_count()} CPUs")
        elif a.lego_orders > 0:
            print("lego: not installed, skipped")
    finally:
        responder.close()
        procs.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
