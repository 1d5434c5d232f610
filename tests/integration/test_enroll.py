# SPDX-License-Identifier: Apache-2.0
"""`deviceidctl enroll`, the whole enrollment in one command, against
swtpm, a real deviceid-ca, a private keyring and a real deviceid-fsd
mount: AK certificate -> device certificate (ACME device-attest-01) ->
account certificates (/1.0/sign) -> keyring -> files under the mount.
Also: nothing secret on disk, an unregistered device (exit 4, nothing
published), the CA down (exit 3), and two runs in a row on one TPM (a new
generation, no TPM handle left behind)."""
import datetime
import json
import os
import subprocess
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fixtures.agent import pem_blocks
from fixtures.ca import ca_cli
from fixtures.procs import build_path, free_port, run

PERMANENT_IDENTIFIER = x509.ObjectIdentifier("1.3.6.1.5.5.7.8.3")


class Device:
    """The device under test: its TPM, keyring, fsd mount and CA."""

    def __init__(self, swtpm, deviceidctl, ca, fsd, tmp_path):
        self.ctl = deviceidctl
        self.ca = ca
        self.fsd = fsd
        self.tmp = tmp_path
        self.swtpm = swtpm
        self.env = swtpm.env(fsd.env)
        self.env.pop("DEVICEID_LOG_LEVEL", None)
        self.work = tmp_path / "work"
        self.work.mkdir(exist_ok=True)
        ident = json.loads(run([deviceidctl, "identity", "--json"], env=self.env).stdout)
        self.ek_uri = ident["ekUri"]
        self.ek_pem = ident["ekPublicKey"]

    def register(self):
        (self.tmp / "ek.pem").write_text(self.ek_pem)
        ca_cli(self.ca.dir, "device", "add", "--ek-pub", str(self.tmp / "ek.pem"), "--name", "dev")

    def enroll(self, *accounts, ca_url=None, check=True, extra=()):
        argv = [self.ctl, "enroll", "--ca-url", ca_url or self.ca.base_url, "--root", self.ca.root]
        for a in accounts:
            argv += ["--account", a]
        return subprocess.run(argv + list(extra), env=self.env, cwd=self.work, capture_output=True,
                              timeout=180, check=False)

    def keyring_read(self, name):
        cp = run([build_path("tests", "tools", "keyring-tool"), "read", name], env=self.env,
                 check=False)
        return dict(item.split("=", 1) for item in cp.stdout.decode().split())

    def served(self, name):
        with open(self.fsd.path(name), "rb") as f:
            return f.read()


@pytest.fixture
def device(swtpm, deviceidctl, ca_server, fsd, tmp_path):
    fsd.start()
    return Device(swtpm, deviceidctl, ca_server, fsd, tmp_path)


def openssl_verify(root, pem, tmp_path, purpose="sslclient"):
    blocks = pem_blocks(pem.decode())
    (tmp_path / "v-leaf.pem").write_text(blocks[0])
    (tmp_path / "v-inter.pem").write_text("".join(blocks[1:]) or blocks[0])
    cp = run(["openssl", "verify", "-CAfile", root, "-untrusted", tmp_path / "v-inter.pem",
              "-purpose", purpose, tmp_path / "v-leaf.pem"], check=False)
    assert cp.returncode == 0 and cp.stdout.strip().endswith(b"OK"), cp.stdout + cp.stderr


def public_der(key):
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def files_with_private_keys(top, since, skip):
    """Regular files under top written at or after `since` that hold a
    PEM private key, skipping the directories in skip."""
    found = []
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in skip]
        for n in files:
            p = os.path.join(root, n)
            try:
                st = os.lstat(p)
                if not os.path.isfile(p) or st.st_mtime < since:
                    continue
                with open(p, "rb") as f:
                    if b"PRIVATE KEY" in f.read():
                        found.append(p)
            except OSError:
                pass
    return found


