# SPDX-License-Identifier: Apache-2.0
"""deviceid-ca under connection abuse (docs/ca.md, "Connections"): one
address that opens 512 silent or dripping connections cannot take the
CA from anyone else, and the TLS handshake and header deadline, and the
deadline of a whole request, close a dripping client although each byte
it sends would restart an inactivity timeout.

The abuser connects from 127.0.0.1, the other clients from 127.0.0.2 (a
second loopback address, bound as the source), both to the CA's
127.0.0.1 listener. Every loop is bounded in count and time; the client
timeouts are liveness bounds (a CA taken offline never answers), not
speed measurements."""
import json
import socket
import ssl
import time
import http.client

from fixtures.ca import ca_init, start_ca_server
from fixtures.procs import free_port
from test_ca_sign import Device, csr_pem, make_csr

OTHER = "127.0.0.2"
ABUSE = 512
# The first bytes of a TLS record that announces a 512-byte ClientHello:
# a server waits for the rest.
HELLO_START = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(32)


def configure(directory, **server):
    """Adds KEY = VALUE lines to [server] of DIRECTORY's ca.conf."""
    path = f"{directory}/ca.conf"
    text = open(path).read()
    lines = "".join(f"{k} = {v}\n" for k, v in server.items())
    open(path, "w").write(text.replace("[server]\n", "[server]\n" + lines, 1))


def start(tmp_path, procs, **server):
    d = str(tmp_path / "ca")
    port = free_port()
    ca_init(d, port)
    configure(d, **server)
    return start_ca_server(procs, d, port)


def closed(sock):
    """True once the server closed or reset sock (non-blocking peek)."""
    timeout = sock.gettimeout()
    sock.settimeout(0)  # with a timeout, Python would wait for data
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        sock.settimeout(timeout)


def drip(sock, byte=b"a"):
    """Sends one byte; False if the connection is gone."""
    try:
        sock.send(byte)
        return True
    except OSError:
        return False


class Other:
    """HTTPS requests from 127.0.0.2, each on a new connection."""

    def __init__(self, srv, timeout=10):
        self.srv = srv
        self.timeout = timeout

    def request(self, method, path, body=None, headers=None):
        raw = socket.create_connection(("127.0.0.1", self.srv.port), timeout=self.timeout,
                                       source_address=(OTHER, 0))
        conn = http.client.HTTPSConnection(self.srv.host, self.srv.port, timeout=self.timeout)
        conn.sock = self.srv.ssl_context().wrap_socket(raw, server_hostname=self.srv.host)
        try:
            if isinstance(body, dict):
                body = json.dumps(body).encode()
                headers = {"Content-Type": "application/json", **(headers or {})}
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()


def assert_others_served(srv, device):
    other = Other(srv)
    status, _, body = other.request("GET", "/health")
    assert status == 200, body
    status, _, body = other.request("GET", "/acme/acme/directory")
    assert status == 200 and "newNonce" in json.loads(body), body
    status, headers, _ = other.request("HEAD", "/acme/acme/new-nonce")
    assert status == 200 and headers["Replay-Nonce"]
    _, csr = make_csr()
    status, _, body = other.request("POST", "/1.0/sign", {"csr": csr_pem(csr), "ott": device.token()})
    assert status == 201, body
    assert "BEGIN CERTIFICATE" in json.loads(body)["crt"]


def test_one_address_cannot_take_the_ca(tmp_path, procs):
    # Deadlines far away: the others must be served while the abuse
    # holds, not only once the deadlines clear it.
    srv = start(tmp_path, procs, connections_per_address=32, header_timeout="5m", request_timeout="10m")
    device = Device(srv, tmp_path)
    socks = []
    try:
        for i in range(ABUSE):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            if i % 2:
                drip(s, HELLO_START[:1])  # a dripping ClientHello; the rest stay silent
            socks.append(s)

        # Past its 32 connections, the address is turned away at once.
        for _ in range(100):
            n_open = sum(not closed(s) for s in socks)
            if n_open <= 32:
                break
            time.sleep(0.1)
        assert n_open <= 32, f"{n_open} connections of one address still open"
        held = [s for s in socks if not closed(s)]
        assert held, "the held connections should stay open while their deadline is far"

        for round_ in range(2):
            for s in held:  # they keep dripping, one byte at a time
                drip(s, HELLO_START[1 + round_:2 + round_])
            assert_others_served(srv, device)
        assert not any(closed(s) for s in held)
        assert srv.proc.alive()
    finally:
        for s in socks:
            s.close()


def test_dripping_clients_meet_the_deadlines(tmp_path, procs):
    srv = start(tmp_path, procs, header_timeout="2s", request_timeout="6s")
    device = Device(srv, tmp_path)
    ctx = srv.ssl_context()

    silent = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    hello = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    headers = ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.port), timeout=10),
                              server_hostname=srv.host)
    headers.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
    body = ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.port), timeout=10),
                           server_hostname=srv.host)
    body.sendall(b"POST /1.0/sign HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 4000\r\n\r\n{")

    def gone_tls(s):
        s.settimeout(0)
        try:
            return s.recv(1) == b""
        except (ssl.SSLWantReadError, BlockingIOError):
            return False
        except (ssl.SSLError, OSError):
            return True
        finally:
            s.settimeout(10)

    # One byte every 0.25 s would restart any inactivity timeout for
    # ever; the deadlines close all four anyway (bounded: 40 s).
    alive = {"silent": True, "hello": True, "headers": True, "body": True}
    hello_bytes = iter(HELLO_START + bytes(600))
    for _ in range(160):
        if alive["hello"]:
            alive["hello"] = drip(hello, bytes([next(hello_bytes)])) and not closed(hello)
        if alive["headers"]:
            try:
                headers.send(b"a")
                alive["headers"] = not gone_tls(headers)
            except (ssl.SSLError, OSError):
                alive["headers"] = False
        if alive["body"]:
            try:
                body.send(b" ")
                alive["body"] = not gone_tls(body)
            except (ssl.SSLError, OSError):
                alive["body"] = False
        if alive["silent"]:
            alive["silent"] = not closed(silent)
        if not any(alive.values()):
            break
        time.sleep(0.25)
    assert not any(alive.values()), f"still open: {[k for k, v in alive.items() if v]}"
    for s in (silent, hello, headers, body):
        s.close()

    # The server logged why, and serves on.
    log = srv.proc.log_text()
    assert "without complete headers" in log and "in its request" in log
    assert_others_served(srv, device)
