#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""CRL and OCSP benchmark (not a test).

OCSP: a deviceid-ca on loopback with one account certificate. C client
processes post OCSP requests for --seconds each, one request per new
connection (as TLS servers ask): once the same nonce-less request
(deviceid-ca answers it from its cache of good answers) and once requests
carrying a nonce (never cached: looked up and signed every time). The
reference, in the same run and on the same CA: `openssl ocsp -index`
answering the same requests with the Account CA's own key. Run as root,
everything happens in a private network namespace (unshare -n), because
`openssl ocsp -port` listens on every address.

CRL: bench/crl-bench signs one CRL of --revoked random serials with the
code deviceid-ca uses (add time, sign time, size); then the same number of
revoked rows go into the running CA's database and the time from `cert
revoke` of one more to a served CRL that lists it is measured (the
re-signing of a real CA, crl_delay included).

Usage: bench/ocsp-bench.py --builddir BUILD [--clients 2] [--seconds 5] [--revoked 100000]
"""
import argparse
import http.client
import multiprocessing
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import Procs, cpu_seconds  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(port, path, bodies, seconds, out):
    try:
        out.put(count(port, path, bodies, seconds))
    except BaseException as e:
        print(f"client failed: {e!r}", file=sys.stderr)
        out.put(-10 ** 9)


def count(port, path, bodies, seconds):
    n, i, end = 0, 0, time.monotonic() + seconds
    while time.monotonic() < end:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", path, bodies[i % len(bodies)],
                     {"Content-Type": "application/ocsp-request", "Connection": "close"})
        r = conn.getresponse()
        body = r.read()
        conn.close()
        if r.status != 200 or ocsp.load_der_ocsp_response(body).response_status != \
                ocsp.OCSPResponseStatus.SUCCESSFUL:
            raise SystemExit(f"bad answer {r.status}")
        n += 1
        i += 1
    return n


def rate(port, path, bodies, clients, seconds, pid=None):
    q = multiprocessing.Queue()
    cpu0 = cpu_seconds(pid) if pid else None
    ps = [multiprocessing.Process(target=client, args=(port, path, bodies, seconds, q)) for _ in range(clients)]
    t0 = time.monotonic()
    for p in ps:
        p.start()
    total = sum(q.get() for _ in ps)
    if total < 0:
        raise SystemExit("a client failed")
    for p in ps:
        p.join()
    wall = time.monotonic() - t0
    cpu = cpu_seconds(pid) - cpu0 if pid else None
    return total / wall, (total / cpu if cpu else None)


def request(issuer, cert, nonce=None):
    b = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1())
    if nonce:
        b = b.add_extension(x509.OCSPNonce(nonce), critical=False)
    return b.build().public_bytes(serialization.Encoding.DER)


def wait_http(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def wait_ocsp(port, path, body):
    """Waits by asking: `openssl ocsp` wedges on a connection that closes
    without a request, so no bare connect() probe."""
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("POST", path, body, {"Content-Type": "application/ocsp-request", "Connection": "close"})
            conn.getresponse().read()
            conn.close()
            return
        except ConnectionRefusedError:
            time.sleep(0.05)
    raise SystemExit(f"no OCSP responder on {port}")


def crl_serials(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/crl/account.crl")
    body = conn.getresponse().read()
    conn.close()
    return body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--clients", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--revoked", type=int, default=100000)
    a = ap.parse_args()
    if os.geteuid() == 0 and not os.environ.get("DEVICEID_BENCH_NETNS"):
        os.execvpe("unshare", ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
                               sys.executable, *sys.argv], {**os.environ, "DEVICEID_BENCH_NETNS": "1"})
    ca_bin = os.path.join(a.builddir, "ca", "deviceid-ca")
    tmp = tempfile.mkdtemp(prefix="ocsp-bench-")
    procs = Procs(tmp)
    try:
        d = os.path.join(tmp, "ca")
        port, hport = free_port(), free_port()
        subprocess.run([ca_bin, "init", "--dir", d, "--dns-name", "localhost", "--listen", f"127.0.0.1:{port}",
                        "--http-port", str(hport)], check=True, capture_output=True)
        from cryptography.hazmat.primitives.asymmetric import ec
        key = ec.generate_private_key(ec.SECP256R1())
        pub = os.path.join(tmp, "pub.pem")
        with open(pub, "wb") as f:
            f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
        pem = subprocess.run([os.path.join(a.builddir, "tests", "tools", "ca-issue"), d, pub, "account", "alice",
                              "86400"], check=True, capture_output=True).stdout
        cert = x509.load_pem_x509_certificate(pem)
        issuer = x509.load_pem_x509_certificate(open(os.path.join(d, "account-ca.pem"), "rb").read())
        srv = procs.start([ca_bin, "serve", "--dir", d], "deviceid-ca")
        wait_http(hport)
        plain = [request(issuer, cert)]
        nonced = [request(issuer, cert, secrets.token_bytes(16)) for _ in range(256)]

        # The reference: openssl ocsp -index on the same CA (private netns).
        index = os.path.join(tmp, "index.txt")
        with open(index, "w") as f:
            exp = cert.not_valid_after.strftime("%y%m%d%H%M%SZ")
            hexserial = f"{cert.serial_number:X}"
            hexserial = "0" * (len(hexserial) % 2) + hexserial  # openssl wants whole bytes
            f.write(f"V\t{exp}\t\t{hexserial}\tunknown\t/CN=alice\n")
        oport = free_port()
        ref = procs.start(["openssl", "ocsp", "-index", index, "-port", str(oport),
                           "-rsigner", os.path.join(d, "account-ca.pem"), "-rkey", os.path.join(d, "account-ca.key"),
                           "-CA", os.path.join(d, "account-ca.pem"), "-nmin", "5"], "openssl-ocsp")
        wait_ocsp(oport, "/", plain[0])

        rows = []
        for what, bodies in (("cached good (no nonce)", plain), ("fresh signed (nonce)", nonced)):
            ours, ours_cpu = rate(hport, "/ocsp", bodies, a.clients, a.seconds, srv.pid)
            theirs, theirs_cpu = rate(oport, "/", bodies, a.clients, a.seconds, ref.pid)
            rows.append((what, ours, ours_cpu, theirs, theirs_cpu))
        print(f"OCSP, {a.clients} client process(es), new connection per request, {a.seconds:g} s each:")
        print(f"  {'':24} {'deviceid-ca':>14} {'per CPU-s':>10} {'openssl ocsp':>14} {'per CPU-s':>10} {'ratio':>7}")
        for what, o, oc, t, tc in rows:
            print(f"  {what:24} {o:12.0f}/s {oc or 0:10.0f} {t:12.0f}/s {tc or 0:10.0f} {o / t:6.1f}x")

        # CRL: the signing code alone, then a real CA's re-signing.
        out = subprocess.run([os.path.join(a.builddir, "bench", "crl-bench"), str(a.revoked),
                              os.path.join(tmp, "bench.crl")], check=True, capture_output=True, text=True).stdout
        f = dict(kv.split("=") for kv in out.split())
        print(f"CRL of {a.revoked} revoked serials (crl-bench): adding {f['add_ms']} ms, signing {f['sign_ms']} ms,"
              f" {int(f['der_bytes']) / 1e6:.2f} MB DER")
        db = sqlite3.connect(os.path.join(d, "ca.db"), timeout=30)
        now, far = int(time.time()), int(time.time()) + 86400
        db.executemany("INSERT INTO certificates (serial, ca, not_before, not_after, revoked, revoked_at,"
                       " revocation_reason, der, created_at) VALUES (?, 'account', ?, ?, 1, ?, 5, x'00', ?)",
                       ((secrets.token_hex(16).lstrip("0"), now, far, now, now) for _ in range(a.revoked - 1)))
        db.commit()
        db.close()
        # Those rows were written behind the CA's back: wait for that CRL first.
        t0 = time.monotonic()
        while len(crl_serials(hport)) < a.revoked * 20:
            time.sleep(0.1)
        first = time.monotonic() - t0
        t0 = time.monotonic()
        subprocess.run([ca_bin, "cert", "revoke", "--dir", d, f"{cert.serial_number:x}"], check=True,
                       capture_output=True)
        needle = cert.serial_number.to_bytes((cert.serial_number.bit_length() + 7) // 8, "big")
        while needle not in crl_serials(hport):
            time.sleep(0.05)
        took = time.monotonic() - t0
        size = len(crl_serials(hport))
        print(f"deviceid-ca with {a.revoked} revoked: first CRL served {first:.2f} s after the rows appeared;"
              f" `cert revoke` of one more to a CRL listing it: {took:.2f} s (crl_delay 1 s included);"
              f" CRL {size / 1e6:.2f} MB")
    except BaseException:
        for name in ("openssl-ocsp.log", "deviceid-ca.log"):
            with open(os.path.join(tmp, name), errors="replace") as f:
                print(f"--- {name}:\n" + f.read()[-2000:], file=sys.stderr)
        raise
    finally:
        procs.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
