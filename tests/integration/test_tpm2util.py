# SPDX-License-Identifier: Apache-2.0
"""Our pure TPM helpers (common/tpm2util.h, through tests/tools/tpm2util-tool)
against a real software TPM driven by tpm2-tools:

- a credential made by our MakeCredential for the TPM's RSA-2048 EK, its
  high-range ECC P-384 EK and a low-range ECC P-256 EK is recovered by
  TPM2_ActivateCredential (with the EK's own policy);
- a credential made for another Name, or for another EK, is refused by the
  TPM;
- TPM2_CertifyCreation and TPM2_Certify output freshly made by the TPM
  passes our checks, and the Names and EK URI we compute equal tpm2-tools'.
"""
import base64
import hashlib
import os
import subprocess

import pytest

from fixtures.procs import build_path, require_tool

# TCG EK Credential Profile: PolicyA (PolicySecret(endorsement)) and PolicyC
# in SHA-384; the high-range P-384 EK's authPolicy is PolicyOR of the two.
POLICY_A_SHA384 = bytes.fromhex(
    "8bbf2266537c171cb56e403c4dc1d4b64f432611dc386e6f532050c3278c930e"
    "143e8bb1133824ccb431053871c6db53")
POLICY_C_SHA384 = bytes.fromhex(
    "d6032ce61f2fb3c240eb3cf6a33237ef2b6a16f4293c22b455e261cffd217ad5"
    "b4947c2d73e63005eed2dc2b3593d165")


def tool():
    path = build_path("tests", "tools", "tpm2util-tool")
    assert os.access(path, os.X_OK), f"{path} not built (make check builds it)"
    return path


class Tpm:
    """tpm2-tools against one swtpm; flushes transients after every call
    (a raw swtpm has 3 object slots and no resource manager)."""

    def __init__(self, swtpm, d):
        self.env = swtpm.env()
        self.d = d

    def p(self, name):
        return os.path.join(self.d, name)

    def run(self, *args, check=True):
        cp = subprocess.run(list(args), env=self.env, capture_output=True, timeout=60)
        subprocess.run(["tpm2_flushcontext", "-t"], env=self.env, capture_output=True, timeout=30)
        if check and cp.returncode != 0:
            raise AssertionError(f"{args[0]} failed: {cp.stderr.decode(errors='replace')}")
        return cp

    def activate(self, ak_ctx, ek_handle, cred, out, high_range=False):
        """TPM2_ActivateCredential with the EK policy session; returns rc."""
        sess = self.p("session.ctx")
        if high_range:
            self.run("tpm2_startauthsession", "-Q", "--policy-session", "-g", "sha384", "-S", sess)
        else:
            self.run("tpm2_startauthsession", "-Q", "--policy-session", "-S", sess)
        try:
            self.run("tpm2_policysecret", "-Q", "-S", sess, "-c", "e")
            if high_range:
                a, c = self.p("policyA"), self.p("policyC")
                with open(a, "wb") as f:
                    f.write(POLICY_A_SHA384)
                with open(c, "wb") as f:
                    f.write(POLICY_C_SHA384)
                self.run("tpm2_policyor", "-Q", "-S", sess, "-l", f"sha384:{a},{c}")
            cp = self.run("tpm2_activatecredential", "-Q", "-c", ak_ctx, "-C", ek_handle,
                          "-i", cred, "-o", out, "-P", f"session:{sess}", check=False)
        finally:
            subprocess.run(["tpm2_flushcontext", sess], env=self.env, capture_output=True,
                           timeout=30)
        return cp


@pytest.fixture
def tpm(swtpm, tmp_path):
    for t in ("tpm2_readpublic", "tpm2_createak", "tpm2_createek", "tpm2_activatecredential",
              "tpm2_startauthsession", "tpm2_policysecret", "tpm2_policyor",
              "tpm2_flushcontext", "tpm2_create", "tpm2_createprimary", "tpm2_load",
              "tpm2_certify", "tpm2_certifycreation", "openssl"):
        require_tool(t)
    d = tmp_path / "tpm2util"
    d.mkdir()
    t = Tpm(swtpm, str(d))
    t.run("tpm2_readpublic", "-Q", "-c", "0x81010001", "-o", t.p("ek-rsa.pub"))
    t.run("tpm2_readpublic", "-Q", "-c", "0x81010001", "-f", "pem", "-o", t.p("ek-rsa.pem"))
    t.run("tpm2_readpublic", "-Q", "-c", "0x81010016", "-o", t.p("ek-ecc384.pub"))
    t.run("tpm2_readpublic", "-Q", "-c", "0x81010016", "-f", "pem", "-o", t.p("ek-ecc384.pem"))
    t.run("tpm2_createak", "-C", "0x81010001", "-c", t.p("ak.ctx"), "-G", "ecc", "-g", "sha256",
          "-s", "ecdsa", "-u", t.p("ak.pub"), "-n", t.p("ak.name"))
    with open(t.p("secret"), "wb") as f:
        f.write(os.urandom(32))
    return t