def check_device_cert(device, tmp_path, tpm_cli):
    pem = device.served("device.pem")
    openssl_verify(device.ca.root, pem, tmp_path)
    cert = x509.load_pem_x509_certificate(pem_blocks(pem.decode())[0].encode())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    perm = [n.value for n in san.get_values_for_type(x509.OtherName) if n.type_id == PERMANENT_IDENTIFIER]
    assert len(perm) == 1 and device.ek_uri.encode() in perm[0], san
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in eku
    # The device key is the TPM key of the TSS2 blob kept in the keyring:
    # the blob's public part is the certificate's key, and this TPM signs
    # with it.
    blob = run([build_path("tests", "tools", "keyring-tool"), "tss2-key", "device"], env=device.env).stdout
    assert blob.startswith(b"-----BEGIN TSS2 PRIVATE KEY-----")
    keyfile = tmp_path / "device-tss2.pem"   # TPM-wrapped: useless off this TPM
    keyfile.write_bytes(blob)
    pub = run([tpm_cli, "pem-pub", keyfile], env=device.env).stdout
    assert public_der(serialization.load_pem_public_key(pub)) == public_der(cert.public_key())
    digest = os.urandom(32)
    run([tpm_cli, "sign", keyfile, digest.hex(), tmp_path / "sig.der"], env=device.env)
    cert.public_key().verify((tmp_path / "sig.der").read_bytes(), digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    return cert


def account_root(ca):
    """The Account CA's own root, which account certificates chain to."""
    return os.path.join(ca.dir, "account-root.pem")


def check_account(device, tmp_path, name, cn, dns, device_cert):
    pem = device.served(f"{name}.pem")
    openssl_verify(account_root(device.ca), pem, tmp_path)
    cert = x509.load_pem_x509_certificate(pem_blocks(pem.decode())[0].encode())
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == cn
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == dns
    life = cert.not_valid_after - cert.not_valid_before
    assert life <= datetime.timedelta(hours=24, minutes=2)
    assert cert.not_valid_after <= device_cert.not_valid_after
    key_pem = device.served(f"{name}.key.pem")
    assert key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    key = serialization.load_pem_private_key(key_pem, None)
    assert public_der(key.public_key()) == public_der(cert.public_key())
    return cert


def test_enroll_publishes_verified_files(device, tmp_path, tpm_cli):
    device.register()
    start = time.time() - 1
    cp = device.enroll("wifi", "web:web:web.example.org")
    assert cp.returncode == 0, cp.stderr.decode()
    out = cp.stdout.decode()
    assert device.ek_uri in out and "wifi" in out and "web" in out, out

    # Nothing the run wrote to disk holds a private key (the CA's own
    # keys aside); the working directory stays empty.
    skip = {str(tmp_path / "ca"), device.fsd.mnt}
    assert files_with_private_keys(str(tmp_path), start, skip) == []
    assert os.listdir(device.work) == []

    assert {"device.pem", "roots.pem", "web.key.pem", "web.pem", "wifi.key.pem",
            "wifi.pem"} <= set(os.listdir(device.fsd.mnt))
    assert device.served("roots.pem") == open(device.ca.root, "rb").read()
    device_cert = check_device_cert(device, tmp_path, tpm_cli)
    check_account(device, tmp_path, "wifi", "wifi", ["wifi"], device_cert)
    check_account(device, tmp_path, "web", "web", ["web.example.org"], device_cert)
    assert device.keyring_read("wifi")["kind"] == "pkcs8"
    assert device.keyring_read("device")["kind"] == "tss2"


def test_enroll_twice_publishes_a_new_generation_and_leaks_no_handle(device, tmp_path):
    device.register()
    cp = device.enroll("wifi", extra=["--json"])
    assert cp.returncode == 0, cp.stderr.decode()
    first = json.loads(cp.stdout)
    assert first["ekUri"] == device.ek_uri and [a["name"] for a in first["accounts"]] == ["wifi"]
    gen1 = {n: int(device.keyring_read(n)["generation"]) for n in ("device", "wifi")}
    dev1, wifi1 = device.served("device.pem"), device.served("wifi.key.pem")

    cp = device.enroll("wifi", extra=["--json"])
    assert cp.returncode == 0, cp.stderr.decode()
    second = json.loads(cp.stdout)
    assert second["deviceSerial"] != first["deviceSerial"]
    gen2 = {n: int(device.keyring_read(n)["generation"]) for n in ("device", "wifi")}
    assert all(gen2[n] > gen1[n] for n in gen1), (gen1, gen2)
    assert device.served("device.pem") != dev1 and device.served("wifi.key.pem") != wifi1

    # Every transient object was flushed (swtpm has 3 slots).
    cp = run(["tpm2_getcap", "handles-transient"], env=device.env)
    assert cp.stdout.strip() == b"", cp.stdout


def test_enroll_unregistered_device_is_refused_and_publishes_nothing(device):
    cp = device.enroll("wifi")
    err = cp.stderr.decode()
    assert cp.returncode == 4, err
    assert "not registered" in err and len(err.strip().splitlines()) == 1, err
    assert device.keyring_read("device") == {"error": "ENOENT"}
    assert device.keyring_read("wifi") == {"error": "ENOENT"}
    assert "device.pem" not in os.listdir(device.fsd.mnt)


def test_enroll_ca_down_is_exit_3(device):
    device.register()
    cp = device.enroll("wifi", ca_url=f"https://localhost:{free_port()}")
    err = cp.stderr.decode()
    assert cp.returncode == 3, err
    assert "Failed to reach the Attestation CA" in err, err
    assert device.keyring_read("device") == {"error": "ENOENT"}


def test_enroll_bad_arguments_are_local_errors(device):
    for spec in ("device", "Bad", "a:b:c:d:e", "x:y:bad san"):
        cp = device.enroll(spec)
        assert cp.returncode == 1 and b"--account" in cp.stderr, (spec, cp.stderr)
    cp = device.enroll(ca_url="http://localhost:1")
    assert cp.returncode == 1 and b"https://" in cp.stderr


def test_enroll_rsa_device_key_and_tpm_account_key(device, tmp_path, tpm_cli):
    device.register()
    cp = device.enroll("vpn:alice:vpn.example.org:tpm", extra=["--key-alg", "rsa"])
    assert cp.returncode == 0, cp.stderr.decode()
    pem = device.served("device.pem")
    openssl_verify(device.ca.root, pem, tmp_path)
    cert = x509.load_pem_x509_certificate(pem_blocks(pem.decode())[0].encode())
    assert cert.public_key().key_size == 2048
    vpn = device.served("vpn.pem")
    openssl_verify(account_root(device.ca), vpn, tmp_path)
    vcert = x509.load_pem_x509_certificate(pem_blocks(vpn.decode())[0].encode())
    assert vcert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "alice"
    key = device.served("vpn.key.pem")
    assert key.startswith(b"-----BEGIN TSS2 PRIVATE KEY-----")
    (tmp_path / "vpn-tss2.pem").write_bytes(key)
    pub = run([tpm_cli, "pem-pub", tmp_path / "vpn-tss2.pem"], env=device.env).stdout
    assert public_der(serialization.load_pem_public_key(pub)) == public_der(vcert.public_key())
    assert device.keyring_read("vpn")["kind"] == "tss2"
