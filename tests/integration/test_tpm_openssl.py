# SPDX-License-Identifier: Apache-2.0
"""Our `TSS2 PRIVATE KEY` files in OpenSSL's tpm2 provider (tpm2-openssl):
the provider reads the same public key, signs with the key in the TPM
(which proves our SRK is the provider's parent), and serves a TLS 1.3
handshake with it; and a key the provider generated loads in our layer."""
import hashlib
import subprocess

import pytest

from fixtures.procs import free_port, require, require_tool, run

OSSL_CNF = """openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
alg_section = evp_properties
[provider_sect]
default = default_sect
tpm2 = tpm2_sect
[default_sect]
activate = 1
[tpm2_sect]
activate = 1
[evp_properties]
default_properties = ?tpm2.signature=yes
"""


def tpm_env(env):
    """Our own programs never read the provider configuration."""
    return {k: v for k, v in env.items() if k != "OPENSSL_CONF"}


def tpm2_provider_available(env):
    cp = subprocess.run(["openssl", "list", "-providers", "-provider", "tpm2"],
                        capture_output=True, env=env)
    return cp.returncode == 0


@pytest.fixture
def ossl_env(tabrmd, tmp_path):
    require_tool("openssl")
    require(tpm2_provider_available(tabrmd.env), "OpenSSL tpm2 provider (tpm2-openssl) not installed")
    cnf = tmp_path / "openssl.cnf"
    cnf.write_text(OSSL_CNF)
    env = dict(tabrmd.env)
    env["OPENSSL_CONF"] = str(cnf)
    return env


def test_provider_reads_our_key_and_signs(ossl_env, tpm_cli, tmp_path):
    env = ossl_env
    key = tmp_path / "key"
    key.mkdir()
    run([tpm_cli, "key-create", "ecc256", key], env=tpm_env(env))
    pub = run(["openssl", "pkey", "-provider", "tpm2", "-provider", "default",
               "-in", key / "key.pem", "-pubout"], env=env).stdout
    assert pub == (key / "key-pub.pem").read_bytes()

    msg = tmp_path / "msg"
    msg.write_bytes(b"signed in the TPM by the provider")
    run(["openssl", "dgst", "-sha256", "-sign", key / "key.pem", "-out", tmp_path / "sig", msg],
        env=env)
    clean = {k: v for k, v in env.items() if k != "OPENSSL_CONF"}
    cp = run(["openssl", "dgst", "-sha256", "-verify", key / "key-pub.pem", "-signature",
              tmp_path / "sig", msg], env=clean)
    assert b"Verified OK" in cp.stdout


def test_provider_generated_key_loads_in_our_layer(ossl_env, tpm_cli, tmp_path):
    env = ossl_env
    clean = {k: v for k, v in env.items() if k != "OPENSSL_CONF"}
    pem = tmp_path / "gen.pem"
    # Without the property default, so that the tpm2 provider generates.
    run(["openssl", "genpkey", "-provider", "tpm2", "-provider", "default", "-algorithm", "EC",
         "-pkeyopt", "group:P-256", "-out", pem], env=clean)
    assert pem.read_text().startswith("-----BEGIN TSS2 PRIVATE KEY-----")
    pub = run(["openssl", "pkey", "-provider", "tpm2", "-provider", "default", "-in", pem,
               "-pubout"], env=env).stdout
    assert run([tpm_cli, "pem-pub", pem], env=clean).stdout == pub
    # Its scheme is NULL: our signer picks ECDSA-SHA256 itself.
    pubf = tmp_path / "gen-pub.pem"
    pubf.write_bytes(pub)
    msg = tmp_path / "msg"
    msg.write_bytes(b"abc")
    digest = hashlib.sha256(b"abc").hexdigest()
    run([tpm_cli, "sign", pem, digest, tmp_path / "sig"], env=clean)
    cp = run(["openssl", "dgst", "-sha256", "-verify", pubf, "-signature", tmp_path / "sig", msg],
             env=clean)
    assert b"Verified OK" in cp.stdout


def test_tls13_handshake_with_our_key(ossl_env, tpm_cli, procs, tmp_path):
    env = ossl_env
    key = tmp_path / "key"
    key.mkdir()
    run([tpm_cli, "key-create", "ecc256", key], env=tpm_env(env))
    cert = tmp_path / "cert.pem"
    # Self-signed by the TPM key through the provider.
    run(["openssl", "req", "-new", "-x509", "-provider", "tpm2", "-provider", "default",
         "-key", key / "key.pem", "-subj", "/CN=localhost", "-days", "1",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-out", cert], env=env)
    certpub = run(["openssl", "x509", "-in", cert, "-noout", "-pubkey"]).stdout
    assert certpub == (key / "key-pub.pem").read_bytes()

    port = free_port()
    server = procs(["openssl", "s_server", "-provider", "tpm2", "-provider", "default",
                    "-key", key / "key.pem", "-cert", cert, "-accept", f"127.0.0.1:{port}",
                    "-tls1_3", "-www"], "s_server", env=env)
    log = tmp_path / "s_server.log"
    server.wait_ready(lambda: b"ACCEPT" in (log.read_bytes() if log.exists() else b""),
                      what="openssl s_server")
    clean = {k: v for k, v in env.items() if k != "OPENSSL_CONF"}
    cp = run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_3",
              "-CAfile", cert, "-verify_return_error", "-servername", "localhost",
              "-ign_eof"], env=clean, input=b"GET / HTTP/1.0\r\n\r\n", timeout=60)
    out = cp.stdout.decode(errors="replace")
    assert "Verify return code: 0 (ok)" in out
    assert "TLSv1.3" in out
    assert "Peer signature type: ECDSA" in out or "ecdsa_secp256r1_sha256" in out
    assert "HTTP/1.0 200 ok" in out
    assert server.alive()
