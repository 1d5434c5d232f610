# SPDX-License-Identifier: Apache-2.0
"""deviceid-enrolld with only [ca] url and root: the accounts come from
the Account CA's list (GET /1.0/accounts, docs/accounts.md). Against
swtpm, a real deviceid-ca, a private keyring and a real deviceid-fsd
mount: every listed account is obtained with the names the CA gives; an
account added or a device tagged at the CA is picked up at the next
check (or at once on SIGUSR1); an account removed or a device untagged is
withdrawn (keyring entry removed, file gone, inotify DELETE) within one
check interval; a malformed or oversized list is logged once and the
accounts held are kept."""
import http.server
import json
import os
import signal
import ssl
import threading
import time

import pytest

from fixtures.ca import ca_cli
from fixtures.fsd import wait_for
from fixtures.pki import MiniCA
from fixtures.procs import require_tool
from test_enroll import account_root, openssl_verify
from test_enrolld import Daemon, daemon, short_ca  # noqa: F401 (fixtures)


class ListDaemon(Daemon):
    """deviceid-enrolld whose configuration names no account."""

    def write_config(self, renew_at="0.66", extra=""):
        cfg = self.tmp / "enrolld.conf"
        cfg.write_text(f"""[ca]
url = {self.device.ca.base_url}
root = {self.device.ca.root}

[renewal]
retry_min = 1s
retry_max = 3s
check_interval = 1s
{extra}""")
        return cfg


@pytest.fixture
def listd(daemon, procs, tmp_path):
    (tmp_path / "listd").mkdir()
    d = ListDaemon(daemon.device, procs, tmp_path / "listd")
    yield d
    d.close()


def served_names(dev):
    return set(os.listdir(dev.fsd.mnt))


def start_dir_watch(procs, name, directory):
    inw = require_tool("inotifywait")
    p = procs([inw, "-m", "-e", "delete", directory], name)
    wait_for(lambda: "Watches established" in p.log_text() or not p.alive(), what="inotifywait")
    return p


def test_accounts_come_from_the_ca_and_go_when_it_stops_listing_them(listd, tmp_path, procs):
    dev = listd.device
    ca = dev.ca
    ca_cli(ca.dir, "account", "add", "wifi", "--sub", "{name}", "--san", "{name}.wifi.example.org")
    ca_cli(ca.dir, "account", "add", "vpn", "--devices", "tag:lab", "--key", "tpm")
    proc = listd.start()
    assert "[account" not in open(listd.tmp / "enrolld.conf").read()
    wait_for(lambda: {"wifi.pem", "wifi.key.pem"} <= served_names(dev), timeout=90, what="wifi under the mount")
    assert "vpn.pem" not in served_names(dev)
    wifi = dev.served("wifi.pem")
    openssl_verify(account_root(ca), wifi, tmp_path)
    text = os.popen(f"openssl x509 -noout -subject -ext subjectAltName -in {dev.fsd.path('wifi.pem')}").read()
    assert "CN = dev" in text and "DNS:dev.wifi.example.org" in text, text

    # Tagged at the CA: vpn (a TPM key) at the next check.
    ca_cli(ca.dir, "device", "tag", dev.ek_uri, "lab")
    wait_for(lambda: "vpn.pem" in served_names(dev), timeout=30, what="vpn after tagging")
    assert dev.served("vpn.key.pem").startswith(b"-----BEGIN TSS2 PRIVATE KEY-----")
    openssl_verify(account_root(ca), dev.served("vpn.pem"), tmp_path)

    # A new account: at once on SIGUSR1 (the check interval is 1 s, so
    # this shows only that the signal works).
    ca_cli(ca.dir, "account", "add", "web", "--sub", "web-{name}")
    listd.kill(signal.SIGUSR1)
    wait_for(lambda: "web.pem" in served_names(dev), timeout=30, what="web after SIGUSR1")

    # Removed at the CA: withdrawn within one check interval.
    watch = start_dir_watch(procs, "inotify-mount", dev.fsd.mnt)
    ca_cli(ca.dir, "account", "remove", "wifi")
    t0 = time.monotonic()
    wait_for(lambda: "wifi.pem" not in served_names(dev), timeout=30, what="wifi withdrawn")
    print(f"wifi withdrawn {time.monotonic() - t0:.1f}s after its removal")
    assert not {"wifi.key.pem", "wifi.bundle.pem"} & served_names(dev)
    assert dev.keyring_read("wifi").get("error") == "ENOENT"
    wait_for(lambda: "DELETE wifi.pem" in watch.log_text(), timeout=10, what="inotify DELETE")
    assert 'Withdrew account "wifi"' in proc.log_text()

    # Untagged: vpn goes too; web stays.
    ca_cli(ca.dir, "device", "untag", dev.ek_uri, "lab")
    wait_for(lambda: "vpn.pem" not in served_names(dev), timeout=30, what="vpn withdrawn")
    assert {"web.pem", "device.pem"} <= served_names(dev)
    assert proc.alive()


class BadAccountCA:
    """An HTTPS server on loopback answering GET /1.0/accounts with
    self.body (a malformed or oversized list)."""

    def __init__(self, tmp_path):
        self.pki = MiniCA(tmp_path / "bad-ca", "Bad Account CA Root")
        self.tls = self.pki.issue("localhost", client=False, server=True, dns=["localhost"], ips=["127.0.0.1"])
        self.body = b"{}"
        self.requests = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.tls.chain_path, self.tls.key_path)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("bad", ["malformed", "oversized"])
def test_a_bad_account_list_is_logged_once_and_changes_nothing(listd, tmp_path, bad):
    dev = listd.device
    ca = dev.ca
    ca_cli(ca.dir, "account", "add", "wifi")
    proc = listd.start()
    wait_for(lambda: "wifi.pem" in served_names(dev), timeout=90, what="wifi under the mount")
    before = dev.served("wifi.pem")

    fake = BadAccountCA(tmp_path)
    try:
        if bad == "malformed":
            fake.body = b'{"accounts": [{"name": "../etc", "sub": "x"}]}'
            want = "not a valid account name"
        else:
            fake.body = b'{"accounts": [], "pad": "' + b"x" * (70 * 1024) + b'"}'
            want = "No account list"
        listd.write_config(extra=f"""
[account-ca]
url = https://localhost:{fake.port}
root = {fake.pki.cert_path}
""")
        listd.kill(signal.SIGHUP)
        wait_for(lambda: fake.requests >= 4, timeout=30, what="four rounds asking the bad list")
        log = proc.log_text()
        assert log.count("No account list") == 1, log[-3000:]
        assert want in log, log[-3000:]
        # Nothing withdrawn, nothing lost.
        assert "wifi.pem" in served_names(dev) and dev.served("wifi.pem") == before
        assert "Withdrew" not in log
        assert proc.alive()
    finally:
        fake.close()
