# SPDX-License-Identifier: Apache-2.0
"""deviceidctl identity and the EK layer against a provisioned swtpm,
cross-checked with tpm2-tools and OpenSSL."""
import base64
import json

from fixtures.procs import free_port, require_tool, run
from fixtures.tpm import ek_uri_of_pem, getcap_fixed


def test_identity_json_matches_tpm2_tools(swtpm, deviceidctl, tmp_path):
    require_tool("tpm2_readpublic")
    env = swtpm.env()
    # No daemon anywhere: deviceidctl talks to the TPM itself.
    cp = run([deviceidctl, "identity", "--json"], env=env)
    info = json.loads(cp.stdout)

    ekpem = tmp_path / "ek.pem"
    run(["tpm2_readpublic", "-c", "0x81010001", "-f", "pem", "-o", ekpem], env=env)
    assert info["ekUri"] == ek_uri_of_pem(ekpem)
    assert info["ekType"] == "rsa2048"
    assert info["ekHandle"] == "0x81010001"
    # The EK public key we print is the same key.
    ours = tmp_path / "ours.pem"
    ours.write_text(info["ekPublicKey"])
    assert ek_uri_of_pem(ours) == info["ekUri"]
    # tpm2_createek derives the same RSA EK from the same template.
    created = tmp_path / "created.pem"
    run(["tpm2_createek", "-c", tmp_path / "ek.ctx", "-G", "rsa", "-u", created, "-f", "pem"],
        env=env)
    run(["tpm2_flushcontext", "-t"], env=env)
    assert ek_uri_of_pem(created) == info["ekUri"]

    # The EK certificate is the NV content, and it chains to the maker CA.
    nv = tmp_path / "nv.der"
    run(["tpm2_nvread", "-o", nv, "0x01c00002"], env=env)
    cert = base64.b64decode(info["ekCertificate"])
    assert info["ekCertificatePresent"] is True
    assert nv.read_bytes().startswith(cert)
    certpem = tmp_path / "ekcert.pem"
    run(["openssl", "x509", "-inform", "DER", "-in", nv, "-out", certpem])
    certpub = tmp_path / "certpub.pem"
    run(["openssl", "x509", "-in", certpem, "-noout", "-pubkey", "-out", certpub])
    assert ek_uri_of_pem(certpub) == info["ekUri"]

    # tpmInfo as protocols.md 1 defines it, from tpm2_getcap's raw values.
    props = getcap_fixed(env)
    ti = info["tpmInfo"]
    assert ti["version"] == 2
    assert ti["manufacturer"] == str(props["TPM2_PT_MANUFACTURER"])
    words = b"".join(props[f"TPM2_PT_VENDOR_STRING_{i}"].to_bytes(4, "big") for i in range(1, 5))
    assert ti["model"] == words.replace(b"\0", b"").decode()
    fw = props["TPM2_PT_FIRMWARE_VERSION_1"]
    assert ti["firmwareVersion"] == f"{fw >> 16}.{fw & 0xffff}"


def test_identity_text_and_tcti_option(swtpm, deviceidctl, tmp_path):
    env = swtpm.env()
    del env["DEVICEID_TCTI"]
    cp = run([deviceidctl, "identity", "--tcti", swtpm.tcti], env=env)
    out = cp.stdout.decode()
    j = json.loads(run([deviceidctl, "identity", "--json", "--tcti", swtpm.tcti], env=env).stdout)
    assert f"EK URI:          {j['ekUri']}\n" in out
    assert "EK certificate:  present" in out
    assert "-----BEGIN PUBLIC KEY-----" in out


def test_identity_ecc_ek_types(swtpm, deviceidctl, tmp_path):
    require_tool("tpm2_createek")
    env = swtpm.env()
    # P-384 high-range EK: persistent, with its certificate.
    j = json.loads(run([deviceidctl, "identity", "--json", "--ek-type", "ecc384"], env=env).stdout)
    assert j["ekHandle"] == "0x81010016" and j["ekCertificatePresent"] is True
    pem = tmp_path / "ek384.pem"
    run(["tpm2_readpublic", "-c", "0x81010016", "-f", "pem", "-o", pem], env=env)
    assert j["ekUri"] == ek_uri_of_pem(pem)

    # P-256 low-range EK: not persistent here, recreated from template L-2;
    # tpm2_createek makes the same key from the same template.
    j = json.loads(run([deviceidctl, "identity", "--json", "--ek-type", "ecc256"], env=env).stdout)
    assert "ekHandle" not in j and j["ekCertificatePresent"] is False
    pem = tmp_path / "ek256.pem"
    run(["tpm2_createek", "-c", tmp_path / "ek.ctx", "-G", "ecc", "-u", pem, "-f", "pem"], env=env)
    run(["tpm2_flushcontext", "-t"], env=env)
    assert j["ekUri"] == ek_uri_of_pem(pem)
    # We left nothing loaded.
    assert run(["tpm2_getcap", "handles-transient"], env=env).stdout.strip() == b""


def test_templates_recreate_the_persistent_eks(swtpm, tpm_cli, tmp_path):
    """Our L-1 and H-3 templates derive exactly the keys swtpm_setup
    persisted: evict them, recreate, compare."""
    env = swtpm.env()
    for typ, handle in (("rsa2048", "0x81010001"), ("ecc384", "0x81010016")):
        before = tmp_path / f"{typ}-before"
        after = tmp_path / f"{typ}-after"
        before.mkdir()
        after.mkdir()
        run([tpm_cli, "ek", typ, before], env=env)
        assert (before / "ek.handle").read_text() == handle
        run(["tpm2_evictcontrol", "-C", "o", "-c", handle], env=env)
        run([tpm_cli, "ek", typ, after], env=env)
        assert (after / "ek.handle").read_text() == "0x00000000"
        assert (after / "ek.uri").read_text() == (before / "ek.uri").read_text()
        # The certificate stays in NV and is still found.
        assert (after / "ek.der").read_bytes() == (before / "ek.der").read_bytes()
    assert run(["tpm2_getcap", "handles-transient"], env=env).stdout.strip() == b""


def test_identity_fails_clearly_without_tpm(deviceidctl):
    port = free_port()
    cp = run([deviceidctl, "identity", "--tcti", f"swtpm:host=127.0.0.1,port={port}"],
             check=False, env={"PATH": "/usr/bin:/bin", "TSS2_LOG": "all+none"})
    assert cp.returncode == 1
    assert b"Failed to open the TPM" in cp.stderr


def test_identity_rejects_bad_arguments(deviceidctl):
    cp = run([deviceidctl, "identity", "--ek-type", "dsa"], check=False)
    assert cp.returncode == 1 and b"Unknown EK type" in cp.stderr