def makecred(t, out, name="ak.name", **ek):
    (kind, path), = ek.items()
    cp = subprocess.run([tool(), "makecred", f"--{kind.replace('_', '-')}", path,
                         "--name", t.p(name), "--secret", t.p("secret"), "--out", out],
                        capture_output=True, timeout=60)
    assert cp.returncode == 0, cp.stderr.decode(errors="replace")


def read(path):
    with open(path, "rb") as f:
        return f.read()


@pytest.mark.parametrize("ek,handle,high", [
    ("rsa", "0x81010001", False),
    ("ecc384", "0x81010016", True),
])
@pytest.mark.parametrize("form", ["ek_pub", "ek_pem"])
def test_tpm_activates_our_credential(tpm, ek, handle, high, form):
    cred = tpm.p("cred.bin")
    src = tpm.p(f"ek-{ek}.pub" if form == "ek_pub" else f"ek-{ek}.pem")
    makecred(tpm, cred, **{form: src})
    # tpm2_makecredential's file layout: header, TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET.
    blob = read(cred)
    assert blob[:8] == bytes.fromhex("badcc0de00000001")
    idlen = int.from_bytes(blob[8:10], "big")
    seclen = int.from_bytes(blob[10 + idlen:12 + idlen], "big")
    assert 12 + idlen + seclen == len(blob)
    # hmacLen || hmac || enc(u16 || 32-byte secret); hash of the EK's nameAlg.
    hlen = 32 if ek == "rsa" else 48
    assert idlen == 2 + hlen + 2 + 32
    assert seclen == (256 if ek == "rsa" else 2 + 48 + 2 + 48)

    out = tpm.p("recovered")
    cp = tpm.activate(tpm.p("ak.ctx"), handle, cred, out, high_range=high)
    assert cp.returncode == 0, cp.stderr.decode(errors="replace")
    assert read(out) == read(tpm.p("secret"))


def test_tpm_activates_for_low_range_p256_ek(tpm):
    """A P-256 EK from the low-range template (tpm2_createek -G ecc)."""
    tpm.run("tpm2_createek", "-c", tpm.p("ek256.ctx"), "-G", "ecc", "-u", tpm.p("ek256.pub"))
    tpm.run("tpm2_createak", "-C", tpm.p("ek256.ctx"), "-c", tpm.p("ak2.ctx"), "-G", "ecc",
            "-g", "sha256", "-s", "ecdsa", "-u", tpm.p("ak2.pub"), "-n", tpm.p("ak2.name"))
    cred = tpm.p("cred.bin")
    makecred(tpm, cred, name="ak2.name", ek_pub=tpm.p("ek256.pub"))
    out = tpm.p("recovered")
    cp = tpm.activate(tpm.p("ak2.ctx"), tpm.p("ek256.ctx"), cred, out)
    assert cp.returncode == 0, cp.stderr.decode(errors="replace")
    assert read(out) == read(tpm.p("secret"))


@pytest.mark.parametrize("ek,handle,high", [
    ("rsa", "0x81010001", False),
    ("ecc384", "0x81010016", True),
])
def test_tpm_refuses_credential_for_another_name(tpm, ek, handle, high):
    other = bytearray(read(tpm.p("ak.name")))
    other[-1] ^= 1
    with open(tpm.p("other.name"), "wb") as f:
        f.write(other)
    cred = tpm.p("cred.bin")
    makecred(tpm, cred, name="other.name", ek_pub=tpm.p(f"ek-{ek}.pub"))
    out = tpm.p("recovered")
    cp = tpm.activate(tpm.p("ak.ctx"), handle, cred, out, high_range=high)
    assert cp.returncode != 0
    assert not os.path.exists(out)
    # TPM_RC_INTEGRITY (0x9f) on parameter 2 (the credential blob).
    assert b"integrity" in cp.stderr.lower(), cp.stderr


