#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Posture benchmark (not a test): what a posture check adds to one
/1.0/sign issuance at the CA (docs/posture.md).

One deviceid-ca on loopback (SQLite) with two x5c provisioners on the
Agent CA: "devices" without a policy (the reference) and "postured" with
`[posture "postured"] pcrs = enrolled`. One registered device with a
device certificate (tests/tools/ca-issue) and an AK certificate from the
CA's Attestation CA for the device's EK URI. Tokens are made before the
clock starts, each with its own jti and, for "postured", a posture claim
whose quote (TPMS_ATTEST of type ATTEST_QUOTE over sha256 PCRs 0-7,
qualifying data from the token) is signed with the AK's software key:
the CA cannot tell it from a TPM's, and the TPM's own time is the
device's, not the CA's. The two kinds are posted in alternating rounds
on one kept-alive HTTPS connection; per kind: issuances per second,
server CPU milliseconds per issuance (utime + stime from /proc), and
the difference, which is the posture check's cost (verification of the
AK chain and quote, the baseline lookup, the report row). A third kind
sends the same reports to "postured" with a TCG event log of about
--eventlog-kib KiB beside the token (named by "eventlogSha256"): what
carrying, decoding, replaying and storing (once) the log adds. The PCR
values are the log's replay, so that all three pass.

