# SPDX-License-Identifier: Apache-2.0
"""AKs, credential activation, certified device keys and signing, against
swtpm, each cross-checked with an independent implementation: tpm2-tools
(makecredential, load, verifysignature), python3-tpm2-pytss (structure
parsing, Names) and the openssl CLI (signatures)."""
import hashlib
import os

import pytest

from fixtures.procs import require_tool, run
from fixtures.tpm import openssl_verify, read_makecredential_output, sig_to_der


def pytss_types():
    try:
        from tpm2_pytss import types
    except ImportError:  # pragma: no cover
        require_tool("python3-tpm2-pytss (module tpm2_pytss)")
    return types


def transient_handles(env):
    return run(["tpm2_getcap", "handles-transient"], env=env).stdout.strip()


@pytest.mark.parametrize("alg", ["ecc256", "rsa2048"])
def test_ak_certify_creation_checks_independently(swtpm, tpm_cli, tmp_path, alg):
    t = pytss_types()
    env = swtpm.env()
    d = tmp_path / "ak"
    d.mkdir()
    run([tpm_cli, "ak-create", alg, d], env=env)  # also runs tpm2util's checks

    public = (d / "public.bin").read_bytes()
    pub, off = t.TPMT_PUBLIC.unmarshal(public)
    assert off == len(public)
    attrs = int(pub.objectAttributes)
    for bit in (t.TPMA_OBJECT.FIXEDTPM, t.TPMA_OBJECT.FIXEDPARENT,
                t.TPMA_OBJECT.SENSITIVEDATAORIGIN, t.TPMA_OBJECT.RESTRICTED,
                t.TPMA_OBJECT.SIGN_ENCRYPT):
        assert attrs & bit
    assert not attrs & t.TPMA_OBJECT.DECRYPT
    name = bytes(pub.get_name())
    assert name == (d / "ak.name").read_bytes()
    assert name[:2] == b"\x00\x0b" and name[2:] == hashlib.sha256(public).digest()

    attest_bytes = (d / "attest.bin").read_bytes()
    attest, off = t.TPMS_ATTEST.unmarshal(attest_bytes)
    assert off == len(attest_bytes)
    assert attest.magic == 0xFF544347
    assert attest.type == 0x801A  # TPM_ST_ATTEST_CREATION
    assert bytes(attest.attested.creation.objectName) == name
    assert bytes(attest.attested.creation.creationHash) == hashlib.sha256(
        (d / "create_data.bin").read_bytes()).digest()
    _, sig = sig_to_der((d / "sig.bin").read_bytes())
    assert openssl_verify(d / "ak-pub.pem", d / "attest.bin", sig, tmp_path)
    # A flipped bit in the attestation no longer verifies.
    bad = tmp_path / "bad.bin"
    bad.write_bytes(attest_bytes[:-1] + bytes([attest_bytes[-1] ^ 1]))
    assert not openssl_verify(d / "ak-pub.pem", bad, sig, tmp_path)
    assert transient_handles(env) == b""


@pytest.mark.parametrize("ektype,ekhandle", [("rsa2048", "0x81010001"),
                                             ("ecc384", "0x81010016")])
def test_tpm2_tools_makecredential_is_activated(swtpm, tpm_cli, tmp_path, ektype, ekhandle):
    require_tool("tpm2_makecredential")
    env = swtpm.env()
    d = tmp_path / "ak"
    d.mkdir()
    run([tpm_cli, "ak-create", "ecc256", d], env=env)
    ekpub = tmp_path / "ek.pub"
    run(["tpm2_readpublic", "-c", ekhandle, "-o", ekpub], env=env)
    secret = os.urandom(32)
    (tmp_path / "secret").write_bytes(secret)
    name = (d / "ak.name").read_bytes()

    out = tmp_path / "mkcred.out"
    run(["tpm2_makecredential", "-T", "none", "-u", ekpub, "-s", tmp_path / "secret",
         "-n", name.hex(), "-o", out], env=env)
    cred, enc = read_makecredential_output(out)
    (tmp_path / "cred").write_bytes(cred)
    (tmp_path / "enc").write_bytes(enc)
    cp = run([tpm_cli, "activate", d, tmp_path / "cred", tmp_path / "enc", ektype], env=env)
    assert bytes.fromhex(cp.stdout.decode().strip()) == secret

    # Made for another Name: the TPM refuses, and we say so.
    wrong = bytearray(name)
    wrong[-1] ^= 1
    out2 = tmp_path / "mkcred2.out"
    run(["tpm2_makecredential", "-T", "none", "-u", ekpub, "-s", tmp_path / "secret",
         "-n", wrong.hex(), "-o", out2], env=env)
    cred, enc = read_makecredential_output(out2)
    (tmp_path / "cred2").write_bytes(cred)
    (tmp_path / "enc2").write_bytes(enc)
    cp = run([tpm_cli, "activate", d, tmp_path / "cred2", tmp_path / "enc2", ektype], env=env,
             check=False)
    assert cp.returncode == 1
    assert b"Failed to activate the credential" in cp.stderr
    assert transient_handles(env) == b""


