# SPDX-License-Identifier: Apache-2.0
"""deviceid-ca serve: HTTPS verified against the CA's own root, /health,
body limits, routing errors, a bad config, and the graceful SIGTERM stop
(an in-flight request still gets its whole response)."""
import json
import os
import re
import signal
import socket
import ssl
import time

import pytest

from fixtures.ca import ca_binary, ca_init, start_ca_server
from fixtures.procs import free_port, port_open, require_tool, run


def test_health_over_https(ca_server):
    status, headers, body = ca_server.get("/health")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"status": "ok"}
    # Also with curl, verifying against root.pem only.
    cp = run([require_tool("curl"), "-sS", "--fail", "--cacert", ca_server.root, f"{ca_server.base_url}/health"])
    assert json.loads(cp.stdout) == {"status": "ok"}
    # By IP address too: the TLS certificate names 127.0.0.1.
    cp = run([require_tool("curl"), "-sS", "--fail", "--cacert", ca_server.root,
              f"https://127.0.0.1:{ca_server.port}/health"])
    assert json.loads(cp.stdout) == {"status": "ok"}


def test_tls_refused_without_the_root(ca_server):
    ctx = ssl.create_default_context()  # system roots only
    with pytest.raises(ssl.SSLCertVerificationError):
        ca_server.get("/health", context=ctx)


def test_routing_errors(ca_server):
    status, _, body = ca_server.get("/nope")
    assert status == 404
    assert json.loads(body)["status"] == 404
    status, headers, _ = ca_server.post("/health", body=b"")
    assert status == 405
    assert "GET" in headers["Allow"]


def recv_all(s):
    """Reads until the server closes the connection."""
    resp = b""
    while True:
        data = s.recv(65536)
        if not data:
            return resp
        resp += data


