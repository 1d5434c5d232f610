#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Account CA benchmark (not a test): /1.0/sign issuances per second.

A deviceid-ca on loopback with one registered device and a device
certificate from its Agent CA (tests/tools/ca-issue). N client processes, each
on one kept-alive HTTPS connection, post /1.0/sign for --seconds: every
request carries a fresh X5C token (new jti) signed by the device key and
the same CSR. Reported per run: issuances per second, and issuances per
second of the servers' own CPU time (utime + stime from /proc, all
threads), which is the "per core" figure.

Storage, one setup per --backends entry, all in the same run:
  sqlite  one instance on its SQLite file (WAL, synchronous=NORMAL, as
          the CA always runs it: fsync at checkpoints)
  pg1     one instance on a private PostgreSQL cluster (Debian
          `postgresql`, initdb in a temporary directory, a free port,
          stopped by PID) with fsync=on and synchronous_commit=on
  pg2     two instances on that cluster's database, each on its own
          loopback address and the same port (as behind a balancer), the
          clients split between them
PostgreSQL entries are left out, with a note, when no server is installed.

The reference, measured in the same run: ECDSA P-256 signatures per
second of one core (`openssl speed ecdsap256`). An issuance verifies the
token, the device chain and the CSR, signs one certificate and writes two
database rows, so the ratio says how many raw signatures one issuance
costs.

Usage: bench/sign-bench.py --builddir BUILD [--clients 1,2,4] [--seconds 5]
"""
import argparse
import base64
import hashlib
import http.client
import json
import multiprocessing
import os
import pwd
import re
import secrets
import shutil
import socket
import ssl
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
                    *(["--database", database] if database else [])], check=True, capture_output=True)
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
        p = procs.start([exe, "serve", "--dir", di, "--listen", f"{ip}:{port}"], f"{name}-{i}",
                        env={**os.environ, "DEVICEID_LOG_LEVEL": "warning"})
        procs.wait(p, lambda ip=ip: port_open(ip, port), "deviceid-ca")
        servers.append(p)
    return servers, {
        "port": port, "ips": ips, "root": os.path.join(d, "root.pem"),
        "key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()),
        "x5c": [base64.b64encode(der(c)).decode() for c in (cert, agent_ca)],
    }


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to one address, with the TLS name and Host of localhost."""

    def __init__(self, ip, port, context):
        super().__init__("localhost", port, context=context, timeout=30)
        self.ip = ip

    def connect(self):
        sock = socket.create_connection((self.ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname="localhost")


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


def client(args):
    """One client process: posts /1.0/sign until the deadline; returns the
    number of certificates issued (any other answer aborts)."""
    env, deadline, i = args
    key = serialization.load_pem_private_key(env["key"], None)
    csr_key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench")]))
           .sign(csr_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())
    header = b64u(json.dumps({"alg": "ES256", "typ": "JWT", "kid": "bench", "x5c": env["x5c"]}).encode())
    ctx = ssl.create_default_context(cafile=env["root"])
    conn = PinnedHTTPSConnection(env["ips"][i % len(env["ips"])], env["port"], ctx)
    n = 0
    while time.monotonic() < deadline:
        now = int(time.time())
        claims = {"iss": PROV, "aud": f"https://localhost:{env['port']}/1.0/sign#x5c/{PROV}",
                  "sub": "bench", "iat": now, "nbf": now, "exp": now + 300, "jti": secrets.token_hex(32)}
        si = header + "." + b64u(json.dumps(claims).encode())
        r, s = utils.decode_dss_signature(key.sign(si.encode(), ec.ECDSA(hashes.SHA256())))
        ott = si + "." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
        conn.request("POST", "/1.0/sign", body=json.dumps({"csr": csr, "ott": ott}),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 201:
            raise SystemExit(f"/1.0/sign answered {resp.status}: {body[:300]!r}")
        n += 1
    conn.close()
    return n


def openssl_ecdsa_p256_signs(seconds):
    out = subprocess.run(["openssl", "speed", "-seconds", str(seconds), "ecdsap256"],
                         check=True, capture_output=True, text=True).stdout
    m = re.search(r"256 bits ecdsa \(nistp256\)\s+\S+s\s+\S+s\s+([\d.]+)", out)
    if not m:
        raise SystemExit("cannot read `openssl speed ecdsap256` output:\n" + out)
    return float(m.group(1))


def run(pool, servers, env, clients, seconds, ref, base):
    pool.map(client, [(env, time.monotonic() + 0.5, i) for i in range(len(env["ips"]))])  # warm-up
    rates = {}
    for n in clients:
        cpu0, t0 = sum(cpu_seconds(p.pid) for p in servers), time.monotonic()
        counts = pool.map(client, [(env, t0 + seconds, i) for i in range(n)])
        dt, cpu = time.monotonic() - t0, sum(cpu_seconds(p.pid) for p in servers) - cpu0
        total = sum(counts)
        rates[n] = total / dt
        per_cpu = total / cpu if cpu > 0 else float("nan")
        vs = f", {rates[n] / base[n]:.2f} x SQLite" if base and n in base else ""
        print(f"  {n:2d} clients: {total / dt:7.1f} issuances/s{vs}, {per_cpu:7.1f} per server "
              f"CPU-second ({cpu:.1f} s CPU), {per_cpu / ref:.3f} of one core's ECDSA signing rate")
    return rates


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--clients", default="1,2,4")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--backends", default="sqlite,pg1,pg2")
    a = ap.parse_args()
    clients = [int(x) for x in a.clients.split(",")]
    backends = a.backends.split(",")

    tmp = tempfile.mkdtemp(prefix="sign-bench-")
    procs = Procs(tmp)
    pg = None
    base = None
    try:
        ref = openssl_ecdsa_p256_signs(2)
        print(f"Reference: openssl speed ecdsap256, one core: {ref:,.0f} signatures/s")
        print(f"/1.0/sign against deviceid-ca, {a.seconds:.0f} s per run, fresh X5C token per request:")
        if any(b.startswith("pg") for b in backends):
            pg = start_postgres(tmp)
            if pg is None:
                print("  (PostgreSQL is not installed: pg1 and pg2 left out)")
        with multiprocessing.Pool(max(clients)) as pool:
            for b in backends:
                if b == "sqlite":
                    print("SQLite, one instance (WAL, synchronous=NORMAL):")
                    servers, env = setup(procs, a.builddir, tmp, b)
                elif b in ("pg1", "pg2") and pg:
                    n = int(b[2])
                    print(f"PostgreSQL (fsync=on, synchronous_commit=on), {n} instance(s):")
                    servers, env = setup(procs, a.builddir, tmp, b, pg.create_database(b), n)
                else:
                    continue
                rates = run(pool, servers, env, clients, a.seconds, ref, base)
                if b == "sqlite":
                    base = rates
                for p in servers:
                    p.terminate()
                    p.wait(timeout=30)
    finally:
        procs.stop_all()
        if pg:
            pg.stop()
            shutil.rmtree(pg.dir, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