def test_own_makecredential_is_activated_for_every_ek(swtpm, tpm_cli, tmp_path):
    env = swtpm.env()
    for alg in ("ecc256", "rsa2048"):
        d = tmp_path / alg
        d.mkdir()
        run([tpm_cli, "ak-create", alg, d], env=env)
        for ek in ("rsa2048", "ecc256", "ecc384"):
            cp = run([tpm_cli, "activate-self", d, ek], env=env)
            assert len(bytes.fromhex(cp.stdout.decode().strip())) == 32
    assert transient_handles(env) == b""


@pytest.mark.parametrize("alg", ["ecc256", "rsa2048"])
def test_certify_and_sign_checked_by_tpm2_tools(tabrmd, tpm_cli, tmp_path, alg):
    t = pytss_types()
    env = tabrmd.env
    ak, key, out = tmp_path / "ak", tmp_path / "key", tmp_path / "out"
    for p in (ak, key, out):
        p.mkdir()
    run([tpm_cli, "ak-create", alg, ak], env=env)
    run([tpm_cli, "key-create", alg, key], env=env)
    qualifying = hashlib.sha256(b"token.thumbprint").digest()
    run([tpm_cli, "certify", key, ak, qualifying.hex(), out], env=env)

    area = (out / "pubarea.bin").read_bytes()
    pub, _ = t.TPMT_PUBLIC.unmarshal(area)
    attrs = int(pub.objectAttributes)
    assert not attrs & t.TPMA_OBJECT.RESTRICTED
    assert attrs & t.TPMA_OBJECT.SIGN_ENCRYPT and attrs & t.TPMA_OBJECT.FIXEDTPM
    info_bytes = (out / "certinfo.bin").read_bytes()
    info, _ = t.TPMS_ATTEST.unmarshal(info_bytes)
    assert info.magic == 0xFF544347 and info.type == 0x8017  # ATTEST_CERTIFY
    assert bytes(info.extraData) == qualifying
    assert bytes(info.attested.certify.name) == bytes(pub.get_name())
    _, sig = sig_to_der((out / "sig.bin").read_bytes())
    assert openssl_verify(ak / "ak-pub.pem", out / "certinfo.bin", sig, tmp_path)

    # tpm2-tools loads our blobs under the same SRK, and the TPM itself
    # verifies the AK's signature over certInfo.
    run(["tpm2_createprimary", "-C", "o", "-g", "sha256", "-G", "ecc256:null:aes128cfb",
         "-a", "restricted|decrypt|fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda",
         "-c", tmp_path / "srk.ctx"], env=env)
    run(["tpm2_load", "-C", tmp_path / "srk.ctx", "-u", ak / "ak.pub", "-r", ak / "ak.priv",
         "-c", tmp_path / "ak.ctx"], env=env)
    run(["tpm2_verifysignature", "-c", tmp_path / "ak.ctx", "-g", "sha256",
         "-m", out / "certinfo.bin", "-s", out / "sig.bin", "-t", tmp_path / "ticket"], env=env)
    # ... and signs with our device key; the signer's own signatures verify.
    run(["tpm2_load", "-C", tmp_path / "srk.ctx", "-u", key / "key.pub", "-r", key / "key.priv",
         "-c", tmp_path / "key.ctx"], env=env)
    msg = tmp_path / "msg"
    msg.write_bytes(b"hello")
    run(["tpm2_sign", "-c", tmp_path / "key.ctx", "-g", "sha256", "-o", tmp_path / "tsig",
         msg], env=env)
    _, tsig = sig_to_der((tmp_path / "tsig").read_bytes())
    assert openssl_verify(key / "key-pub.pem", msg, tsig, tmp_path)

    digest = hashlib.sha256(b"hello").hexdigest()
    run([tpm_cli, "sign", key / "key.pem", digest, tmp_path / "oursig"], env=env,
        cwd=tmp_path)
    assert openssl_verify(key / "key-pub.pem", msg, (tmp_path / "oursig").read_bytes(), tmp_path)


def test_many_cycles_leak_no_handle_on_raw_swtpm(swtpm, tpm_cli):
    """A raw swtpm has 3 object slots: any leaked transient ends in 0x902."""
    env = swtpm.env()
    cp = run([tpm_cli, "cycles", "30", "ecc256"], env=env, timeout=300)
    assert b"30 cycles ok" in cp.stdout
    cp = run([tpm_cli, "cycles", "3", "rsa2048"], env=env, timeout=300)
    assert b"3 cycles ok" in cp.stdout
    assert transient_handles(env) == b""


def test_truncated_and_foreign_blobs_are_refused(swtpm, tpm_cli, tmp_path):
    env = swtpm.env()
    d = tmp_path / "ak"
    d.mkdir()
    run([tpm_cli, "ak-create", "ecc256", d], env=env)
    pub = (d / "ak.pub").read_bytes()
    (d / "ak.pub").write_bytes(pub[:-3])
    cp = run([tpm_cli, "activate-self", d], env=env, check=False)
    assert cp.returncode == 1 and b"Bad message" in cp.stderr
    # A private blob from another AK: the TPM's integrity check refuses it.
    e = tmp_path / "ak2"
    e.mkdir()
    run([tpm_cli, "ak-create", "ecc256", e], env=env)
    (d / "ak.pub").write_bytes(pub)
    (d / "ak.priv").write_bytes((e / "ak.priv").read_bytes())
    cp = run([tpm_cli, "activate-self", d], env=env, check=False)
    assert cp.returncode == 1
    assert transient_handles(env) == b""