def post_raw(ctx, port, head, body=b""):
    """One request on its own connection; returns the first bytes the server
    sends (the status line and headers)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(head)
            if body:
                s.sendall(body)
            return s.recv(65536)


def test_oversized_body_is_413(ca_server):
    ctx = ca_server.ssl_context()
    limit = 64 * 1024
    # A client that sends its whole oversized body reads the 413, every
    # time: the server reads and discards the body before it answers and
    # closes, so the close is not a reset.
    for _ in range(20):
        head = post_raw(ctx, ca_server.port,
                        b"POST /health HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n"
                        b"Content-Type: application/json\r\n\r\n" % (limit + 1), b"x" * (limit + 1))
        assert head.startswith(b"HTTP/1.1 413"), head[:200]
    # A client that waits for 100 Continue, and one announcing more than the
    # server would discard (1 MiB), are refused from the headers alone.
    for extra, length in ((b"Expect: 100-continue\r\n", limit + 1), (b"", 2 * 1024 * 1024 + 1)):
        head = post_raw(ctx, ca_server.port,
                        b"POST /health HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n%s"
                        b"Content-Type: application/json\r\n\r\n" % (length, extra))
        assert head.startswith(b"HTTP/1.1 413"), head[:200]
        assert b"100 Continue" not in head
    # Chunked, without Content-Length: refused once the limit is passed.
    with socket.create_connection(("127.0.0.1", ca_server.port)) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(b"POST /admin/devices HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                      b"Content-Type: application/json\r\nConnection: close\r\n\r\n")
            chunk = b"y" * 16384
            for _ in range(5):
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            s.sendall(b"0\r\n\r\n")
            resp = recv_all(s)
    assert resp.startswith(b"HTTP/1.1 413"), resp[:200]
    assert ca_server.healthy()


def test_sigterm_exits_zero(ca_server):
    assert ca_server.healthy()
    assert ca_server.stop() == 0
    assert "stopped" in ca_server.proc.log_text()


def test_sigterm_finishes_in_flight_request(ca_server):
    """A request whose headers the server has accepted (it answered 100
    Continue) is completed after SIGTERM, while new connections are
    refused; then the server exits 0."""
    body = json.dumps({"ek_uri": "urn:ek:sha256:" + "A" * 43 + "="}).encode()
    ctx = ca_server.ssl_context(admin=True)
    raw = socket.create_connection(("127.0.0.1", ca_server.port))
    s = ctx.wrap_socket(raw, server_hostname="localhost")
    try:
        s.sendall(b"POST /admin/devices HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                  b"Expect: 100-continue\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
        interim = s.recv(4096)
        assert interim.startswith(b"HTTP/1.1 100"), interim
        os.kill(ca_server.proc.pid, signal.SIGTERM)
        # Wait (bounded) until the listener is gone: new clients are refused.
        deadline = time.monotonic() + 10
        while port_open("127.0.0.1", ca_server.port) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not port_open("127.0.0.1", ca_server.port)
        assert ca_server.proc.alive(), "the server quit with a request in flight"
        s.sendall(body)
        resp = recv_all(s)
    finally:
        s.close()
    head, _, payload = resp.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 201"), resp[:300]
    assert json.loads(payload)["ek_uri"].startswith("urn:ek:sha256:")
    assert ca_server.proc.popen.wait(15) == 0


def test_listen_override_and_port_in_use(tmp_path, procs):
    d = str(tmp_path / "ca")
    ca_init(d, free_port())
    srv = start_ca_server(procs, d)
    assert srv.healthy()
    # A second server on the same port fails cleanly.
    cp = run([ca_binary(), "serve", "--dir", d, "--listen", f"127.0.0.1:{srv.port}"], check=False, timeout=20)
    assert cp.returncode == 1
    assert b"Failed to listen" in cp.stderr


@pytest.mark.parametrize("edit,message", [
    (lambda c: re.sub(r"(?m)^listen = .*$", "listen = no port here", c), b"line 3"),
    (lambda c: c + "[server]\nbogus = 1\n", b"unknown key"),
    (lambda c: c.replace("agent = 30d", "agent = forever"), b"invalid duration"),
    (lambda c: c.replace("type = acme", "type = scep", 1), b"unknown provisioner type"),
])
def test_bad_config_refused(ca_dir, edit, message):
    path = os.path.join(ca_dir, "ca.conf")
    conf = open(path).read()
    open(path, "w").write(edit(conf))
    db_before = open(os.path.join(ca_dir, "ca.db"), "rb").read()
    cp = run([ca_binary(), "serve", "--dir", ca_dir, "--listen", f"127.0.0.1:{free_port()}"], check=False, timeout=20)
    assert cp.returncode == 78  # EX_CONFIG: the unit's RestartPreventExitStatus= does not retry it
    assert message in cp.stderr, cp.stderr
    assert b"ca.conf" in cp.stderr
    assert open(os.path.join(ca_dir, "ca.db"), "rb").read() == db_before


def test_world_readable_key_refused(ca_dir):
    os.chmod(os.path.join(ca_dir, "agent-ca.key"), 0o644)
    cp = run([ca_binary(), "serve", "--dir", ca_dir, "--listen", f"127.0.0.1:{free_port()}"], check=False, timeout=20)
    assert cp.returncode == 1
    assert b"agent-ca.key" in cp.stderr and b"0600" in cp.stderr


def test_sd_notify_ready_and_stopping(tmp_path, procs):
    """With NOTIFY_SOCKET set (as systemd does for Type=notify), serve
    sends STATUS= and READY=1 once it listens and STOPPING=1 on SIGTERM."""
    d = str(tmp_path / "ca")
    port = free_port()
    ca_init(d, port)
    sock_path = str(tmp_path / "notify.sock")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(sock_path)
    ns.settimeout(15)
    try:
        proc = procs([ca_binary(), "serve", "--dir", d, "--listen", f"127.0.0.1:{port}"], "serve-notify",
                     env={**os.environ, "NOTIFY_SOCKET": sock_path})
        msgs = [ns.recv(4096)]
        while b"READY=1" not in msgs[-1]:
            msgs.append(ns.recv(4096))
        # READY comes after the listener is up; a STATUS= line says where.
        assert port_open("127.0.0.1", port)
        assert any(m.startswith(b"STATUS=") and f"(port {port})".encode() in m for m in msgs), msgs
        os.kill(proc.pid, signal.SIGTERM)
        msg = ns.recv(4096)
        assert b"STOPPING=1" in msg
        assert proc.popen.wait(15) == 0
    finally:
        ns.close()