def test_tpm_refuses_credential_for_another_ek(tpm):
    key = tpm.p("soft.key")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", key], check=True, capture_output=True, timeout=60)
    subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-out", tpm.p("soft.pem")],
                   check=True, capture_output=True, timeout=60)
    cred = tpm.p("cred.bin")
    makecred(tpm, cred, ek_pem=tpm.p("soft.pem"))
    out = tpm.p("recovered")
    cp = tpm.activate(tpm.p("ak.ctx"), "0x81010001", cred, out)
    assert cp.returncode != 0
    assert not os.path.exists(out)


def test_names_and_ek_uri_match_tpm2_tools(tpm):
    cp = subprocess.run([tool(), "name", tpm.p("ak.pub")], capture_output=True, timeout=30)
    assert cp.returncode == 0, cp.stderr
    assert bytes.fromhex(cp.stdout.decode().strip()) == read(tpm.p("ak.name"))
    for ek in ("rsa", "ecc384"):
        cp = subprocess.run([tool(), "ek-uri", tpm.p(f"ek-{ek}.pub")], capture_output=True,
                            timeout=30)
        assert cp.returncode == 0, cp.stderr
        der = subprocess.run(["openssl", "pkey", "-pubin", "-in", tpm.p(f"ek-{ek}.pem"),
                              "-outform", "DER"], check=True, capture_output=True,
                             timeout=30).stdout
        want = "urn:ek:sha256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()
        assert cp.stdout.decode().strip() == want


@pytest.mark.parametrize("alg", ["ecc256:ecdsa-sha256:null", "rsa2048:rsassa-sha256:null"])
def test_fresh_tpm_attestations_pass_our_checks(tpm, alg):
    p = tpm.p
    tpm.run("tpm2_createprimary", "-Q", "-C", "o", "-G", "ecc256:aes128cfb", "-g", "sha256",
            "-c", p("srk.ctx"))
    tpm.run("tpm2_create", "-Q", "-C", p("srk.ctx"), "-G", alg, "-g", "sha256",
            "-a", "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|sign",
            "-u", p("a.pub"), "-r", p("a.priv"), "--creation-data", p("a.cdata"),
            "-t", p("a.ticket"), "-d", p("a.chash"))
    tpm.run("tpm2_load", "-Q", "-C", p("srk.ctx"), "-u", p("a.pub"), "-r", p("a.priv"),
            "-c", p("a.ctx"), "-n", p("a.name"))
    tpm.run("tpm2_certifycreation", "-Q", "-C", p("a.ctx"), "-c", p("a.ctx"), "-d", p("a.chash"),
            "-t", p("a.ticket"), "-g", "sha256", "-o", p("a.csig"), "--attestation", p("a.catt"))
    cp = subprocess.run([tool(), "check-creation", p("a.pub"), p("a.cdata"), p("a.catt"),
                         p("a.csig")], capture_output=True, timeout=30)
    assert cp.returncode == 0, cp.stderr
    assert bytes.fromhex(cp.stdout.decode().strip()) == read(p("a.name"))

    tpm.run("tpm2_create", "-Q", "-C", p("srk.ctx"), "-G", alg, "-g", "sha256",
            "-a", "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|sign",
            "-u", p("k.pub"), "-r", p("k.priv"))
    tpm.run("tpm2_load", "-Q", "-C", p("srk.ctx"), "-u", p("k.pub"), "-r", p("k.priv"),
            "-c", p("k.ctx"))
    tpm.run("tpm2_certify", "-Q", "-C", p("a.ctx"), "-c", p("k.ctx"), "-g", "sha256",
            "-o", p("k.att"), "-s", p("k.sig"))
    args = [tool(), "check-certify", p("a.pub"), p("k.pub"), p("k.att"), p("k.sig")]
    # tpm2_certify always sets qualifying data 00ff55aa (tpm2-tools 5.4).
    cp = subprocess.run(args + ["00ff55aa"], capture_output=True, timeout=30)
    assert cp.returncode == 0, cp.stderr
    cp = subprocess.run(args + ["00ff55ab"], capture_output=True, timeout=30)
    assert cp.returncode == 1 and b"extraData" in cp.stderr
    # The AK is restricted: certifying it as a device key is refused.
    tpm.run("tpm2_certify", "-Q", "-C", p("a.ctx"), "-c", p("a.ctx"), "-g", "sha256",
            "-o", p("s.att"), "-s", p("s.sig"))
    cp = subprocess.run([tool(), "check-certify", p("a.pub"), p("a.pub"), p("s.att"), p("s.sig"),
                         "00ff55aa"], capture_output=True, timeout=30)
    assert cp.returncode == 1 and b"restricted" in cp.stderr