Usage: bench/posture-bench.py --builddir BUILD [--requests 400] [--rounds 4] [--eventlog-kib 100]
"""
import argparse
import base64
import hashlib
import http.client
import json
import os
import secrets
import ssl
import struct
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

from fixtures.procs import free_port, port_open  # noqa: E402
from benchlib import Procs, cpu_seconds  # noqa: E402

PCRS = {}
EVENTLOG = b""


def make_eventlog(kib):
    """A crypto-agile TCG event log (SHA-256) of events of PCRs 0-7 of
    about kib KiB in all; PCRS become its replay."""
    le32 = lambda v: struct.pack("<I", v)  # noqa: E731
    spec = b"Spec ID Event03\0" + le32(0) + bytes([0, 2, 0, 2]) + le32(1) + struct.pack("<HH", 0x000B, 32) + b"\0"
    out = le32(0) + le32(3) + bytes(20) + le32(len(spec)) + spec
    pcrs = {i: bytes(32) for i in range(8)}
    i = 0
    while len(out) < kib * 1024:
        data = (b"bench firmware event %d " % i) * (40 + 37 * (i % 7))
        d = hashlib.sha256(data).digest()
        out += le32(i % 8) + le32(5) + le32(1) + struct.pack("<H", 0x000B) + d + le32(len(data)) + data
        pcrs[i % 8] = hashlib.sha256(pcrs[i % 8] + d).digest()
        i += 1
    return out, pcrs


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64(b):
    return base64.b64encode(b).decode()


def der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def tpm2b(b):
    return struct.pack(">H", len(b)) + b


def quote(ak, qualifying):
    """TPMS_ATTEST (TPM 2.0 Part 2, 10.12.12) of a quote over sha256 PCRs
    0-7 and its TPMT_SIGNATURE (ECDSA, SHA-256) by the AK."""
    digest = hashlib.sha256(b"".join(PCRS[i] for i in range(8))).digest()
    attest = (struct.pack(">IH", 0xFF544347, 0x8018) + tpm2b(b"\x00\x0b" + secrets.token_bytes(32)) +
              tpm2b(qualifying) + struct.pack(">QIIB", int(time.time() * 1000), 1, 0, 1) + struct.pack(">Q", 1) +
              struct.pack(">IHB", 1, 0x000B, 3) + bytes([0xFF, 0, 0]) + tpm2b(digest))
    r, s = utils.decode_dss_signature(ak.sign(attest, ec.ECDSA(hashes.SHA256())))
    sig = struct.pack(">HH", 0x0018, 0x000B) + tpm2b(r.to_bytes(32, "big")) + tpm2b(s.to_bytes(32, "big"))
    return attest, sig


def setup(procs, builddir, tmp):
    exe = os.path.join(builddir, "ca", "deviceid-ca")
    issue = os.path.join(builddir, "tests", "tools", "ca-issue")
    d = os.path.join(tmp, "ca")
    port = free_port()
    subprocess.run([exe, "init", "--dir", d, "--dns-name", "localhost", "--listen", f"127.0.0.1:{port}",
                    "--http-port", str(free_port())], check=True, capture_output=True)
    with open(os.path.join(d, "ca.conf"), "a") as f:
        f.write('\n[provisioner "postured"]\ntype = x5c\n\n[posture "postured"]\npcrs = enrolled\n')
    ek = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    ek_uri = "urn:ek:sha256:" + base64.b64encode(hashlib.sha256(ek).digest()).decode()
    subprocess.run([exe, "device", "add", "--dir", d, "--ek-uri", ek_uri], check=True, capture_output=True)

    def cert_for(key, ca, cn, *extra):
        pub = os.path.join(tmp, f"{cn}-pub.pem")
        with open(pub, "wb") as f:
            f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
        out = subprocess.run([issue, d, pub, ca, cn, str(7 * 86400), "--ek-uri", ek_uri, *extra], check=True,
                             capture_output=True).stdout
        return x509.load_pem_x509_certificate(out)

    key, ak = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    cert = cert_for(key, "agent", "device", "--link")
    ak_cert = cert_for(ak, "attestation", "ak", "--no-eku")
    agent_ca = x509.load_pem_x509_certificate(open(os.path.join(d, "agent-ca.pem"), "rb").read())
    p = procs.start([exe, "serve", "--dir", d], "deviceid-ca", env={**os.environ, "DEVICEID_LOG_LEVEL": "warning"})
    procs.wait(p, lambda: port_open("127.0.0.1", port), "deviceid-ca")
    return p, {"port": port, "root": os.path.join(d, "root.pem"), "key": key, "ak": ak, "ak_der": der(ak_cert),
               "x5c": [b64(der(c)) for c in (cert, agent_ca)]}


def tokens(env, prov, n, eventlog=False):
    header = b64u(json.dumps({"alg": "ES256", "typ": "JWT", "kid": "bench", "x5c": env["x5c"]}).encode())
    out = []
    for _ in range(n):
        now = int(time.time())
        claims = {"iss": prov, "aud": f"https://localhost:{env['port']}/1.0/sign#x5c/{prov}", "sub": "bench",
                  "iat": now, "nbf": now, "exp": now + 300, "jti": secrets.token_hex(32)}
        if prov == "postured":
            q = hashlib.sha256(b"deviceid-posture-v1\0%s\0%d\0%d" % (claims["jti"].encode(), now, now + 300)).digest()
            attest, sig = quote(env["ak"], q)
            claims["deviceid/posture"] = {
                "version": 1, "ak": b64(env["ak_der"]), "quote": b64(attest), "sig": b64(sig),
                "pcrs": {"sha256": {str(i): v.hex() for i, v in PCRS.items()}},
                "facts": {"os": "debian", "osVersion": "12", "kernel": os.uname().release, "agent": "bench",
                          "secureBoot": "absent", "diskEncryption": "disabled"}}
            if eventlog:
                claims["deviceid/posture"]["eventlogSha256"] = hashlib.sha256(EVENTLOG).hexdigest()
        si = header + "." + b64u(json.dumps(claims).encode())
        r, s = utils.decode_dss_signature(env["key"].sign(si.encode(), ec.ECDSA(hashes.SHA256())))
        out.append(si + "." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big")))
    return out


def post_all(conn, csr, toks, eventlog=False):
    extra = {"eventlog": b64(EVENTLOG)} if eventlog else {}
    for ott in toks:
        conn.request("POST", "/1.0/sign", body=json.dumps({"csr": csr, "ott": ott, **extra}),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 201:
            raise SystemExit(f"/1.0/sign answered {resp.status}: {body[:300]!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--requests", type=int, default=400, help="issuances of each kind per round")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--eventlog-kib", type=int, default=100, help="size of the event log of the third kind")
    a = ap.parse_args()
    global EVENTLOG
    EVENTLOG, pcrs = make_eventlog(a.eventlog_kib)
    PCRS.update(pcrs)
    tmp = tempfile.mkdtemp(prefix="posture-bench-")
    procs = Procs(tmp)
    try:
        server, env = setup(procs, a.builddir, tmp)
        csr = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench")]))
               .sign(ec.generate_private_key(ec.SECP256R1()), hashes.SHA256())
               .public_bytes(serialization.Encoding.PEM).decode())
        conn = http.client.HTTPSConnection("localhost", env["port"], timeout=30,
                                           context=ssl.create_default_context(cafile=env["root"]))
        post_all(conn, csr, tokens(env, "devices", 20) + tokens(env, "postured", 20))  # warm-up, baseline
        post_all(conn, csr, tokens(env, "postured", 20, eventlog=True), eventlog=True)
        totals = {"devices": [0.0, 0.0, 0], "postured": [0.0, 0.0, 0], "eventlog": [0.0, 0.0, 0]}
        for _ in range(a.rounds):
            for kind in ("devices", "postured", "eventlog"):
                log = kind == "eventlog"
                toks = tokens(env, "postured" if log else kind, a.requests, eventlog=log)
                cpu0, t0 = cpu_seconds(server.pid), time.monotonic()
                post_all(conn, csr, toks, eventlog=log)
                t = totals[kind]
                t[0] += time.monotonic() - t0
                t[1] += cpu_seconds(server.pid) - cpu0
                t[2] += len(toks)
        conn.close()
        print(f"/1.0/sign on one deviceid-ca (SQLite), {a.rounds} rounds of {a.requests} issuances of each kind, "
              "one connection:")
        per = {}
        for prov, label in (("devices", "without posture (reference)"), ("postured", "with posture (enrolled)"),
                            ("eventlog", f"the same, {len(EVENTLOG) // 1024} KiB log")):
            wall, cpu, n = totals[prov]
            per[prov] = cpu / n * 1000
            print(f"  {label:28s} {n / wall:7.1f} issuances/s, {per[prov]:6.3f} ms server CPU per issuance")
        extra = per["postured"] - per["devices"]
        print(f"  the posture check adds {extra:.3f} ms of server CPU per issuance "
              f"({per['postured'] / per['devices']:.2f} x the reference)")
        print(f"  the event log adds {per['eventlog'] - per['postured']:.3f} ms more "
              f"({per['eventlog'] / per['devices']:.2f} x the reference)")
    finally:
        procs.stop_all()


if __name__ == "__main__":
    main()
